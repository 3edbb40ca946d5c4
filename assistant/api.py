"""The HTTP API: the product as an assistant backend, under ``/api`` of the app (the web UI owns ``/``).

:func:`create_api` builds a FastAPI app over a prepared runtime and an :class:`~assistant.agent.Assistant`:

- ``GET /api/health`` — liveness and counts; never needs a key.
- ``POST /api/events`` — store behaviour events (who, what, when, where); a user exists once they have events.
- ``GET /api/users/{user_id}/context`` — the interest context for a time and place (no raw vectors).
- ``POST /api/recommend`` — ranked places, each with the evidence behind it.
- ``POST /api/chat`` — one chat turn, streamed as Server-Sent Events (``suggestions`` first, then ``token``,
  ``reset``, ``turn``, ``error``) or returned as one JSON turn.
- ``POST /api/feedback`` — a 👍 or 👎 on a place.
- ``GET /api/users/{user_id}/preferences`` — the user's stated preferences in force; ``PUT`` states one (mute or
  boost a category, places like one, a home area, hide a place, forget visits to a place), ``DELETE`` ends them
  all, ``DELETE .../preferences/{id}`` one.
- ``DELETE /api/users/{user_id}`` — forget a user everywhere, conversations included.

Errors are JSON ``{"error": "..."}`` (validation errors add the first 100 ``details`` and how many more there
were); a traceback only ever goes to the server log. With ``server.api_key`` set, every route but health, the docs
and the schema included, needs it in the ``X-API-Key`` header (or the web UI's login cookie: ``assistant.access``),
and a Host header not naming this server gets 400. Every text and list a request carries is bounded, and the
schema states the bounds, so an oversized request is refused before it reaches the runtime. Calls into the runtime
and the assistant block (CPU, LLM), so the endpoints are plain functions that FastAPI runs in its thread pool, and a
chat stream is pulled from the assistant in that pool too.
"""

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRouter
from fastapi.security import APIKeyHeader
from fastapi.sse import KEEPALIVE_COMMENT, EventSourceResponse, format_sse_event
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.access import API_KEY_HEADER, KeyGate, trusted_hosts
from assistant.admission import ChatAdmission, QueueFull
from assistant.agent import MAX_MESSAGE_CHARS, Assistant, ChatError, Turn, TurnEvent
from assistant.llm import cancellable
from assistant.requests import LatLon
from assistant.service import (
    FeedbackResult,
    ForgetReport,
    PlaceDetails,
    PreferenceChange,
    RecommendQuery,
    Service,
    Suggestion,
)
from profiles.clock import RepresentableTime
from profiles.config import MAX_EVENTS_PER_REQUEST, Settings
from profiles.context import InterestContext
from profiles.events import BEHAVIOUR_ACTIONS, Action, Event
from profiles.preferences import ActivePreference, Preference

logger = logging.getLogger(__name__)

API_PREFIX = "/api"
HEALTH_PATH = f"{API_PREFIX}/health"
MAX_K = 50
# Bounds of what a request may carry: ids, names of kinds of place, free text, lists.
MAX_ID_CHARS = 200
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 2_000
MAX_LIST_ITEMS = 200
MAX_ERRORS_LISTED = 100  # validation errors in one response; the rest are counted
_LOCATIONS = ("body", "query", "path", "header", "cookie")  # the first part of a validation error's location
_ERRORS_SHOWN = 3

Name = Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS)]
ItemId = Annotated[str, StringConstraints(max_length=MAX_ID_CHARS)]


# ---- request and response models ---------------------------------------------------------------------------


class _Request(BaseModel):
    # A misspelt field ("latitude" for "lat") is an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


class EventIn(Event):
    """One behaviour event, as the API takes it."""

    user_id: str = Field(
        min_length=1, max_length=MAX_ID_CHARS, description="Who; any string id. A user exists once they have an event."
    )
    item_id: str = Field(min_length=1, max_length=MAX_ID_CHARS, description="Which place; must be in the catalogue.")
    timestamp: datetime = Field(description="When, ISO 8601 with an offset, e.g. 2012-06-04T19:30:00-04:00.")
    latitude: float = Field(strict=True, ge=-90, le=90, description="Where the user was, degrees north.")
    longitude: float = Field(strict=True, ge=-180, le=180, description="Where the user was, degrees east.")
    action: Action = Field(Action.VISIT, description="What the user did there.")
    text: str | None = Field(None, max_length=MAX_TEXT_CHARS, description="Optional free text (a search, a review).")
    category: str | None = Field(
        None, max_length=MAX_NAME_CHARS, description="Optional category, when it differs from the catalogue's."
    )

    @field_validator("action")
    @classmethod
    def _behaviour(cls, action: Action) -> Action:
        # Stated preferences have their own checked route; as raw events they would skip its checks.
        if action not in BEHAVIOUR_ACTIONS:
            raise ValueError(f"{action.value!r} is a stated preference: use PUT /api/users/{{user_id}}/preferences")
        return action


class EventsRequest(_Request):
    """A batch of events; all are stored or none is."""

    events: list[EventIn] = Field(
        max_length=MAX_EVENTS_PER_REQUEST,
        description="The events, at most server.max_events_per_request of them (413 beyond).",
    )


class EventsResult(BaseModel):
    """What storing a batch did."""

    added: int = Field(description="Events stored; exact repeats and quick repeat visits are not stored again.")


class Health(BaseModel):
    """The service is up; what it serves."""

    status: Literal["ok"] = "ok"
    users: int = Field(description="Users with stored events.")
    places: int = Field(description="Places in the catalogue.")


class RecommendRequest(RecommendQuery):
    """Who wants suggestions, when and where, and what kind."""

    user_id: str = Field(min_length=1, max_length=MAX_ID_CHARS, description="A user with stored events.")
    at: RepresentableTime | None = Field(None, description="'Now', ISO 8601 with an offset; default: the server's now.")
    lat: float | None = Field(
        None, strict=True, ge=-90, le=90, description="Where the user is; default: where they likely are then."
    )
    lon: float | None = Field(None, strict=True, ge=-180, le=180, description="Give with lat.")
    k: int = Field(10, strict=True, ge=1, le=MAX_K, description="How many places.")
    category: str | None = Field(
        None, max_length=MAX_NAME_CHARS, description="Only places whose category contains this, e.g. 'Cafe'."
    )
    keyword: str | None = Field(
        None, max_length=MAX_NAME_CHARS, description="Only places whose name contains this, e.g. 'Starbucks'."
    )
    exclude_categories: list[Name] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description="Leave out places of these categories."
    )
    exclude: list[ItemId] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description="Item ids not to suggest again."
    )
    like: list[ItemId] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="Catalogue item ids whose look-alikes go up, for this request only ('more like these').",
    )
    calmer_than: list[ItemId] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="Item ids of places shown: only places fewer people check in at than at the middle one of them "
        "('less crowded?' after a list).",
    )
    near_kinds: list[Name] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="Only places within 0.4 km of a place of one of these kinds ('Metro Station': near the subway).",
    )
    after: ItemId | None = Field(
        None,
        description="A catalogue item id: the places people went on to within 4 hours of a check-in there come "
        "first, each saying so ('where do people go after Madison Square Garden?').",
    )
    outside: list[Name] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="Leave out the places of these areas, by the gazetteer's names ('Midtown', 'Manhattan'), for this "
        "request only ('not in Midtown').",
    )
    in_area: str | None = Field(
        None,
        max_length=MAX_NAME_CHARS,
        description="A neighbourhood by the gazetteer's name ('bars in the East Village'): its places come first, "
        "those around it only after them.",
    )

    def query(self) -> RecommendQuery:
        """The kind of places asked for, without who, when and where."""
        return RecommendQuery.model_validate(self.model_dump(include=set(RecommendQuery.model_fields)))


class ChatBody(_Request):
    """One message to the assistant."""

    user_id: str = Field(
        min_length=1, max_length=MAX_ID_CHARS, description="A user with stored events (POST /api/events first)."
    )
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="What the user says.")
    at: RepresentableTime | None = Field(None, description="'Now', ISO 8601 with an offset; default: the server's now.")
    lat: float | None = Field(
        None, strict=True, ge=-90, le=90, description="Where the user is; default: where they likely are then."
    )
    lon: float | None = Field(None, strict=True, ge=-180, le=180, description="Give with lat.")
    conversation_id: str = Field(
        "default", min_length=1, max_length=MAX_ID_CHARS, description="Memory is per (user, conversation)."
    )
    stream: bool = Field(True, description="Server-Sent Events as the reply is written; false: one JSON turn.")


class FeedbackRequest(_Request):
    """A 👍 or 👎 on a place; it is stored as an event and shapes the profile and the ranking."""

    user_id: str = Field(min_length=1, max_length=MAX_ID_CHARS, description="Who.")
    item_id: str = Field(min_length=1, max_length=MAX_ID_CHARS, description="Which place; must be in the catalogue.")
    liked: bool = Field(description="true: 👍 (like); false: 👎 (dislike).")
    at: RepresentableTime | None = Field(None, description="When; default: the server's now.")


class PreferenceRequest(Preference):
    """One stated preference. ``target``: a category ('Bar') for mute_category and boost_category, a catalogue
    place id for boost_like_place, hide_place and forget_place_visits, an area's name for home_area and work_area
    (with latitude and longitude) and for avoid_area (a New York neighbourhood or borough the gazetteer knows), a
    place's name for hide_chain, "chains" for no_chains, "new places" for new_places_only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: RepresentableTime | None = Field(None, description="When it was stated; default: the server's now.")

    def preference(self) -> Preference:
        return Preference.model_validate(self.model_dump(exclude={"at"}))


class ApiError(BaseModel):
    """Every error response."""

    error: str = Field(description="What went wrong, fit to show.")
    details: list[dict[str, Any]] | None = Field(
        None, description=f"Validation errors (the first {MAX_ERRORS_LISTED}): field path, message, type."
    )
    more_details: int | None = Field(None, description="How many validation errors details leaves out.")


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ApiError, "description": description}
    for code, description in (
        (400, "The body could not be read (it is not UTF-8 text)."),
        (401, "Missing or wrong API key (when the server has one)."),
        (400, "A Host header that does not name this server."),
        (413, "Body or batch too large."),
        (422, "Invalid input; the message names the field."),
    )
}
_SSE_DESCRIPTION = (
    "With stream=true, `text/event-stream`: one `suggestions` event (data: a JSON array of the suggested places "
    "with their evidence, the Turn's `items`) as soon as they are ranked, before any reply text, when the message "
    'asks for places; `token` events (data `{"text": ...}`) as the reply is written, `reset` when the reply is '
    "being written again (the text so far is void), then one `turn` (data: the Turn JSON); `error` (data "
    '`{"error": ...}`) if the turn fails. With stream=false, the Turn JSON.'
)
# One Server-Sent Event of a chat stream (OpenAPI 3.2's itemSchema, as FastAPI describes its own event streams).
_SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["suggestions", "token", "reset", "turn", "error"]},
        "data": {"type": "string", "contentMediaType": "application/json"},
    },
}
_SUGGESTIONS = TypeAdapter(list[Suggestion])


# ---- the app -------------------------------------------------------------------------------------------------


def create_api(service: Service, assistant: Assistant, settings: Settings) -> FastAPI:
    """The HTTP API over the service layer and the assistant; every route is under ``/api``."""
    server = settings.server
    app = FastAPI(
        title="wherenow API",
        description="Time- and place-aware place suggestions and chat, with the evidence behind them.",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        swagger_ui_oauth2_redirect_url=f"{API_PREFIX}/docs/oauth2-redirect",
        redoc_url=None,
        # One schema per model: the contexts' serialisers (which drop raw vectors) would otherwise make them opaque.
        separate_input_output_schemas=False,
    )
    app.state.service, app.state.assistant, app.state.settings = service, assistant, settings
    # The last added runs first: a foreign Host, then a missing key, are refused before a body is read.
    app.add_middleware(BodyLimit, limit=server.max_body_bytes, prefix=API_PREFIX)
    if server.api_key is not None:
        app.add_middleware(KeyGate, key=server.api_key.get_secret_value(), api_prefix=API_PREFIX, public=(HEALTH_PATH,))
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=trusted_hosts(server))
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal_error)

    # Declares the key in the schema; the KeyGate around the whole app checks it, on every route.
    key_header = APIKeyHeader(
        name=API_KEY_HEADER,
        scheme_name="APIKey",
        description="Required on every route but /api/health when the server is configured with server.api_key.",
        auto_error=False,
    )
    admission = assistant.admission
    app.state.admission = admission
    public = APIRouter(prefix=API_PREFIX)
    api = APIRouter(prefix=API_PREFIX, dependencies=[Security(key_header)], responses=_ERRORS)

    def now(at: datetime | None) -> datetime:
        return at or server.demo_now or datetime.now(UTC)

    def known(user_id: str) -> None:
        if not service.known_user(user_id):
            raise HTTPException(404, f"unknown user {user_id!r}: a user needs events first (POST /api/events)")

    def place(user_id: str, lat: float | None, lon: float | None, at: datetime) -> LatLon:
        given = _where(lat, lon)
        return given if given is not None else service.default_place(user_id, at)

    @public.get("/health", summary="Liveness and counts")
    def health() -> Health:
        """Whether the service is up, and how many users and places it knows; never needs a key."""
        return Health(users=len(service.users()), places=service.place_count)

    @api.post("/events", summary="Store behaviour events")
    def add_events(body: EventsRequest) -> EventsResult:
        """Store events; every one is checked first, and a bad one stores nothing (422 naming its index)."""
        limit = server.max_events_per_request
        if len(body.events) > limit:
            raise HTTPException(
                413, f"{len(body.events):,} events in one request; the limit is {limit:,}: send them in batches"
            )
        try:
            added = service.add_events(body.events)
        except ValidationError as error:  # a timestamp past the horizon: each named by its index, as pydantic does
            raise RequestValidationError(
                [{**detail, "loc": ("body", "events", *detail["loc"])} for detail in error.errors(include_url=False)]
            ) from None
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
        return EventsResult(added=added)

    @api.get("/users/{user_id}/context", summary="A user's interest context", responses=_not_found("user"))
    def context(
        user_id: Annotated[str, Path(max_length=MAX_ID_CHARS, description="A user with stored events.")],
        at: Annotated[RepresentableTime | None, Query(description="ISO 8601 with an offset; default: now.")] = None,
        lat: Annotated[
            float | None, Query(ge=-90, le=90, description="Default: where the user likely is then.")
        ] = None,
        lon: Annotated[float | None, Query(ge=-180, le=180, description="Give with lat.")] = None,
        query: Annotated[str | None, Query(max_length=200, description="What the user is after, in words.")] = None,
        k: Annotated[int | None, Query(ge=1, le=MAX_K, description="How many snapshots; default: settings.")] = None,
    ) -> InterestContext:
        """The weighted snapshots behind suggestions for this time and place, with reasons, and the drift of
        interests (now against overall); raw vectors are left out."""
        known(user_id)
        moment = now(at)
        return service.context(user_id, moment, place(user_id, lat, lon, moment), query=query, k=k)

    @api.post("/recommend", summary="Ranked places with evidence", responses=_not_found("user"))
    def recommend(body: RecommendRequest) -> list[Suggestion]:
        """Places for the user now and here, best first, each with the evidence behind it. Homes are never
        suggested; offices, hospitals, stations and schools only when the category or keyword names them."""
        known(body.user_id)
        at = now(body.at)
        where = place(body.user_id, body.lat, body.lon, at)
        try:
            return service.recommend(body.user_id, at, where, body.query())
        except ValueError as error:  # an unknown item id in ``like``
            raise HTTPException(422, str(error)) from None

    @api.get("/places/{item_id}", summary="What the data says of one place", responses=_not_found("place"))
    def place_details(
        item_id: Annotated[str, Path(max_length=MAX_ID_CHARS, description="A catalogue place's id.")],
        user_id: Annotated[str, Query(min_length=1, max_length=MAX_ID_CHARS, description="Whose visits to count.")],
        at: Annotated[RepresentableTime | None, Query(description="ISO 8601 with an offset; default: now.")] = None,
        lat: Annotated[
            float | None, Query(ge=-90, le=90, description="Default: where the user likely is then.")
        ] = None,
        lon: Annotated[float | None, Query(ge=-180, le=180, description="Give with lat.")] = None,
    ) -> PlaceDetails:
        """Its kind, area and distance, everyone's check-ins there by slice of the week (only figures at least
        ``privacy.insights_min_users`` people stand behind) and the user's own visits: what a chat question about
        one place is answered with. The data has no opening hours, prices or addresses."""
        moment = now(at)
        try:
            return service.place_details(user_id, item_id, moment, place(user_id, lat, lon, moment))
        except ValueError as error:
            raise HTTPException(404, str(error)) from None

    @api.post(
        "/chat",
        summary="One chat turn",
        response_model=Turn,
        response_description=_SSE_DESCRIPTION,
        responses={
            200: {"content": {"text/event-stream": {"itemSchema": _SSE_EVENT}}},
            503: {
                "model": ApiError,
                "description": "The chat queue is full; the Retry-After header says when to retry.",
            },
            **_not_found("user"),
        },
    )
    def chat(body: ChatBody) -> Any:
        """Answer one message: grounded suggestions whose evidence is in the reply, the context and the tool
        trace. Streams by default."""
        known(body.user_id)
        where = _where(body.lat, body.lon)
        args = (body.user_id, body.message, now(body.at), where, body.conversation_id)
        try:
            admission.enter()
        except QueueFull as full:
            raise HTTPException(503, str(full), headers={"Retry-After": str(full.retry_after_s)}) from None
        if not body.stream:
            try:
                return assistant.chat(*args)
            except ChatError as error:
                raise HTTPException(422, str(error)) from None
            finally:
                admission.leave()
        try:
            # stream() checks the request at once: a refused request is a 422, not an error inside a 200 stream.
            events = assistant.stream(*args)
        except ChatError as error:
            admission.leave()
            raise HTTPException(422, str(error)) from None
        return EventSourceResponse(
            _sse(events, body.user_id, admission, server.keepalive_s),
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @api.post("/feedback", summary="Like or dislike a place")
    def feedback(body: FeedbackRequest) -> FeedbackResult:
        """Store a 👍 or 👎 as an event at the place; it shapes the profile and the next rankings. Like any event,
        it makes a user without events known."""
        try:
            return service.feedback(body.user_id, body.item_id, body.liked, now(body.at))
        except ValueError as error:
            raise HTTPException(422, str(error)) from None

    @api.get("/users/{user_id}/preferences", summary="A user's stated preferences")
    def preferences(
        user_id: Annotated[str, Path(max_length=MAX_ID_CHARS, description="Any user id.")],
    ) -> list[ActivePreference]:
        """The preferences in force, oldest first; each ``id`` is what DELETE takes. Empty for a user without."""
        return service.preferences(user_id)

    @api.put("/users/{user_id}/preferences", summary="State a preference")
    def set_preference(
        user_id: Annotated[str, Path(max_length=MAX_ID_CHARS, description="Who states it.")],
        body: PreferenceRequest,
    ) -> PreferenceChange:
        """Store one stated preference; it holds from the next suggestion on. Idempotent: the same preference
        again stores nothing. One that contradicts an active one ends it (muting a boosted category, a new home
        area). ``forget_place_visits`` deletes the user's visits to the place at once and keeps nothing."""
        try:
            return service.set_preference(user_id, body.preference(), now(body.at))
        except ValueError as error:
            raise HTTPException(422, str(error)) from None

    @api.delete("/users/{user_id}/preferences", summary="End every stated preference")
    def clear_preferences(
        user_id: Annotated[str, Path(max_length=MAX_ID_CHARS, description="Whose.")],
    ) -> list[ActivePreference]:
        """End all of the user's preferences; the ones ended (empty when there were none)."""
        return service.clear_preferences(user_id, now(None))

    @api.delete(
        "/users/{user_id}/preferences/{preference_id}",
        summary="End one stated preference",
        responses=_not_found("preference"),
    )
    def undo_preference(
        user_id: Annotated[str, Path(max_length=MAX_ID_CHARS, description="Whose.")],
        preference_id: Annotated[int, Path(ge=1, le=2**62, description="Its id, from GET.")],
    ) -> ActivePreference:
        """End one preference; 404 when none with that id is in force."""
        ended = service.undo_preference(user_id, preference_id, now(None))
        if ended is None:
            raise HTTPException(404, f"no preference {preference_id} is in force for user {user_id!r}")
        return ended

    @api.delete("/users/{user_id}", summary="Forget a user")
    def forget(
        user_id: Annotated[str, Path(max_length=MAX_ID_CHARS, description="The user to forget.")],
    ) -> ForgetReport:
        """Remove the user everywhere, durably: stored events, snapshots and vectors, the recommender's state about
        them, their conversations and rejected rows naming them. Idempotent: forgetting an unknown or already
        forgotten user answers 200 with zero counts."""
        return service.forget(user_id)

    app.include_router(public)
    app.include_router(api)
    return app


# ---- chat streams --------------------------------------------------------------------------------------------


_END = object()  # the producer's last word: the turn ended


async def _sse(
    events: Iterator[TurnEvent], user_id: str, admission: ChatAdmission, keepalive_s: float
) -> AsyncIterator[bytes]:
    """The turn's events as SSE, a keep-alive comment while the turn waits (for the LLM, say), and a failure as an
    ``error`` event (the response has started, so its status can no longer change).

    The turn runs on a thread of its own. When the client goes away the turn is cancelled: its LLM call stops at
    the next token, and its place in the chat queue is given back once it has stopped.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    cancelled = threading.Event()

    def send(item: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is listening any more
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def produce() -> None:
        try:
            with cancellable(cancelled):
                for event in events:
                    if cancelled.is_set():
                        break
                    send(event)
        except Exception as error:
            send(error)
        finally:
            events.close()  # type: ignore[attr-defined]
            admission.leave()
            send(_END)

    threading.Thread(target=produce, name=f"chat-{user_id}", daemon=True).start()
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), keepalive_s)
            except TimeoutError:
                yield KEEPALIVE_COMMENT
                continue
            if item is _END:
                return
            if isinstance(item, ChatError):
                yield _sse_error(str(item))
            elif isinstance(item, Exception):
                logger.error("chat stream for user %r failed", user_id, exc_info=item)
                yield _sse_error("internal error")
            else:
                yield _event(item)  # type: ignore[arg-type]
    finally:
        cancelled.set()  # a client that went away cancels its turn; after the end this changes nothing


def _event(event: TurnEvent) -> bytes:
    if event.kind == "turn" and event.turn is not None:
        return format_sse_event(event="turn", data_str=event.turn.model_dump_json())
    if event.kind == "suggestions":
        return format_sse_event(event="suggestions", data_str=_SUGGESTIONS.dump_json(event.items).decode())
    if event.kind == "token":
        return format_sse_event(event="token", data_str=json.dumps({"text": event.text}))
    return format_sse_event(event=event.kind, data_str="{}")


def _sse_error(message: str) -> bytes:
    return format_sse_event(event="error", data_str=json.dumps({"error": message}))


# ---- oversized bodies ----------------------------------------------------------------------------------------


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes under ``prefix`` with 413: by Content-Length before reading, and
    by the bytes that actually arrive (a chunked body declares no length). Other paths (the UI) pass untouched."""

    def __init__(self, app: ASGIApp, limit: int, prefix: str = API_PREFIX) -> None:
        self.app = app
        self.limit = limit
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(scope.get("root_path", "") + self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send, int(declared))
            return
        # Buffered up to the limit and handed on; at most `limit` bytes are ever held.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                await self._refuse(scope, receive, send, None)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            # The buffered body first, then the live channel (a streaming response listens on it for disconnects).
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: int | None) -> None:
        """413 naming the limit, and the body's size when it was declared."""
        limit = f"{self.limit:,} bytes (server.max_body_bytes)"
        message = f"request body is {size:,} bytes; the limit is {limit}" if size else f"request body is over {limit}"
        await JSONResponse({"error": message}, status_code=413)(scope, receive, send)


# ---- errors --------------------------------------------------------------------------------------------------


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    return JSONResponse({"error": str(error.detail)}, status_code=error.status_code, headers=error.headers)


async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
    """422 naming each bad field by its path in the body or query ("events.3.latitude: ..."): the first
    ``MAX_ERRORS_LISTED`` in details, and how many more there were (a batch of empty events has thousands)."""
    problems = error.errors()
    details = [_problem(problem) for problem in problems[:MAX_ERRORS_LISTED]]
    shown = "; ".join(
        f"{detail['field']}: {detail['message']}" if detail["field"] else detail["message"]
        for detail in details[:_ERRORS_SHOWN]
    )
    more = f" (and {len(problems) - _ERRORS_SHOWN:,} more)" if len(problems) > _ERRORS_SHOWN else ""
    # The input is not echoed back: it may be large, or something the client should not see repeated.
    body: dict[str, Any] = {"error": shown + more, "details": details}
    if len(problems) > MAX_ERRORS_LISTED:
        body["more_details"] = len(problems) - MAX_ERRORS_LISTED
    return JSONResponse(body, status_code=422)


async def _internal_error(request: Request, error: Exception) -> JSONResponse:
    """500 without details. The traceback goes to the server log only: Starlette re-raises the exception after
    this response is sent, and the server logs it with its traceback; here only which request failed."""
    logger.error("%s %s failed: %s", request.method, request.url.path, type(error).__name__)
    return JSONResponse({"error": "internal error"}, status_code=500)


def _problem(problem: dict[str, Any]) -> dict[str, str]:
    """One validation error as (field path, message, type)."""
    kind = str(problem.get("type", ""))
    if kind == "json_invalid":  # located at ("body", character offset): say it in words
        offset = problem.get("loc", ("body", "?"))[-1]
        reason = (problem.get("ctx") or {}).get("error")
        message = f"not valid JSON at character {offset}" + (f": {reason}" if reason else "")
        return {"field": "body", "message": message, "type": kind}
    return {"field": _field(problem.get("loc", ())), "message": str(problem.get("msg", "")), "type": kind}


def _field(location: Sequence[Any]) -> str:
    parts = list(location)
    if len(parts) > 1 and parts[0] in _LOCATIONS:
        parts = parts[1:]  # "body.events.3.latitude" reads better as "events.3.latitude"
    return ".".join(str(part) for part in parts)


def _where(lat: float | None, lon: float | None) -> LatLon | None:
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise HTTPException(422, "give both lat and lon, or neither (for where the user likely is then)")
    return LatLon(lat, lon)


def _not_found(what: str) -> dict[int | str, dict[str, Any]]:
    return {404: {"model": ApiError, "description": f"Unknown {what}."}}


__all__ = ["API_PREFIX", "HEALTH_PATH", "BodyLimit", "create_api"]
