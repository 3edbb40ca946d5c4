"""The assistant's tools: plain functions over the profiles and the recommender, and their LangChain wrappers.

Code calls these (``assistant.agent`` decides which run); each returns a pydantic result that serialises to the
JSON a tool message carries. Every suggestion carries its evidence: the recommender's reasons (the features that
raised its score) and, when the user's interest context backs it, a sentence citing that context ("you often go
to Jazz Clubs on Saturday evenings around the West Village").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ConfigDict, Field

from assistant.gazetteer import NEIGHBOURHOODS
from assistant.requests import LatLon
from profiles.config import Settings
from profiles.context import ContextSnapshot, InterestContext, describe_hour
from profiles.events import Action, Event
from profiles.geo import haversine_km
from profiles.profile import ProfileService
from retrieval.item_index import ItemIndex, PlaceHit
from retrieval.recommender import PlaceRecommender, Recommendation

# "Something quieter": categories people go to for noise and crowds.
LOUD_CATEGORIES = ("Bar", "Night Club", "Nightclub", "Music Venue", "Stadium", "Arcade", "Pub", "Beer Garden")
# Never suggested by the assistant: somebody's home is not a place to go (the evaluation still ranks them).
PRIVATE_CATEGORIES = ("Home (private)", "Residential Building")
# A neighbourhood centre this close names the area of a place.
AREA_RADIUS_KM = 1.5
SEARCH_RADIUS_KM = 3.0
# "Surprise me" shows only places new to the user.
SURPRISE_LEVEL = 1.0
# "Near here", "in Williamsburg": suggestions stay within this distance of the point.
NEAR_RADIUS_KM = 2.0
MAX_EVIDENCE = 4


class Services(Protocol):
    """What the tools need: the settings, profiles, recommender and item index, a way to store events, and the lock
    that keeps reads from seeing an event half applied (``assistant.runtime.Runtime`` is one)."""

    lock: AbstractContextManager[Any]
    settings: Settings
    profiles: ProfileService
    recommender: PlaceRecommender
    item_index: ItemIndex

    def add_events(self, events: Sequence[Event]) -> int: ...


class Suggestion(BaseModel):
    """One suggested place and the evidence behind it."""

    model_config = ConfigDict(frozen=True)

    rank: int
    item_id: str
    name: str
    category: str
    latitude: float
    longitude: float
    distance_km: float
    is_return: bool
    score: float
    evidence: list[str] = Field(min_length=1)

    @property
    def label(self) -> str:
        """The name to show; unnamed places (homes in the data) go by their category."""
        return self.name or f"a {self.category}"


class ContextDigest(BaseModel):
    """The interest context in a few lines, for prompts and the trace."""

    model_config = ConfigDict(frozen=True)

    now: str
    interests_now: list[str]
    interests_overall: list[str]
    emerging: list[str]
    receding: list[str]
    snapshots: list[str] = Field(description="The top snapshots' reasons.")
    note: str | None = None

    def summary(self) -> str:
        """One paragraph a prompt can quote."""
        if not self.interests_now:
            return self.note or "Nothing is known about this user yet."
        parts = [f"It is {self.now}. Interests around now: {', '.join(self.interests_now)}."]
        if self.interests_overall:
            parts.append(f"Overall: {', '.join(self.interests_overall)}.")
        if self.emerging:
            parts.append(f"New lately: {', '.join(self.emerging)}.")
        return " ".join(parts)


class Explanation(BaseModel):
    """Why a place suits the user, from the evidence."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    name: str
    evidence: list[str]


class FeedbackResult(BaseModel):
    """What recording a 👍/👎 did."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    item_id: str
    liked: bool
    stored: int


def digest(context: InterestContext, top: int = 4) -> ContextDigest:
    """The few facts of a context worth a prompt's space."""
    return ContextDigest(
        now=context.now,
        interests_now=[share.label for share in context.labels_now[:top]],
        interests_overall=[share.label for share in context.labels_overall[:top]],
        emerging=context.emerging[:top],
        receding=context.receding[:top],
        snapshots=[f"{', '.join(s.top_labels[:2])}: {s.reason}" for s in context.snapshots[:top]],
        note=context.note,
    )


def area_name(latitude: float, longitude: float) -> str | None:
    """The neighbourhood whose centre is nearest a point, when it is close enough to name the area."""
    best, best_km = None, AREA_RADIUS_KM
    for name, (lat, lon) in NEIGHBOURHOODS.items():
        distance = float(haversine_km(latitude, longitude, lat, lon))
        if distance <= best_km:
            best, best_km = name, distance
    return best


def context_evidence(category: str, context: InterestContext) -> str | None:
    """A sentence citing the snapshot of the user's context that shares the place's category, if any."""
    wanted = category.casefold()
    for snapshot in context.snapshots:
        if any(label.casefold() == wanted for label in snapshot.top_labels):
            return _cite(category, snapshot)
    return None


def _cite(category: str, snapshot: ContextSnapshot) -> str:
    area = area_name(snapshot.latitude, snapshot.longitude)
    where = f"around {area}" if area else f"{snapshot.distance_km:.1f} km from here"
    when = describe_hour(snapshot.hour_of_week)
    ago = snapshot.reason.split(" · ")[0]  # the reason opens with how long ago the snapshot ended
    if snapshot.count >= 3:
        return f"you often go to {_plural(category)} on {when}s {where} ({snapshot.count} visits, last {ago})"
    return f"you went to {_a(category)} on a {when} {where} ({ago})"


def _plural(noun: str) -> str:
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1].lower() not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


class Toolbox:
    """The five tools as plain methods over the services; the agent binds the user, never the LLM."""

    def __init__(self, services: Services) -> None:
        self.services = services

    # ---- where and when -----------------------------------------------------------------------------------

    def default_place(self, user_id: str) -> LatLon:
        """The user's last known place, or the centre of everyone's check-ins for a newcomer."""
        state = self.services.recommender.state
        if state is None:
            raise RuntimeError("the recommender is not fitted")
        user = state.user(user_id)
        if user is not None and user.last_place is not None:
            return LatLon(*user.last_place)
        return LatLon(*state.centroid())

    def known_user(self, user_id: str) -> bool:
        state = self.services.recommender.state
        return state is not None and state.user(user_id) is not None

    # ---- the tools -----------------------------------------------------------------------------------------

    def get_interest_context(
        self, user_id: str, at: datetime, where: LatLon, query: str | None = None
    ) -> InterestContext:
        """The user's interest context for this time and place: weighted snapshots with reasons."""
        with self.services.lock:
            return self.services.profiles.context(user_id, at, where.latitude, where.longitude, query=query)

    def recommend(
        self,
        user_id: str,
        at: datetime,
        where: LatLon,
        k: int = 5,
        *,
        category: str | None = None,
        keyword: str | None = None,
        exclude_categories: Sequence[str] = (),
        exclude: Sequence[str] = (),
        surprise: bool | float = False,
        quiet: bool = False,
        within_km: float | None = None,
        context: InterestContext | None = None,
    ) -> list[Suggestion]:
        """Ranked places with evidence, never private homes; ``quiet`` also leaves out loud kinds of place (bars,
        clubs, music venues)."""
        level = SURPRISE_LEVEL if surprise is True else float(surprise or 0.0)
        unwanted = list(dict.fromkeys([*exclude_categories, *PRIVATE_CATEGORIES, *(LOUD_CATEGORIES if quiet else ())]))
        with self.services.lock:
            found = self.services.recommender.recommend(
                user_id,
                at,
                where.latitude,
                where.longitude,
                k,
                surprise=level,
                category=category,
                keyword=keyword,
                exclude=list(exclude),
                exclude_categories=unwanted,
                within_km=within_km,
            )
        return [self._suggestion(rank, item, context) for rank, item in enumerate(found, start=1)]

    def search_places(
        self, text: str, near: LatLon | None = None, k: int = 5, radius_km: float = SEARCH_RADIUS_KM
    ) -> list[PlaceHit]:
        """Catalogue places matching a description, by the interest encoder, within ``radius_km`` of ``near``."""
        point = (near.latitude, near.longitude) if near is not None else None
        return self.services.item_index.search_text(text, k, near=point, radius_km=radius_km if point else None)

    def explain(self, suggestion: Suggestion, context: InterestContext | None = None) -> Explanation:
        """Why a suggested place suits the user: its evidence, with the context's backing first when there is one."""
        evidence = list(suggestion.evidence)
        if context is not None and (cited := context_evidence(suggestion.category, context)) is not None:
            evidence = [cited, *(line for line in evidence if line != cited)]
        return Explanation(item_id=suggestion.item_id, name=suggestion.label, evidence=evidence[:MAX_EVIDENCE])

    def record_feedback(self, user_id: str, item_id: str, liked: bool, at: datetime | None = None) -> FeedbackResult:
        """Store a 👍 (like) or 👎 (dislike) as an event at the place: it shapes the profile and the ranking."""
        catalogue = self.services.item_index.catalogue
        position = catalogue.positions.get(item_id)
        if position is None:
            raise ValueError(f"unknown item_id {item_id!r}: not in the catalogue")
        event = Event(
            user_id=user_id,
            item_id=item_id,
            timestamp=at or datetime.now(UTC),
            latitude=float(catalogue.latitude[position]),
            longitude=float(catalogue.longitude[position]),
            action=Action.LIKE if liked else Action.DISLIKE,
        )
        stored = self.services.add_events([event])
        return FeedbackResult(user_id=user_id, item_id=item_id, liked=liked, stored=stored)

    def _suggestion(self, rank: int, item: Recommendation, context: InterestContext | None) -> Suggestion:
        evidence = list(item.reasons)
        if context is not None and (cited := context_evidence(item.category, context)) is not None:
            evidence.insert(0, cited)
        return Suggestion(
            rank=rank,
            item_id=item.item_id,
            name=item.name,
            category=item.category,
            latitude=item.latitude,
            longitude=item.longitude,
            distance_km=item.distance_km,
            is_return=item.is_return,
            score=item.score if math.isfinite(item.score) else -1e9,
            evidence=evidence[:MAX_EVIDENCE] or [f"{item.distance_km:.1f} km from you"],
        )


# ---- LangChain wrappers --------------------------------------------------------------------------------------


class _Where(BaseModel):
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class ContextArgs(_Where):
    at: datetime | None = Field(None, description="ISO time; now when absent.")
    query: str | None = Field(None, description="What the user is after, in words.")


class RecommendArgs(_Where):
    at: datetime | None = None
    k: int = Field(5, ge=1, le=20)
    category: str | None = None
    keyword: str | None = None
    exclude_categories: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list, description="Item ids not to suggest again.")
    surprise: bool = False
    quiet: bool = False
    within_km: float | None = Field(None, gt=0, description="Only places this close to the point.")


class SearchArgs(_Where):
    text: str = Field(min_length=1, max_length=200)
    k: int = Field(5, ge=1, le=20)


class ExplainArgs(BaseModel):
    item_id: str


class FeedbackArgs(BaseModel):
    item_id: str
    liked: bool


def langchain_tools(
    toolbox: Toolbox, user_id: str, now: datetime, here: LatLon, shown: dict[str, Suggestion]
) -> list[BaseTool]:
    """The tools as LangChain tools for one user's turn. The user, the time and the place are bound here, so no
    tool call can reach another user's data; ``shown`` is the conversation's suggestions so far (``explain``
    looks places up there, ``recommend`` adds to it). Each tool returns JSON text for the model and the
    pydantic result as the tool message's artifact."""

    def where(latitude: float | None, longitude: float | None) -> LatLon:
        return LatLon(latitude, longitude) if latitude is not None and longitude is not None else here

    def get_interest_context(
        latitude: float | None = None,
        longitude: float | None = None,
        at: datetime | None = None,
        query: str | None = None,
    ) -> tuple[str, InterestContext]:
        context = toolbox.get_interest_context(user_id, at or now, where(latitude, longitude), query)
        return digest(context).model_dump_json(), context

    def recommend(
        latitude: float | None = None,
        longitude: float | None = None,
        at: datetime | None = None,
        k: int = 5,
        category: str | None = None,
        keyword: str | None = None,
        exclude_categories: Sequence[str] = (),
        exclude: Sequence[str] = (),
        surprise: bool = False,
        quiet: bool = False,
        within_km: float | None = None,
    ) -> tuple[str, list[Suggestion]]:
        place, moment = where(latitude, longitude), at or now
        context = toolbox.get_interest_context(user_id, moment, place, category or keyword)
        found = toolbox.recommend(
            user_id,
            moment,
            place,
            k,
            category=category,
            keyword=keyword,
            exclude_categories=exclude_categories,
            exclude=exclude,
            surprise=surprise,
            quiet=quiet,
            within_km=within_km,
            context=context,
        )
        shown.update({suggestion.item_id: suggestion for suggestion in found})
        return _json_list(found), found

    def search_places(
        text: str, k: int = 5, latitude: float | None = None, longitude: float | None = None
    ) -> tuple[str, list[PlaceHit]]:
        hits = toolbox.search_places(text, where(latitude, longitude), k)
        return _json_list(hits), hits

    def explain(item_id: str) -> tuple[str, Explanation]:
        suggestion = shown.get(item_id)
        if suggestion is None:
            raise ValueError(f"{item_id!r} was not suggested in this conversation")
        context = toolbox.get_interest_context(user_id, now, here, suggestion.category)
        explanation = toolbox.explain(suggestion, context)
        return explanation.model_dump_json(), explanation

    def record_feedback(item_id: str, liked: bool) -> tuple[str, FeedbackResult]:
        result = toolbox.record_feedback(user_id, item_id, liked, now)
        return result.model_dump_json(), result

    specs = [
        (get_interest_context, ContextArgs, "The user's interests for a time and place, with the evidence."),
        (recommend, RecommendArgs, "Ranked places for the user, each with its evidence; filters by category/name."),
        (search_places, SearchArgs, "Catalogue places matching a description, near a point."),
        (explain, ExplainArgs, "Why a place suggested in this conversation suits the user, from its evidence."),
        (record_feedback, FeedbackArgs, "Record that the user liked or disliked a place."),
    ]
    return [
        StructuredTool.from_function(
            function,
            name=function.__name__,
            description=description,
            args_schema=schema,
            response_format="content_and_artifact",
            handle_tool_error=True,
        )
        for function, schema, description in specs
    ]


def _json_list(models: Sequence[BaseModel]) -> str:
    return "[" + ",".join(model.model_dump_json() for model in models) + "]"
