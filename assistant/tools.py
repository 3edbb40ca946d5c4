"""The assistant's tools: LangChain wrappers over the service layer (``assistant.service.Service``).

Code decides which tools run (``assistant.agent``); each returns JSON text for the model and the service's pydantic
result as the tool message's artifact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from statistics import median
from typing import Annotated, Any, Literal

from langchain_core.tools import BaseTool, StructuredTool
from langgraph.prebuilt import InjectedState
from pydantic import BaseModel, Field

from assistant.gazetteer import Borough
from assistant.requests import LatLon
from assistant.service import (
    LISTED_TOP,
    NEAR_RADIUS_KM,
    Explanation,
    FeedbackResult,
    Habits,
    PlaceDetails,
    RecommendQuery,
    Service,
    Suggestion,
    digest,
    few_of_a_name,
)
from profiles.activity import Period
from profiles.context import InterestContext
from retrieval.item_index import PlaceHit

# "Surprise me" shows only places new to the user.
SURPRISE_LEVEL = 1.0
# With nothing within a request's radius, the search widens to these multiples of it, then around the nearest places
# that qualify, wherever they are.
WIDER_RADII = (2.5, 5.0)
# A widened search goes on widening until it has this many places (or the request's k, when fewer).
WIDENED_AT_LEAST = 3
# A place's distance is given to the metre: a radius this much wider holds a place at the distance given.
DISTANCE_ROUNDING_KM = 0.001
# A list with no place asked whose every place is farther than this from the user says so first; a closer one around
# the user is sought before it is.
FAR_LIST_KM = 10.0


# ---- LangChain wrappers --------------------------------------------------------------------------------------
# Every tool takes the graph's state (LangGraph injects it; the model never sees or fills it): the turn's user,
# "now" and "here" travel in the state, so the graph is compiled once and no tool call can name another user.

TurnState = Annotated[Mapping[str, Any], InjectedState]


class _Turn(BaseModel):
    state: TurnState


class _Where(_Turn):
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
    familiar: bool = Field(False, description="Only places the user has been to.")
    quiet: bool = False
    within_km: float | None = Field(None, gt=0, description="Only places this close to the point.")
    radius_said: bool = Field(False, description="The user said the distance: too few within it are not added to.")
    nearest_first: bool = Field(False, description="The nearest of the best fits first ('closer please').")
    beyond_km: float | None = Field(None, gt=0, description="Only places at least this far ('further away').")
    independent: bool = Field(False, description="No chains.")
    like: list[str] = Field(default_factory=list, description="Item ids whose look-alikes go up ('more like these').")
    calmer_than: list[str] = Field(
        default_factory=list, description="Item ids shown: only places fewer people go to ('less crowded?')."
    )
    local: bool = Field(False, description="Not the city's most visited places ('less touristy').")
    popular: bool = Field(False, description="The places most people go to first ('the most popular bar').")
    open_then: bool = Field(False, description="Places people check in at around then first ('anything open late?').")
    near_kinds: list[str] = Field(
        default_factory=list, description="Only places a short walk from a place of these kinds ('near the subway')."
    )
    after: str | None = Field(
        None, description="An item id: where people went on to from there first ('where do people go after MSG?')."
    )
    in_borough: Borough | None = Field(None, description="Only places in this borough ('dinner in DUMBO': Brooklyn).")
    in_area: str | None = Field(None, description="A neighbourhood whose places come first ('in the East Village').")
    outside: list[str] = Field(default_factory=list, description="Areas whose places are left out ('not in Midtown').")


class ComparedPeriod(BaseModel):
    """The period a change question sets the asked one against ("than in August", "weekdays")."""

    since: datetime | None = None
    until: datetime | None = None
    weekday: int | None = Field(None, ge=0, le=6)
    daypart: Literal["morning", "afternoon", "evening", "night"] | None = None
    weekend: bool = False
    workweek: bool = False


class HabitsArgs(_Where):
    at: datetime | None = None
    weekday: int | None = Field(None, ge=0, le=6, description="0 = Monday … 6 = Sunday; every day when absent.")
    weekend: bool = Field(False, description="Saturdays and Sundays only.")
    workweek: bool = Field(False, description="Mondays to Fridays only.")
    daypart: Literal["morning", "afternoon", "evening", "night"] | None = None
    since: datetime | None = Field(None, description="Only visits from then on ('where did I go last week?').")
    until: datetime | None = Field(None, description="Only visits before then ('where did I go in June?').")
    kind: str | None = Field(None, description="Only visits to places of this kind ('what's my favourite bar?').")
    change: bool = Field(False, description="The latest month's visits, and how their kinds differ from before.")
    against: ComparedPeriod | None = Field(
        None, description="With change: the slice asked (since … workweek) set against this one, not the latest month."
    )
    item_id: str | None = Field(None, description="Only visits to this place ('when am I usually at Eataly?').")
    rhythm: bool = Field(False, description="When the visits fall, by weekday and hour ('what time do I usually …?').")
    listed: int | None = Field(
        None, ge=1, le=LISTED_TOP, description="The slice's latest visits, up to this many ('my last 10 check-ins')."
    )


class SearchArgs(_Where):
    text: str = Field(min_length=1, max_length=200)
    k: int = Field(5, ge=1, le=20)


class ExplainArgs(_Turn):
    item_id: str
    at: datetime | None = Field(None, description="The time the list was for ('dinner tomorrow at 8'): its habits.")


class PlaceDetailsArgs(_Where):
    item_id: str
    at: datetime | None = None
    weekend: bool = Field(False, description="Count its visits over whole weekends ('is it busy on weekends?').")
    whole_day: bool = Field(False, description="Count its visits over that whole weekday ('is it busy on Sundays?').")


class FeedbackArgs(_Turn):
    item_id: str
    liked: bool


def langchain_tools(service: Service) -> list[BaseTool]:
    """The tools as LangChain tools over the service layer, made once per assistant. Each reads the turn's user,
    time and place from the injected graph state (``user_id``, ``now``, ``here``; ``shown`` is the conversation's
    suggestions so far, where ``explain`` looks places up) and returns JSON text for the model and the pydantic
    result as the tool message's artifact."""

    def where(state: Mapping[str, Any], latitude: float | None, longitude: float | None) -> LatLon:
        if latitude is not None and longitude is not None:
            return LatLon(latitude, longitude)
        return LatLon(*state["here"])

    def get_interest_context(
        state: TurnState,
        latitude: float | None = None,
        longitude: float | None = None,
        at: datetime | None = None,
        query: str | None = None,
    ) -> tuple[str, InterestContext]:
        context = service.context(state["user_id"], at or state["now"], where(state, latitude, longitude), query)
        return digest(context).model_dump_json(), context

    def recommend(
        state: TurnState,
        latitude: float | None = None,
        longitude: float | None = None,
        at: datetime | None = None,
        k: int = 5,
        category: str | None = None,
        keyword: str | None = None,
        exclude_categories: Sequence[str] = (),
        exclude: Sequence[str] = (),
        surprise: bool = False,
        familiar: bool = False,
        quiet: bool = False,
        within_km: float | None = None,
        radius_said: bool = False,
        nearest_first: bool = False,
        beyond_km: float | None = None,
        independent: bool = False,
        like: Sequence[str] = (),
        calmer_than: Sequence[str] = (),
        local: bool = False,
        popular: bool = False,
        open_then: bool = False,
        near_kinds: Sequence[str] = (),
        after: str | None = None,
        in_borough: Borough | None = None,
        in_area: str | None = None,
        outside: Sequence[str] = (),
    ) -> tuple[str, list[Suggestion]]:
        place, moment = where(state, latitude, longitude), at or state["now"]
        query = RecommendQuery(
            k=k,
            category=category,
            keyword=keyword,
            exclude_categories=list(exclude_categories),
            exclude=list(exclude),
            surprise=SURPRISE_LEVEL if surprise else 0.0,
            familiar=familiar,
            quiet=quiet,
            within_km=within_km,
            radius_said=radius_said,
            nearest_first=nearest_first,
            beyond_km=beyond_km,
            independent=independent,
            like=list(like),
            calmer_than=list(calmer_than),
            local=local,
            popular=popular,
            open_then=open_then,
            near_kinds=list(near_kinds),
            after=after,
            in_borough=in_borough,
            in_area=in_area,
            outside=list(outside),
            known_at=state["now"],  # "tonight" asked at 5 pm: the visits of the user's until 5 pm
        )
        found = _searched(service, state["user_id"], moment, place, query)
        if not found and open_then:  # none known to be open then, anywhere: the best fits, hours unknown
            found = _searched(service, state["user_id"], moment, place, query.model_copy(update={"open_then": False}))
        return _json_list(found), found

    def get_habits(
        state: TurnState,
        latitude: float | None = None,
        longitude: float | None = None,
        at: datetime | None = None,
        weekday: int | None = None,
        daypart: str | None = None,
        weekend: bool = False,
        workweek: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        kind: str | None = None,
        change: bool = False,
        against: ComparedPeriod | Mapping[str, Any] | None = None,
        item_id: str | None = None,
        rhythm: bool = False,
        listed: int | None = None,
    ) -> tuple[str, Habits]:
        if isinstance(against, Mapping):
            against = ComparedPeriod(**against)
        habits = service.habits(
            state["user_id"],
            at or state["now"],
            where(state, latitude, longitude),
            weekday=weekday,
            daypart=daypart,
            weekend=weekend,
            workweek=workweek,
            since=since,
            until=until,
            kind=kind,
            change=change,
            against=Period(**against.model_dump()) if against is not None else None,
            item_id=item_id,
            rhythm=rhythm,
            listed=listed,
        )
        return habits.model_dump_json(), habits

    def search_places(
        state: TurnState, text: str, k: int = 5, latitude: float | None = None, longitude: float | None = None
    ) -> tuple[str, list[PlaceHit]]:
        hits = service.search_places(text, where(state, latitude, longitude), k, at=state["now"])
        return _json_list(hits), hits

    def explain(state: TurnState, item_id: str, at: datetime | None = None) -> tuple[str, Explanation]:
        suggestion = (state.get("shown") or {}).get(item_id)
        if suggestion is None:
            raise ValueError(f"{item_id!r} was not suggested in this conversation")
        # A list asked for "dinner tomorrow at 8" cites the habit of Thursday evenings, from the visits known now.
        context = service.context(state["user_id"], at or state["now"], LatLon(*state["here"]), suggestion.category)
        explanation = service.explain(suggestion, context, known_at=state["now"])
        return explanation.model_dump_json(), explanation

    def place_details(
        state: TurnState,
        item_id: str,
        latitude: float | None = None,
        longitude: float | None = None,
        at: datetime | None = None,
        weekend: bool = False,
        whole_day: bool = False,
    ) -> tuple[str, PlaceDetails]:
        moment, here = at or state["now"], where(state, latitude, longitude)
        # The asked moment shapes the slice; what is counted is known as of now (no visit after it).
        details = service.place_details(
            state["user_id"], item_id, moment, here, weekend=weekend, whole_day=whole_day, known_at=state["now"]
        )
        return details.model_dump_json(), details

    def record_feedback(state: TurnState, item_id: str, liked: bool) -> tuple[str, FeedbackResult]:
        result = service.feedback(state["user_id"], item_id, liked, state["now"])
        return result.model_dump_json(), result

    specs = [
        (get_interest_context, ContextArgs, "The user's interests for a time and place, with the evidence."),
        (recommend, RecommendArgs, "Ranked places for the user, each with its evidence; filters by category/name."),
        (get_habits, HabitsArgs, "What the user's own visits say about a weekday or part of the day, or overall."),
        (search_places, SearchArgs, "Catalogue places matching a description, near a point."),
        (explain, ExplainArgs, "Why a place suggested in this conversation suits the user, from its evidence."),
        (place_details, PlaceDetailsArgs, "What the data says of one place: kind, area, distance, busy times, visits."),
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


def _searched(service: Service, user_id: str, at: datetime, place: LatLon, query: RecommendQuery) -> list[Suggestion]:
    """The service's places for a query (:func:`_searched_in`); in another borough only when the one asked for has
    none ("sushi in Staten Island")."""
    found = _searched_in(service, user_id, at, place, query)
    if not found and query.in_borough is not None:
        found = _searched_in(service, user_id, at, place, query.model_copy(update={"in_borough": None}))
    return found


def _searched_in(
    service: Service, user_id: str, at: datetime, place: LatLon, query: RecommendQuery
) -> list[Suggestion]:
    """The service's places for a query; with a ``beyond_km`` that finds none, the best at any distance; with a
    ``within_km`` that finds too few, the best a little farther away (:func:`_widened`); with no radius, around the
    user first when every place found is far (:func:`_around_first`)."""
    found = service.recommend(user_id, at, place, query)
    farther = query.beyond_km is not None  # "further away is fine": not around the user
    if not found and farther:  # nothing of the kind farther away: the best at any distance
        query = query.model_copy(update={"beyond_km": None})
        found = service.recommend(user_id, at, place, query)
    if query.within_km is None:
        return found if farther else _around_first(service, user_id, at, place, query, found)
    if found and (len(found) >= min(query.k, WIDENED_AT_LEAST) or query.radius_said):
        return found
    return _widened(service, user_id, at, place, query, found)


def _widened(
    service: Service, user_id: str, at: datetime, place: LatLon, query: RecommendQuery, found: list[Suggestion]
) -> list[Suggestion]:
    """Too few ``found`` within the query's radius: the best a little farther away, the radius widened step by step
    (WIDER_RADII) so that the next borough's favourite does not stand for "a little", until a few are found (a lone
    place 5 km away is no choice; nor is a lone one within the radius, unless the user said the distance). With none
    within the widest step, the best fits of the ``k`` nearest places that qualify, wherever they are: "coffee near
    JFK" finds the airport's nearest cafés, 5 to 13 km off, not the user's usual ones across the city 19 km off. The
    nearest place beyond the radius is always listed, so that "the nearest I know are 5 km away or more" is true of
    the catalogue, not only of the places the search happened to rank."""
    assert query.within_km is not None
    few = min(query.k, WIDENED_AT_LEAST)
    beyond = query.model_copy(update={"within_km": None, "beyond_km": query.within_km, "nearest": True})
    nearest = service.recommend(user_id, at, place, beyond)
    if not nearest:  # nothing beyond the radius that qualifies, anywhere
        return found
    widest = query.within_km * WIDER_RADII[-1]
    if nearest[0].distance_km > widest:  # nothing within the widest step: the best fits of the nearest, wherever
        radii = [nearest[-1].distance_km + DISTANCE_ROUNDING_KM]
    else:  # a step the nearest is past would find nothing, and is not searched
        radii = [radius for factor in WIDER_RADII if (radius := query.within_km * factor) >= nearest[0].distance_km]
    for radius in radii:
        if len(found) >= few:
            break
        wider = service.recommend(user_id, at, place, query.model_copy(update={"within_km": radius}))
        # The nearer finds first: each wider step adds only what it found beyond them.
        known = {item.item_id for item in found}
        found = [*found, *(item for item in wider if item.item_id not in known)]
    if nearest[0].item_id not in {item.item_id for item in found[: query.k]}:  # the best fits skipped the nearest
        inside = [item for item in found if item.distance_km <= query.within_km]
        others = [item for item in found if item.distance_km > query.within_km and item.item_id != nearest[0].item_id]
        found = [*inside, nearest[0], *others]
    found = few_of_a_name(found, query.keyword, keep=nearest[0].item_id)
    # Each search ranked its own finds from 1: the merged list is ranked once, nearer finds first.
    return [item.model_copy(update={"rank": rank}) for rank, item in enumerate(found[: query.k], 1)]


def _around_first(
    service: Service, user_id: str, at: datetime, place: LatLon, query: RecommendQuery, found: list[Suggestion]
) -> list[Suggestion]:
    """A list with no radius whose places are mostly far from the user ("lunch?" from Newark: Manhattan's, 15 km off),
    or too few to choose from, gives way to the best fits around the user, widened as "lunch near here" is, when
    those are nearer or more. Not for
    what is wanted wherever it is: the user's own places, the city's most popular, look-alikes of named places,
    where people go after one, a borough asked for."""
    anchored = query.familiar or query.popular or query.like or query.calmer_than or query.after or query.in_borough
    thin = len(found) < min(query.k, WIDENED_AT_LEAST)  # "lunch?" on Throgs Neck: one diner, Manhattan's all too far
    if anchored or not (thin or _mostly_far(found)):
        return found
    around = _searched_in(service, user_id, at, place, query.model_copy(update={"within_km": NEAR_RADIUS_KM}))
    if not around:
        return found
    if thin and len(around) > len(found) and not _mostly_far(around):
        return around
    if found and median(item.distance_km for item in around) < median(item.distance_km for item in found):
        return around
    return found


def _mostly_far(found: Sequence[Suggestion]) -> bool:
    """Whether most of a list is farther than FAR_LIST_KM from where it was sought (one bagel shop 8 km from a
    Staten Island beach does not make four Brooklyn places 15 km off a list around the user)."""
    return sum(item.distance_km > FAR_LIST_KM for item in found) * 2 > len(found)


def _json_list(models: Sequence[BaseModel]) -> str:
    return "[" + ",".join(model.model_dump_json() for model in models) + "]"
