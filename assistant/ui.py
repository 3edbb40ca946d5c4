"""The web UI: a Gradio chat with a context inspector, suggestion cards with 👍/👎, "forget me", and an insights tab.

:func:`build_ui` lays the page out; every callback is a method of :class:`Controller` or a function here, so each
can be tested without a browser. :func:`create_app` mounts the UI beside the HTTP API on one FastAPI app and
:func:`start_server` serves it with uvicorn (``app.py`` and the browser tests both use them).

Everything the page shows is drawn here or by Gradio's own bundled frontend: maps are SVG scatters of latitude and
longitude (no map tiles) and heat maps are HTML tables, so the page works on a machine with no internet.
"""

from __future__ import annotations

import html
import logging
import math
import signal
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

# First: importing profiles applies the offline defaults (Gradio's analytics off) before gradio loads.
import profiles  # noqa: F401

# isort: split
import gradio as gr
import numpy as np
import pandas as pd
import uvicorn
from fastapi import FastAPI

from assistant.agent import Assistant, ChatError, Turn
from assistant.api import create_api
from assistant.gazetteer import NEIGHBOURHOODS
from assistant.runtime import Runtime
from assistant.tools import Suggestion, area_name
from profiles.config import Settings
from profiles.context import InterestContext
from profiles.events import Action
from profiles.geo import haversine_km
from profiles.ingest import EVENTS_FILE, read_events
from profiles.insights import DAY_NAMES, Insights, build_insights, week_heatmap

logger = logging.getLogger(__name__)

LAST_PLACE = "my last place"
CARD_SLOTS = 5
EVIDENCE_SHOWN = 3
PLACES_SHOWN = 30  # the user's most visited places on the map
MAP_RADIUS_KM = 8.0  # the user's places this far from where they are are drawn
FEEDBACK_SHOWN = 5
ALL_CATEGORIES = "all categories"
DEFAULT_ZONE = "America/New_York"  # for "now" when the configured zone is 'auto' (per event): the data's city
NOW_EXAMPLE = "2012-12-20T19:00-05:00"
MAP_WIDTH, MAP_MAX_HEIGHT, MAP_PAD = 460, 420, 18
KM_PER_DEGREE = 111.32
SCALE_BAR_KM = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
# Map marker colours by kind, and a palette for categories (colour-blind-safe Tableau 10).
KIND_COLOURS = {  # also the drawing order: later kinds on top
    "your place": "#4e79a7",
    "suggestion": "#f28e2b",
    "liked": "#59a14f",
    "disliked": "#e15759",
    "you are here": "#222222",
}
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f")
HEAT_RGB = (242, 142, 43)
SNAPSHOT_COLUMNS = ["labels", "reason", "weight", "share"]
LABEL_COLUMNS = ["interest", "now", "overall", "trend"]
AREA_TABLE_COLUMNS = ["area", "near", "events", "users", "top categories"]

CSS = """
#status, #feedback-status { min-height: 1.5em; }
.card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px; }
.card button { max-width: 10em; }
"""


class UIError(ValueError):
    """A problem with what the user entered, in words fit to show them."""


# ---- parsing the controls --------------------------------------------------------------------------------------


def ui_zone(settings: Settings) -> ZoneInfo:
    """The zone "now" is shown and read in: the configured one, or New York when it is looked up per event."""
    name = settings.preprocessing.timezone
    return ZoneInfo(DEFAULT_ZONE if name == "auto" else name)


def parse_now(text: str | None, zone: ZoneInfo) -> datetime:
    """The "now" box as an aware datetime; a time without an offset is read in ``zone``."""
    value = (text or "").strip()
    if not value:
        raise UIError(f"“now” is empty: give a date and time such as {NOW_EXAMPLE}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UIError(f"“now” must be an ISO date and time such as {NOW_EXAMPLE}, not {value!r}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def format_now(moment: datetime, zone: ZoneInfo) -> str:
    """An aware time as the "now" box shows it: local, to the minute, with its offset."""
    return moment.astimezone(zone).replace(second=0, microsecond=0).isoformat(timespec="minutes")


def parse_where(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    """The latitude and longitude boxes as a point; None when both are empty (the user's last place is used)."""
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        raise UIError("give both latitude and longitude, or pick a neighbourhood")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise UIError(f"({latitude}, {longitude}) is not a place on Earth: latitude −90…90, longitude −180…180")
    return float(latitude), float(longitude)


def default_now(settings: Settings, events: pd.DataFrame | None, zone: ZoneInfo) -> datetime:
    """``server.demo_now``, else an hour after the newest stored event (the NYC data ends in 2012), else the clock."""
    if settings.server.demo_now is not None:
        return settings.server.demo_now.astimezone(zone)
    if events is not None and len(events):
        newest = pd.Timestamp(events["timestamp"].max()).to_pydatetime()
        return (newest + timedelta(hours=1)).astimezone(zone)
    return datetime.now(zone)


# ---- tables and pictures -----------------------------------------------------------------------------------------


def snapshot_table(context: InterestContext | None) -> pd.DataFrame:
    """The retrieved snapshots, heaviest first: their labels, the reason each was retrieved, weight and share."""
    if context is None:
        return pd.DataFrame(columns=SNAPSHOT_COLUMNS)
    rows = [
        {
            "labels": ", ".join(snapshot.top_labels[:3]) or "—",
            "reason": snapshot.reason,
            "weight": f"{snapshot.weight:.3g}",  # weights span orders of magnitude: 3 significant digits
            "share": f"{snapshot.share:.0%}",
        }
        for snapshot in context.snapshots
    ]
    return pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS)


def label_table(context: InterestContext | None) -> pd.DataFrame:
    """Interest labels now against overall: each label's share of each, and whether it is emerging or receding."""
    if context is None:
        return pd.DataFrame(columns=LABEL_COLUMNS)
    now = {entry.label: entry.share for entry in context.labels_now}
    overall = {entry.label: entry.share for entry in context.labels_overall}
    rows = []
    for label in dict.fromkeys([*now, *overall]):
        trend = "new lately" if label in context.emerging else "fading now" if label in context.receding else ""
        rows.append(
            {
                "interest": label,
                "now": f"{now[label]:.0%}" if label in now else "—",
                "overall": f"{overall[label]:.0%}" if label in overall else "—",
                "trend": trend,
            }
        )
    return pd.DataFrame(rows, columns=LABEL_COLUMNS)


def week_grid(days: Sequence[int], hours: Sequence[int], labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Counts by local day (rows Monday..Sunday) and hour (columns 0..23); with ``labels``, the ``top`` label of
    each cell in ``.attrs["top"]`` (a 7 × 24 frame of text) for the heat map's tooltips."""
    grid = np.zeros((7, 24), dtype=np.int64)
    np.add.at(grid, (np.asarray(days, dtype=np.intp), np.asarray(hours, dtype=np.intp)), 1)
    frame = pd.DataFrame(grid, index=pd.Index(DAY_NAMES, name="day"), columns=pd.Index(range(24), name="hour"))
    if labels is not None and len(labels):
        cells = pd.DataFrame({"day": days, "hour": hours, "label": labels})
        counted = cells.groupby(["day", "hour", "label"], sort=True).size().rename("n").reset_index()
        top = counted.sort_values("n", ascending=False, kind="stable").drop_duplicates(["day", "hour"])
        text = np.full((7, 24), "", dtype=object)
        text[top["day"].to_numpy(dtype=np.intp), top["hour"].to_numpy(dtype=np.intp)] = top["label"].to_numpy()
        frame.attrs["top"] = pd.DataFrame(text, index=frame.index, columns=frame.columns)
    return frame


def user_rhythm(events: pd.DataFrame | None, items: pd.DataFrame, user_id: str) -> pd.DataFrame:
    """The user's stored events by local day and hour of the week, with each cell's most frequent category."""
    mine = _user_events(events, user_id)
    if "hour_of_week" in mine.columns:
        hour_of_week = mine["hour_of_week"].to_numpy(dtype=np.int64)
        days, hours = hour_of_week // 24, hour_of_week % 24
    else:
        local = pd.to_datetime(mine["local_time"])
        days, hours = local.dt.dayofweek.to_numpy(), local.dt.hour.to_numpy()
    categories = mine["item_id"].map(items.drop_duplicates("item_id").set_index("item_id")["category"])
    return week_grid(days, hours, categories.fillna("").astype(str).tolist())


def heatmap_html(grid: pd.DataFrame, *, unit: str = "events", empty: str = "Nothing to show yet.") -> str:
    """A day × hour heat map as an HTML table: darker is more; each cell's tooltip gives its count (and top label)."""
    values = grid.to_numpy(dtype=np.int64)
    peak = int(values.max()) if values.size else 0
    if peak == 0:
        return f"<p class='heatmap-empty'>{html.escape(empty)}</p>"
    top = grid.attrs.get("top")
    cell = "width:3.6%;height:16px;padding:0;border:1px solid rgba(128,128,128,0.15);"
    header = "".join(
        f"<th style='font-weight:normal;font-size:10px;padding:0;border:none'>{hour if hour % 3 == 0 else ''}</th>"
        for hour in range(24)
    )
    rows = []
    for row, day in enumerate(grid.index):
        cells = []
        for column in range(24):
            count = int(values[row, column])
            label = f" · mostly {top.iat[row, column]}" if top is not None and top.iat[row, column] else ""
            tip = html.escape(f"{day} {column:02d}:00–{column + 1:02d}:00: {count:,} {unit}{label}")
            alpha = 0.08 + 0.92 * math.sqrt(count / peak) if count else 0.0
            colour = f"rgba({HEAT_RGB[0]},{HEAT_RGB[1]},{HEAT_RGB[2]},{alpha:.2f})"
            cells.append(f"<td title='{tip}' data-count='{count}' style='{cell}background:{colour}'></td>")
        rows.append(
            f"<tr><th style='font-weight:normal;font-size:11px;text-align:right;padding-right:4px;border:none'>"
            f"{html.escape(str(day)[:3])}</th>{''.join(cells)}</tr>"
        )
    return (
        "<table class='heatmap' style='border-collapse:collapse;width:100%;table-layout:fixed'>"
        f"<thead><tr><th style='width:3em;border:none'></th>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p style='font-size:11px;opacity:0.7;margin:2px 0'>Local hour of the week; darkest cell: {peak:,} {unit}. "
        "Hover a cell for its count.</p>"
    )


@dataclass(frozen=True)
class MapPoint:
    """One marker: where, what it is called, its kind (colour and legend), its size, and an optional tag."""

    latitude: float
    longitude: float
    label: str
    kind: str
    size: float = 5.0
    tag: str = ""
    ring: bool = False  # drawn as a ring, so that a marker under it stays visible


def map_html(
    points: Sequence[MapPoint], colours: dict[str, str], *, empty: str = "No places to show.", note: str = ""
) -> str:
    """Points on a plain latitude/longitude plane (SVG, no tiles), with nearby neighbourhood names for orientation,
    a scale bar and a legend of the kinds shown. Tooltips name each point."""
    if not points:
        return f"<p class='map-empty'>{html.escape(empty)}</p>"
    lats = np.array([point.latitude for point in points])
    lons = np.array([point.longitude for point in points])
    middle = math.radians(float((lats.min() + lats.max()) / 2))
    squeeze = max(math.cos(middle), 0.1)  # a degree of longitude is this many degrees of latitude here
    span_y = max(float(lats.max() - lats.min()), 0.004)
    span_x = max(float(lons.max() - lons.min()) * squeeze, 0.004)
    scale = min((MAP_WIDTH - 2 * MAP_PAD) / span_x, (MAP_MAX_HEIGHT - 2 * MAP_PAD) / span_y)
    width = MAP_WIDTH
    height = int(span_y * scale + 2 * MAP_PAD)
    centre_x = float(lons.min() + lons.max()) / 2
    top = float(lats.max()) + (span_y - float(lats.max() - lats.min())) / 2

    def xy(latitude: float, longitude: float) -> tuple[float, float]:
        return width / 2 + (longitude - centre_x) * squeeze * scale, MAP_PAD + (top - latitude) * scale

    parts = [
        f"<svg viewBox='0 0 {width} {height}' width='100%' style='max-width:{width}px' role='img' "
        "xmlns='http://www.w3.org/2000/svg'>",
        f"<rect x='0' y='0' width='{width}' height='{height}' fill='rgba(128,128,128,0.06)' rx='6'/>",
    ]
    placed: list[tuple[float, float, float]] = []  # labels drawn so far: centre x, y and half width
    for name, (latitude, longitude) in NEIGHBOURHOODS.items():
        x, y = xy(latitude, longitude)
        half = 2.8 * len(name)  # about half the text's width at 10 px
        inside = half <= x <= width - half and MAP_PAD <= y <= height - MAP_PAD
        # A zoomed-out map has more names than room: a name that would overlap one drawn already is left out.
        if inside and all(abs(x - px) > half + ph + 4 or abs(y - py) > 12 for px, py, ph in placed):
            placed.append((x, y, half))
            parts.append(
                f"<text x='{x:.1f}' y='{y:.1f}' font-size='10' text-anchor='middle' fill='currentColor' "
                f"opacity='0.35'>{html.escape(name)}</text>"
            )
    for point in sorted(points, key=lambda p: list(colours).index(p.kind) if p.kind in colours else -1):
        x, y = xy(point.latitude, point.longitude)
        colour = colours.get(point.kind, "#888888")
        title = f"<title>{html.escape(point.label)}</title>"
        if point.kind == "you are here":
            parts.append(
                f"<g><path d='M{x - 6:.1f},{y:.1f}h12M{x:.1f},{y - 6:.1f}v12' stroke='{colour}' stroke-width='2.5'/>"
                f"{title}</g>"
            )
            continue
        if point.ring:
            parts.append(
                f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{point.size + 3:.1f}' fill='{colour}' fill-opacity='0.2' "
                f"stroke='{colour}' stroke-width='3'>{title}</circle>"
            )
        else:
            parts.append(
                f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{point.size:.1f}' fill='{colour}' fill-opacity='0.75' "
                f"stroke='white' stroke-width='1'>{title}</circle>"
            )
        if point.tag:
            parts.append(
                f"<text x='{x + point.size + 2:.1f}' y='{y + 4:.1f}' font-size='11' font-weight='bold' "
                f"fill='{colour}'>{html.escape(point.tag)}</text>"
            )
    per_km = scale / KM_PER_DEGREE  # pixels per km (a degree of latitude is ~111 km)
    fitting = [km for km in SCALE_BAR_KM if per_km * km <= width / 3]
    bar_km = fitting[-1] if fitting else SCALE_BAR_KM[0]
    length = per_km * bar_km
    parts.append(
        f"<g stroke='currentColor' opacity='0.6'><path d='M10,{height - 8}h{length:.1f}' stroke-width='2'/></g>"
        f"<text x='{10 + length + 4:.1f}' y='{height - 4}' font-size='10' fill='currentColor' opacity='0.6'>"
        f"{bar_km:g} km</text></svg>"
    )
    shown = [kind for kind in colours if any(point.kind == kind for point in points)]
    legend = " ".join(
        f"<span style='white-space:nowrap;margin-right:10px'><span style='display:inline-block;width:10px;"
        f"height:10px;border-radius:50%;background:{colours[kind]};margin-right:4px'></span>{html.escape(kind)}</span>"
        for kind in shown
    )
    if note:
        legend += f" <span style='opacity:0.7'>{html.escape(note)}</span>"
    return f"<div class='svg-map'>{''.join(parts)}<div style='font-size:12px'>{legend}</div></div>"


def user_places(events: pd.DataFrame | None, items: pd.DataFrame, user_id: str) -> pd.DataFrame:
    """The user's places: visits, likes and dislikes per place, the latest feedback ("like", "dislike" or ""), the
    name and position; most visited first."""
    columns = [
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
    ]
    mine = _user_events(events, user_id)
    if mine.empty:
        return pd.DataFrame(columns=columns)
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


def context_map(places: pd.DataFrame, suggestions: Sequence[Suggestion], here: tuple[float, float] | None) -> str:
    """The user's places (most visited, and every place they rated) within ``MAP_RADIUS_KM`` of where they are,
    this turn's suggestions, and where they are. Farther places are counted, not drawn: one trip out of town would
    otherwise shrink the neighbourhood that matters to a dot."""
    rated = places[places["feedback"] != ""]
    shown = pd.concat([places.head(PLACES_SHOWN), rated]).drop_duplicates("item_id")
    note = ""
    if here is not None and len(shown):
        near = haversine_km(here[0], here[1], shown["latitude"].to_numpy(float), shown["longitude"].to_numpy(float))
        far = int((near > MAP_RADIUS_KM).sum())
        shown = shown[near <= MAP_RADIUS_KM]
        note = f"· {far} of your places beyond {MAP_RADIUS_KM:g} km not shown" if far else ""
    peak = max(int(shown["visits"].max()), 1) if len(shown) else 1
    points = []
    for row in shown.itertuples(index=False):
        kind = {"like": "liked", "dislike": "disliked"}.get(row.feedback, "your place")
        label = (
            f"{row.name} ({row.category}) · {row.visits} visits"
            + (f" · 👍 {row.likes}" if row.likes else "")
            + (f" · 👎 {row.dislikes}" if row.dislikes else "")
        )
        size = 3 + 6 * math.sqrt(row.visits / peak) if row.visits else 6
        points.append(MapPoint(float(row.latitude), float(row.longitude), label, kind, size, ring=kind != "your place"))
    for item in suggestions:
        label = f"{item.rank}. {item.label} ({item.category}, {item.distance_km:.1f} km)"
        points.append(MapPoint(item.latitude, item.longitude, label, "suggestion", 6, tag=str(item.rank)))
    if here is not None:
        points.append(MapPoint(here[0], here[1], "you are here", "you are here"))
    return map_html(points, KIND_COLOURS, empty="No places yet for this user.", note=note)


def card_markdown(item: Suggestion) -> str:
    """One suggestion card: name, category, distance, return or new, and its evidence."""
    kind = "a place you know" if item.is_return else "new to you"
    evidence = "\n".join(f"- {line}" for line in item.evidence[:EVIDENCE_SHOWN])
    return f"**{item.rank}. {item.label}** · {item.category} · {item.distance_km:.1f} km · {kind}\n\n{evidence}"


def context_summary(
    user_id: str, context: InterestContext | None, places: pd.DataFrame, note: str | None = None
) -> str:
    """The inspector's headline: when and where the context is for, drift, and the user's recent feedback."""
    if context is None:
        return note or "Pick a user to see their context."
    lines = [
        f"**User {user_id}** · {context.now} · {context.latitude:.4f}, {context.longitude:.4f}"
        + (f" · query “{context.query}”" if context.query else ""),
        f"{len(context.snapshots)} of {context.considered:,} past snapshots retrieved"
        + (f" ({context.excluded_future:,} later ones ignored)" if context.excluded_future else ""),
    ]
    if context.note:
        lines.append(context.note)
    if context.emerging:
        lines.append("New lately: " + ", ".join(context.emerging))
    if context.receding:
        lines.append("Fading now: " + ", ".join(context.receding))
    rated = places[places["feedback"] != ""].sort_values("last", ascending=False)
    if len(rated):
        marks = [
            f"{'👍' if row.feedback == 'like' else '👎'} {row.name}" for row in rated.head(FEEDBACK_SHOWN).itertuples()
        ]
        lines.append("Your feedback: " + " · ".join(marks))
    if note:
        lines.append(note)
    return "  \n".join(lines)


def insights_caption(insights: Insights) -> str:
    """What the insights show and what they withhold."""
    return (
        f"Visits across all users by area (H3 cells at resolution {insights.resolution}) and local hour of the week. "
        f"**Cells with fewer than {insights.min_users} distinct users are hidden** (k-anonymity): "
        f"{insights.suppressed_rows:,} area × hour × category cells and {insights.suppressed_areas:,} areas were "
        f"suppressed. {len(insights.areas):,} areas and {len(insights.table):,} cells are shown; no user ids."
    )


def insights_map(insights: Insights) -> str:
    """Released areas sized by their events and coloured by their top category."""
    areas = insights.areas
    if areas.empty:
        return map_html([], {}, empty="No area has enough distinct users to be shown.")
    tops = [categories[0] if len(categories) else "(other)" for categories in areas["top_categories"]]
    order = list(pd.Series(tops).value_counts().index)
    colours = {category: PALETTE[index % len(PALETTE)] for index, category in enumerate(order)}
    peak = max(int(areas["events"].max()), 1)
    points = [
        MapPoint(
            float(row.latitude),
            float(row.longitude),
            f"{row.events:,} visits · {row.users:,} users · {', '.join(row.top_categories)}",
            top,
            3 + 14 * math.sqrt(row.events / peak),
        )
        for row, top in zip(areas.itertuples(index=False), tops, strict=True)
    ]
    return map_html(points, colours)


def insights_areas_table(insights: Insights) -> pd.DataFrame:
    """The released areas, busiest first."""
    areas = insights.areas
    return pd.DataFrame(
        {
            "area": areas["area"],
            "near": [
                area_name(float(lat), float(lon)) or ""
                for lat, lon in zip(areas["latitude"], areas["longitude"], strict=True)
            ],
            "events": areas["events"],
            "users": areas["users"],
            "top categories": [", ".join(categories) for categories in areas["top_categories"]],
        },
        columns=AREA_TABLE_COLUMNS,
    )


def _user_events(events: pd.DataFrame | None, user_id: str) -> pd.DataFrame:
    if events is None or not user_id:
        return pd.DataFrame(columns=["user_id", "item_id", "timestamp", "latitude", "longitude", "action"])
    return events[events["user_id"] == user_id]


# ---- the callbacks -------------------------------------------------------------------------------------------------

Inspector = tuple[str, pd.DataFrame, pd.DataFrame, str, str]


class Controller:
    """The UI's callbacks over one runtime and assistant; ``settings`` gives the defaults and the privacy rules.

    Callbacks never raise: a problem with the input becomes a short message (a warning toast and the status
    line), anything unexpected is logged with its traceback and shown as one line.
    """

    def __init__(self, runtime: Runtime, assistant: Assistant, settings: Settings) -> None:
        self.runtime = runtime
        self.assistant = assistant
        self.settings = settings
        self.zone = ui_zone(settings)
        self._events_key: tuple[int, int] | None = None
        self._events: pd.DataFrame | None = None
        self._events_guard = threading.Lock()
        events = self.events()
        self.default_now = format_now(default_now(settings, events, self.zone), self.zone)
        # Aggregates over everyone are computed once: a planner's view, not a live one.
        self.insights = build_insights(events, runtime.items, settings) if events is not None else None

    # ---- data --------------------------------------------------------------------------------------------

    def events(self) -> pd.DataFrame | None:
        """The stored events, re-read only when the file changed (feedback and forgetting rewrite it)."""
        path = self.runtime.settings.state_dir / EVENTS_FILE
        with self._events_guard:
            try:
                stat = path.stat()
            except FileNotFoundError:
                return None
            key = (stat.st_mtime_ns, stat.st_size)
            if key != self._events_key:
                self._events = read_events(self.runtime.settings)
                self._events_key = key
            return self._events

    def users(self) -> list[str]:
        return self.runtime.users()

    def here(self, user_id: str | None) -> tuple[float, float]:
        """The user's last known place (the centre of everyone's for a newcomer)."""
        place = self.assistant.toolbox.default_place(user_id or "")
        return round(place.latitude, 5), round(place.longitude, 5)

    # ---- the inspector -----------------------------------------------------------------------------------

    def inspector(
        self,
        user_id: str | None,
        at: datetime | None,
        where: tuple[float, float] | None,
        context: InterestContext | None = None,
        suggestions: Sequence[Suggestion] = (),
        note: str | None = None,
    ) -> Inspector:
        """Summary, snapshots, labels, map and weekly rhythm for a user; the context is computed when not given."""
        if not user_id:
            return (note or "Pick a user to see their context.", snapshot_table(None), label_table(None), "", "")
        if context is None and at is not None:
            point = where or self.here(user_id)
            context = self.runtime.context(user_id, at, point[0], point[1])
        events = self.events()
        places = user_places(events, self.runtime.items, user_id)
        here = (context.latitude, context.longitude) if context is not None else where
        return (
            context_summary(user_id, context, places, note),
            snapshot_table(context),
            label_table(context),
            context_map(places, suggestions, here),
            heatmap_html(user_rhythm(events, self.runtime.items, user_id), empty="No stored events for this user."),
        )

    def empty_inspector(self, note: str) -> Inspector:
        return self.inspector(None, None, None, note=note)

    # ---- callbacks ----------------------------------------------------------------------------------------

    def load(self, user_id: str | None) -> Any:
        """Page load: today's users (someone may have been forgotten since the page was built)."""
        users = self.users()
        user = user_id if user_id in users else (users[0] if users else None)
        return gr.update(choices=users, value=user)

    def select_user(
        self, user_id: str | None, place: str, now_text: str, latitude: float | None, longitude: float | None
    ) -> tuple[Any, ...]:
        """A new user: a fresh conversation, no cards, the place filled in when it is "my last place", their context.

        Outputs: chat, conversation id, turn, status, latitude, longitude, the inspector, the cards and their items.
        """
        new_latitude: Any = gr.update()
        new_longitude: Any = gr.update()
        status = ""
        try:
            if user_id and place == LAST_PLACE:
                latitude, longitude = new_latitude, new_longitude = self.here(user_id)
            at = parse_now(now_text, self.zone)
            inspector = self.inspector(user_id, at, parse_where(latitude, longitude))
        except UIError as error:
            status = f"⚠️ {error}"
            inspector = self.empty_inspector(f"⚠️ {error}")
        except Exception as error:
            status = _unexpected("showing this user", error)
            inspector = self.empty_inspector(status)
        return ([], "", None, status, new_latitude, new_longitude, *inspector, *self.cards([]), [])

    def pick_place(self, place: str, user_id: str | None) -> tuple[Any, Any, str]:
        """The neighbourhood dropdown fills the latitude and longitude boxes."""
        try:
            if place == LAST_PLACE:
                latitude, longitude = self.here(user_id)
            elif place in NEIGHBOURHOODS:
                latitude, longitude = NEIGHBOURHOODS[place]
            else:
                return gr.update(), gr.update(), f"⚠️ unknown place {place!r}"
        except Exception as error:
            return gr.update(), gr.update(), _unexpected("finding that place", error)
        return latitude, longitude, ""

    def respond(
        self,
        message: str,
        history: list[dict[str, Any]] | None,
        user_id: str | None,
        now_text: str,
        latitude: float | None,
        longitude: float | None,
        conversation_id: str | None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one reply into the chat. Outputs: chat, status, conversation id, turn, message box.

        Tokens are appended as they arrive; a reset clears the partial reply (it is being rewritten); the final
        turn replaces it with the reply as written (markdown, with each suggestion's evidence).
        """
        history = list(history or [])
        conversation = conversation_id or uuid.uuid4().hex[:12]
        text = (message or "").strip()
        try:
            if not user_id:
                raise UIError("pick a user first")
            if not text:
                raise UIError("type a message first")
            at = parse_now(now_text, self.zone)
            where = parse_where(latitude, longitude)
        except UIError as error:
            gr.Warning(str(error))
            yield history, f"⚠️ {error}", conversation, gr.update(), gr.update()
            return
        history += [{"role": "user", "content": text}, {"role": "assistant", "content": "…"}]
        yield history, "Thinking…", conversation, gr.update(), ""
        reply = ""
        try:
            for event in self.assistant.stream(user_id, text, at, where, conversation):
                if event.kind == "token":
                    reply += event.text
                    history[-1] = {"role": "assistant", "content": reply}
                    yield history, "Writing…", conversation, gr.update(), gr.update()
                elif event.kind == "reset":
                    reply = ""
                    history[-1] = {"role": "assistant", "content": "…"}
                    yield history, "Checking the places it named, rewriting…", conversation, gr.update(), gr.update()
                elif event.turn is not None:
                    turn = event.turn
                    history[-1] = {"role": "assistant", "content": turn.text or reply}
                    seconds = turn.timings.get("total_s")
                    status = f"Answered in {seconds:.1f} s" if seconds is not None else ""
                    yield history, status, conversation, turn, gr.update()
        except ChatError as error:
            history[-1] = {"role": "assistant", "content": f"⚠️ {error}"}
            gr.Warning(str(error))
            yield history, f"⚠️ {error}", conversation, gr.update(), gr.update()
        except Exception as error:
            status = _unexpected("answering", error)
            history[-1] = {"role": "assistant", "content": status}
            yield history, status, conversation, gr.update(), gr.update()

    def show_turn(
        self, turn: Turn | None, user_id: str | None, now_text: str, latitude: float | None, longitude: float | None
    ) -> tuple[Any, ...]:
        """After a reply: the inspector for its context and the cards for its suggestions. Outputs: the inspector,
        the cards, the cards' items."""
        items = list(turn.items[:CARD_SLOTS]) if turn is not None else []
        try:
            at = parse_now(now_text, self.zone)
            where = parse_where(latitude, longitude)
            context = turn.context if turn is not None and turn.user_id == user_id else None
            inspector = self.inspector(user_id, at, where, context, items)
        except UIError as error:
            inspector = self.empty_inspector(f"⚠️ {error}")
        except Exception as error:
            inspector = self.empty_inspector(_unexpected("updating the inspector", error))
        return (*inspector, *self.cards(items), [item.model_dump() for item in items])

    def cards(self, items: Sequence[Suggestion]) -> list[Any]:
        """Each card slot: shown with its suggestion, or hidden."""
        updates: list[Any] = []
        for slot in range(CARD_SLOTS):
            if slot < len(items):
                updates += [gr.update(visible=True), card_markdown(items[slot])]
            else:
                updates += [gr.update(visible=False), ""]
        return updates

    def feedback(
        self,
        slot: int,
        liked: bool,
        items: list[dict[str, Any]] | None,
        turn: Turn | None,
        user_id: str | None,
        now_text: str,
        latitude: float | None,
        longitude: float | None,
    ) -> tuple[Any, ...]:
        """👍 or 👎 on card ``slot``: stored as an event at "now", then the inspector shows the updated context.

        Outputs: the confirmation, then the inspector.
        """
        try:
            if not user_id:
                raise UIError("pick a user first")
            if not items or slot >= len(items):
                raise UIError("that card is empty; ask for suggestions first")
            item = Suggestion.model_validate(items[slot])
            at = parse_now(now_text, self.zone)
            where = parse_where(latitude, longitude)
            result = self.assistant.toolbox.record_feedback(user_id, item.item_id, liked, at=at)
            mark = "👍" if liked else "👎"
            if result.stored:
                message = f"{mark} recorded for {item.label}"
            else:
                message = f"{mark} for {item.label} was already recorded at this time"
            query = turn.context.query if turn is not None and turn.context is not None else None
            here = where or self.here(user_id)
            context = self.runtime.context(user_id, at, here[0], here[1], query=query)
            shown = [Suggestion.model_validate(entry) for entry in items]
            return (message, *self.inspector(user_id, at, where, context, shown))
        except UIError as error:
            gr.Warning(str(error))
            return (f"⚠️ {error}", *(gr.update() for _ in range(5)))
        except Exception as error:
            return (_unexpected("recording your feedback", error), *(gr.update() for _ in range(5)))

    def ask_forget(self) -> tuple[Any, Any]:
        """Reveal the confirmation (unticked)."""
        return gr.update(visible=True), gr.update(value=False)

    def forget(self, user_id: str | None, understood: bool) -> tuple[Any, ...]:
        """Delete the user everywhere and drop their conversations, after the box is ticked.

        Outputs: the result, the user dropdown, the confirmation group, the chat, the turn, the inspector and the
        cards (and their items).
        """
        unchanged = (gr.update(),) * (4 + 5 + 2 * CARD_SLOTS + 1)
        if not user_id:
            return ("⚠️ pick a user first", gr.update(), *unchanged)
        if not understood:
            gr.Warning("tick “I understand this deletes my history” first")
            return ("⚠️ tick “I understand this deletes my history” to confirm", gr.update(), *unchanged)
        try:
            report = self.runtime.forget(user_id)
            self.assistant.forget_conversations(user_id)
            # The aggregates lose the user too (the Insights map redraws at the next start).
            events = self.events()
            self.insights = build_insights(events, self.runtime.items, self.settings) if events is not None else None
        except Exception as error:
            return (_unexpected("forgetting", error), gr.update(), *unchanged)
        result = (
            f"User {user_id} is forgotten: {report.events:,} stored events and {report.snapshots:,} profile snapshots "
            "were deleted, and their conversations were dropped from memory."
        )
        users = self.users()
        inspector = self.empty_inspector(result)
        return (
            result,
            gr.update(choices=users, value=None),
            gr.update(visible=False),
            [],
            None,
            *inspector,
            *self.cards([]),
            [],
        )

    def insights_heatmap(self, category: str | None) -> str:
        """The insights heat map for one top-level category, or all."""
        if self.insights is None:
            return heatmap_html(pd.DataFrame(), empty="No stored events.")
        try:
            chosen = None if not category or category == ALL_CATEGORIES else category
            grid = week_heatmap(self.insights.table, category=chosen)
        except Exception as error:
            return f"<p>{html.escape(_unexpected('drawing the heat map', error))}</p>"
        return heatmap_html(grid, unit="visits", empty="No released cells for this category.")


def _unexpected(doing: str, error: Exception) -> str:
    """Log the traceback for the operator; give the user one line."""
    logger.exception("UI: error while %s", doing)
    return f"⚠️ Something went wrong while {doing} ({type(error).__name__}: {error}). Details are in the server log."


# ---- the page -----------------------------------------------------------------------------------------------------


def build_ui(runtime: Runtime, assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The Gradio page: a Chat tab (controls, streamed chat, cards, forget me, inspector) and an Insights tab."""
    ui = Controller(runtime, assistant, settings)
    users = ui.users()
    first = users[0] if users else None
    start_lat, start_lon = ui.here(first) if first else (None, None)
    with gr.Blocks(title="wherenow", analytics_enabled=False) as demo:
        gr.Markdown("## wherenow — places for you, here and now", elem_id="title")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                with gr.Row(equal_height=True):
                    user = gr.Dropdown(
                        choices=users, value=first, label="User", filterable=True, elem_id="user", scale=1
                    )
                    now = gr.Textbox(
                        value=ui.default_now,
                        label="Now (local date and time)",
                        elem_id="now",
                        scale=2,
                        info=f"ISO, e.g. {NOW_EXAMPLE}",
                    )
                    place = gr.Dropdown(
                        choices=[LAST_PLACE, *NEIGHBOURHOODS],
                        value=LAST_PLACE,
                        label="Where",
                        filterable=True,
                        elem_id="place",
                        scale=2,
                    )
                    latitude = gr.Number(value=start_lat, label="Latitude", elem_id="lat", precision=5, scale=1)
                    longitude = gr.Number(value=start_lon, label="Longitude", elem_id="lon", precision=5, scale=1)
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(
                            label="Chat",
                            elem_id="chat",
                            height=430,
                            feedback_options=None,
                            placeholder="Ask for somewhere to go: “somewhere for coffee near here”.",
                        )
                        with gr.Row():
                            message = gr.Textbox(
                                placeholder="somewhere for dinner near here tonight",
                                show_label=False,
                                elem_id="message",
                                scale=5,
                                submit_btn=False,
                            )
                            send = gr.Button("Send", variant="primary", elem_id="send", scale=1)
                        status = gr.Markdown("", elem_id="status")
                        gr.Markdown("### Suggestions")
                        card_outputs: list[Any] = []
                        buttons = []
                        for slot in range(CARD_SLOTS):
                            with gr.Group(visible=False, elem_id=f"card-{slot}", elem_classes="card") as card:
                                text = gr.Markdown("", elem_id=f"card-text-{slot}")
                                with gr.Row():
                                    like = gr.Button("👍 Like", size="sm", elem_id=f"like-{slot}", min_width=90)
                                    dislike = gr.Button(
                                        "👎 Not for me", size="sm", elem_id=f"dislike-{slot}", min_width=90
                                    )
                            card_outputs += [card, text]
                            buttons.append((slot, like, dislike))
                        feedback_status = gr.Markdown("", elem_id="feedback-status")
                        with gr.Accordion("Forget me", open=False, elem_id="forget-section"):
                            gr.Markdown("Delete this user's check-ins, profile snapshots and conversations for good.")
                            forget_button = gr.Button("Forget me…", variant="stop", elem_id="forget")
                            with gr.Group(visible=False, elem_id="forget-confirm") as confirm_group:
                                understood = gr.Checkbox(
                                    label="I understand this deletes my history", elem_id="forget-understood"
                                )
                                forget_go = gr.Button("Delete my history", variant="stop", elem_id="forget-go")
                            forget_result = gr.Markdown("", elem_id="forget-result")
                    with gr.Column(scale=2, elem_id="inspector"):
                        gr.Markdown("### Context inspector")
                        summary = gr.Markdown("Pick a user to see their context.", elem_id="inspector-summary")
                        snapshots = gr.Dataframe(
                            headers=SNAPSHOT_COLUMNS,
                            label="Retrieved snapshots",
                            elem_id="snapshots",
                            interactive=False,
                            wrap=True,
                            max_height=300,
                            column_widths=["22%", "50%", "14%", "14%"],
                        )
                        labels = gr.Dataframe(
                            headers=LABEL_COLUMNS,
                            label="Interests now vs overall",
                            elem_id="labels",
                            interactive=False,
                            max_height=260,
                        )
                        gr.Markdown("**Map** — your places, the suggestions (numbered) and where you are")
                        user_map = gr.HTML("", elem_id="user-map")
                        gr.Markdown("**Weekly rhythm** — your check-ins by local day and hour")
                        rhythm = gr.HTML("", elem_id="rhythm")
                        with gr.Accordion("Tool calls of the last turn", open=False):
                            trace = gr.JSON(elem_id="trace")
            with gr.Tab("Insights", id="insights-tab", elem_id="insights-tab"):
                _insights_tab(ui)

        conversation = gr.State("")
        turn_state = gr.State(None)
        items_state = gr.State([])
        inspector = [summary, snapshots, labels, user_map, rhythm]
        cards_and_items = [*card_outputs, items_state]

        demo.load(ui.load, inputs=[user], outputs=[user]).then(
            ui.select_user,
            inputs=[user, place, now, latitude, longitude],
            outputs=[chat, conversation, turn_state, status, latitude, longitude, *inspector, *cards_and_items],
        )
        user.input(
            ui.select_user,
            inputs=[user, place, now, latitude, longitude],
            outputs=[chat, conversation, turn_state, status, latitude, longitude, *inspector, *cards_and_items],
        )
        place.input(ui.pick_place, inputs=[place, user], outputs=[latitude, longitude, status])
        chat_inputs = [message, chat, user, now, latitude, longitude, conversation]
        chat_outputs = [chat, status, conversation, turn_state, message]
        for trigger in (message.submit, send.click):
            trigger(ui.respond, inputs=chat_inputs, outputs=chat_outputs).then(
                ui.show_turn,
                inputs=[turn_state, user, now, latitude, longitude],
                outputs=[*inspector, *cards_and_items],
            ).then(_trace_json, inputs=[turn_state], outputs=[trace])
        feedback_inputs = [items_state, turn_state, user, now, latitude, longitude]
        for slot, like, dislike in buttons:
            like.click(partial(ui.feedback, slot, True), inputs=feedback_inputs, outputs=[feedback_status, *inspector])
            dislike.click(
                partial(ui.feedback, slot, False), inputs=feedback_inputs, outputs=[feedback_status, *inspector]
            )
        forget_button.click(ui.ask_forget, outputs=[confirm_group, understood])
        forget_go.click(
            ui.forget,
            inputs=[user, understood],
            outputs=[forget_result, user, confirm_group, chat, turn_state, *inspector, *cards_and_items],
        )
    return demo


def _insights_tab(ui: Controller) -> None:
    insights = ui.insights
    if insights is None:
        gr.Markdown("No stored events yet: ingest some to see insights.", elem_id="insights-caption")
        return
    gr.Markdown("### Where and when people go", elem_id="insights-title")
    gr.Markdown(insights_caption(insights), elem_id="insights-caption")
    with gr.Row():
        with gr.Column(scale=1):
            gr.Markdown("**Areas** — sized by visits, coloured by their top category")
            gr.HTML(insights_map(insights), elem_id="insights-map")
        with gr.Column(scale=1):
            categories = sorted(insights.table["category"].unique().tolist())
            category = gr.Dropdown(
                choices=[ALL_CATEGORIES, *categories],
                value=ALL_CATEGORIES,
                label="Category",
                elem_id="insights-category",
            )
            heatmap = gr.HTML(ui.insights_heatmap(None), elem_id="insights-heatmap")
            gr.Dataframe(
                insights_areas_table(insights),
                label="Released areas",
                elem_id="insights-areas",
                interactive=False,
                max_height=300,
            )
    category.change(ui.insights_heatmap, inputs=[category], outputs=[heatmap])


def _trace_json(turn: Turn | None) -> Any:
    """The last turn's tool calls, for the trace accordion."""
    if turn is None:
        return []
    return [call.model_dump() for call in turn.trace]


# ---- the app and its server ---------------------------------------------------------------------------------------


def create_app(runtime: Runtime, assistant: Assistant, settings: Settings) -> FastAPI:
    """The HTTP API under /api (``assistant.api``) with the UI mounted at /; the API's routes match first."""
    api = create_api(runtime, assistant, settings)
    return gr.mount_gradio_app(
        api,
        build_ui(runtime, assistant, settings),
        path="/",
        css=CSS,
        footer_links=[],
        show_error=False,
    )


@dataclass
class RunningServer:
    """A uvicorn server running in a background thread."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to finish its requests and stop, and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout)

    def wait(self) -> None:
        """Block until the server stops; Ctrl-C or SIGTERM stop it cleanly (from the main thread)."""
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: setattr(self.server, "should_exit", True))
        while self.thread.is_alive():
            self.thread.join(0.5)


def start_server(app: FastAPI, host: str, port: int, timeout: float = 60.0) -> RunningServer:
    """Serve ``app`` on ``host:port`` (port 0: a free one) in a background thread; returns once it accepts
    connections, with its URL. RuntimeError when it cannot listen (the port is taken, say)."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="wherenow-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the web server could not start on {host}:{port} (is the port in use?)")
        time.sleep(0.05)
    bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    return RunningServer(server, thread, f"http://{shown}:{bound}/")


__all__ = [
    "Controller",
    "RunningServer",
    "build_ui",
    "create_app",
    "heatmap_html",
    "map_html",
    "parse_now",
    "start_server",
]
