"""The web UI: a Gradio chat with a context inspector, suggestion cards with 👍/👎, "forget me", and an insights tab.

One job per module:

- ``render``: pure functions that draw the HTML/SVG and the inspector's tables;
- ``controller``: :class:`Controller`, every callback (parse the controls, ask the service and the assistant, return
  what the components show);
- ``layout``: :func:`build_ui`, the gr.Blocks page and its event wiring;
- ``server``: :func:`create_app` (the page beside the HTTP API) and :func:`start_server` (uvicorn in a thread).

A user's places and weekly rhythm are computed in ``profiles.activity``. The names below are re-exported so that
``from assistant.ui import ...`` keeps working as it did when the UI was one module.
"""

from __future__ import annotations

# First: importing profiles applies the offline defaults (Gradio's analytics off) before gradio loads.
import profiles  # noqa: F401

# isort: split
from assistant.ui.controller import (
    ALL_CATEGORIES,
    CARD_SLOTS,
    LAST_PLACE,
    NOW_EXAMPLE,
    Controller,
    Inspector,
    UIError,
    default_now,
    format_now,
    parse_now,
    parse_where,
    ui_zone,
)
from assistant.ui.layout import CSS, build_ui
from assistant.ui.render import (
    KIND_COLOURS,
    LABEL_COLUMNS,
    SNAPSHOT_COLUMNS,
    MapPoint,
    card_markdown,
    context_map,
    context_summary,
    heatmap_html,
    insights_areas_table,
    insights_caption,
    insights_map,
    label_table,
    map_html,
    snapshot_table,
)
from assistant.ui.server import RunningServer, create_app, start_server
from profiles.activity import user_places, user_rhythm, week_grid

__all__ = [
    "ALL_CATEGORIES",
    "CARD_SLOTS",
    "CSS",
    "KIND_COLOURS",
    "LABEL_COLUMNS",
    "LAST_PLACE",
    "NOW_EXAMPLE",
    "SNAPSHOT_COLUMNS",
    "Controller",
    "Inspector",
    "MapPoint",
    "RunningServer",
    "UIError",
    "build_ui",
    "card_markdown",
    "context_map",
    "context_summary",
    "create_app",
    "default_now",
    "format_now",
    "heatmap_html",
    "insights_areas_table",
    "insights_caption",
    "insights_map",
    "label_table",
    "map_html",
    "parse_now",
    "parse_where",
    "snapshot_table",
    "start_server",
    "ui_zone",
    "user_places",
    "user_rhythm",
    "week_grid",
]
