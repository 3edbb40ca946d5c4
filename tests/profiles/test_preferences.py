"""Stated preferences: stored as events in the one log, folded back into the preferences in force, undone by a
later event, erased with the user, and never counted as visits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from profiles.activity import user_events, user_places
from profiles.eventlog import open_event_log
from profiles.eventlog_contract import make_event
from profiles.events import Action, Event
from profiles.preferences import (
    Preference,
    PreferenceKind,
    current,
    in_categories,
    preference_event,
    steering,
    superseded,
    undo_event,
)

AT = datetime(2012, 5, 1, 12, tzinfo=UTC)
MUTE_BARS = Preference(kind=PreferenceKind.MUTE_CATEGORY, target="Bar", label="bars")
BOOST_BARS = Preference(kind=PreferenceKind.BOOST_CATEGORY, target="bar")
HOME = Preference(kind=PreferenceKind.HOME_AREA, target="Brooklyn", latitude=40.68, longitude=-73.94)


def stated(preference: Preference, minutes: int = 0) -> Event:
    return preference_event("ana", preference, AT + timedelta(minutes=minutes), 40.7, -74.0)


def test_preferences_fold_from_the_log_and_survive_a_reopen(tmp_path: Path) -> None:
    with open_event_log(tmp_path) as log:
        log.append([make_event("ana", 1), stated(MUTE_BARS), stated(HOME, 1), make_event("bo", 2)])
    with open_event_log(tmp_path) as log:
        active = current(log, "ana")
        assert [(p.kind, p.target, p.label) for p in active] == [
            (PreferenceKind.MUTE_CATEGORY, "Bar", "bars"),
            (PreferenceKind.HOME_AREA, "Brooklyn", ""),
        ]
        assert active[0].id < active[1].id and active[1].latitude == 40.68
        assert current(log, "bo") == []


def test_an_undo_ends_only_the_preference_it_names(tmp_path: Path) -> None:
    with open_event_log(tmp_path) as log:
        log.append([stated(MUTE_BARS), stated(BOOST_BARS.model_copy(update={"target": "Cafe"}), 1)])
        muted, boosted = current(log, "ana")
        log.append([undo_event("ana", muted, AT + timedelta(minutes=2), 40.7, -74.0)])
        assert current(log, "ana") == [boosted]


def test_a_new_home_replaces_the_old_one(tmp_path: Path) -> None:
    with open_event_log(tmp_path) as log:
        log.append([stated(HOME), stated(HOME.model_copy(update={"target": "Harlem", "latitude": 40.81}), 1)])
        assert [p.target for p in current(log, "ana")] == ["Harlem"]


def test_forgetting_the_user_erases_their_preferences(tmp_path: Path) -> None:
    with open_event_log(tmp_path) as log:
        log.append([stated(MUTE_BARS)])
        log.delete_user("ana")
        assert current(log, "ana") == []


def test_unreadable_preference_texts_are_skipped(tmp_path: Path) -> None:
    with open_event_log(tmp_path) as log:
        log.append([make_event("ana", 1, Action.PREFER, text="not json"), make_event("ana", 2, Action.UNPREFER)])
        log.append([stated(MUTE_BARS, 5)])
        assert [p.target for p in current(log, "ana")] == ["Bar"]


def test_preference_events_are_not_visits(tmp_path: Path) -> None:
    with open_event_log(tmp_path) as log:
        log.append([make_event("ana", 1), stated(MUTE_BARS), stated(HOME, 1)])
        frame = log.frame()
    assert user_events(frame, "ana")["action"].tolist() == ["visit"]
    places = user_places(frame, pd.DataFrame(columns=["item_id", "name", "category"]), "ana")
    assert places["item_id"].tolist() == [make_event("ana", 1).item_id]


def test_a_preference_is_checked() -> None:
    with pytest.raises(ValidationError, match="latitude and longitude"):
        Preference(kind=PreferenceKind.HOME_AREA, target="Brooklyn")
    with pytest.raises(ValidationError, match="only a home_area"):
        Preference(kind=PreferenceKind.HIDE_PLACE, target="p1", latitude=1.0, longitude=1.0)
    with pytest.raises(ValidationError):
        Preference(kind=PreferenceKind.MUTE_CATEGORY, target="")
    with pytest.raises(ValueError, match="done, not stored"):
        preference_event("ana", Preference(kind=PreferenceKind.FORGET_PLACE_VISITS, target="p1"), AT, 0.0, 0.0)


def test_opposites_and_homes_are_superseded(tmp_path: Path) -> None:
    with open_event_log(tmp_path) as log:
        log.append([stated(MUTE_BARS), stated(HOME, 1)])
        active = current(log, "ana")
    assert [p.target for p in superseded(BOOST_BARS, active)] == ["Bar"]
    assert superseded(MUTE_BARS, active) == []
    assert [p.target for p in superseded(HOME.model_copy(update={"target": "Harlem"}), active)] == ["Brooklyn"]
    gathered = steering(active)
    assert gathered.muted_categories == ("Bar",) and gathered.home is not None and gathered.home.target == "Brooklyn"
    # A chain hidden by name is gathered apart from single places hidden by id.
    chain = Preference(kind=PreferenceKind.HIDE_CHAIN, target="Starbucks")
    place = Preference(kind=PreferenceKind.HIDE_PLACE, target="p1")
    assert (steering([chain, place]).hidden_names, steering([chain, place]).hidden) == (("Starbucks",), ("p1",))


def test_categories_match_whole_levels() -> None:
    assert in_categories("Cocktail Bar", "Dining and Drinking > Bar > Cocktail Bar", ["bar"])
    assert in_categories("Bar", "", ["Bar"])
    assert not in_categories("Barbershop", "Business and Professional Services > Barbershop", ["Bar"])
    # "I don't drink" mutes bars, not the juice bars the 2012 check-ins file under "Bar".
    assert not in_categories("Bar", "Dining and Drinking > Juice Bar", ["Bar"])
    assert in_categories("Bar", "Dining and Drinking > Juice Bar", ["Juice Bar"])
