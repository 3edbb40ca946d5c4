"""One user's activity from the stored events: their places (visits and feedback per place) and weekly rhythm.

Events and items travel as the frames of ``profiles.events`` (``EVENT_COLUMNS``, ``ITEM_COLUMNS``); the stored events
may also carry the preprocessing features (``hour_of_week``, ``local_time``). Nothing here is released beyond the
user it is about: the cross-user, k-anonymous aggregates are ``profiles.insights``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import NamedTuple

import numpy as np
import pandas as pd

from profiles.calendar import DAYPARTS, HOURS_PER_DAY, WEEKEND_DAYS, dayparts
from profiles.events import Action
from profiles.geo import haversine_km
from profiles.insights import DAY_NAMES
from profiles.places import leaf_category, of_kind_column

EMPTY_EVENT_COLUMNS: tuple[str, ...] = ("user_id", "item_id", "timestamp", "latitude", "longitude", "action")
PLACE_COLUMNS: tuple[str, ...] = (
    "item_id",
    "name",
    "category",
    "latitude",
    "longitude",
    "visits",
    "likes",
    "dislikes",
    "feedback",
    "last",
)


def user_events(events: pd.DataFrame | None, user_id: str) -> pd.DataFrame:
    """The user's behaviour rows of ``events`` (their stated preferences are not behaviour); an empty frame when
    there are no events or no user."""
    if events is None or not user_id:
        return pd.DataFrame(columns=list(EMPTY_EVENT_COLUMNS))
    mine = events[events["user_id"] == user_id]
    if "action" in mine:
        mine = mine[~mine["action"].isin([Action.PREFER.value, Action.UNPREFER.value])]
    return mine


def user_visits(events: pd.DataFrame | None, user_id: str) -> pd.DataFrame:
    """The user's visits among ``events``: a 👍 or a stated preference is not a visit."""
    mine = user_events(events, user_id)
    if mine.empty:
        return mine
    return mine[mine["action"].fillna(Action.VISIT.value).astype(str) == Action.VISIT.value]


def visits_between(events: pd.DataFrame | None, user_id: str, since: datetime, until: datetime) -> pd.DataFrame:
    """The user's visits from ``since`` and before ``until`` (time zone-aware), in time order."""
    mine = user_visits(events, user_id)
    if mine.empty:
        return mine
    chosen = mine[(mine["timestamp"] >= pd.Timestamp(since)) & (mine["timestamp"] < pd.Timestamp(until))]
    return chosen.sort_values("timestamp", kind="stable")


def user_places(events: pd.DataFrame | None, items: pd.DataFrame, user_id: str) -> pd.DataFrame:
    """The user's places (``PLACE_COLUMNS``): visits, likes and dislikes per place, the latest feedback ("like",
    "dislike" or ""), the time of the last event, the name and position; most visited first.

    A place's position is the median of its events' (check-ins scatter around the venue); a place missing from the
    catalogue, or without a name, is called after its category ("a Cafe"), or "a place".
    """
    columns = list(PLACE_COLUMNS)
    mine = user_events(events, user_id)
    if mine.empty:
        return pd.DataFrame(columns=columns)
    # Events stored before actions existed are visits.
    action = mine["action"].fillna(Action.VISIT.value).astype(str)
    per_place = (
        mine.assign(
            visits=(action == Action.VISIT.value).astype(int),
            likes=(action == Action.LIKE.value).astype(int),
            dislikes=(action == Action.DISLIKE.value).astype(int),
        )
        .groupby("item_id", sort=False)
        .agg(
            latitude=("latitude", "median"),
            longitude=("longitude", "median"),
            visits=("visits", "sum"),
            likes=("likes", "sum"),
            dislikes=("dislikes", "sum"),
            last=("timestamp", "max"),
        )
        .reset_index()
    )
    rated = mine[action.isin([Action.LIKE.value, Action.DISLIKE.value])].sort_values("timestamp", kind="stable")
    latest = rated.groupby("item_id", sort=False)["action"].last().astype(str)
    per_place["feedback"] = per_place["item_id"].map(latest).fillna("").astype(str)
    catalogue = items.drop_duplicates("item_id").set_index("item_id")
    per_place["category"] = per_place["item_id"].map(catalogue["category"]).fillna("").astype(str)
    names = per_place["item_id"].map(catalogue["name"]).fillna("").astype(str)
    per_place["name"] = names.where(
        names != "", "a " + per_place["category"].where(per_place["category"] != "", "place")
    )
    ordered = per_place.sort_values(["visits", "last"], ascending=[False, False], kind="stable")
    return ordered.reindex(columns=columns).reset_index(drop=True)


def week_grid(days: Sequence[int], hours: Sequence[int], labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Counts by local day (rows Monday..Sunday) and hour (columns 0..23); with ``labels``, the ``top`` label of
    each cell in ``.attrs["top"]`` (a 7 × 24 frame of text, "" where a cell is empty)."""
    grid = np.zeros((7, 24), dtype=np.int64)
    np.add.at(grid, (np.asarray(days, dtype=np.intp), np.asarray(hours, dtype=np.intp)), 1)
    frame = pd.DataFrame(grid, index=pd.Index(DAY_NAMES, name="day"), columns=pd.Index(range(24), name="hour"))
    if labels is not None and len(labels):
        cells = pd.DataFrame({"day": days, "hour": hours, "label": labels})
        counted = cells.groupby(["day", "hour", "label"], sort=True).size().rename("n").reset_index()
        # A stable sort of label-sorted counts: a tie goes to the label first in alphabetical order.
        top = counted.sort_values("n", ascending=False, kind="stable").drop_duplicates(["day", "hour"])
        text = np.full((7, 24), "", dtype=object)
        text[top["day"].to_numpy(dtype=np.intp), top["hour"].to_numpy(dtype=np.intp)] = top["label"].to_numpy()
        frame.attrs["top"] = pd.DataFrame(text, index=frame.index, columns=frame.columns)
    return frame


def user_rhythm(events: pd.DataFrame | None, items: pd.DataFrame, user_id: str) -> pd.DataFrame:
    """The user's stored events (every action) by local day and hour of the week (``week_grid``), with each cell's
    most frequent category as its top label."""
    mine = user_events(events, user_id)
    # Stored events carry ingest's hour_of_week (local time per the configured zone); local_time is the fallback.
    if "hour_of_week" in mine.columns:
        hour_of_week = mine["hour_of_week"].to_numpy(dtype=np.int64)
        days, hours = hour_of_week // 24, hour_of_week % 24
    else:
        local = pd.to_datetime(mine["local_time"])
        days, hours = local.dt.dayofweek.to_numpy(), local.dt.hour.to_numpy()
    categories = mine["item_id"].map(items.drop_duplicates("item_id").set_index("item_id")["category"])
    return week_grid(days, hours, categories.fillna("").astype(str).tolist())


KIND_COLUMNS: tuple[str, ...] = ("kind", "visits", "weekday", "daypart", "last", "slot_visits")
SATURDAY = WEEKEND_DAYS[0]
SLICE_COLUMNS: tuple[str, ...] = ("weekday", "daypart", "visits", "users")
CHANGE_COLUMNS: tuple[str, ...] = ("kind", "recent", "earlier", "recent_share", "earlier_share", "shift")
# Fewer visits than this at a time of the week say too little about where the user is then: all their visits do.
MIN_VISITS_AT_THE_TIME = 3
# Where the user usually is counts the visits around each of their places within this distance (a neighbourhood).
WHEREABOUTS_RADIUS_KM = 1.0
# The most places weighed (the most visited): bounds the pairwise distances for users with thousands of places.
WHEREABOUTS_PLACES = 400


def place_visits(events: pd.DataFrame | None, item_id: str) -> pd.DataFrame:
    """Everyone's visits to one place (rows of ``events``); other actions are not visits."""
    if events is None or events.empty:
        return pd.DataFrame(columns=list(EMPTY_EVENT_COLUMNS))
    return _visits_only(events[events["item_id"] == item_id])


def places_visits(events: pd.DataFrame | None, item_ids: Collection[str]) -> pd.DataFrame:
    """Everyone's visits to any of several places (:func:`place_visits` of each, in one pass over ``events``)."""
    if events is None or events.empty:
        return pd.DataFrame(columns=list(EMPTY_EVENT_COLUMNS))
    return _visits_only(events[events["item_id"].isin(set(item_ids))])


def _visits_only(rows: pd.DataFrame) -> pd.DataFrame:
    if "action" in rows.columns:
        return rows[rows["action"].fillna(Action.VISIT.value).astype(str) == Action.VISIT.value]
    return rows


# A place whose every visit fell within this span, by this many people or more, was an event held there once
# ("SantaCon NYC", "Memorial Daypocalypse 2012", a concert's simulcast), not a place to go to once it is over.
EVENT_SPAN = pd.Timedelta(hours=72)
EVENT_MIN_PEOPLE = 5


def one_off_events(
    events: pd.DataFrame | None, span: pd.Timedelta = EVENT_SPAN, min_people: int = EVENT_MIN_PEOPLE
) -> pd.Series:
    """The places that were one-off events: every visit within ``span`` of the first, by ``min_people`` people or
    more; the time of each one's last visit, by item id."""
    if events is None or events.empty:
        return pd.Series(dtype="datetime64[ns, UTC]")
    visits = events
    if "action" in visits.columns:
        visits = visits[visits["action"].fillna(Action.VISIT.value).astype(str) == Action.VISIT.value]
    held = visits.groupby("item_id").agg(
        first=("timestamp", "min"), last=("timestamp", "max"), people=("user_id", "nunique")
    )
    once = held[(held["last"] - held["first"] <= span) & (held["people"] >= min_people)]
    return once["last"]


def place_slices(visits: pd.DataFrame, *, by_weekday: bool = True) -> pd.DataFrame:
    """A place's visits (``place_visits``) by slice of the week (``SLICE_COLUMNS``: weekday 0 = Monday, the
    calendar's day part, visits, distinct users), most visited first, one row per slice with a visit; without
    ``by_weekday``, by day part over the whole week (weekday -1). The caller
    decides what may be shown to someone else (``Service.place_facts`` does it k-anonymously, as
    ``profiles.insights`` does)."""
    if visits.empty or "hour_of_week" not in visits.columns:
        return pd.DataFrame(columns=list(SLICE_COLUMNS))
    hour_of_week = visits["hour_of_week"].to_numpy(dtype=np.int64)
    frame = pd.DataFrame(
        {
            "weekday": hour_of_week // HOURS_PER_DAY,
            "daypart": dayparts(hour_of_week % HOURS_PER_DAY),
            "user_id": visits["user_id"].to_numpy(),
        }
    )
    if not by_weekday:
        frame["weekday"] = -1
    grouped = frame.groupby(["weekday", "daypart"], sort=True)["user_id"]
    table = pd.DataFrame({"visits": grouped.size(), "users": grouped.nunique()}).reset_index()
    ordered = table.sort_values("visits", ascending=False, kind="stable")
    return ordered.reindex(columns=list(SLICE_COLUMNS)).reset_index(drop=True)


def in_week_slice(visits: pd.DataFrame, weekdays: Sequence[int], part: str | None = None) -> pd.Series:
    """Which of a place's visits (``place_visits``) fall on one of ``weekdays`` (0 = Monday), in the calendar's day
    part ``part`` when given: the visits behind one slice of :func:`place_slices`, or several days of them."""
    if visits.empty or "hour_of_week" not in visits.columns:
        return pd.Series(False, index=visits.index, dtype=bool)
    hours = visits["hour_of_week"].to_numpy(dtype=np.int64)
    kept = np.isin(hours // HOURS_PER_DAY, list(weekdays))
    if part is not None:
        kept &= dayparts(hours % HOURS_PER_DAY) == part
    return pd.Series(kept, index=visits.index, dtype=bool)


def user_habits(
    events: pd.DataFrame | None,
    items: pd.DataFrame,
    user_id: str,
    *,
    weekday: int | None = None,
    daypart: str | None = None,
    weekend: bool = False,
    workweek: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: str | None = None,
    item_id: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The user's visits in a slice of the week — one weekday (0 = Monday), the weekend or the ``workweek`` (Monday
    to Friday), one day part of the calendar, both or neither — and only from ``since`` on and before ``until`` when
    given (time zone-aware), and only at places of ``kind`` when given (``profiles.places.is_of_kind``: "Bar",
    "Museum"), or at the one place ``item_id``, as (kinds, places). ``kinds`` (``KIND_COLUMNS``): per leaf category,
    the visits, the weekday and day part most of them fell on and how many fell there, the last visit; ``places``:
    ``user_places`` of those visits. Both most visited first;
    empty when the user has no visit in the slice. Only visits count: a 👍 is not a visit.
    """
    mine = user_visits(events, user_id)
    if mine.empty or "hour_of_week" not in mine.columns:
        return pd.DataFrame(columns=list(KIND_COLUMNS)), pd.DataFrame(columns=list(PLACE_COLUMNS))
    keep = _in_slice(mine, items, weekday, daypart, weekend, workweek, since, until, kind, item_id)
    hour_of_week = mine["hour_of_week"].to_numpy(dtype=np.int64)
    days = hour_of_week // HOURS_PER_DAY
    parts = dayparts(hour_of_week % HOURS_PER_DAY)
    chosen = mine.loc[keep]
    places = user_places(chosen, items, user_id)
    if chosen.empty:
        return pd.DataFrame(columns=list(KIND_COLUMNS)), places
    catalogue = items.drop_duplicates("item_id").set_index("item_id")
    paths = catalogue["category_path"] if "category_path" in catalogue.columns else catalogue["category"]
    kinds = chosen["item_id"].map(paths.fillna("")).fillna("").astype(str).map(leaf_category)
    frame = pd.DataFrame(
        {
            "kind": kinds.where(kinds != "", "Other").to_numpy(),
            "weekday": days[keep],
            "daypart": parts[keep],
            "timestamp": chosen["timestamp"].to_numpy(),
        }
    )
    # The weekday and day part most visits fell on together: "Saturday evenings" only when most were on Saturday
    # evenings, not the usual weekday beside the usual day part of any day.
    frame["slot"] = frame["weekday"] * len(DAYPARTS) + frame["daypart"].map(DAYPARTS.index)
    grouped = frame.groupby("kind", sort=False)
    usual = grouped["slot"].agg(lambda values: int(values.mode().iloc[0]))
    # How many fell in that slot: "mostly Wednesday afternoons" is said only of a real share ("12 visits, 2 each on
    # five afternoons" stands out nowhere).
    in_usual = grouped["slot"].agg(lambda values: int(values.value_counts().iloc[0]))
    table = pd.DataFrame(
        {
            "visits": grouped.size(),
            "weekday": usual // len(DAYPARTS),
            "daypart": (usual % len(DAYPARTS)).map(lambda index: DAYPARTS[index]),
            "last": grouped["timestamp"].max(),
            "slot_visits": in_usual,
        }
    ).reset_index()
    ordered = table.sort_values(["visits", "last"], ascending=[False, False], kind="stable")
    return ordered.reindex(columns=list(KIND_COLUMNS)).reset_index(drop=True), places


def slice_visits(
    events: pd.DataFrame | None,
    items: pd.DataFrame,
    user_id: str,
    *,
    weekday: int | None = None,
    daypart: str | None = None,
    weekend: bool = False,
    workweek: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: str | None = None,
    item_id: str | None = None,
) -> pd.DataFrame:
    """The user's visits of the slice ``user_habits`` counts (the same arguments), one row each, the latest first:
    the check-ins behind what was said of that slice ("which visits made you say that?")."""
    mine = user_visits(events, user_id)
    if mine.empty or "hour_of_week" not in mine.columns:
        return mine
    keep = _in_slice(mine, items, weekday, daypart, weekend, workweek, since, until, kind, item_id)
    return mine.loc[keep].sort_values("timestamp", ascending=False, kind="stable")


def _in_slice(
    mine: pd.DataFrame,
    items: pd.DataFrame,
    weekday: int | None,
    daypart: str | None,
    weekend: bool,
    workweek: bool,
    since: datetime | None,
    until: datetime | None,
    kind: str | None,
    item_id: str | None = None,
) -> np.ndarray:
    """Which of a user's visits (``user_visits``, with their hour of the week) fall in a slice of the week, a
    stretch of time, a kind of place and one place (:func:`user_habits`)."""
    if daypart is not None and daypart not in DAYPARTS:
        raise ValueError(f"daypart must be one of {', '.join(DAYPARTS)}, got {daypart!r}")
    hour_of_week = mine["hour_of_week"].to_numpy(dtype=np.int64)
    days = hour_of_week // HOURS_PER_DAY
    parts = dayparts(hour_of_week % HOURS_PER_DAY)
    keep = np.ones(len(mine), dtype=bool)
    if weekday is not None:
        keep &= days == weekday
    if weekend:
        keep &= days >= SATURDAY
    if workweek:
        keep &= days < SATURDAY
    if daypart is not None:
        keep &= parts == daypart
    if since is not None:
        keep &= (mine["timestamp"] >= pd.Timestamp(since)).to_numpy()
    if until is not None:
        keep &= (mine["timestamp"] < pd.Timestamp(until)).to_numpy()
    if kind:
        of_kind = items.loc[of_kind_column(items, kind), "item_id"].astype(str)
        keep &= mine["item_id"].astype(str).isin(set(of_kind)).to_numpy()
    if item_id is not None:
        keep &= (mine["item_id"].astype(str) == str(item_id)).to_numpy()
    return keep


def visit_rhythm(
    events: pd.DataFrame | None,
    items: pd.DataFrame,
    user_id: str,
    *,
    weekday: int | None = None,
    daypart: str | None = None,
    weekend: bool = False,
    workweek: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: str | None = None,
    item_id: str | None = None,
) -> tuple[list[int], list[int]]:
    """The user's visits in a slice (as :func:`user_habits` chooses them) counted by local weekday (7, Monday first)
    and by local hour (24): when they go ("what time do I usually get coffee?", "which nights do I go clubbing?")."""
    mine = user_visits(events, user_id)
    if mine.empty or "hour_of_week" not in mine.columns:
        return [0] * 7, [0] * HOURS_PER_DAY
    keep = _in_slice(mine, items, weekday, daypart, weekend, workweek, since, until, kind, item_id)
    hour_of_week = mine["hour_of_week"].to_numpy(dtype=np.int64)
    days = hour_of_week // HOURS_PER_DAY
    by_day = np.bincount(days[keep], minlength=7)
    by_hour = np.bincount(hour_of_week[keep] % HOURS_PER_DAY, minlength=HOURS_PER_DAY)
    return [int(count) for count in by_day], [int(count) for count in by_hour]


class UsualPlace(NamedTuple):
    """Where a user usually is, and whether their visits at that time of the week said so (else all of them did)."""

    latitude: float
    longitude: float
    at_that_time: bool


def usual_whereabouts(visits: pd.DataFrame, hour_of_week: int) -> UsualPlace | None:
    """Where the user usually is at a local hour of the week: of their places, the one with the most days of their
    visits within :data:`WHEREABOUTS_RADIUS_KM`, counting the visits at the same part of the day and kind of day
    (weekday or weekend) when they fall on :data:`MIN_VISITS_AT_THE_TIME` days, else all; None without visits.
    ``visits`` are the user's (``user_visits``) with ``hour_of_week``."""
    if visits.empty:
        return None
    hours = visits["hour_of_week"].to_numpy(dtype=np.int64)
    day, hour = divmod(int(hour_of_week), HOURS_PER_DAY)
    same_time = (dayparts(hours % HOURS_PER_DAY) == dayparts([hour])[0]) & (
        np.isin(hours // HOURS_PER_DAY, WEEKEND_DAYS) == (day in WEEKEND_DAYS)
    )
    # One trip's check-ins count once: two at the airport 18 seconds apart are one day there, not a habit.
    days = pd.to_datetime(visits["timestamp"], utc=True).dt.floor("D")
    at_that_time = int(days[same_time].nunique()) >= MIN_VISITS_AT_THE_TIME
    chosen = (visits[same_time] if at_that_time else visits).assign(day=days)
    places = (
        chosen.groupby("item_id", sort=False)
        .agg(
            latitude=("latitude", "first"),
            longitude=("longitude", "first"),
            visits=("day", "nunique"),
            last=("timestamp", "max"),
        )
        .sort_values(["visits", "last"], ascending=False, kind="stable")
        .head(WHEREABOUTS_PLACES)
    )
    latitudes, longitudes = places["latitude"].to_numpy(float), places["longitude"].to_numpy(float)
    near = haversine_km(latitudes[:, None], longitudes[:, None], latitudes[None, :], longitudes[None, :])
    # The days of visits around each place, each day once (a terminal and its airport on one trip are one day).
    position = pd.Series(range(len(places)), index=places.index)
    kept = chosen[chosen["item_id"].isin(places.index)]
    where, on = position[kept["item_id"]].to_numpy(), kept["day"].to_numpy()
    around = [len(set(on[near[row, where] <= WHEREABOUTS_RADIUS_KM])) for row in range(len(places))]
    # The most days around; among equals, the place of the most days itself, then the latest (sorted so).
    best = int(np.argmax(around))
    return UsualPlace(float(latitudes[best]), float(longitudes[best]), at_that_time)


class Period(NamedTuple):
    """A stretch of the user's past, or a slice of the week within it, set against another ("since the summer",
    "weekends", "in November"): the ``user_habits`` slice arguments, ``until`` excluded; None: no bound."""

    since: datetime | None = None
    until: datetime | None = None
    weekday: int | None = None
    daypart: str | None = None
    weekend: bool = False
    workweek: bool = False


def kind_change(
    events: pd.DataFrame | None,
    items: pd.DataFrame,
    user_id: str,
    *,
    recent_days: float,
    until: datetime,
    periods: tuple[Period, Period] | None = None,
    kind: str | None = None,
) -> tuple[pd.DataFrame, datetime | None]:
    """How the kinds of place the user visits changed: per leaf category (``CHANGE_COLUMNS``), the visits of their
    latest ``recent_days`` of visits (those ending at their last visit up to ``until``) and of all the visits before,
    each period's share of them, and the shift (recent share − earlier share), largest shift first; with the start of
    the recent period (None when the user has no visit). The latest visits, not the days before ``until``: a user
    quiet for a while still has a latest month to compare. With ``periods`` (the one asked about, the one it is set
    against: "in November than in August", "weekends vs weekdays"), those two instead, the first as "recent"; with
    ``kind``, only visits to places of that kind ("do I go to bars more than I used to?").
    """
    mine = user_events(events, user_id)
    mine = mine[pd.to_datetime(mine["timestamp"]) <= pd.Timestamp(until)]  # never what comes after now
    everything, _ = user_habits(mine, items, user_id, kind=kind)
    if everything.empty:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS)), None
    if periods is None:
        last = pd.Timestamp(everything["last"].max())
        start = (last - pd.Timedelta(days=recent_days)).to_pydatetime()
        periods = (Period(since=start), Period(until=start))
    recent, _ = user_habits(mine, items, user_id, **periods[0]._asdict(), kind=kind)
    earlier, _ = user_habits(mine, items, user_id, **periods[1]._asdict(), kind=kind)
    table = pd.DataFrame(
        {
            "recent": recent.set_index("kind")["visits"] if len(recent) else pd.Series(dtype=int),
            "earlier": earlier.set_index("kind")["visits"] if len(earlier) else pd.Series(dtype=int),
        }
    )
    table = table.fillna(0).astype(int)
    table.index.name = "kind"
    for period in ("recent", "earlier"):
        total = int(table[period].sum())
        table[f"{period}_share"] = table[period] / total if total else 0.0
    table["shift"] = table["recent_share"] - table["earlier_share"]
    ordered = table.reset_index().sort_values("shift", ascending=False, kind="stable", key=abs)
    return ordered.reindex(columns=list(CHANGE_COLUMNS)).reset_index(drop=True), periods[0].since


__all__ = [
    "CHANGE_COLUMNS",
    "EVENT_MIN_PEOPLE",
    "EVENT_SPAN",
    "KIND_COLUMNS",
    "MIN_VISITS_AT_THE_TIME",
    "PLACE_COLUMNS",
    "SLICE_COLUMNS",
    "WHEREABOUTS_RADIUS_KM",
    "Period",
    "UsualPlace",
    "in_week_slice",
    "kind_change",
    "one_off_events",
    "place_slices",
    "place_visits",
    "slice_visits",
    "user_events",
    "user_habits",
    "user_places",
    "user_rhythm",
    "user_visits",
    "usual_whereabouts",
    "visit_rhythm",
    "visits_between",
    "week_grid",
]
