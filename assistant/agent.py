"""The conversational agent: a LangGraph graph in which code picks the tools and the items, and the LLM talks.

One turn runs ``understand`` (rules, then the LLM for the gaps: ``assistant.requests``) → ``plan`` (code turns
the request into tool calls) → ``tools`` (LangGraph's ToolNode runs them; the trace is their messages) →
``write`` (the LLM writes a one-sentence opening from the tool results, ``prompts/reply.txt``; replies that state
only facts — explanations, habits, greetings, off-topic — are written by code) →
``ground`` (every venue the reply names must come from the tool results; otherwise the reply is written again
once, then repaired). Code appends each suggestion's evidence to the reply, so every suggestion cites it.

The graph is compiled once per assistant. Memory is per conversation: LangGraph's checkpointer keeps each thread's
state (messages, the last request, the suggestions shown) under a thread id made of the user and the conversation.
The turn's user, "now" and "here" travel in that state and the tools read them from it (LangGraph injects it; the
model never fills it), so two users chatting at once never see each other's context.
"""

from __future__ import annotations

import logging
import math
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from itertools import takewhile
from typing import Annotated, Any, Literal, NamedTuple, TypedDict, cast
from zoneinfo import ZoneInfo

import pandas as pd
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode
from pydantic import BaseModel, ConfigDict, Field

from assistant.admission import ChatAdmission
from assistant.claims import Situation, check_claims, code_sentence, repair_claims, rewrite_note, turn_places
from assistant.gazetteer import (
    BOROUGHS,
    VENUE_ALIASES,
    Borough,
    borough_at,
    borough_of,
    find_neighbourhoods,
    is_in_area,
    lookup,
    of_area,
)
from assistant.grounding import (
    EVIDENCE_KEY,
    LinkHold,
    NameIndex,
    check_reply,
    find_named_venues,
    repair_reply,
    sentence_spans,
)
from assistant.habits import (
    PastSpan,
    asks_about_areas,
    asks_about_places,
    asks_this_hour,
    asks_which_part,
    change_periods,
    describe_habits,
    describe_place_visits_then,
    describe_preferences,
    habits_slice,
    past_span,
    span_words,
    when_kept,
)
from assistant.languages import OTHER_LANGUAGE_NAMES, Language, detect_language, other_language, says_english
from assistant.llm import cores_shared
from assistant.memory import THREAD_SEPARATOR, ConversationStore
from assistant.place_questions import (
    DETOUR,
    MORE_TASTE_RE,
    UNKNOWN_TOPICS,
    WALKING_KMH,
    about_all,
    describe_chain_visits,
    describe_checkins_then,
    describe_my_slices,
    describe_no_chain_visits,
    describe_place,
    describe_visits,
    my_visits_named,
    named_words,
    no_details,
    past_day_seed,
    place_question,
    refers_to_place,
    said_day,
    the_first_visited,
    the_last_visited,
    unhonoured,
    visit_dates_asked,
    visited_then,
)
from assistant.reasons import reasons_in
from assistant.requests import (
    ADULTS_ONLY,
    AFTER_DINNER,
    BOTH_SHOWN,
    CATEGORY_WORDS,
    DATE_DINNER,
    DATE_KINDS,
    ERRAND_KINDS,
    EXPLICIT_HERE_RE,
    FAMILY_OUTING,
    FANCIER,
    GENERIC_KINDS,
    HERE,
    HERE_END,
    HOME_ORIGIN_RE,
    LAST_SHOWN,
    LAST_SHOWN_RE,
    MY_FAVOURITE_RE,
    MY_PLACES,
    NOT_FUN_KINDS,
    ONE_WITH_RE,
    ORDINALS,
    PLANNED_TIME_RE,
    SECOND_STOP_RE,
    SIGHTSEEING,
    TALKABLE_RE,
    THERE,
    THINGS_TO_DO_KIND,
    TOLD_ASKED,
    TURNED_DOWN_RE,
    WHICHEVER_NEARER_RE,
    ChatRequest,
    LatLon,
    LLMMode,
    RequestArguments,
    StatedPreference,
    asks_calmer,
    asks_when,
    between_ends,
    by_the_water,
    checkins_listed,
    extract_request,
    first_stop_over,
    further_stops,
    half_of_day_unsaid,
    home_from_it,
    home_way_asked,
    is_waterside,
    named_first,
    names_day,
    names_hour,
    offtopic_reply,
    on_the_way,
    only_company,
    other_city_named,
    own_place_asked,
    parse_rules,
    read,
    read_in,
    read_preference,
    read_preferences,
    resolve_when,
    says_farther,
    smalltalk_reply,
    street_phrase,
    without_chitchat,
    without_kind_words,
)
from assistant.service import (
    AREA_RADIUS_KM,
    ELSEWHERE,
    FARTHER_OUT,
    LISTED_SHOWN,
    LISTED_TOP,
    LOUD_CATEGORIES,
    LOUD_KINDS_WITHIN,
    ContextDigest,
    Explanation,
    Habits,
    PlaceDetails,
    Service,
    Suggestion,
    area_words,
    content_words,
    near_radius_km,
)
from assistant.spelling import fold
from assistant.stated import answer_stated
from assistant.tools import FAR_LIST_KM, WIDENED_AT_LEAST, WIDER_RADII, langchain_tools
from assistant.why import asked_for, asks_about_the_list, explain_list, explain_one
from profiles.calendar import (
    DAYS_PER_WEEK,
    WEEKDAYS,
    WEEKEND,
    WEEKEND_DAYS,
    WORKWEEK,
    ago,
    calendar_day,
    clock_time,
    daypart,
    describe_local,
    holiday_named,
)
from profiles.context import InterestContext
from profiles.geo import haversine_km
from profiles.places import (
    CATEGORY_SEPARATOR,
    CHAIN_MIN_PLACES,
    EITHER_SEPARATOR,
    TRANSIT_KINDS,
    WATERFRONT_KINDS,
    Place,
    PlaceAnswer,
    category_name,
    elide_de,
    is_of_kind,
    is_suggestable,
    kind_words,
    of_kind_column,
    shown_kind,
    times,
    unsuggestable_group,
    with_article,
)
from profiles.preferences import ActivePreference, PreferenceKind, Steering, steering
from prompts import fixed_text, load_prompt
from retrieval.item_index import PlaceHit
from retrieval.recommender import RIGHT_HERE_KM

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2_000
# The local model reads every prompt token on the CPU: memory and evidence in prompts are kept short.
PROMPT_SUGGESTIONS = 1  # the opening names the first place; about 20 prompt tokens each, read at ~15 tokens/s
PROMPT_EVIDENCE = 1
USUAL_KEPT_TURNS = 3  # how many turns back a refined "the usual" still counts ("same thing?", then "and Sunday?")
USUAL_MIN_VISITS = 2  # visits at an hour of the week that make a place the user's usual one then
USUAL_TOP = 5  # the most places "the usual" lists
HABIT_LIKE_KINDS = 2  # how many kinds of a habits answer's places "something like that" asks for
USUAL_KINDS = 3  # how many of the user's most visited kinds "something different" leaves out
VISIT_DATES_SHOWN = 10  # "every time I went to …": the latest visits listed, with how many more
REPLY_MAX_TOKENS = 36  # one opening sentence of at most 25 words: code lists the places and their facts
OPENING_SENTENCES = 2
# "Closer please": within this share of the distance to the last list's first place, and never less than this.
CLOSER_SHARE = 0.75
CLOSER_AT_LEAST_KM = 0.5
# "Further away is fine": beyond the last list's farthest place, and never nearer than this.
FARTHER_AT_LEAST_KM = 1.0
# "Bars near MSG", "coffee near the Met": around one venue or landmark, places within this walk of it (the area's
# radius reached 1.5-1.8 km off while a dozen were within 0.5 km).
LANDMARK_RADIUS_KM = 1.0
# Around a street's stretch or a corner ("coffee on Bleecker"): a few blocks, not the 2 km around an unnamed point.
STREET_RADIUS_KM = 0.5
# Places within this of the last list's first distance are no closer ("closer please" listing it again).
CLOSER_SAME_KM = 0.05
# An opening that names more places than this is a list in prose ("I'd suggest A, B or C" is not yet): code writes
# its first place's sentence instead.
OPENING_NAMES_AT_MOST = 3
# A kind asked before gives way to a follow-up's exclusions that leave out this share of its places.
LEFT_OUT_SHARE = 0.9
# With "something different" said, a kind gives way once most of it is left out.
DIFFERENT_LEFT_OUT_SHARE = 0.5
# A reply this long that reads as English in a Spanish or French chat did not heed the language note.
ENGLISH_AT_LEAST_WORDS = 4
# "Somewhere I haven't been in a while": none of the places the user went to within this.
LATELY = timedelta(days=30)
# A second stop ("dinner and drinks after"): this many places of its kind, within this distance of the first
# stop's first place, for this much later.
SECOND_STOP_K = 3
SECOND_STOP_WITHIN_KM = 1.5
# A request placed this close to a named area's centre was placed by the gazetteer, not at a venue of that name.
AREA_CENTRE_KM = 0.5
SECOND_STOP_AFTER = timedelta(minutes=90)
# Code's facts and lists stay in English; the LLM's opening follows the request's language.
LANGUAGE_NOTES = {"es": "Write in Spanish.", "fr": "Write in French."}
# The pydantic types a conversation's state holds: the checkpointer may rebuild exactly these.
_STATE_TYPES = [
    ("assistant.service", "Suggestion"),
    ("assistant.service", "Explanation"),
    ("assistant.service", "Habits"),
    ("assistant.service", "HabitKind"),
    ("assistant.service", "HabitArea"),
    ("assistant.service", "PlaceDetails"),
    ("assistant.service", "WeekSlice"),
    ("assistant.requests", "ChatRequest"),
    ("assistant.requests", "LatLon"),
    ("profiles.context", "InterestContext"),
    ("profiles.context", "ContextSnapshot"),
    ("profiles.context", "LabelShare"),
    ("profiles.preferences", "ActivePreference"),
    ("profiles.preferences", "PreferenceKind"),
    ("retrieval.item_index", "PlaceHit"),
]
_SEARCH_RE = re.compile(r"\b(find|search|look(?:ing)? for|called|named)\b", re.IGNORECASE)
# Words that describe no place: "find me something new around there" has nothing to search the catalogue for.
_NO_DESCRIPTION_WORDS = (
    "find search look looking for me us something somewhere anything anywhere place places spot spots new "
    "different good nice fun cool great interesting else other around near nearby here there close closer to by "
    "in the a an some any please can you i we want need would like go could help"
)
_NO_DESCRIPTION = frozenset(_NO_DESCRIPTION_WORDS.split())


def _describes_a_place(message: str) -> bool:
    """Whether a search request says anything of the place it wants beyond "find me something around there"."""
    return any(word not in _NO_DESCRIPTION for word in _WORD_RE.findall(message.casefold()))


class ToolCall(BaseModel):
    """One tool call of a turn: what was asked, and what came back (JSON text, shortened)."""

    model_config = ConfigDict(frozen=True)

    name: str
    arguments: dict[str, Any]
    result: str
    error: bool = False


class Turn(BaseModel):
    """A chat reply: its text, the suggested places with their evidence, the context, and the tool-call trace."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    conversation_id: str
    message: str
    text: str = Field(description="The reply as shown: the written part, then each suggestion with its evidence.")
    reply: str = Field("", description="The written part alone (by the LLM, grounded; or by code).")
    items: list[Suggestion] = Field(default_factory=list)
    explanation: Explanation | None = None
    details: PlaceDetails | None = Field(None, description="What the data says of the place a question was about.")
    context: InterestContext | None = None
    request: ChatRequest | None = None
    trace: list[ToolCall] = Field(default_factory=list)
    grounding: dict[str, Any] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)

    @property
    def evidence(self) -> dict[str, list[str]]:
        """Each suggested place's evidence, by item id."""
        return {item.item_id: item.evidence for item in self.items}


class TurnEvent(BaseModel):
    """What ``Assistant.stream`` yields: the ranked suggestions as soon as the tools have them (before any reply
    text), reply text as it is written, a reset when the reply is being rewritten (grounding failed), and finally
    the whole turn."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["suggestions", "token", "reset", "turn"]
    text: str = ""
    items: list[Suggestion] = Field(default_factory=list, description="The suggestions, for kind 'suggestions'.")
    turn: Turn | None = None


class ChatError(ValueError):
    """A chat request that cannot be served, with a message fit to show the user."""


class _Asked(NamedTuple):
    """One turn's checked input: who asks what in which conversation, when, and where they are."""

    user_id: str
    conversation_id: str
    message: str
    now: datetime
    here: LatLon
    here_given: bool  # the caller said where the user is; else ``here`` is the user's usual place

    @property
    def thread(self) -> str:
        """The conversation's key in memory: one per user and conversation id."""
        return f"{self.user_id}{THREAD_SEPARATOR}{self.conversation_id}"


class _State(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    user_id: str
    now: datetime
    here: tuple[float, float]
    here_given: bool  # the caller said where the user is; else "here" is the user's usual place
    stated_here: tuple[float, float] | None  # where the user last said they are ("I'm at Bryant Park")
    request: ChatRequest | None
    previous: ChatRequest | None
    asked_before: ChatRequest | None  # the last turn's request when it asked about one place ("is it busy now?")
    shown: dict[str, Suggestion]
    listed_before: list[Suggestion]  # the list shown before the latest one ("closer please" compares with it)
    suggestions: list[Suggestion]
    hits: list[PlaceHit]
    explanation: Explanation | None
    details: PlaceDetails | None
    listed_details: list[PlaceDetails]  # each listed place's, for a question asked of all ("any of these open late?")
    focus: str | None  # the item id the conversation last explained or answered a question about ("is it open?")
    habits: Habits | None
    claimed: Habits | Explanation | None  # the last habits answer or reason ("which visits made you say that?")
    habits_span: tuple[datetime | None, datetime | None]  # the stretch of time the last "about me" answer covered
    started: float  # the turn's start (time.monotonic()), for its time budget
    written_s: float  # how long the LLM's last attempt took
    rewrite: bool  # grounding asks for the reply to be written again
    context: InterestContext | None
    reply: str
    written: str
    fixed: bool
    attempts: int
    grounding: dict[str, Any]
    trace_from: int
    # Stated preferences (assistant.stated): the reply, the open question ("forget your visits to X?"), and the
    # preference ids the conversation's last statement stored ("undo" ends them).
    stated_reply: str
    also_stated: str  # a statement's answer made in a turn that also asked for places, said after them
    pending: dict[str, Any] | None
    last_stated: list[int]
    last_verdict: tuple[str, str, bool, str] | None  # the 👍/👎 given after the last statement, if any ("undo" ends it)
    # A second stop ("… and drinks after"): whether its places were asked for this turn, and the rank its places
    # start from in the turn's suggestions (0: none).
    second_asked: bool
    second_from: int
    listed_second_from: int  # the same of the last list, kept for "what's the second stop?"
    later_stops: list[str]  # the kinds of a day's plan beyond its two stops ("… then dinner"), asked for next
    turned_down: list[str]  # places turned down one by one ("not that one"), kept out of the lists after
    left_out: list[str]  # the places of the last list this turn's message leaves out by name ("no salt bar please")
    asked_lists: list[ChatRequest]  # the requests whose lists were shown, oldest first ("back to the first list")
    # Those lists as they were shown, and where each one's second stop began (0: none), for "go back" to show one
    # again unchanged; the turn (its count of user messages) that last showed a list, and that last stated a
    # preference: "undo" takes back whichever came last.
    kept_lists: list[list[Suggestion]]
    kept_seconds: list[int]
    listed_turn: int
    stated_turn: int
    back_to: str  # the lead of a list shown again ("Back to: sushi, around Manhattan"), by code
    picked: list[str]  # the places the user asked about or picked, oldest first, for a recap ("what's the plan?")


class Assistant:
    """Grounded, tailored place suggestions in conversation; one per process, safe to call from many threads.

    ``llm`` is any LangChain chat model (the local GGUF model or an OpenAI-compatible endpoint, see
    ``assistant.llm.build_chat_model``); ``arguments`` says when the LLM reads requests ("gaps": only when
    the rules leave them thin).
    """

    def __init__(self, service: Service, llm: BaseChatModel, *, arguments: LLMMode = "gaps") -> None:
        self.service = service
        self.llm = llm
        self.arguments = arguments
        self.timezone = service.settings.preprocessing.timezone
        items = service.items
        self.catalogue_names = NameIndex(dict(zip(items["item_id"].astype(str), items["name"].fillna(""), strict=True)))
        self.kinds = place_kinds(items)
        self.memory = InMemorySaver(serde=JsonPlusSerializer(allowed_msgpack_modules=_STATE_TYPES))
        chat = service.settings.chat
        self.conversations = ConversationStore(self.memory, chat.max_conversations, chat.conversation_ttl_s)
        # The local LLM writes one reply at a time: every way in (HTTP API, web UI) queues through this one.
        server = service.settings.server
        self.admission = ChatAdmission(server.chat_waiting, server.retry_after_s)
        service.on_forget(self.forget_conversations)
        self.graph = self._build_graph()

    # ---- the Python API -------------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load the encoder and the local model and evaluate the reply prompt's fixed part, so that the first
        user's first turn is as fast as any other (``app.py`` calls this before it serves)."""
        self.service.warm_up()
        warm = getattr(self.llm, "warm_up", None)
        if callable(warm):
            warm([SystemMessage(load_prompt("reply_system"))])

    def chat(
        self,
        user_id: str,
        message: str,
        at: datetime | None = None,
        where: tuple[float, float] | None = None,
        conversation_id: str = "default",
    ) -> Turn:
        """Answer one message; ``at`` is "now" (default: the clock), ``where`` the user's (lat, lon) (default:
        their last known place)."""
        for event in self.stream(user_id, message, at, where, conversation_id):
            if event.turn is not None:
                return event.turn
        raise RuntimeError("the turn ended without a reply")  # the graph always ends in a turn

    def stream(
        self,
        user_id: str,
        message: str,
        at: datetime | None = None,
        where: tuple[float, float] | None = None,
        conversation_id: str = "default",
    ) -> Iterator[TurnEvent]:
        """Like ``chat``, yielding the reply's text as the LLM writes it, then the turn. Bad input raises
        ``ChatError`` here, before the first event."""
        now, here = self._check(user_id, message, at, where, conversation_id)
        asked = _Asked(user_id, conversation_id, message, now, here, here_given=where is not None)
        return self._locked_run(asked)

    def _locked_run(self, asked: _Asked) -> Iterator[TurnEvent]:
        with self._lock(asked.thread):
            yield from self._run(asked)

    def forget_conversations(self, user_id: str) -> int:
        """Drop every conversation of a user from memory, a running turn's included (the service calls this on
        forget); how many."""
        return self.conversations.forget(user_id)

    # ---- one turn ----------------------------------------------------------------------------------------------

    def _run(self, asked: _Asked) -> Iterator[TurnEvent]:
        """One turn. A message that asks for places, then asks about a place ("coffee near the office, and is
        Stumptown busy right now?", "dinner at 9, italian, and how far is it from penn station?") is answered as the
        two messages it holds, in one reply: the list first, then the question, of the place it names or of "it",
        "the first one" in that new list."""
        # "lol ok. the third?": the chit-chat before the ask is no part of it (the turn keeps the message as written).
        if (rest := without_chitchat(asked.message)) != asked.message:
            for event in self._run(asked._replace(message=rest)):
                is_turn = event.turn is not None
                yield (
                    event.model_copy(update={"turn": event.turn.model_copy(update={"message": asked.message})})
                    if is_turn
                    else event
                )
            return
        parts = _ask_then_question(asked.message)
        if parts is None:
            yield from self._run_one(asked)
            return
        ask, question = parts
        turns: list[Turn] = []
        for event in self._run_one(asked._replace(message=ask)):
            if event.turn is not None:
                turns.append(event.turn)
            else:
                yield event
        # The answer to the question comes whole, after the list: none of its events may reset the list's reply.
        answered = next(event.turn for event in self._run_one(asked._replace(message=question)) if event.turn)
        if answered.text:
            yield TurnEvent(kind="token", text="\n\n" + answered.text)
        yield TurnEvent(kind="turn", turn=_joined(asked.message, turns[0], answered))

    def _run_one(self, asked: _Asked) -> Iterator[TurnEvent]:
        user_id, conversation_id, message, now, here, here_given = asked
        config = {"configurable": {"thread_id": asked.thread}}
        graph = self.graph
        started = time.perf_counter()
        inputs: _State = {
            "messages": [HumanMessage(message, id=str(uuid.uuid4()))],
            "user_id": user_id,
            "now": now,
            "here": tuple(here),
            "here_given": here_given,
            "attempts": 0,
            "fixed": False,
            "explanation": None,
            "details": None,
            "listed_details": [],
            "habits": None,
            "also_stated": "",
            "started": time.monotonic(),
            "written_s": 0.0,
            "rewrite": False,
            "hits": [],
            "suggestions": [],
            "context": None,
            "request": None,
            "second_asked": False,
            "second_from": 0,
            "back_to": "",
        }
        first_token: float | None = None
        suggested: float | None = None
        draft = LinkHold()
        # "Y a estas horas?" after a Spanish question: read in Spanish, the conversation's language so far.
        last = graph.get_state(config).values
        spoken = last.get("request") or last.get("previous")
        steps = graph.stream(inputs, config, stream_mode=["messages", "updates"])
        for mode, payload in _read_in_steps(spoken.language if spoken is not None else None, steps):
            if mode == "messages" or "write" in payload:
                # The LLM's draft as it is written, whole words at a time and without links; the rest when it ends.
                text = draft.flush() if mode == "updates" else _drafted(payload, draft)
                if text:
                    if first_token is None:
                        first_token = time.perf_counter() - started
                    yield TurnEvent(kind="token", text=text)
            elif "gather" in payload and suggested is None and "suggestions" in (payload["gather"] or {}):
                # The places are ranked before the LLM writes a word: show them now, the prose follows.
                suggested = time.perf_counter() - started
                yield TurnEvent(kind="suggestions", items=payload["gather"]["suggestions"])
            elif "ground" in payload and "reply" not in (payload["ground"] or {}):
                yield TurnEvent(kind="reset")  # the reply named a place it may not: it is written again
        state = graph.get_state(config).values
        timings = {"total_s": round(time.perf_counter() - started, 3)}
        if suggested is not None:
            timings["suggestions_s"] = round(suggested, 3)
        if first_token is not None:
            timings["first_token_s"] = round(first_token, 3)
        turn = Turn(
            user_id=user_id,
            conversation_id=conversation_id,
            message=message,
            text=state.get("reply", ""),
            reply=state.get("written", ""),
            items=state.get("suggestions") or [],
            explanation=state.get("explanation"),
            details=state.get("details"),
            context=state.get("context"),
            request=state.get("request"),
            trace=_trace(state.get("messages", [])[state.get("trace_from", 0) :]),
            grounding=state.get("grounding", {}),
            timings=timings,
        )
        if turn.text and not first_token:
            yield TurnEvent(kind="token", text=turn.text)  # written by code, not streamed by the LLM
        yield TurnEvent(kind="turn", turn=turn)

    def _build_graph(self) -> Any:
        """The turn's graph, compiled once: the user, "now" and "here" travel in its state, not in closures."""
        graph = StateGraph(_State)
        graph.add_node("understand", self._understand)
        graph.add_node("plan", self._plan)
        graph.add_node("tools", ToolNode(langchain_tools(self.service)))
        graph.add_node("gather", self._gather)
        graph.add_node("write", self._write)
        graph.add_node("ground", self._ground)
        graph.add_edge(START, "understand")
        graph.add_edge("understand", "plan")
        graph.add_conditional_edges("plan", lambda state: "tools" if _pending_calls(state) else "write")
        graph.add_edge("tools", "gather")
        graph.add_conditional_edges("gather", lambda state: "plan" if _second_stop_due(state) else "write")
        graph.add_edge("write", "ground")
        graph.add_conditional_edges("ground", lambda state: "write" if _rewrite(state) else END)
        return graph.compile(checkpointer=self.memory)

    def _understand(self, state: _State) -> dict[str, Any]:
        messages = state["messages"]
        message = messages[-1].text
        said_in = read(message).language
        # "Undo that" after a search, "go back to the coffee list", "the 3rd from the dinner list": that list, as it
        # was shown, becomes the last one again; what else the message asks is asked of it.
        brought: dict[str, Any] = {}
        if _asks_recap(message, bool(_kept(state) or state.get("picked"))):
            # "What's the plan?", "recap pls", "remind me the names", "¿cuál es el plan?": what was picked or shown,
            # step by step, written by code; nothing is searched again.
            return self._recapped(state, said_in)
        if (again := _list_asked_again(state, message)) is not None:
            earlier, listed, second = _kept(state)[again[0]]
            brought = {
                **_list_kept(state, earlier, listed, second),
                "shown": _with_shown(state.get("shown") or {}, listed),
                "previous": earlier,
                "listed_second_from": second,
            }
            if not again[1]:
                return self._shown_again(state, earlier, listed, second, said_in) | brought
            brought.pop("listed_turn")  # no list is shown this turn: "undo" after it goes back to this one
            state = cast(_State, {**state, **brought})
            message = again[1]
        other = self._the_other(state, message, said_in)
        if isinstance(other, dict):  # "the other one" with no one it can mean: which one
            return other | _without_tool_traffic(messages)
        message = other or message  # "the other one, have i been there?" after two: "the second one, …"
        far = _HOW_FAR_FROM_RE.match(message) if state.get("focus") or _last_suggestions(state) else None
        if far is not None:
            # "How far from Grand Central?" after a place's card: that place's distance from there, as "how far is
            # it from Grand Central?" asks (not Grand Central's card).
            message = f"{message[: far.end('how')]} is it{message[far.end('how') :]}"
        statements = read_preferences(message)
        said = message
        all_down = bool(_last_suggestions(state)) and _ALL_TURNED_DOWN_RE.match(message) is not None
        if all_down:
            # "Not those, I've been to enough bars in that area, what about the West Village instead?" after a list:
            # every place shown is left out (``_plan``), no one of them hidden for good, and the clauses that state
            # nothing are what is asked ("I've been to" asks for no place known).
            statements = [
                one for one in statements if not (one.kind == "hide_place" and _POINTS_AT_LIST_RE.search(one.words))
            ]
            message = ", ".join(_clauses_stating_nothing(message)) or message
        stated = statements[0] if statements else None
        update = self._stated_all(state, said, statements) if statements else None
        acted = update is not None  # a preference stated and done: "undo" next takes it back
        also_stated = ""
        # "I just moved to Bushwick, what's good around?"; "stop suggesting chains" after a list: the list without them.
        of_the_list = (
            _last_suggestions(state) and stated is not None and stated.kind in ("no_chains", "new_places_only")
        )
        asks_too = _asks_too(said, statements) or of_the_list or all_down
        if update is not None and not update.get("pending") and asks_too:
            also_stated, kept = (
                update["stated_reply"],
                {"last_stated": update.get("last_stated"), "last_verdict": update.get("last_verdict")},
            )
            update = None
        # "I hate Midtown, bars in the Village?": the area given up is no part of what is asked.
        avoided = also_stated and stated is not None and stated.kind == "avoid_area"
        asked = _CLAUSE_BREAK_RE.split(message, maxsplit=1)[-1] if avoided else message
        # "No salt bar please", "anything but black door", "minus the first one", "menos el primero": that place
        # left out of this ask, the rest of it kept; what else the message asks is read without the name's words.
        left_out = self._left_out_named(state, asked) if update is None else None
        if left_out is not None:
            asked = message = left_out[0] or "not that one"
        if update is None:
            # Where the user said they are holds for the conversation, until the caller says where they are.
            stated = state.get("stated_here")
            here = LatLon(*(stated if stated is not None and not state.get("here_given") else state["here"]))
            # "Starbucks near me", "any IKEA?", "whole foods near Columbus Circle": places of that name. "Any IKEA?"
            # names nothing the rules read: asked as a name, it is a request, with no LLM to read it.
            said = read(asked).text
            named = None
            unread = parse_rules(asked).intent is None
            bare = unread and not _NAME_ASKED_RE.match(said) and _BARE_NAME_RE.match(said) is not None
            if unread and (_NAME_ASKED_RE.match(said) or bare):
                named = self._store_asked(said, None)  # "any IKEA?", "starbuks", "mcdonalds?"
            only = self.service.places_named([named]) if bare and named is not None else []
            if len(only) == 1 and not self.service.is_chain(only[0]):
                named = None  # "katz's" alone: the one place of that name, what is known of it (below)
            llm = None if named is not None else self.llm
            extracted = extract_request(asked, state["now"], here, llm, self.arguments, self.timezone)
            if extracted.intent == "about" and not _origin_said(read(asked).text, extracted.near):
                # "How often do I go to Coney Island", "been to chelsea piers?": the place asked about, not where the
                # user is ("0.8 km from Coney Island"), and not where later answers measure from.
                extracted = extracted.model_copy(update={"near": None, "location": None})
            if (
                extracted.intent == "smalltalk"
                and (state.get("focus") or _last_suggestions(state))
                and home_from_it(asked)
            ):
                # "How close is it to my place?" after a list or a card: that place's distance from the user's home,
                # not how far home is from the user (which it still asks with no place talked about).
                to_home = {"intent": "about", "asks": ["distance"], "near": "my home", "location": None}
                extracted = extracted.model_copy(update=to_home | {"placed_self": False})
            if all_down and extracted.intent not in ("recommend", "refine"):
                extracted = extracted.model_copy(update={"intent": "refine"})  # "not those": others of the same ask
            if left_out is not None:
                # The place is left out by its catalogue name, as "not Salt Bar" is; with nothing else asked, the
                # same ask without it.
                names = list(dict.fromkeys([*extracted.exclude_names, *left_out[2]]))
                intent = extracted.intent if extracted.intent in ("recommend", "refine") else "refine"
                pick = extracted.pick if left_out[0] else None
                # "Pas Balthazar": said in French, whatever the rest left to read is in.
                language = said_in if said_in != "en" else extracted.language
                update_left = {"exclude_names": names, "intent": intent, "pick": pick, "language": language}
                extracted = extracted.model_copy(update=update_left)
            if named is None and (side_by_side := self._chain_beside_place(said)) is not None:
                # "Shake Shack Madison Square Park", "starbucks times square": that chain's places there.
                chain, place = side_by_side
                area = lookup(place)
                located = LatLon(area.latitude, area.longitude) if area is not None else None
                update = {"category": None, "near": area.name if area else place, "location": located}
                extracted = extracted.model_copy(update=update | {"intent": "recommend", "unplaced": None})
                named = chain
            if named is None and extracted.intent in ("recommend", "refine") and not extracted.category:
                named = None if extracted.keyword else self._store_asked(said, extracted.near)
            elif named is None and extracted.intent in ("recommend", "refine") and not extracted.keyword:
                named = self._whole_chain_named(said)  # "think coffee near me": that chain, not any café
            if named is not None:
                extracted = extracted.model_copy(update={"keyword": named, "intent": "recommend"})
            elif bare and extracted.intent in (None, "smalltalk", "recommend") and self._names_one_place(said):
                # "MoMA", "the guggenheim", "beauty and essex": a place by its name alone, what is known of it.
                extracted = extracted.model_copy(update={"intent": "about", "asks": ["general"]})
            if extracted.intent == "about" and extracted.asks == ["visits"]:
                extracted = self._visits_of_a_kind(state["user_id"], said, extracted)
            kind_one = _THE_KIND_ONE_RE.match(said)
            if extracted.intent == "recommend" and extracted.category and kind_one and not extracted.near:
                # "The club one?" after a bar then a club: the club of the list, not a search for clubs.
                kinds = self._of_kind(extracted.category)
                if any(item.item_id in kinds for item in _last_suggestions(state)):
                    asks = place_question(kind_one["rest"], picked=True, kind_named=False) or ("general",)
                    extracted = extracted.model_copy(update={"intent": "about", "asks": list(asks)})
            if extracted.in_area and not _last_suggestions(state) and (area := lookup(extracted.in_area)) is not None:
                # "The one in the East Village" with nothing shown yet: places there.
                located = {"near": area.name, "location": LatLon(area.latitude, area.longitude)}
                extracted = extracted.model_copy(update={"intent": "recommend", "asks": [], "in_area": None, **located})
            if extracted.intent == "refine" and not _last_suggestions(state) and smalltalk_reply(message) == "no_then":
                extracted = extracted.model_copy(update={"intent": "smalltalk"})  # "no" with nothing shown: all right
            hour = self.service.usual_hour(extracted.category) if extracted.when and extracted.category else None
            if hour is not None and extracted.event_at is None:  # "dinner before my 8pm movie": timed by the movie
                # "A bar on Friday": Friday evening, when people go to bars, not Friday at noon.
                at = resolve_when(extracted.when, state["now"], self.timezone, day_hour=hour)
                extracted = extracted.model_copy(update={"at": at})
            if (
                extracted.near == HERE
                and extracted.intent != "about"  # "the closest one, how do I get there?" is from the user
                and state.get("focus")
                and not EXPLICIT_HERE_RE.search(read(message).text)
            ):
                # "Anything to eat nearby?" after "tell me about Central Park" is near the park, not the user.
                extracted = extracted.model_copy(update={"near": THERE})
            shown = state.get("shown") or {}
            request = (
                self._at_shown(extracted, shown)
                or self._near_it(state, extracted)
                or self._own_place(state, extracted)
                or self._placed(extracted, _list_point(state.get("previous"), here))
            )
            # "Coffee on Bleecker Street", "a bar near 14th and 8th": along a street, or at a corner.
            request = self._on_street(request, read(message).text, _list_point(state.get("previous"), here))
            if (
                request.near in BOROUGHS
                and request.intent in ("recommend", "refine")
                and state.get("here_given")
                and borough_at(here.latitude, here.longitude) == request.near
            ):
                # "In the city tonight, what's fun?" sent from Times Square: around the user, not Manhattan's middle.
                request = request.model_copy(update={"near": HERE, "location": here})
            previous = state.get("previous")
            # "Y en Brooklyn?" after Spanish, with no word of English in it: Spanish still.
            kept_language = previous is not None and previous.language != "en" and request.language == "en"
            if kept_language and previous is not None and not says_english(fold(message)):
                request = request.model_copy(update={"language": previous.language})
            text = read(message).text
            # "Drinks on the waterfront in Brooklyn": Brooklyn's places a walk from the water.
            waterside = request.near and not request.near_kinds and request.intent in ("recommend", "refine")
            if waterside and by_the_water(text) and (waterfront := self._waterfront()):
                request = request.model_copy(update={"near_kinds": waterfront})
            request = _named_again(request, previous, text)
            request = self._measured_again(request, state.get("asked_before"), text)
            if request.measured:  # "how far is the Met from MoMA?": the one, measured from the other
                request = self._measured_between(state, request)
            elif request.intent in ("recommend", "refine", "smalltalk", None) and (ends := between_ends(text)):
                request = self._halfway(state, request, ends)  # "a bar halfway between Harlem and the UWS"
            elif request.intent in ("recommend", "refine") and (way_to := on_the_way(text)) is not None:
                request = self._halfway(state, request, (HERE_END, way_to), on_the_way=True)  # "on the way to Penn"
            if request.top_pick and not _last_suggestions(state):
                # "Which would you recommend?" before any list asks for one.
                request = request.model_copy(update={"intent": "recommend", "top_pick": False, "pick": None})
            asked_near = request.near
            if previous is not None and request.again:  # "show me again": the last request as it was
                request = previous.model_copy(update={"language": request.language})
            elif (earlier := _list_asked_back(state.get("asked_lists") or [], text)) is not None:
                # "Go back to the first list": that request again, as it was asked.
                request = earlier.model_copy(update={"language": request.language, "intent": "recommend"})
            elif previous is not None and previous.intent == "profile" and _before_that(state, text):
                request = request.model_copy(update={"intent": "profile"})  # "and the month before?"
            elif (last_asked := state.get("asked_before") or previous) is not None and (
                again := _last_time_again(last_asked, request, text)
            ) is not None:
                request = again  # "when was the last time" after the gym visits: the gym's; after Bierhaus: Bierhaus
            elif (another := self._same_of_another(state, request, text)) is not None:
                request = another  # "¿y a niketown?" after "¿cuándo fui al gimnasio?": when they went to Niketown
            elif _KIND_OF_IT_RE.match(text) or _KIND_OF_IT_RE.match(fold(message).lower()):
                # "What kind of food do they have" after a list or a card: the kind of the place talked about, not a
                # list of restaurants.
                update = {"intent": "about", "asks": ["kind"], "category": None}
                if state.get("focus"):
                    update["same_place"] = True
                elif _last_suggestions(state):
                    update["pick"] = 1  # after a list, its first place, as "it" is
                request = request.model_copy(update=update)
            elif _asks_when_i_go(message):
                # "What days do I usually go there" after San Marco's card: the user's own days there, not their
                # whole profile.
                request = request.model_copy(update={"intent": "about", "asks": ["visits"], "category": None})
            elif previous is not None and (like_it := self._like_the_habit(state, previous, request, text)):
                request = like_it  # "ok something like that now" after "what do I usually do on Sunday afternoons?"
            elif previous is not None and _habits_again(previous, request, message, state["now"]):
                # "And on weekends?" after "about me"; after weekday lunches, weekend lunches.
                request = _habits_kept(previous, request, message, state["now"], self.timezone)
            elif (
                (asked := state.get("asked_before")) is not None
                and _about_again(asked, request, text, state["now"].astimezone(ZoneInfo(self.timezone)))
                and state.get("focus")
            ):
                # "And on Sunday mornings?" after "is Central Park busy now?": the same place, at that time.
                update = {"when": request.when, "at": request.at, "language": request.language, "same_place": True}
                request = asked.model_copy(update=update)
            elif (after_shown := self._after_the_shown(state, request, text)) is not None:
                request = after_shown  # "and for lunch after the museum?" after museums: lunch near the first one
            elif (later := _next_leg(state, request)) is not None:
                request = later  # "and the dinner?" after brunch then a museum: dinner near the museum
            elif (part := _planned_part(state, previous, request, text)) is not None:
                request = part  # "and the drinks part?" after dinner then drinks: drinks near the dinner place
            elif (second := state.get("listed_second_from")) and SECOND_STOP_RE.search(text):
                # "What's the second stop?" after dinner then drinks: the first place for after it.
                request = request.model_copy(update={"intent": "about", "asks": ["general"], "pick": second})
            elif request.pick is not None and _ANOTHER_RANK_RE.match(text) and _last_suggestions(state):
                # "Ok what about the third?" after "is the first one open?": the same question of the third; after
                # a list, what is known of the third (a list "like the third" had come).
                if (asked := state.get("asked_before")) is not None:
                    request = asked.model_copy(update={"pick": request.pick, "language": request.language})
                else:
                    request = request.model_copy(update={"intent": "about", "asks": ["general"]})
            if (
                previous is not None
                and previous.intent in ("recommend", "refine")
                and request.category == FAMILY_OUTING
                and only_company(text)
            ):
                # "We have a baby with us" after dinner ideas: the same dinner, with no bar among them.
                request = request.model_copy(update={"intent": "refine", "category": None})
            request = _still_for_children(request, previous, text)
            request = _same_ask_narrowed(request, previous, text)
            if previous is not None and (request.intent == "refine" or _count_only(request)):
                if request.near == HERE and not EXPLICIT_HERE_RE.search(text) and previous.near is not None:
                    # "Within walking distance" of the last request's place, not of the user's (with no place
                    # before, "not too far" is from the user).
                    request = request.model_copy(update={"near": None, "location": None})
                request = _refined(previous, request, text)
                if extracted.category and request.category == extracted.category:
                    # "Swap the bar for a wine bar": the kind said now, not the one it stands instead of.
                    still_out = [
                        kind for kind in request.exclude_categories if not self._left_out(request.category, [kind])
                    ]
                    request = request.model_copy(update={"exclude_categories": still_out})
                # "Ok but no bars, something different" after beer gardens: most of them are bars, so another kind.
                share = DIFFERENT_LEFT_OUT_SHARE if request.surprise else LEFT_OUT_SHARE
                if request.category and self._left_out(request.category, request.exclude_categories, share):
                    request = request.model_copy(update={"category": None})  # "and if it rains?" after parks
            request = _measured_from(request, previous, text)
            if (
                request.intent in ("recommend", "refine")
                and request.near is None
                and request.unplaced is None  # "I'm at <somewhere unknown>" is not where they said before
                and not state.get("here_given")
                and (stated is not None or self.service.whereabouts(state["user_id"], state["now"]).why == "home")
            ):
                # "I'm in Park Slope" then "anything with food?": near where they said they are, as "near here" is;
                # after "I just moved to Park Slope", around it, as the reply to that promised.
                request = request.model_copy(update={"near": HERE})
            listed = _last_suggestions(state)
            if focus := state.get("focus"):  # "and a coffee after?" after "which one is closest?": after that one
                listed = sorted(listed, key=lambda item: item.item_id != focus)
            if not _hours_later(request, previous, text, state["now"], self.timezone):
                request = _after_the_last(request, listed, text, asked_near, kind_named=extracted.category is not None)
            request = self._narrower_stays(request, previous, asked_near)
            request = _kind_alone_stays(request, previous, text, asked_near)
            request = _time_stays(request, previous, text)
            request = _planned_time(request, state.get("asked_lists") or [], text, self.timezone)
            request = self._timed_by_the_place(state, request, text)
            request = self._first_stop_over(state, request, text)
            if far is not None and request.intent == "about" and request.pick is None:
                # "How far from the office?": the place talked about (else the list's first), measured from there.
                it = {"same_place": True} if state.get("focus") else {"pick": 1}
                request = request.model_copy(update=it)
            # another message leaves an open question unanswered
            update = {"request": request, "pending": None, "here": tuple(here)}
            update["asked_before"] = request if request.intent == "about" else None
            if request.placed_self and request.location is not None:
                update["stated_here"] = tuple(request.location)
            if also_stated:
                update |= {**kept, "also_stated": also_stated}
            # Only with nothing else asked is it "not that one": the same places, less it (else the exclusion).
            update["left_out"] = left_out[1] if left_out is not None and not left_out[0] else []
            if brought:  # "the 2nd one" of the list gone back to is said in the language the message was
                update["request"] = request.model_copy(update={"language": said_in})
        if acted:
            update["stated_turn"] = _user_turns(state)
        return {**brought, **update, **_without_tool_traffic(messages)}

    def _the_other(self, state: _State, message: str, language: str) -> str | dict[str, Any] | None:
        """For "the other one" ("the other astoria one", "the other bar", "el otro", "et l'autre ?") after a list:
        the message with the place it means by its rank, the one of two not talked about (the one last asked about,
        else the first, which the reply named); the state update that asks which one when the list holds more; None
        when the message says no "other one" or nothing is listed."""
        listed = _last_suggestions(state)
        found = _other_said(read(message).text)
        if not listed or found is None:
            return None
        kind = CATEGORY_WORDS.get(found.casefold()) if found else None
        of_kind = self._of_kind(kind) if kind else set()
        candidates = [item for item in listed if item.item_id in of_kind] or listed
        talked = next((item for item in candidates if item.item_id == state.get("focus")), candidates[0])
        if len(candidates) == 2:
            other = next(item for item in candidates if item is not talked)
            rank = listed.index(other) + 1
            ranks = _RANK_WORDS.get(language, _RANK_WORDS["en"])
            if rank > len(ranks):
                return None
            written = _OTHER_WRITTEN_RE.get(language, _OTHER_WRITTEN_RE["en"])
            rewritten = written.sub(ranks[rank - 1], message, count=1)
            if rewritten == message and language != "en":  # "the other one" in a Spanish conversation
                rewritten = _OTHER_WRITTEN_RE["en"].sub(_RANK_WORDS["en"][rank - 1], message, count=1)
            return rewritten if rewritten != message else None
        names = ", ".join(f"{rank}. **{item.label}**" for rank, item in enumerate(listed, start=1))
        reply = fixed_text("which_other", language).format(count=len(listed), places=names)
        kept = list(state.get("last_stated") or [])
        request = ChatRequest(intent="prefer", language=language)
        return {"request": request, "stated_reply": reply, "pending": None, "last_stated": kept}

    def _shown_again(
        self,
        state: _State,
        earlier: ChatRequest,
        listed: list[Suggestion],
        second: int,
        language: str,
    ) -> dict[str, Any]:
        """The turn that shows a kept list again, unchanged ("go back"), led by what its request asked for."""
        at = earlier.at.astimezone(ZoneInfo(self.timezone)) if earlier.at is not None and earlier.when else None
        asked = asked_for(earlier, at, language)
        lead = fixed_text("back_to", language).format(asked=asked) if asked else fixed_text("back_to_list", language)
        return {
            "request": earlier.model_copy(update={"language": language}),
            "suggestions": listed,
            "second_from": second,
            "back_to": lead,
            "listed_before": _last_suggestions(state),
            "pending": None,
            "asked_before": None,
            "focus": None,
            **_without_tool_traffic(state["messages"]),
        }

    def _recapped(self, state: _State, language: str) -> dict[str, Any]:
        """The turn that recaps the conversation ("what's the plan?"): each step asked for, in order (a refined
        list stands for the step it refined), with the place the user picked of it, else its first names; a plan's
        two stops each on their line. Written by code, nothing looked up; the lists stay as they were."""
        picked = state.get("picked") or []
        lines: list[str] = []
        named: set[str] = set()
        for request, listed, second in _steps(_kept(state)):
            at = request.at.astimezone(ZoneInfo(self.timezone)) if request.at is not None and request.when else None
            asked = asked_for(request, at, language) or fixed_text("recap_places", language)
            stops = [(asked, listed)]
            if second and request.then:  # "dinner then drinks": the drinks are their own stop, after the dinner
                then = fixed_text("recap_then", language).format(kinds=kind_words(request.then, language))
                stops = [(asked, listed[: second - 1]), (then, listed[second - 1 :])]
            for words, places in stops:
                chosen = [item for item in places if item.item_id in picked]
                named.update(item.item_id for item in places)
                if chosen:  # the latest one the user asked about or picked
                    choice = max(chosen, key=lambda item: picked.index(item.item_id))
                    lines.append(fixed_text("recap_picked", language).format(asked=words, place=choice.label))
                elif places:
                    names = ", ".join(item.label for item in places[:RECAP_NAMES])
                    lines.append(fixed_text("recap_open", language).format(asked=words, places=names))
        shown = state.get("shown") or {}
        others = [self._label_of(item_id, shown) for item_id in picked if item_id not in named]
        if others := [name for name in others if name]:
            lines.append(fixed_text("recap_also", language).format(places=", ".join(f"**{n}**" for n in others)))
        reply = "\n".join([fixed_text("recap", language), *lines]) if lines else fixed_text("recap_empty", language)
        return {
            "request": ChatRequest(intent="smalltalk", language=language),
            "back_to": reply,
            "pending": None,
            **_without_tool_traffic(state["messages"]),
        }

    def _label_of(self, item_id: str, shown: Mapping[str, Suggestion]) -> str:
        """A place's name as lists show it, from the conversation's lists, else from the catalogue."""
        if item_id in shown:
            return shown[item_id].label
        place = self.service.place(item_id)
        return place.name if place is not None else ""

    def _names_one_place(self, words: str) -> bool:
        """Whether words alone are a place's name: every word of them is one of its name's ("moma", "beauty and
        essex"), not a forgiven match holding other words ("lunch time" is no "Time Out")."""
        place = self.service.named_place(words)
        return place is not None and set(content_words(words).split()) <= set(content_words(place.name).split())

    def _store_asked(self, text: str, near: str | None) -> str | None:
        """The catalogue name a request for places asks for by itself ("starbucks near me": Starbucks, as the
        catalogue writes it), else None: a kind of place, an area or the place searched around is no such name."""
        asked = _STORE_ASKED_RE.match(text)
        if asked is None:
            return None
        words = asked["name"].strip()
        if (
            words.casefold() in VENUE_ALIASES  # "MoMA" is one museum, not every "MoMA PS1"
            or len(words.split()) > MAX_STORE_WORDS
            or (near is not None and words.casefold() == near.casefold())
            or lookup(words) is not None
            or parse_rules(words).category is not None
            or _POINTING_WORDS_RE.match(words)
        ):
            return None
        named = self.service.places_named([words]) or self.service.places_starting(words)
        if not named and (spelled := self.service.chain_spelled(words)) is not None:
            named = self.service.places_named([spelled])  # "starbuck near me", "shake shak"
        return min((place.name for item_id in named if (place := self.service.place(item_id))), key=len, default=None)

    def _whole_chain_named(self, text: str) -> str | None:
        """The catalogue name of a chain a request names whole though its name holds a kind ("think coffee near me":
        Think Coffee, "le pain quotidien?"), else None; a kind's words alone are no chain ("coffee shop")."""
        asked = _STORE_ASKED_RE.match(text)
        if asked is None or len((words := asked["name"].strip()).split()) > MAX_STORE_WORDS:
            return None
        if not set(content_words(words).split()) - set(CATEGORY_WORDS):
            return None
        named = [item_id for item_id in self.service.places_named([words]) if self.service.is_chain(item_id)]
        return min((place.name for item_id in named if (place := self.service.place(item_id))), key=len, default=None)

    def _chain_beside_place(self, text: str) -> tuple[str, str] | None:
        """A chain and a place named side by side with no word between ("shake shack madison square park", "starbucks
        times square", "the astor place starbucks"): the chain's catalogue name and the place's words; None for any
        other message. The chain's name is tried as said (or misspelt) before as the start of a longer name ("pret":
        Pret A Manger), so that "shake" of "shake shack" is no chain."""
        asked = _SIDE_BY_SIDE_RE.match(text)
        if asked is None:
            return None
        words = asked["words"].split()
        if not 2 <= len(words) <= MAX_SIDE_BY_SIDE_WORDS:
            return None
        splits = [
            (" ".join(chain), " ".join(place))
            for cut in range(1, len(words))
            for chain, place in ((words[:cut], words[cut:]), (words[cut:], words[:cut]))
        ]
        for starting in (False, True):
            for chain, place in splits:
                if lookup(chain) is not None or parse_rules(chain).category is not None:
                    continue  # "times square" is no chain, nor is "coffee"
                named = self.service.places_named([chain])
                if not named and (spelled := self.service.chain_spelled(chain)) is not None:
                    named = self.service.places_named([spelled])
                if not named and starting:
                    named = self.service.places_starting(chain)
                if not any(self.service.is_chain(item_id) for item_id in named):
                    continue
                if not (lookup(place) or place.casefold() in VENUE_ALIASES or self.service.named_place(place)):
                    continue
                name = min((found.name for item_id in named if (found := self.service.place(item_id))), key=len)
                return name, place
        return None

    def _stated_all(self, state: _State, message: str, statements: list[StatedPreference]) -> dict[str, Any] | None:
        """A turn that states one preference or more ("I love jazz and hate clubs"), each done and said in turn,
        with a need no data checks said too ("I'm allergic to seafood and I hate Starbucks"); None when none needs
        an answer of its own."""
        updates = [found for stated in statements if (found := self._stated(state, message, stated)) is not None]
        if not updates:
            return None
        before = list(state.get("last_stated") or [])
        update = dict(updates[0])
        if len(updates) > 1:
            stored = [id_ for found in updates for id_ in found["last_stated"] if id_ not in before]
            update |= {
                "stated_reply": "\n\n".join(found["stated_reply"] for found in updates),
                "pending": next((found["pending"] for found in updates if found.get("pending")), None),
                "last_stated": list(dict.fromkeys(stored)) or before,  # "undo" takes back all of them
                "last_verdict": next((found["last_verdict"] for found in updates if found.get("last_verdict")), None),
            }
        # "That place closed": a correction, no ask for opening hours.
        corrected = any(stated.kind in _SAID_OF_A_PLACE for stated in statements)
        if not corrected and (unknown := unhonoured(read(message).text)):
            language = update["request"].language
            needs = f"{no_details(unknown, language)} {fixed_text('check_with_place', language)}"
            update["stated_reply"] = f"{update['stated_reply']}\n\n{needs}"
        return update

    def _stated(self, state: _State, message: str, stated: StatedPreference) -> dict[str, Any] | None:
        """A turn that states a preference (``stated``, read from ``message``), done and answered by code
        (``assistant.stated``); None when it needs no answer of its own."""
        pointing = stated.kind in (
            "hide_place",
            "forget_place_visits",
            "like_place",
            "dislike_place",
            "closed_place",
            "dispute_visits",
            "wrong_kind",
        )
        # "Forget those visits" with a forget asked about: that question's place, answered.
        pointing = pointing and not (stated.kind == "forget_place_visits" and state.get("pending") is not None)
        language = read(message).language
        if (
            stated.kind == "undo"
            and state.get("listed_turn", 0) > state.get("stated_turn", 0)
            and not _UNDO_WORD_RE.search(read(message).text)
        ):
            # "I love dive bars", "lunch?", "scratch that": the list came last, and is what a take-back is of (none
            # kept before it: an ordinary message); "undo" by its word is the statement's, as its reply says.
            return None
        # "The place you suggested yesterday": a list of another conversation, which is not kept.
        another_day = _ANOTHER_DAY_RE.search(message) is not None
        place = self._pointed_at(state, stated.words) if pointing and not another_day else None
        if stated.kind in ("like_place", "dislike_place") and (first := named_first(message)) is not None:
            # "Not Crunch, I hate that place": the shown place named first, not the one "that place" would be.
            place = _shown_named(state, first) or place
        if place is None and pointing and not another_day:
            # "The Grey Dog is overrated": the branch shown, not another; "that restaurant closed": the one shown.
            of_kind = self._shown_of_kind(state, stated.words) if _points_at_one_of_kind(stated.words) else None
            place = _shown_named(state, stated.words) or of_kind
            if place is not None and stated.kind == "hide_place" and len(self.service.places_named([stated.words])) > 1:
                place = None  # "no more Starbucks" after a list with one: the whole chain, not the branch shown
        if place is not None:
            # "Hide the first one", "forget my visits there".
            stated = stated.model_copy(update={"words": place.label, "item_id": place.item_id})
        elif pointing and (_POINTING_WORDS_RE.match(stated.words) or _RANKED_PLACE_RE.match(stated.words)):
            # "I hate that place" with nothing shown or talked about: which place, not "no place called that place".
            reply = fixed_text("which_place", language)
            request = ChatRequest(intent="prefer", language=language)
            kept = list(state.get("last_stated") or [])
            return {"request": request, "stated_reply": reply, "pending": None, "last_stated": kept}
        answer = answer_stated(
            self.service,
            state["user_id"],
            stated,
            language,
            state["now"],
            state.get("pending"),
            list(state.get("last_stated") or []),
            state.get("last_verdict"),
        )
        if answer is None:
            return None
        # "The second one looks good", "I love that place": the place talked about now ("how far is it from the
        # subway?" next is that one's distance).
        liked = stated.kind in ("like_place", "dislike_place") and stated.item_id is not None
        focus = {"focus": stated.item_id} if liked and stated.item_id in (state.get("shown") or {}) else {}
        return {
            "request": ChatRequest(intent="prefer", language=language),
            "stated_reply": answer.reply,
            "pending": answer.pending,
            "last_stated": answer.stored,
            "last_verdict": answer.verdict,
            **focus,
        }

    def _plan(self, state: _State) -> dict[str, Any]:
        request = state["request"]
        assert request is not None
        if state.get("back_to"):  # a kept list shown again: nothing to look up
            return {}
        if _second_stop_due(state):
            return self._plan_second_stop(state, request)
        if self._out_of_town(state, request) is not None:  # "coffee?" from Boston: nothing to look up
            return {}
        here = request.location or LatLon(*state["here"])
        at = request.at or state["now"]
        where = {"latitude": here.latitude, "longitude": here.longitude, "at": at.isoformat()}
        calls: list[dict[str, Any]] = []
        # "Not that one", then "actually later" or "what about in SoHo": still not that one. A new ask ("and food
        # after") starts with none turned down.
        turned_down: list[str] = list(state.get("turned_down") or []) if request.intent == "refine" else []
        message = state["messages"][-1].text
        if request.intent in ("recommend", "refine"):
            calls.append({"name": "get_interest_context", "args": {**where, "query": request.category}})
            if _SEARCH_RE.search(message) and not (request.category or request.keyword) and _describes_a_place(message):
                calls.append({"name": "search_places", "args": {"text": message, "k": request.k, **_point(here)}})
            else:
                # A refinement shows other places than before; "ones I know" may well include those already shown.
                # "Something closer" may well be a place shown lower down: nearer is all it asks.
                text = read(message).text
                refining = request.intent == "refine" and not (request.familiar or request.closer)
                # "Not that one": turned down, even among places the user knows; "rather in Brooklyn": the places
                # shown there before are answers again, unless others are asked for.
                # "Cheaper?", "only 2": the same places, none known to be cheaper, or fewer of them.
                # "No movies" after things to do: the places shown that are no cinema are answers still.
                leaves_out = _asks_only(text, "exclude_categories") or _asks_only(text, "exclude_names")
                # "Not a chain": the same places, less the chains among them.
                same_places = _only_unknowns(text) or _asks_only(text, "k") or leaves_out
                same_places = same_places or _asks_only(text, "independent") or _asks_only(text, "surprise")
                # "Any within 500 m?": the places shown within it are answers still.
                same_places = same_places or _asks_only(text, "max_km", "walk_minutes")
                # "My nephew is 4", "we have a baby with us": the places shown, less those for adults only.
                same_places = same_places or only_company(text)
                # "Swap the bar for a café" after dinner then a bar: the dinner places shown are answers still.
                same_places = same_places or _one_stop_changed(state.get("previous"), request)
                # "None of those", "not those, what about the West Village?": none of the places shown, wherever.
                turned_down_all = TURNED_DOWN_RE.search(text) or _ALL_TURNED_DOWN_RE.match(message)
                # "Walking distance pls", "closer to the garden": the same ask nearer, what was shown near enough
                # among the answers still.
                nearer = _asks_nearer(request, text)
                refining = (
                    refining and not _moved(request, state.get("previous"), text) and not same_places and not nearer
                ) or bool(request.intent == "refine" and turned_down_all)
                # "Not that one", "skip the second one": the list without that place, not a list of others.
                one_out = _turned_down_one(state, request, text)
                if left := state.get("left_out") or []:  # "no salt bar please": as "not that one", that place
                    turned_down = list(dict.fromkeys([*turned_down, *left]))
                elif one_out:
                    turned_down = [*turned_down, one_out]
                shown = list(turned_down) if one_out or left else list(state.get("shown", {})) if refining else []
                shown += [item_id for item_id in turned_down if item_id not in shown]
                shown += self._ruled_out(request.exclude_names, state["user_id"])  # "coffee, not Starbucks"
                listed_now = _last_suggestions(state)
                if request.closer and request.pick is not None and request.pick <= len(listed_now):
                    shown.append(listed_now[request.pick - 1].item_id)  # "the first is too far": not it again
                elif request.closer and any(item.item_id == state.get("focus") for item in listed_now):
                    # "How far is the second one?", then "something closer": closer than that one, and not it.
                    listed_now = _focused_first(state, listed_now)
                    shown.append(listed_now[0].item_id)
                if request.not_lately:  # "somewhere I haven't been in a while": not the places of the last month
                    shown += self.service.places_visited_since(state["user_id"], state["now"] - LATELY)
                shown += [request.around] if request.around else []  # "what's around it?" is not it
                if request.placed_self and request.near and request.around is None and lookup(request.near):
                    shown += self.service.places_named([request.near])  # "I'm at Times Square": not the plaza
                like = self._look_alikes(state, request)
                # "Something like Joe's Pizza", "similar to the bar I went to on Friday": others than that place.
                shown += like if request.like_name or len(like) == 1 else []
                category = request.category
                if request.like_name and len(like) == 1 and (named := self.service.place(like[0])) is not None:
                    # "Places like Shake Shack": burger joints, the most like it first, and none of that name (a
                    # home or an office stays a look-alike only: none of its kind is suggested).
                    if is_suggestable(named.category, named.category_path, named.name):
                        category = category or named.category
                    shown += self.service.places_named([named.name])
                elif request.alike and request.pick is not None and len(like) == 1:
                    # "Something similar to the first one": of its kind (a pizza place's look-alikes are pizza
                    # places, not the sushi of "late night food"), the most like it first.
                    picked = self.service.place(like[0])
                    if (
                        picked is not None
                        and is_suggestable(picked.category, picked.category_path, picked.name)
                        and (category is None or is_of_kind(category, picked.category, picked.category_path))
                    ):
                        # Its kind as the list showed it: The Ainsworth, checked in at as a "Bar", was listed for
                        # lunch as the American Restaurant its path says it is ("more like the first one": lunch).
                        category = shown_kind(category, picked.category, picked.category_path)
                # "What about Saturday lunch, same thing?", then "and Sunday?" after "lunch, the usual": the usual
                # still (the refinements kept its "familiar").
                usual_said = _USUAL_SAID_RE.search(text) or (
                    request.intent == "refine"
                    and any(_USUAL_SAID_RE.search(read(said).text) for said in _said_before(state, USUAL_KEPT_TURNS))
                )
                if request.familiar and usual_said and not (request.keyword or request.like_name):
                    # "Lunch, the usual", "my usual club on Saturday": the places the user goes to at that hour of
                    # the week, whatever their catalogue kind (Eataly is a gourmet store, not a restaurant), and no
                    # other place they know (their dinner spot is no usual lunch).
                    usual = self._usual_then(state, request, at.astimezone(ZoneInfo(self.timezone)), message)
                    if usual:
                        ids = {place.item_id for place in usual}
                        known = self.service.places_visited_since(state["user_id"], datetime.min.replace(tzinfo=UTC))
                        shown += [item_id for item_id in known if item_id not in ids]
                        category = EITHER_SEPARATOR.join(dict.fromkeys(_leaf_kind(place) for place in usual))
                borough = _asked_borough(request) or _shore_of(request, here)
                calls.append(
                    {
                        "name": "recommend",
                        "args": {
                            **where,
                            "k": request.k,
                            "category": category,
                            "keyword": request.keyword,
                            "exclude_categories": [
                                *request.exclude_categories,
                                *self._usual_kinds(state, request),
                                *(NOT_FUN_KINDS if request.fun and request.category is None else ()),
                            ],
                            "exclude": shown,
                            "surprise": request.surprise,
                            "familiar": request.familiar,
                            "quiet": request.quiet,
                            "independent": request.independent,
                            "local": request.local,
                            "popular": request.popular,
                            # "Anything open late?": no opening hours, so the places people check in at then.
                            "open_then": UNKNOWN_TOPICS["hours"] in unhonoured(text),
                            "within_km": _within_km(request, listed_now),
                            "radius_said": bool(request.walk_minutes or request.max_km or request.closer),
                            # Around one venue, the best fits nearest it first: the dozen bars by the Garden
                            # before one 0.9 km off.
                            "nearest_first": nearer or _around_a_venue(request),
                            "beyond_km": _beyond_km(request, _last_suggestions(state), message),
                            "like": like,
                            # "Less crowded?" after a list: places fewer people go to than to those shown.
                            "calmer_than": [item.item_id for item in _last_suggestions(state)]
                            if request.intent == "refine" and asks_calmer(message)
                            else [],
                            "near_kinds": request.near_kinds,
                            # "Where do people go after MSG?": where people went on to from it first.
                            "after": request.around if request.after_place else None,
                            "in_borough": borough if borough not in request.not_in else None,
                            "in_area": _asked_neighbourhood(request),
                            "outside": request.not_in,
                        },
                    }
                )
        elif request.intent == "profile" and re.search(TOLD_ASKED, read(message).text, re.IGNORECASE):
            pass  # "what have I told you?": the stated preferences, no habits (whose places would become the list)
        elif request.intent == "profile":
            # Days ("yesterday", "last Saturday") begin at the user's midnight, not UTC's.
            local_now = state["now"].astimezone(ZoneInfo(self.timezone))
            chosen = habits_slice(request, local_now, message, self.service.last_visit(state["user_id"]))
            if chosen.since is None and _BACK_THEN_RE.search(message) and (span := state.get("habits_span")):
                chosen = chosen._replace(since=span[0], until=span[1])  # "my favourite places back then?"
            elif chosen.since is None and _before_that(state, message):
                chosen = chosen._replace(**_span_before(state["habits_span"], local_now, message)._asdict())
            elif chosen.since is None and (span := state.get("habits_span")) and span[0] is not None:
                # "And on New Year's Day?" after "where was I last Christmas?": the past still, that day.
                then = past_span(f"where was I {message}", local_now, self.service.last_visit(state["user_id"]))
                if then is not None:
                    chosen = chosen._replace(since=then.since, until=then.until)
            listed = checkins_listed(message) if request.near in (None, HERE) and not request.change else None
            if listed is not None and chosen.since is None:
                # "List my check-ins from yesterday": that day, though not asked in the past tense.
                then = past_span(f"where was I {message}", local_now, self.service.last_visit(state["user_id"]))
                if then is not None:
                    chosen = chosen._replace(since=then.since, until=then.until)
            # "now" stays the turn's own: the slice says which visits count, not when the user asks.
            span = {"since": chosen.since, "until": chosen.until}
            span = {name: moment.isoformat() if moment else None for name, moment in span.items()}  # tool args: JSON
            # "What's my favourite bar?": the user's own bars; "do I go to bars more than I used to?": their change.
            kind = request.category
            if kind == "Restaurant" and not _RESTAURANT_SAID_RE.search(message):
                # "Where do I usually go for lunch?": food trucks, cafés and food halls (Eataly) count too.
                kind = MEAL_PLACES
            before = state.get("previous")
            if kind is None and _before_that(state, message) and before is not None and before.intent == "profile":
                kind = before.category  # "and the month before?" after gym visits last month: gym visits still
            elif kind is None and _THE_ONE_I_RE.search(message) and before is not None and not request.change:
                kind = before.category  # "the one I go to most" after bars: the user's own most visited bar
            args = {**_point(here), **chosen._asdict(), **span, "kind": kind, "change": request.change}
            if request.change and (periods := change_periods(read(message).text, local_now)) is not None:
                # "Do I go out less in November than in August?", "weekends vs weekdays": the two periods asked, a
                # weekday or part of the day said ("on Friday nights") in both.
                asked, against = (period._replace(weekday=chosen.weekday, daypart=chosen.daypart) for period in periods)
                args.update(
                    {
                        name: value.isoformat() if isinstance(value, datetime) else value
                        for name, value in asked._asdict().items()
                    }
                )
                args["against"] = {
                    name: value.isoformat() if isinstance(value, datetime) else value
                    for name, value in against._asdict().items()
                }
            if listed is not None:
                # "Show me my last 10 check-ins", "list my check-ins from last week": each one, the latest first;
                # all of a span said, as many as are listed at once.
                wide = listed.every or chosen.since is not None
                args["listed"] = min(listed.count or (LISTED_TOP if wide else LISTED_SHOWN), LISTED_TOP)
            elif asks_when(message) and chosen.until is None and not request.change:
                # "What time do I usually get coffee?", "when am I usually at Eataly?": when, by weekday and hour.
                args["rhythm"] = True
                if asks_which_part(message):  # "which nights do I go clubbing?": every visit, 8 pm ones too
                    args["daypart"] = None
                if (item_id := self._rhythm_place(state, request, message)) is not None:
                    args.update(item_id=item_id, kind=None)
            calls.append({"name": "get_habits", "args": args})
        elif request.intent == "explain" and not request.compare:  # side by side needs only the shown evidence
            suggestions = _last_suggestions(state)
            if suggestions:
                # "Why did you suggest it?" after the third one's card: the third one.
                focused = [item.item_id for item in suggestions].index(state["focus"]) + 1 if _focused(state) else None
                pointed = focused if not _PLURAL_POINTER_RE.search(message) else None
                if request.pick is None and LAST_SHOWN_RE.search(read(message).text):
                    pointed = len(suggestions)  # "the last one - why?", "el último, ¿por qué ese?"
                # "The third bar - why?" after dinner then bars: the third of the bars, not of the whole list.
                of_kind = self._of_kind(request.category) if request.category and request.pick else set()
                ranked = [item for item in suggestions if item.item_id in of_kind] or suggestions
                pick = min(request.pick or pointed or 1, len(suggestions))
                chosen = ranked[request.pick - 1] if request.pick and request.pick <= len(ranked) else None
                item_id = chosen.item_id if chosen is not None else suggestions[pick - 1].item_id
                args = {"item_id": item_id}
                listed = state.get("previous")
                if listed is not None and listed.intent in ("recommend", "refine") and listed.when and listed.at:
                    # "Why that one?" after "dinner tomorrow at 8": the habit of Thursday evenings, as the list said.
                    args["at"] = listed.at.isoformat()
                calls.append({"name": "explain", "args": args})
        elif request.intent == "about" and len(compared := self._named_compared(state, request)[0]) >= 2:
            # "Which is better, Katz's or Joe's Pizza?": what is known of each.
            for item_id in compared:
                calls.append({"name": "place_details", "args": {"item_id": item_id, **where}})
        elif request.intent == "about" and _of_every_one(message) and "hours" in request.asks:
            # "Any of these open late?": no opening hours, but each place's check-ins at the time asked about.
            at = {"at": request.at.isoformat()} if request.at is not None else {}
            for item in _last_suggestions(state):
                calls.append({"name": "place_details", "args": {"item_id": item.item_id, **where, **at}})
        elif request.intent == "about" and not (_of_every_one(message) and _same_for_all(request.asks)):
            item_id = self._asked_about(state, request)
            if item_id is not None:
                asked = habits_slice(request, state["now"])  # "is it busy on weekends?": whole weekends
                weekend = asked.weekend and asked.daypart is None
                whole_day = asked.weekday is not None and asked.daypart is None  # "on Sundays": the whole Sunday
                args = {"item_id": item_id, **where, "weekend": weekend, "whole_day": whole_day}
                calls.append({"name": "place_details", "args": args})
        if not calls:
            return {}
        for call in calls:
            call["id"] = f"call_{uuid.uuid4().hex[:12]}"
            call["type"] = "tool_call"
        update: dict[str, Any] = {"messages": [AIMessage("", tool_calls=calls, id=str(uuid.uuid4()))]}
        return {**update, "turned_down": turned_down} if request.intent in ("recommend", "refine") else update

    def _plan_second_stop(self, state: _State, request: ChatRequest) -> dict[str, Any]:
        """The places of a second stop ("dinner and drinks after"): of its kind, a walk from the first stop's first
        place, for a little later, none of those already shown."""
        first = state["suggestions"][0]
        # The time said for the second stop ("and then a drink around 7"), else a while after the first.
        first_at = request.at or state["now"]
        at = request.then_at if request.then_at and request.then_at > first_at else first_at + SECOND_STOP_AFTER
        shown = [*state.get("shown", {}), *self._ruled_out(request.exclude_names, state["user_id"])]
        call = {
            "name": "recommend",
            "args": {
                "latitude": first.latitude,
                "longitude": first.longitude,
                "at": at.isoformat(),
                "k": SECOND_STOP_K,
                "category": request.then,
                "exclude_categories": [kind for kind in request.exclude_categories if kind != request.then],
                "exclude": shown,
                "surprise": request.surprise,
                "quiet": request.quiet,
                "independent": request.independent,
                "local": request.local,
                "within_km": SECOND_STOP_WITHIN_KM,
            },
            "id": f"call_{uuid.uuid4().hex[:12]}",
            "type": "tool_call",
        }
        return {"messages": [AIMessage("", tool_calls=[call], id=str(uuid.uuid4()))], "second_asked": True}

    def _gather(self, state: _State) -> dict[str, Any]:
        """The tool results of this turn, from the tool messages' artifacts, into the state."""
        update: dict[str, Any] = {}
        stops = 0
        results = [
            message
            for message in state["messages"][state.get("trace_from", 0) :]
            if isinstance(message, ToolMessage) and message.status != "error"
        ]
        # Details of several places answer one question asked of the whole list, and point at none of them.
        of_the_list = sum(message.name == "place_details" for message in results) > 1
        for message in results:
            if message.name == "get_interest_context":
                update["context"] = _without_vectors(message.artifact)
            elif message.name == "recommend" and stops and update.get("suggestions"):
                # The second stop's places follow the first stop's, numbered on from them.
                first = update["suggestions"]
                update["suggestions"] = [*first, *_after(first[0], message.artifact, len(first))]
                update["second_from"] = len(first) + 1 if message.artifact else 0
            elif message.name == "recommend":
                stops += 1
                update["suggestions"] = message.artifact
                request = state["request"]
                if (
                    request is not None
                    and request.intent in ("recommend", "refine")
                    and _NEAREST_ASKED_RE.search(_said(state))
                ):  # "where's the nearest pharmacy?": the nearest first, whatever else ranks them
                    by_distance = sorted(message.artifact, key=lambda item: item.distance_km)
                    update["suggestions"] = _ranked_anew(by_distance)
                elif (
                    request is not None
                    and request.intent in ("recommend", "refine")
                    and request.category in ERRAND_KINDS
                ):
                    # "I need a haircut": the user's own barber, then the nearest (6.6 km had come before 2.2 km).
                    own = [item for item in message.artifact if item.is_return]
                    others = sorted(
                        (item for item in message.artifact if not item.is_return), key=lambda item: item.distance_km
                    )
                    update["suggestions"] = _ranked_anew([*own, *others])
            elif message.name == "search_places":
                stops += 1
                update["suggestions"] = [_from_hit(rank, hit) for rank, hit in enumerate(message.artifact, 1)]
            elif message.name == "explain":
                update["explanation"] = update["claimed"] = message.artifact
                update["focus"] = message.artifact.item_id
                update["picked"] = _with_pick(state.get("picked") or [], message.artifact.item_id)
            elif message.name == "place_details" and of_the_list:
                update["listed_details"] = [*update.get("listed_details", []), message.artifact]
            elif message.name == "place_details":
                update["details"] = message.artifact
                update["focus"] = message.artifact.item_id
                update["picked"] = _with_pick(state.get("picked") or [], message.artifact.item_id)
            elif message.name == "get_habits":
                update["habits"] = update["claimed"] = message.artifact
                update["habits_span"] = (message.artifact.since, message.artifact.until)
                update["suggestions"] = message.artifact.places
        if "suggestions" in update:
            if not state.get("second_asked"):  # a second stop's gathering comes after this turn's first list
                # "Something closer" after "how far is the second one?": closer than that one.
                asked = state.get("request")
                closer = asked is not None and asked.closer
                update["listed_before"] = (
                    _focused_first(state, _last_suggestions(state)) if closer else _last_suggestions(state)
                )
            update["listed_second_from"] = update.get("second_from", 0)
            planned = update["listed_second_from"] and _said(state)
            update["later_stops"] = further_stops(read(planned).text) if planned else []
            update["shown"] = _with_shown(state.get("shown") or {}, update["suggestions"])
            update["previous"] = request = state["request"]
            if request is not None and request.intent in ("recommend", "refine"):
                update |= _list_kept(state, request, update["suggestions"], update["listed_second_from"])
            # "It" is the first of a new list, not a place talked about before it; after "I'm staying at the
            # Marriott Marquis" alone, the place the user named ("lunch near it").
            said_where = request is not None and request.placed_self and not (request.category or request.keyword)
            update["focus"] = request.around if said_where and request is not None else None
        return update

    def _write(self, state: _State) -> dict[str, Any]:
        request = state["request"]
        assert request is not None
        message = _said(state)
        fixed = self._fixed_reply(state)
        if fixed is not None:
            return {"reply": fixed, "attempts": state.get("attempts", 0) + 1, "fixed": True}
        system = load_prompt("reply_system")
        prompt = load_prompt("reply").format(request=message, places=_listing(state.get("suggestions") or []))
        if request.language != "en":
            prompt += f"\n({LANGUAGE_NOTES[request.language]})"
        # Suggestion turns need no history (code carries the request's constraints), and every prompt token costs
        # time before the first word; the system prompt is the fixed part the local model keeps evaluated.
        if state.get("attempts", 0) >= 1:
            # In the same user turn, so that the kept system prompt is reused for the rewrite too.
            allowed = ", ".join(self._allowed(state).values()) or "none"
            problems = rewrite_note(state.get("grounding", {}).get("claims_unsupported", []))
            prompt += f"\nYour last sentence was wrong. Name no place other than: {allowed}.{problems}"
        messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(prompt)]
        began = time.monotonic()
        # A turn alone reads its prompt on every core; with others queued their rankings need one.
        with cores_shared(self.admission.in_flight > 1):
            written = self.llm.invoke(messages, max_tokens=REPLY_MAX_TOKENS).text.strip()
            reply = _opening(_without_echo(written, message))
        return {"reply": reply, "attempts": state.get("attempts", 0) + 1, "written_s": time.monotonic() - began}

    def _ground(self, state: _State) -> dict[str, Any]:
        allowed = self._allowed(state)
        reply = state.get("reply", "")
        if state.get("fixed"):  # written by code: names nothing but the results, claims nothing
            request = state["request"]
            listed = request is not None and request.intent in ("recommend", "refine")
            return {
                "rewrite": False,
                # "…these are the closest good matches, a little farther away:" goes on with them, as a reply does.
                "reply": _with_evidence(reply, state) if listed else reply,
                "written": reply,
                "grounding": {
                    "ok": True,
                    "named": [],
                    "refused": [],
                    "by_code": True,
                    "claims_checked": [],
                    "claims_unsupported": [],
                },
                "messages": [AIMessage(reply)],
            }
        attempt = state.get("attempts", 0)
        report = check_reply(reply, allowed, self.catalogue_names, self.kinds)
        places = turn_places(
            state.get("suggestions") or [], state.get("explanation"), state.get("shown") or {}, allowed
        )
        situation = Situation.of(_said(state), state.get("context"))
        claims = check_claims(reply, places, report.allowed, self.kinds, situation)
        # A rewrite's report keeps the first attempt's claims: the user never saw those either.
        earlier = state.get("grounding", {}) if attempt >= 2 else {}
        grounding: dict[str, Any] = {
            "ok": report.ok and claims.ok,
            "named": [mention.text for mention in report.allowed],
            "refused": [mention.text for mention in [*report.not_allowed, *report.unknown]],
            "attempts": attempt,
            "claims_checked": [*earlier.get("claims_checked", []), *claims.records(attempt=attempt)],
            "claims_unsupported": [
                *earlier.get("claims_unsupported", []),
                *claims.records(unsupported=True, attempt=attempt),
            ],
        }
        if not grounding["ok"] and attempt < 2 and self._rewrite_fits(state):
            return {"grounding": grounding, "rewrite": True}  # written again once
        if not report.ok:
            reply = repair_reply(reply, report, allowed)
            grounding["repaired"] = True
            repaired = check_reply(reply, allowed, self.catalogue_names, self.kinds)
            grounding["named"] = [m.text for m in repaired.allowed]
            claims = check_claims(reply, places, repaired.allowed, self.kinds, situation)
        if not claims.ok:  # each sentence that still says what the evidence does not is replaced by code's
            reply = repair_claims(reply, claims, places, _origin(state["request"]), _language(state))
            grounding["repaired"] = True
            grounding["named"] = [m.text for m in check_reply(reply, allowed, self.catalogue_names, self.kinds).allowed]
        listing = len({name.casefold() for name in grounding["named"]}) > OPENING_NAMES_AT_MOST
        in_english = _in_english_instead(reply, _language(state))  # "Write in French." unheeded
        cut_off = not _finished(reply)  # the token limit ended its only sentence ("… de solo 0.7 kil")
        # "The best place to dance tonight is Bar, …": a kind written as if it were the place's name.
        nameless = not grounding["named"] and _kind_as_name(reply, [place.category for place in places])
        if (
            listing
            or in_english
            or cut_off
            or nameless
            or _REFUSAL_RE.search(reply)
            or _names_only(reply, grounding["named"])
            or _says_nothing(reply, grounding["named"])
        ):
            # A run of names ("Fitness Factory, a gym located at 55 Fulton Market, Sophie's, Lane Cafe …") ties
            # places together in ways no evidence says, and a refusal ("Lo siento, no puedo ayudarte con eso")
            # contradicts the places listed under it: code says what the first of them is.
            first = next((place for place in places if place.suggested), None)
            if first is not None:
                reply = code_sentence(first, _origin(state["request"]), _language(state))
                grounding["repaired"] = True
                grounding["named"] = [first.name]
        text = _with_evidence(reply, state)
        return {
            "rewrite": False,
            "reply": text,
            "written": reply,
            "grounding": grounding,
            "messages": [AIMessage(reply, id=str(uuid.uuid4()))],  # memory keeps what was said, not the lists
        }

    # ---- helpers ---------------------------------------------------------------------------------------------

    def _fixed_reply(self, state: _State) -> str | None:
        """Replies code writes without the LLM: anything but suggestions and explanations (a greeting, a request
        off the assistant's topic, the user's own habits, forgetting), and nothing to suggest or explain. Each is
        at once and states only facts."""
        request = state["request"]
        assert request is not None
        language = request.language
        if back := state.get("back_to"):  # "go back": the list as it was, led by what it asked for
            return back
        if request.intent == "prefer":
            return state.get("stated_reply") or ""
        if request.intent == "profile":
            habits = state.get("habits")
            answer = fixed_text("no_habits", language)
            if habits is not None:
                # "Which neighbourhood do I spend the most time in?": the areas first; "my most visited place?": the
                # places.
                asked = read(_said(state)).text
                habits = _without_kinds(habits, self.service.muted_kinds(state["user_id"]))
                answer = describe_habits(habits, asks_about_areas(asked), asks_about_places(asked), language=language)
            user = state["user_id"]
            stated = describe_preferences(self.service.preferences(user), language, self.service.verdicts(user))
            if re.search(TOLD_ASKED, read(_said(state)).text, re.IGNORECASE):
                return stated or fixed_text("nothing_told", language)  # "what have you stopped suggesting me?"
            return f"{answer}\n\n{stated}" if stated else answer
        if request.intent == "smalltalk":
            said = _said(state)
            if unknown := unhonoured(read(said).text):
                # "I'm allergic to nuts", "I'm in a wheelchair": a need no data can check, said so, not a greeting.
                return f"{no_details(unknown, language)} {fixed_text('check_with_place', language)}"
            reply = smalltalk_reply(said)
            if reply == "enjoy" and not _last_suggestions(state):  # "ok" before any place was shown is a hello
                reply = "smalltalk"
            if reply == "smalltalk" and _last_suggestions(state) and not _HELLO_OR_HELP_RE.search(read(said).text):
                reply = "anything_else"  # "hmm maybe", "whatever" after a list: no hello again
            if reply == "whereabouts":
                return self._whereabouts(state, language)
            if reply == "own_place":
                mine = own_place_asked(said) or "my home"
                return self._own_place_said(state["user_id"], mine, language, state, home_way_asked(said))
            if reply == "evidence" and (claimed := state.get("claimed")) is not None:
                return self._evidence_said(state, claimed, language)
            return fixed_text(reply, language)
        if request.intent == "offtopic" and (reply := offtopic_reply(state["messages"][-1].text)) != "offtopic":
            if reply in ("clock", "clock_tomorrow"):  # "what time is it?": the clock every answer is reckoned by
                local = state["now"].astimezone(ZoneInfo(self.timezone))
                if reply == "clock_tomorrow":
                    local += timedelta(days=1)
                return fixed_text(reply, language).format(
                    time=clock_time(local), day=f"{local:%A}, {calendar_day(local)}"
                )
            return fixed_text(reply, language)
        if request.intent in ("forget", "offtopic", "others"):
            return fixed_text(request.intent, language)
        if request.intent == "about":
            details = state.get("details")
            compared = state.get("listed_details") or []
            if request.compare_names and len(compared) >= 2:  # "Katz's or Joe's Pizza, which is better?"
                guessed = self._here_guessed(state)
                cards = [
                    describe_place(each, request.asks, language, _origin(request), guessed_here=guessed)
                    for each in compared
                ]
                return fixed_text("compare_named", language) + "\n\n" + "\n\n".join(cards)
            if request.compare_names and (unknown := self._named_compared(state, request)[1]):
                return fixed_text("compare_unknown", language).format(words=unknown[0])
            if details is not None:
                asked_time = _asked_time(request)  # "is it busy on Sundays?": that time, not now
                card = describe_place(
                    details,
                    request.asks,
                    language,
                    _origin(request),
                    asked_time,
                    request.quiet,
                    guessed_here=self._here_guessed(state),
                )
                card = self._nearest_ranked(state, request, language) + card  # "which one is closest to my place?"
                card = _apart_said(request, details, language) + card  # "how far is the first from the second?"
                card = self._own_origin_said(state, request, language) + card
                if "visits" in request.asks:
                    card = self._visits_then(state, details, language) + self._chain_visits(state, details) + card
                card = self._chain_said(state, details, language) + card
                card = self._checkin_said(state, details, language) + card
                card = _took_to_mean(state, request, details, language) + card
                if _asks_when_i_go(_said(state)):  # "what time do I usually go there?": their own slices first
                    slices = self.service.my_slices(state["user_id"], details.item_id, state["now"])
                    card = describe_my_slices(details.label, slices, language) + "\n" + card
                if request.in_area and request.in_area_asked:  # "is the second one in Brooklyn?": yes or no first
                    card = _in_area_said(details, request.in_area, language) + card
                if request.unplaced and (stop := self._stop_near(details, request, language)):
                    return stop + card  # "is it close to the subway?": the nearest stop to the place asked about
                if request.unplaced in MY_PLACES:  # "is it far from home?" with no home known: from the user
                    words = _own_words(request.unplaced, language)
                    return fixed_text("own_place_unknown_measured", language).format(words=words) + card
                if request.unplaced:  # "which is closest to the subway?": measured from where the list was
                    where = _origin(request) or fixed_text("you", language)
                    return fixed_text("unplaced_measured", language).format(words=request.unplaced, origin=where) + card
                return card
            listed = _last_suggestions(state)
            every = bool(listed) and _of_every_one(_said(state))
            if every and "visits" in request.asks:
                return describe_visits(listed)
            unknown = [UNKNOWN_TOPICS[topic] for topic in request.asks if topic in UNKNOWN_TOPICS]
            if every and unknown:  # "do any of these have outdoor seating?": the answer is the same for each
                if listed_details := state.get("listed_details"):  # "any of these open late?": check-ins then
                    asked_time = _asked_time(request)
                    return f"{no_details(unknown, language)} {describe_checkins_then(listed_details, asked_time)}"
                return no_details(unknown, language)
            if request.measured and request.unplaced:  # "how far is Katz's from Russ & Daughters?"
                return fixed_text("measured_unknown", language).format(words=request.unplaced)
            which = fixed_text("which_place", language)
            if request.pick is not None and 0 < len(listed) < request.pick:
                # "The 2nd one?" after a list of one: what the list had, not a bare "which place?".
                names = ", ".join(f"**{item.label}**" for item in listed)
                which = fixed_text("rank_beyond_list", language).format(count=len(listed), places=names)
            return f"{no_details(unknown, language)} {which}" if unknown else which
        if request.intent == "explain" and request.compare:
            # The latest list long enough for the ranks named: "the first two" after a one-place list (a refinement
            # that found one) means the list before it.
            needed = max(2, *request.compare)
            lists = _lists((state.get("shown") or {}).values())
            long_enough = (listed for listed in reversed(lists) if len(listed) >= needed)
            suggestions = next(long_enough, _last_suggestions(state))
            # "The first and the last one": the last is the list's own length.
            ranks = list(dict.fromkeys(len(suggestions) if rank == LAST_SHOWN else rank for rank in request.compare))
            request = request.model_copy(update={"compare": ranks})
            lead = self._compared_lead(suggestions, request, read(_said(state)).text)
            return _side_by_side(suggestions, ranks, language, lead)
        if request.intent == "explain":
            # The reasons are the evidence lines themselves: a small model retelling them added popularity and
            # visits that were never there (measured), so code states them.
            listed = state.get("previous")
            at = listed.at.astimezone(ZoneInfo(self.timezone)) if listed and listed.at else None
            asked = asked_for(listed, at, language)
            message = read(_said(state)).text
            if asks_about_the_list(message, request.pick) and (suggestions := _last_suggestions(state)):
                return explain_list(suggestions, asked, language)  # "why those?"
            explanation = state.get("explanation")
            if explanation is None:
                return fixed_text("nothing_to_explain", language)
            return explain_one(explanation, asked, language, lead="top_pick" if request.top_pick else "why")
        if (away := self._out_of_town(state, request)) is not None:
            return away  # "I'm in Boston this weekend, any good coffee?": only New York's places are known
        suggestions = state.get("suggestions") or []
        written = _said(state)
        if request.intent in ("recommend", "refine") and (other := other_language(written)) is not None:
            # "Wo kann ich hier gut frühstücken?": whatever the rules made of it is a guess, and said to be one.
            key = "other_language" if suggestions else "other_language_nothing"
            return fixed_text(key, language).format(language=OTHER_LANGUAGE_NAMES[other])
        if request.intent in ("recommend", "refine") and not suggestions:
            muted = self._muted(state["user_id"], request.category, language)
            if muted is not None:
                return elide_de(fixed_text("muted_asked", language).format(what=muted), language)
            if request.category and not self._of_kind(request.category):  # "Greek?": not one in the catalogue
                return fixed_text("kind_unknown", language).format(kind=request.category)
            if request.familiar and request.category and self._never_at(state, request.category):
                # "Somewhere I've been before" after bars, from someone with no bar among their check-ins.
                return fixed_text("no_known_kind", language).format(kind=kind_words(request.category, language))
            if request.familiar and self._never_at(state, None):
                return fixed_text("no_known_place", language)  # "my usual?" from someone with no check-in yet
            return fixed_text("nothing_fits", language)
        if request.intent not in ("recommend", "refine"):
            return None
        lead = None  # where the places are, when it is not where the user meant
        # "Pizza within 500 m", "a bar 5 minutes away": the distance said is the one the places are held to.
        said_km = _said_km(request)
        radius = said_km or _near_radius_km(request)
        near = request.near or (HERE if said_km else None)
        if request.unplaced in MY_PLACES:  # "coffee near my office" from someone with no office among their visits
            lead = fixed_text("own_place_unknown", language).format(words=_own_words(request.unplaced, language))
        elif request.unplaced and request.along:  # "coffee on Foo Street": a street no address has
            lead = fixed_text("street_unknown", language).format(words=request.unplaced)
        elif request.unplaced and _A_STOP_RE.match(request.unplaced) and not _TRANSIT_RE.match(request.unplaced):
            # "The Bedford L stop": a station of no check-in; a street or corner is what can be found.
            lead = fixed_text("station_unknown", language).format(words=request.unplaced)
        elif request.unplaced:
            lead = fixed_text("unplaced", language).format(words=request.unplaced)
        elif (
            request.near
            and request.near.startswith(_WAY_OPENING.get(language, "\0"))
            and on_the_way(read(_said(state)).text)
        ):
            lead = fixed_text("along_the_way", language).format(way=request.near)  # "coffee on the way to Penn"
        elif request.along and request.other_boroughs:  # "on Broadway": the one in the user's borough, said
            others = ", ".join(request.other_boroughs)
            lead = fixed_text("street_borough", language).format(street=request.near, others=others)
        elif (
            request.closer
            and (before := state.get("listed_before"))
            # The first stop's places: a second stop's are measured from the first, not from the user.
            and _none_closer(suggestions[: (state.get("second_from") or len(suggestions) + 1) - 1], before[0])
        ):
            # "Closer please" when nothing of the kind is: say so, rather than a radius never searched.
            first = before[0]
            lead = fixed_text("nothing_closer", language).format(place=first.label, km=f"{first.distance_km:.1f}")
        elif request.farther:  # "further away is fine": the radius was lifted, not found empty
            lead = fixed_text("farther", language)
        elif near and _all_beyond(suggestions, radius):
            # Places past a small step beyond the radius are no "little farther away": the nearest one's distance is
            # said (the widened search always lists the nearest that qualifies, so "the nearest I know" is true).
            distances = [item.distance_km for item in suggestions]
            key = "nothing_near" if near == HERE else "nothing_near_place"
            lead = fixed_text(key if _a_little_farther(max(distances), radius) else f"{key}_far", language).format(
                km=f"{radius:g}", place=near, nearest=_at_least_km(min(distances))
            )
        elif near and 0 < (inside := _within(suggestions, radius)) < min(len(suggestions), WIDENED_AT_LEAST):
            # One dinner place within 2 km of the café, then the next closest: the one is said to be all there is.
            following = [item.distance_km for item in suggestions if item.distance_km > radius]
            key = "few_near" if near == HERE else "few_near_place"
            lead = fixed_text(key if _a_little_farther(max(following), radius) else f"{key}_far", language).format(
                count=inside, km=f"{radius:g}", place=near, nearest=_at_least_km(min(following))
            )
        elif request.near is None and _all_beyond(suggestions, FAR_LIST_KM):
            # "Live music?" from New Jersey: Manhattan's venues, 20 km off, said to be far before they are read.
            nearest = min(item.distance_km for item in suggestions)
            lead = fixed_text("all_far", language).format(km=f"{math.floor(nearest):g}")
        elif visited_then(read(_said(state)).text) and not self._look_alikes(state, request):
            lead = fixed_text("no_visit_then", language)  # "like the one I went to yesterday", with no visit then
        elif request.like_name and MY_FAVOURITE_RE.match(request.like_name) and not self._look_alikes(state, request):
            # "Places like my favourite bar" from someone with no bar among their visits.
            lead = fixed_text("no_favourite", language).format(kind=kind_words(request.category or "Place", language))
        elif (holiday := holiday_named(request.when or "")) is not None and request.at is not None:
            # "Any ideas for Christmas Eve?": which day that is, and that no holiday hours are known.
            moment = request.at.astimezone(ZoneInfo(self.timezone))
            day = f"{WEEKDAYS[moment.weekday()]}, {calendar_day(moment)}"
            lead = fixed_text("holiday", language).format(holiday=holiday, day=day, time=clock_time(moment))
        user = state.get("user_id")
        if user is not None and (muted := self._muted(user, request.category, language, covering=True)) is not None:
            # "Encore un bar" after "no more bars": the user's own ban still holds (it may have been said in another
            # conversation, and is kept until taken back), so what is left of the kind is shown and the ban said,
            # with the words that lift it; silently setting it aside would make a ban hold only sometimes.
            kept = elide_de(fixed_text("muted_asked_some", language).format(what=muted), language)
            lead = kept if lead is None else f"{kept} {lead}"
        # "Somewhere cheap", "anything open late": what no data holds is said before the places that fit the rest.
        asked = read(_said(state)).text
        if unknown := _unknown_asked(asked, request.category):
            if UNKNOWN_TOPICS["hours"] in unknown and self._all_open_then(state, request):
                # "Anything open late?" with one place within 2 km: both said, the places' hours caveat first.
                open_then = fixed_text("open_then", language)
                lead = open_then if lead is None else f"{open_then.rstrip(' :')}. {lead}"
            elif lead is None and request.intent == "refine" and _only_unknowns(asked):
                lead = fixed_text("still_fits", language)  # "cheaper?": the same places, none known to be cheaper
            return f"{no_details(unknown, language)} {lead or fixed_text('rest_fits', language)}"
        if request.quiet and _QUIETER_RE.search(asked):
            # "Too loud, something quieter": no data says how loud a place is; what was done instead is said first.
            quieter = fixed_text("quieter_unknown", language)
            lead = quieter if lead is None else f"{quieter} {lead}"
        return lead

    def _all_open_then(self, state: _State, request: ChatRequest) -> bool:
        """Whether people have checked in at every suggested place around the hour asked about (``open_then``)."""
        known = self.service.open_then(request.at or state["now"])
        return all(item.item_id in known for item in state.get("suggestions") or [])

    def _never_at(self, state: _State, kind: str | None) -> bool:
        """Whether the user has no check-in at any place of a kind (None: at any place at all)."""
        return self.service.habits(state["user_id"], state["now"], LatLon(*state["here"]), kind=kind, top=1).visits == 0

    def _like_the_habit(
        self, state: _State, previous: ChatRequest, request: ChatRequest, text: str
    ) -> ChatRequest | None:
        """For "ok something like that now", "somewhere like that but new", "algo así ahora" after an answer about
        the user's habits: places of the kinds that answer was of (its kind asked, else the kinds of its places
        people go to by choice), for now or the time said; None for any other message."""
        habits = state.get("claimed")  # the last habits answer, kept across turns
        if (
            previous.intent != "profile"
            or not isinstance(habits, Habits)
            or request.intent not in ("recommend", "refine")
            or request.category
            or request.keyword
            or request.pick is not None
            or not (request.alike or _LIKE_THAT_RE.search(fold(_said(state)).lower()))
        ):
            return None
        kind = previous.category if previous.category and not previous.change else None
        if kind is None and habits.place is None:
            # The places as the catalogue has them: a tool's answer may have left their category paths out.
            found = [self.service.place(place.item_id) for place in habits.places]
            leaves = [
                _leaf_kind(place)
                for place in found
                if place is not None and is_suggestable(place.category, place.category_path, place.name)
            ]
            kind = EITHER_SEPARATOR.join(list(dict.fromkeys(leaves))[:HABIT_LIKE_KINDS]) or None
        if kind is None:
            return None
        return request.model_copy(update={"intent": "recommend", "category": kind})

    def _usual_then(self, state: _State, request: ChatRequest, at: datetime, message: str) -> list[Suggestion]:
        """The places the user goes to at ``at``'s hour of the week (its weekday and part of the day, else the same
        part of the workweek or weekend), at least ``USUAL_MIN_VISITS`` times each, that fit what is asked: for a
        meal any place to eat (a food hall, a deli), for a kind that kind, for "the usual" alone or "the usual friday
        thing" any place people go to by choice (no hotel, no airport); empty when none does."""
        here = LatLon(*state["here"])
        meal = (request.when is not None and _MEAL_TIME_RE.search(request.when) is not None) or (
            request.category == "Restaurant" and not _RESTAURANT_SAID_RE.search(message)
        )
        kind = USUAL_MEAL_PLACES if meal else None if request.category in _ANY_USUAL_KINDS else request.category
        part = daypart(at.hour)
        slices = [{"weekday": at.weekday()}, {"weekend": True} if at.weekday() in WEEKEND_DAYS else {"workweek": True}]
        for chosen in slices:
            found = self.service.habits(state["user_id"], state["now"], here, daypart=part, top=USUAL_TOP, **chosen)
            usual = [
                place
                for place in found.places
                if place.score >= USUAL_MIN_VISITS
                and is_suggestable(place.category, place.category_path, place.name)
                and (kind is None or is_of_kind(kind, place.category, place.category_path))
            ]
            if usual:
                return usual
        return []

    def _usual_kinds(self, state: _State, request: ChatRequest) -> list[str]:
        """The kinds of place the user goes to most, left out when a request asks for something unlike them."""
        if not request.unusual:
            return []
        habits = self.service.habits(state["user_id"], state["now"], LatLon(*state["here"]), top=USUAL_KINDS)
        return [kind.kind for kind in habits.kinds[:USUAL_KINDS]]

    def _left_out_named(self, state: _State, message: str) -> tuple[str, list[str], list[str]] | None:
        """The place a message leaves out by its name in any case or by its rank in the last list ("no salt bar
        please", "anything but black door", "skip max fish, been there too much", "pas Balthazar", "minus the
        first one", "sin el primero", "not the 2nd one"), as (the rest of the message, the ids of the last list's
        places it names, or of every place of the name, the catalogue names to leave out); None when it leaves out
        no place: a kind ("not
        mexican"), or words no place goes by ("not too far")."""
        text = read(message).text
        match = _LEAVE_OUT_RE.search(text)
        if match is None:
            return None
        words = re.sub(r"^(?:the|el|la|le|l')\s+", "", match["name"].strip(), flags=re.IGNORECASE).strip()
        if not words or words.casefold() in _NOT_A_NAME:
            return None
        listed = _last_suggestions(state)
        rank = _RANK_WORDS_RE.fullmatch(words)
        wanted = _name_key(words)
        # A place's whole name first ("not coffee shop 32"), then kinds ("not mexican", "no bars": the rules'), then
        # the start of a name shown ("skip max fish" for "Max Fish Bar").
        shown = [item for item in listed if _name_key(item.label).removeprefix("the ") == wanted]
        found = [] if rank is not None or shown else self.service.places_named([words, match["name"].strip()])
        if not (shown or found) and parse_rules(f"not {words}").exclude_categories:
            return None
        if rank is not None:
            said = rank["rank"].casefold()
            number = len(listed) if said == "last" else ORDINALS[said]
            if match["lead"].casefold() in ("no", "not") or not listed or number > len(listed):
                # "No the second one" picks it; "not the 2nd one" is "not that one"'s (``_turned_down_one``).
                return None
            shown = [listed[number - 1]]
        shown = shown or [
            item
            for item in listed
            if len(wanted) >= 4 and _name_key(item.label).removeprefix("the ").startswith(wanted)
        ]
        if shown:
            ids, names = [item.item_id for item in shown], [shown[0].label]
        elif found and (place := self.service.place(found[0])) is not None:
            ids, names = list(found), [place.label]  # "bar tonight but not salt bar": wherever it shows
        else:
            return None
        rest = f"{text[: match.start()]} {text[match.end() :]}"
        rest = _LEFT_OUT_REASON_RE.sub(" ", rest)
        rest = re.sub(r"^[\W_]+|[\s,;:—–-]+$", "", re.sub(r"\s+", " ", rest)).strip()
        rest = "" if re.fullmatch(rf"(?:(?:{_POLITE_WORDS}|but|and|ok|okay|so)\W*)*", rest, re.IGNORECASE) else rest
        return rest, ids, names

    def _ruled_out(self, names: Sequence[str], user_id: str) -> list[str]:
        """The item ids of the places a request rules out by name: every place of a chain ("not Starbucks"), else the
        one place the words name ("not the met": The Metropolitan Museum of Art), else none. Lower-case words
        without "the" ("isn't a starbucks") name a chain or nothing: "not too far" is no place."""
        ids: list[str] = []
        for name in names:
            found = self.service.places_named([name])
            named = name[:1].isupper() or name.casefold().startswith("the ")
            if not found and named and (place := self.service.named_place(name, user_id)) is not None:
                found = [place.item_id]
            ids += found
        return ids

    def _evidence_said(self, state: _State, claimed: Habits | Explanation, language: str) -> str:
        """The user's check-ins behind the last habits answer (the visits of the slice it counted) or reason (their
        visits to the place and to the places of theirs its reasons name), the latest ``VISIT_DATES_SHOWN`` with
        how many more, for "which visits made you say that?"."""
        user, now = state["user_id"], state["now"]
        if isinstance(claimed, Explanation):
            ids = [claimed.item_id, *self.service.visited_named_in(user, " ".join(claimed.evidence))]
            visits = self.service.visits_of(user, now, item_ids=ids)
            if not visits:
                return fixed_text("evidence_none_place", language).format(place=claimed.name)
        else:
            day = claimed.weekday
            weekday = WEEKDAYS.index(day) if day in WEEKDAYS else None
            visits = self.service.visits_of(
                user,
                now,
                weekday=weekday,
                daypart=claimed.daypart,
                weekend=day == WEEKEND,
                workweek=day == WORKWEEK,
                since=claimed.since,
                until=claimed.until,
                kind=claimed.kind,
            )
            if not visits:
                return fixed_text("evidence_none_habits", language)
        zone = ZoneInfo(self.timezone)
        weekdays = fixed_text("span_weekdays", language).split("|")
        lines = [fixed_text("evidence_visits", language)]
        for visit in visits[:VISIT_DATES_SHOWN]:
            local = visit.at.astimezone(zone)  # the city's day and hour, not UTC's
            hour = clock_time(local) if language == "en" else f"{local:%H:%M}"
            lines.append(f"- {weekdays[local.weekday()]}, {said_day(local, language)}, {hour} — **{visit.label}**")
        if len(visits) > VISIT_DATES_SHOWN:
            more = len(visits) - VISIT_DATES_SHOWN
            lines.append(fixed_text("evidence_more", language).format(count=more, total=len(visits)))
        return "\n".join(lines)

    def _whereabouts(self, state: _State, language: str) -> str:
        """Where the user is taken to be ("where am I?") and why: where they said they are, the position the caller
        sent, their stated home area, their latest check-in, or where they usually are at this time of the week."""
        stated = state.get("stated_here")
        given = bool(state.get("here_given"))
        latitude, longitude = stated if stated is not None and not given else state["here"]
        if (away := self._away_km(latitude, longitude)) is not None:  # "where am I?" from Boston: no "around Dunkin'"
            return fixed_text("here_out_of_town", language).format(km=f"{away:.0f}")
        area = self._area_named(latitude, longitude)
        if stated is not None and not given:
            return fixed_text("here_stated", language).format(area=area)
        if given:
            return fixed_text("here_given", language).format(area=area)
        found = self.service.whereabouts(state["user_id"], state["now"])
        local_now = state["now"].astimezone(ZoneInfo(self.timezone))  # the city's days, not UTC's
        ago_words = ago(found.last_visit, local_now) if found.last_visit is not None else ""
        key = {"home": "here_home", "latest": "here_latest", "unknown": "here_unknown"}.get(found.why)
        if key is None:
            key = "here_usual" if found.usually_then else "here_usual_any"
        return fixed_text(key, language).format(area=area, ago=ago_words, when=found.usually_then or "")

    def _out_of_town(self, state: _State, request: ChatRequest) -> str | None:
        """For places asked for where none are known, what is said instead of a list: the user says they are in a
        city outside New York ("I'm in Boston this weekend, any coffee?"), or the position sent is beyond
        :data:`OUT_OF_TOWN_KM` of every catalogue place (Boston's, 300 km off); None otherwise, and when a New York
        place is named ("I'm in Boston, but dinner in SoHo next week?")."""
        if request.intent not in ("recommend", "refine"):
            return None
        language = request.language
        said = _said(state)
        # "I'm in Boston" is read as an area to look around; a New York one named besides is looked at instead.
        if (city := other_city_named(said)) is not None and not find_neighbourhoods(read(said).text):
            return fixed_text("other_city", language).format(city=city)
        if request.near not in (None, HERE):  # "dinner in SoHo then" from Boston: SoHo's places
            return None
        stated = state.get("stated_here")
        here = stated if stated is not None and not state.get("here_given") else state.get("here")
        if here is None or (away := self._away_km(*here)) is None:
            return None
        return fixed_text("out_of_town", language).format(km=f"{away:.0f}")

    def _away_km(self, latitude: float, longitude: float) -> float | None:
        """How far a point is from the nearest catalogue place when that is beyond :data:`OUT_OF_TOWN_KM` (a
        position in Boston); None within New York's reach."""
        nearest = self.service.nearest_place(latitude, longitude)
        return nearest[1] if nearest is not None and nearest[1] > OUT_OF_TOWN_KM else None

    def _area_named(self, latitude: float, longitude: float) -> str:
        """The area of a point in words for "around {area}": an airport by its own name (not "Radisson Hotel JFK
        Airport"), else the neighbourhood, the borough ("around The Bronx", not "around elsewhere in The Bronx"), or
        beyond every neighbourhood the nearest catalogue place's name (never a home)."""
        if (airport := self._airport_at(latitude, longitude)) is not None:
            return airport
        area = area_words(latitude, longitude)
        if area == FARTHER_OUT and (landmark := self.service.nearest_place(latitude, longitude)) is not None:
            return landmark[0].label
        return area.removeprefix(ELSEWHERE)

    def _airport_at(self, latitude: float, longitude: float) -> str | None:
        """The airport a point is at, by the airport's own catalogue name ("John F. Kennedy International Airport
        (JFK)"), not a counter's or hotel's in it; None beyond :data:`AIRPORT_NAMED_KM` of every airport."""
        items = self.service.items
        airports = items[
            (items["category"].astype(str) == "Airport")
            & items["name"].fillna("").astype(str).str.contains(r"\bairport\b", case=False)
        ]
        if airports.empty:
            return None
        apart = haversine_km(latitude, longitude, airports["latitude"].to_numpy(), airports["longitude"].to_numpy())
        nearest = int(apart.argmin())
        return str(airports["name"].iloc[nearest]) if float(apart[nearest]) <= AIRPORT_NAMED_KM else None

    def _own_place_said(
        self, user_id: str, mine: str, language: str, state: _State | None = None, way: str | None = None
    ) -> str:
        """Where the user's own office, home or school is ("where is my office?"): a stated home area, else the place
        of that kind they check in at most, with its area and their visits there, else that none of their check-ins
        says. ``way`` ("distance", "route": "how far is home?", "how do I get home?") adds how far it is from where
        the user is (``state``), and that routes are not known."""
        words = _own_words(mine, language)
        stated = _stated_place(steering(self.service.preferences(user_id)), mine)
        point: tuple[float, float] | None = None
        if stated is not None:
            key = "own_place_stated" if stated.kind == PreferenceKind.HOME_AREA else "own_work_stated"
            answer = fixed_text(key, language).format(words=words, area=stated.target)
            if stated.latitude is not None and stated.longitude is not None:
                point = (stated.latitude, stated.longitude)
        elif (place := self.service.own_place(user_id, MY_PLACES[mine])) is None:
            answer = fixed_text("own_place_none", language).format(words=words)
        else:
            visits = self.service.visits_among(user_id, [place.item_id]).visits
            area = self._area_named(place.latitude, place.longitude)
            private = unsuggestable_group(place.category, place.category_path, place.name) == "private"
            key = "own_home_found" if private else "own_place_found"  # a home's name may say whose it is
            answer = fixed_text(key, language).format(
                words=words, name=place.label, area=area, visits=times(visits), count=visits
            )
            point = (place.latitude, place.longitude)
        if way is None or state is None:
            return answer
        said = [answer]
        if point is not None:
            # "How far is home from here?": as the crow flies, from where the user is (or is taken to be).
            stated_here = state.get("stated_here")
            here = stated_here if stated_here is not None and not state.get("here_given") else state["here"]
            km = float(haversine_km(here[0], here[1], point[0], point[1]))
            key = "own_place_far_guessed" if self._here_guessed(state) else "own_place_far"
            said.append(fixed_text(key, language).format(km=f"{km:.1f}", words=words))
        if way == "route":  # "how do I get home?": no routes, transit or travel times are held
            said.append(fixed_text("no_routes", language))
        return " ".join(said)

    def _own_origin_said(self, state: _State, request: ChatRequest, language: str) -> str:
        """Where the user's home (or office) a place's distance is measured from is taken to be ("how far is that from
        my place?"), as the card's "from your home" does not say: "By your check-ins, your home is around The Bronx,
        so that is where I measure from. "; "" when the distance is from elsewhere."""
        own = fixed_text("your_own_places", language).split("|")
        if request.near not in own or request.location is None:
            return ""
        mine = list(MY_PLACES)[own.index(request.near)]
        stated = _stated_place(steering(self.service.preferences(state["user_id"])), mine)
        area = stated.target if stated is not None else self._area_named(*request.location)
        key = "own_origin_stated" if stated is not None else "own_origin_found"
        return fixed_text(key, language).format(words=_own_words(mine, language), area=area)

    def _stop_near(self, details: PlaceDetails, request: ChatRequest, language: str) -> str:
        """For "is it close to the subway?" about one place: the nearest stop of that mode the catalogue holds and its
        distance, or that none is within :data:`STOP_KNOWN_WITHIN_KM` (only stops someone checked in at are held);
        "" for other words."""
        transit = _TRANSIT_RE.match(request.unplaced or "")
        if transit is None:
            return ""
        mode = transit["mode"].lower()
        found = self.service.nearest_stop(details.item_id, TRANSIT_KINDS[mode])
        if found is None or found[1] > STOP_KNOWN_WITHIN_KM:
            if request.nearest:  # "which is closest to the subway?" with no stop known: measured from the list's place
                return ""
            return fixed_text("no_stop_near", language).format(mode=mode, km=STOP_KNOWN_WITHIN_KM, name=details.name)
        stop, km = found
        return fixed_text("nearest_stop", language).format(
            mode=mode, stop=stop.label, km=f"{km:.1f}", name=details.name
        )

    def _chain_said(self, state: _State, details: PlaceDetails, language: str) -> str:
        """For "is it a chain?" about one place: how many catalogue places go by its name, or that none other does;
        "" for other words."""
        if not _CHAIN_ASKED_RE.search(read(_said(state)).text):
            return ""
        named = len(self.service.places_named([details.name]))
        # The chains "no chains" leaves out, and no others: one definition for the answer and the filter.
        if self.service.is_chain(details.item_id):
            return fixed_text("chain_yes", language).format(name=details.name, count=max(named, 1)) + " "
        if named >= 2:
            few = fixed_text("chain_few", language)
            return few.format(name=details.name, count=named, least=CHAIN_MIN_PLACES) + " "
        return fixed_text("chain_no", language).format(name=details.name) + " "

    def _visits_of_a_kind(self, user_id: str, text: str, request: ChatRequest) -> ChatRequest:
        """For "do I go to … a lot?", "which days did I go to …?" read as one place's visits: the user's habits at a
        kind when the words name a kind and no place of theirs nor of the catalogue ("do I go to fancy lounges a
        lot?": lounges); a name of a place they know wins over the kind in it ("Ding Dong Lounge": that place)."""
        name = my_visits_named(text)
        if name is None or refers_to_place(name) or (kind := parse_rules(name).category) is None:
            return request
        if self.service.visited_named(user_id, name) or self.service.places_named([name]):
            return request
        return request.model_copy(update={"intent": "profile", "asks": [], "category": kind})

    def _visits_then(self, state: _State, details: PlaceDetails, language: str) -> str:
        """The user's visits to the place in the stretch of time the question names ("how many times did I go to
        Shake Shack last month?"), said before the card, whose counts are all-time, then each visit's day when asked
        ("every time I went there in November"); empty when it names neither."""
        local_now = state["now"].astimezone(ZoneInfo(self.timezone))
        span = past_span(_said(state), local_now)
        dates = self._visit_dates(state, details, span, language)
        if span is None:
            return dates
        until = min(span.until, local_now) if span.until is not None else local_now
        ids, label = self._visited_of_name(state, details)
        among = self.service.visits_among(state["user_id"], ids, until, since=span.since)
        if not among.visits and not self.service.visits_among(state["user_id"], ids, local_now).visits:
            # "Been there a lot lately?" of a place never visited: the card says it is new to them, with no "you
            # haven't been there since …" before it.
            return dates
        # The city's days: a visit late on the 18th was on the 18th, whatever day it was in UTC.
        last = among.last.astimezone(local_now.tzinfo) if among.last is not None else None
        return describe_place_visits_then(label, among.visits, last, span, language) + "\n" + dates

    def _visited_of_name(self, state: _State, details: PlaceDetails) -> tuple[list[str], str]:
        """The item ids and the label of the user's places the question names: "how many times did I hit Equinox this
        year?" is every one of their places of that name, not the one branch the words were matched to (which they
        may never have been to)."""
        words = named_words(read(_said(state)).text).split()
        # "hit equinox": the words from the first that name any of their places, else the matched place's name.
        tails = [" ".join(words[start:]) for start in range(len(words))] + [details.name]
        theirs = next((found for tail in tails if (found := self.service.visited_named(state["user_id"], tail))), [])
        places = theirs if theirs and [place.item_id for place in theirs] != [details.item_id] else []
        ids = [place.item_id for place in places] or [details.item_id]
        label = details.label if len(places) <= 1 else _common_name([place.label for place in places])
        return ids, places[0].label if len(places) == 1 else label

    def _visit_dates(self, state: _State, details: PlaceDetails, span: PastSpan | None, language: str) -> str:
        """Each of the user's visits to the place (the latest ``VISIT_DATES_SHOWN``, with how many more), in the
        stretch of time asked when one is, when the question asks for them ("list all my visits to Mijana", "which
        days did I go to Ding Dong Lounge?"); empty otherwise or when there are none (the card says so)."""
        if not visit_dates_asked(read(_said(state)).text):
            return ""
        zone = ZoneInfo(self.timezone)
        local_now = state["now"].astimezone(zone)
        until = min(span.until, local_now) if span is not None and span.until is not None else local_now
        ids, label = self._visited_of_name(state, details)
        moments = self.service.visit_times(state["user_id"], ids, until, since=span.since if span else None)
        if not moments:
            return ""
        weekdays = fixed_text("span_weekdays", language).split("|")
        spanned = f" {span_words(span.since, span.until, language)}" if span is not None else ""
        lines = [fixed_text("visit_dates", language).format(place=label, span=spanned)]
        for moment in moments[:VISIT_DATES_SHOWN]:
            local = moment.astimezone(zone)  # the city's day and hour, not UTC's
            hour = clock_time(local) if language == "en" else f"{local:%H:%M}"
            lines.append(f"- {weekdays[local.weekday()]}, {said_day(local, language)}, {hour}")
        if len(moments) > VISIT_DATES_SHOWN:
            more = len(moments) - VISIT_DATES_SHOWN
            lines.append(fixed_text("visit_dates_more", language).format(count=more, total=len(moments)))
        return "\n".join(lines) + "\n\n"

    def _checkin_said(self, state: _State, details: PlaceDetails, language: str) -> str:
        """The day and time of the user's latest or first check-in, before the card of its place, when the question
        asks for it ("when did I last check in anywhere?", "what was my first check in ever"); else empty."""
        said = read(_said(state)).text
        user = state["user_id"]
        now = state["now"]
        if the_last_visited(said) and self.service.last_place(user, until=now) == details.item_id:
            key, moment = "last_checkin", self.service.visits_among(user, [details.item_id], now).last
        elif (
            (first := self.service.first_place(user, until=now))
            and the_first_visited(said)
            and first[0] == details.item_id
        ):
            key, moment = "first_checkin", first[1]
        else:
            return ""
        if moment is None:
            return ""
        local = moment.astimezone(ZoneInfo(self.timezone))  # the city's day and hour, not UTC's
        weekday = fixed_text("span_weekdays", language).split("|")[local.weekday()]
        time = clock_time(local) if language == "en" else f"{local:%H:%M}"
        day = said_day(local, language)
        return fixed_text(key, language).format(place=details.label, weekday=weekday, day=day, time=time) + "\n"

    def _chain_visits(self, state: _State, details: PlaceDetails) -> str:
        """The user's visits to every place of the name a question names, said before the card of the one matched
        ("how many times have I been to Starbucks?" from someone who went to three of them); empty unless the message
        names the place and the user knows several of that name."""
        if details.name.casefold() not in _said(state).casefold():
            return ""
        named = self.service.places_named([details.name])
        among = self.service.visits_among(state["user_id"], named, state["now"])
        if among.last is None and len(named) >= 2:  # none of them: the card's "new to you" is not the whole answer
            return describe_no_chain_visits(details.name, len(named)) + "\n"
        if among.places < 2 or among.last is None:
            return ""
        # The city's day, as the card below says it: a visit at 10:23 pm on Nov 28 was not on Nov 29 (UTC's day).
        last = among.last.astimezone(ZoneInfo(self.timezone))
        return describe_chain_visits(details.name, among.visits, among.places, last) + "\n"

    def _near_it(self, state: _State, request: ChatRequest) -> ChatRequest | None:
        """The request around a place of the conversation: one of the last list by its rank ("near the second one",
        "is the first one far from the second?"), or for "it" and "there" ("what's around it?", "coffee near there")
        the place last asked about, shown or named, else the last list's first; around the user when nothing was
        shown. None when its place words name neither."""
        if request.near != THERE and _RANKED_PLACE_RE.match(request.near or "") is None:
            return None
        previous = state.get("previous")
        listed = {item.item_id for item in _last_suggestions(state)}
        if (
            request.near == THERE
            and not state.get("focus")
            and previous is not None
            and previous.near not in (None, HERE)
            and (previous.around is None or previous.around not in listed)
            and previous.location is not None
        ):
            # "Any good vintage shops there?" after "what's on in Williamsburg?": the area asked about, not the first
            # place of its list; "a bar 5 minutes walk from there" after "somewhere to eat near my home": the home.
            update = {"near": previous.near, "location": previous.location, "around": previous.around}
            return request.model_copy(update=update)
        place = self._pointed_at(state, request.near or "")
        if place is None and _LINE_RE.match(request.near or ""):
            return None  # "bars near the 6" with no sixth place shown: the subway line
        if place is None:
            return request.model_copy(update={"near": None, "location": None})
        update = {"near": place.label, "location": LatLon(place.latitude, place.longitude), "around": place.item_id}
        return request.model_copy(update=update)

    def _own_place(self, state: _State, request: ChatRequest) -> ChatRequest | None:
        """The request around the user's own office, home or school ("coffee near my office"): a stated home area, or
        the place of that kind they check in at most, left out of the list; without one, around the user, and the
        reply says why. None when the request names no such place."""
        if request.near not in MY_PLACES:
            return None
        # "Within 2 km of your home", "de chez toi": the place in the reply's words.
        near = fixed_text("your_own_places", request.language).split("|")[list(MY_PLACES).index(request.near)]
        stated = _stated_place(steering(self.service.preferences(state["user_id"])), request.near)
        if stated is not None and stated.latitude is not None and stated.longitude is not None:
            # "I live in Astoria", then "coffee near home"; "I work in Midtown now", then "lunch near work". A
            # place's distance ("how far is it from my place?") is from "your home", as a found home's is.
            location = LatLon(stated.latitude, stated.longitude)
            return request.model_copy(
                update={"near": near if request.intent == "about" else stated.target, "location": location}
            )
        place = self.service.own_place(state["user_id"], MY_PLACES[request.near])
        if place is None:
            return request.model_copy(update={"near": None, "location": None, "unplaced": request.near})
        update = {"near": near, "location": LatLon(place.latitude, place.longitude), "around": place.item_id}
        return request.model_copy(update=update)

    def _pointed_at(self, state: _State, words: str) -> Suggestion | Place | None:
        """The place of the conversation words point at: the user's latest place ("the last place I went"), one of
        the last list by its rank ("the second one", "the last one"), or for "it", "there", "that one" the place last
        asked about, shown or named, else the last list's first; None for words that point at nothing shown."""
        suggestions = _last_suggestions(state)
        if the_last_visited(words):  # "forget the last place I went"
            latest = self.service.last_place(state["user_id"])
            return self.service.place(latest) if latest is not None else None
        if (ranked := _RANKED_PLACE_RE.match(words)) is not None:
            word = ranked["rank"].lower()
            rank = len(suggestions) if word == "last" else ORDINALS.get(word) or int(word)
            return suggestions[rank - 1] if 1 <= rank <= len(suggestions) else None
        if _POINTING_WORDS_RE.match(words) is None:
            return None
        if focus := state.get("focus"):  # the place last asked about, shown or named ("is the High Line busy?")
            place = (state.get("shown") or {}).get(focus) or self.service.place(focus)
            if place is not None:
                return place
        return suggestions[0] if suggestions else None

    def _after_the_shown(self, state: _State, request: ChatRequest, message: str) -> ChatRequest | None:
        """A stop for after (or before) a place talked about ("and for lunch after the museum?" after museums, "and
        food before the movie" after cinemas or Regal Atlas Park's card): the request for the other kind near that
        place: the one the conversation is about when it is of the kind, else the last list's first of it. With no
        such place known ("food before the movie" first thing), the other kind where the user is, which the reply
        says (``unplaced``). None for any other message."""
        if request.event is not None:
            return self._by_the_event(state, request)
        side = _AFTER_THE_RE.search(message) or _BEFORE_THE_RE.search(message)
        if request.category is None or side is None:
            return None
        before = side.re is _BEFORE_THE_RE
        if before and request.near not in (None, HERE):
            return None  # "coffee before the show at Jazz Club 38": near the place named
        if request.then is not None:
            # "Food before the movie": food first, the movie after it; "lunch after the museum": the museum first.
            anchor, wanted = (request.then, request.category) if before else (request.category, request.then)
        elif before and (show := _SHOW_RE.search(side.group(0))) is not None:
            anchor, wanted = EITHER_SEPARATOR.join(SHOW_KINDS), request.category  # "dinner before the show"
            side = show
        else:
            return None
        kinds = self._of_kind(anchor)
        listed = _last_suggestions(state)
        focus = (state.get("shown") or {}).get(state.get("focus") or "")
        stop = focus if focus is not None and focus.item_id in kinds else None
        stop = stop or next((item for item in listed if item.item_id in kinds), None)
        update: dict[str, Any] = {"intent": "recommend", "category": wanted, "then": None}
        previous = state.get("previous")
        if request.when is None and previous is not None and previous.at is not None:
            # "Movies tonight", then "and food before the movie": tonight still.
            update |= {"when": previous.when, "at": previous.at}
        if stop is None:
            if not before:
                return None  # "a museum and lunch after the museum": a plan of both
            said = re.search(r"\bthe \w+", side.group(0))
            words = said.group(0) if said is not None else side.group(0)
            return request.model_copy(update=update | {"near": None, "location": None, "unplaced": words})
        location = LatLon(stop.latitude, stop.longitude)
        return request.model_copy(
            update=update | {"near": stop.label, "location": location, "around": stop.item_id},
        )

    def _by_the_event(self, state: _State, request: ChatRequest) -> ChatRequest | None:
        """ "Dinner before my 8pm movie" after cinemas were shown: near the cinema talked about (the one asked about,
        else the last list's first); a show near a stage shown. None when no such place was shown (or none was
        asked for): the stop is searched where it would be, at the time timed from the event (``at``)."""
        if request.near not in (None, HERE) or request.category is None or request.event == "game":
            return None  # "dinner before the 8pm show at Jazz Club 38": near the place named
        kinds = self._of_kind("Movie Theater" if request.event == "movie" else EITHER_SEPARATOR.join(SHOW_KINDS))
        focus = (state.get("shown") or {}).get(state.get("focus") or "")
        stop = focus if focus is not None and focus.item_id in kinds else None
        stop = stop or next((item for item in _last_suggestions(state) if item.item_id in kinds), None)
        if stop is None:
            return None
        update = {"near": stop.label, "location": LatLon(stop.latitude, stop.longitude), "around": stop.item_id}
        return request.model_copy(update=update)

    def _first_stop_over(self, state: _State, request: ChatRequest, message: str) -> ChatRequest:
        """The second stop alone when the first is under way or over as the user asks, for now ("nightcap after
        dinner, somewhere nearby" at 9:30 pm: bars, no dinner planned first); any other request as it is."""
        if request.then is None or request.intent not in ("recommend", "refine"):
            return request
        if names_day(request.when) and not _TODAY_RE.search(request.when or ""):
            return request  # "drinks after dinner tomorrow": a plan for then
        now = state["now"].astimezone(ZoneInfo(self.timezone))
        if not first_stop_over(message, request.category, now.hour):
            return request
        kept = [kind for kind in request.exclude_categories if kind != request.then]
        return request.model_copy(
            update={"category": request.then, "then": None, "exclude_categories": kept, "at": None, "when": None}
        )

    def _timed_by_the_place(self, state: _State, request: ChatRequest, text: str) -> ChatRequest:
        """ "And after Pacha?", "then where after Marquee?", "before Pacha tonight, a quick bite": the next stop is
        for after (or before) the user's usual time at that place (Pacha ~9 pm: ~11 pm), not for now or 8 pm, unless
        the message says a clock time of its own. Those who have hardly been there get everyone's usual time."""
        if request.intent not in ("recommend", "refine") or request.around is None or request.after_place:
            return request  # ("where do people go after MSG?" asks where, at any hour)
        side = _BY_A_PLACE_RE.search(text)
        place = self.service.place(request.around)
        if side is None or place is None or _CLOCK_SAID_RE.search(text):
            return request
        named = _name_key(place.name).split()
        if not named or not any(word in named for word in _name_key(side["name"]).split() if len(word) >= 3):
            return request  # "after dinner near Pacha": the time is dinner's
        hour = self.service.usual_hour_at(place.item_id, state["user_id"], state["now"])
        if hour is None:
            return request
        zone = ZoneInfo(self.timezone)
        day = (request.at or state["now"]).astimezone(zone)
        usual = day.replace(hour=hour, minute=0, second=0, microsecond=0)
        if hour < EARLY_HOURS_END <= day.hour:
            usual += timedelta(days=1)  # a club at 1 am is that night's, the next day's date
        after = side["side"].casefold() in _AFTER_WORDS
        at = usual + (AFTER_A_PLACE if after else -BEFORE_A_PLACE)
        if at < state["now"].astimezone(zone):
            return request
        return request.model_copy(update={"when": describe_local(at), "at": at})

    def _waterfront(self) -> list[str]:
        """The kinds of place on the water (:data:`WATERFRONT_KINDS`) the catalogue holds."""
        return [kind for kind in WATERFRONT_KINDS if self.service.categories_named(kind)]

    def _placed(self, request: ChatRequest, point: LatLon) -> ChatRequest:
        """The request near a catalogue place its words name ("I'm at Grand Central", "coffee near the Met") when they
        name no neighbourhood; one that names neither keeps its neighbourhood, or is read as "around the user"
        (``unplaced``, which the reply says). A subway line ("near the L") is its station nearest ``point``."""
        if not request.near or request.near == HERE:
            return request
        # "Where do people go after Times Square?" asks of the plaza, not only of the area named after it.
        if lookup(request.near) is not None and not (request.after_place and self.service.named_place(request.near)):
            return request
        if line := _LINE_RE.match(request.near):
            stop = self.service.line_stop_near(line["line"], point.latitude, point.longitude)
            if stop is None:  # "near the G" when no station of the catalogue lists it: no place called "the G"
                return request.model_copy(update={"near": None, "location": None, "unplaced": request.near})
            location = LatLon(stop.latitude, stop.longitude)
            return request.model_copy(update={"near": stop.name, "location": location, "around": stop.item_id})
        if transit := _TRANSIT_RE.match(request.near):  # no one station, and no sandwich chain
            kinds = [kind for kind in TRANSIT_KINDS[transit["mode"].lower()] if self.service.categories_named(kind)]
            if kinds and request.intent in ("recommend", "refine"):  # "coffee near the subway": a walk from a stop
                return request.model_copy(update={"near": None, "location": None, "near_kinds": kinds})
            # "Which one is closest to the subway?": measured from where the list was, which is said.
            return request.model_copy(update={"near": None, "location": None, "unplaced": request.near})
        # "Near the river": a walk from the water, not "The Riverside Church" that a name search would find.
        if is_waterside(request.near) and request.intent in ("recommend", "refine") and self._waterfront():
            return request.model_copy(update={"near": None, "location": None, "near_kinds": self._waterfront()})
        stop = _A_STOP_RE.match(request.near)
        stop_kinds = [kind for kinds in TRANSIT_KINDS.values() for kind in kinds]
        if stop is not None and stop["line"]:
            # "The Lorimer L stop", "the L at Lorimer": that line's station, never another line's of the same name
            # ("Lorimer St (J/M)"); none of the catalogue's is no place to search around.
            place = self.service.named_stop(stop["name"], stop_kinds, line=stop["line"])
            if place is None:  # "off the 6 at Astor Place": the place of that very name, when there is one
                place = self.service.named_place(stop["name"])
                if place is None or place.name.casefold() != stop["name"].casefold():
                    return request.model_copy(update={"near": None, "location": None, "unplaced": request.near})
        else:
            place = self.service.named_place(request.near)
        if place is None and stop is not None:  # "the Lorimer stop": a station's name
            place = self.service.named_stop(stop["name"], stop_kinds)
        if place is not None:  # "what's near the Empire State Building?" lists what is around it, not it
            location = LatLon(place.latitude, place.longitude)
            return request.model_copy(update={"near": place.name, "location": location, "around": place.item_id})
        if request.location is not None:  # a neighbourhood in the words: "the Brooklyn Museum", were it unknown
            return request
        return request.model_copy(update={"near": None, "unplaced": request.near})

    def _on_street(self, request: ChatRequest, text: str, point: LatLon) -> ChatRequest:
        """The request along the street or at the corner its message names ("coffee on Bleecker Street", "a bar near
        14th and 8th", "tacos near 123 Smith St", "by Delancey" on the Lower East Side), from the catalogue's
        addresses (``Service.streets``): the stretch nearest the area or landmark also named, else nearest
        ``point``. A street said for sure ("Foo Street") that no address has is ``unplaced``, which the reply says; a
        bare word no address has ("by myself") is no street, and the request stays as it was."""
        phrase = street_phrase(text)
        if phrase is None or request.intent not in ("recommend", "refine") or request.near_kinds:
            return request
        said = request.unplaced or request.near
        # "Bars around Delancey and Essex" read as "near Delancey" (its station): the corner is what was said.
        # "Près de la 14e et la 8e" read as "near la 14e": the corner's words as written hold it too.
        written = text[slice(*phrase.span)].casefold()
        inside = said is not None and (said.casefold() in phrase.words.casefold() or said.casefold() in written)
        if request.near == HERE or (said and not inside and request.unplaced):
            return request  # "coffee near me on my way", another place unknown: no street to search
        reference, borough = (point.latitude, point.longitude), None
        if not inside and request.location is not None:
            # "On the Lower East Side by Delancey", "near Union Sq on Broadway": the stretch there.
            reference = (request.location.latitude, request.location.longitude)
            borough = borough_at(*reference)
        streets = self.service.streets
        if phrase.cross is not None:
            found = streets.corner(phrase.street, phrase.cross, reference, borough)
        else:
            found = streets.street(phrase.street, reference, phrase.number, borough)
        if found is None:
            if phrase.sure and (request.near is None or inside):
                unknown = {"near": None, "location": None, "around": None, "unplaced": said or phrase.words}
                return request.model_copy(update=unknown | {"along": True})
            return request
        # "On Broadway" from the user's point: the one in their borough, the others said; near a place named, no other.
        others = [name for name in found.boroughs if name != found.borough] if borough is None else []
        update = {
            "near": found.label,
            "location": LatLon(found.latitude, found.longitude),
            "around": None,
            "unplaced": None,
            "along": True,
            "other_boroughs": others,
            "placed_self": False,
        }
        return request.model_copy(update=update)

    def _muted(self, user_id: str, category: str | None, language: str = "en", *, covering: bool = False) -> str | None:
        """The words of the user's own "no more …" that hides the kind asked for, when one does, in ``language``;
        ``covering``: only a ban of the whole kind asked or of a kind it is part of (a ban of Italian restaurants
        hides no restaurant asked for, when some are listed)."""
        if not category:
            return None
        asked = category.casefold()
        for preference in self.service.preferences(user_id):
            target = preference.target.casefold()
            named = target in asked or (not covering and asked in target)
            if preference.kind == PreferenceKind.MUTE_CATEGORY and named:
                return preference.shown_in(language)
        return None

    def _rhythm_place(self, state: _State, request: ChatRequest, message: str) -> str | None:
        """The one place a question about when the user goes names ("when am I usually at Eataly?", "how often do I
        go there on Tuesdays?" after its card); None for a kind ("when do I usually go to the gym?") or none."""
        text = read(message).text
        if refers_to_place(text) and not _IT_OF_A_PLACE_RE.search(text):
            suggestions = _last_suggestions(state)
            return state.get("focus") or (suggestions[0].item_id if suggestions else None)
        named = _RHYTHM_PLACE_RE.search(text)
        if named is None or not (words := named_words(named["name"])):
            return None
        place = self.service.named_place(words, state["user_id"])
        if place is None or (request.category and place.label.casefold() not in text.casefold()):
            return None  # "the lounge" names a kind; "the West End Lounge" the place
        return place.item_id

    def _asked_about(self, state: _State, request: ChatRequest) -> str | None:
        """The item id a question about one place means: the nearest suggestion ("which one is closest?"), the
        suggestion it picks ("the third one"), a shown place it names, "the café" of the last suggestions, a place
        it names in the catalogue ("is Joe's Pizza open?"), and for "it" or "there" the place last talked about,
        else the first suggestion; None when it names none."""
        if request.measured:  # "how far is the Met from MoMA?": the Met (none when a name is unknown)
            return request.subject
        suggestions = _last_suggestions(state)
        shown = state.get("shown") or {}
        message = read(state["messages"][-1].text).text
        if request.same_place and (focus := state.get("focus")):  # "and on Sundays?": the place asked about
            return focus
        if request.in_area and not request.in_area_asked and request.pick is None:
            # "The one in Brooklyn": the first of the list that is there.
            there = [item for item in suggestions if is_in_area(request.in_area, item.latitude, item.longitude)]
            of_kind = self._of_kind(request.category) if request.category else None  # once, not per place
            kind = [item for item in there if of_kind is None or item.item_id in of_kind]
            return (kind or there)[0].item_id if kind or there else None
        transit = _TRANSIT_RE.match(request.unplaced or "")
        if request.nearest and suggestions and transit is not None:  # "which one is closest to the subway?"
            kinds = TRANSIT_KINDS[transit["mode"].lower()]
            stops = {item.item_id: self.service.nearest_stop(item.item_id, kinds) for item in suggestions}
            known = {item_id: found[1] for item_id, found in stops.items() if found is not None}
            if known:
                return min(known, key=known.__getitem__)
        if request.nearest and suggestions:  # "which one is closest?", "… closest to the Williamsburg Bridge?"
            candidates = self._nearest_among(suggestions, request)
            if (origin := _nearest_origin(state, request)) is not None:  # "… closest to me?": from the user
                return min(candidates, key=lambda item: _km_from(origin, item)).item_id
            return min(candidates, key=lambda item: item.distance_km).item_id
        if (request.busiest or request.least_busy) and suggestions:
            # "Which is the most popular?": everyone's check-ins, first on a tie; "which is busiest on Saturdays?":
            # those on Saturdays.
            asked = habits_slice(request, state["now"]) if request.when else None
            slice_of = {"weekday": asked.weekday, "daypart": asked.daypart, "weekend": asked.weekend} if asked else {}
            counts = {item.item_id: self.service.checkins_at(item.item_id, **slice_of) for item in suggestions}
            pick = max if request.busiest else min
            return pick(suggestions, key=lambda item: counts[item.item_id]).item_id
        if request.pick is not None:
            return suggestions[request.pick - 1].item_id if request.pick <= len(suggestions) else None
        lowered = f" {message.casefold()} "
        named = [
            item
            for item in shown.values()
            if f" {item.label.casefold()} " in lowered or (len(item.label) >= 4 and item.label.casefold() in lowered)
        ]
        if named:
            return max(named, key=lambda item: len(item.label)).item_id
        if (outright := self._named_outright(message, state["user_id"])) is not None:
            return outright
        # "I'm going to Katz's later, is it busy?": "it" is the place named first, not the one talked about before.
        going = _GOING_THEN_IT_RE.match(message)
        if going and refers_to_place(message[going.end() :]):
            place = self.service.named_place(going["name"], state["user_id"])
            return place.item_id if place is not None else None
        # "Is it good for a business lunch?" right after a place's card: that place, whatever kind the words name.
        focused = state.get("focus") if refers_to_place(message) and not _IT_OF_A_PLACE_RE.search(message) else None
        if request.category is not None and focused is None:  # "the café", "the karaoke place" (a Bar: Karaoke)
            kinds = self._of_kind(request.category)
            for item in [*suggestions, *reversed(shown.values())]:  # the last list first, then the latest shown
                if item.item_id in kinds:
                    return item.item_id
        if the_last_visited(message):  # "tell me about the last place I went" (before the turn's time)
            return self.service.last_place(state["user_id"], until=state["now"])
        if the_first_visited(message):  # "what was my first check in ever"
            first = self.service.first_place(state["user_id"], until=state["now"])
            return first[0] if first is not None else None
        if suggestions and LAST_SHOWN_RE.search(message):  # "ok the last one, how far?"
            return suggestions[-1].item_id
        pointed = state.get("focus") or (suggestions[0].item_id if suggestions else None)
        if refers_to_place(message) and pointed is not None and not _IT_OF_A_PLACE_RE.search(message):
            return pointed
        # "Is it too late to go to the Met?": the "it" points at nothing; the place is the one named.
        place = self.service.named_place(words, state["user_id"]) if (words := named_words(message)) else None
        if place is None:
            place = self._own_place_as_said(state)
        if place is not None:
            return place.item_id
        if (focus := state.get("focus")) and not words:
            return focus  # "how many times have I been?" right after "which one is closest?": that one
        if len(suggestions) == 1 and not words:
            return suggestions[0].item_id  # "how many minutes on foot?" after a list of one: that one
        return pointed if refers_to_place(message) else None

    def _nearest_among(self, suggestions: Sequence[Suggestion], request: ChatRequest) -> list[Suggestion]:
        """The places shown that "which one is closest?" chooses among: "which is the closest bar?", the bars shown,
        when any is; else all of them."""
        if not request.category:
            return list(suggestions)
        kinds = self._of_kind(request.category)
        return [item for item in suggestions if item.item_id in kinds] or list(suggestions)

    def _nearest_ranked(self, state: _State, request: ChatRequest, language: str) -> str:
        """For "which one is closest to my place?" over a list: the places shown, nearest the user's home (or office)
        first, as the crow flies, since the list's own distances are from elsewhere; "" for any other question."""
        own = fixed_text("your_own_places", language).split("|")
        if not request.nearest or request.compare or not (request.near in own or request.unplaced in MY_PLACES):
            return ""
        origin = _nearest_origin(state, request)
        candidates = self._nearest_among(_last_suggestions(state), request)
        if origin is None or len(candidates) < 2:
            return ""
        ranks = {item.item_id: rank for rank, item in enumerate(_last_suggestions(state), 1)}
        order = sorted(((ranks[item.item_id], item) for item in candidates), key=lambda pair: _km_from(origin, pair[1]))
        value = {rank: f"{_km_from(origin, item):.1f} km" for rank, item in order}
        return _ordered_lead("closest_of", "closest_other", order, value, language) + "\n\n"

    def _same_of_another(self, state: _State, request: ChatRequest, text: str) -> ChatRequest | None:
        """ "¿Y a Niketown?", "what about Katz's?", "et à Niketown ?" after a question about the user's visits (to a
        kind or a place) or about one place: the same question of the place named outright; None for any other
        message ("and in Brooklyn?", "and the second one?", "and on Sunday?" are no place's name)."""
        said = _AND_PLACE_RE.match(text)
        last = state.get("asked_before") or state.get("previous")
        if said is None or last is None or lookup(said["name"]) is not None:
            return None
        if request.pick is not None or request.when or request.near not in (None, HERE):
            return None
        asks = list(last.asks) if last.intent == "about" else (["visits"] if last.intent == "profile" else [])
        if not asks or self._named_outright(said["name"], state["user_id"]) is None:
            return None
        update = {"intent": "about", "asks": asks, "near": None, "location": None, "same_place": False}
        return request.model_copy(update=update)

    def _own_place_as_said(self, state: _State) -> Place | None:
        """One of the user's own places, named by the message as typed ("when was i at john dory", which the reading
        spells "john dry") or by what follows "to" or "at" ("when did i last go to the hot tub", whose words are
        read as an amenity): only a place they went to, so that no stray name is taken."""
        said = fold(_said(state)).casefold()
        tail = _TO_A_PLACE_RE.search(said)
        for words in (named_words(said), tail["name"] if tail else ""):
            place = self.service.named_place(words, state["user_id"]) if words else None
            if place is not None and self.service.visits_among(state["user_id"], [place.item_id], state["now"]).visits:
                return place
        return None

    def _here_guessed(self, state: _State) -> bool:
        """Whether where the user is was guessed (their last check-in, where they usually are at this hour): neither
        sent with the message nor said ("I'm at Bryant Park")."""
        return not state.get("here_given") and state.get("stated_here") is None

    def _named_outright(self, message: str, user_id: str) -> str | None:
        """The place a question names outright, before a kind's word or "there" would point at another: "how far is
        don juan bodega from here" (not the first deli shown), "what about niketown, when was i last there" (not the
        place before). Outright: one of the name and the words holds the other's every word, and the words hold a
        word of four letters or more that names no kind ("the deli" names no deli of its own)."""
        # "How far is it from the office?": the place measured from is no subject.
        words = named_words(_FROM_ON_RE.sub("", message))
        place = self.service.named_place(words, user_id) if words else None
        if place is None:
            return None
        asked, name = set(content_words(words).split()), set(content_words(place.name).split())
        # "Jazz Club 38": a number is a name's own word too.
        own = [
            word for word in asked if word not in CATEGORY_WORDS and (len(word) >= MIN_OUTRIGHT_WORD or word.isdigit())
        ]
        if not own:
            return None
        # One word alone names a place only when it is its whole name ("niketown"; "time" is no "Time Life").
        return place.item_id if name <= asked or (asked <= name and len(asked) >= 2) else None

    def _measured_again(self, request: ChatRequest, previous: ChatRequest | None, text: str) -> ChatRequest:
        """After a distance between two places (``previous``, the last question about a place), "and from the Empire
        State Building?" measures the same place from another one, and "and MoMA to Rockefeller Center?" two others;
        any other message as it is."""
        if previous is None or not previous.measured or previous.subject is None:
            return request
        if (origin := _AND_FROM_RE.match(text)) is not None:
            subject = self.service.place(previous.subject)
            if subject is None:
                return request
            ends = [subject.label, origin["origin"].strip()]
        elif (pair := _AND_PAIR_RE.match(text)) is not None:
            ends = [pair["subject"].strip(), pair["origin"].strip()]
        else:
            return request
        update = {"intent": "about", "asks": ["distance"], "measured": ends, "category": None, "near": None}
        return request.model_copy(update=update)

    def _measured_between(self, state: _State, request: ChatRequest) -> ChatRequest:
        """The request for the distance between two places: the one asked of (``subject``), measured from the other
        (``near``, ``location``); the words no place goes by in ``unplaced``. "Those two" are the last list's place
        talked about (else its first) and the first of the list before (else the last list's second)."""
        if request.measured == [BOTH_SHOWN]:
            lists = _lists((state.get("shown") or {}).values())
            latest = _focused_first(state, lists[-1]) if lists else []
            before = lists[-2][:1] if len(lists) >= 2 else latest[1:2]
            listed, second = _last_suggestions(state), state.get("listed_second_from") or 0
            if 1 < second <= len(listed):  # "dinner, then drinks": the first place for after it, from the first
                latest, before = [listed[second - 1]], [listed[0]]
            ends: list[Suggestion | Place | None] = [latest[0] if latest else None, before[0] if before else None]
            words = [BOTH_SHOWN, BOTH_SHOWN]
        elif request.measured[1] in MY_PLACES:
            # "How far is the Met from home?": from the user's home as "is it far from home?" is, or from the user
            # when no home is known (which the reply says).
            subject = self._place_of_words(state, request.measured[0])
            if subject is None:
                return request.model_copy(update={"unplaced": request.measured[0], "subject": None})
            own = self._own_place(state, request.model_copy(update={"near": request.measured[1]}))
            return (own or request).model_copy(update={"subject": subject.item_id})
        else:
            words = request.measured
            ends = [self._place_of_words(state, said) for said in words]
        unknown = [said for said, place in zip(words, ends, strict=True) if place is None]
        subject, origin = ends
        if unknown or subject is None or origin is None:
            return request.model_copy(update={"unplaced": unknown[0] if unknown else None, "subject": None})
        location = LatLon(origin.latitude, origin.longitude)
        return request.model_copy(update={"subject": subject.item_id, "near": origin.label, "location": location})

    def _halfway(
        self, state: _State, request: ChatRequest, ends: tuple[str, str], on_the_way: bool = False
    ) -> ChatRequest:
        """The request around the midpoint of two places ("halfway between Harlem and Astoria", "between work and
        home", "between here and Penn Station"): each the user ("here"), an area, the user's own office or home, or a
        place of the conversation or the catalogue; as it was when either names nothing known. ``on_the_way``: from
        the user to the second ("coffee on the way to Penn Station"), said so."""
        points: list[tuple[str, LatLon]] = []
        for words in ends:
            mine = _OWN_END.get(words.casefold())
            if words == HERE_END:
                points.append((fixed_text("here_end", request.language), LatLon(*state["here"])))
            elif mine is not None:
                own = self._own_place(state, request.model_copy(update={"near": mine}))
                if own is None or own.location is None:
                    return request
                points.append((own.near or words, own.location))
            elif (area := lookup(words)) is not None:
                points.append((area.name, LatLon(area.latitude, area.longitude)))
            elif (place := self._place_of_words(state, words)) is not None:
                points.append((place.label, LatLon(place.latitude, place.longitude)))
            else:
                return request
        (first, one), (second, other) = points
        middle = LatLon((one.latitude + other.latitude) / 2, (one.longitude + other.longitude) / 2)
        key = "on_the_way_to" if on_the_way else "halfway_between"
        near = fixed_text(key, request.language).format(first=first, second=second)
        # "And halfway between Harlem and the UWS?" after dinner ideas: dinner there.
        asks_anew = request.category or request.keyword or state.get("previous") is None
        intent = "refine" if request.intent == "refine" or not asks_anew else "recommend"
        return request.model_copy(update={"near": near, "location": middle, "intent": intent})

    def _place_of_words(self, state: _State, words: str) -> Suggestion | Place | None:
        """The place some words name in the conversation or the catalogue: a shown place they point at ("the first
        one", "it"), the latest shown place of the kind they name ("the restaurant"), a shown place by its name, else
        the catalogue's place of that name ("the Met", "Penn Station")."""
        if (pointed := self._pointed_at(state, words)) is not None:
            return pointed
        if (of_kind := self._shown_of_kind(state, words)) is not None:
            return of_kind
        if (named := _shown_named(state, words)) is not None:
            return named
        return self.service.named_place(words, state["user_id"])

    def _shown_of_kind(self, state: _State, words: str) -> Suggestion | None:
        """The latest shown place of the kind some words name ("the restaurant", "that bar"), else None."""
        kind = _SHOWN_KIND_RE.match(words)
        if kind is None or (category := _category_of(kind["kind"])) is None:
            return None
        kinds = self._of_kind(category)
        shown = list((state.get("shown") or {}).values())
        # The last list in its order (its first stands for it), then each list before it in its own order.
        lists = _lists(shown)
        ordered = [item for listed in reversed(lists) for item in listed]
        return next((item for item in ordered if item.item_id in kinds), None)

    def _named_compared(self, state: _State, request: ChatRequest) -> tuple[list[str], list[str]]:
        """The item ids of the places a comparison names ("Katz's or Joe's Pizza?"), a shown place by its name, else
        the catalogue's, and the names no place goes by."""
        shown = {item.label.casefold(): item.item_id for item in (state.get("shown") or {}).values()}
        found: list[str] = []
        unknown: list[str] = []
        for name in request.compare_names:
            place = self.service.named_place(name, state["user_id"]) if name.casefold() not in shown else None
            item_id = shown.get(name.casefold()) or (place.item_id if place is not None else None)
            if item_id is None:
                unknown.append(name)
            elif item_id not in found:
                found.append(item_id)
        return found, unknown

    def _at_shown(self, request: ChatRequest, shown: Mapping[str, Suggestion]) -> ChatRequest | None:
        """The request measured from the first place of the kind its place words name ("how far is that from the
        restaurant?" after dinner and drinks) in the latest list that has one (lists in rank order: the first is the
        one a list stands for, and the one a next stop is searched near); None when they name no kind, or no shown
        place is of it."""
        match = _SHOWN_KIND_RE.match(request.near.strip()) if request.near else None
        if match is None:
            return None
        words = match["kind"].casefold()
        kinds = self._of_kind(CATEGORY_WORDS.get(words, words))  # "the restaurant", "the coffee shop"
        if not kinds and (last := words.split()[-1]) in CATEGORY_WORDS:
            kinds = self._of_kind(CATEGORY_WORDS[last])  # "the greek restaurant": the restaurant shown
        # "A bar near the second restaurant", "dessert near the first bar": that one of the kind, in the latest list
        # that has as many, and of that kind more than one (a list of bars, not a tapas place that is a bar too, in
        # the food list after it).
        said = match["rank"] or match["said"]
        rank = None if said is None else ORDINALS.get(said.casefold())
        lists = [[item for item in listed if item.item_id in kinds] for listed in reversed(_lists(shown.values()))]
        at_least = 1 if said is None else max(2, rank or 1)
        of_kind = next((found for found in lists if len(found) >= at_least), None)
        of_kind = of_kind or next((found for found in lists if len(found) >= (rank or 1)), None)
        if not of_kind:
            return None
        item = of_kind[-1] if said and said.casefold() == "last" else of_kind[(rank or 1) - 1]
        location = LatLon(item.latitude, item.longitude)
        return request.model_copy(update={"near": item.label, "location": location, "pick": None})

    def _compared_lead(self, suggestions: Sequence[Suggestion], request: ChatRequest, message: str) -> str:
        """The answer to "which is closer, 1 or 3?" or "which is busier?" among the ranks compared, from the list's
        distances or everyone's check-ins (``Service.checkins_at``); "" when the message asks neither."""
        picked = [(rank, suggestions[rank - 1]) for rank in request.compare if rank <= len(suggestions)]
        if len(picked) < 2 or not (request.nearest or request.busiest):
            return ""
        transit = _STOP_COMPARED_RE.search(message) if request.nearest else None
        if transit is not None:
            return self._closest_to_a_stop(picked, transit["mode"].lower(), request.language)
        if request.nearest:
            value = {rank: f"{item.distance_km:.1f} km" for rank, item in picked}
            order = sorted(picked, key=lambda pair: pair[1].distance_km)
            lead, other = "closest_of", "closest_other"
        else:
            counts = {rank: self.service.checkins_at(item.item_id) for rank, item in picked}
            few = fixed_text("too_few_to_count", request.language)
            value = {rank: str(count) if count else few for rank, count in counts.items()}
            order = sorted(picked, key=lambda pair: -counts[pair[0]])
            lead, other = "busiest_of", "busiest_other"
        return _ordered_lead(lead, other, order, value, request.language)

    def _closest_to_a_stop(self, picked: Sequence[tuple[int, Suggestion]], mode: str, language: str) -> str:
        """The answer to "is the first or the second closer to the subway?": each compared place's nearest stop of
        that mode and how far it is, the nearest first; a place with none within ``STOP_KNOWN_WITHIN_KM`` last."""
        stops = {rank: self.service.nearest_stop(item.item_id, TRANSIT_KINDS[mode]) for rank, item in picked}
        known = {rank: found for rank, found in stops.items() if found is not None and found[1] <= STOP_KNOWN_WITHIN_KM}
        if not known:
            return fixed_text("no_stop_near_any", language).format(mode=mode, km=STOP_KNOWN_WITHIN_KM)
        far = fixed_text("no_stop_within", language).format(mode=mode, km=STOP_KNOWN_WITHIN_KM)
        value = {
            rank: fixed_text("stop_km", language).format(km=f"{known[rank][1]:.1f}", stop=known[rank][0].label)
            if rank in known
            else far
            for rank, _ in picked
        }
        order = sorted(picked, key=lambda pair: known[pair[0]][1] if pair[0] in known else math.inf)
        return _ordered_lead("closest_stop_of", "closest_other", order, value, language, mode=mode)

    def _left_out(self, kind: str, exclusions: Sequence[str], share: float = LEFT_OUT_SHARE) -> bool:
        """Whether the exclusions leave out ``share`` of the places of a kind, by default nearly every one ("if it
        rains" leaves out the Outdoors, and so parks): the kind asked before then gives way rather than leave
        nothing."""
        if not exclusions:
            return False
        places = self._of_kind(kind)
        if not places:
            return False
        left = set().union(*(self._of_kind(exclusion) for exclusion in exclusions))
        return len(places & left) >= share * len(places)

    def _narrower_stays(
        self, request: ChatRequest, previous: ChatRequest | None, asked_near: str | None
    ) -> ChatRequest:
        """ "Vegetarian please" after lunch near Columbia: a kind all of whose places are of the last ask's kind narrows
        that ask, where and when it was, rather than asking anew around the user; so does the same kind again ("she
        doesn't like spicy food" after lunch on the Upper West Side tomorrow)."""
        if (
            previous is None
            or previous.intent not in ("recommend", "refine")
            or previous.category is None
            or request.category is None
            or request.intent != "recommend"
            or asked_near is not None
            or request.when is not None
        ):
            return request
        if request.category == previous.category:
            # Asked again, where and when the last ask was: the same places may well come, none is turned down.
            in_an_area = previous.near in (None, HERE) or lookup(previous.near) is not None
            if previous.around is None and in_an_area:
                kept = ("near", "location", "around", "when", "at")
                return request.model_copy(update={name: getattr(previous, name) for name in kept})
            return request
        if previous.near is None:
            return request
        narrower = self._of_kind(str(request.category))
        if not narrower or not narrower <= self._of_kind(previous.category):
            return request
        return _refined(previous, request.model_copy(update={"intent": "refine"}))

    def _of_kind(self, kind: str) -> set[str]:
        """Item ids of the catalogue's places of a kind: checkpointed suggestions keep no category path."""
        items = self.service.items
        return set(items.loc[of_kind_column(items, kind), "item_id"])

    def _look_alikes(self, state: _State, request: ChatRequest) -> list[str]:
        """The places a request asks for more of: a catalogue place it names ("something like Joe's Pizza"), or of the
        shown ones the one it picks ("more like the second one"), the one last talked about ("something like that"
        after a question about it), else the whole last list ("like those")."""
        if request.like_name and MY_FAVOURITE_RE.match(request.like_name):  # "like my favourite bar"
            kind = request.category
            favourites = self.service.habits(state["user_id"], state["now"], LatLon(*state["here"]), kind=kind, top=1)
            return [favourites.places[0].item_id] if favourites.places else []
        message = read(_said(state)).text
        local_now = state["now"].astimezone(ZoneInfo(self.timezone))
        if visited_then(message) and (span := past_span(message, local_now)) is not None:
            # "Somewhere like the one I went to yesterday": the latest visit then (of the kind the words name).
            kind = request.category if request.like_name else None
            last = self.service.last_place(state["user_id"], span.since, span.until, kind)
            return [last] if last is not None else []
        if request.like_name and past_day_seed(request.like_name):
            # "Something like last Saturday" at 10 pm: that day's place at about this time (of the kind asked).
            span = past_span(request.like_name, local_now)
            if span is None:
                return []
            until, user = span.until or state["now"], state["user_id"]
            seed = self.service.visit_nearest_hour(user, span.since, until, state["now"], request.category)
            return [seed] if seed is not None else []
        if request.like_name and the_last_visited(f"the {request.like_name}"):  # "like the last place I went"
            last = self.service.last_place(state["user_id"])
            return [last] if last is not None else []
        if request.like_name:
            place = self.service.named_place(request.like_name, state["user_id"])
            return [place.item_id] if place is not None else []
        if not request.alike:
            return []
        suggestions = _last_suggestions(state)
        if request.pick is not None:
            return [suggestions[request.pick - 1].item_id] if request.pick <= len(suggestions) else []
        if focus := state.get("focus"):
            return [focus]
        return [item.item_id for item in suggestions]

    def _rewrite_fits(self, state: _State) -> bool:
        """Whether writing the reply again (about as long as the first attempt) still ends within the turn's budget;
        on a slow CPU it does not, and code replaces the failing sentences at once instead."""
        elapsed = time.monotonic() - state.get("started", time.monotonic())
        return elapsed + state.get("written_s", 0.0) <= self.service.settings.assistant.turn_budget_s

    def _allowed(self, state: _State) -> dict[str, str]:
        return allowed_names(state.get("suggestions") or [], state.get("explanation"), self.catalogue_names)

    def _check(
        self,
        user_id: object,
        message: object,
        at: datetime | None,
        where: tuple[float, float] | None,
        conversation_id: object,
    ) -> tuple[datetime, LatLon]:
        if not isinstance(user_id, str) or not user_id.strip():
            raise ChatError("user_id must be a non-empty string")
        if not isinstance(conversation_id, str) or not conversation_id.strip() or THREAD_SEPARATOR in conversation_id:
            raise ChatError("conversation_id must be a non-empty string")
        if not isinstance(message, str) or not message.strip():
            raise ChatError("message must be a non-empty string")
        if len(message) > MAX_MESSAGE_CHARS:
            raise ChatError(f"message is {len(message):,} characters; the limit is {MAX_MESSAGE_CHARS:,}")
        if at is None:
            at = datetime.now(UTC)
        if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
            raise ChatError("at must be a time zone-aware datetime")
        if where is None:
            return at, self.service.default_place(user_id, at)
        try:
            latitude, longitude = (float(value) for value in where)
        except (TypeError, ValueError):
            raise ChatError(f"where must be a (latitude, longitude) pair, got {where!r}") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ChatError(f"where {where!r} is not a valid (latitude, longitude)")
        return at, LatLon(latitude, longitude)

    def _lock(self, thread: str) -> AbstractContextManager[None]:
        # One turn at a time per conversation: a second message waits for the first reply.
        return self.conversations.turn(thread)


def allowed_names(
    suggestions: Sequence[Suggestion], explanation: Explanation | None, catalogue: NameIndex
) -> dict[str, str]:
    """Places a reply may name: the turn's results, and the catalogue places their evidence mentions."""
    allowed = {item.item_id: item.name for item in suggestions if item.name}
    lines = [line for item in suggestions for line in item.evidence]
    if explanation is not None:
        allowed.setdefault(explanation.item_id, explanation.name)
        lines += explanation.evidence
    for found in find_named_venues("\n".join(lines), catalogue):
        allowed.setdefault(f"{EVIDENCE_KEY}{found.name}", found.name)
    return allowed


def place_kinds(items: pd.DataFrame) -> frozenset[str]:
    """Every category name of the catalogue, leaf and path levels ("Coffee Shop", "Dining and Drinking")."""
    kinds = set(items["category"].dropna().astype(str))
    if "category_path" in items:
        for path in items["category_path"].dropna().astype(str).unique():
            kinds.update(part.strip() for part in path.split(CATEGORY_SEPARATOR))
    return frozenset(kind for kind in kinds if kind)


# "Which one has been around longest?": asked of each place of the list, to pick one.
_WHICH_ONE_RE = re.compile(r"^\W*(?:(?:ok|so|and),? )?which (?:one|place|of them)\b", re.IGNORECASE)


def _of_every_one(message: str) -> bool:
    """Whether a question is asked of every place of the last list ("do any of them take reservations?", "which
    one has been around longest?")."""
    return about_all(message) or _WHICH_ONE_RE.match(read(message).text) is not None


def _same_for_all(asks: Sequence[str]) -> bool:
    """Whether what a question about every place of the list asks is answered for all at once: which the user knows
    ("which of those have I been to?"), or what no data holds ("do any of them take reservations?")."""
    return "visits" in asks or (bool(asks) and all(topic in UNKNOWN_TOPICS for topic in asks))


def _in_english_instead(reply: str, language: str) -> bool:
    """Whether a reply to a Spanish or French request was written in English."""
    if language == "en" or len(_WORD_RE.findall(reply)) < ENGLISH_AT_LEAST_WORDS:
        return False
    return detect_language(reply, fold(reply)) == "en"


def _asks_too(message: str, statements: Sequence[StatedPreference] = ()) -> bool:
    """Whether a message that states where the user now lives, a kind they are done with, that they want no chains,
    or no place of a name, also asks for places ("I just moved to Bushwick, what's good around?", "I don't drink,
    somewhere fun tonight in the East Village", "lunch near the office, and btw i hate chain places", "no more
    starbucks please. coffee near the office"): both are answered."""
    # The whole message's statement, else its clauses' ("no more starbucks please. coffee near the office"), each
    # of a kind said beside an ask.
    whole = read_preference(message)
    stated = whole or (statements[0] if statements else None)
    kinds = {one.kind for one in ([whole] if whole is not None else statements)}
    beside_ask = {"home_area", "mute_category", "avoid_area", "time_limited", "boost_category", *_STATED_BESIDE_ASK}
    if stated is None or not kinds <= beside_ask:
        return False
    if stated.kind == "boost_category":
        # "I love jazz, where should I go tonight?": the taste stored, the ask answered; "I love bars, sushi too"
        # states two tastes and asks for nothing.
        return any(_asks_places(clause) for clause in _CLAUSE_BREAK_RE.split(message)[1:])
    if stated.kind == "home_area":
        asked = parse_rules(message)
        # "Can you remember that I live in Park Slope?" asks a question of the assistant, not for places.
        question = "?" in message and not _REMEMBER_RE.match(message)
        # "I just moved to Astoria, my roommate says there's good greek food, anything like that?": Greek food.
        kind = asked.intent == "refine" and asked.category is not None
        return (asked.intent == "recommend" and (question or asked.category is not None)) or kind
    if stated.kind in _STATED_BESIDE_ASK:
        # "No chains" or "no more Starbucks" before or after the ask, in a clause of its own: "I hate chain places"
        # alone is no ask, nor is "hide the first one" (a place of the list, not a name).
        named = stated.kind != "hide_place" or not _POINTS_AT_LIST_RE.search(stated.words)
        return named and any(_asks_places(clause) for clause in _clauses_stating_nothing(message))
    # A kind or an area given up asks for places in a clause of its own ("no more gyms, anything fun in Tribeca?",
    # "I hate Midtown, bars in the Village?"); "je ne bois plus de café" names only what it gives up.
    parts = _CLAUSE_BREAK_RE.split(message, maxsplit=1)
    if len(parts) < 2 or not parts[1].strip():
        return False
    asked = parse_rules(parts[1])
    places = asked.category or asked.near or asked.when
    return asked.intent in ("recommend", "refine") and (places is not None or "?" in parts[1])


def _joined(message: str, listed: Turn, answered: Turn) -> Turn:
    """One turn of a message that asked for places and then about a place: the list's turn, with the answer to the
    question after its reply, and what the answer drew on (the place's details, the tool calls)."""
    timings = {**listed.timings, "total_s": round(listed.timings["total_s"] + answered.timings["total_s"], 3)}
    return listed.model_copy(
        update={
            "message": message,
            "text": "\n\n".join(text for text in (listed.text, answered.text) if text),
            "reply": "\n\n".join(text for text in (listed.reply, answered.reply) if text),
            "details": answered.details,
            "explanation": listed.explanation or answered.explanation,
            "trace": [*listed.trace, *answered.trace],
            "timings": timings,
        }
    )


# Where a question about a place begins after an ask in the same message: a clause break, maybe "and", "also",
# then a question's first words ("coffee near the office, and is Stumptown busy?", "a bar near the office, and how
# far is the strand from there?", "un bar près de union square, et est-ce que le premier est loin du métro ?",
# "unas copas en el village, ¿y el primero está abierto?").
_QUESTION_AFTER_ASK_RE = re.compile(
    r"(?:\s*[,;.!?]+\s+|\s+[-–—]+\s+|\s+(?=(?:and|also|plus|y|et)\s))"
    r"(?:¿?\s*(?:and|also|plus|oh|btw|but|y|et|aussi|tambi[eé]n|pero|mais)\W+)*"
    # "How about something cheap?", "what about the village?": another ask, no question about a place.
    r"(?!(?:how|what) about\b)"
    r"(?=¿?\s*(?:is|are|does|do|has|have|how|what|what's|whats|when|which|can|will|would|could|where"
    r"|est-ce|est-il|est-elle|c'est|combien|quand|à quelle heure|a quelle heure"
    r"|est[aá]|es|son|cu[aá]nto|qu[eé] tan|a qu[eé] hora|d[oó]nde|tiene|hay"
    r"|(?:the|el|la|le) (?:first|second|third|fourth|fifth|last|primer[oa]?|segund[oa]|tercer[oa]?|[uú]ltim[oa]"
    r"|premi[eè]re?|deuxi[eè]me|second|troisi[eè]me|derni[eè]re?)|it|il|elle)\b)",
    re.IGNORECASE,
)


def _ask_then_question(message: str) -> tuple[str, str] | None:
    """The ask and the question of a message that asks for places, then asks about one of them or a place it names
    ("dinner at 9 tonight, italian, and how far is it from penn station?" → "dinner at 9 tonight, italian", "how
    far is it from penn station?"); None when the message is not one: the part after the break must ask about a place
    and ask for none ("coffee near union square, what about the village?" is one ask), the part before must ask for
    places and state nothing ("I hate Starbucks, is the first one a chain?" is no ask)."""
    for found in _QUESTION_AFTER_ASK_RE.finditer(message):
        ask, question = message[: found.start()].strip(), message[found.end() :].strip()
        if not ask or not question:
            continue
        asked, about = parse_rules(ask), parse_rules(question)
        # "Est-ce que le premier est loin du métro ?": a place of the list, and a question, with no ask read.
        of_the_list = about.intent is None and about.pick is not None and question.rstrip().endswith("?")
        if about.intent != "about" and not of_the_list:
            continue
        # "Good for a date and how late are they open?", "coffee, is it too late for that?": no place or time said,
        # the words may well be of the list shown before; "tacos — i mean, the second one": a correction.
        if (asked.near is None and asked.when is None) or _CORRECTED_RE.search(ask):
            return None
        if asked.intent in ("recommend", "refine") and (asked.category or asked.keyword or asked.then):
            return (ask, question) if not read_preferences(ask) else None
    return None


# The words that take back what came just before them ("tacos — i mean, the second one").
_CORRECTED_RE = re.compile(
    r"\b(?:i mean|i meant|sorry|actually|scratch that|no wait|wait|rather|o sea|quiero decir|je veux dire)\W*$",
    re.IGNORECASE,
)


# Statements said beside an ask for places, before or after it, in a clause of their own.
_STATED_BESIDE_ASK = ("no_chains", "new_places_only", "hide_place")
# The words of a hidden "place" that point at the list shown, not at a name ("hide the first one", "any of those",
# "I've been to enough bars in that area").
_POINTS_AT_LIST_RE = re.compile(
    rf"^(?:the |that |this )?(?:{'|'.join([*ORDINALS, 'last'])}|[1-9]|it|that|this)(?: one| place| spot)?$"
    r"|\b(?:these|those|them|they|that area|this area|that neighbou?rhood|there|here)\b",
    re.IGNORECASE,
)
# A message that turns down the whole list shown ("not those, what about the West Village?", "none of these, sushi
# instead"), in English, Spanish and French.
_ALL_TURNED_DOWN_RE = re.compile(
    r"^\W*(?:(?:no|nah|nope|meh|hmm|ugh|non|bof)\W+)?(?:not|none of|neither of|ni|ninguno de|aucun de|pas)\s+"
    r"(?:any of\s+)?(?:those|these|them|esos|esas|estos|estas|ceux-l[aà]|celles-l[aà]|ceux-ci|celles-ci)\b",
    re.IGNORECASE,
)


def _clauses_stating_nothing(message: str) -> list[str]:
    """The clauses of a message that state no preference ("no more starbucks please. coffee near the office" →
    ["coffee near the office"])."""
    clauses = [clause.strip() for clause in _CLAUSE_BREAK_RE.split(message) if clause and clause.strip()]
    return [clause for clause in clauses if read_preference(clause) is None]


def _asks_places(clause: str) -> bool:
    """Whether a clause asks for places: a kind, an area or a time said, or a question ("coffee near the office",
    "anything around?"); "not those" or "thanks" asks for none."""
    asked = parse_rules(clause)
    # "The coffee is bad" names a kind and asks for none: a kind alone asks when the clause reads as an ask.
    said = asked.near or asked.when or "?" in clause or (asked.category and _ASK_START_RE.match(clause))
    return asked.intent in ("recommend", "refine") and bool(said)


# How an ask for places that names only a kind begins ("a pizza place please", "need coffee", "any good sushi").
_ASK_START_RE = re.compile(
    r"^\W*(?:(?:and|so|btw|also|then|now|ok|okay)\W+)*(?:any|some|a|an|find|show|get|give|need|want|looking"
    r"|recommend|suggest|where)\b",
    re.IGNORECASE,
)


# "Can you remember that …", "please note …": a statement put as a question to the assistant.
_REMEMBER_RE = re.compile(
    r"^\W*(?:(?:can|could|will|would) you (?:please )?|please )?(?:remember|note|keep in mind|save|store|know)\b",
    re.IGNORECASE,
)
# Where one clause of a message ends and the next begins ("I don't drink, somewhere fun tonight?").
_CLAUSE_BREAK_RE = re.compile(r"\s*[,;:.!]\s+|\s+(?:but|so|and)\s+", re.IGNORECASE)


def _kind_as_name(reply: str, kinds: Sequence[str]) -> bool:
    """Whether a reply writes a kind of the places as a place's name ("the best place is Bar, 2.7 km away"): with no
    article before it and no noun after it."""
    return any(
        re.search(rf"\b(?:is|at|try|visit|to)\s+{re.escape(kind)}\b(?!\s+[a-z])", reply) for kind in set(kinds) if kind
    )


def _next_leg(state: _State, request: ChatRequest) -> ChatRequest | None:
    """A day's next stop, asked after its first two were planned ("and the dinner?" after brunch then a museum):
    the request near the second stop's first place; None for any other message."""
    second = state.get("listed_second_from") or 0
    listed = _last_suggestions(state)
    if (
        request.intent not in ("recommend", "refine")
        or request.category not in (state.get("later_stops") or [])
        or request.near not in (None, HERE)
        or not 0 < second <= len(listed)
    ):
        return None
    stop = listed[second - 1]
    location = LatLon(stop.latitude, stop.longitude)
    return request.model_copy(
        update={"intent": "recommend", "near": stop.label, "location": location, "around": stop.item_id}
    )


# "And the drinks part?", "what about the bar bit": one stop of a plan just made.
_PART_RE = re.compile(r"\b(?:part|bit|stop|leg)\s*\??\s*$", re.IGNORECASE)


def _planned_part(
    state: _State, previous: ChatRequest | None, request: ChatRequest, message: str
) -> ChatRequest | None:
    """The second stop of the plan just made, asked for by its kind ("and the drinks part?" after dinner then
    drinks): the request near the first stop's first place, as the plan had it; None for any other message. A stop
    swapped for another ("swap the bar for a wine bar") is the whole plan again, with that stop changed
    (``_stop_swapped``)."""
    listed = _last_suggestions(state)
    if previous is None or not previous.then or not listed or not request.category:
        return None
    if request.category != previous.then or _PART_RE.search(message) is None:
        return None
    first = listed[0]
    location = LatLon(first.latitude, first.longitude)
    update = {"intent": "recommend", "near": first.label, "location": location, "around": first.item_id}
    return request.model_copy(update=update)


def _second_stop_due(state: _State) -> bool:
    """Whether the turn asked for a second stop whose places are still to be found (after the first stop's)."""
    request = state.get("request")
    return (
        request is not None
        and request.then is not None
        and request.intent in ("recommend", "refine")
        and bool(state.get("suggestions"))
        and not state.get("second_asked")
    )


def _after(first: Suggestion, places: Sequence[Suggestion], ranked: int) -> list[Suggestion]:
    """A second stop's places, numbered on from ``ranked``, each first citing how far it is from ``first`` (unless
    its evidence already says so: the recommender's "0.2 km from X, a place you know")."""
    after = []
    for number, place in enumerate(places, 1):
        apart = haversine_km(first.latitude, first.longitude, place.latitude, place.longitude)
        said = any(f" km from {first.label}," in line or f"next to {first.label}," in line for line in place.evidence)
        line = f"{apart:.1f} km from {first.label}, for after it"
        evidence = place.evidence if said else [line, *place.evidence]
        after.append(place.model_copy(update={"rank": ranked + number, "evidence": evidence}))
    return after


# The place a question about when the user goes names: "when am I usually at Eataly?", "what days do I go to Crumbs?".
_RHYTHM_PLACE_RE = re.compile(r"\b(?:at|to|visit)\s+(?P<name>[^?!.,]+)", re.IGNORECASE)


def _without_kinds(habits: Habits, muted: frozenset[str]) -> Habits:
    """A summary of the user's habits that leaves out the kinds they muted, and places of them ("don't bring up my
    church visits"); one about a kind asked for by name ("my favourite church?") is said whole."""
    if not muted or habits.kind is not None:
        return habits
    return habits.model_copy(
        update={
            "kinds": [kind for kind in habits.kinds if kind.kind not in muted],
            "places": [place for place in habits.places if place.category not in muted],
        }
    )


# How "on the way from … to …" opens in each language, to tell a request searched on the way.
_WAY_OPENING = {language: fixed_text("on_the_way_to", language).split("{")[0] for language in ("en", "es", "fr")}
# The ends of "between work and home" that are the user's own places.
_OWN_END = {"work": "my office", "office": "my office", "home": "my home", "school": "my school"}


def _said(state: _State) -> str:
    """The user's message of this turn."""
    return state["messages"][-1 - _tail_length(state)].text


def _common_name(names: Sequence[str]) -> str:
    """The words several places' names begin with ("Equinox" of "Equinox Flatiron" and "Equinox Park Avenue")."""
    common = takewhile(lambda words: len(set(words)) == 1, zip(*(name.split() for name in names), strict=False))
    return " ".join(words[0] for words in common).rstrip(" -") or names[0]


def _stated_place(steer: Steering, mine: str) -> ActivePreference | None:
    """The home or work area the user stated, for "my home" or "my office"; None for another place or none stated."""
    return {"my home": steer.home, "my office": steer.work}.get(mine)


def _shown_named(state: _State, words: str) -> Suggestion | None:
    """The latest shown place going by the words as its name ("Grey Dog": The Grey Dog shown), else the latest whose
    name begins with them ("Crunch": Crunch Fitness - 34th Street shown), else None."""
    wanted = words.casefold().removeprefix("the ").strip()
    shown = [(item, item.label.casefold().removeprefix("the ")) for item in (state.get("shown") or {}).values()]
    named = [item for item, label in shown if label == wanted]
    if not named and len(wanted) >= 4:
        named = [item for item, label in shown if re.match(rf"{re.escape(wanted)}\b", label)]
    return named[-1] if named else None


def _focused(state: _State) -> bool:
    """Whether the place the conversation is about is one of the last list's."""
    return any(item.item_id == state.get("focus") for item in _last_suggestions(state))


def _pending_calls(state: _State) -> bool:
    last = state["messages"][-1]
    return isinstance(last, AIMessage) and bool(last.tool_calls)


def _rewrite(state: _State) -> bool:
    return bool(state.get("rewrite"))


def _said_before(state: _State, turns: int) -> list[str]:
    """The user's messages of up to ``turns`` turns before this one, the latest first."""
    said = [message.text for message in state["messages"] if isinstance(message, HumanMessage)]
    return said[-2 : -2 - turns : -1]


def _tail_length(state: _State) -> int:
    """How many messages follow the user's message in this turn (tool calls and results)."""
    messages = state["messages"]
    for offset, message in enumerate(reversed(messages)):
        if isinstance(message, HumanMessage):
            return offset
    return 0


def _with_shown(shown: dict[str, Suggestion], listed: Sequence[Suggestion]) -> dict[str, Suggestion]:
    """The conversation's shown places after a new list: a place shown again moves to the end with the new list, so
    the last list is the tail in its own order (updated in place, "the second one" would count in an older list)."""
    fresh = {item.item_id: item for item in listed}
    return {**{key: item for key, item in shown.items() if key not in fresh}, **fresh}


def _list_point(previous: ChatRequest | None, here: LatLon) -> LatLon:
    """Where the last list was searched around ("which is closest to the L?" measures there), else here."""
    return previous.location if previous is not None and previous.location is not None else here


# "Starbucks near me", "is there a Trader Joe's in Queens?", "any IKEA?": a name asked for, then where.
_STORE_ASKED_RE = re.compile(
    r"^\W*(?:(?:is there|are there|any|a|an|the|some|find(?: me)?|where(?:'s| is)(?: the| a)?|nearest|closest"
    r"|i need|i want|looking for|take me to)\s+)*(?P<name>[\w'&. -]+?)"
    r"(?:\s+(?:near|in|around|by|at|close to|nearby|closest|nearest|open|tonight|today|now)\b.*)?\W*$",
    re.IGNORECASE,
)
MAX_STORE_WORDS = 4
# "Shake Shack Madison Square Park", "the astor place starbucks?": a message of names alone, no word linking them.
_SIDE_BY_SIDE_RE = re.compile(
    r"^\W*(?:(?:any|a|an|the|some|nearest|closest)\s+)?(?P<words>(?!.*\b(?:near|in|around|by|at|on|to|from|close"
    r"|for|with|and|or|not|is|are|what|where|how|when|which|who|why|do|does)\b)[\w'&.-]+(?:\s+[\w'&.-]+)+?)\W*$",
    re.IGNORECASE,
)
MAX_SIDE_BY_SIDE_WORDS = 6
# A hello or a question about the assistant, answered with the greeting that says what it does, whenever it comes.
_HELLO_OR_HELP_RE = re.compile(
    r"^\W*(?:hi|hello|hey|yo|hola|bonjour|salut|good (?:morning|afternoon|evening))\b|\bhelp\b|\bwhat can you do\b"
    r"|\bwho are you\b|\bhow does (?:this|it) work\b|\bwhat do you do\b"
    r"|\bare you (?:an? )?(?:ai|bot|robot|human|real)\b",
    re.IGNORECASE,
)
# "The club one?", "and the movie one, how far?": the place of that kind in the last list.
_THE_KIND_ONE_RE = re.compile(
    r"^\W*(?:(?:and|ok|okay|so|what about|how about|hmm+)\W+)*the [\w' -]+? (?:one|place|spot)\b(?P<rest>.*)$",
    re.IGNORECASE,
)
# "Starbuks", "mcdonalds?", "shake shak": a chain's name alone, asked for (at least one word of four letters).
_BARE_NAME_RE = re.compile(r"^\W*(?=[\w'&. -]*\w{4})[\w'&.-]+(?:\s+[\w'&.-]+){0,2}\W*$")
_NAME_ASKED_RE = re.compile(
    r"^\W*(?:is there|are there|any|find(?: me)?|where(?:'s| is) (?:the |a )?(?:nearest|closest)|nearest|closest)\b",
    re.IGNORECASE,
)


# "Go back to the first list", "the previous suggestions again": a list shown before the last one.
_BACK_TO_LIST_RE = re.compile(
    r"\b(?:(?:go|going|get|come|take me) )?back to (?:the |that |your )?(?P<back>first|1st|previous|earlier|original"
    r"|other|old|last)(?: (?:list|ones|suggestions|options|results|search|batch|set|places))\b"
    r"|\b(?:the |that )(?P<again>first|1st|previous|earlier|original|old) (?:list|suggestions|options|results|batch"
    r"|set)(?: again| please|\W*$)",
    re.IGNORECASE,
)
LISTS_KEPT = 6


def _list_asked_back(asked_lists: Sequence[ChatRequest], text: str) -> ChatRequest | None:
    """The request of the list a message goes back to: the first of the conversation, or the one before the last;
    None for any other message, or with no such list."""
    back = _BACK_TO_LIST_RE.search(text)
    if back is None or len(asked_lists) < 2:
        return None
    which = (back["back"] or back["again"]).lower()
    return asked_lists[0] if which in ("first", "1st", "original") else asked_lists[-2]


# "Undo that", "never mind the last thing", "actually no, go back", "olvida lo último", "annule ça": the list before
# the last one shown again as it was (the last request was a search, not a stated preference).
_FILLERS = r"^\W*(?:(?:hmm+|ok(?:ay)?|no|nah|nope|wait|actually|sorry|oops|um+|oh|so|but|please|pls)\b\W*)*"
_UNDO_SEARCH_RE = re.compile(
    _FILLERS + r"(?:(?:let'?s |can we |can you |please )?(?:go|get|come|take me|take us|bring me|bring us|jump) back"
    r"(?: (?:one|a) step| a bit)?|undo(?: that| it| the last (?:thing|one|step|change|search))?"
    r"|never ?mind (?:that|the last (?:thing|one|step|change|search|bit)|the [\w' ]+? (?:thing|bit|idea|part))"
    r"|scratch that|forget the last (?:thing|one|step)|forget lo ultimo|olvida lo ultimo|deshaz(?: eso|lo)?"
    r"|(?:vuelve|volvamos|regresa|regresemos) atras|undo ca|annule(?: ca)?|(?:reviens|revenons|retourne) en arriere)"
    r"\W*$",
    re.IGNORECASE,
)
_UNDO_WORD_RE = re.compile(r"\b(?:undo|deshaz\w*|annule)\b", re.IGNORECASE)
# "Recap", "what's the plan so far?", "ok so plan: gym then lunch. names?", "ok thanks, recap pls", "remind me the
# names", "summary please", "what did we settle on?", "¿cuál es el plan?", "recuérdame los nombres", "rappelle-moi les
# noms", "c'est quoi le plan ?": a recap of the conversation (read on the message with its accents folded).
_RECAP_RE = re.compile(
    _FILLERS + r"(?:(?:and|alright|cool|great|thanks|thank you|perfect|nice|right|gracias|merci|bueno|bon|vale)\W+)*"
    # "ok so the bar then the bbq place, remind me both", "cool, so lunch, bridge, coffee — names?"
    r"(?P<before>(?:[^.?!;—]*?\b(?:plan|then|luego|despues|puis|ensuite)\b|so\b)[^.?!;—]*?[.:;,!?—-]+\s*)?"
    r"(?:(?:can|could) you |(?:please|pls) |ok |so )?"
    r"(?:(?:recap|remind me of|repeat|go over|summari[sz]e|sum up)(?: me)?(?: (?:the|my|our) plan| it(?: all)? up"
    r"| it(?: all)?| everything| all of (?:it|them))?|sum (?:it|everything)(?: all)? up"
    r"|what(?:'s| is| was|s) (?:the|my|our) plan"
    r"|(?:give me |can i (?:get|have) )?(?:an? |the )?(?:quick |short )?(?:recap|summary|rundown)"
    r"|remind me (?:of )?(?:the |their |both |all )?(?:names?|both|all of them|everything|the places|the plan)"
    r"(?: of (?:everything|them|both|the places|all of them))?"
    r"|(?:the |their )?names|plan"
    r"|remind me (?:what|of what) you (?:suggested|said|showed me)"
    r"|what did you (?:suggest|say|recommend)(?: again)?|what did we (?:settle on|decide|pick|choose|agree on)"
    r"|(?:cual|que) es (?:el|mi|nuestro) plan|recuerdame (?:los nombres|el plan|todo|los sitios)"
    r"|(?:hazme |dame |me (?:haces|das) )?(?:un )?resumen|resume(?:me)? (?:el plan|todo)"
    r"|que (?:me )?(?:sugeriste|recomendaste)"
    r"|quel est (?:le|mon|notre) plan|c'?est quoi (?:le|mon|notre) plan|rappelle-moi (?:les noms|le plan|tout)"
    r"|(?:fais-moi |fais moi )?(?:un )?(?:petit )?(?:recap|resume)(?: du plan)?|on a (?:dit|choisi) quoi)"
    r"(?: (?:again|for me|please|pls|now|so far|then|tonight|for tonight|por favor|hasta ahora|stp|svp"
    r"|s'il te plait|jusqu'ici|pour l'instant|pour ce soir|para esta noche))*\W*$",
    re.IGNORECASE,
)
MIN_OUTRIGHT_WORD = 4  # a place named outright has a word this long that is no kind's ("don juan bodega", not "lot")
RECAP_NAMES = 3  # a step nothing was picked of is recapped by its list's first names


def _asks_recap(message: str, kept: bool) -> bool:
    """Whether a message asks for a recap of the conversation ("what's the plan?", "recap", "remind me the names");
    with nothing ``kept`` to recap, only when it asks nothing else ("dinner then drinks, names?" is a search)."""
    asked = _RECAP_RE.match(fold(message).strip())
    return asked is not None and (kept or not asked["before"])


def _steps(
    kept: Sequence[tuple[ChatRequest, list[Suggestion], int]],
) -> list[tuple[ChatRequest, list[Suggestion], int]]:
    """The steps of a conversation's kept lists, in the order first asked: a list of the same kinds as an earlier
    one stands in for it ("closer to the subway", "not mexican" refine a step; "and after dinner a bar" is another)."""
    steps: list[tuple[ChatRequest, list[Suggestion], int]] = []
    for request, listed, second in kept:
        key = _step_kinds(request)
        same = [index for index, (earlier, _, _) in enumerate(steps) if _step_kinds(earlier) == key]
        if same:
            steps[same[-1]] = (request, listed, second)
        else:
            steps.append((request, listed, second))
    return steps


# "… go to the hot tub", "… at john dory": the words after the last "to" or "at", up to the end of the question.
_TO_A_PLACE_RE = re.compile(r"\b(?:to|at)\s+(?P<name>(?:the\s+)?[^?!.,;]+?)\s*[?!.]*$")
# "… from the office", "… near here": where a question measures from, to the end of it.
_FROM_ON_RE = re.compile(r"\b(?:from|near|close to|closest to|closer to)\b.*$", re.IGNORECASE)
# "¿Y a Niketown?" (read "and a niketown?"), "what about katz's?", "and Joe's Pizza?", "et à Niketown ?": the same
# question of another place, named alone.
_AND_PLACE_RE = re.compile(
    r"^\W*(?:ok\W+|so\W+)*(?:and|what about|how about|y|et|and what about|et pour|y en)\s+"
    r"(?:to |at |a |al |au |a la |en |the )?(?P<name>[^?.!,;]+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# "What kind of food do they have", "what type of place is it", "¿qué tipo de comida tienen?", "quel genre de
# cuisine ?": the kind of the place talked about.
_KIND_OF_IT_RE = re.compile(
    r"^\W*(?:(?:ok|so|and|but|hmm|y|et)\W+)*(?:(?:what|which) (?:kind|type|sort)s? of (?:food|cuisine|place|spot"
    r"|restaurant|bar|cafe|drinks?)(?: is (?:it|that|this|that place)| do they (?:have|serve|do|make)| does it (?:have"
    r"|serve)| is served| are they)?|what food do they (?:have|serve|do)|what (?:kind of )?food is (?:it|that)"
    r"|que (?:tipo|clase) de (?:comida|cocina|sitio|lugar)(?: (?:tienen|es|sirven|hacen))?"
    r"|quel (?:genre|type) de (?:cuisine|plats?|endroit|lieu)(?: (?:c'est|ils (?:ont|servent|font)|est-ce))?)\W*$",
    re.IGNORECASE,
)


# "Algo así ahora", "quelque chose comme ça", "dans le même genre": more of the same, as "something like that" (which
# the rules read in English) is.
_LIKE_THAT_RE = re.compile(
    r"\balgo (?:asi|parecido|similar)\b|\b(?:algun )?(?:sitio|lugar) (?:asi|parecido|similar)\b"
    r"|\bdel mismo (?:estilo|tipo)\b|\bdans le meme (?:genre|style)\b"
    r"|\b(?:quelque chose|un endroit|un truc|un lieu) (?:comme ca|de (?:similaire|pareil|semblable))\b"
)

# "What days do I usually go there", "what time do I go to it", "when do I usually go there", "¿qué días voy
# allí?", "quels jours j'y vais ?": the user's own days and times at the place talked about.
_WHEN_I_GO_RE = re.compile(
    r"\b(?:what|which) (?:days?|times?|hours?|day of the week|time of (?:the )?day|nights?) do (?:i|we) "
    r"(?:usually |normally |typically |mostly |tend to |always |often )?(?:go|visit|head)(?: to)?"
    r" (?:there|it|that place|this place)\b"
    r"|\bwhen do (?:i|we) (?:usually |normally |typically |mostly |tend to )?(?:go|head) (?:there|to it)\b"
    r"|\bque (?:dias?|horas?|noches?) (?:suelo ir|voy|fui)(?: normalmente)? (?:alli|ahi|alla)\b"
    r"|\bquels? (?:jours?|heures?|soirs?) (?:j'y vais|j'y suis alle|est-ce que j'y vais)\b",
    re.IGNORECASE,
)


def _asks_when_i_go(message: str) -> bool:
    """Whether a message asks on which days or at which times the user goes to the place talked about."""
    return _WHEN_I_GO_RE.search(fold(message)) is not None or _WHEN_I_GO_RE.search(read(message).text) is not None


def _took_to_mean(state: _State, request: ChatRequest, details: PlaceDetails, language: str) -> str:
    """ "I took that to mean **Coney Island Beach & Boardwalk**." before the card of a place found by a name the
    message gave only in part ("how often do i go to coney island", "what is union square like"); "" when its whole
    name was said, or it was pointed at ("the second one", "there", "the deli")."""
    if request.pick is not None or request.measured or request.same_place:
        return ""
    message = read(_said(state)).text
    shown = (state.get("shown") or {}).get(details.item_id)
    if shown is not None and shown.label.casefold() in message.casefold():
        return ""
    asked = set(content_words(named_words(message)).split())
    name = set(content_words(details.name).split())
    said = {word for word in asked & name if word not in CATEGORY_WORDS}
    if not said or name <= asked:
        return ""
    return fixed_text("took_to_mean", language).format(place=details.label) + "\n"


def _origin_said(text: str, near: str | None) -> bool:
    """Whether a question about a place says the area it names is where to measure from ("is it far from Central
    Park?", "close to SoHo?"), not part of the place's name ("how often do i go to coney island"); True for no area,
    "here", or a place of the user's ("the office")."""
    area = lookup(near) if near is not None and near not in (HERE, THERE) else None
    if area is None:  # "here", "the office", "the subway": no area's name
        return True
    words = "|".join(re.escape(fold(name)) for name in {near, area.name} if name)
    if re.search(rf"\b(?:{words})\b", fold(text), re.IGNORECASE) is None:
        return True  # the area came from elsewhere than words of the message
    return re.search(_ORIGIN_WORDS + rf"(?:the |el |la |le )?(?:{words})\b", fold(text), re.IGNORECASE) is not None


# The words before an area a distance is measured from ("far from SoHo", "cerca de Chelsea", "près de Harlem").
_ORIGIN_WORDS = (
    r"\b(?:from|near|nearby|close to|closest to|closer to|around|by|in|walk(?:ing)? (?:from|to)|distance (?:from|to)"
    r"|desde|cerca de|en|depuis|pres de|proche de|a cote de|dans)\s+"
)


def _step_kinds(request: ChatRequest) -> tuple[str | None, str | None, str | None]:
    """What makes a list one step of a plan: the kind or name asked for, and the kind of its second stop."""
    return request.category, request.keyword, request.then


def _with_pick(picked: Sequence[str], item_id: str) -> list[str]:
    """The places picked, with one more asked about or picked: each once, the latest last."""
    return [*(one for one in picked if one != item_id), item_id][-LISTS_KEPT * 2 :]


# "Go back to the coffee list", "take me back to the restaurants", "go back to park slope, the 2nd one", "vuelve a
# la lista anterior", "reviens à la liste d'avant": the list named, then what is asked of it (after a comma).
_BACK_TO_RE = re.compile(
    _FILLERS + r"(?:(?:(?:let'?s |can we |can you |please )?(?:go|get|come|take me|take us|bring me|bring us|jump) )?"
    r"back to (?P<to>[^,.;:!?]+?)"
    # "Vuelve a la primera lista" reads "vuelve a the first lista"; "reviens à la liste des bars".
    r"|(?:vuelve|volvamos|volver|regresa|regresemos) a (?P<es>la lista anterior|(?:la|the) (?:primera|first) lista"
    r"|lo anterior|(?:la|the) lista de (?:los |las |the )?[\w' ]+?)"
    r"|(?:reviens|revenons|revenir|retourne|retour) a (?P<fr>la liste (?:d'avant|precedente)|la premiere liste"
    r"|la liste (?:des|du|de la|de) [\w' ]+?)"
    r")(?:\s*(?:[,.;:!?]|\s-|—)+\s*(?P<rest>\S.*?))?\W*$",
    re.IGNORECASE,
)
# A list gone back to by what it held, not "back to": "the bars from before", "those coffee places again", "show me
# the gyms you suggested earlier", "that first list", "the original list please", "what were the bars again?".
_LIST_DESCRIBED_RE = re.compile(
    _FILLERS + r"(?:(?:show me|can i see|let me see|give me|what were|what about|and|remind me of|pull up) )?"
    r"(?:(?:the|that|those|your) (?P<to>[\w' ]+?) (?:from before|from earlier|from the start|you (?:showed|gave|"
    r"suggested|mentioned|listed)(?: me| us)?(?: before| earlier| first)?|again|from (?:the )?(?:first|earlier) list)"
    r"|(?:the|that|your) (?P<first>first|1st|original|previous|earlier|other|old) (?:list|batch|set|suggestions)"
    # "Actually the first list was better", "the original ones were fine".
    r"(?: again| (?:was|were|is|looked|looks) (?:much |way |a lot )?(?:better|best|good|fine|nicer|great))?)"
    r"(?:\s*(?:[,.;:!?]|\s-|—)+\s*(?P<rest>\S.*?))?(?: please| pls)?\W*$",
    re.IGNORECASE,
)
# The first place of the conversation: "how about the one you said first", "the first place you mentioned tonight".
_FIRST_MENTIONED_RE = re.compile(
    _FILLERS + r"(?:(?:how about|what about|and|remind me(?: of)?|tell me about) )?"
    r"(?:the (?:one|place|spot) you (?:said|mentioned|suggested|showed(?: me)?|gave(?: me)?) first"
    r"|the (?:first|very first) (?:one|place|spot) you (?:said|mentioned|suggested|showed(?: me)?|gave(?: me)?)"
    r"(?: (?:tonight|today|earlier|before|at first))?)"
    r"(?:\s*(?:[,.;:!?]|\s-|—)+\s*(?P<rest>\S.*?))?\W*$",
    re.IGNORECASE,
)
# "What was it again?": the place named again, which "the first one" alone asks.
_WHAT_WAS_IT_RE = re.compile(r"^(?:what|which)(?: one)? (?:was|is) (?:it|that|that one)(?: again)?\W*$", re.IGNORECASE)
# Words for several places, which a list is: "bars", "coffee places", "the gym ones" (not "the first one").
_PLURAL_WORDS_RE = re.compile(r"^(?!.*\b(?:one|same|other)\b)[\w' ]*\w{2}s$", re.IGNORECASE)
# "Whats the 3rd from the dinner list", "the first one from the very first list": a list named inside a question.
_FROM_LIST_RE = re.compile(
    r"\s*\b(?:from|of|in|on) (?:the |that |your |my )(?P<to>(?:very )?[\w' ]+?) (?:list|suggestions|options|results)\b",
    re.IGNORECASE,
)
# "The first manhattan one", "the 1st one from brooklyn": a place of the list made for that area or kind.
_LIST_RANKS = "|".join(sorted((re.escape(word) for word in ORDINALS), key=len, reverse=True))
_ONE_OF_LIST_RE = re.compile(
    rf"\bthe (?P<rank>{_LIST_RANKS}) (?:(?P<to>[\w' ]+?) one\b|one from (?P<from>[\w' ]+?)(?=\W*$|\s*[,.;:!?]))",
    re.IGNORECASE,
)
_LIST_WORDS_RE = re.compile(
    r"^(?:the |that |those |these |your |my )?(?:very )?"
    r"|^(?:la|the) (?:lista|liste) (?:de |des |du |de la )?(?:los |las |the )?"
    r"|\s+(?:list|ones|one|options|places|suggestions|results|search|batch|spots|plan)$",
    re.IGNORECASE,
)
_FIRST_LIST = frozenset(
    {"first", "1st", "original", "la primera lista", "first lista", "la premiere liste", "premiere liste"}
)
_LIST_BEFORE = frozenset(
    {"previous", "earlier", "last", "other", "old", "one before", "la lista anterior", "lo anterior"}
    # "Vuelve a la lista anterior", "reviens à la liste d'avant", their "la lista" / "la liste" read off.
    | {"la liste d'avant", "la liste precedente", "anterior", "d'avant", "precedente"}
)


# "The other one", "that other place", "the other bar", "the other astoria one" (read from "el otro", "l'autre"), not
# "the other day" or "the other side of town": what follows "other" is a word for a place, or one word then "one".
_OTHER_RE = re.compile(r"\b(?:the|that) other\b(?P<words>(?: [\w'&-]+){0,2})", re.IGNORECASE)
_L_AUTRE_RE = re.compile(r"\bl['’]autre\b", re.IGNORECASE)
_ONE_WORDS = frozenset({"one", "place", "spot", "option", "opcion", "lugar", "sitio", "lieu", "endroit"})
# The words "the other one" is written in, replaced with the rank meant ("el otro, ¿he ido?": "el segundo, …").
_OTHER_WRITTEN_RE = {
    "en": re.compile(r"\b(?:the|that) other(?: [\w'&-]+)?(?: (?:one|place|spot|option))?\b", re.IGNORECASE),
    "es": re.compile(r"\b(?:el otro|la otra)\b(?: (?:uno|una|lugar|sitio))?", re.IGNORECASE),
    "fr": re.compile(r"\bl['’]autre\b(?: (?:lieu|endroit))?", re.IGNORECASE),
}
_RANK_WORDS = {
    "en": [f"the {word} one" for word in ("first", "second", "third", "fourth", "fifth", "sixth", "seventh")],
    "es": [f"el {word}" for word in ("primero", "segundo", "tercero", "cuarto", "quinto", "sexto", "séptimo")],
    "fr": [f"le {word}" for word in ("premier", "deuxième", "troisième", "quatrième", "cinquième", "sixième")],
}


# "How far from Grand Central?", "ok how far away from the office", "how many minutes from penn station": a distance, no
# place said to measure, from a place named ("how far from MoMA is the Met?" names both).
_HOW_FAR_FROM_RE = re.compile(
    r"^\W*(?:(?:and|ok|okay|so|hmm+|but|um+)\W+)*(?P<how>how (?:far|many (?:minutes|mins|blocks)))"
    r"(?=(?: away)? from (?![^?]*\b(?:is|are|to|and)\b)[^?]+?\W*$)",
    re.IGNORECASE,
)


def _other_said(text: str) -> str | None:
    """The kind word "the other …" names ("bar" in "the other bar"), "" for none ("the other one", "the other
    astoria one"), None when the message says no "other one" ("the other day", "the others")."""
    text = _L_AUTRE_RE.sub("the other", text)  # "et l'autre ?" (left as written: "l'autre jour" asks no place)
    for found in _OTHER_RE.finditer(text):
        words = found["words"].split()
        if not words or words[0].casefold() in _ONE_WORDS:
            return ""
        if words[0].casefold() in CATEGORY_WORDS:
            return words[0]
        if len(words) == 2 and words[1].casefold() in _ONE_WORDS:
            return ""
        rest = text[found.start("words") :].lstrip()
        if not re.match(r"\w", rest):  # "the other?", "and the other, been there?"
            return ""
    return None


def _without_tool_traffic(messages: Sequence[AnyMessage]) -> dict[str, Any]:
    """The state update that keeps the exchange in memory, not earlier turns' tool traffic."""
    stale = [m for m in messages if isinstance(m, ToolMessage) or (isinstance(m, AIMessage) and m.tool_calls)]
    return {"messages": [RemoveMessage(id=m.id) for m in stale if m.id], "trace_from": len(messages) - len(stale)}


def _user_turns(state: _State) -> int:
    """How many messages the user has sent in the conversation, this one included."""
    return sum(isinstance(message, HumanMessage) for message in state["messages"])


def _list_kept(state: _State, request: ChatRequest, listed: Sequence[Suggestion], second_from: int) -> dict[str, Any]:
    """The state's record of a list shown this turn: its request, its places as shown and where its second stop
    began, oldest first (``LISTS_KEPT`` of them)."""
    return {
        "asked_lists": [*(state.get("asked_lists") or []), request][-LISTS_KEPT:],
        "kept_lists": [*(state.get("kept_lists") or []), list(listed)][-LISTS_KEPT:],
        "kept_seconds": [*(state.get("kept_seconds") or []), second_from][-LISTS_KEPT:],
        "listed_turn": _user_turns(state),
    }


def _kept(state: _State) -> list[tuple[ChatRequest, list[Suggestion], int]]:
    """The lists the conversation showed, oldest first: each one's request, places and second stop's start."""
    asked, lists, seconds = (
        state.get("asked_lists") or [],
        state.get("kept_lists") or [],
        state.get("kept_seconds") or [],
    )
    count = min(len(asked), len(lists), len(seconds))
    return list(
        zip(asked[len(asked) - count :], lists[len(lists) - count :], seconds[len(seconds) - count :], strict=True)
    )


def _list_named(
    kept: Sequence[tuple[ChatRequest, list[Suggestion], int]], words: str, *, kinds: bool = True
) -> int | None:
    """Which kept list some words name ("the first list", "the dinner list", "the restaurants", "park slope", "the
    manhattan ones"): its index in ``kept``, the newest that fits; None when they name none of them. Without
    ``kinds``, only an area names one ("the first one from the jazz club" measures from a place of that kind)."""
    words = _LIST_WORDS_RE.sub("", words.strip()).strip().casefold()
    if not words or not kept:
        return None
    if words in _FIRST_LIST:
        return 0
    if words in _LIST_BEFORE:
        return len(kept) - 2 if len(kept) >= 2 else None
    kind = _category_of(words) if kinds else None
    area = lookup(words)
    borough = area.name if area is not None and area.name in BOROUGHS else None
    for index in range(len(kept) - 1, -1, -1):
        request, listed, _ = kept[index]
        if kind is not None and kind in (request.category, request.then):
            return index
        if kind is not None and any(asked and is_of_kind(kind, asked) for asked in (request.category, request.then)):
            return index  # "the bars from before" after cocktail bars
        if area is not None and request.near and request.near.casefold() == area.name.casefold():
            return index
        # "The first manhattan one" after bookstores near the user in Manhattan, then in Brooklyn.
        if (
            borough is not None
            and listed
            and all(borough_at(item.latitude, item.longitude) == borough for item in listed)
        ):
            return index
    return None


def _list_asked_again(state: _State, message: str) -> tuple[int, str] | None:
    """The kept list a message goes back to or points into ("undo that", "go back to the coffee list", "the 3rd from
    the dinner list"), and what it asks of that list ("" when it only goes back); None for any other message.
    "Undo" right after a stated preference is that preference's (``assistant.stated``)."""
    kept = _kept(state)
    if not kept:
        return None
    text = read(message).text
    turn = _user_turns(state)
    listed_last = state.get("listed_turn", 0) == turn - 1
    if _UNDO_SEARCH_RE.match(text):
        if state.get("stated_turn", 0) >= state.get("listed_turn", 0):
            return None  # "i hate chains" then "undo": the statement taken back
        if state.get("stated_turn", 0) and _UNDO_WORD_RE.search(text):
            return None  # a statement's reply says "undo" takes it back, however many lists came after it
        # After a list, the one before it; after a question about a place of it ("how far is it?"), that list.
        index = len(kept) - 2 if listed_last else len(kept) - 1
        if len(kept) == 1 and not state.get("stated_turn", 0) and _UNDO_WORD_RE.search(text):
            # "Undo" with one list and nothing stated here ("no mexican" was said in another conversation): nothing
            # of this conversation to take back, which its reply says, not the same list again as if it were.
            return None
        return (index, "") if index >= 0 else None
    if (back := _BACK_TO_RE.match(text)) is not None:
        index = _list_named(kept, back["to"] or back["es"] or back["fr"] or "")
        return None if index is None else (index, back["rest"] or "")
    if (first := _FIRST_MENTIONED_RE.match(text)) is not None:
        # "The one you said first", "the first place you mentioned tonight - what was it again?": the first list's
        # first place, what else is asked asked of it.
        rest = first["rest"] if first["rest"] and not _WHAT_WAS_IT_RE.match(first["rest"]) else ""
        return 0, f"the first one, {rest}" if rest else "the first one"
    described = _LIST_DESCRIBED_RE.match(text)
    if described is not None and (described["first"] or _PLURAL_WORDS_RE.search(described["to"] or "")):
        # "The bars from before", "that first list", "show me the coffee places again": that list, when one was
        # shown (else a search, as "the bars" alone is). "The first one again?" is a place, "the bar again" too.
        index = _list_named(kept, described["to"] or described["first"] or "")
        return None if index is None else (index, described["rest"] or "")
    if (inside := _FROM_LIST_RE.search(text)) is not None and (index := _list_named(kept, inside["to"])) is not None:
        return index, (text[: inside.start()] + text[inside.end() :]).strip()
    one = _ONE_OF_LIST_RE.search(text)
    if one is not None and (index := _list_named(kept, one["to"] or one["from"], kinds=bool(one["to"]))) is not None:
        return index, f"{text[: one.start()]}the {one['rank']} one{text[one.end() :]}"
    return None


def _asked_borough(request: ChatRequest) -> Borough | None:
    """The borough of the area a request names ("dinner in DUMBO": Brooklyn), whose places alone are suggested: the
    far side of a river is no part of it (Chinatown is 1.5 km from DUMBO). None for here, there and a place by name."""
    if not request.near or request.near in (HERE, THERE) or request.location is None:
        return None
    area = lookup(request.near)
    if area is None or haversine_km(area.latitude, area.longitude, *request.location) > AREA_CENTRE_KM:
        return None  # a venue whose name the gazetteer forgives into an area's ("Astoria" the bar)
    return borough_of(area.name)


def _asked_neighbourhood(request: ChatRequest) -> str | None:
    """The neighbourhood a search is in, by the gazetteer's name ("bars in the East Village"; a borough or a venue is
    none): its own places are listed first."""
    if request.near in (None, HERE, THERE) or request.around is not None or request.location is None:
        return None
    area = lookup(str(request.near))
    if area is None or area.name in BOROUGHS:
        return None
    # Searched from the area's centre, not from a venue or a street of the same name.
    centred = haversine_km(request.location.latitude, request.location.longitude, area.latitude, area.longitude)
    return area.name if centred < 0.05 else None


def _shore_of(request: ChatRequest, here: LatLon) -> Borough | None:
    """ "Bars near me" from Hoboken: New Jersey's, not Manhattan's across the river a straight line makes near (no
    walk crosses the Hudson); None anywhere else, and for a place named."""
    if request.near != HERE or borough_at(here.latitude, here.longitude) != "New Jersey":
        return None
    return "New Jersey"


def _own_words(mine: str, language: str) -> str:
    """One of the user's own places (``MY_PLACES``: "my office") as a reply in ``language`` names it ("office",
    "oficina", "bureau")."""
    words = mine.removeprefix("my ")
    names = dict(zip(_OWN_PLACES, fixed_text("own_place_names", language).split("|"), strict=True))
    return names.get(words, words)


_OWN_PLACES = ("office", "home", "school", "hotel")  # ``own_place_names`` says each, in this order


def _unknown_asked(asked: str, category: str | None) -> list[str]:
    """What a request for places asks that no data holds, as ``unhonoured`` says it, beyond the words of the kind it
    asks for ("a wine bar" asks no wine list); a time a kind is open is asked all the same ("late night food?", "happy
    hour spot?")."""
    unknown = unhonoured(without_kind_words(asked, category))
    hours = UNKNOWN_TOPICS["hours"]
    return [*unknown, hours] if hours in unhonoured(asked) and hours not in unknown else unknown


def _within_km(request: ChatRequest, listed: Sequence[Suggestion]) -> float | None:
    """How far suggestions may be: a named area's radius (for everyone's favourites in a neighbourhood, the radius
    an area is named within; near a kind of stop and no area, the radius around the user), and for "closer please"
    a share of the distance to the last list's first place (never under ``CLOSER_AT_LEAST_KM``)."""
    if request.farther:  # "further away is fine"
        return None
    radius = _near_radius_km(request) if request.near else None
    if radius is None and request.near_kinds:  # "coffee near the subway": near a stop and near the user
        radius = near_radius_km(HERE)
    area = lookup(request.near) if request.near and request.near not in (HERE, THERE) else None
    if request.popular and area is not None and area.name not in BOROUGHS:
        # "The most popular bar in the LES": the crowd's favourites of the next area are not in it.
        radius = AREA_RADIUS_KM
    if request.walk_minutes:  # "within 5 minutes walk": as far as that walk goes on the grid
        walk = request.walk_minutes * WALKING_KMH / 60 / DETOUR
        radius = walk if radius is None else min(radius, walk)
    if request.max_km:  # "nothing over 2km"
        radius = request.max_km if radius is None else min(radius, request.max_km)
    if request.closer and listed:
        closer = max(CLOSER_AT_LEAST_KM, CLOSER_SHARE * listed[0].distance_km)
        # A list already beyond the area's radius (nothing of the kind was in it) is made closer, not re-searched.
        beyond = radius is not None and listed[0].distance_km > radius
        radius = closer if radius is None or beyond else min(radius, closer)
    return radius


def _near_radius_km(request: ChatRequest) -> float:
    """How far from what a request names its places may be: a walk from one venue or landmark ("bars near MSG": the
    dozen by the Garden before one in the West Village), else the area's or the user's radius
    (``near_radius_km``). Where people go on from a place ("after MSG") is no walk from it."""
    if request.along:  # "coffee on Bleecker": a short walk from the street's stretch or the corner
        return STREET_RADIUS_KM
    return LANDMARK_RADIUS_KM if _around_a_venue(request) else near_radius_km(request.near)


def _around_a_venue(request: ChatRequest) -> bool:
    """Whether a request searches around one venue or landmark ("bars near MSG", "what's around it?"), not an area
    nor the user; where people go on from a place ("after MSG") is no walk from it."""
    return request.around is not None and not request.after_place


def _asks_nearer(request: ChatRequest, message: str) -> bool:
    """Whether a follow-up asks for the last ask's places nearer only ("closer please", "walking distance pls",
    "what's right around the corner", the same place named again): nearest first, none left out for being shown."""
    if request.intent != "refine" or TURNED_DOWN_RE.search(message) or _OTHERS_RE.search(message):
        return False
    said = parse_rules(message)
    return request.closer or bool(said.walk_minutes or said.max_km)


def _said_km(request: ChatRequest) -> float | None:
    """The distance a request said its places must be within ("within 500 m", "5 minutes' walk"), in km; None when
    it said none."""
    walk = request.walk_minutes * WALKING_KMH / 60 / DETOUR if request.walk_minutes else None
    said = [km for km in (walk, request.max_km) if km]
    return round(min(said), 1) if said else None


def _beyond_km(request: ChatRequest, listed: Sequence[Suggestion], message: str) -> float | None:
    """How far suggestions must be when the message says farther is fine: beyond the last list's farthest place
    (never under ``FARTHER_AT_LEAST_KM``); None otherwise, also on later follow-ups, which keep only the lifted
    radius."""
    if not request.farther or not listed or not says_farther(message):
        return None
    return max(FARTHER_AT_LEAST_KM, max(item.distance_km for item in listed))


def _lists(shown: Iterable[Suggestion]) -> list[list[Suggestion]]:
    """The conversation's suggestions as the lists they came in, oldest first (each list starts at rank 1)."""
    lists: list[list[Suggestion]] = []
    for item in shown:
        if item.rank == 1 or not lists:
            lists.append([])
        lists[-1].append(item)
    return lists


def _ranked_anew(suggestions: Sequence[Suggestion]) -> list[Suggestion]:
    """Suggestions put in another order, numbered in it."""
    return [item.model_copy(update={"rank": rank}) for rank, item in enumerate(suggestions, 1)]


def _last_suggestions(state: _State) -> list[Suggestion]:
    """The suggestions of the last turn that made any, in their order."""
    lists = _lists((state.get("shown") or {}).values())
    return lists[-1] if lists else []


# A question that measures from a place it names ("is it far from Central Park?", "close to the Met?").
_MEASURED_FROM_RE = re.compile(r"\b(?:from|to|between)\s", re.IGNORECASE)
# "How far is it from me?": from the user, whatever point the last list measured from.
_FROM_USER_RE = re.compile(
    # ("Closest to my place" is the user's home: ``requests.HOME_ORIGIN_RE``.)
    r"\b(?:from|(?:clos(?:e|er|est)|near(?:er|est)?) to)\s+(?:me|us|here|where i am|where we are)\b",
    re.IGNORECASE,
)


def _apart_said(request: ChatRequest, details: PlaceDetails, language: str) -> str:
    """For "how far is the Met from MoMA?", "distance between the first and the second one": how far apart the two
    are, said to be as the crow flies (no routes are held); "" for any other question, and for a place measured
    from the user's home (which ``_own_origin_said`` says)."""
    if not request.measured or request.measured[-1] in MY_PLACES or request.location is None or not request.near:
        return ""
    km = details.distance_km
    said = f"{km:.1f}" if km >= 0.1 else f"{km:.2f}"  # two places 30 m apart are not "0.0 km" apart
    return fixed_text("measured_apart", language).format(place=details.label, origin=request.near, km=said) + "\n\n"


def _nearest_origin(state: _State, request: ChatRequest) -> LatLon | None:
    """Where "which one is closest?" measures the places shown from, when not from the list's own point: the point
    the question names ("… closest to me?", "… to my place?"), or the user where no check-in shows the home asked
    of (which the reply says); None for the list's point."""
    if request.location is not None and request.near is not None:
        return request.location
    if request.unplaced in MY_PLACES:
        return LatLon(*state["here"])
    return None


def _ordered_lead(
    lead: str,
    other: str,
    order: Sequence[tuple[int, Suggestion]],
    value: Mapping[int, str],
    language: str,
    **fields: str,
) -> str:
    """The answer that names the first of places in ``order`` (each with its rank in the list shown) by the fixed text
    ``lead`` and the rest after it by ``other``, each with its ``value`` ("0.4 km", "12 check-ins")."""
    (rank, first), rest = order[0], order[1:]
    others = ", ".join(fixed_text(other, language).format(value=value[r], place=item.label, rank=r) for r, item in rest)
    return fixed_text(lead, language).format(value=value[rank], place=first.label, rank=rank, others=others, **fields)


def _km_from(origin: LatLon, item: Suggestion) -> float:
    """How far a place shown is from a point, as the crow flies."""
    return float(haversine_km(origin.latitude, origin.longitude, item.latitude, item.longitude))


def _measured_from(request: ChatRequest, previous: ChatRequest | None, message: str) -> ChatRequest:
    """Where a question about one place measures from: the place it names when it measures from there ("far from
    Central Park?"), the last list's point for its nearest place ("which one is closest?"), else the user ("is
    Central Park busy?" names the place asked about, not a point to measure from)."""
    if request.intent != "about" or request.measured:  # "how far is the Met from MoMA?": from MoMA, found before
        return request
    if (
        request.nearest
        and previous is not None
        and request.near in (None, HERE)
        and request.unplaced not in MY_PLACES  # "which one is closest to my place?" with no home known: from the user
        and not _FROM_USER_RE.search(message)
    ):
        return request.model_copy(
            update={"near": previous.near, "location": previous.location, "placed_self": previous.placed_self}
        )
    # "C'est loin de chez moi ?" (read "far de my home"): from the user's home, though no "from" is said.
    if request.near not in (None, HERE) and not (_MEASURED_FROM_RE.search(message) or HOME_ORIGIN_RE.search(message)):
        return request.model_copy(update={"near": None, "location": None})
    if (
        previous is not None
        and _origin(previous) is not None
        and request.near in (None, HERE)
        and request.unplaced not in MY_PLACES  # "is it far from home?" with no home known: from the user, said so
        and (request.pick is not None or request.busiest or request.least_busy or refers_to_place(message))
        and not _FROM_USER_RE.search(message)
    ):
        # "Tell me more about the first" after "bars in Midtown": from Midtown, as the list measured it.
        return request.model_copy(update={"near": previous.near, "location": previous.location, "placed_self": False})
    return request


# "Where's the nearest pharmacy?", "sushi or thai, whichever is closer": a request that wants the nearest places first.
_NEAREST_ASKED_RE = re.compile(rf"\b(?:nearest|closest)\b|{WHICHEVER_NEARER_RE.pattern}", re.IGNORECASE)
# "And a coffee after?", "then drinks?": a next stop, once places are shown.
_AFTER_LAST_RE = re.compile(
    # "Somewhere I've been before" is a place the user knows, not a stop before the first.
    r"\b(?:after(?:wards)?|after that|next|later"
    r"|(?<!been )(?<!gone )(?<!seen )(?<!tried )(?<!visited )(?<!went )(?<!there )(?<!done )before(?: that| it)?)"
    r"\s*[?.!]*\s*$"
    # "And a drink then?"; not "ok, not a chain then", where "then" is "in that case".
    r"|^\W*and\b.*\bthen\s*[?.!]*\s*$"
    r"|^\W*(?:ok(?:ay)?,?\s+)?(?:and\s+)?(?:then|after(?:wards)?|after that)\b"
    # "And something to do after that isn't too much walking": wherever it stands in the message.
    r"|\bafter that\b|\bafterwards\b",
    re.IGNORECASE,
)


# "Somewhere quieter", "too loud", "less noisy", "más tranquilo", "plus calme": loudness asked of the places.
_QUIETER_RE = re.compile(
    r"\b(?:quieter|calmer|less (?:loud|noisy)|too (?:loud|noisy)|not (?:so |as |too )?(?:loud|noisy)"
    r"|mas tranquilo|menos ruidoso|plus calme|moins bruyant)\b"
    # "ngl i hate loud bars": the same ask, said as a dislike.
    r"|\b(?:hate|dislike|detest|can'?t stand|cannot stand|(?:don'?t|do not) (?:really )?(?:like|want|love)|avoid"
    r"|sick of|tired of)\s+(?:the\s+|any\s+|all\s+)?(?:loud|noisy|rowdy|crowded|packed)\b",
    re.IGNORECASE,
)
# "What about breakfast later" five hours after a 4 am list is another outing, not a next stop after its place.
_LATER_ALONE_RE = re.compile(r"\blater\b", re.IGNORECASE)
_AFTER_OR_THEN_RE = re.compile(r"\b(?:after(?:wards)?|then|next)\b", re.IGNORECASE)
NEXT_STOP_WITHIN = timedelta(hours=3)


def _hours_later(
    request: ChatRequest, previous: ChatRequest | None, message: str, now: datetime, timezone: str
) -> bool:
    """Whether a request says "later" for a time well after the last list's (``NEXT_STOP_WITHIN``): a plan of its
    own, searched where the user is, not around the last list's first place. "After" and "then" stay next stops."""
    if not request.when or _LATER_ALONE_RE.search(message) is None or _AFTER_OR_THEN_RE.search(message):
        return False
    asked = resolve_when(request.when, now, timezone)
    before = resolve_when(previous.when, now, timezone) if previous is not None and previous.when else now
    return asked is not None and before is not None and asked - before > NEXT_STOP_WITHIN


def _after_the_last(
    request: ChatRequest,
    listed: Sequence[Suggestion],
    message: str,
    asked_near: str | None,
    kind_named: bool = True,
) -> ChatRequest:
    """A request for a next stop ("ok and a coffee after?", "and for after dinner?") searched around the last list's
    first place, as the second stop of one message is, rather than around the user; ``asked_near``: the place the
    message itself named, before a follow-up kept the last request's. "And after?" naming no kind, after a meal or a
    date, is somewhere for after dinner (another dinner had come)."""
    # "And after that?" after ideas of any kind: a next stop of any kind, around the first place.
    any_kind = request.category is None and not kind_named
    asks_next = request.intent in ("recommend", "refine") and (request.category is not None or any_kind)
    asks_next = asks_next and request.then is None
    next_stop = _AFTER_LAST_RE.search(message) is not None or request.category == AFTER_DINNER
    # "And after, a cocktail bar close by?": close to the first stop, unless the message says to the user.
    close_by = asked_near == HERE and not EXPLICIT_HERE_RE.search(message)
    if not asks_next or (asked_near is not None and not close_by) or not listed or not next_stop:
        return request
    first = listed[0]  # the first stop itself is no next stop
    update = {"near": first.label, "location": LatLon(first.latitude, first.longitude), "around": first.item_id}
    if not kind_named and request.category in (*DATE_KINDS, "Restaurant"):
        update["category"] = AFTER_DINNER
    return request.model_copy(update=update)


# "Anything else in Brooklyn?", "other museums there": places not shown before, wherever the ask moved.
_OTHERS_RE = re.compile(r"\b(?:else|other|others|another|more|different|new)\b", re.IGNORECASE)


# A place left out of this ask by its name or rank ("no salt bar please", "anywhere except salt bar", "anything but
# 200 orchard", "skip max fish", "pas balthazar", "sans le premier" read "without the first", "menos el primero"):
# the words up to the clause's end, a place only when the catalogue or the last list has it (``_left_out_named``).
_POLITE_WORDS = r"(?:please|pls|plz|thanks|thx|por favor|porfa|gracias|stp|svp|s'il te plait|merci)"
_LEAVE_OUT_RE = re.compile(
    r"(?:^|(?<=[\s,;:.!?]))(?P<lead>not|no|except(?: for)?|anything but|anywhere but|anything except"
    r"|anywhere except|everything but|everywhere but|but not|skip|minus|without|menos|sin|pas|sauf|other than"
    r"|besides|leave out|cross off)\s+(?P<name>(?:the |el |la |le |l')?[\w'’&.-]+(?:\s+(?!(?:please|pls|plz|por|stp"
    r"|svp|this|tonight|today|again|for|i|i'?ve|been|because|since|as|and|but|or|instead)\b)[\w'’&.-]+){0,4}?)"
    r"(?=(?:\s+(?:please|pls|plz|por favor|stp|svp|s'il te plait|this time|tonight|today|for now|again|this once"
    r"|instead))*\s*(?:[,;.!?]|$|\s(?:and|but|because|since|as|i'?ve|been|i go|j'y|voy)\b))",
    re.IGNORECASE,
)
_RANK_WORDS_RE = re.compile(rf"(?P<rank>{'|'.join([*ORDINALS, 'last'])})(?: one| place| spot)?", re.IGNORECASE)
# Words after "not" or "no" that name no place, whatever place goes by them ("no thanks", "not now").
_NOT_A_NAME = frozenset(
    {"thanks", "thank you", "worries", "problem", "way", "rush", "idea", "now", "tonight", "today", "really", "sure"}
    | {"that", "this", "it", "those", "these", "that one", "this one", "them", "more", "again", "yet", "much", "one"}
    | {"too far", "far", "too", "bad", "really", "at all", "interested", "a fan", "sure", "quite", "exactly"}
)
# Why a place is left out, said beside it ("been there too much", "j'y vais tout le temps"): no ask of its own.
_LEFT_OUT_REASON_RE = re.compile(
    r"\b(?:(?:i'?ve|i have|we'?ve|already)\s+)?been there(?:\s+(?:too much|too often|a lot|enough|already|recently"
    r"|lately|so many times))?|\bi (?:go|went) there (?:all the time|too much|too often|a lot)"
    r"|\bj'y (?:vais|suis alle) (?:tout le temps|trop souvent|souvent)|\bvoy (?:mucho|siempre)\b",
    re.IGNORECASE,
)


def _name_key(name: str) -> str:
    """A place's name as compared with the user's words for it: "Beauty & Essex" and "beauty and essex" alike."""
    folded = fold(name).casefold().replace("&", " and ").replace("’", "'")
    return re.sub(r"\s+", " ", re.sub(r"[^\w' ]", " ", folded)).strip()


# "Not that one", "skip the second one", "not interested in the first one": one place of the list turned down.
_ONE_TURNED_DOWN_RE = re.compile(
    rf"^\W*(?:(?:no|nah|hmm|ok|okay),?\s+)?(?:not|skip|drop|remove|ditch|lose|cross off"
    r"|not (?:really )?(?:interested in|keen on|a fan of|into))"
    rf" (?:that|this|the (?:{'|'.join(ORDINALS)}|last))(?: one| place| spot)?\W*$",
    re.IGNORECASE,
)


def _turned_down_one(state: _State, request: ChatRequest, message: str) -> str | None:
    """The one place of the last list a follow-up turns down, and asks nothing else of ("not that one": the place
    last talked about, else the one the reply led with; "skip the second one"); None for any other message."""
    suggestions = _last_suggestions(state)
    if request.intent != "refine" or not suggestions or _ONE_TURNED_DOWN_RE.search(message) is None:
        return None
    if request.pick is not None:
        return suggestions[request.pick - 1].item_id if request.pick <= len(suggestions) else None
    focus = state.get("focus")
    return focus if focus in {item.item_id for item in suggestions} else suggestions[0].item_id


def _focused_first(state: _State, listed: list[Suggestion]) -> list[Suggestion]:
    """The list with the place last talked about first ("is the second one open?"), when it is one of the list."""
    focus = state.get("focus")
    if focus is None or not any(item.item_id == focus for item in listed):
        return listed
    return sorted(listed, key=lambda item: item.item_id != focus)


def _only_unknowns(message: str) -> bool:
    """Whether a follow-up asks only what no data holds ("not too pricey", "with wifi?"): the same places answer it,
    with that said, rather than others that are no cheaper for all anyone knows."""
    return bool(unhonoured(message)) and _asks_only(message, "asks")


def _asks_only(message: str, *fields: str) -> bool:
    """Whether the rules read nothing in a follow-up but ``fields`` ("only 2": a count), and it asks for no other
    places ("another", "not that one")."""
    if _OTHERS_RE.search(MORE_TASTE_RE.sub(" ", message)) or TURNED_DOWN_RE.search(message):
        return False  # ("something more casual" asks for no other places)
    kept = {"intent", *fields}
    return parse_rules(message).model_dump(exclude=kept) == RequestArguments().model_dump(exclude=kept)


def _moved(request: ChatRequest, previous: ChatRequest | None, message: str) -> bool:
    """Whether a follow-up only moves the last ask to another place ("rather in Brooklyn") or time ("what about
    Sunday?"), so that what was shown before is not turned down by it."""
    if previous is None or _OTHERS_RE.search(message) is not None:
        return False
    # "Sunday rather than tonight": the same places may well be the answer then (a follow-up naming no time keeps
    # the last ask's, so another time is one the message named).
    to_another_time = request.when is not None and request.when != previous.when
    return to_another_time or (request.near not in (None, HERE, THERE) and request.near != previous.near)


def _kind_alone_stays(
    request: ChatRequest, previous: ChatRequest | None, message: str, asked_near: str | None
) -> ChatRequest:
    """A kind alone ("coffee?", "and pizza?", "any bars?") right after "what's near the Empire State Building?" (places
    of any kind around somewhere the user named) is asked there too, not around the user. After a kind asked near a
    place ("coffee near the Met", then "a gym please") the place moved that request only, unless the kind is asked
    as options within it ("vegan options?"), and so does a place the user said they were at (that holds as "here"
    already). After "anything open late nearby?" (any kind, near the user), "a diner maybe" is nearby too."""
    if previous is None or not _located(previous) or asked_near is not None:
        return request
    # "Vegan options?" after cheap eats near NYU: choices within that ask, so there too.
    options = _OPTIONS_RE.search(message) is not None
    # "Maybe dinner then", "ok maybe a diner" after a date in Brooklyn: the outing goes on in that area ("a gym
    # please" asks anew).
    in_an_area = previous.around is None and previous.near not in (HERE, THERE) and lookup(previous.near) is not None
    in_an_area = in_an_area and _GOES_ON_RE.search(message) is not None
    if (not (_of_any_kind_there(previous) or in_an_area) and not options) or previous.placed_self:
        return request
    bare = len(_WORD_RE.findall(_KIND_ALONE_FILLER_RE.sub(" ", message))) <= 2
    # "Maybe dinner then": the meal is the kind asked, no other time.
    timed = request.when is not None and not re.fullmatch(r"breakfast|brunch|lunch|dinner|supper", request.when, re.I)
    if request.intent != "recommend" or request.category is None or timed or not bare:
        return request
    # Kept for the next kind too only when the area came from an ask of any kind, not from options within a kind.
    kept = _of_any_kind_there(previous)
    update = {"near": previous.near, "location": previous.location, "around": previous.around, "area_kept": kept}
    return request.model_copy(update=update)


# "Something close", "anywhere nearby?", "algo cerca", "quelque chose de proche": nothing but nearness asked.
_JUST_CLOSE_RE = re.compile(
    r"^\W*(?:(?:ok|okay|hmm+|well|so|but|and|maybe|no|nah)\W+)*(?:something|somewhere|anything|anywhere|one|ones"
    r"|a place|places|algo|alg[uú]n sitio|alg[uú]n lugar|quelque chose|un endroit)"
    r"(?:\s+(?:de|d'))?\s*(?:close|close by|closeby|near|nearby|near me|near here|around here|walkable|cerca|cerquita"
    r"|proche|pr[eè]s d'ici|pas loin)(?:\s+(?:please|pls|plz|then|por favor|s'il te pla[iî]t))?\W*$",
    re.IGNORECASE,
)


def _same_ask_narrowed(request: ChatRequest, previous: ChatRequest | None, message: str) -> ChatRequest:
    """A follow-up that names no kind and only narrows the last ask is that ask narrowed: "something close" after
    lunch places is lunch nearer the user, as "something closer" is, not the nearest places of any kind (a department
    store, a music shop); "the one I usually go to?" after movie theaters is the user's own theater, not 7-Eleven."""
    if previous is None or previous.intent not in ("recommend", "refine") or previous.category is None:
        return request
    if request.intent != "recommend" or request.category or request.keyword or request.when:
        return request
    if request.near == HERE and _JUST_CLOSE_RE.match(message) is not None:
        return request.model_copy(update={"intent": "refine", "near": None, "location": None, "closer": True})
    if request.near is None and request.familiar:
        return request.model_copy(update={"intent": "refine"})
    return request


def _of_any_kind_there(previous: ChatRequest) -> bool:
    """Whether the last ask was for places of any kind somewhere ("what's around Union Square?"), or for things to
    do there (of many kinds: "anything to do near JFK?"), or kept such an ask's area ("coffee?" right after it)."""
    broad = previous.category in (None, THINGS_TO_DO_KIND, SIGHTSEEING, FAMILY_OUTING) and previous.keyword is None
    return _located(previous) and (broad or previous.area_kept)


def _located(request: ChatRequest) -> bool:
    """Whether a request was asked somewhere: a place found, or around the user ("what can I do around here?")."""
    return request.near == HERE or (request.near is not None and request.location is not None)


# "Something with food too" after sports bars: one of those, with that as well.
_WITH_IT_TOO_RE = re.compile(
    r"^\W*(?:(?:and|ok|okay|maybe|but)\W+)*(?:something|somewhere|anything|anywhere|a place)\s+"
    r"(?:with|that (?:has|serves))\b.*\b(?:too|as well|also)\W*$",
    re.IGNORECASE,
)
# Kinds of place that are loud by nature: asked "less crowded", fewer people, not somewhere quiet.
LOUD_PLACES = frozenset({*LOUD_CATEGORIES, *LOUD_KINDS_WITHIN})
# Words that carry an outing on ("and coffee?", "maybe dinner then", "drinks too?").
_GOES_ON_RE = re.compile(
    r"^\W*(?:(?:ok|okay|hmm+|so|well|oh)\W+)?(?:and|maybe|also|perhaps|or)\b|\b(?:then|too|also|as well|after)\W*$",
    re.IGNORECASE,
)
# "The one I go to most": one of the kind just talked about.
_THE_ONE_I_RE = re.compile(r"\bthe (?:one|place|spot) (?:i|we) \w+", re.IGNORECASE)


# "For drinks", "and for dinner?": what to do at the time just talked about.
_FOR_A_KIND_RE = re.compile(r"^\W*(?:(?:and|ok|okay|so|then|maybe)\W+)*for\s", re.IGNORECASE)


def _time_stays(request: ChatRequest, previous: ChatRequest | None, message: str) -> ChatRequest:
    """ "For drinks" after "what about next Friday at 8?": the kind asked for at the time of the last ask, when the
    message names none of its own."""
    if (
        previous is None
        or previous.at is None
        or request.when is not None
        or request.intent not in ("recommend", "refine")
        or not _FOR_A_KIND_RE.match(message)
    ):
        return request
    return request.model_copy(update={"when": previous.when, "at": previous.at})


def _planned_time(request: ChatRequest, asked_lists: Sequence[ChatRequest], message: str, timezone: str) -> ChatRequest:
    """ "Is the first one busy then?", "open late that night?" after "drinks Friday night": the time of the last list's
    request (Friday 22:00; its late night for "open late that night"), not now; a day named wins ("busy then, or on
    Saturday?" is no such question)."""
    planned = asked_lists[-1] if asked_lists else None
    if (
        planned is None
        or planned.at is None
        or not planned.when
        or request.intent not in ("about", "recommend", "refine")
        or not PLANNED_TIME_RE.search(message)
        or names_day(request.when)
    ):
        return request
    at = planned.at.astimezone(ZoneInfo(timezone))
    if request.at is not None and names_hour(request.when):
        # "That night", "open late that night": that part of the plan's day.
        own = request.at.astimezone(ZoneInfo(timezone))
        at = at.replace(hour=own.hour, minute=own.minute, second=0, microsecond=0)
    # Said as the weekday and its part ("Thursday evening"): the place's check-ins then are the evidence.
    return request.model_copy(update={"when": describe_local(at), "at": at})


# "And after Pacha?", "before Marquee tonight", "después de Pacha", "après le Marquee": a stop timed by a place.
_BY_A_PLACE_RE = re.compile(
    r"\b(?P<side>after|before|despu[eé]s de(?:l)?|antes de(?:l)?|apr[eè]s|avant)\s+(?:going to |leaving |we go to )?"
    r"(?P<name>[\w'&.-]+(?:\s+[\w'&.-]+){0,3})",
    re.IGNORECASE,
)
_AFTER_WORDS = frozenset({"after", "después de", "despues de", "después del", "despues del", "après", "apres"})
# A clock time said ("after Pacha, around 11", "before Marquee at 10pm"): that time, not the place's usual one.
_CLOCK_SAID_RE = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|h\d{0,2})(?!\w)|\b\d{1,2}:\d{2}\b"
    r"|\b(?:at|around|by|like|about|hacia las|a las|vers|à) \d{1,2}\b|\b(?:noon|midnight|medianoche|minuit)\b",
    re.IGNORECASE,
)
# How long after the usual time at a place the next stop is planned ("and after Pacha?"), and how long before it
# the stop before it is.
AFTER_A_PLACE = timedelta(hours=2)
BEFORE_A_PLACE = timedelta(hours=1)
# Hours before this belong to the night before ("after Webster Hall" at 00:15).
EARLY_HOURS_END = 5
_OPTIONS_RE = re.compile(r"\b(?:options|choices|alternatives)\b", re.IGNORECASE)
# Words around a kind asked alone ("and what about some good pizza?").
_KIND_ALONE_FILLER_RE = re.compile(
    r"\b(?:and|or|ok|okay|so|what|how|about|any|some|a|an|good|nice|great|maybe|then|please|too|also|something"
    r"|somewhere|anything|anywhere|for|with|the|my|our)\b",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"\w+")
# "What were my favourite places back then?": the stretch of time the last answer about the user covered.
_BACK_THEN_RE = re.compile(
    r"\b(?:back then|at (?:that|the) time|that (?:month|week|day|weekend)|(?:in )?those days)\b", re.IGNORECASE
)
# "And the month before?", "before that?": the stretch of time just before the one the last answer about the user
# covered.
_BEFORE_THAT_RE = re.compile(
    r"\b(?:the )?(?P<unit>day|week|weekend|month|year|(?:mon|tues|wednes|thurs|fri|satur|sun)day) before\b"
    r"|\bbefore that\b|\b(?:the )?(?:previous|prior)"
    r" (?P<prior>day|week|weekend|month|year|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|\bthe one before\b",
    re.IGNORECASE,
)
# How far back "the day before", "the week before" move a stretch of time that is shorter than that (Tuesday evening
# is followed by Monday evening, not by Tuesday's daytime).
_UNIT_BACK = {"day": timedelta(days=1), "week": timedelta(weeks=1), "weekend": timedelta(weeks=1)}


def _before_that(state: _State, message: str) -> bool:
    """Whether a message asks about the stretch of time before the one the last answer about the user covered."""
    span = state.get("habits_span")
    return span is not None and span[0] is not None and _BEFORE_THAT_RE.search(read(message).text) is not None


def _span_before(span: tuple[datetime | None, datetime | None], now: datetime, message: str = "") -> PastSpan:
    """The stretch of time just before ``span`` (until now when it has no end), as long as it: the calendar month
    before a calendar month ("in June", then "and the month before?"), and the same hours a day or a week earlier
    for "the day before", "the week before" ("last Tuesday evening", then "and the day before?": Monday evening)."""
    since, until = span
    if since is None:  # an answer over all time has nothing before it but all time
        return PastSpan(now, now)
    until = until or now
    said = _BEFORE_THAT_RE.search(read(message).text) if message else None
    unit = (said["unit"] or said["prior"] or "").lower() if said is not None else ""
    unit = "week" if unit.endswith("day") and unit != "day" else unit  # "the Saturday before that": a week back
    # "And the day before?" after Thanksgiving (that day and its night, to 5 am): the whole Wednesday, not the 29
    # hours before Thursday (Tuesday 7 pm to Wednesday's midnight).
    if unit in _UNIT_BACK and until - since < _UNIT_BACK[unit] + _UNIT_BACK["day"]:
        return PastSpan(since - _UNIT_BACK[unit], until - _UNIT_BACK[unit])
    if since.day == 1 and until.day == 1 and since.time() == until.time() == datetime.min.time():
        months = (until.year - since.year) * 12 + until.month - since.month
        start = since
        for _ in range(months):
            start = (start - timedelta(days=1)).replace(day=1)
        return PastSpan(start, since)
    return PastSpan(since - (until - since), since)


# "Near the second one", "far from the first": a place of the last list by its rank.
_RANKED_PLACE_RE = re.compile(
    rf"^(?:the )?(?:number |#)?(?P<rank>{'|'.join([*ORDINALS, 'last'])}|[1-9])(?: one| place| spot)?$", re.IGNORECASE
)
# "Why these?", "how did you pick them?": the list, not the one place talked about.
_PLURAL_POINTER_RE = re.compile(r"\b(?:these|those|them|they|all|the list|this list)\b", re.IGNORECASE)
_MEAL_TIME_RE = re.compile(r"\b(?:breakfast|brunch|lunch|dinner|supper)\b", re.IGNORECASE)
# "And from the Empire State Building?", "and MoMA to Rockefeller Center?" after a distance between two places.
_AND_FROM_RE = re.compile(
    r"^\W*(?:and|what about|how about|ok|okay)\s+(?:from|to)\s+(?P<origin>[^?!.,;]{2,60}?)\W*$", re.IGNORECASE
)
_AND_PAIR_RE = re.compile(
    r"^\W*(?:and|what about|how about)\s+(?:between\s+)?(?P<subject>[^?!.,;]{2,60}?)\s+(?:to|and|from)\s+"
    r"(?P<origin>[^?!.,;]{2,60}?)\W*$",
    re.IGNORECASE,
)
# Statements that put right what the assistant said or suggested.
_CORRECTIONS = frozenset({"closed_place", "dispute_visits", "wrong_kind"})
# Statements about a place or a change of mind, whose words ask for nothing unknown ("the Grey Dog is overrated" asks
# nothing of its amenities).
_SAID_OF_A_PLACE = _CORRECTIONS | {"like_place", "dislike_place", "take_back"}
# "It", "there", "that one", "this place": the place the conversation is about.
# "You suggested", "you recommended": a place the assistant showed.
_YOU_SUGGESTED = r"you (?:just )?(?:suggested|recommended|showed|picked|gave me|sent me|told me about)\b"
_POINTING_WORDS_RE = re.compile(
    rf"^(?:{THERE}|it|that|this)(?: one| place| spot)?$"
    # "The place you suggested yesterday": the one of this conversation, if any (other conversations are not kept).
    rf"|^(?:the |that )?(?:[\w'-]+ )?(?:place |one |spot )?(?:that )?{_YOU_SUGGESTED}.*$",
    re.IGNORECASE,
)
# "Is it too late to go to the Met?", "is it worth visiting the High Line?": an "it" that points at no place.
# "Going to the Grey Dog later, what do you know about it?": a place named, then asked of in the next clause.
_GOING_THEN_IT_RE = re.compile(
    r"^\W*(?:(?:ok|so|hey|btw)\W+)?(?:(?:i'?m|im|we'?re|i am|we are)\s+)?(?:going|heading|headed|off|about to go)"
    r"\s+to\s+(?:the\s+)?(?P<name>[^,.!?;]{2,60}?)"
    r"(?:\s+(?:later|tonight|today|tomorrow|now|soon|after work|this (?:morning|afternoon|evening|weekend)))?"
    r"\s*[,;.!?]",
    re.IGNORECASE,
)
_IT_OF_A_PLACE_RE = re.compile(
    r"\bis it (?:too |still |really )?(?:late|early|worth|possible|a good idea|ok|okay|far|hard|easy|safe)"
    r" (?:to |for |going |visiting |a visit )",
    re.IGNORECASE,
)
# "The place you suggested yesterday": a list of another conversation, which is not kept.
_ANOTHER_DAY_RE = re.compile(
    rf"\b{_YOU_SUGGESTED}.*"
    r"\b(?:yesterday|last (?:time|week|night|month|weekend)|the other day|(?:a few|two|three|\d+) days ago)\b",
    re.IGNORECASE,
)
# "From the restaurant", "near that bar": a place of the conversation by its kind.
# "The restaurant", "the second bar", "the last café", "the bar you mentioned first", "the theater you mentioned".
_SHOWN_KIND_RE = re.compile(
    rf"^(?:(?:the|that|this) )?(?:(?P<rank>{'|'.join([*ORDINALS, 'last'])}) )?(?P<kind>.+?)(?: place| spot| one)?"
    r"(?: (?P<you>(?:you|u) (?:just )?(?:mentioned|said|suggested|showed me|listed|gave me))"
    rf"(?: (?P<said>{'|'.join(ORDINALS)}))?)?$",
    re.IGNORECASE,
)
# Words for food itself, no kind of place ("I hate the food"): a verdict on a place's food points at no place.
_FOOD_ITSELF = frozenset({"food", "meal", "meals", "eating", "eats", "cuisine", "stuff", "things"})


def _points_at_one_of_kind(words: str) -> bool:
    """Whether a statement's words point at one shown place by its kind: a kind noun alone ("the restaurant closed",
    "I hate the bar"), with a pointer or a rank ("that bar", "the second café", "the bar you mentioned"); not a taste
    said of a whole kind ("I hate loud bars", "i hate noisy restaurants", "spicy food", "les trucs italiens"), which
    is no wish to hide the first place of that kind shown."""
    match = _SHOWN_KIND_RE.match(words)
    if match is None:
        return False
    if match["rank"] or match["you"] or re.match(r"(?:that|this)\b", words, re.IGNORECASE):
        return True
    kind = match["kind"].casefold()
    singular = (CATEGORY_WORDS.get(kind[:-1]), CATEGORY_WORDS.get(kind[:-2]))
    plural = kind.endswith("s") and CATEGORY_WORDS.get(kind) in singular  # "bars": the kind, no one bar
    return kind in CATEGORY_WORDS and kind not in _FOOD_ITSELF and not plural


def _read_in_steps(language: Language | None, steps: Iterator[Any]) -> Iterator[Any]:
    """The steps of a turn's graph, each run with its messages read in the conversation's ``language`` (``read_in``),
    none across a yield: the caller may take the next step in another context (a server's thread)."""
    while True:
        with read_in(language):
            try:
                step = next(steps)
            except StopIteration:
                return
        yield step


def _language(state: _State) -> str:
    """The language of the turn's request, English when there is none."""
    request = state.get("request")
    return request.language if request is not None else "en"


def _asked_time(request: ChatRequest) -> bool:
    """Whether a question about places names a time other than now ("is it busy on Sundays?", not "open now?")."""
    return request.when is not None and request.when.strip().lower() not in ("now", "right now")


def _category_of(words: str) -> str | None:
    """The category term some kind words name ("restaurant", "lunch", "the coffee place")."""
    return CATEGORY_WORDS.get(words.casefold()) or parse_rules(words).category


def _origin(request: ChatRequest | None) -> str | None:
    """The place a request's distances are measured from when it is not the user ("bars in the East Village", "is
    it far from Central Park?"); None for the user's own place, or one they say they are at."""
    if request is None or request.location is None or request.near in (None, HERE) or request.placed_self:
        return None
    return request.near


def _named_again(request: ChatRequest, previous: ChatRequest | None, message: str = "") -> ChatRequest:
    """The place a request names when it is the last request's again: "closer to the park" after "near Washington
    Square Park" is that park, not a place called The Park (and "closer" asks for places nearer to it)."""
    if previous is None or previous.location is None or not previous.near or not request.near:
        return request
    asked, before = request.near.casefold(), previous.near.casefold()
    noun = asked.removeprefix("the ").strip()
    again = asked == before or (
        request.location is not None and float(haversine_km(*request.location, *previous.location)) <= SAME_PLACE_KM
    )
    others = _OTHERS_RE.search(message) or TURNED_DOWN_RE.search(message)
    # "And after Pacha?" after a bite before Pacha: the same place at a later time, not places nearer it.
    others = others or _BY_A_PLACE_RE.search(message)
    # "And a gym near there" after coffee near JFK: another kind at the same place, no nearer than the coffee.
    another_kind = request.category is not None and request.category != previous.category
    if request.intent == "refine" and again and request.near not in (HERE, THERE) and not others and not another_kind:
        # "Something closer to Union Square" after lunch near Union Square, "near the Grove Street PATH" after
        # "close to Grove St": the place of the last ask again, which asks for places nearer to it ("any other
        # coffee near it?" asks for others).
        update = {"near": previous.near, "location": previous.location, "unplaced": None, "closer": True}
        return request.model_copy(update=update)
    if asked in (noun, before) or not before.endswith(f" {noun}"):
        return request
    closer = request.closer or _CLOSER_TO_RE.search(message) is not None
    update = {"near": previous.near, "location": previous.location, "unplaced": None, "closer": closer}
    return request.model_copy(update=update)


# "The subway", "the L train", "a bus stop": a network, not one place (and not a venue called Subway).
# A subway line by its letter or number ("the L", "the 6 train", "the G line").
_LINE_RE = re.compile(r"^(?:the )?(?P<line>[1-7]|[a-z])(?: (?:train|line))?$", re.IGNORECASE)
# "Is the first or the second closer to the subway?", "which is nearer the train, 2 or 4?": measured to a stop.
_STOP_COMPARED_RE = re.compile(
    r"\b(?:closer|nearer|closest|nearest)(?: to)? (?:the |a |an )?(?:\w+ )?"
    r"(?P<mode>subway|train|metro|bus|ferry|path)\b",
    re.IGNORECASE,
)
_TRANSIT_RE = re.compile(
    r"^(?:the |a |an )?(?:\w{1,2} )?(?P<mode>subway|train|metro|bus|ferry|path)(?: (?:station|stop|line|train))?s?$",
    re.IGNORECASE,
)
# "Something fun", "anything fun to do": fun of any kind.
_SOMETHING_FUN_RE = re.compile(r"\b(?:something|somewhere|anything|anywhere|stuff) (?:\w+ )?fun\b", re.IGNORECASE)
# "Lunch after the museum": after a place the conversation has shown.
# "And for lunch after the museum?", "and drinks after dinner?" opening a follow-up: after a place of the list.
# "Somewhere fun for them" after dinner with the nephews: the children are still who the places are for.
_FOR_THEM_RE = re.compile(
    r"\b(?:for|with) (?:them|him|her|the (?:kids|children|little ones|boys|girls|nephews?|nieces?))\b"
    r"|\b(?:they|he|she)(?:'d| would|'ll| will| might)? (?:like|love|enjoy)\b",
    re.IGNORECASE,
)


def _still_for_children(request: ChatRequest, previous: ChatRequest | None, message: str) -> ChatRequest:
    """A new ask for the children of the last one ("somewhere fun for them" after dinner with the nephews) leaves out
    the bars that one did, and with no kind named is a family outing; any other request as it is."""
    if previous is None or request.intent not in ("recommend", "refine") or not _FOR_THEM_RE.search(message):
        return request
    if not set(ADULTS_ONLY) <= set(previous.exclude_categories) or request.category in ADULTS_ONLY:
        return request
    out = list(dict.fromkeys([*request.exclude_categories, *ADULTS_ONLY]))
    category = request.category or (FAMILY_OUTING if request.intent == "recommend" else None)
    return request.model_copy(update={"exclude_categories": out, "category": category})


_TODAY_RE = re.compile(r"\b(?:today|tonight|this (?:evening|afternoon|morning))\b", re.IGNORECASE)
# "Food before the movie", "dinner before the show": the place that is the later stop, talked about already.
_BEFORE_THE_RE = re.compile(r"\bbefore (?:the|that|this|our|my) \w+", re.IGNORECASE)
# A show is of any of these ("dinner before the show", "a bite before the gig").
_SHOW_RE = re.compile(r"\bthe (?:show|gig|play|concert|performance|musical|film|movie)\b", re.IGNORECASE)
SHOW_KINDS = ("Theater", "Music Venue", "Comedy Club", "Concert Hall", "Performing Arts Venue", "Movie Theater")
_AFTER_THE_RE = re.compile(
    r"\bafter (?:the|that|this) \w+"
    r"|^\W*(?:(?:hmm|ok|okay|so|and|then)\W+)+\w+(?: \w+)? after (?:our |my )?(?:dinner|lunch|brunch|breakfast)\b",
    re.IGNORECASE,
)
# "What about the third?", "and the second one?": the last question about one place, of another of the list.
_ANOTHER_RANK_RE = re.compile(
    rf"^\W*(?:ok(?:ay)?,?\s+)?(?:and |but )?(?:(?:what|how) about )?the (?:{'|'.join([*ORDINALS, 'last'])})"
    r"(?: one| place)?\W*$",
    re.IGNORECASE,
)
# "Is the first one a chain?", "is it independent?": how many places go by its name.
_CHAIN_ASKED_RE = re.compile(r"\b(?:a |part of a )?chains?\b|\bfranchises?\b|\bindependent(?:ly owned)?\b", re.I)
# "The Lorimer stop", "Bedford Ave station": a stop named by its street.
_A_STOP_RE = re.compile(
    r"^(?:the )?(?P<name>[\w'&. -]+?) (?:(?P<line>[1-7]|[abcdefgjlmnqrswz]) )?(?:subway |train |metro |bus |ferry )?"
    r"(?:stop|station)s?$",
    re.IGNORECASE,
)
# Within this of an airport's own catalogue place, a point is said to be at the airport ("where am I?" at JFK).
AIRPORT_NAMED_KM = 2.0
# A position farther than this from every catalogue place is outside New York (Boston is 300 km off): no list of
# New York's places is made for it, nor is it named by the nearest one.
OUT_OF_TOWN_KM = 50.0
# "A little farther away" is said of places at most this much past the radius searched (and within its first
# widening step): "nothing within 2 km … a little farther away" then a bar 9 km off reads as a lie.
LITTLE_FARTHER_KM = 3.0
# "Is it close to the subway?": a stop farther than this from the place is no answer (the catalogue holds only the
# stops someone checked in at).
STOP_KNOWN_WITHIN_KM = 1.5
_CLOSER_TO_RE = re.compile(r"\b(?:closer|nearer) to\b", re.IGNORECASE)
# A place named this close to the last ask's is the same place said again ("Grove St", then "the Grove Street PATH").
SAME_PLACE_KM = 0.3


# The catalogue's top level of every restaurant, café and bar.
FOOD_AND_DRINK = "Dining and Drinking"
# Where people have a meal: those, and food halls and markets (Eataly is a "Gourmet Store", Chelsea Market a "Market").
MEAL_PLACES = EITHER_SEPARATOR.join([FOOD_AND_DRINK, "Gourmet Store", "Market"])
# Where a user's usual meal of an hour may be: any of those, a deli-grocery too (a late-night snack at Westside Market).
USUAL_MEAL_PLACES = EITHER_SEPARATOR.join([MEAL_PLACES, "Food and Beverage Retail"])
# The kinds "the usual" may stand in for whatever the user goes to: "the usual friday thing" read as things to do.
_ANY_USUAL_KINDS = frozenset({THINGS_TO_DO_KIND, FOOD_AND_DRINK})
# "The usual", "my usual lunch place", "where I normally go", "same as usual", "lo de siempre", "comme d'habitude":
# the user's own places of that hour, not any place they know ("a bar I know").
_USUAL_SAID_RE = re.compile(
    r"\busual\b|\b(?:usually|normally|typically|always) (?:go|eat|get|have|hang out|end up)\b|\bhabitu"
    r"|\bsiempre\b|\bcostumbre\b|\bcomme usually\b|\bgo-to\b"
    r"|\bregular (?:place|spot|bar|cafe|coffee|lunch|dinner|club)\b",
    re.IGNORECASE,
)
# A restaurant named as such, not a meal ("lunch", "dinner") read as one.
_RESTAURANT_SAID_RE = re.compile(r"\brestaurants?\b|\brestos?\b|\bplaces? to eat\b", re.IGNORECASE)
_CASUAL_RE = re.compile(
    r"\b(?:casual|laid[- ]back|relaxed|low[- ]key|less fancy|not so fancy|nothing (?:too |that )?fancy)\b",
    re.IGNORECASE,
)
# "Not too crowded", "less busy": fewer people at the same kind of place, not another kind.
_CROWD_RE = re.compile(r"\b(?:crowd(?:ed|s)?|busy|packed|touristy|full)\b", re.IGNORECASE)
# Another kind said in place of the last ask's ("more like a lounge", "a wine bar instead", "plutôt un café"): the same
# outing changed, not a new ask.
_KIND_INSTEAD_RE = re.compile(
    r"\b(?:instead|rather|more like|more of an?|actually|swap|in place of|en vez|en lugar|mejor|plut[oô]t|au lieu)\b",
    re.IGNORECASE,
)


def _another_ask(previous: ChatRequest, request: ChatRequest, message: str) -> bool:
    """Whether a follow-up asks for an unrelated kind of place ("and food after" after bars I know, "and food before
    the movie"): what only the last ask wanted ("somewhere I've been") does not carry over to it."""
    if request.category is None or _KIND_INSTEAD_RE.search(message):
        return False
    if previous.category is None:
        return request.then is not None  # "and food before the movie" after "the one I usually go to?"
    return not is_of_kind(previous.category, request.category) and not is_of_kind(request.category, previous.category)


# "Quieter?", "a calmer one", "what about a quiet one" after bars: quieter bars ("something calmer" is another kind).
_SAME_KIND_CALMER_RE = re.compile(
    r"^\W*(?:(?:ok|okay|hmm+|and|maybe|what about|how about)\W+)*(?:an?\s+|any\s+)?(?:bit\s+|little\s+)?"
    r"(?:quieter|calmer|quiet|calm|less (?:loud|noisy))(?:\s+(?:one|ones|bar|bars|place|places|spot|spots))?"
    r"(?:\s+(?:than (?:that|those|these)|please|pls|maybe|then))?\W*$",
    re.IGNORECASE,
)


def _refined(previous: ChatRequest, request: ChatRequest, message: str = "") -> ChatRequest:
    """A follow-up ("not bars, something quieter") keeps what it does not change."""
    exclusions = list(dict.fromkeys([*previous.exclude_categories, *request.exclude_categories]))
    # "Something like Katz's instead" after bagel shops: places like Katz's, of its kind (the agent gives it).
    category = request.category or (None if request.like_name else previous.category)
    with_it_too = ONE_WITH_RE.search(message) or _WITH_IT_TOO_RE.search(message)
    one_with = request.category is not None and previous.category is not None and with_it_too
    if one_with and (request.category in GENERIC_KINDS or is_of_kind(str(request.category), str(previous.category))):
        # "One with good beer" after sports bars: a sports bar still, not any bar; "one with a view", "any with food
        # too?" after bars: a bar, as "a bar with a view" is. A kind of its own ("one with sushi") is that kind.
        category = previous.category
    # "Something calmer" after "a bar" asks for another kind of place, not a quiet bar (quiet drops loud kinds);
    # after a sports bar, a bar that is no loud kind of bar. "Not too crowded" keeps the kind.
    # "Somewhere we can hear each other" keeps the kind too: a quieter one of it.
    calmer = request.quiet and not request.category and not _CROWD_RE.search(message)
    calmer = calmer and not TALKABLE_RE.search(message) and not _SAME_KIND_CALMER_RE.match(message)
    crowds_only = _CROWD_RE.search(message) is not None
    fancier = not request.category and re.search(FANCIER, message, re.IGNORECASE) is not None
    if fancier and category == "Restaurant":
        category = DATE_DINNER  # "something a bit fancier" after dinner ideas: a table for an occasion, no chain
    if not request.category and _CASUAL_RE.search(message) and category in DATE_KINDS:
        # "Something a bit more casual" after a romantic dinner: any restaurant; after a date night, anywhere to eat
        # or drink (a plaza or a concert hall had come).
        category = "Restaurant" if category == DATE_DINNER else FOOD_AND_DRINK
    # "What about the evening, something fun?" after lunch places: fun of any kind, not a fun restaurant.
    something_fun = request.fun and not request.category and _SOMETHING_FUN_RE.search(message) is not None
    if category in exclusions or (calmer and category in LOUD_CATEGORIES) or something_fun:
        category = None
    elif calmer and category in LOUD_KINDS_WITHIN:
        category = "Bar" if is_of_kind("Bar", category) else None
    moved_out = previous.near is not None and previous.near in request.not_in
    # "Somewhere I've been" was that ask's; "and food after" is another one.
    another = _another_ask(previous, request, message)
    plan = _stop_swapped(previous, request)
    return request.model_copy(
        update={
            "category": category,
            "keyword": request.keyword or previous.keyword,
            "exclude_categories": exclusions,
            "exclude_names": list(dict.fromkeys([*previous.exclude_names, *request.exclude_names])),
            # "Not in Midtown" after bars in Midtown: bars elsewhere, searched from here.
            "near": request.near or (None if moved_out else previous.near),
            "not_in": [area for area in dict.fromkeys([*previous.not_in, *request.not_in]) if area != request.near],
            # "And coffee?" after "what's near the Met?", then "a gym?": still there.
            "area_kept": request.near is None and _of_any_kind_there(previous),
            # "What about near the subway?" after coffee near Union Square: still near the square, and a stop.
            "near_kinds": request.near_kinds or previous.near_kinds,
            "location": request.location if request.near or moved_out else previous.location,
            "around": request.around if request.near or moved_out else previous.around,
            # "Only bars" after "where do people go after MSG?": still where people went on to from there.
            "after_place": request.after_place if request.near else previous.after_place,
            **_when_refined(previous, request),
            # "Somewhere new" and "somewhere I know" undo each other; either carries over until the other is said.
            "surprise": request.surprise or (previous.surprise and not request.familiar),
            "familiar": request.familiar or (previous.familiar and not request.surprise and not another),
            # "Somewhere less crowded" after clubs: clubs fewer people go to (``local``), not no clubs at all.
            "quiet": (request.quiet and not (crowds_only and category in LOUD_PLACES)) or previous.quiet,
            "independent": request.independent or previous.independent or fancier,
            "local": request.local or previous.local,
            "not_lately": request.not_lately or (previous.not_lately and not request.surprise),
            "unusual": request.unusual or (previous.unusual and not request.familiar),
            "fun": request.fun or previous.fun,
            # "And in Brooklyn?" after "the most popular bar in the LES" still asks for the most popular.
            "popular": (request.popular or previous.popular) and not request.local,
            "farther": request.farther or (previous.farther and not request.closer and not request.near),
            # "Nothing over 2km", then "not italian": still within 2 km, until farther is fine.
            "max_km": request.max_km or (None if request.farther else previous.max_km),
            "walk_minutes": request.walk_minutes or (None if request.farther else previous.walk_minutes),
            # "Somewhere quieter" after "dinner and drinks after" keeps the second stop; a new kind drops it.
            "then": request.then if request.category or something_fun else (request.then or previous.then),
            # "Swap the bar for a café" after "dinner then a bar near the office": the plan, with that stop changed.
            **plan,
        }
    )


def _one_stop_changed(previous: ChatRequest | None, request: ChatRequest) -> bool:
    """Whether a request is the last two-stop plan with one of its stops changed, the other kept."""
    if previous is None or not previous.then or not request.then:
        return False
    return (request.category != previous.category) != (request.then != previous.then)


def _stop_swapped(previous: ChatRequest, request: ChatRequest) -> dict[str, Any]:
    """The two stops of the last plan with one of them swapped for the kind a follow-up asks instead ("swap the bar for
    a café", "a coffee place instead of the bar", "cambia el bar por un café" after "dinner then a bar": dinner then a
    café), the other one and the plan's times kept; nothing when the follow-up swaps no stop of a plan."""
    if previous.then is None or request.category is None or request.then is not None:
        return {}
    swapped = [kind for kind in request.exclude_categories if kind not in previous.exclude_categories]

    def one_of(stop: str | None) -> bool:
        return stop is not None and any(is_of_kind(kind, stop) or is_of_kind(stop, kind) for kind in swapped)

    kept = {"then_when": previous.then_when, "then_at": previous.then_at, "first_before": previous.first_before}
    if one_of(previous.then):
        # The bar's kind, ruled out of the dinner too, would say nothing of the dinner.
        exclusions = [kind for kind in previous.exclude_categories if kind not in swapped]
        return kept | {"category": previous.category, "then": request.category, "exclude_categories": exclusions}
    if one_of(previous.category):
        exclusions = [kind for kind in previous.exclude_categories if kind not in swapped]
        return kept | {"category": request.category, "then": previous.then, "exclude_categories": exclusions}
    return {}


def _when_refined(previous: ChatRequest, request: ChatRequest) -> dict[str, Any]:
    """The time of a follow-up: its own, the last ask's when it names none, an hour alone ("earlier, like 10am") on
    the day the last ask named ("brunch this Sunday"), and a day alone ("actually make that tomorrow") at the hour
    the last ask named ("dinner tonight")."""
    if request.event_at is not None:  # "and before the 7:30 show?": timed by that event
        return {"when": request.when, "at": request.at}
    if not request.when:
        return {"when": previous.when, "at": previous.at}
    if previous.at is None or request.at is None:
        return {"when": request.when, "at": request.at}
    if half_of_day_unsaid(request.when) and not names_day(request.when):
        # "Earlier, like 7:30" after coffee Monday at 9 am: 7:30 am, the half of the day of the plan; "a bit later,
        # like 9" after breakfast at 7: 9 am; "make it 8" after dinner at 7:30: 8 pm.
        plan = previous.at
        hour = min((request.at.hour % 12, request.at.hour % 12 + 12), key=lambda option: abs(option - plan.hour))
        at = plan.replace(hour=hour, minute=request.at.minute)
        return {"when": f"{previous.when}, {clock_time(at)}", "at": at}
    if names_day(previous.when) and not names_day(request.when):
        at = previous.at.replace(hour=request.at.hour, minute=request.at.minute)
        return {"when": f"{previous.when}, {request.when}", "at": at}
    if names_hour(previous.when) and not names_hour(request.when):
        # "Actually make that tomorrow" after dinner tonight: tomorrow at dinner time, not at noon.
        at = request.at.replace(hour=previous.at.hour, minute=previous.at.minute)
        return {"when": f"{request.when} at {clock_time(at)}", "at": at}
    return {"when": request.when, "at": request.at}


def _about_again(previous: ChatRequest, request: ChatRequest, message: str, now: datetime) -> bool:
    """Whether a follow-up to a question about when a place is busy asks the same of another time ("and on Sunday
    mornings?"), or one about the user's visits there of another stretch of the past ("and in November?"): only time
    words, nothing else asked."""
    if previous.intent != "about" or request.intent != "refine":
        return False
    busy_again = "busy" in previous.asks and request.when is not None
    if not busy_again and not ("visits" in previous.asks and past_span(message, now) is not None):
        return False
    asks_places = (request.category, request.keyword, request.near, request.exclude_categories, request.exclude_names)
    flags = (request.surprise, request.familiar, request.quiet, request.independent, request.local, request.closer)
    return not any(asks_places) and not any(flags) and request.pick is None


def _habits_again(previous: ChatRequest, request: ChatRequest, message: str, now: datetime) -> bool:
    """Whether a follow-up to a question about the user's own visits asks the same of another time ("and what about
    weekends?", "and in June?"): only time words, no kind of place, no place, nothing new or known."""
    # "At this hour?", "a estas horas?" with no "and": no rule reads an intent (the LLM may guess one), yet they ask the
    # question again too.
    this_hour = asks_this_hour(message) and parse_rules(message).intent is None
    if previous.intent != "profile" or not (request.intent == "refine" or this_hour):
        return False
    # "And on weekdays at lunch?": a meal's time, whose kind is the visits asked about (where the user eats then).
    meal = request.when is not None and _MEAL_TIME_RE.search(request.when) is not None
    kind = None if meal else request.category
    asks_places = (kind, request.keyword, request.near, request.exclude_categories, request.exclude_names)
    flags = (request.surprise, request.familiar, request.quiet, request.independent, request.local, request.closer)
    timed = request.when is not None or past_span(message, now) is not None or asks_this_hour(message)
    return not any(asks_places) and not any(flags) and timed


def _leaf_kind(place: Suggestion | Place) -> str:
    """A place's kind as its category path ends ("Gourmet Store" for Eataly, "Night Club" for Marquee)."""
    return place.category_path.split(CATEGORY_SEPARATOR)[-1].strip() or place.category


def _habits_kept(
    previous: ChatRequest, request: ChatRequest, message: str, now: datetime, timezone: str
) -> ChatRequest:
    """A follow-up that asks the last question about the user's habits of another time, with what it does not
    change kept: "and on weekdays?" after "where do I usually get lunch on weekends?" is weekday lunches (the kind,
    and the meal's part of the day); "and in the evenings?" after "what do I do on Saturdays?" Saturday evenings;
    "and this late?" after "what do I usually do on Thursdays?" Thursday nights (``habits_slice`` takes the part of
    the day from now)."""
    update: dict[str, Any] = {"intent": "profile"}
    if request.category is None and previous.category and not previous.change:
        update["category"] = previous.category
    asked = request.when
    if asked is None and asks_this_hour(message):
        # "This late", "a esta hora": the part of the day it is now, said as the words of a `when` ("night"), so
        # that "and on Saturdays?" after it keeps it too.
        asked = daypart(now.astimezone(ZoneInfo(timezone)).hour)
    if asked and (kept := when_kept(asked, previous.when)):
        when = f"{kept} {asked}"
        update |= {"when": when, "at": resolve_when(when, now, timezone) or request.at or previous.at}
    return request.model_copy(update=update)


# "When was the last time", "and when did I last go": the latest visit, of whatever the last question was about.
_LAST_TIME_RE = re.compile(
    r"\b(?:last|latest|most recent) time\b|\bwhen did (?:i|we) (?:last|first)\b"
    r"|\bwhen (?:was|were) (?:i|we) (?:last|first)\b",
    re.IGNORECASE,
)


def _last_time_again(previous: ChatRequest, request: ChatRequest, text: str) -> ChatRequest | None:
    """The request a follow-up asking when the user last went ("when was the last time", "and when did I last go")
    stands for, when it names nothing itself: the user's visits to the kind asked about just before ("how often do I
    go to the gym?": their gyms), or to the place ("how many times have I been to Bierhaus?": its card, the focus);
    else None. A random venue must not answer it ("Time Life" for "time")."""
    if request.intent not in ("about", "profile") or not _LAST_TIME_RE.search(text) or named_words(text):
        return None
    if request.category or request.near or request.pick is not None or request.keyword:
        return None
    if previous.intent == "profile" and previous.category and not previous.change:
        return request.model_copy(update={"intent": "profile", "category": previous.category, "asks": []})
    if previous.intent == "about" and "visits" in previous.asks:
        return request.model_copy(update={"intent": "about", "asks": ["visits"]})
    return None


def _count_only(request: ChatRequest) -> bool:
    """Whether a request asks for nothing but a count ("give me 3 options"): the last request again, with it."""
    asks = (request.category, request.keyword, request.near, request.when, request.exclude_categories)
    asks += (request.exclude_names,)
    flags = (request.surprise, request.familiar, request.quiet, request.independent)
    counted = "k" in request.model_fields_set  # a stated count, even the default one ("give me 5 options")
    return request.intent == "recommend" and counted and not any(asks) and not any(flags)


def _none_closer(suggestions: Sequence[Suggestion], first: Suggestion) -> bool:
    """Whether "closer please" found nothing nearer than the last list's first place (it may be listed again)."""
    return bool(suggestions) and all(item.distance_km >= first.distance_km - CLOSER_SAME_KM for item in suggestions)


def _within(suggestions: Sequence[Suggestion], km: float) -> int:
    """How many suggestions are within ``km`` (the rest were found by widening the search)."""
    return sum(item.distance_km <= km for item in suggestions)


def _a_little_farther(km: float, radius: float) -> bool:
    """Whether places up to ``km`` away are "a little farther" than a radius searched: within its first widening
    step and LITTLE_FARTHER_KM of it (5 km for "near here"'s 2 km; 9 km is a trip of its own, said as such)."""
    return km <= min(radius * WIDER_RADII[0], radius + LITTLE_FARTHER_KM)


def _at_least_km(km: float) -> str:
    """A distance as "the nearest I know are N km away or more" may say it: rounded down, so that 5.7 km is "5",
    never "6"; under a kilometre, to a tenth."""
    return f"{math.floor(km)}" if km >= 1 else f"{math.floor(km * 10) / 10:g}"


def _all_beyond(suggestions: Sequence[Suggestion], km: float) -> bool:
    """Whether every suggestion is farther than ``km`` (the search for places near the user found none)."""
    return bool(suggestions) and all(item.distance_km > km for item in suggestions)


def _drafted(payload: tuple[Any, dict[str, Any]], draft: LinkHold) -> str:
    """The text a streamed message chunk releases, when the writing node streamed it."""
    chunk, metadata = payload
    if metadata.get("langgraph_node") != "write" or not isinstance(chunk.content, str):
        return ""
    return draft.feed(chunk.content)


def _point(place: LatLon) -> dict[str, float]:
    return {"latitude": place.latitude, "longitude": place.longitude}


def _from_hit(rank: int, hit: PlaceHit) -> Suggestion:
    evidence = [f"matches your description (similarity {hit.similarity:.2f})"]
    if hit.distance_km is not None:
        evidence.append(f"{hit.distance_km:.1f} km from you")
    return Suggestion(
        **hit.model_dump(include=set(PlaceAnswer.model_fields)),
        rank=rank,
        distance_km=hit.distance_km or 0.0,
        is_return=False,
        score=hit.similarity,
        evidence=evidence,
    )


def _without_vectors(context: InterestContext) -> InterestContext:
    """The context without raw vectors: memory keeps what the inspector shows, not 384 floats per snapshot."""
    snapshots = [snapshot.model_copy(update={"embedding": []}) for snapshot in context.snapshots]
    return context.model_copy(update={"vector": [], "snapshots": snapshots})


def _in_area_said(details: PlaceDetails, area: str, language: str) -> str:
    """'Yes: **X** is in Brooklyn.' or 'No: **X** is in Midtown, not in Brooklyn.', from where the place is
    (``assistant.gazetteer.is_in_area``), before its card."""
    if is_in_area(area, details.latitude, details.longitude):
        return fixed_text("in_area_yes", language).format(place=details.label, area=area) + " "
    where = details.area or borough_at(details.latitude, details.longitude)
    return fixed_text("in_area_no", language).format(place=details.label, area=area, where=where) + " "


def _listing_line(item: Suggestion, language: str = "en") -> str:
    """'2. **Lucky Dog** (Bar, 0.7 km) — popular: 14 check-ins by 12 people; new to you': rank, name, kind, distance,
    then the evidence, whose facts line gives the distance once only (the heading has it). Within 50 m the heading
    says "under 0.1 km": distances are from where the list was searched, which is not always the user ("right here"
    of a bar next to the restaurant it is for after)."""
    distance = fixed_text("under_100_m", language) if item.distance_km < RIGHT_HERE_KM else f"{item.distance_km:.1f} km"
    *reasons, facts = item.evidence or [""]
    said = (distance, "under 0.1 km", f"{item.distance_km:.1f} km", "right here")
    kept = " · ".join(part for part in facts.split(" · ") if part not in said)
    evidence = reasons_in("; ".join([*reasons, kept] if kept else reasons), language)
    kind = category_name(item.category, language)
    return f"{item.rank}. **{item.label}** ({kind}, {distance})" + (f" — {evidence}" if evidence else "")


def _side_by_side(suggestions: Sequence[Suggestion], ranks: Sequence[int], language: str, lead: str = "") -> str:
    """Shown suggestions by rank, each with its kind, distance and evidence, for "the first or the second?"; under
    ``lead``, the answer to "which is closer?" when the message asked one."""
    picked = [(rank, suggestions[rank - 1]) for rank in ranks if rank <= len(suggestions)]
    if len(picked) < 2:
        return fixed_text("which_place", language)
    blocks = [
        f"{rank}. **{item.label}** ({category_name(item.category, language)}, {item.distance_km:.1f} km)\n"
        + "\n".join(f"- {line}" for line in item.evidence)
        for rank, item in picked
    ]
    return (lead or fixed_text("side_by_side", language)) + "\n\n" + "\n\n".join(blocks)


def _listing(suggestions: Sequence[Suggestion]) -> str:
    """The first suggestions as the LLM reads them: name, kind, distance, whether the user knows it, and the user's
    own habit when the evidence cites one. Other evidence (neighbours' habits, next stops) stays out of the prompt:
    code lists it after the opening, and a small model retells it wrongly."""
    lines = []
    for item in suggestions[:PROMPT_SUGGESTIONS]:
        known = "you have been there" if item.is_return else "new to you"
        line = f"{item.label}: {item.category}, {item.distance_km:.1f} km, {known}"
        habit = next((text for text in item.evidence[:PROMPT_EVIDENCE] if text.startswith("you ")), None)
        lines.append(f"{line}; {habit}" if habit else line)
    return "\n".join(lines)


# A list the model starts ("… you might enjoy are:\n1."): code lists the places after the opening anyway.
_LIST_START_RE = re.compile(r"\n\s*(?:\d+[.)]|[-*•])(?:\s|$)")
# The prompt's markup copied into a reply ("Try the <places>Starbucks: Coffee Shop, 1.3 km, new to you</places>"):
# the place's name is what the sentence meant, the rest of the line is the prompt's.
_COPIED_LISTING_RE = re.compile(r"<\s*places\s*>\s*([^:<\n]*?)\s*(?::[^<]*)?<\s*/\s*places\s*>", re.IGNORECASE)
_PROMPT_TAG_RE = re.compile(r"<\s*/?\s*places\s*>", re.IGNORECASE)
# A small model's refusal or apology, in any of the three languages: never true of a turn that found places.
_REFUSAL_RE = re.compile(
    r"\b(?:i'?m sorry|i am sorry|sorry,? but|i can(?:no|')t (?:help|assist)|i(?:'m| am) (?:unable|not able)|as an ai"
    r"|lo siento|no puedo|d[ée]sol[ée]e?|je ne peux pas)\b",
    re.IGNORECASE,
)
# A listing line copied bare as the reply ("The Flat: Bar, 0.3 km, new to you"): the same facts, as a sentence.
_BARE_LISTING_RE = re.compile(
    r"^\s*(?P<name>[^:\n]{1,80}?):\s*(?P<kind>[^,\n]{1,60}),\s*(?P<km>\d+(?:\.\d+)?)\s*km\b"
    r"(?:,\s*(?P<known>new to you|you have been there)\b[^\n]*|\W*)$"
)


def _opening(reply: str) -> str:
    """The reply's first ``OPENING_SENTENCES`` sentences, before any list it starts: a small model asked for one
    often goes on to list places, which code lists after it anyway. A last sentence the token limit cut off ("… and
    is located at") is dropped when a whole one comes before it, and the prompt's tags copied into it go (a copied
    listing line keeps only its place's name; one copied bare becomes a sentence of the same facts)."""
    reply = _PROMPT_TAG_RE.sub("", _COPIED_LISTING_RE.sub(r"\1", reply))
    reply = _LIST_START_RE.split(reply, maxsplit=1)[0]
    if bare := _BARE_LISTING_RE.match(reply):
        known = {"new to you": ", new to you", None: ""}.get(bare["known"], ", a place you know")
        kind = with_article(bare["kind"].strip())
        return f"{bare['name'].strip()} is {kind} {bare['km']} km away{known}."
    spans = sentence_spans(reply)[:OPENING_SENTENCES]
    if len(spans) > 1 and not _finished(reply[slice(*spans[-1])]):
        spans = spans[:-1]
    return reply[: spans[-1][1]].strip() if spans else reply


def _names_only(reply: str, names: Sequence[str]) -> bool:
    """Whether a reply is nothing but place names ("Tavern on the Green, New York Public Library."): no sentence."""
    rest = reply
    for name in sorted(names, key=len, reverse=True):
        rest = re.sub(re.escape(name), " ", rest, flags=re.IGNORECASE)
    return bool(names) and not re.sub(r"\b(?:and|or|y|o|et|ou)\b", " ", rest, flags=re.IGNORECASE).strip(
        " \t\n.,;:!?-–—"
    )


# Courtesies that say nothing of the places listed under them ("Merci !", "Thanks so much!", "¡Claro que sí!").
_COURTESIES = frozenset(
    re.findall(
        r"\w+",
        """thanks thank you so much very merci beaucoup gracias muchas muchisimas de nada rien hi hello hey bonjour
        salut hola ok okay sure great cool perfect parfait perfecto claro que si oui yes bien vale welcome youre avec
        plaisir""",
    )
)
# A lead this short that names no place ("Here you go!", "Bon appétit !") says nothing of the list either.
SAYS_NOTHING_WORDS = 3


def _says_nothing(reply: str, names: Sequence[str]) -> bool:
    """Whether a lead names no place and says nothing: courtesies only, or at most ``SAYS_NOTHING_WORDS`` words."""
    words = re.findall(r"\w+", fold(reply).casefold().replace("'", "").replace("’", ""))
    return not names and (len(words) <= SAYS_NOTHING_WORDS or all(word in _COURTESIES for word in words))


def _without_echo(reply: str, message: str) -> str:
    """The reply without a first sentence that only repeats the user's message ("Necesito un café cerca de aquí.
    Bistro Caterers está a …"): the small model sometimes opens by echoing the request."""
    spans = sentence_spans(reply)
    if len(spans) > 1 and _bare(reply[slice(*spans[0])]) == _bare(message):
        return reply[spans[1][0] :].strip()
    return reply


def _bare(text: str) -> str:
    """Words only, folded: what two writings of one sentence share."""
    return " ".join(re.findall(r"\w+", fold(text).casefold()))


def _finished(sentence: str) -> bool:
    """Whether a sentence ends as sentences do (a full stop, "!", "?", "…", maybe inside quotes or brackets)."""
    return sentence.rstrip().rstrip("\"'’”)]*").endswith((".", "!", "?", "…", "。"))


def _with_evidence(reply: str, state: _State) -> str:
    """The reply with each suggestion's evidence listed under it, so every suggestion cites its evidence."""
    explanation = state.get("explanation")
    if explanation is not None:
        return f"{reply}\n\nEvidence for {explanation.name}: " + "; ".join(explanation.evidence)
    suggestions = state.get("suggestions") or []
    if not suggestions:
        # "I just moved to Astoria, any Greek food?" with none in the data: the move is still said to be stored.
        also = state.get("also_stated")
        return f"{reply}\n\n{also}" if also else reply
    said_in = _language(state)
    lines = [_listing_line(item, said_in) for item in suggestions]
    if (centre := _from_area_centre(state)) is not None:
        lines.insert(0, centre)  # "bars in Brooklyn" from Midtown: 4.5 km is from Brooklyn's middle, not the user
    if (planned := _planned_for(state.get("request"), state["now"], said_in)) is not None:
        lines.insert(0, planned)  # "For Friday, around 10 pm:": the time the list is for, so a misread shows
    second = state.get("second_from") or 0
    if second:  # "dinner and drinks after": the second stop's places under their own heading
        request = state.get("request")
        # Nothing of the kind within a walk: the nearest there are, not "near" the first stop.
        far = suggestions[second - 1].distance_km > SECOND_STOP_WITHIN_KM
        heading = fixed_text("second_stop_far" if far else "second_stop", request.language if request else "en")
        lines.insert(second - 1, "\n" + heading.format(place=suggestions[0].label))
        # "Brunch, then a museum, then drinks": two stops are planned; the rest is said, not dropped in silence.
        further = further_stops(read(_said(state)).text)
        if further:
            language = request.language if request is not None else "en"
            lines.append("\n" + fixed_text("more_stops", language).format(kinds=", ".join(further)))
    if also := state.get("also_stated"):
        lines.append("\n" + also)
    return reply + "\n\n" + "\n".join(lines)


# A list's point this close to an area's centre was searched around that centre ("bars in Brooklyn").
AREA_CENTRE_KM = 0.05


def _from_area_centre(state: _State) -> str | None:
    """ "(Distances are from the centre of Brooklyn, not from where you are.)": for a list searched around a
    borough's or neighbourhood's centre ("bars in brooklyn", "coffee in Williamsburg") sent by a user outside that
    area, whose distances would otherwise read as their own; None for a list around the user, around a place, or
    around an area the user is in (by the same partition "where am I?" names)."""
    request, here = state.get("request"), state.get("here")
    if request is None or request.intent not in ("recommend", "refine") or here is None:
        return None
    # ("I'm in SoHo, any coffee?": where the user says they are is theirs, as ``_origin`` has it.)
    if request.location is None or request.near in (None, HERE, THERE) or request.around or request.placed_self:
        return None
    area = lookup(request.near)
    if area is None or float(haversine_km(*request.location, area.latitude, area.longitude)) > AREA_CENTRE_KM:
        return None  # "coffee near the Flatiron Building", "on Bleecker Street": not an area's centre
    stated = state.get("stated_here")
    user = stated if stated is not None and not state.get("here_given") else here
    if bool(of_area(area.name, [user[0]], [user[1]])[0]):
        return None  # "bars in Midtown" from Times Square: the user is in that area
    return fixed_text("from_area_centre", request.language).format(area=area.name)


# A plan further from now than this, or on another day, says the time it was made for.
PLANNED_APART = timedelta(hours=1)


def _planned_for(request: ChatRequest | None, now: datetime, language: str) -> str | None:
    """ "For Friday, around 10 pm:", "For tomorrow, around 9 am:": the time a list was planned for, in ``language``,
    when the request named one that is on another day or more than an hour from now; None otherwise, and for a
    holiday (its lead says the day and time already)."""
    # "Somewhere to eat before the movie at 8": the time said is the second stop's, the first planned before it.
    said = request.when or request.then_when or request.event_when if request is not None else None
    if request is None or request.at is None or not said or holiday_named(said) is not None:
        return None
    at = request.at
    if (at.tzinfo is None) != (now.tzinfo is None):
        return None
    local_now = now.astimezone(at.tzinfo) if at.tzinfo is not None else now
    event_at = request.event_at
    # "Dinner before my 8pm movie": the time used is always said, with the event's, even within the hour.
    if event_at is None and at.date() == local_now.date() and abs(at - local_now) <= PLANNED_APART:
        return None
    ahead = (at.date() - local_now.date()).days
    if ahead in (0, 1):
        day = fixed_text("planned_days", language).split("|")[ahead]
    elif 1 < ahead < DAYS_PER_WEEK:
        day = fixed_text("asked_days", language).split("|")[at.weekday()]
    else:
        weekday = fixed_text("asked_days", language).split("|")[at.weekday()]
        month = fixed_text("card_months", language).split("|")[at.month - 1]
        day = fixed_text("planned_date", language).format(weekday=weekday, month=month, day=at.day)
    clock = clock_time(at) if language == "en" else f"{at:%H:%M}"
    if event_at is not None:
        start = clock_time(event_at) if language == "en" else f"{event_at:%H:%M}"
        if not request.event_after:
            return fixed_text("planned_before_event", language).format(day=day, time=clock, start=start)
        hours = f"{(at - event_at).total_seconds() / 3600:g}"
        return fixed_text("planned_after_event", language).format(day=day, time=clock, start=start, hours=hours)
    return fixed_text("planned_for", language).format(day=day, time=clock)


def _trace(messages: Sequence[AnyMessage]) -> list[ToolCall]:
    calls: dict[str, dict[str, Any]] = {}
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                calls[call["id"] or ""] = {"name": call["name"], "arguments": call["args"]}
    trace = []
    for message in messages:
        if isinstance(message, ToolMessage) and message.tool_call_id in calls:
            content = message.content if isinstance(message.content, str) else str(message.content)
            trace.append(
                ToolCall(
                    **calls[message.tool_call_id],
                    result=content if len(content) <= 2_000 else content[:2_000] + "…",
                    error=message.status == "error",
                )
            )
    return trace


__all__ = ["Assistant", "ChatError", "ContextDigest", "ToolCall", "Turn", "TurnEvent"]
