"""Stated preferences: what a user says about their own interests ("no more bars", "I moved to Brooklyn").

A preference is stored as an event in the one event log (``profiles.eventlog``): a ``prefer`` event whose
``item_id`` is what it is about (a category, a place id, an area) and whose ``text`` is the preference as JSON; an
``unprefer`` event names the ``prefer`` event it undoes by its sequence number. A user's current preferences are a
fold over their log (:func:`fold`), so a restart rebuilds them by reading the log, and forgetting the user (which
empties their log) erases them with no other code. Preference events are never visits: every reader of behaviour
counts only its own actions (``profiles.events.BEHAVIOUR_ACTIONS``).

``forget_place_visits`` is a request, not a standing preference: doing it deletes the visits, and nothing about the
place is stored (a record of it would keep the very thing the user asked to forget).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from profiles.eventlog import EventLog, LoggedEvent
from profiles.events import CATEGORY_SEPARATOR, Action, Event
from profiles.places import LOOK_ALIKE_KINDS, category_named, kind_words

MAX_TARGET_CHARS = 200
MAX_LABEL_CHARS = 120
NO_CHAINS_TARGET = "chains"  # what a no_chains preference is about: every chain at once
NEW_PLACES_TARGET = "new places"  # what a new_places_only preference is about: every place the user knows


class PreferenceKind(StrEnum):
    """What a preference asks for."""

    MUTE_CATEGORY = "mute_category"  # never suggest places of this category (any level of the path)
    BOOST_CATEGORY = "boost_category"  # more places of this category
    BOOST_LIKE_PLACE = "boost_like_place"  # more places like this one (item vectors' similarity)
    HOME_AREA = "home_area"  # "here" when a request gives no place
    WORK_AREA = "work_area"  # where "near work" and "near my office" are ("I work in Midtown now")
    AVOID_AREA = "avoid_area"  # no places in this area (its name) unless a request is there ("I don't like Midtown")
    HIDE_PLACE = "hide_place"  # never suggest this place again
    HIDE_CHAIN = "hide_chain"  # never suggest a place of this name again ("no more Starbucks": every branch)
    NO_CHAINS = "no_chains"  # never suggest a chain's places ("stop suggesting chains"); its target is "chains"
    # Suggest only places new to the user ("stop suggesting places I've been to"), unless one asks for known ones.
    NEW_PLACES_ONLY = "new_places_only"
    FORGET_PLACE_VISITS = "forget_place_visits"  # delete the user's visits to this place (done, not stored)


# Kinds whose target is a catalogue place id.
PLACE_KINDS = frozenset(
    {PreferenceKind.BOOST_LIKE_PLACE, PreferenceKind.HIDE_PLACE, PreferenceKind.FORGET_PLACE_VISITS}
)
# Kinds that are a point on the map, one at a time: a new one ends the one before.
LOCATED_KINDS = frozenset({PreferenceKind.HOME_AREA, PreferenceKind.WORK_AREA})
# Kinds that are kept as a standing preference (the others are done once).
STANDING_KINDS = frozenset(PreferenceKind) - {PreferenceKind.FORGET_PLACE_VISITS}
# Kinds that cancel each other on the same target: muting a boosted category ends the boost, and the reverse.
_OPPOSITES = {
    PreferenceKind.MUTE_CATEGORY: PreferenceKind.BOOST_CATEGORY,
    PreferenceKind.BOOST_CATEGORY: PreferenceKind.MUTE_CATEGORY,
    PreferenceKind.HIDE_PLACE: PreferenceKind.BOOST_LIKE_PLACE,
    PreferenceKind.BOOST_LIKE_PLACE: PreferenceKind.HIDE_PLACE,
}


class Preference(BaseModel):
    """One stated preference: its kind, what it is about, and the words to show it with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PreferenceKind
    target: str = Field(
        min_length=1,
        max_length=MAX_TARGET_CHARS,
        description="A category ('Bar'), a catalogue place id, a place's name (hide_chain), or an area's name "
        "(home_area, avoid_area).",
    )
    label: str = Field("", max_length=MAX_LABEL_CHARS, description="How to show it ('bars', 'Blue Bottle Coffee').")
    latitude: float | None = Field(None, ge=-90, le=90, description="home_area only: the area's centre.")
    longitude: float | None = Field(None, ge=-180, le=180, description="home_area only: the area's centre.")

    @model_validator(mode="after")
    def _located_home(self) -> Self:
        located = self.latitude is not None and self.longitude is not None
        if self.kind in LOCATED_KINDS and not located:
            raise ValueError(f"a {self.kind.value} needs latitude and longitude")
        if self.kind not in LOCATED_KINDS and (self.latitude is not None or self.longitude is not None):
            raise ValueError(f"only a home_area or a work_area has latitude and longitude, not a {self.kind.value}")
        if self.kind == PreferenceKind.NO_CHAINS and self.target != NO_CHAINS_TARGET:
            raise ValueError(f"target: a no_chains preference is about {NO_CHAINS_TARGET!r}, not {self.target!r}")
        if self.kind == PreferenceKind.NEW_PLACES_ONLY and self.target != NEW_PLACES_TARGET:
            raise ValueError(
                f"target: a new_places_only preference is about {NEW_PLACES_TARGET!r}, not {self.target!r}"
            )
        return self

    @property
    def shown(self) -> str:
        """The words for what it is about."""
        return self.label or self.target

    def shown_in(self, language: str) -> str:
        """The words for what it is about in ``language``: a kind of place as Spanish or French call it ("comida
        rápida", not the English label "fast food"); anything else as :attr:`shown`."""
        by_kind = self.kind in (PreferenceKind.MUTE_CATEGORY, PreferenceKind.BOOST_CATEGORY)
        if language != "en" and by_kind and category_named(self.target) is not None:
            return kind_words(self.target, language)
        return self.shown

    def same_as(self, other: Preference) -> bool:
        """Whether two preferences ask for the same thing (labels and coordinates aside)."""
        return self.kind == other.kind and self.target.casefold() == other.target.casefold()


class ActivePreference(Preference):
    """A preference in force: its id (the sequence number of the event that stored it) and when it was stated."""

    id: int = Field(ge=1)
    since: datetime


def preference_event(user_id: str, preference: Preference, at: datetime, latitude: float, longitude: float) -> Event:
    """The ``prefer`` event that stores a standing preference, at (latitude, longitude), where the user was said
    to be (a home area at its own centre: it is where they are from then on)."""
    if preference.kind not in STANDING_KINDS:
        raise ValueError(f"a {preference.kind.value} is done, not stored as a preference")
    if preference.latitude is not None and preference.longitude is not None:
        latitude, longitude = preference.latitude, preference.longitude
    return Event(
        user_id=user_id,
        item_id=preference.target,
        timestamp=at,
        latitude=latitude,
        longitude=longitude,
        action=Action.PREFER,
        text=preference.model_dump_json(),
    )


def undo_event(user_id: str, active: ActivePreference, at: datetime, latitude: float, longitude: float) -> Event:
    """The ``unprefer`` event that ends an active preference, stored where the user was said to be (their last
    event's place stays where they are)."""
    return Event(
        user_id=user_id,
        item_id=active.target,
        timestamp=at,
        latitude=latitude,
        longitude=longitude,
        action=Action.UNPREFER,
        text=json.dumps({"undo": active.id}),
    )


def fold(logged: Iterable[LoggedEvent]) -> list[ActivePreference]:
    """The preferences in force after a user's logged events, oldest first: each ``prefer`` adds one, an
    ``unprefer`` ends the one it names; a later home area replaces the earlier. Unreadable texts are skipped (the
    log may hold events written by hand)."""
    active: dict[int, ActivePreference] = {}
    for entry in logged:
        event = entry.event
        if event.action == Action.PREFER and event.text:
            try:
                preference = Preference.model_validate_json(event.text)
            except ValidationError:
                continue
            if preference.kind not in STANDING_KINDS:
                continue
            if preference.kind in LOCATED_KINDS:
                active = {key: value for key, value in active.items() if value.kind != preference.kind}
            active[entry.seq] = ActivePreference(**preference.model_dump(), id=entry.seq, since=event.timestamp)
        elif event.action == Action.UNPREFER and event.text:
            try:
                undone = json.loads(event.text).get("undo")
            except (ValueError, AttributeError):
                continue
            if isinstance(undone, int):
                active.pop(undone, None)
    return list(active.values())


def current(log: EventLog, user_id: str) -> list[ActivePreference]:
    """The user's preferences in force, from their events in the log."""
    return fold(log.read(user_id=user_id, actions=(Action.PREFER, Action.UNPREFER)))


def superseded(preference: Preference, active: Sequence[ActivePreference]) -> list[ActivePreference]:
    """The active preferences a new one ends: its opposite on the same target (muting a boosted category), and
    any earlier home area."""
    opposite = _OPPOSITES.get(preference.kind)
    return [
        old
        for old in active
        if (old.kind == opposite and old.target.casefold() == preference.target.casefold())
        or (preference.kind in LOCATED_KINDS and preference.kind == old.kind and not old.same_as(preference))
    ]


class Steering(BaseModel):
    """What the active preferences ask of a ranking, in the recommender's terms."""

    model_config = ConfigDict(frozen=True)

    muted_categories: tuple[str, ...] = ()
    boosted_categories: tuple[str, ...] = ()
    boosted_like: tuple[str, ...] = Field((), description="Place ids whose look-alikes go up.")
    hidden: tuple[str, ...] = Field((), description="Place ids never suggested.")
    hidden_names: tuple[str, ...] = Field((), description="Names whose every place is never suggested (a chain).")
    no_chains: bool = Field(False, description="No place of any chain is suggested.")
    new_places_only: bool = Field(False, description="Only places new to the user, unless known ones are asked for.")
    avoided_areas: tuple[str, ...] = Field((), description="Areas whose places are not suggested, by name.")
    home: ActivePreference | None = None
    work: ActivePreference | None = None


def steering(active: Iterable[Preference]) -> Steering:
    """The active preferences gathered by what they do to a ranking."""
    by_kind: dict[PreferenceKind, list[str]] = {kind: [] for kind in PreferenceKind}
    home = work = None
    for preference in active:
        by_kind[preference.kind].append(preference.target)
        if preference.kind == PreferenceKind.HOME_AREA and isinstance(preference, ActivePreference):
            home = preference
        if preference.kind == PreferenceKind.WORK_AREA and isinstance(preference, ActivePreference):
            work = preference
    return Steering(
        muted_categories=tuple(dict.fromkeys(by_kind[PreferenceKind.MUTE_CATEGORY])),
        boosted_categories=tuple(dict.fromkeys(by_kind[PreferenceKind.BOOST_CATEGORY])),
        boosted_like=tuple(dict.fromkeys(by_kind[PreferenceKind.BOOST_LIKE_PLACE])),
        hidden=tuple(dict.fromkeys(by_kind[PreferenceKind.HIDE_PLACE])),
        hidden_names=tuple(dict.fromkeys(by_kind[PreferenceKind.HIDE_CHAIN])),
        no_chains=bool(by_kind[PreferenceKind.NO_CHAINS]),
        new_places_only=bool(by_kind[PreferenceKind.NEW_PLACES_ONLY]),
        avoided_areas=tuple(dict.fromkeys(by_kind[PreferenceKind.AVOID_AREA])),
        home=home,
        work=work,
    )


def in_categories(category: str, category_path: str, names: Iterable[str]) -> bool:
    """Whether a place belongs to any of the categories: one of them is a level of its category path or its leaf
    category (so 'Bar' covers 'Dining and Drinking > Bar > Cocktail Bar', but not 'Barbershop', nor a Juice Bar filed
    under 'Bar': :data:`profiles.places.LOOK_ALIKE_KINDS`)."""
    levels = {level.strip().casefold() for level in category_path.split(CATEGORY_SEPARATOR) if level.strip()}
    levels.add(category.strip().casefold())
    return any(
        (wanted := name.strip().casefold()) in levels
        and levels.isdisjoint(other.casefold() for other in LOOK_ALIKE_KINDS.get(wanted, ()))
        for name in names
    )


__all__ = [
    "LOCATED_KINDS",
    "NEW_PLACES_TARGET",
    "NO_CHAINS_TARGET",
    "PLACE_KINDS",
    "STANDING_KINDS",
    "ActivePreference",
    "Preference",
    "PreferenceKind",
    "Steering",
    "current",
    "fold",
    "in_categories",
    "preference_event",
    "steering",
    "superseded",
    "undo_event",
]
