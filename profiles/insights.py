"""Interests by area and hour of the week, aggregated for planners and marketers, k-anonymously.

The unit of k-anonymity is one released row: (area, local day of week, local hour, top-level category). A row is
released only when at least ``min_users`` distinct users made its visits; smaller rows are suppressed, and only
how many were suppressed is reported. Every other figure (area summaries, heat maps) is computed from the visits of
released rows alone, so each rests on released rows only: no figure stands on fewer than ``min_users`` users, and
no suppressed row can be recovered by subtracting released figures from a total.

Areas are H3 cells at ``privacy.insights_resolution``; only visit events count. Outputs never hold user ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from profiles.calendar import WEEKDAYS
from profiles.config import Settings
from profiles.events import Action
from profiles.geo import cell_centre, cell_of
from profiles.places import top_category_column
from profiles.preprocessing import HOURS_PER_DAY, local_times

DAY_NAMES: tuple[str, ...] = WEEKDAYS  # the heat map's rows, Monday first, in the calendar's words
ROW_KEYS: tuple[str, ...] = ("area", "day", "hour", "category")
TABLE_COLUMNS: tuple[str, ...] = (*ROW_KEYS, "events", "users", "latitude", "longitude")
AREA_COLUMNS: tuple[str, ...] = ("area", "latitude", "longitude", "events", "users", "top_categories")
OTHER_CATEGORY = "(other)"


@dataclass(frozen=True)
class Insights:
    """Released aggregates and how many rows and areas were withheld (counts only)."""

    table: pd.DataFrame  # TABLE_COLUMNS, one row per released (area, day, hour, category)
    areas: pd.DataFrame  # AREA_COLUMNS, one row per released area, busiest first
    heatmap: pd.DataFrame  # 7 × 24 event counts over every released row
    suppressed_rows: int
    suppressed_areas: int
    min_users: int
    resolution: int


# Visit-level input (holds user ids: never released) ------------------------------------------------------------------


def visit_frame(events: pd.DataFrame, items: pd.DataFrame | None, *, resolution: int, timezone: str) -> pd.DataFrame:
    """One row per visit: ``user_id``, ``area`` (H3 cell), local ``day`` (0 = Monday), ``hour`` and ``category``.

    The stored ``local_time`` is used when present (ingest computed it with the configured zone, per event for
    'auto'), so insights agree with profiles; otherwise local time is computed here in ``timezone``.
    """
    visits = events[events["action"] == Action.VISIT.value] if "action" in events.columns else events
    if "local_time" in visits.columns:
        local = visits["local_time"]
    else:
        local, _ = local_times(visits["timestamp"], visits["latitude"], visits["longitude"], timezone)
    return pd.DataFrame(
        {
            "user_id": visits["user_id"].astype(str).to_numpy(),
            "area": _areas(visits["latitude"].to_numpy(), visits["longitude"].to_numpy(), resolution),
            "day": local.dt.dayofweek.to_numpy(dtype=np.int64),
            "hour": local.dt.hour.to_numpy(dtype=np.int64),
            "category": top_categories(visits, items).to_numpy(),
        }
    )


def top_categories(events: pd.DataFrame, items: pd.DataFrame | None) -> pd.Series:
    """Each event's top-level category (``profiles.places.top_category``); its own category when the catalogue lacks it.

    The same rule as ``profiles.finetune.top_categories``, kept here so insights do not import torch.
    """
    own = _text(events, "category")
    path = pd.Series("", index=events.index, dtype=object)
    if items is not None and not items.empty:
        # A catalogue merged from several sources may repeat an id; the last entry is the newest.
        catalogue = items.drop_duplicates("item_id", keep="last").set_index("item_id")
        mapped = events["item_id"].map(_text(catalogue, "category_path")).fillna("").astype(str)
        short = events["item_id"].map(_text(catalogue, "category")).fillna("").astype(str)
        path = mapped.where(mapped != "", short)
    top = top_category_column(path.where(path != "", own))
    return top.where(top != "", OTHER_CATEGORY).rename("category")


def released_visits(visits: pd.DataFrame, *, min_users: int) -> pd.DataFrame:
    """The visits whose (area, day, hour, category) row has at least ``min_users`` distinct users."""
    return visits[_row_users(visits) >= min_users]


def suppressed_rows(visits: pd.DataFrame, *, min_users: int) -> int:
    """How many (area, day, hour, category) rows have fewer than ``min_users`` distinct users."""
    users = visits.groupby(list(ROW_KEYS), sort=False)["user_id"].nunique()
    return int((users < min_users).sum())


# Released aggregates ------------------------------------------------------------------------------------------------


def hour_table(visits: pd.DataFrame, *, min_users: int) -> pd.DataFrame:
    """``events`` and distinct ``users`` per (area, day, hour, category) with the area's centre; small rows dropped."""
    rows = (
        visits.groupby(list(ROW_KEYS), sort=True)
        .agg(events=("user_id", "size"), users=("user_id", "nunique"))
        .reset_index()
    )
    released = rows[rows["users"] >= min_users].reset_index(drop=True)
    return _with_centres(released).reindex(columns=list(TABLE_COLUMNS)).astype({"events": "int64", "users": "int64"})


def area_hour_table(
    events: pd.DataFrame, items: pd.DataFrame | None, *, resolution: int, min_users: int, timezone: str
) -> pd.DataFrame:
    """The released (area, day, hour, category) table straight from an events frame and its catalogue."""
    return hour_table(visit_frame(events, items, resolution=resolution, timezone=timezone), min_users=min_users)


def area_summary(visits: pd.DataFrame, *, min_users: int, top: int = 3) -> pd.DataFrame:
    """Per area: released events, distinct users and up to ``top`` categories by events; busiest area first.

    Takes visits, not the hour table, because distinct users cannot be summed across hours. Rows are suppressed
    first, so an area's figures are exactly the sum of its released rows and reveal nothing the table withholds.
    """
    released = released_visits(visits, min_users=min_users)
    areas = released.groupby("area", sort=True).agg(events=("user_id", "size"), users=("user_id", "nunique"))
    # Any released row already brings min_users users; applying the rule again keeps the guarantee local.
    areas = areas[areas["users"] >= min_users]
    counts = released.groupby(["area", "category"], sort=False).size().rename("count").reset_index()
    ranked = counts.sort_values(["area", "count", "category"], ascending=[True, False, True], kind="stable")
    tops = ranked.groupby("area", sort=False).head(top).groupby("area", sort=True)["category"].agg(list)
    summary = areas.join(tops.rename("top_categories")).reset_index()
    summary = summary.sort_values(["events", "area"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return _with_centres(summary).reindex(columns=list(AREA_COLUMNS)).astype({"events": "int64", "users": "int64"})


def week_heatmap(table: pd.DataFrame, category: str | None = None, area: str | None = None) -> pd.DataFrame:
    """Events by local day (rows Monday..Sunday) and hour (columns 0..23) from released rows of the hour table."""
    if "events" not in table.columns or "users" not in table.columns:
        # A visits frame would put suppressed visits on the map.
        raise ValueError("week_heatmap needs the released hour table (hour_table / area_hour_table), not visits")
    rows = table
    if category is not None:
        rows = rows[rows["category"] == category]
    if area is not None:
        rows = rows[rows["area"] == area]
    grid = np.zeros((len(DAY_NAMES), HOURS_PER_DAY), dtype=np.int64)
    np.add.at(
        grid, (rows["day"].to_numpy(dtype=np.intp), rows["hour"].to_numpy(dtype=np.intp)), rows["events"].to_numpy()
    )
    return pd.DataFrame(
        grid, index=pd.Index(DAY_NAMES, name="day"), columns=pd.Index(range(HOURS_PER_DAY), name="hour")
    )


def build_insights(events: pd.DataFrame, items: pd.DataFrame | None, settings: Settings) -> Insights:
    """Table, area summary and heat map under ``privacy.insights_min_users`` and ``privacy.insights_resolution``."""
    min_users = settings.privacy.insights_min_users
    resolution = settings.privacy.insights_resolution
    visits = visit_frame(events, items, resolution=resolution, timezone=settings.preprocessing.timezone)
    table = hour_table(visits, min_users=min_users)
    areas = area_summary(visits, min_users=min_users)
    return Insights(
        table=table,
        areas=areas,
        heatmap=week_heatmap(table),
        suppressed_rows=suppressed_rows(visits, min_users=min_users),
        suppressed_areas=int(visits["area"].nunique() - len(areas)),
        min_users=min_users,
        resolution=resolution,
    )


# Helpers ------------------------------------------------------------------------------------------------------------


def _row_users(visits: pd.DataFrame) -> pd.Series:
    """For each visit, the distinct users of its (area, day, hour, category) row."""
    return visits.groupby(list(ROW_KEYS), sort=False)["user_id"].transform("nunique")


def _areas(latitudes: npt.NDArray[np.float64], longitudes: npt.NDArray[np.float64], resolution: int) -> npt.NDArray:
    """The H3 cell of each point, one lookup per distinct point (a few thousand venues, not 100k visits)."""
    if len(latitudes) == 0:
        return np.empty(0, dtype=object)
    points = pd.DataFrame({"latitude": latitudes, "longitude": longitudes}).groupby(
        ["latitude", "longitude"], sort=False, dropna=False
    )
    cells = np.array([cell_of(float(lat), float(lon), resolution) for lat, lon in points.size().index], dtype=object)
    return cells[points.ngroup().to_numpy()]


def _with_centres(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the ``latitude`` and ``longitude`` of its ``area``'s centre, one lookup per area."""
    areas = pd.unique(frame["area"])
    centres = pd.DataFrame([cell_centre(area) for area in areas], index=areas, columns=["latitude", "longitude"])
    if centres.empty:
        return frame.assign(latitude=pd.Series(dtype="float64"), longitude=pd.Series(dtype="float64"))
    return frame.assign(
        latitude=frame["area"].map(centres["latitude"]).astype("float64"),
        longitude=frame["area"].map(centres["longitude"]).astype("float64"),
    )


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column with missing values as '', or all '' when the frame lacks it."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str)
