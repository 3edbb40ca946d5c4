"""Drawing for the web UI: the inspector's tables, the SVG maps, the weekly heat maps, the suggestion cards and the
inspector's headline.

Pure functions of their arguments: no Gradio, no runtime, no stored events. Maps are SVG scatters of latitude and
longitude (no map tiles) and heat maps are HTML tables, so the page works on a machine with no internet.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assistant.gazetteer import NEIGHBOURHOODS
from assistant.service import Suggestion, area_name
from profiles.context import InterestContext
from profiles.geo import haversine_km
from profiles.insights import Insights
from profiles.preferences import ActivePreference, PreferenceKind

EVIDENCE_SHOWN = 3
PLACES_SHOWN = 30  # the user's most visited places on the map
MAP_RADIUS_KM = 8.0  # the user's places this far from where they are are drawn
FEEDBACK_SHOWN = 5
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


# ---- the inspector's tables ---------------------------------------------------------------------------------------


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


# ---- heat maps and maps --------------------------------------------------------------------------------------------


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


# ---- cards and the inspector's headline ----------------------------------------------------------------------------


def card_markdown(item: Suggestion) -> str:
    """One suggestion card: name, category, distance, return or new, and its evidence."""
    kind = "a place you know" if item.is_return else "new to you"
    evidence = "\n".join(f"- {line}" for line in item.evidence[:EVIDENCE_SHOWN])
    return f"**{item.rank}. {item.label}** · {item.category} · {item.distance_km:.1f} km · {kind}\n\n{evidence}"


# How each kind of stated preference reads in the inspector.
_PREFERENCE_WORDS = {
    PreferenceKind.MUTE_CATEGORY: "🔇 Not suggested",
    PreferenceKind.BOOST_CATEGORY: "⬆️ More of",
    PreferenceKind.BOOST_LIKE_PLACE: "⬆️ More places like",
    PreferenceKind.HOME_AREA: "🏠 Home area",
    PreferenceKind.WORK_AREA: "💼 Work area",
    PreferenceKind.HIDE_PLACE: "🚫 Hidden",
    PreferenceKind.HIDE_CHAIN: "🚫 Hidden, every branch",
    PreferenceKind.NO_CHAINS: "🚫 No chains",
    PreferenceKind.NEW_PLACES_ONLY: "✨ New places only",
    PreferenceKind.AVOID_AREA: "🚫 Avoided area",
}


def preference_markdown(preference: ActivePreference) -> str:
    """One stated preference in the inspector: what it does and what it is about ('🔇 Not suggested: Bar')."""
    shown = html.escape(preference.shown)
    detail = f" ({html.escape(preference.target)})" if preference.label and preference.kind in _CATEGORY_KINDS else ""
    return f"{_PREFERENCE_WORDS[preference.kind]}: **{shown}**{detail}"


_CATEGORY_KINDS = frozenset({PreferenceKind.MUTE_CATEGORY, PreferenceKind.BOOST_CATEGORY})


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


# ---- the insights tab ----------------------------------------------------------------------------------------------


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


__all__ = [
    "KIND_COLOURS",
    "LABEL_COLUMNS",
    "SNAPSHOT_COLUMNS",
    "MapPoint",
    "card_markdown",
    "context_map",
    "context_summary",
    "heatmap_html",
    "insights_areas_table",
    "insights_caption",
    "insights_map",
    "label_table",
    "map_html",
    "snapshot_table",
]
