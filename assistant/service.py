"""The one service layer: context, recommendations with evidence, search, explanations, feedback, stated
preferences, the default place and forgetting, over a prepared :class:`~assistant.runtime.Runtime`.

The agent's tools, the HTTP API, the web UI and the CLI are thin adapters over :class:`Service`; none of them reads
the runtime's parts. Suggestions are places people go to by choice (``profiles.places.is_suggestable``): offices,
hospitals, stations and schools only when a request names them, homes never. Every suggestion carries its
evidence: the recommender's reasons (the features that raised its score) and, when the user's interest context
backs it, a sentence citing that context ("you often go to Jazz Clubs on Saturday evenings around the West
Village").

Stated preferences (``profiles.preferences``: "no more bars", "I moved to Brooklyn") are events in the log like
feedback, and hold from the next call on: muted categories and hidden places are never suggested, boosted ones go
up, the home area is "here" when a request gives no place, and the context lists them.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple, Protocol, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from assistant.gazetteer import (
    BOROUGHS,
    DISTRICT_REACH_KM,
    DISTRICTS,
    NEIGHBOURHOODS,
    STATION_KINDS,
    VENUE_ALIASES,
    Borough,
    Neighbourhood,
    across_the_hudson,
    borough_of,
    borough_within,
    in_area,
    lookup,
    neighbourhood_at,
    of_area,
    station_for,
)
from assistant.languages import stopwords
from assistant.requests import CATEGORY_WORDS, LatLon
from assistant.runtime import Runtime
from assistant.spelling import closest, common_words
from assistant.streets import StreetIndex
from profiles.activity import (
    Period,
    in_week_slice,
    kind_change,
    one_off_events,
    place_slices,
    place_visits,
    places_visits,
    slice_visits,
    user_events,
    user_habits,
    user_visits,
    usual_whereabouts,
    visit_rhythm,
    visits_between,
)
from profiles.calendar import (
    DAYPARTS,
    DAYS_PER_WEEK,
    HOURS_PER_DAY,
    WEEKEND,
    WEEKEND_DAYS,
    WORKWEEK,
    ago,
    daypart,
    dayparts,
    describe_hour,
    hours_into_day,
    weekday_name,
)
from profiles.config import Settings
from profiles.context import InterestContext
from profiles.events import Action, Event
from profiles.geo import haversine_km
from profiles.next_stops import following_visits, next_stops
from profiles.places import (
    CATEGORY_SEPARATOR,
    EITHER_SEPARATOR,
    TRANSIT_KINDS,
    Place,
    PlaceAnswer,
    chain_item_ids,
    chain_key,
    either_kinds,
    is_national_chain,
    is_of_kind,
    is_suggestable,
    leaf_category,
    listed_now_as,
    of_kind_column,
    place_label,
    plural,
    shown_kind,
    subway_lines,
    suggestable_column,
    usual_paths,
)
from profiles.preferences import (
    LOCATED_KINDS,
    PLACE_KINDS,
    ActivePreference,
    Preference,
    PreferenceKind,
    Steering,
    current,
    in_categories,
    preference_event,
    steering,
    superseded,
    undo_event,
)
from profiles.preprocessing import local_hour_of_week
from retrieval.item_index import PlaceHit
from retrieval.recommender import (
    BUSY_NOW,
    FACTS_JOINT,
    POPULAR_PREFIX,
    Recommendation,
    busy_phrase,
    is_busy,
    occasion_share,
    popular_reason,
    with_busy,
    with_familiarity,
)

# "Something quieter": categories people go to for noise and crowds ...
LOUD_CATEGORIES = ("Bar", "Night Club", "Nightclub", "Music Venue", "Stadium", "Arcade", "Pub", "Beer Garden")
# ... and, when the request names one of them itself ("a quiet bar"), the loud kinds within it instead.
LOUD_KINDS_WITHIN = ("Sports Bar", "Dive Bar", "Karaoke Bar", "Beer Bar", "Irish Pub", "Rock Club", "Night Club")
# Fuzzy matches of a place's name within this many points of the best are compared for the place meant
# (``Service.find_place``), among the first NAME_TIES.
NAME_TIES = 20
NAME_TIE_POINTS = 5.0
# A neighbourhood centre this close names the area of a place.
AREA_RADIUS_KM = 1.5
# "Not in Midtown" leaves out this much around the area's centre, whatever other name a place there may have.
RULED_OUT_KM = 1.0
SEARCH_RADIUS_KM = 3.0
# A latest visit this recent says where the user still is; an older one, where they were (the airport last week).
STILL_THERE = timedelta(hours=3)
# A one-off event (``profiles.activity.one_off_events``) is over this long after its last visit.
EVENT_OVER = timedelta(days=1)
# "Near here", "in Williamsburg": suggestions stay within this distance of the point.
NEAR_RADIUS_KM = 2.0
# "In Brooklyn" is a borough, whose centre 2 km cannot stand for: its places within this distance of the centre
# (5 km from Brooklyn's reaches Williamsburg, DUMBO and Bushwick, not Manhattan across the river; 8 km did).
BOROUGH_RADIUS_KM = 5.0
# How alike (rapidfuzz WRatio, 0-100) a user's words and a place's name must be for the words to name it.
PLACE_MATCH = 86
# A habit is something done on two occasions at least.
MIN_OCCASIONS = 2
# A list searched without a radius keeps no place beyond both of these: a trip across the region is no suggestion
# when the other places are a fraction of it away.
STRAGGLER_FLOOR_KM = 10.0
STRAGGLER_SHARE = 3.0
# "What do you know about me?" names this many kinds of place and places.
HABIT_TOP = 4
# A question about one past day ("where was I yesterday?", "last Saturday night") gets its visits in time order, up to
# this many, besides the kinds and places; a day's span runs past midnight into the night.
TIMELINE_TOP = 8
TIMELINE_SPAN = timedelta(days=1, hours=6)
# "Show me my last 10 check-ins", "list my check-ins from last week": at most this many, the latest first; "my
# latest check-ins", no count said, this many.
LISTED_TOP = 20
LISTED_SHOWN = 10
# Beyond this distance from every neighbourhood centre a place in New Jersey is in no "elsewhere in New Jersey":
# "farther out" (a place outside every borough's outline always is).
BOROUGH_REACH_KM = 4.0
FARTHER_OUT = "farther out"
ELSEWHERE = "elsewhere in "  # the rest of a borough: "elsewhere in Queens"
# "How has my taste changed?": the user's latest month of visits against all before it. A period of fewer visits
# than CHANGE_MIN_VISITS tells nothing; a kind's share must move by CHANGE_MIN_SHIFT (8 points) to be a change.
CHANGE_RECENT_DAYS = 30
CHANGE_MIN_VISITS = 5
CHANGE_MIN_SHIFT = 0.08
# Two periods side by side ("in November than in August"): each one's most visited kinds and places, and the places
# of one only, at most this many.
CHANGE_TOP = 3
# Five Starbucks are one suggestion: a list holds at most this many places of one name (``chain_key``) while others
# are found, unless the request names it ("Starbucks near here").
SAME_NAME_AT_MOST = 2
# The recommender is asked for this many times the places wanted, so that a list thinned of repeats still fills.
VARIETY_FETCH = 3
# Held-back repeats fill a list only up to this many places: three places beat five with three Starbucks.
FEWEST_LISTED = 3
# "Less touristy": the most visited places by distinct people, this share of the visited catalogue (in NYC about
# 100 places, from Penn Station and Times Square to the Met), are left out.
MOST_VISITED_SHARE = 0.02
# "Near the subway": within this walk of a stop (about five minutes on foot).
STOP_WALK_KM = 0.4
# A request that names no kind leaves out the kinds people all but never go to at its hour of the day: a kind whose
# share of check-ins within OFF_HOURS_WINDOW hours of that hour is under OFF_HOURS_SHARE of an even spread's (bars
# near 8:00 hold 3.9% of bar check-ins against 12.5% for an even spread; coffee shops near 2:00, 0.6%), counted
# among kinds with OFF_HOURS_MIN_VISITS check-ins or more. Likely closed, and no answer to "anything new to try?"
# on the way to work.
OFF_HOURS_SHARE = 0.35
OFF_HOURS_WINDOW = 1
OFF_HOURS_MIN_VISITS = 100
# "A bar on Friday": a day named with no hour is the hour places of the kind get most check-ins, the hours either side
# counted too, when at least this many check-ins tell it.
USUAL_HOUR_MIN_VISITS = 30
# The check-ins at one place that tell the hour someone goes there ("and after Pacha?").
OWN_HOUR_MIN_VISITS = 3
# A leading article, which a place's name may not have ("the Marriott Marquis"); what is left is tried as a name
# only from this many characters on (a single letter is inside too many names).
MIN_BARE_NAME = 4
_ARTICLE_RE = re.compile(r"^\s*(?:the|a|an)\s+", re.IGNORECASE)
# "Anything open late?": with no opening hours, a place counts as open then when at least this many people have
# checked in there within OFF_HOURS_WINDOW hours of that hour of the day, on any day.
OPEN_THEN_MIN_PEOPLE = 2
# "Where do people go after Madison Square Garden?": a place counts as where people go on to when at least this many
# people made their next check-in there within NEXT_STOP_WITHIN of one at the place asked about (a count is stated
# only from ``privacy.insights_min_users`` people on).
NEXT_STOP_MIN_PEOPLE = 2
NEXT_STOP_WITHIN = timedelta(hours=4)
# The families of the catalogue a place may move between and still be somewhere to go out (a bar listed as a music
# venue today).
GOING_OUT_FAMILIES = ("Dining and Drinking", "Arts and Entertainment")


class Suggestion(PlaceAnswer):
    """One suggested place (the one place model) with its rank, score and the evidence behind it."""

    rank: int
    distance_km: float
    is_return: bool
    score: float
    evidence: list[str] = Field(min_length=1)


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


class HabitKind(BaseModel):
    """A kind of place the user visits in a slice of the week, with when most of those visits fell."""

    model_config = ConfigDict(frozen=True)

    kind: str
    visits: int
    weekday: str = Field(description="The weekday most of these visits fell on.")
    daypart: str = Field(description="The calendar's day part most of them fell in.")
    last: datetime | None = Field(None, description="The latest of these visits.")
    slot_visits: int | None = Field(None, description="How many fell on that weekday in that day part.")


class KindShift(BaseModel):
    """One kind of place in the user's latest month of visits and in all the visits before it."""

    model_config = ConfigDict(frozen=True)

    kind: str
    recent: int = Field(description="Visits in the latest month.")
    earlier: int = Field(description="Visits before it.")
    recent_share: float
    earlier_share: float


class PlaceCount(BaseModel):
    """A place and the user's visits there in one period of a comparison."""

    model_config = ConfigDict(frozen=True)

    label: str
    visits: int


class KindCount(BaseModel):
    """A kind of place and the user's visits to it in one period of a comparison."""

    model_config = ConfigDict(frozen=True)

    kind: str
    visits: int


class PeriodHabits(BaseModel):
    """One of two periods a change question sets side by side ("in November", "on weekends since September"): its
    span as the data holds it (the user's first visit at the earliest, now at the latest), its visits and rate."""

    model_config = ConfigDict(frozen=True)

    since: datetime | None = Field(description="Its first moment, local: the user's first visit at the earliest.")
    until: datetime | None = Field(description="Its end (excluded), local; None when it runs up to now.")
    in_data: bool = Field(True, description="Whether it overlaps the user's visits (not 'last winter', '2011').")
    weekday: str | None = Field(None, description="A weekday's name, 'weekend' or 'weekday' when only those count.")
    daypart: str | None = None
    visits: int
    weeks: float = Field(description="Its length in weeks, at least one.")
    kinds: list[KindCount] = Field(default_factory=list, description="Its most visited kinds, most first.")
    places: list[PlaceCount] = Field(default_factory=list, description="Its most visited places, most first.")

    @property
    def per_week(self) -> float:
        """Visits a week over the period."""
        return self.visits / self.weeks


class InterestChange(BaseModel):
    """How the kinds of place the user visits changed: their latest month of visits against all before it, or the
    two periods a question names ("since the summer", "weekends vs weekdays"), each with its rate, kinds and places."""

    model_config = ConfigDict(frozen=True)

    recent_from: datetime
    recent_to: datetime
    recent_visits: int
    earlier_visits: int
    more: list[KindShift] = Field(default_factory=list, description="Kinds whose share rose most, largest first.")
    fewer: list[KindShift] = Field(default_factory=list, description="Kinds whose share fell most, largest first.")
    kind: str | None = Field(None, description="Only visits to places of this kind ('bars more than I used to?').")
    asked: PeriodHabits | None = Field(None, description="The period asked about, when the question names two.")
    against: PeriodHabits | None = Field(None, description="The period it is set against.")
    by_time: bool = Field(True, description="Whether the periods follow each other in time (not two week slices).")
    new: list[PlaceCount] = Field(default_factory=list, description="Places of the asked period only, most first.")
    dropped: list[PlaceCount] = Field(
        default_factory=list, description="Places of the other period only (its visits), most first."
    )
    first_visit: datetime | None = Field(None, description="The user's first visit, local (what the data covers).")
    last_visit: datetime | None = Field(None, description="The user's last visit up to now, local.")

    @property
    def enough(self) -> bool:
        """Whether both periods hold enough visits to tell a change."""
        return min(self.recent_visits, self.earlier_visits) >= CHANGE_MIN_VISITS


class HabitArea(BaseModel):
    """The user's visits around one neighbourhood (``area_name`` of each place visited)."""

    model_config = ConfigDict(frozen=True)

    area: str
    visits: int


class HabitVisit(BaseModel):
    """One visit of a past day asked about, or of a list of the user's check-ins: the place, when, its kind and
    area."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    label: str
    at: datetime
    kind: str = Field("", description="The place's kind, its leaf category ('Deli').")
    area: str = Field("", description="The place's neighbourhood, or the rest of its borough, or 'farther out'.")


class HabitMonth(BaseModel):
    """How many check-ins the user has in one calendar month (local time)."""

    model_config = ConfigDict(frozen=True)

    month: datetime = Field(description="The month's first day, at local midnight.")
    visits: int


class VisitRhythm(BaseModel):
    """When the visits of a slice fell: how many on each local weekday and at each local hour ("what time do I
    usually get coffee?", "which nights do I go clubbing?", "when am I usually at Eataly?")."""

    model_config = ConfigDict(frozen=True)

    by_weekday: list[int] = Field(description="Visits per weekday, Monday first.")
    by_hour: list[int] = Field(description="Visits per hour of the day, from midnight.")


class Habits(BaseModel):
    """What the user's own history says about a slice of their week ("Saturdays", "evenings", or all of it): the
    facts a "what do you know about me?" answer may state."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    weekday: str | None = Field(None, description="A weekday's name, 'weekend' or 'weekday' (Monday to Friday).")
    daypart: str | None = None
    since: datetime | None = Field(None, description="Only visits from then on ('where did I go last week?').")
    until: datetime | None = Field(None, description="Only visits before then ('where did I go in June?').")
    kind: str | None = Field(None, description="Only visits to places of this kind ('what's my favourite bar?').")
    place: str | None = Field(None, description="Only visits to this place, by name ('when am I usually at Eataly?').")
    visits: int = Field(description="Visits in the slice.")
    all_visits: int = Field(0, description="The user's visits in every slice: what a slice's share is of.")
    place_count: int = Field(0, description="The distinct places of the slice's visits ('how many places?').")
    latest: datetime | None = Field(None, description="The latest visit in the slice.")
    first: datetime | None = None
    last: datetime | None = None
    kinds: list[HabitKind] = Field(default_factory=list, description="Most visited kinds first.")
    places: list[Suggestion] = Field(
        default_factory=list,
        description="Most visited places first, as cards (score: the visits; evidence: visits and the last one).",
    )
    change: InterestChange | None = Field(None, description="How the kinds visited changed ('has my taste changed?').")
    areas: list[HabitArea] = Field(default_factory=list, description="Most visited neighbourhoods first.")
    timeline: list[HabitVisit] = Field(
        default_factory=list,
        description="A past day's first visits in time order ('where was I yesterday?'), consecutive repeats as one;"
        " with ``listed``, the slice's latest visits, the latest first.",
    )
    listed: int | None = Field(None, description="At most this many visits were asked for ('my last 10 check-ins').")
    months: list[HabitMonth] = Field(
        default_factory=list, description="With ``listed`` and no visit in the slice: the months the user has visits."
    )
    rhythm: VisitRhythm | None = Field(None, description="When the slice's visits fell, by weekday and by hour.")


class WeekSlice(BaseModel):
    """Everyone's visits to a place in one slice of the week (a weekday's day part of the calendar)."""

    model_config = ConfigDict(frozen=True)

    weekday: str | None = Field(
        description="None: the day part on every day of the week; 'weekend': Saturdays and Sundays."
    )
    daypart: str | None = Field(description="None: the whole day.")
    visits: int


class PlaceDetails(PlaceAnswer):
    """What the stored data says about one place, for a user, a time and a point: the facts a question about a
    place ("how far is it?", "is it busy now?") may be answered with. Figures about other people's visits are
    given only when at least ``privacy.insights_min_users`` distinct people stand behind them."""

    area: str | None = Field(None, description="The neighbourhood it is in, when one is near enough to name.")
    listed_as: str | None = Field(
        None, description="The kind its listing gives it today, when of another family than its check-in category."
    )
    distance_km: float
    across_the_hudson: bool = Field(
        False, description="It and the point are on either side of the Hudson, which no walk crosses."
    )
    checkins: int | None = Field(None, description="Everyone's visits; None when fewer people than the minimum.")
    people: int | None = Field(None, description="The distinct people behind them; None likewise.")
    busiest: list[WeekSlice] = Field(default_factory=list, description="The most visited slices of the week.")
    quietest: list[WeekSlice] = Field(
        default_factory=list,
        description="The day parts of the week with the fewest visits (all of them on a tie); empty when too few "
        "people have checked in at all.",
    )
    quietest_withheld: bool = Field(False, description="Their visits are too few people's to state (``visits`` 0).")
    now: WeekSlice = Field(description="The slice of the week the time falls in, with its visits.")
    now_withheld: bool = Field(False, description="Its visits are too few people's to state (``now.visits`` is 0).")
    your_visits: int
    your_first: datetime | None = None
    your_last: datetime | None = None


class VisitsAmong(NamedTuple):
    """A user's visits to a set of places (a chain's): how many, at how many of them, the latest."""

    visits: int
    places: int
    last: datetime | None


class FeedbackResult(BaseModel):
    """What recording a 👍/👎 did."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    item_id: str
    liked: bool
    stored: int


def quiet_exclusions(asked: str | None, holding: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The kinds of place a quiet request leaves out: ``LOUD_CATEGORIES``, but never the kind asked for or one that
    holds it (``holding``, from ``levels_holding``: "a quiet pub" keeps Bar, the level above Pub), whose loud kinds
    within go instead."""
    if not asked:
        return LOUD_CATEGORIES
    # "A quiet bar or a café" ("Bar|Cafe"): neither kind asked is left out.
    holding = holding | {kind.strip().casefold() for kind in either_kinds(asked)}
    kept = tuple(name for name in LOUD_CATEGORIES if name.casefold() not in holding)
    if len(kept) == len(LOUD_CATEGORIES):
        return kept
    return tuple(dict.fromkeys([*kept, *(name for name in LOUD_KINDS_WITHIN if name.casefold() not in holding)]))


def levels_holding(kind: str, items: pd.DataFrame) -> frozenset[str]:
    """The category-path levels at or above ``kind`` over the catalogue's places of that kind (casefolded); a kind
    known only as a leaf category ("Jazz Club" under "Music Venue > Jazz and Blues Venue") is held by every level
    of its places' paths."""
    wanted = kind.strip().casefold()
    paths = items["category_path"] if "category_path" in items else pd.Series("", index=items.index)
    leaves = items["category"].fillna("").astype(str).str.casefold()
    split = [
        [level.strip().casefold() for level in path.split(CATEGORY_SEPARATOR) if level.strip()]
        for path in paths.fillna("").astype(str)
    ]
    above = {level for levels in split if wanted in levels for level in levels[: levels.index(wanted) + 1]}
    if not above:
        above = {level for leaf, levels in zip(leaves, split, strict=True) if leaf == wanted for level in levels}
    return frozenset({wanted, *above})


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


_SMALL_WORDS = frozenset({"and", "to", "of", "the", "a", "an", "at", "on", "in", "de", "la", "le"})


def content_words(text: str) -> str:
    """A name as rapidfuzz's default processing reads it, without its small words and extra spaces."""
    return " ".join(word for word in default_process(text).split() if word not in _SMALL_WORDS)


def _goes_by(name: str, word: str) -> bool:
    """Whether a place is called by one word: its whole name ("Public"), or the word after the article its name
    begins with ("the standard", read "standard": The Standard Biergarten)."""
    said = default_process(word)
    return content_words(name) == said or default_process(name).startswith(f"the {said} ")


def one_common_word(words: str) -> bool:
    """Whether words are a single common word alone ("more", "next", "plus"), which begins or is part of too many
    names to mean a place of a longer name (More Magazine/Women's Fitness Magazine Half Marathon, Plus One Fitness):
    only a place of that very name is meant. With an article it is a name ("the standard", "the public")."""
    said = default_process(words).split()
    return len(said) == 1 and (said[0] in common_words() or said[0] in stopwords())


def near_radius_km(near: str | None) -> float:
    """How close to a named area (or "here") suggestions must be: a borough's radius for a borough, the radius a
    place is named in for a neighbourhood ("dinner in SoHo": not Union Square's, 2 km from SoHo's centre), a walk's
    around the user or a place."""
    area = lookup(near) if near else None
    if area is None:
        return NEAR_RADIUS_KM
    if area.name in DISTRICTS:
        return DISTRICT_REACH_KM[area.name]
    return BOROUGH_RADIUS_KM if area.name in BOROUGHS else AREA_RADIUS_KM


# The centres New Jersey's nearer part is told by: its own and those across the Hudson (Fort Lee, Englewood Cliffs
# by Riverdale), not Staten Island's across the Kills, which would bring Elizabeth's mall "elsewhere in New Jersey".
_NEW_JERSEY_CENTRES = [centre for name, centre in NEIGHBOURHOODS.items() if borough_of(name) != "Staten Island"]


def _wider_area(latitude: float, longitude: float) -> str:
    """Where a point is when no neighbourhood is near enough to name: the rest of the borough whose outline holds it
    (a Staten Island beach, Throgs Neck, the Rockaways: "elsewhere in Staten Island"), the rest of New Jersey near
    the gazetteer's centres there, else "farther out" (Yonkers, Long Island, far New Jersey)."""
    borough = borough_within(latitude, longitude)
    if borough is None:
        return FARTHER_OUT
    if borough == "New Jersey":
        nearest_km = min(float(haversine_km(latitude, longitude, *centre)) for centre in _NEW_JERSEY_CENTRES)
        if nearest_km > BOROUGH_REACH_KM:
            return FARTHER_OUT
    return f"{ELSEWHERE}{borough}"


def area_words(latitude: float, longitude: float) -> str:
    """The area of a point in words: its neighbourhood, else the rest of its borough or "farther out"."""
    return area_name(latitude, longitude) or _wider_area(latitude, longitude)


def area_name(latitude: float, longitude: float) -> str | None:
    """The neighbourhood a point is in (``assistant.gazetteer.neighbourhood_at``), when one is close enough to name
    the area; never a borough, whose centre is no neighbourhood ("Queens" beside "elsewhere in Queens")."""
    return neighbourhood_at(latitude, longitude, AREA_RADIUS_KM)


def context_backs(category: str, context: InterestContext) -> bool:
    """Whether the user's context now holds the category (a leaf category, as the snapshots' labels are): a habit
    line is cited only for a kind of place the context weighs now."""
    wanted = category.casefold()
    return any(label.casefold() == wanted for snapshot in context.snapshots for label in snapshot.top_labels)


def habit_line(category: str, visits: pd.DataFrame, occasion: str) -> str | None:
    """'you go to Bagel Shops on Saturday mornings around Kips Bay — 13 visits': every one of the user's visits
    (``Service.occasion_visits``: ``leaf``, ``day``, ``area`` columns) to places of the category in ``occasion``,
    counted as the line words them; the area only when all of them are in it. None when they fall on fewer than
    MIN_OCCASIONS days (one evening is no habit)."""
    mine = visits[visits["leaf"].str.casefold() == category.casefold()] if len(visits) else visits
    if mine.empty or mine["day"].nunique() < MIN_OCCASIONS:
        return None
    areas = mine["area"].unique()
    where = f" around {areas[0]}" if len(areas) == 1 and areas[0] else ""
    return f"you go to {plural(category)} on {occasion}{where} — {len(mine)} visits"


# A place new to the user whose name a place they know shares (``Service._branches_said``).
NEW_TO_YOU = "new to you"
NEW_BRANCH = "a branch you haven't been to"
_NEAR_KNOWN_RE = re.compile(r"^(?P<where>next to|[\d.]+ km from) (?P<place>.+), a place you know$")


def _known_branch(reason: str, name: str, area: str | None) -> str:
    """A near-known reason naming a branch of ``name`` ("0.3 km from Shake Shack, a place you know") as the branch
    the user knows, in its area when one is named ("0.3 km from the Shake Shack you know, in Gramercy"); any other
    reason as it is."""
    found = _NEAR_KNOWN_RE.match(reason)
    if found is None or chain_key(found["place"]) != chain_key(name):
        return reason
    return f"{found['where']} the {found['place']} you know" + (f", in {area}" if area else "")


def _point(place: Place) -> tuple[float, float]:
    return place.latitude, place.longitude


# The recommender's own line of the same claim ("you go to Cafés on Saturday mornings — 12 visits"), from its fitted
# counts: said again with the count of the visits up to the time asked.
_HABIT_REASON_RE = re.compile(r"^you go to .+ on \S+ \S+ — \d+ visits?$")


class HabitLines(NamedTuple):
    """The user's habit lines in one occasion: the visits behind them and the context that says which kinds to cite."""

    context: InterestContext
    visits: pd.DataFrame
    occasion: str

    def cited(self, category: str) -> str | None:
        """The kind's habit line when the context backs the kind (it weighs it now), else None."""
        return self.exact(category) if context_backs(category, self.context) else None

    def exact(self, category: str) -> str | None:
        """The kind's habit line, whatever the context weighs."""
        return habit_line(category, self.visits, self.occasion)


class RecommendQuery(BaseModel):
    """What kind of places a caller wants: one model from the HTTP body or the chat's reading down to the ranker.
    Numbers are strict: ``true`` is no count or distance (pydantic would otherwise read it as 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    k: int = Field(5, ge=1, le=50, strict=True, description="How many places.")
    category: str | None = Field(None, description="Only places whose category contains this, e.g. 'Cafe'.")
    keyword: str | None = Field(None, description="Only places whose name contains this, e.g. 'Starbucks'.")
    exclude_categories: list[str] = Field(default_factory=list, description="Leave out places of these categories.")
    exclude: list[str] = Field(default_factory=list, description="Item ids not to suggest again.")
    surprise: float = Field(
        0.0, ge=0, le=1, strict=True, description="0: the best fits; 1: only places new to the user."
    )
    familiar: bool = Field(False, description="Only places the user has been to ('somewhere I know').")
    quiet: bool = Field(False, description="Leave out loud kinds of place (bars, clubs, music venues).")
    within_km: float | None = Field(None, gt=0, strict=True, description="Only places this close to the point.")
    radius_said: bool = Field(
        False, description="The user said how far ('within 5 minutes walk'): too few within it are not added to."
    )
    nearest_first: bool = Field(
        False,
        description="Of the best fits, the nearest first ('closer please', 'walking distance'): the places fetched "
        "for the list are taken by distance, not by fit.",
    )
    beyond_km: float | None = Field(
        None, gt=0, strict=True, description="Only places at least this far from the point ('further away')."
    )
    independent: bool = Field(
        False, description="Leave out chains: names found at 3 or more catalogue places (a keyword's are kept)."
    )
    like: list[str] = Field(default_factory=list, description="Item ids whose look-alikes go up ('more like these').")
    calmer_than: list[str] = Field(
        default_factory=list,
        description="Item ids of places shown: only places fewer people check in at than at the middle one of them "
        "('less crowded?' after a list).",
    )
    local: bool = Field(
        False, description="Leave out the city's most visited places ('less touristy', 'where locals go')."
    )
    popular: bool = Field(
        False, description="The places most people go to first, not the user's best fits ('the most popular bar')."
    )
    nearest: bool = Field(
        False,
        description="The places nearest the point first, whatever their fit: how far the nearest that qualify are "
        "(the nearest café to an airport, when none is within reach).",
    )
    open_then: bool = Field(
        False,
        description="Places people have checked in at around this hour of the day first ('anything open late?'; "
        "no opening hours are known): only those.",
    )
    near_kinds: list[str] = Field(
        default_factory=list,
        description="Only places a short walk (0.4 km) from a place of one of these kinds ('near the subway': "
        "['Metro Station', 'Train Station']); each says which, and how far.",
    )
    after: str | None = Field(
        None,
        description="An item id: the places people went on to within 4 hours of a check-in there come first ('where "
        "do people go after Madison Square Garden?'), each saying so; the best fits fill the rest.",
    )
    in_borough: Borough | None = Field(
        None, description="Only places in this borough ('dinner in DUMBO': Brooklyn's, none across the river)."
    )
    in_area: str | None = Field(
        None,
        description="A neighbourhood by the gazetteer's name ('bars in the East Village'): the places of it "
        "(``assistant.gazetteer.of_area``) come first, those around it only after them.",
    )
    outside: list[str] = Field(
        default_factory=list,
        description="Leave out the places of these areas, by the gazetteer's names ('Midtown', 'Manhattan'): for this "
        "request only ('not in Midtown'), where a stated 'avoid Midtown' holds until taken back.",
    )
    known_at: datetime | None = Field(
        None,
        description="The moment the user's visits are told as of (the chat's 'now'): a list for tonight, asked at 5 "
        "pm, says what had happened by 5 pm; the time the places are for when absent.",
    )

    @field_validator("beyond_km")
    @classmethod
    def _below_the_radius(cls, beyond_km: float | None, info: ValidationInfo) -> float | None:
        within_km = info.data.get("within_km")
        if beyond_km is not None and within_km is not None and beyond_km >= within_km:
            raise ValueError(f"must be below within_km ({within_km:g}): no place can be both")
        return beyond_km


class Whereabouts(NamedTuple):
    """Where the user is taken to be, and why: the home area they stated, their latest visit, where they usually
    are at this time of the week (the latest visit being hours old), or nowhere known (the catalogue's centre)."""

    place: LatLon
    why: Literal["home", "latest", "usual", "unknown"]
    last_visit: datetime | None = None
    usually_then: str | None = None  # when the usual place is usual ("weekday afternoons"), if the visits then said


class StopsNear(NamedTuple):
    """The places a short walk from a stop: each one's nearest stop in words ('0.2 km from MTA Subway - 1st Ave
    (L)'), and the item ids of every other place."""

    nearest: dict[str, str]
    beyond: tuple[str, ...]


class NextStops(NamedTuple):
    """Where people went on to from one place: people per place (``profiles.next_stops``), and the item ids of
    every other place."""

    people: dict[str, int]
    beyond: tuple[str, ...]


class ForgetReport(BaseModel):
    """What forgetting a user removed, everywhere."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    events: int = Field(description="Stored events deleted from the event log.")
    snapshots: int = Field(description="Profile snapshots (with their vectors) deleted.")
    recommender: bool = Field(description="Whether the recommender held state about the user (now dropped).")
    conversations: int = Field(description="Conversations dropped from memory.")
    rejects: int = Field(description="Rejected input rows naming the user, dropped from the rejects report.")


class PreferenceChange(BaseModel):
    """What stating a preference did: the preference in force (None for a forget of visits, which is done, not
    kept), whether it was new, the preferences it ended, and the events a forget of visits deleted."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    preference: ActivePreference | None = None
    stored: bool = Field(description="False when the same preference was already in force.")
    ended: list[ActivePreference] = Field(default_factory=list, description="Preferences it replaced.")
    forgotten: int = Field(0, description="Events deleted (forget_place_visits).")


ForgetListener = Callable[[str], int]


def match_key(text: str) -> str:
    """A name as it is matched: rapidfuzz's default processing (lower case, no punctuation), with no apostrophe
    splitting a word ("applebees" is Applebee's, not "applebee s")."""
    return default_process(text.replace("'", "").replace("’", ""))


def _inside_a_word(name: str, words: str) -> bool:
    """Whether a name shorter than the words matches them only from or up to the middle of one of their words ("The
    Flat" in "the Flatiron Building"), which names another place; or words shorter than a name match it only from the
    middle of one of its words ("use" in "Village Pourhouse", "ese" in "Veselka"), which names none of it (a typo at
    a word's end, "starbuks", still names Starbucks)."""
    name, words = default_process(name), default_process(words)
    if not name or not words or name == words:
        return False
    short, long = sorted((name, words), key=len)
    match = fuzz.partial_ratio_alignment(short, long)
    if match is None or match.score < PLACE_MATCH:
        return False
    before = long[match.dest_start - 1] if match.dest_start > 0 else " "
    after = long[match.dest_end] if match.dest_end < len(long) else " "
    return before.isalnum() or (short == name and after.isalnum())


def _kind_shifts(table: pd.DataFrame) -> list[KindShift]:
    """Each kind's visits and shares in the two periods of a ``profiles.activity.kind_change`` table."""
    return [
        KindShift(
            kind=str(row.kind),
            recent=int(row.recent),
            earlier=int(row.earlier),
            recent_share=float(row.recent_share),
            earlier_share=float(row.earlier_share),
        )
        for row in table.itertuples(index=False)
    ]


class Service:
    """The operations every adapter offers, over one runtime; safe to call from many threads."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._forget_listeners: list[ForgetListener] = []
        items = runtime.items
        self._centre = LatLon(float(items["latitude"].mean()), float(items["longitude"].mean()))
        # The places an open request never offers (the ranker's evaluation still ranks them); a request lifts a few.
        self._unsuggestable = items.loc[~suggestable_column(items).to_numpy()]
        self._held_back = functools.lru_cache(maxsize=256)(self._places_held_back)
        self._chains = chain_item_ids(items)
        self._chain_names: list[str] | None = None
        self._usual_paths = usual_paths(items)
        self._elsewhere: tuple[str, ...] | None = None
        self._most_visited_of: tuple[pd.DataFrame, tuple[str, ...]] | None = None  # (the events read, item ids)
        self._people_of: tuple[pd.DataFrame, pd.Series] | None = None  # (the events read, people per place)
        self._hours_of: tuple[pd.DataFrame, pd.DataFrame] | None = None  # (the events read, kind × hour shares)
        # By local hour of the day: (the events read, the places open then, every other place's id).
        self._open_then_of: dict[int, tuple[pd.DataFrame, frozenset[str], tuple[str, ...]]] = {}
        self._usual_hour_of: dict[str, tuple[pd.DataFrame, int | None]] = {}  # by kind
        self._stops_of: dict[tuple[str, ...], StopsNear] = {}  # by the kinds of stop
        self._following_of: tuple[pd.DataFrame, pd.DataFrame] | None = None  # (the events read, next visits)
        self._next_stops_of: dict[str, NextStops] = {}  # by place, for the events of ``_following_of``
        self._one_off_of: tuple[pd.DataFrame | None, pd.Series] | None = None  # (the events read, last visits)
        self._first_seen_of: tuple[pd.DataFrame | None, pd.Series] | None = None  # (the events read, first visits)
        self._area_places: dict[str, tuple[str, ...]] = {}  # the catalogue's places in an area, by its name
        self._levels_holding = functools.lru_cache(maxsize=256)(lambda kind: levels_holding(kind, self.items))
        self._category_levels: dict[str, str] | None = None
        self._place_names: list[str] | None = None
        self._chain_keys_of: list[str] | None = None
        self._station_names: dict[int, str] | None = None
        self._processed_name_set: frozenset[str] | None = None
        self._streets: StreetIndex | None = None

    # ---- what there is ------------------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def items(self) -> pd.DataFrame:
        """The place catalogue."""
        return self.runtime.items

    @property
    def place_count(self) -> int:
        return len(self.runtime.item_index)

    def users(self) -> list[str]:
        """Users with stored events, numeric ids in numeric order first."""
        return self.runtime.users()

    def known_user(self, user_id: str) -> bool:
        """Whether the user has stored events."""
        return self.runtime.known_user(user_id)

    def events(self) -> pd.DataFrame | None:
        """Every stored event, preprocessed; None before the first."""
        return self.runtime.events()

    def default_place(self, user_id: str, at: datetime | None = None) -> LatLon:
        """Where "here" is when a request gives no place (:meth:`whereabouts`)."""
        return self.whereabouts(user_id, at).place

    def whereabouts(self, user_id: str, at: datetime | None = None) -> Whereabouts:
        """Where the user is taken to be when a request gives no place, and why: their home area when they stated
        one, else where their latest visit was (a 👍 of a place seen in a list is no visit), else their last event's
        place, or the centre of the catalogue for a newcomer. At a time ``at`` (now), only visits until then count,
        and a latest visit older than :data:`STILL_THERE` gives way to where the user usually is at that hour of the
        week (``profiles.activity.usual_whereabouts``): someone last seen at the airport last week is not there now."""
        home = steering(self.preferences(user_id)).home
        if home is not None and home.latitude is not None and home.longitude is not None:
            return Whereabouts(LatLon(home.latitude, home.longitude), "home")
        visits = self._visits(user_id)
        if len(visits) and at is not None:
            visits = visits[visits["timestamp"] <= pd.Timestamp(at)]
        if len(visits):
            latest = visits.loc[visits["timestamp"].idxmax()]
            seen = pd.Timestamp(latest["timestamp"]).to_pydatetime()
            if at is not None and at - seen > STILL_THERE:
                zone = self.settings.preprocessing.timezone
                hour = local_hour_of_week(at, float(latest["latitude"]), float(latest["longitude"]), zone)
                usual = usual_whereabouts(visits, hour)
                if usual is not None:
                    when = f"{'weekend' if hour // HOURS_PER_DAY in WEEKEND_DAYS else 'weekday'} {daypart(hour % 24)}s"
                    then = when if usual.at_that_time else None
                    return Whereabouts(LatLon(usual.latitude, usual.longitude), "usual", seen, then)
            return Whereabouts(LatLon(float(latest["latitude"]), float(latest["longitude"])), "latest", seen)
        last = self.runtime.log.last(user_id)
        if last is not None:
            return Whereabouts(LatLon(last.event.latitude, last.event.longitude), "latest", last.event.timestamp)
        return Whereabouts(self._centre, "unknown")

    def warm_up(self) -> None:
        """Load the interest encoder and run one context and ranking now, so that a start, not a user's first
        request, pays for what loads on first use (the first ranking took 3.7 s on NYC, later ones 0.2 s)."""
        self.runtime.item_index.encoder.encode(["coffee"])
        users = self.users()
        if users:
            user = users[0]
            at = self.settings.server.demo_now or datetime.now(UTC)
            self.recommend(user, at, self.default_place(user), RecommendQuery(keyword="coffee"))

    # ---- reading ------------------------------------------------------------------------------------------

    def context(
        self, user_id: str, at: datetime, where: LatLon, query: str | None = None, k: int | None = None
    ) -> InterestContext:
        """The user's interest context for this time and place: weighted snapshots with reasons, the user's stated
        preferences, and no interest label of a category they muted."""
        context = self.runtime.context(user_id, at, where.latitude, where.longitude, query=query, k=k)
        active = self.preferences(user_id)
        if not active:
            return context
        return context.with_preferences(active, self._leaves_under(steering(active).muted_categories, typical=True))

    def recommend(
        self, user_id: str, at: datetime, where: LatLon, query: RecommendQuery, context: InterestContext | None = None
    ) -> list[Suggestion]:
        """Ranked places with evidence, only places people go to by choice unless the query names the kind ("a
        hospital") or the place (``profiles.places.is_suggestable``); never homes. The context (fetched here when
        not given) lets the evidence cite the user's own habits. ValueError names ``like`` when it holds an item id
        the catalogue lacks, ``near_kinds`` when it holds a kind no catalogue place is of."""
        positions = self.runtime.item_index.catalogue.positions
        if unknown := [item_id for item_id in query.like if item_id not in positions]:
            raise ValueError(f"like: unknown item_id {unknown[0]!r}, not in the catalogue")
        if unknown := [item_id for item_id in query.calmer_than if item_id not in positions]:
            raise ValueError(f"calmer_than: unknown item_id {unknown[0]!r}, not in the catalogue")
        if query.after is not None and query.after not in positions:
            raise ValueError(f"after: unknown item_id {query.after!r}, not in the catalogue")
        if unknown := [kind for kind in query.near_kinds if not self.categories_named(kind)]:
            raise ValueError(f"near_kinds: no catalogue place is of kind {unknown[0]!r}")
        if unknown := [area for area in query.outside if lookup(area) is None]:
            raise ValueError(f"outside: {unknown[0]!r} is no area the gazetteer knows")
        if query.in_area is not None and lookup(query.in_area) is None:
            raise ValueError(f"in_area: {query.in_area!r} is no area the gazetteer knows")
        if context is None:
            context = self.context(user_id, at, where, query.category or query.keyword)
        unwanted = [*query.exclude_categories, *(self.quiet_exclusions(query.category) if query.quiet else ())]
        # Exactly those categories: "Restaurant" late at night is not every breakfast spot under it.
        off_hours = self.off_hours_kinds(at) if not (query.category or query.keyword or query.like) else []
        steer = steering(context.preferences) if context.preferences else self._steering(user_id)

        stops = self._stops_near(tuple(query.near_kinds)) if query.near_kinds else None

        def ranked(closed: Sequence[str], also_exclude: Sequence[str] = (), k: int = query.k) -> list[Recommendation]:
            found = self.runtime.recommend(
                user_id,
                at,
                where.latitude,
                where.longitude,
                k * VARIETY_FETCH,
                # "Stop suggesting places I've been to", stated once for good: new places only, unless known ones
                # are asked for.
                surprise=1.0 if steer.new_places_only and not query.familiar else query.surprise,
                familiar=query.familiar,
                category=query.category,
                keyword=query.keyword,
                exclude=[
                    *query.exclude,
                    *self._held_back(query.category, query.keyword),
                    *steer.hidden,
                    *(self.places_named(steer.hidden_names) if steer.hidden_names else ()),
                    *self._in_avoided_areas(steer.avoided_areas, where),
                    *(self._places_outside(query.in_borough) if query.in_borough else ()),
                    *(item_id for area in query.outside for item_id in self._places_ruled_out(area)),
                    # "SantaCon NYC" is over: a one-off event is suggested only while on, or asked for by name.
                    *(self._events_over(at) if not query.keyword else ()),
                    # "Whats fun tonight" on October 24: not the December 12 concert for Sandy relief, nor the
                    # Rockefeller Center Christmas Tree before November 28; no place before anyone checked in there.
                    *self._not_yet_seen(min(at, query.known_at or at)),
                    # "No chains", asked now or stated once for good ("stop suggesting chains").
                    *(self._chains if (query.independent or steer.no_chains) and not query.keyword else ()),
                    # "Dinner": not Seabra Supermarket, a restaurant by its 2012 check-ins and a grocery by its listing,
                    # unless the user's own (the Deli / Bodega they lunch at, listed today as a caterer).
                    *(self._listed_elsewhere(user_id) if query.category else ()),
                    # "Away from the crowds", and "a quiet place" too: not Times Square, however few loud kinds it is.
                    *(self._most_visited() if (query.local or query.quiet) and not query.keyword else ()),
                    *self._busier_than(query.calmer_than),
                    *self._of_categories(closed),
                    *(stops.beyond if stops is not None else ()),
                    *(self._not_open_then(at) if query.open_then else ()),
                    *also_exclude,
                ],
                exclude_categories=list(dict.fromkeys(unwanted)),
                within_km=query.within_km,
                beyond_km=query.beyond_km,
                muted_categories=steer.muted_categories,
                boost_categories=steer.boosted_categories,
                boost_like=[*steer.boosted_like, *query.like],
                popular=query.popular and not query.local,
                nearest=query.nearest,
            )
            found = self._busy_as_known(found, user_id, at, query.known_at or at)
            if query.quiet:
                # "A quiet café": a place the list would call busy right now comes after the calm ones.
                found = sorted(found, key=lambda item: f"{FACTS_JOINT}{BUSY_NOW} " in item.reasons[-1])
            if query.nearest_first or query.nearest:  # "closer please": of the best fits, the nearest
                found = sorted(found, key=lambda item: item.distance_km)
            if query.in_area:
                # "Dinner in the East Village": its own places first, Gramercy's and SoHo's within reach only after.
                inside = set(self._places_in_area(query.in_area))
                found = sorted(found, key=lambda item: item.item_id not in inside)
            if query.category and EITHER_SEPARATOR in query.category:  # "tacos or pizza": some of each
                found = _each_kind_shown(found, either_kinds(query.category), k, self._usual_paths)
            varied = few_of_a_name(found, query.keyword)[:k]
            # Stragglers are measured from the nearest place: beyond a distance, all of them are far.
            return _without_stragglers(varied) if query.within_km is None and query.beyond_km is None else varied

        def ranked_after(closed: Sequence[str]) -> list[Recommendation]:
            """Where people went on to from ``query.after`` first, the best fits after them."""
            if query.after is None:
                return ranked(closed)
            following = ranked(closed, self.next_stops(query.after).beyond)
            if len(following) >= query.k:
                return following
            shown = [query.after, *(item.item_id for item in following)]  # never the place itself
            return [*following, *ranked(closed, shown, query.k - len(following))]

        varied = ranked_after(off_hours)
        if off_hours and len(varied) < query.k:  # an hour when hardly any kind is open: the list as it was
            varied = ranked_after(())
        # A list by popularity leads with how many people go (the recommender's first reason), not the user's habit.
        habits = None if query.popular else self.habit_lines(context, query.known_at or at)
        said: set[str] = set()  # habit lines already cited higher up: each is said once where others can be said
        suggestions = self._known_until(
            [
                _suggestion(rank, item, habits, query.category, self._usual_paths, said)
                for rank, item in enumerate(varied, 1)
            ],
            user_id,
            query.known_at or at,
        )
        suggestions = self._branches_said(suggestions, user_id, query.known_at or at)
        if query.after is not None:
            suggestions = self._with_next_stop_evidence(suggestions, query.after)
        if query.in_area and (area := lookup(query.in_area)) is not None:
            suggestions = self._outside_said(suggestions, area)
        if stops is None:
            return suggestions
        # "Coffee near the subway": each place says which stop it is near.
        return [
            item.model_copy(update={"evidence": [*item.evidence, stops.nearest[item.item_id]]})
            for item in suggestions
            if item.item_id in stops.nearest
        ]

    def _outside_said(self, suggestions: list[Suggestion], area: Neighbourhood) -> list[Suggestion]:
        """The suggestions, each not of ``area`` first saying so and how far it is from the area's centre: "bars in
        the East Village" may list a Gramercy bar after the East Village's own, never as one of them."""
        inside = set(self._places_in_area(area.name))
        said = []
        for item in suggestions:
            if item.item_id not in inside:
                apart = float(haversine_km(area.latitude, area.longitude, item.latitude, item.longitude))
                line = f"outside {area.name}, {apart:.1f} km from its centre"
                item = item.model_copy(update={"evidence": [line, *item.evidence]})
            said.append(item)
        return said

    def _busy_as_known(
        self, found: Sequence[Recommendation], user_id: str, at: datetime, known_at: datetime
    ) -> list[Recommendation]:
        """The places' "busy on Friday evenings" as their cards would say it: from other people's check-ins up to
        ``known_at`` (never the asking user's own, never later ones), in the occasion of ``at``, and only when
        ``privacy.insights_min_users`` people stand behind that occasion's check-ins."""
        visits = places_visits(events_until(self.events(), known_at), [item.item_id for item in found])
        others = visits[visits["user_id"].astype(str) != str(user_id)]
        places = others["item_id"].to_numpy()
        people = others["user_id"].to_numpy()
        zone = self.settings.preprocessing.timezone
        least = self.settings.privacy.insights_min_users
        slices: dict[int, np.ndarray] = {}  # the check-ins in each hour's slice, worked out once per hour
        kept = []
        for item in found:
            if not item.reasons:
                kept.append(item)
                continue
            hour = local_hour_of_week(at, item.latitude, item.longitude, zone)
            if hour not in slices:
                weekday, hour_of_day = divmod(hour, HOURS_PER_DAY)
                slices[hour] = in_week_slice(others, (weekday,), daypart(hour_of_day)).to_numpy()
            here = places == item.item_id
            now = here & slices[hour]
            busy = len(set(people[now])) >= least and is_busy(float(here.sum()), float(now.sum()), occasion_share(hour))
            facts = with_busy(item.reasons[-1], busy_phrase(hour) if busy else None)
            kept.append(item.model_copy(update={"reasons": [*item.reasons[:-1], facts]}))
        return kept

    def _known_until(self, suggestions: list[Suggestion], user_id: str, at: datetime) -> list[Suggestion]:
        """The suggestions with the user's visits as of ``at``: asked at a time before some stored check-ins (a
        replay, a demo clock), a list says only what had happened by then, as a place's card does."""
        events = self.events()
        until = events_until(events, at)
        if until is events:  # nothing stored after ``at``: the ranker's facts are those of then
            return suggestions
        before = user_visits(until, user_id)
        known = before.groupby(before["item_id"].astype(str))["timestamp"].agg(["size", "max"])
        shown = {item.item_id for item in suggestions}
        everyone = None
        if until is not None:
            visits = (
                until[until["action"].fillna(Action.VISIT.value) == Action.VISIT.value] if "action" in until else until
            )
            everyone = visits[visits["item_id"].astype(str).isin(shown)]
        popular = (
            everyone.groupby(everyone["item_id"].astype(str))["user_id"].agg(["size", "nunique"])
            if everyone is not None
            else None
        )
        kept = []
        for item in suggestions:
            count, since = 0, None
            if item.item_id in known.index:
                count = int(known.at[item.item_id, "size"])
                since = at - pd.Timestamp(known.at[item.item_id, "max"]).to_pydatetime()
            facts = with_familiarity(item.evidence[-1], count, since, hours_into_day(self._local(at)))
            reasons = [self._popular_then(reason, item.item_id, popular) for reason in item.evidence[:-1]]
            evidence = [*(reason for reason in reasons if reason), facts]
            kept.append(item.model_copy(update={"evidence": evidence, "is_return": count > 0}))
        return kept

    def _branches_said(self, suggestions: list[Suggestion], user_id: str, at: datetime) -> list[Suggestion]:
        """The suggestions new to the user that share their name (``chain_key``) with a place they know as of ``at``:
        "a branch you haven't been to", not "new to you" beside "0.3 km from Shake Shack, a place you know", and that
        reason names the branch known ("0.3 km from the Shake Shack you know, in Gramercy")."""
        visits = user_visits(events_until(self.events(), at), user_id)
        branches: dict[str, list[Place]] = {}
        for item_id in visits["item_id"].astype(str).unique() if len(visits) else ():
            if (place := self.place(item_id)) is not None and (key := chain_key(place.name)):
                branches.setdefault(key, []).append(place)
        kept = []
        for item in suggestions:
            known = [place for place in branches.get(chain_key(item.name), []) if place.item_id != item.item_id]
            facts = item.evidence[-1]
            if item.is_return or not known or not facts.startswith(NEW_TO_YOU):
                kept.append(item)
                continue
            nearest = min(known, key=lambda place: haversine_km(item.latitude, item.longitude, *_point(place)))
            area = area_name(nearest.latitude, nearest.longitude)
            reasons = [_known_branch(reason, item.name, area) for reason in item.evidence[:-1]]
            facts = NEW_BRANCH + facts.removeprefix(NEW_TO_YOU)
            kept.append(item.model_copy(update={"evidence": [*reasons, facts]}))
        return kept

    @staticmethod
    def _popular_then(reason: str, item_id: str, popular: pd.DataFrame | None) -> str | None:
        """A list's popularity reason with the check-ins up to the time asked ("popular: 7 check-ins by 6 people",
        not the whole log's 9), or None when too few people had been by then."""
        if not reason.startswith(POPULAR_PREFIX) or popular is None:
            return reason
        if item_id not in popular.index:
            return None
        return popular_reason(int(popular.at[item_id, "size"]), int(popular.at[item_id, "nunique"]))

    def next_stops(self, item_id: str) -> NextStops:
        """Where people went on to from a place: the places at least ``NEXT_STOP_MIN_PEOPLE`` people checked in at
        next within ``NEXT_STOP_WITHIN`` of a check-in there, with how many people did; worked out again for a changed
        event log."""
        events = self.events()
        if self._following_of is None or self._following_of[0] is not events:
            self._following_of = (events, following_visits(events))
            self._next_stops_of.clear()
        if item_id not in self._next_stops_of:
            found = next_stops(self._following_of[1], item_id, within=NEXT_STOP_WITHIN, min_users=NEXT_STOP_MIN_PEOPLE)
            people = {str(place): int(count) for place, count in found.items()}
            every = self.items["item_id"].astype(str)
            self._next_stops_of[item_id] = NextStops(people, tuple(place for place in every if place not in people))
        return self._next_stops_of[item_id]

    def _with_next_stop_evidence(self, suggestions: list[Suggestion], item_id: str) -> list[Suggestion]:
        """Each suggestion people went on to from ``item_id`` says so, first among its reasons; how many only when
        enough people did to state it (``privacy.insights_min_users``)."""
        people = self.next_stops(item_id).people
        origin = self.place(item_id)
        name = origin.name if origin is not None else item_id
        hours = int(NEXT_STOP_WITHIN.total_seconds() // 3600)
        least = self.settings.privacy.insights_min_users
        said: list[Suggestion] = []
        for item in suggestions:
            if item.item_id in people:
                who = f"{people[item.item_id]} people" if people[item.item_id] >= least else "people"
                line = f"{who} went here next, within {hours} hours of a check-in at {name}"
                item = item.model_copy(update={"evidence": [line, *item.evidence]})
            said.append(item)
        return said

    def _stops_near(self, kinds: tuple[str, ...]) -> StopsNear:
        """The places within ``STOP_WALK_KM`` of a place of one of ``kinds`` (each with its nearest such stop, in
        words) and the item ids of all others, worked out once per set of kinds."""
        if kinds not in self._stops_of:
            items = self.items
            is_stop = pd.Series(False, index=items.index)
            for kind in kinds:
                is_stop |= of_kind_column(items, kind)
            stops = items[is_stop]
            ids = items["item_id"].astype(str).to_numpy()
            if stops.empty:
                self._stops_of[kinds] = StopsNear({}, tuple(ids))
            else:
                apart = haversine_km(
                    items["latitude"].to_numpy()[:, None],
                    items["longitude"].to_numpy()[:, None],
                    stops["latitude"].to_numpy()[None, :],
                    stops["longitude"].to_numpy()[None, :],
                )
                closest, km = apart.argmin(axis=1), apart.min(axis=1)
                # An unnamed stop is "a Subway", not "" (the catalogue holds a few without names).
                names = [
                    place_label(name, category)
                    for name, category in zip(
                        stops["name"].fillna("").astype(str), stops["category"].fillna("").astype(str), strict=True
                    )
                ]
                near = km <= STOP_WALK_KM
                nearest = {
                    str(item_id): f"{distance:.1f} km from {names[stop]}"
                    for item_id, stop, distance in zip(ids[near], closest[near], km[near], strict=True)
                }
                self._stops_of[kinds] = StopsNear(nearest, tuple(ids[~near]))
        return self._stops_of[kinds]

    def nearest_stop(self, item_id: str, kinds: Sequence[str]) -> tuple[Place, float] | None:
        """The catalogue stop of one of ``kinds`` (a station, a ferry) nearest to a place, and how far it is (km);
        None for an unknown place or when no catalogue place is of those kinds."""
        place = self.place(item_id)
        return None if place is None else self.nearest_place(place.latitude, place.longitude, kinds, item_id)

    def named_stop(self, words: str, kinds: Sequence[str], line: str | None = None) -> Place | None:
        """The stop of one of ``kinds`` whose name holds the words, as whole words ("Lorimer": MTA Subway - Lorimer St
        (L)), on the subway ``line`` when one is given, the most visited when several do; None when none does."""
        items = self.items
        wanted = pd.Series(False, index=items.index)
        for kind in kinds:
            wanted |= of_kind_column(items, kind)
        if line is not None:
            wanted &= items["name"].fillna("").astype(str).map(lambda name: line.upper() in subway_lines(name))
        stops = items[wanted]
        names = stops["name"].fillna("").astype(str).tolist()
        found = process.extract(
            words, names, scorer=fuzz.partial_ratio, processor=default_process, score_cutoff=PLACE_MATCH, limit=None
        )
        found = [match for match in found if not _inside_a_word(words, match[0])]
        if not found:
            return None
        events = self.events()
        visits = events["item_id"].value_counts() if events is not None else pd.Series(dtype=int)
        best = max(found, key=lambda match: (match[1], int(visits.get(str(stops["item_id"].iloc[match[2]]), 0))))
        return self.place(str(stops["item_id"].iloc[best[2]]))

    def line_stop_near(self, line: str, latitude: float, longitude: float) -> Place | None:
        """The station of a subway line ("L", "6") nearest a point, among the catalogue's rail stops whose names list
        the line (``profiles.places.subway_lines``); None when no stop names it."""
        items = self.items
        rail = pd.Series(False, index=items.index)
        for kind in TRANSIT_KINDS["subway"]:
            rail |= of_kind_column(items, kind)
        names = items["name"].fillna("").astype(str)
        on_line = rail & names.map(lambda name: line.upper() in subway_lines(name))
        stops = items[on_line]
        if stops.empty:
            return None
        apart = haversine_km(latitude, longitude, stops["latitude"].to_numpy(), stops["longitude"].to_numpy())
        return self.place(str(stops["item_id"].iloc[int(apart.argmin())]))

    def nearest_place(
        self, latitude: float, longitude: float, kinds: Sequence[str] = (), other_than: str | None = None
    ) -> tuple[Place, float] | None:
        """The catalogue place nearest a point, and how far it is (km): of one of ``kinds`` when given, else any
        named place one could be suggested (never a home, which would name where someone lives); None when there is
        none."""
        items = self.items
        if kinds:
            wanted = pd.Series(False, index=items.index)
            for kind in kinds:
                wanted |= of_kind_column(items, kind)
        else:
            wanted = suggestable_column(items) & (items["name"].fillna("").astype(str).str.strip() != "")
        if other_than is not None:
            wanted &= items["item_id"].astype(str) != other_than
        candidates = items[wanted]
        if candidates.empty:
            return None
        apart = haversine_km(latitude, longitude, candidates["latitude"].to_numpy(), candidates["longitude"].to_numpy())
        nearest = int(apart.argmin())
        found = self.place(str(candidates["item_id"].iloc[nearest]))
        return None if found is None else (found, float(apart[nearest]))

    def off_hours_kinds(self, at: datetime) -> list[str]:
        """The kinds of place (categories) whose check-ins all but never fall near ``at``'s local hour of the day
        (see ``OFF_HOURS_SHARE``), from the stored visits; worked out again for a changed event log."""
        events = self.events()
        if events is None or events.empty:
            return []
        if self._hours_of is None or self._hours_of[0] is not events:
            visits = events[(events["action"].fillna(Action.VISIT.value) == Action.VISIT.value)]
            # The catalogue's category: an event sent through the API carries none of its own.
            category = self.items.set_index(self.items["item_id"].astype(str))["category"]
            kinds = visits["item_id"].astype(str).map(category)
            counts = pd.crosstab(kinds, visits["hour_of_week"] % HOURS_PER_DAY)
            counts = counts.reindex(columns=range(HOURS_PER_DAY), fill_value=0)
            counts = counts[counts.sum(axis=1) >= OFF_HOURS_MIN_VISITS]
            around = sum(
                counts.shift(shift, axis=1, fill_value=0) + counts.shift(shift - HOURS_PER_DAY, axis=1, fill_value=0)
                for shift in range(-OFF_HOURS_WINDOW, OFF_HOURS_WINDOW + 1)
            )
            self._hours_of = (events, around.div(counts.sum(axis=1), axis=0))
        shares = self._hours_of[1]
        hour = at.astimezone(ZoneInfo(self.settings.preprocessing.timezone)).hour
        even = (2 * OFF_HOURS_WINDOW + 1) / HOURS_PER_DAY
        return [str(kind) for kind in shares.index[shares[hour] < OFF_HOURS_SHARE * even]]

    def _of_categories(self, categories: Sequence[str]) -> list[str]:
        """The item ids of the places whose category is one of ``categories`` (exactly, not a level above it)."""
        if not categories:
            return []
        items = self.items
        return items.loc[items["category"].isin(categories), "item_id"].astype(str).tolist()

    def usual_hour(self, kind: str) -> int | None:
        """The local hour of the day (0 to 23) around which places of ``kind`` (a category level or a group of kinds)
        get the most check-ins, an hour either side counted with it (a bar's evening, a museum's afternoon); None
        with fewer than ``USUAL_HOUR_MIN_VISITS`` check-ins to tell it. Worked out again for a changed event log."""
        events = self.events()
        if events is None or events.empty:
            return None
        cached = self._usual_hour_of.get(kind)
        if cached is None or cached[0] is not events:
            ids = self.items.loc[of_kind_column(self.items, kind).to_numpy(), "item_id"].astype(str)
            checked_in = events["action"].fillna(Action.VISIT.value) == Action.VISIT.value  # a 👍 is no visit then
            visits = events[checked_in & events["item_id"].astype(str).isin(set(ids))]
            of_day = visits["hour_of_week"].to_numpy(dtype=np.int64) % HOURS_PER_DAY
            hours = np.bincount(of_day, minlength=HOURS_PER_DAY)
            around = sum(np.roll(hours, shift) for shift in range(-OFF_HOURS_WINDOW, OFF_HOURS_WINDOW + 1))
            hour = int(np.argmax(around)) if len(visits) >= USUAL_HOUR_MIN_VISITS else None
            cached = (events, hour)
            self._usual_hour_of[kind] = cached
        return cached[1]

    def usual_hour_at(self, item_id: str, user_id: str, until: datetime | None = None) -> int | None:
        """The local hour of the day (0 to 23) the user usually checks in at a place ("and after Pacha?": after the
        user's own evening there), an hour either side counted with it; from everyone's check-ins there when the
        user has fewer than ``OWN_HOUR_MIN_VISITS``; None with too few to tell. Only check-ins before ``until``
        count, when given (a conversation's "now")."""
        events = self.events() if until is None else events_until(self.events(), until)
        if events is None or events.empty:
            return None
        checked_in = events["action"].fillna(Action.VISIT.value) == Action.VISIT.value
        there = events[checked_in & (events["item_id"].astype(str) == str(item_id))]
        own = there[there["user_id"].astype(str) == str(user_id)]
        visits = own if len(own) >= OWN_HOUR_MIN_VISITS else there
        if len(visits) < OWN_HOUR_MIN_VISITS:
            return None
        hours = np.bincount(visits["hour_of_week"].to_numpy(dtype=np.int64) % HOURS_PER_DAY, minlength=HOURS_PER_DAY)
        around = sum(np.roll(hours, shift) for shift in range(-OFF_HOURS_WINDOW, OFF_HOURS_WINDOW + 1))
        # The busiest stretch of hours, then its busiest hour: Pacha's 19–21 stretch, and 8 pm within it.
        centre = int(np.argmax(around))
        window = [(centre + shift) % HOURS_PER_DAY for shift in range(-OFF_HOURS_WINDOW, OFF_HOURS_WINDOW + 1)]
        return max(window, key=lambda hour: hours[hour])

    def open_then(self, at: datetime) -> frozenset[str]:
        """Item ids of the places at least ``OPEN_THEN_MIN_PEOPLE`` people have checked in at within
        ``OFF_HOURS_WINDOW`` hours of ``at``'s local hour of the day, on any day: the closest the stored visits come to
        saying a place is open then; worked out again for a changed event log."""
        return self._open_then(at)[1]

    def _not_open_then(self, at: datetime) -> tuple[str, ...]:
        """Item ids of every catalogue place not in :meth:`open_then` (worked out with it, once per hour)."""
        return self._open_then(at)[2]

    def _open_then(self, at: datetime) -> tuple[pd.DataFrame | None, frozenset[str], tuple[str, ...]]:
        events = self.events()
        if events is None or events.empty:
            return None, frozenset(), tuple(self.items["item_id"].astype(str))
        hour = at.astimezone(ZoneInfo(self.settings.preprocessing.timezone)).hour
        cached = self._open_then_of.get(hour)
        if cached is None or cached[0] is not events:
            every = self.items["item_id"].astype(str)
            visits = events[(events["action"].fillna(Action.VISIT.value) == Action.VISIT.value)]
            apart = (visits["hour_of_week"].to_numpy() % HOURS_PER_DAY - hour) % HOURS_PER_DAY
            near = visits[(apart <= OFF_HOURS_WINDOW) | (apart >= HOURS_PER_DAY - OFF_HOURS_WINDOW)]
            people = near.groupby("item_id")["user_id"].nunique()
            known = frozenset(str(item_id) for item_id in people.index[people >= OPEN_THEN_MIN_PEOPLE])
            cached = (events, known, tuple(item_id for item_id in every if item_id not in known))
            self._open_then_of[hour] = cached
        return cached

    def _listed_elsewhere(self, user_id: str) -> tuple[str, ...]:
        """Item ids of the places the catalogue lists today in another top-level family than their check-in kind's,
        but for going out (a bar listed as a music venue is one still): a kind asked for is not offered by them. The
        user's own places are kept: they checked in there as that kind."""
        if self._elsewhere is None:
            items = self.items
            paths = items["category_path"].fillna("").astype(str)
            usual = items["category"].astype(str).map(self._usual_paths).fillna("")
            family = paths.str.split(CATEGORY_SEPARATOR).str[0].str.strip()
            elsewhere = (
                (paths != "") & (usual != "") & (family != usual.str.split(CATEGORY_SEPARATOR).str[0].str.strip())
            )
            elsewhere &= ~family.isin(GOING_OUT_FAMILIES)
            self._elsewhere = tuple(items.loc[elsewhere, "item_id"].astype(str))
        mine = set(self._visits(user_id)["item_id"].astype(str))
        return tuple(item_id for item_id in self._elsewhere if item_id not in mine) if mine else self._elsewhere

    def _busier_than(self, shown: Sequence[str]) -> tuple[str, ...]:
        """Item ids of the places more distinct people check in at than at the middle one of ``shown`` (its median):
        what "less crowded?" after a list leaves out; () when nothing is shown."""
        if not shown:
            return ()
        people = self._people_per_place()
        middle = float(np.median([people.get(item_id, 0) for item_id in shown]))
        return tuple(people.index[people.to_numpy() > middle])

    def _people_per_place(self) -> pd.Series:
        """How many distinct people check in at each visited place (by item id, as text), worked out again whenever
        the runtime reads a changed event log."""
        events = self.events()
        if events is None or events.empty:
            return pd.Series(dtype=int)
        if self._people_of is None or self._people_of[0] is not events:
            people = events.groupby(events["item_id"].astype(str))["user_id"].nunique()
            self._people_of = (events, people)
        return self._people_of[1]

    def _most_visited(self) -> tuple[str, ...]:
        """Item ids of the places the most distinct people check in at (``MOST_VISITED_SHARE`` of the visited ones),
        worked out again whenever the runtime reads a changed event log (a new frame)."""
        events = self.events()
        if events is None or events.empty:
            return ()
        if self._most_visited_of is None or self._most_visited_of[0] is not events:
            people = events.groupby("item_id")["user_id"].nunique().sort_values(ascending=False, kind="stable")
            top = people.index[: math.ceil(len(people) * MOST_VISITED_SHARE)]
            self._most_visited_of = (events, tuple(str(item_id) for item_id in top))
        return self._most_visited_of[1]

    def habits(
        self,
        user_id: str,
        at: datetime,
        where: LatLon,
        *,
        weekday: int | None = None,
        daypart: str | None = None,
        weekend: bool = False,
        workweek: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        kind: str | None = None,
        change: bool = False,
        against: Period | None = None,
        top: int = HABIT_TOP,
        item_id: str | None = None,
        rhythm: bool = False,
        listed: int | None = None,
    ) -> Habits:
        """The user's own visits in a slice of the week (a weekday, the weekend or the ``workweek``), from ``since``
        on and before ``until`` when given, by kind of place and by place (``profiles.activity``); ``at`` is now (how
        long ago the last visit was), ``where`` here (the cards' distances). With ``kind``, only visits to places of
        that kind ("Bar"), with ``item_id`` only those to that place. With ``change``, the visits of the user's latest
        month, and how its kinds differ from before, or with ``against`` the slice asked (``since`` … ``workweek``)
        set against that other one ("in November than in August", "weekends vs weekdays"); with ``rhythm``, when the
        visits fell by weekday and hour; with ``listed``, the slice's latest visits, up to that many (at most
        ``LISTED_TOP``), as the timeline ("show me my last 10 check-ins"), and the months of the user's visits when
        the slice has none."""
        shift = None
        if change and against is not None:
            asked = Period(since, until, weekday, daypart, weekend, workweek)
            shift = self._interest_change(user_id, at, (asked, against), kind)
        elif change:
            shift = self._interest_change(user_id, at, kind=kind)
            since = shift.recent_from if shift is not None else since
        # Asked at a time inside the data (a replay, a demo clock): only what had happened by then, as a card says.
        events = events_until(self.events(), at)
        chosen = {
            "weekday": weekday,
            "daypart": daypart,
            "weekend": weekend,
            "workweek": workweek,
            "since": since,
            "until": until,
            "kind": kind,
            "item_id": item_id,
        }
        kinds, places = user_habits(events, self.items, user_id, **chosen)
        when = None
        if rhythm:
            by_weekday, by_hour = visit_rhythm(events, self.items, user_id, **chosen)
            when = VisitRhythm(by_weekday=by_weekday, by_hour=by_hour)
        named = self.place(str(item_id)) if item_id is not None else None
        listed = min(listed, LISTED_TOP) if listed else None
        timeline = self._timeline(events, user_id, chosen, listed)
        visited, areas_top = places, top  # the areas count every place of the slice
        if timeline and len(places):
            # One past day, or a list of check-ins: its places in the order said, so that "the second one" is the
            # second said.
            order = list(dict.fromkeys(visit.item_id for visit in timeline))
            by_id = places.assign(item_id=places["item_id"].astype(str)).set_index("item_id", drop=False)
            places, top = by_id.loc[[item_id for item_id in order if item_id in by_id.index]], len(order)
        day = WEEKEND if weekend else WORKWEEK if workweek else weekday_name(weekday) if weekday is not None else None
        mine = user_events(events, user_id)
        slice_words = " ".join(word for word in (f"on {plural(day)}" if day is not None else "", daypart) if word)
        cards = []
        local = self._local(at)
        for rank, row in enumerate(places.head(top).itertuples(index=False), start=1):
            place = self.place(str(row.item_id))
            if place is None:
                continue
            visits = f"{int(row.visits)} visit{'s' if int(row.visits) != 1 else ''}"
            last = pd.Timestamp(row.last).to_pydatetime()
            cards.append(
                Suggestion(
                    **dict(place),
                    rank=rank,
                    score=float(row.visits),
                    is_return=True,
                    distance_km=round(
                        float(haversine_km(where.latitude, where.longitude, place.latitude, place.longitude)), 3
                    ),
                    evidence=[" ".join(part for part in (visits, slice_words) if part) + f" · last {ago(last, local)}"],
                )
            )
        return Habits(
            user_id=user_id,
            weekday=day,
            daypart=daypart,
            since=since,
            until=until,
            kind=kind,
            place=named.label if named is not None else None,
            visits=int(kinds["visits"].sum()) if len(kinds) else 0,
            all_visits=len(mine),
            place_count=len(visited),
            # In the city's time zone: a visit at 9 pm on a Friday is on Friday, not on UTC's Saturday.
            latest=self._local(kinds["last"].max()) if len(kinds) else None,
            first=self._local(mine["timestamp"].min()) if len(mine) else None,
            last=self._local(mine["timestamp"].max()) if len(mine) else None,
            kinds=[
                HabitKind(
                    kind=str(row.kind),
                    visits=int(row.visits),
                    weekday=weekday_name(int(row.weekday)),
                    daypart=str(row.daypart),
                    last=self._local(row.last),
                    slot_visits=int(row.slot_visits),
                )
                for row in kinds.head(top).itertuples(index=False)
            ],
            places=cards,
            change=shift,
            areas=self._areas(visited, areas_top),
            timeline=timeline,
            rhythm=when,
            listed=listed,
            months=self._months(user_visits(events, user_id)) if listed and not len(kinds) else [],
        )

    def visits_of(
        self,
        user_id: str,
        at: datetime,
        *,
        weekday: int | None = None,
        daypart: str | None = None,
        weekend: bool = False,
        workweek: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        kind: str | None = None,
        item_ids: Sequence[str] | None = None,
    ) -> list[HabitVisit]:
        """Each of the user's visits up to ``at`` in the slice ``habits`` counts (the same arguments), only to
        ``item_ids`` when given, the latest first: the check-ins behind a habits answer or a reason."""
        events = events_until(self.events(), at)
        rows = slice_visits(
            events,
            self.items,
            user_id,
            weekday=weekday,
            daypart=daypart,
            weekend=weekend,
            workweek=workweek,
            since=since,
            until=until,
            kind=kind,
        )
        if item_ids is not None and len(rows):
            rows = rows[rows["item_id"].astype(str).isin(set(item_ids))]
        return self._habit_visits(rows)

    def _timeline(
        self, events: pd.DataFrame | None, user_id: str, chosen: Mapping[str, Any], listed: int | None = None
    ) -> list[HabitVisit]:
        """The visits of one past day (``chosen``: ``habits``'s slice, whose span is up to ``TIMELINE_SPAN``; only to
        places of its kind when given) in time order, a place checked into twice in a row once; empty for a longer
        or open span. With ``listed``, the latest visits of the whole slice (any span, open too), up to that many,
        the latest first, each one ("show me my last 10 check-ins")."""
        if listed:
            rows = slice_visits(events, self.items, user_id, **chosen)
            return self._habit_visits(rows.head(listed))
        since, until, kind = chosen["since"], chosen["until"], chosen["kind"]
        if since is None or until is None or until - since > TIMELINE_SPAN:
            return []
        visits = visits_between(events, user_id, since, until)
        if kind:
            visits = visits[visits["item_id"].astype(str).isin(self._of_kind_ids(kind))]
        # A place checked into twice in a row is one stop of the day.
        repeated = visits["item_id"].astype(str).eq(visits["item_id"].astype(str).shift()) if len(visits) else None
        return self._habit_visits(visits[~repeated] if repeated is not None else visits, TIMELINE_TOP)

    def _habit_visits(self, rows: pd.DataFrame, top: int | None = None) -> list[HabitVisit]:
        """Visits (``item_id``, ``timestamp`` rows) in their order, each with its place's name, kind and area; a
        place the catalogue lacks left out; the first ``top`` when given."""
        visits: list[HabitVisit] = []
        found: dict[str, tuple[str, str, str] | None] = {}
        for row in rows.itertuples(index=False):
            item_id = str(row.item_id)
            if item_id not in found:
                place = self.place(item_id)
                found[item_id] = (
                    (place.label, _leaf(place), area_words(place.latitude, place.longitude)) if place else None
                )
            if (said := found[item_id]) is not None:
                label, kind, area = said
                at = pd.Timestamp(row.timestamp).to_pydatetime()
                visits.append(HabitVisit(item_id=item_id, label=label, at=at, kind=kind, area=area))
            if top is not None and len(visits) == top:
                break
        return visits

    def _months(self, visits: pd.DataFrame) -> list[HabitMonth]:
        """The calendar months (local time) of the user's visits (``user_visits``), the earliest first, with how
        many each has: what an empty stretch asked about is set against ("none last week; you have some in …")."""
        if not len(visits):
            return []
        local = visits["timestamp"].dt.tz_convert(self.settings.preprocessing.timezone)
        counts = local.dt.tz_localize(None).dt.to_period("M").value_counts().sort_index()
        zone = ZoneInfo(self.settings.preprocessing.timezone)
        return [
            HabitMonth(month=period.to_timestamp().to_pydatetime().replace(tzinfo=zone), visits=int(count))
            for period, count in counts.items()
        ]

    def _local(self, moment: object) -> datetime:
        """A stored (UTC) time in the city's time zone."""
        return pd.Timestamp(moment).to_pydatetime().astimezone(ZoneInfo(self.settings.preprocessing.timezone))

    def _of_kind_ids(self, kind: str) -> pd.Series:
        """The item ids of the catalogue's places of a kind ("Bar": every kind of bar)."""
        return self.items.loc[of_kind_column(self.items, kind), "item_id"].astype(str)

    def _areas(self, places: pd.DataFrame, top: int) -> list[HabitArea]:
        """The neighbourhoods of the places visited (``item_id``, ``visits``), most visited first; a place too far
        from any neighbourhood's centre to name one counts for the rest of its borough (``_wider_area``)."""
        visits: dict[str, int] = {}
        for row in places.itertuples(index=False):
            place = self.place(str(row.item_id))
            if place is not None:
                area = area_words(place.latitude, place.longitude)
                visits[area] = visits.get(area, 0) + int(row.visits)
        ranked = sorted(visits.items(), key=lambda pair: -pair[1])[:top]
        return [HabitArea(area=area, visits=count) for area, count in ranked]

    def _interest_change(
        self, user_id: str, at: datetime, periods: tuple[Period, Period] | None = None, kind: str | None = None
    ) -> InterestChange | None:
        """The user's latest month of visits against all before it, or the two ``periods`` asked about, only to
        places of ``kind`` when given (``profiles.activity.kind_change``, the one owner of the change); None without
        visits (of that kind) in the latest-month case."""
        table, start = kind_change(
            self.events(), self.items, user_id, recent_days=CHANGE_RECENT_DAYS, until=at, periods=periods, kind=kind
        )
        if periods is not None:
            return self._periods_change(user_id, at, periods, kind, table)
        if start is None:
            return None
        shifts = _kind_shifts(table)
        more = [item for item in shifts if item.recent_share - item.earlier_share >= CHANGE_MIN_SHIFT]
        fewer = [item for item in shifts if item.earlier_share - item.recent_share >= CHANGE_MIN_SHIFT]
        return InterestChange(
            recent_from=start,
            recent_to=start + timedelta(days=CHANGE_RECENT_DAYS),
            recent_visits=int(table["recent"].sum()),
            earlier_visits=int(table["earlier"].sum()),
            # A kind visited once lately is no new habit (MIN_OCCASIONS).
            more=[item for item in more if item.recent >= MIN_OCCASIONS][: HABIT_TOP - 1],
            fewer=fewer[: HABIT_TOP - 1],
            kind=kind,
        )

    def _periods_change(
        self, user_id: str, at: datetime, periods: tuple[Period, Period], kind: str | None, table: pd.DataFrame
    ) -> InterestChange:
        """Two periods side by side from ``kind_change``'s ``table``: each one's span within the user's data, visits a
        week, top kinds and places; the places of one only (new, dropped); the kinds whose share moved."""
        events = events_until(self.events(), at)
        mine = user_visits(events, user_id)
        first = self._local(mine["timestamp"].min()) if len(mine) else None
        last = self._local(mine["timestamp"].max()) if len(mine) else None
        shifts = _kind_shifts(table)
        said: list[PeriodHabits] = []
        visited: list[dict[str, int]] = []
        for period, column in zip(periods, ("recent", "earlier"), strict=True):
            _, places = user_habits(events, self.items, user_id, **period._asdict(), kind=kind)
            counts = {str(row.item_id): int(row.visits) for row in places.itertuples(index=False) if row.visits}
            visited.append(counts)
            ranked = sorted(shifts, key=lambda item: -getattr(item, column))
            kinds = [
                KindCount(kind=item.kind, visits=getattr(item, column)) for item in ranked if getattr(item, column)
            ]
            said.append(self._period_habits(period, at, first, kinds, counts))
        asked, against = said
        more = [item for item in shifts if item.recent_share - item.earlier_share >= CHANGE_MIN_SHIFT]
        fewer = [item for item in shifts if item.earlier_share - item.recent_share >= CHANGE_MIN_SHIFT]
        return InterestChange(
            recent_from=asked.since or self._local(at),
            recent_to=asked.until or self._local(at),
            recent_visits=asked.visits,
            earlier_visits=against.visits,
            more=[item for item in more if item.recent >= MIN_OCCASIONS][: HABIT_TOP - 1],
            fewer=[item for item in fewer if item.earlier >= MIN_OCCASIONS][: HABIT_TOP - 1],
            kind=kind,
            asked=asked,
            against=against,
            by_time=(periods[0].weekend, periods[0].workweek) == (periods[1].weekend, periods[1].workweek),
            new=self._only_in(*visited),
            dropped=self._only_in(*reversed(visited)),
            first_visit=first,
            last_visit=last,
        )

    def _period_habits(
        self,
        period: Period,
        at: datetime,
        first: datetime | None,
        kinds: list[KindCount],
        places: dict[str, int],
    ) -> PeriodHabits:
        """One period of a comparison: its span cut to the data (from the user's ``first`` visit up to now, ``at``),
        visits, weeks, most visited kinds and places."""
        now = self._local(at)
        asked = self._local(period.since) if period.since is not None else None
        start = max(asked, first) if asked is not None and first is not None else asked or first
        end = min(self._local(period.until), now) if period.until is not None else now
        inside = start is not None and first is not None and start < end
        weeks = max((end - start).total_seconds() / (DAYS_PER_WEEK * 86400), 1.0) if inside and start else 1.0
        day = WEEKEND if period.weekend else WORKWEEK if period.workweek else None
        ranked = sorted(places.items(), key=lambda pair: -pair[1])
        return PeriodHabits(
            since=start if inside else asked,
            until=self._local(period.until) if period.until is not None and period.until < now else None,
            in_data=inside,
            weekday=day or (weekday_name(period.weekday) if period.weekday is not None else None),
            daypart=period.daypart,
            visits=sum(places.values()),
            weeks=round(weeks, 2),
            kinds=kinds[:CHANGE_TOP],
            places=[PlaceCount(label=self._label(item_id), visits=count) for item_id, count in ranked[:CHANGE_TOP]],
        )

    def _only_in(self, these: dict[str, int], others: dict[str, int]) -> list[PlaceCount]:
        """The places of one period visited at least ``MIN_OCCASIONS`` times and never in the other, most first."""
        only = sorted(
            ((item_id, count) for item_id, count in these.items() if count >= MIN_OCCASIONS and item_id not in others),
            key=lambda pair: -pair[1],
        )
        return [PlaceCount(label=self._label(item_id), visits=count) for item_id, count in only[:CHANGE_TOP]]

    def _label(self, item_id: str) -> str:
        """A place's name as said, or "a place" for one the catalogue lacks."""
        place = self.place(item_id)
        return place.label if place is not None else "a place"

    def place(self, item_id: str) -> Place | None:
        """The catalogue place of an item id; None for one the catalogue lacks."""
        catalogue = self.runtime.item_index.catalogue
        position = catalogue.positions.get(item_id)
        return None if position is None else catalogue.place(position)

    def checkins_at(
        self, item_id: str, weekday: int | None = None, daypart: str | None = None, weekend: bool = False
    ) -> int:
        """Everyone's check-ins at a place, in a slice of the week when one is given ("which is busiest on
        Saturdays?"), 0 unless ``privacy.insights_min_users`` people stand behind them (as ``place_details`` states
        them): what "the most popular of those" is told by."""
        visits = place_visits(self.events(), item_id)
        if len(visits) and (weekday is not None or daypart is not None or weekend):
            days = WEEKEND_DAYS if weekend else (weekday,) if weekday is not None else range(DAYS_PER_WEEK)
            visits = visits[in_week_slice(visits, days, daypart)]
        return len(visits) if visits["user_id"].nunique() >= self.settings.privacy.insights_min_users else 0

    def place_details(
        self,
        user_id: str,
        item_id: str,
        at: datetime,
        where: LatLon,
        busiest: int = 2,
        weekend: bool = False,
        whole_day: bool = False,
        known_at: datetime | None = None,
    ) -> PlaceDetails:
        """What the data says about a catalogue place for the user at ``at`` (now) and ``where`` (here), its visits
        then counted over whole weekends with ``weekend`` ("is it busy on weekends?"), or over that whole weekday with
        ``whole_day`` ("is it busy on Sundays?"); ValueError names ``item_id`` when it is not in the catalogue.
        ``known_at``: the moment the question is asked, when ``at`` is another ("is Crumbs busy on Sunday
        afternoons?" asked on a Monday): every count, the user's and everyone's, is of the check-ins made by then,
        never of ones after it (default ``at``)."""
        place = self.place(item_id)
        if place is None:
            raise ValueError(f"unknown item_id {item_id!r}: not in the catalogue")
        least = self.settings.privacy.insights_min_users
        events = events_until(self.events(), known_at or at)
        visits = place_visits(events, item_id)
        slices = place_slices(visits)
        released = slices[slices["users"] >= least]
        if released.empty:  # no weekday's day part has enough people behind it: day parts over the whole week
            whole_week = place_slices(visits, by_weekday=False)
            released = whole_week[whole_week["users"] >= least]
        hour = local_hour_of_week(at, place.latitude, place.longitude, self.settings.preprocessing.timezone)
        weekday, hour_of_day = divmod(hour, HOURS_PER_DAY)
        part = daypart(hour_of_day)
        now = WeekSlice(weekday=weekday_name(weekday), daypart=part, visits=0)
        if weekend:
            now = WeekSlice(weekday=WEEKEND, daypart=None, visits=0)
        elif whole_day:
            now = now.model_copy(update={"daypart": None})
        current = in_week_slice(visits, WEEKEND_DAYS if weekend else (weekday,), None if weekend or whole_day else part)
        # Distinct people over the whole slice: two on Saturday and the same two on Sunday are two, not four.
        now_visits, now_users = int(current.sum()), int(visits.loc[current, "user_id"].nunique())
        withheld = 0 < now_users < least
        mine = visits[visits["user_id"] == user_id]
        people = int(visits["user_id"].nunique())
        quietest, quietest_withheld = _quietest_dayparts(visits, least) if people >= least else ([], False)
        return PlaceDetails(
            **place.model_dump(),
            area=area_name(place.latitude, place.longitude),
            listed_as=listed_now_as(place.category, place.category_path, self._usual_paths.get(place.category, "")),
            distance_km=round(float(haversine_km(where.latitude, where.longitude, place.latitude, place.longitude)), 3),
            across_the_hudson=across_the_hudson((where.latitude, where.longitude), (place.latitude, place.longitude)),
            checkins=len(visits) if people >= least else None,
            people=people if people >= least else None,
            busiest=[
                WeekSlice(
                    weekday=weekday_name(int(row.weekday)) if row.weekday >= 0 else None,
                    daypart=str(row.daypart),
                    visits=int(row.visits),
                )
                for row in released.head(busiest).itertuples(index=False)
            ],
            quietest=quietest,
            quietest_withheld=quietest_withheld,
            now=now.model_copy(update={"visits": 0 if withheld else now_visits}),
            now_withheld=withheld,
            your_visits=len(mine),
            # The city's days: a visit at 10:56 pm on December 18 was on the 18th, whatever day it was in UTC.
            your_first=self._local(mine["timestamp"].min()) if len(mine) else None,
            your_last=self._local(mine["timestamp"].max()) if len(mine) else None,
        )

    def search_places(
        self,
        text: str,
        near: LatLon | None = None,
        k: int = 5,
        radius_km: float = SEARCH_RADIUS_KM,
        at: datetime | None = None,
    ) -> list[PlaceHit]:
        """Catalogue places matching a description, by the interest encoder, within ``radius_km`` of ``near``; at a
        time ``at`` (now), none nobody had checked in at by then, as a list holds none."""
        point = (near.latitude, near.longitude) if near is not None else None
        # Homes and other places never suggested stay out of a search's answers, as out of rankings.
        held_back = set(self._places_held_back(None, None))
        if at is not None:
            held_back.update(self._not_yet_seen(at))
        hits = self.runtime.item_index.search_text(
            text, k + len(held_back), near=point, radius_km=radius_km if point else None
        )
        return [hit for hit in hits if hit.item_id not in held_back][:k]

    def quiet_exclusions(self, asked: str | None) -> tuple[str, ...]:
        """``quiet_exclusions`` over this catalogue (what holds a kind worked out once per kind)."""
        holding = frozenset().union(*(self._levels_holding(kind) for kind in either_kinds(asked))) if asked else None
        return quiet_exclusions(asked, holding or frozenset())

    def explain(
        self, suggestion: Suggestion, context: InterestContext | None = None, known_at: datetime | None = None
    ) -> Explanation:
        """Why a suggested place suits the user: its evidence, with the user's habit with its kind first when the
        context backs it (the same line, with the same count, as a list asked at the context's time says), from the
        visits up to ``known_at`` (the context's time when not given: a list asked for tomorrow knows only today's)."""
        evidence = list(suggestion.evidence)
        cited = self.habit_lines(context, known_at).cited(_leaf(suggestion)) if context is not None else None
        if cited is not None:
            evidence = [cited, *(line for line in evidence if line != cited)]
        return Explanation(item_id=suggestion.item_id, name=suggestion.label, evidence=evidence)

    def habit_lines(self, context: InterestContext, known_at: datetime | None = None) -> HabitLines:
        """The habit line (:func:`habit_line`) of each kind of place the context backs, in the occasion of the
        context's time ("Saturday mornings" for a list asked for Saturday at 9 am) from the user's visits up to
        ``known_at`` (the context's time when not given): one count per kind, however often it is asked."""
        local = self._local(context.at)
        occasion = describe_hour(local.weekday() * HOURS_PER_DAY + local.hour, plural=True)
        return HabitLines(context, self.occasion_visits(context.user_id, context.at, known_at or context.at), occasion)

    def occasion_visits(self, user_id: str, at: datetime, known_at: datetime) -> pd.DataFrame:
        """The user's visits up to ``known_at`` on the weekday and in the day part of ``at`` (local time): each with
        its place's ``leaf`` category, its local ``day`` and the ``area`` named (``area_name``, '' for none)."""
        visits = user_visits(events_until(self.events(), known_at), user_id)
        columns = ["item_id", "leaf", "day", "area"]
        if visits.empty:
            return pd.DataFrame(columns=columns)
        visits = visits[visits["timestamp"] <= pd.Timestamp(known_at)]
        local = visits["timestamp"].dt.tz_convert(self.settings.preprocessing.timezone)
        now = self._local(at)
        kept = (local.dt.weekday == now.weekday()).to_numpy() & (
            dayparts(local.dt.hour.to_numpy()) == daypart(now.hour)
        )
        visits, local = visits[kept], local[kept]
        places = {item_id: self.place(item_id) for item_id in visits["item_id"].astype(str).unique()}
        leaf = {item_id: _leaf(place) if place else "" for item_id, place in places.items()}
        area = {
            item_id: (area_name(place.latitude, place.longitude) or "") if place else ""
            for item_id, place in places.items()
        }
        ids = visits["item_id"].astype(str)
        return pd.DataFrame(
            {"item_id": ids, "leaf": ids.map(leaf), "day": local.dt.date, "area": ids.map(area)}, columns=columns
        )

    def _places_held_back(self, category: str | None, keyword: str | None) -> tuple[str, ...]:
        """Item ids of the unsuggestable places a query with this category and keyword does not ask for."""
        held = self._unsuggestable
        lifted = suggestable_column(held, (category, keyword)).to_numpy(copy=True)
        if category:
            # Of the kind asked by the check-in category, and one to go to by it: "lunch" holds A & S Caterers, a
            # "Deli / Bodega" in the check-ins that the catalogue files under "Business and Professional Services"
            # (whose places other than the user's own are left out as listed elsewhere).
            kinds = held["category"].fillna("").astype(str)
            usual = kinds.map(self._usual_paths).fillna("")
            lifted |= np.array(
                [
                    bool(path) and is_of_kind(category, kind, path) and is_suggestable(kind, path, name)
                    for kind, path, name in zip(kinds, usual, held["name"], strict=True)
                ],
                dtype=bool,
            )
        return tuple(held.loc[~lifted, "item_id"].astype(str))

    # ---- changing -----------------------------------------------------------------------------------------

    def add_events(self, events: Sequence[Event | Mapping[str, Any]]) -> int:
        """Store events through the event log (durable when this returns); see Runtime.add_events."""
        return self.runtime.add_events(events)

    def feedback(self, user_id: str, item_id: str, liked: bool, at: datetime | None = None) -> FeedbackResult:
        """Store a 👍 (like) or 👎 (dislike) as an event at the place: it shapes the profile and the ranking."""
        catalogue = self.runtime.item_index.catalogue
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
        stored = self.add_events([event])
        return FeedbackResult(user_id=user_id, item_id=item_id, liked=liked, stored=stored)

    def retract_feedback(self, user_id: str, item_id: str, since: datetime | None = None) -> int:
        """Take back the user's 👍/👎 at a place ("undo" right after "I love the 3rd"), those given at ``since`` or
        later when it is given (an older verdict on the place stays); how many events went."""
        return self.runtime.retract_verdicts(user_id, item_id, since)

    def verdicts(self, user_id: str) -> list[tuple[str, bool]]:
        """The places the user gave a 👍 or 👎 (the latest verdict on each, oldest first) as (label, liked): what
        "what have I told you?" lists beside the stated preferences."""
        events = user_events(self.events(), user_id)
        if not len(events):
            return []
        rated = events[events["action"].isin([Action.LIKE.value, Action.DISLIKE.value])]
        latest = rated.sort_values("timestamp", kind="stable").drop_duplicates("item_id", keep="last")
        said = []
        for row in latest.itertuples(index=False):
            place = self.place(str(row.item_id))
            if place is not None:
                said.append((place.label, row.action == Action.LIKE.value))
        return said

    # ---- stated preferences -------------------------------------------------------------------------------

    def preferences(self, user_id: str) -> list[ActivePreference]:
        """The user's stated preferences in force, oldest first (a fold over their events in the log)."""
        return current(self.runtime.log, user_id)

    def muted_kinds(self, user_id: str) -> frozenset[str]:
        """The catalogue's leaf categories the user has muted ("don't bring up my church visits"): never suggested,
        and left out of what is said of their habits."""
        muted = [p.target for p in self.preferences(user_id) if p.kind == PreferenceKind.MUTE_CATEGORY]
        # The levels themselves too: a habit may be said of a level ("Delis" of "Deli").
        return frozenset([*muted, *self._leaves_under(muted, typical=True)])

    def set_preference(self, user_id: str, preference: Preference, at: datetime | None = None) -> PreferenceChange:
        """Store a stated preference; it holds from the next call on. The same preference twice stores nothing;
        one that contradicts an active one (muting a boosted category, a new home area) ends it. A
        ``forget_place_visits`` is done at once (:meth:`forget_visits`) and not kept. ValueError names the field
        when the place is not in the catalogue or no catalogue place has the category."""
        self._check_target(preference)
        if preference.kind == PreferenceKind.FORGET_PLACE_VISITS:
            forgotten = self.forget_visits(user_id, preference.target)
            return PreferenceChange(user_id=user_id, stored=False, forgotten=forgotten)
        active = self.preferences(user_id)
        for same in active:
            if same.same_as(preference) and same.kind not in LOCATED_KINDS:
                return PreferenceChange(user_id=user_id, preference=same, stored=False)
        moment = at or datetime.now(UTC)
        where = self.default_place(user_id)
        ended = superseded(preference, active)
        events = [undo_event(user_id, old, moment, where.latitude, where.longitude) for old in ended]
        events.append(preference_event(user_id, preference, moment, where.latitude, where.longitude))
        self.add_events(events)
        stored = next((p for p in reversed(self.preferences(user_id)) if p.same_as(preference)), None)
        if stored is None:  # the log keeps one of identical events: this one was stated and undone at this very time
            raise ValueError(f"at {moment.isoformat()}: the same preference was already stated then; give a later time")
        return PreferenceChange(user_id=user_id, preference=stored, stored=True, ended=ended)

    def undo_preference(self, user_id: str, preference_id: int, at: datetime | None = None) -> ActivePreference | None:
        """End one active preference (by its id); the one ended, or None when none is in force with that id."""
        found = next((p for p in self.preferences(user_id) if p.id == preference_id), None)
        if found is not None:
            where = self.default_place(user_id)
            self.add_events([undo_event(user_id, found, at or datetime.now(UTC), where.latitude, where.longitude)])
        return found

    def clear_preferences(self, user_id: str, at: datetime | None = None) -> list[ActivePreference]:
        """End every active preference of the user; the ones ended."""
        active = self.preferences(user_id)
        if active:
            moment, where = at or datetime.now(UTC), self.default_place(user_id)
            self.add_events([undo_event(user_id, p, moment, where.latitude, where.longitude) for p in active])
        return active

    def own_place(self, user_id: str, kinds: Sequence[str]) -> Place | None:
        """The place of any of these kinds (category levels, ``profiles.places.in_categories``) the user visits most:
        their office or home as their own check-ins show it; None when they have none."""
        mine = self._visited_places(user_id)
        return next((place for place in mine if in_categories(place.category, place.category_path, kinds)), None)

    def visited_named(self, user_id: str, words: str) -> list[Place]:
        """The user's visited places whose name is the words or begins with them ("equinox": their Equinox
        Flatiron and Equinox Park Avenue), the most visited first."""
        wanted = match_key(_ARTICLE_RE.sub("", words)).strip()
        if not wanted:
            return []
        return [
            place
            for place in self._visited_places(user_id)
            if (name := match_key(_ARTICLE_RE.sub("", place.name)).strip()) == wanted or name.startswith(f"{wanted} ")
        ]

    def visited_named_in(self, user_id: str, text: str) -> list[str]:
        """The item ids of the user's visited places whose name a text says ("0.2 km from Hill Country Chicken, a
        place you know"), the most visited first."""
        return [place.item_id for place in self._visited_places(user_id) if place.name and place.name in text]

    def _visited_places(self, user_id: str) -> Iterator[Place]:
        """The catalogue places the user has visited, the most visited first."""
        mine = user_events(self.events(), user_id)
        visits = mine.loc[mine["action"].fillna(Action.VISIT.value) == Action.VISIT.value, "item_id"]
        for item_id in visits.astype(str).value_counts().index:
            if (place := self.place(item_id)) is not None:
                yield place

    def last_visit(self, user_id: str) -> datetime | None:
        """When the user's latest stored visit was; None without any."""
        visits = self._visits(user_id)
        return pd.Timestamp(visits["timestamp"].max()).to_pydatetime() if len(visits) else None

    def last_place(
        self, user_id: str, since: datetime | None = None, until: datetime | None = None, kind: str | None = None
    ) -> str | None:
        """The item id of the user's latest stored visit, from ``since`` and before ``until`` when given, to a place
        of ``kind`` when given ("the bar I went to last night"); None without any."""
        visits = self._visits(user_id)
        if len(visits) and since is not None:
            visits = visits[visits["timestamp"] >= pd.Timestamp(since)]
        if len(visits) and until is not None:
            visits = visits[visits["timestamp"] < pd.Timestamp(until)]
        if len(visits) and kind is not None:
            visits = visits[visits["item_id"].astype(str).isin(set(self._of_kind_ids(kind)))]
        return str(visits.loc[visits["timestamp"].idxmax(), "item_id"]) if len(visits) else None

    def first_place(self, user_id: str, until: datetime | None = None) -> tuple[str, datetime] | None:
        """The item id and time of the user's first stored visit ("what was my first check in ever"), before ``until``
        when given; None without any."""
        visits = self._visits(user_id)
        if len(visits) and until is not None:
            visits = visits[visits["timestamp"] < pd.Timestamp(until)]
        if not len(visits):
            return None
        first = visits.loc[visits["timestamp"].idxmin()]
        return str(first["item_id"]), pd.Timestamp(first["timestamp"]).to_pydatetime()

    def visit_nearest_hour(
        self, user_id: str, since: datetime, until: datetime, at: datetime, kind: str | None = None
    ) -> str | None:
        """The item id of the user's visit from ``since`` and before ``until`` (to a place of ``kind`` when given)
        whose local time of day is nearest ``at``'s: of "something like last Saturday" asked at 10 pm, the late
        dinner, not the afternoon's shop; None without any."""
        visits = self._visits(user_id)
        stamps = pd.to_datetime(visits["timestamp"], utc=True)
        then = visits[(stamps >= pd.Timestamp(since)) & (stamps < pd.Timestamp(until))]
        if kind is not None:
            then = then[then["item_id"].astype(str).isin(set(self._of_kind_ids(kind)))]
        if then.empty:
            return None
        zone = ZoneInfo(self.settings.preprocessing.timezone)
        local = pd.to_datetime(then["timestamp"], utc=True).dt.tz_convert(zone)
        minutes = (local.dt.hour * 60 + local.dt.minute).to_numpy()
        wanted = at.astimezone(zone).hour * 60 + at.astimezone(zone).minute
        apart = np.minimum(abs(minutes - wanted), HOURS_PER_DAY * 60 - abs(minutes - wanted))  # 11 pm is near 1 am
        return str(then["item_id"].iloc[int(apart.argmin())])

    def places_visited_since(self, user_id: str, since: datetime) -> list[str]:
        """Item ids of the places the user has a stored visit to from ``since`` on (the places of "lately")."""
        visits = self._visits(user_id)
        recent = visits[pd.to_datetime(visits["timestamp"], utc=True) >= pd.Timestamp(since)]
        return list(dict.fromkeys(str(item_id) for item_id in recent["item_id"]))

    def my_slices(self, user_id: str, item_id: str, at: datetime | None = None, top: int = 3) -> list[WeekSlice]:
        """The slices of the week the user went to one place in most (their own visits, up to ``at``), most first:
        "what days do I usually go there?" is answered from them, not from everyone's."""
        visits = user_visits(events_until(self.events(), at) if at is not None else self.events(), user_id)
        if visits.empty:
            return []
        slices = place_slices(visits[visits["item_id"].astype(str) == item_id])
        return [
            WeekSlice(weekday=weekday_name(int(row.weekday)), daypart=str(row.daypart), visits=int(row.visits))
            for row in slices.head(top).itertuples()
        ]

    def visits_among(
        self, user_id: str, item_ids: Sequence[str], at: datetime | None = None, since: datetime | None = None
    ) -> VisitsAmong:
        """The user's stored visits to any of ``item_ids`` (every place of a chain): how many, at how many of the
        places, and the latest; only those up to ``at`` when given (``events_until``), and from ``since`` on."""
        visits = user_visits(events_until(self.events(), at), user_id) if at is not None else self._visits(user_id)
        visits = visits[visits["item_id"].astype(str).isin(set(item_ids))] if len(visits) else visits
        if since is not None and len(visits):
            visits = visits[visits["timestamp"] >= pd.Timestamp(since)]
        if not len(visits):
            return VisitsAmong(visits=0, places=0, last=None)
        last = pd.Timestamp(visits["timestamp"].max()).to_pydatetime()
        return VisitsAmong(visits=len(visits), places=int(visits["item_id"].nunique()), last=last)

    def visit_times(
        self, user_id: str, item_ids: Sequence[str], at: datetime, since: datetime | None = None
    ) -> list[datetime]:
        """When the user visited any of ``item_ids`` up to ``at`` (and from ``since`` on), the latest first ("every
        time I went to Ding Dong Lounge in November")."""
        visits = user_visits(events_until(self.events(), at), user_id)
        visits = visits[visits["item_id"].astype(str).isin(set(item_ids))] if len(visits) else visits
        if since is not None and len(visits):
            visits = visits[visits["timestamp"] >= pd.Timestamp(since)]
        return [pd.Timestamp(moment).to_pydatetime() for moment in visits["timestamp"].sort_values(ascending=False)]

    def _visits(self, user_id: str) -> pd.DataFrame:
        """The user's stored visits (their behaviour rows that are visits, not feedback)."""
        return user_visits(self.events(), user_id)

    def visits_at(self, user_id: str, item_id: str) -> int:
        """How many visits of the user's to a place are stored (what "forget my visits there" asks about)."""
        return sum(
            1
            for entry in self.runtime.log.read(user_id=user_id)
            if entry.event.item_id == item_id and entry.event.action == Action.VISIT
        )

    def forget_visits(self, user_id: str, item_id: str) -> int:
        """Delete the user's visits (and other behaviour) at one place everywhere, durably; how many events went."""
        return self.runtime.forget_visits(user_id, item_id).events

    def categories_named(self, term: str) -> list[str]:
        """The catalogue's category levels a term names: the level itself when there is one ('Bar'), else the
        levels that have it as a word ('Fast Food' → 'Fast Food Restaurant'); [] when none."""
        wanted = term.strip().casefold()
        levels = self._levels()
        if wanted in levels:
            return [levels[wanted]]
        word = re.compile(rf"\b{re.escape(wanted)}\b")
        return sorted(name for key, name in levels.items() if word.search(key))

    def find_place(self, words: str, user_id: str | None = None) -> Place | None:
        """The catalogue place a user's words name: among their own visited places (most visited first) by name
        or by kind ("the hospital"), else in the whole catalogue by name, fuzzily (rapidfuzz, ``PLACE_MATCH``)."""
        wanted = words.strip()
        if not wanted:
            return None
        wanted = VENUE_ALIASES.get(wanted.casefold(), wanted)  # "MSG" is Madison Square Garden
        if (station := self.station_named(wanted)) is not None:
            return station
        catalogue = self.runtime.item_index.catalogue
        kinds = [wanted, wanted.removesuffix("s")]
        # "The gym" of someone whose gym is a "Gym / Fitness Center": a kind's word, whole ("Joe's Pizza" is a name).
        term = CATEGORY_WORDS.get(re.sub(r"^(?:the|my|our)\s+", "", wanted.casefold()))
        # A name the catalogue holds exactly is that place, not a look-alike of the user's ("Jazz Club 38" is not
        # their "Jazz Club 33").
        exactly = default_process(wanted) in self._processed_names()
        # "The park bar" of someone who went to "The Park", a Bar: their place's name and its kind, every word said.
        said = set(content_words(wanted).split())
        if user_id:
            for place in self._visited_places(user_id):
                own_words = set(content_words(place.name).split())
                with_kind = not exactly and bool(said & own_words) and bool(said - own_words)
                if with_kind and said <= own_words | set(content_words(place.category).split()):
                    return place
                # "The verrazano bridge": two words or more said, each one of their place's name's, one no kind's
                # ("the coffee shop" is of a kind, found below).
                if not exactly and len(said) >= 2 and said <= own_words and said - set(CATEGORY_WORDS):
                    return place
                named = fuzz.WRatio(wanted, place.name, processor=match_key) >= PLACE_MATCH
                named = named and (not exactly or default_process(place.name) == default_process(wanted))
                named = named and not _inside_a_word(place.name, wanted)
                usual = self._usual_paths.get(place.category, "")
                of_kind = term is not None and is_of_kind(term, place.category, place.category_path, usual)
                if named or of_kind or in_categories(place.category, place.category_path, kinds):
                    return place
        names = self._names()
        found = process.extract(
            wanted, names, scorer=fuzz.WRatio, processor=match_key, score_cutoff=PLACE_MATCH, limit=NAME_TIES
        )
        found = [match for match in found if not _inside_a_word(match[0], wanted)]
        if not found:
            return None
        # Among near-equal matches, the very name, else one holding every word asked, else a name that starts with
        # the words, then the most visited place: "Grand Central" is Grand Central Terminal, not the Apple store
        # inside it (WRatio favours the shorter name).
        asked = default_process(wanted)
        asked_words = set(default_process(_ARTICLE_RE.sub("", wanted)).split())
        best = max(score for _, score, _ in found)
        tied = [position for _, score, position in found if score >= best - NAME_TIE_POINTS]
        if len(tied) > 1:
            events = self.events()
            visits = events["item_id"].value_counts() if events is not None else pd.Series(dtype=int)

            def fit(position: int) -> tuple[bool, bool, bool, int, float]:
                name = default_process(names[position])
                return (
                    name == asked,  # "Jazz Club 3" is itself, however visited "Jazz Club 31" is
                    asked_words <= set(name.split()),  # "the Astoria park" is Astoria Park, not a bar called Astoria
                    name.startswith(asked),
                    int(visits.get(str(catalogue.ids[position]), 0)),
                    fuzz.ratio(asked, name),
                )

            tied = [max(tied, key=fit)]
        return catalogue.place(int(tied[0]))

    def named_place(self, words: str, user_id: str | None = None) -> Place | None:
        """``find_place``, kept only when the words hold the place's name or its kind: a question about one place
        or "I'm at …" must not take a forgiven match ("A&P" is not in "pizza place"). "The Marriott Marquis" is also
        tried as "Marriott Marquis" (New York Marriott Marquis), the article being no part of that name."""
        place = self._named_place(words, user_id)
        bare = _ARTICLE_RE.sub("", words)
        if place is not None or bare == words or len(bare.strip()) < MIN_BARE_NAME:  # "the G" is no "G" of a name
            return place
        return self._named_place(bare, user_id)

    @property
    def streets(self) -> StreetIndex:
        """The streets of the catalogue's addresses ("on Bleecker Street", "14th and 8th"), built on first use."""
        if self._streets is None:
            items = self.items
            descriptions = items["description"] if "description" in items else [None] * len(items)
            self._streets = StreetIndex.from_columns(
                descriptions, items["latitude"].to_numpy(dtype=float), items["longitude"].to_numpy(dtype=float)
            )
        return self._streets

    def station_named(self, words: str) -> Place | None:
        """The station words name by its street ("the West 4th subway" → MTA Subway - W 4th St/Washington Sq), or
        None when they say no station or name none of the catalogue's (``assistant.gazetteer.station_for``)."""
        catalogue = self.runtime.item_index.catalogue
        if self._station_names is None:
            self._station_names = {
                position: self._names()[position]
                for position in range(len(catalogue))
                if in_categories(
                    catalogue.place(position).category, catalogue.place(position).category_path, STATION_KINDS
                )
            }
        position = station_for(words, self._station_names)
        return catalogue.place(position) if position is not None else None

    def _named_place(self, words: str, user_id: str | None = None) -> Place | None:
        if (station := self.station_named(words)) is not None:
            return station
        place = self.find_place(words, user_id)
        if place is None:
            return None
        words = VENUE_ALIASES.get(words.strip().casefold(), words)
        if one_common_word(words) and not _goes_by(place.name, words):
            return None  # "plus" alone is no Plus One Fitness
        asked, name, kind = (default_process(text) for text in (words, place.name, place.category))
        if (len(name) >= 4 and fuzz.partial_ratio(name, asked) >= PLACE_MATCH) or (kind and kind in asked):
            return place
        # Also compared without the small words a question's reading drops ("beauty and essex" is read "beauty
        # essex", "rice to riches" "rice riches"): Beauty & Essex, Rice To Riches.
        name, asked = content_words(place.name), content_words(words)
        if len(name) >= 4 and fuzz.partial_ratio(name, asked) >= PLACE_MATCH:
            return place
        # "The verrazano bridge": every word said is one of the name's (Verrazano-Narrows Bridge).
        said = set(asked.split())
        return place if said <= set(name.split()) and any(len(word) >= 4 for word in said) else None

    def places_named(self, names: Sequence[str]) -> list[str]:
        """The item ids of every place going by one of ``names`` (``profiles.places.chain_key``: "Starbucks" holds
        every "Starbucks - …"); a national chain's name also holds its longer names ("Dunkin" every "Dunkin'
        Donuts"), any other only itself ("Central Park" is not "Central Park Zoo")."""
        wanted = [key for name in names if (key := chain_key(name))]
        if not wanted:
            return []
        prefixes = tuple(f"{key} " for key in wanted if is_national_chain(key))
        catalogue = self.runtime.item_index.catalogue
        return [
            str(catalogue.ids[position])
            for position, key in enumerate(self._chain_keys())
            if key and (key in wanted or (prefixes and key.startswith(prefixes)))
        ]

    def chain_spelled(self, words: str) -> str | None:
        """The chain a misspelled name means ("starbuck", "shake shak", "mcdonalds": its ``chain_key``), within
        ``assistant.spelling.closest``'s few edits of one chain's name; None for any other words."""
        key = chain_key(words)
        if not key:
            return None
        if self._chain_names is None:
            keys = self._chain_keys()
            catalogue = self.runtime.item_index.catalogue
            self._chain_names = sorted(
                {keys[position] for position in range(len(catalogue)) if str(catalogue.ids[position]) in self._chains}
            )
        return key if key in self._chain_names else closest(key, self._chain_names)

    def places_starting(self, words: str) -> list[str]:
        """The item ids of the places whose name begins with the words and goes on ("whole foods": every "Whole Foods
        Market"), when all of them go by one name; [] when none does, or several names do ("joe": Joe's Pizza, Joe
        Coffee)."""
        key = chain_key(words)
        if not key or one_common_word(words):
            return []  # "more" begins one name, More Magazine/Women's Fitness Magazine Half Marathon, yet names none
        found = {
            position: name_key for position, name_key in enumerate(self._chain_keys()) if name_key.startswith(f"{key} ")
        }
        if len(set(found.values())) != 1:
            return []
        catalogue = self.runtime.item_index.catalogue
        return [str(catalogue.ids[position]) for position in found]

    def _levels(self) -> dict[str, str]:
        """Every category level of the catalogue, by its case-folded name."""
        if self._category_levels is None:
            paths = (
                self.items["category_path"] if "category_path" in self.items else pd.Series("", index=self.items.index)
            )
            levels: dict[str, str] = {}
            for leaf, path in zip(
                self.items["category"].fillna("").astype(str), paths.fillna("").astype(str), strict=True
            ):
                for level in [*path.split(CATEGORY_SEPARATOR), leaf]:
                    if level.strip():
                        levels.setdefault(level.strip().casefold(), level.strip())
            self._category_levels = levels
        return self._category_levels

    def _names(self) -> list[str]:
        """The catalogue's names by position (unnamed places as '')."""
        if self._place_names is None:
            catalogue = self.runtime.item_index.catalogue
            self._place_names = [catalogue.place(position).name for position in range(len(catalogue))]
        return self._place_names

    def _chain_keys(self) -> list[str]:
        """The catalogue's names by position as ``profiles.places.chain_key`` reads them, worked out once."""
        if self._chain_keys_of is None:
            self._chain_keys_of = [chain_key(name) for name in self._names()]
        return self._chain_keys_of

    def _processed_names(self) -> frozenset[str]:
        """The catalogue's names as rapidfuzz's default processing reads them (lower case, no punctuation)."""
        if self._processed_name_set is None:
            self._processed_name_set = frozenset(default_process(name) for name in self._names() if name)
        return self._processed_name_set

    def _events_over(self, at: datetime) -> list[str]:
        """The places that were one-off events (``profiles.activity.one_off_events``), over by ``at``."""
        events = self.events()
        if self._one_off_of is None or self._one_off_of[0] is not events:
            self._one_off_of = (events, one_off_events(events))
        last = self._one_off_of[1]
        return [str(item_id) for item_id in last.index[last + EVENT_OVER < pd.Timestamp(at)]]

    def first_seen(self, item_id: str) -> datetime | None:
        """When anyone first checked in at a place, by the stored visits; None for a place with none."""
        first = self._first_visits().get(item_id)
        return None if first is None else pd.Timestamp(first).to_pydatetime()

    def _first_visits(self) -> pd.Series:
        """The time of each place's first stored visit, by item id, worked out again for a changed event log."""
        events = self.events()
        if self._first_seen_of is None or self._first_seen_of[0] is not events:
            first = pd.Series(dtype="datetime64[ns, UTC]")
            if events is not None and len(events):
                visits = events
                if "action" in visits.columns:  # a 👍 of a place seen in a list is no one's visit
                    visits = visits[visits["action"].fillna(Action.VISIT.value).astype(str) == Action.VISIT.value]
                first = visits.groupby(visits["item_id"].astype(str))["timestamp"].min()
            self._first_seen_of = (events, first)
        return self._first_seen_of[1]

    def _not_yet_seen(self, at: datetime) -> list[str]:
        """The places nobody had checked in at by ``at``: asked at a time inside the data (a replay, a demo clock),
        a place that only opened, or only happened, later was not there to go to."""
        first = self._first_visits()
        return [str(item_id) for item_id in first.index[first > pd.Timestamp(at)]]

    def is_chain(self, item_id: str) -> bool:
        """Whether a place is a chain's branch as "no chains" leaves them out (``profiles.places.chain_item_ids``)."""
        return item_id in self._chains

    def _in_avoided_areas(self, areas: Sequence[str], where: LatLon) -> list[str]:
        """The places in the areas the user avoids ("I don't like Midtown"), but for an area the search is in:
        asked for by name, or where the user is, it is wanted this time."""
        return [
            item_id
            for area in areas
            if not of_area(area, [where.latitude], [where.longitude])[0]
            for item_id in self._places_in_area(area)
        ]

    def _places_outside(self, area: str) -> tuple[str, ...]:
        """The catalogue's places not of a named area (a borough asked for: every other borough's)."""
        key = f"outside {area}"
        if key not in self._area_places:
            inside = set(self._places_in_area(area))
            self._area_places[key] = tuple(item for item in self.items["item_id"].astype(str) if item not in inside)
        return self._area_places[key]

    def _places_ruled_out(self, area: str) -> tuple[str, ...]:
        """The places "not in Midtown" leaves out: the area's own (``_places_in_area``) and every place of its
        borough within ``RULED_OUT_KM`` of its centre, nearer another centre or not: Times Square's bars are in
        Midtown to whoever says so, though the gazetteer gives them their own name."""
        key = f"ruled out {area}"
        if key not in self._area_places and (place := lookup(area)) is not None:
            items = self.items
            latitudes, longitudes = items["latitude"].to_numpy(), items["longitude"].to_numpy()
            close = haversine_km(latitudes, longitudes, place.latitude, place.longitude) <= RULED_OUT_KM
            nearby = items.loc[close & in_area(area, latitudes, longitudes), "item_id"].astype(str)
            self._area_places[key] = tuple(sorted({*self._places_in_area(area), *nearby}))
        return self._area_places.get(key, ())

    def _places_in_area(self, area: str) -> tuple[str, ...]:
        """The catalogue's places of a named area (``assistant.gazetteer.of_area``), worked out once per area."""
        if area not in self._area_places:
            items = self.items
            inside = of_area(area, items["latitude"].to_numpy(), items["longitude"].to_numpy())
            self._area_places[area] = tuple(items.loc[inside, "item_id"].astype(str))
        return self._area_places[area]

    def _steering(self, user_id: str) -> Steering:
        return steering(self.preferences(user_id))

    def _leaves_under(self, muted: Sequence[str], *, typical: bool = False) -> list[str]:
        """The catalogue's leaf categories under these categories (the labels a context shows): with ``typical``,
        only those at least half of whose places are under them; one odd venue (a "Bar" filed under "Restaurant >
        Deli") makes no leaf muted, so muting delis leaves bars in what is said of the user's habits."""
        if not muted:
            return []
        items = self.items
        paths = items["category_path"] if "category_path" in items else pd.Series("", index=items.index)
        pairs = zip(items["category"].fillna("").astype(str), paths.fillna("").astype(str), strict=True)
        under: Counter[str] = Counter()
        every: Counter[str] = Counter()
        for leaf, path in pairs:
            every[leaf] += 1
            under[leaf] += in_categories(leaf, path, muted)
        return sorted(leaf for leaf, count in under.items() if count and (not typical or 2 * count >= every[leaf]))

    def _check_target(self, preference: Preference) -> None:
        if preference.kind in PLACE_KINDS:
            if preference.target not in self.runtime.item_index.catalogue.positions:
                raise ValueError(f"target: unknown place {preference.target!r}, not in the catalogue")
        elif preference.kind in (
            PreferenceKind.MUTE_CATEGORY,
            PreferenceKind.BOOST_CATEGORY,
        ) and not self._leaves_under([preference.target]):
            raise ValueError(f"target: no place in the catalogue has the category {preference.target!r}")
        elif preference.kind == PreferenceKind.HIDE_CHAIN and not self.places_named([preference.target]):
            raise ValueError(f"target: no place in the catalogue is called {preference.target!r}")
        elif preference.kind == PreferenceKind.AVOID_AREA and lookup(preference.target) is None:
            raise ValueError(f"target: no area of New York is called {preference.target!r}")

    def on_forget(self, listener: ForgetListener) -> None:
        """Call ``listener(user_id)`` on every forget; it drops what it keeps of the user and says how much."""
        self._forget_listeners.append(listener)

    def forget(self, user_id: str) -> ForgetReport:
        """Remove a user everywhere, durably: events, snapshots and vectors, recommender state, conversations and
        rejected rows naming them. Idempotent: a second call answers with zero counts."""
        removed = self.runtime.forget(user_id)
        conversations = sum(listener(user_id) for listener in self._forget_listeners)
        return ForgetReport(
            user_id=user_id,
            events=removed.events,
            snapshots=removed.snapshots,
            recommender=removed.recommender,
            conversations=conversations,
            rejects=removed.rejects,
        )


def _without_stragglers(found: list[Recommendation]) -> list[Recommendation]:
    """A list searched without a radius, less the places far beyond the rest: farther than ``STRAGGLER_SHARE`` times
    the nearest place's distance and than ``STRAGGLER_FLOOR_KM`` (a comic shop 24 km away after three within 8)."""
    if not found:
        return found
    limit = max(STRAGGLER_FLOOR_KM, STRAGGLER_SHARE * min(item.distance_km for item in found))
    return [item for item in found if item.distance_km <= limit]


class _Listed(Protocol):
    """A place of a list, as the variety of names reads it."""

    @property
    def item_id(self) -> str: ...

    @property
    def name(self) -> str: ...


_ListedT = TypeVar("_ListedT", bound=_Listed)


def few_of_a_name(found: Sequence[_ListedT], keyword: str | None, keep: str | None = None) -> list[_ListedT]:
    """``found`` in rank order with at most ``SAME_NAME_AT_MOST`` places of one name unless ``keyword`` is part of it;
    the repeats held back follow, only up to ``FEWEST_LISTED`` places. The place ``keep`` (the nearest, which a lead
    may name the distance of) stays where it is. Four Starbucks from three widening steps are two Starbucks."""
    asked = chain_key(keyword) if keyword else ""
    seen: Counter[str] = Counter()
    kept: list[_ListedT] = []
    repeats: list[_ListedT] = []
    for item in found:
        name = chain_key(item.name)
        if name and not (asked and asked in name) and seen[name] >= SAME_NAME_AT_MOST and item.item_id != keep:
            repeats.append(item)
            continue
        seen[name] += 1
        kept.append(item)
    return [*kept, *repeats[: max(0, FEWEST_LISTED - len(kept))]]


def _each_kind_shown(
    found: Sequence[Recommendation], kinds: Sequence[str], k: int, usual: Mapping[str, str] | None = None
) -> list[Recommendation]:
    """``found`` reordered so that its first ``k`` hold, of each of ``kinds``, as many places as an even share (or
    all it has): "tacos or pizza" is not ten pizzerias because pizza ranks higher. The places keep their rank order
    among the first ``k``; those left out follow in rank order."""
    share = max(1, k // max(1, len(kinds)))
    chosen: set[int] = set()
    for kind in kinds:
        of_kind = [
            index
            for index, item in enumerate(found)
            if is_of_kind(kind, item.category, item.category_path, (usual or {}).get(item.category, ""))
        ]
        chosen.update(of_kind[:share])
    for index in range(len(found)):
        if len(chosen) >= k:
            break
        chosen.add(index)
    return [
        *(found[index] for index in sorted(chosen)),
        *(item for index, item in enumerate(found) if index not in chosen),
    ]


def events_until(events: pd.DataFrame | None, at: datetime) -> pd.DataFrame | None:
    """The events up to ``at``: ``events`` itself in real time, when none is later; asked at a time inside the data
    (a replay, a demo clock), only what had happened by then."""
    if events is None or not len(events) or events["timestamp"].max() <= pd.Timestamp(at):
        return events
    return events[events["timestamp"] <= pd.Timestamp(at)]


def _suggestion(
    rank: int,
    item: Recommendation,
    habits: HabitLines | None,
    kind: str | None = None,
    usual: Mapping[str, str] | None = None,
    said: set[str] | None = None,
) -> Suggestion:
    """A recommendation as a suggestion whose evidence is one or two lines: the strongest (the user's habit with its
    kind, ``habits``: :meth:`Service.habit_lines`, else the recommender's first reason), then the recommender's
    facts line; its category is the
    one that holds the ``kind`` asked for (:func:`shown_kind`, with ``usual``: each category's usual path). A line in
    ``said`` (cited by a place above) gives way to the next reason there is, so five diners do not all say "you go to
    Diners on Sunday mornings"; the line cited is added to ``said``."""
    *reasons, facts = item.reasons or [f"{item.distance_km:.1f} km"]
    cited = habits.cited(_leaf(item)) if habits is not None else None
    if habits is not None:  # the recommender's count of the same claim, from its fitted data: the exact one instead
        reasons = [habits.exact(_leaf(item)) if _HABIT_REASON_RE.match(line) else line for line in reasons]
    candidates = [line for line in (cited, *reasons) if line]
    lead = next((line for line in candidates if said is None or line not in said), next(iter(candidates), None))
    if lead is not None and said is not None:
        said.add(lead)
    return Suggestion(
        **item.model_dump(include=set(PlaceAnswer.model_fields) | {"distance_km", "is_return"}),
        rank=rank,
        score=item.score if math.isfinite(item.score) else -1e9,
        evidence=[lead, facts] if lead else [facts],
    ).model_copy(
        update={"category": shown_kind(kind, item.category, item.category_path, (usual or {}).get(item.category, ""))}
    )


def _quietest_dayparts(visits: pd.DataFrame, least: int) -> tuple[list[WeekSlice], bool]:
    """The day parts over the whole week with a place's fewest visits ("when is it quiet?"), every one on a tie, and
    whether that count is too few people's to state (then each slice's ``visits`` is 0)."""
    by_part = place_slices(visits, by_weekday=False).set_index("daypart")
    counts = {part: int(by_part["visits"].get(part, 0)) for part in DAYPARTS}
    fewest = min(counts.values())
    parts = [part for part in DAYPARTS if counts[part] == fewest]
    users = max((int(by_part["users"].get(part, 0)) for part in parts), default=0)
    withheld = 0 < users < least
    return [WeekSlice(weekday=None, daypart=part, visits=0 if withheld else fewest) for part in parts], withheld


def _leaf(place: PlaceAnswer) -> str:
    """The place's leaf category: what the context's snapshot labels name."""
    return leaf_category(place.category_path or place.category)


__all__ = [
    "ELSEWHERE",
    "FARTHER_OUT",
    "ContextDigest",
    "Explanation",
    "FeedbackResult",
    "ForgetReport",
    "HabitArea",
    "HabitKind",
    "HabitLines",
    "HabitMonth",
    "HabitVisit",
    "Habits",
    "PlaceDetails",
    "PreferenceChange",
    "RecommendQuery",
    "Service",
    "StopsNear",
    "Suggestion",
    "VisitsAmong",
    "WeekSlice",
    "Whereabouts",
    "area_name",
    "area_words",
    "content_words",
    "context_backs",
    "digest",
    "habit_line",
    "near_radius_km",
]
