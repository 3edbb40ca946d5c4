"""The web UI's callbacks: :class:`Controller` parses the controls, asks the service and the assistant, and returns
what each component shows (drawn by ``assistant.ui.render``).

Every callback can be called without a browser. Reading the stored events goes through one seam,
:meth:`assistant.service.Service.events`.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# First: importing profiles applies the offline defaults (Gradio's analytics off) before gradio loads.
import profiles  # noqa: F401

# isort: split
import gradio as gr
import pandas as pd

from assistant.admission import QueueFull
from assistant.agent import Assistant, ChatError, Turn
from assistant.gazetteer import NEIGHBOURHOODS
from assistant.requests import LatLon
from assistant.service import Service, Suggestion
from assistant.ui.render import (
    card_markdown,
    context_map,
    context_summary,
    heatmap_html,
    label_table,
    preference_markdown,
    snapshot_table,
)
from profiles.activity import user_places, user_rhythm
from profiles.config import Settings
from profiles.context import InterestContext
from profiles.insights import build_insights, week_heatmap

logger = logging.getLogger(__name__)

LAST_PLACE = "my last place"
CARD_SLOTS = 5
PREFERENCE_SLOTS = 8  # stated preferences the inspector lists, each with its undo button
ALL_CATEGORIES = "all categories"
DEFAULT_ZONE = "America/New_York"  # for "now" when the configured zone is 'auto' (per event): the data's city
NOW_EXAMPLE = "2012-12-20T19:00-05:00"


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


# ---- the callbacks -------------------------------------------------------------------------------------------------

Inspector = tuple[str, pd.DataFrame, pd.DataFrame, str, str]


class Controller:
    """The UI's callbacks over the service and the assistant; ``settings`` gives the defaults and the privacy rules.

    Callbacks never raise: a problem with the input becomes a short message (a warning toast and the status
    line), anything unexpected is logged with its traceback and shown as one line.
    """

    def __init__(self, service: Service, assistant: Assistant, settings: Settings) -> None:
        self.service = service
        self.assistant = assistant
        self.settings = settings
        self.zone = ui_zone(settings)
        events = self.service.events()
        self.default_now = format_now(default_now(settings, events, self.zone), self.zone)
        # Aggregates over everyone are computed once: a planner's view, not a live one.
        self.insights = build_insights(events, service.items, settings) if events is not None else None

    # ---- data --------------------------------------------------------------------------------------------

    def users(self) -> list[str]:
        """Today's users, for the user dropdown."""
        return self.service.users()

    def here(self, user_id: str | None) -> tuple[float, float]:
        """The user's last known place (the centre of everyone's for a newcomer)."""
        place = self.service.default_place(user_id or "")
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
            context = self.service.context(user_id, at, LatLon(*point))
        events = self.service.events()
        places = user_places(events, self.service.items, user_id)
        here = (context.latitude, context.longitude) if context is not None else where
        return (
            context_summary(user_id, context, places, note),
            snapshot_table(context),
            label_table(context),
            context_map(places, suggestions, here),
            heatmap_html(user_rhythm(events, self.service.items, user_id), empty="No stored events for this user."),
        )

    def empty_inspector(self, note: str) -> Inspector:
        """The inspector with no user: ``note`` as its headline, empty tables, no map."""
        return self.inspector(None, None, None, note=note)

    def preference_rows(self, user_id: str | None) -> tuple[Any, ...]:
        """The inspector's stated preferences: for each slot, its row (shown or hidden) and its text, then their ids
        (what each slot's undo ends); the newest first."""
        active = list(reversed(self.service.preferences(user_id))) if user_id else []
        rows: list[Any] = []
        for slot in range(PREFERENCE_SLOTS):
            shown = slot < len(active)
            rows += [gr.update(visible=shown), preference_markdown(active[slot]) if shown else ""]
        empty = "" if active else "None yet: tell the assistant, e.g. “no more bars” or “I moved to Brooklyn”."
        return (*rows, empty, [preference.id for preference in active[:PREFERENCE_SLOTS]])

    def undo_preference(
        self,
        slot: int,
        ids: list[int] | None,
        user_id: str | None,
        now_text: str,
        latitude: float | None,
        longitude: float | None,
    ) -> tuple[Any, ...]:
        """Undo on preference ``slot``: the preference ends at once. Outputs: the confirmation, the preference
        rows, then the inspector (its context no longer steered by it)."""
        try:
            if not user_id:
                raise UIError("pick a user first")
            if not ids or slot >= len(ids):
                raise UIError("that preference is gone already")
            at = parse_now(now_text, self.zone)
            ended = self.service.undo_preference(user_id, ids[slot], at)
            message = f"Undone: {ended.shown}" if ended is not None else "That preference had ended already"
            inspector = self.inspector(user_id, at, parse_where(latitude, longitude))
            return (message, *self.preference_rows(user_id), *inspector)
        except UIError as error:
            gr.Warning(str(error))
            return (f"⚠️ {error}", *self.preference_rows(user_id), *(gr.update() for _ in range(5)))
        except Exception as error:
            unchanged = (gr.update(),) * (2 * PREFERENCE_SLOTS + 2 + 5)
            return (_unexpected("undoing the preference", error), *unchanged)

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
        """Stream one reply into the chat. Outputs: chat, status, conversation id, turn, message box, then the cards
        and their items.

        The cards show the suggestions as soon as they are ranked, before the reply is written; tokens are then
        appended as they arrive; a reset clears the partial reply (it is being rewritten); the final turn replaces
        it with the reply as written (markdown, with each suggestion's evidence).
        """
        history = list(history or [])
        conversation = conversation_id or uuid.uuid4().hex[:12]
        text = (message or "").strip()
        unchanged = self._unchanged_cards()
        try:
            if not user_id:
                raise UIError("pick a user first")
            if not text:
                raise UIError("type a message first")
            at = parse_now(now_text, self.zone)
            where = parse_where(latitude, longitude)
        except UIError as error:
            gr.Warning(str(error))
            yield history, f"⚠️ {error}", conversation, gr.update(), gr.update(), *unchanged
            return
        history += [{"role": "user", "content": text}, {"role": "assistant", "content": "…"}]
        try:
            self.assistant.admission.enter()  # the same queue as the HTTP API's chats
        except QueueFull as full:
            busy = f"⏳ The assistant is busy with other chats; try again in {full.retry_after_s} s."
            history[-1] = {"role": "assistant", "content": busy}
            yield history, busy, conversation, gr.update(), gr.update(), *unchanged
            return
        try:
            yield from self._answer(history, text, user_id, at, where, conversation)
        finally:
            self.assistant.admission.leave()

    def _answer(
        self,
        history: list[dict[str, Any]],
        text: str,
        user_id: str,
        at: datetime,
        where: tuple[float, float] | None,
        conversation: str,
    ) -> Iterator[tuple[Any, ...]]:
        unchanged = self._unchanged_cards()
        yield history, "Thinking…", conversation, gr.update(), "", *unchanged
        reply = ""
        try:
            for event in self.assistant.stream(user_id, text, at, where, conversation):
                if event.kind == "suggestions":
                    found = f"Found {len(event.items)} place{'' if len(event.items) == 1 else 's'}, writing…"
                    yield history, found, conversation, gr.update(), gr.update(), *self._card_outputs(event.items)
                elif event.kind == "token":
                    reply += event.text
                    history[-1] = {"role": "assistant", "content": reply}
                    yield history, "Writing…", conversation, gr.update(), gr.update(), *unchanged
                elif event.kind == "reset":
                    reply = ""
                    history[-1] = {"role": "assistant", "content": "…"}
                    rewriting = "Checking the places it named, rewriting…"
                    yield history, rewriting, conversation, gr.update(), gr.update(), *unchanged
                elif event.turn is not None:
                    turn = event.turn
                    history[-1] = {"role": "assistant", "content": turn.text or reply}
                    seconds = turn.timings.get("total_s")
                    status = f"Answered in {seconds:.1f} s" if seconds is not None else ""
                    yield history, status, conversation, turn, gr.update(), *unchanged
        except ChatError as error:
            history[-1] = {"role": "assistant", "content": f"⚠️ {error}"}
            gr.Warning(str(error))
            yield history, f"⚠️ {error}", conversation, gr.update(), gr.update(), *unchanged
        except Exception as error:
            status = _unexpected("answering", error)
            history[-1] = {"role": "assistant", "content": status}
            yield history, status, conversation, gr.update(), gr.update(), *unchanged

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
        return (*inspector, *self._card_outputs(items))

    def cards(self, items: Sequence[Suggestion]) -> list[Any]:
        """Each card slot: shown with its suggestion, or hidden."""
        updates: list[Any] = []
        for slot in range(CARD_SLOTS):
            if slot < len(items):
                updates += [gr.update(visible=True), card_markdown(items[slot])]
            else:
                updates += [gr.update(visible=False), ""]
        return updates

    def _card_outputs(self, items: Sequence[Suggestion]) -> tuple[Any, ...]:
        """The cards and the cards' items for these suggestions (as many as there are slots)."""
        shown = list(items[:CARD_SLOTS])
        return (*self.cards(shown), [item.model_dump() for item in shown])

    @staticmethod
    def _unchanged_cards() -> tuple[Any, ...]:
        """The cards and their items left as they are."""
        return (gr.update(),) * (2 * CARD_SLOTS + 1)

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
            result = self.service.feedback(user_id, item.item_id, liked, at=at)
            mark = "👍" if liked else "👎"
            if result.stored:
                message = f"{mark} recorded for {item.label}"
            else:
                message = f"{mark} for {item.label} was already recorded at this time"
            query = turn.context.query if turn is not None and turn.context is not None else None
            here = where or self.here(user_id)
            context = self.service.context(user_id, at, LatLon(*here), query=query)
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
            report = self.service.forget(user_id)
            # The aggregates lose the user too (the Insights map redraws at the next start).
            events = self.service.events()
            self.insights = build_insights(events, self.service.items, self.settings) if events is not None else None
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

    def insights_categories(self) -> list[str]:
        """The insights heat map's choices: all categories, then each released top-level category."""
        if self.insights is None:
            return [ALL_CATEGORIES]
        return [ALL_CATEGORIES, *sorted(self.insights.table["category"].unique().tolist())]

    def trace(self, turn: Turn | None) -> Any:
        """The last turn's tool calls, for the trace accordion."""
        if turn is None:
            return []
        return [call.model_dump() for call in turn.trace]


def _unexpected(doing: str, error: Exception) -> str:
    """Log the traceback for the operator; give the user one line."""
    logger.exception("UI: error while %s", doing)
    return f"⚠️ Something went wrong while {doing} ({type(error).__name__}: {error}). Details are in the server log."


__all__ = [
    "ALL_CATEGORIES",
    "CARD_SLOTS",
    "LAST_PLACE",
    "NOW_EXAMPLE",
    "Controller",
    "Inspector",
    "UIError",
    "default_now",
    "format_now",
    "parse_now",
    "parse_where",
    "ui_zone",
]
