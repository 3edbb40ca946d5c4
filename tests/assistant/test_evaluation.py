"""The scripted evaluation's turn checks catch each broken constraint, accept honest empty answers, and count
venues the written reply names outside the catalogue."""

from __future__ import annotations

import pandas as pd
import pytest

from assistant.agent import Assistant, Explanation, Turn
from assistant.evaluation import (
    PREFERENCE_SCRIPTS,
    SCRIPTS,
    Expect,
    PreferenceScript,
    check_turn,
    pick_users,
    run_preferences,
)
from assistant.gazetteer import lookup
from assistant.service import Service, Suggestion
from tests.assistant.world import polite_model

SOHO = lookup("SoHo")
assert SOHO is not None
HERE = (SOHO.latitude, SOHO.longitude)

ITEMS = pd.DataFrame(
    [
        ("c1", "Soho Beans", "Coffee Shop", "Dining and Drinking > Cafe > Coffee Shop", 40.7235, -74.0028),
        ("c2", "Spring Roast", "Coffee Shop", "Dining and Drinking > Cafe > Coffee Shop", 40.7240, -74.0020),
        ("b1", "Prince Tavern", "Bar", "Dining and Drinking > Bar", 40.7245, -74.0010),
        ("c3", "Far Cafe", "Coffee Shop", "Dining and Drinking > Cafe > Coffee Shop", 40.80, -73.95),
    ],
    columns=["item_id", "name", "category", "category_path", "latitude", "longitude"],
)


def suggestion(item_id: str, rank: int = 1, is_return: bool = False) -> Suggestion:
    row = ITEMS.set_index("item_id").loc[item_id]
    return Suggestion(
        rank=rank,
        item_id=item_id,
        name=row["name"],
        category=row["category"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        distance_km=0.1,
        is_return=is_return,
        score=1.0,
        evidence=["0.1 km from you"],
    )


def turn(*items: Suggestion, reply: str = "Try these.", by_code: bool = False, explanation=None) -> Turn:
    return Turn(
        user_id="u",
        conversation_id="c",
        message="m",
        text=reply,
        reply=reply,
        items=list(items),
        explanation=explanation,
        grounding={"by_code": True} if by_code else {},
    )


def check(t: Turn, expect: Expect, seen: set[str] | None = None, known: set[str] | None = None) -> dict:
    return check_turn(t, expect, HERE, ITEMS, seen or set(), known or set())


def test_a_turn_meeting_every_constraint_holds() -> None:
    verdict = check(turn(suggestion("c1"), suggestion("c2", 2)), Expect(category="Cafe", near="here"))
    assert verdict["honoured"] and verdict["available"] == 2 and verdict["outside_catalogue"] == []


@pytest.mark.parametrize(
    ("items", "expect", "failure"),
    [
        ((suggestion("b1"),), Expect(category="Cafe"), "category"),
        ((suggestion("c3"),), Expect(near="SoHo"), "not near SoHo"),
        ((suggestion("c1", is_return=True),), Expect(surprise=True), "surprise"),
        ((suggestion("b1"),), Expect(exclude=["Bar"]), "excluded 'Bar'"),
        ((suggestion("b1"),), Expect(quiet=True), "excluded 'Bar'"),
        ((suggestion("c1"),), Expect(category="Cafe", near="here"), "1 suggestions where 2 qualify"),
    ],
)
def test_each_broken_constraint_is_caught(items: tuple[Suggestion, ...], expect: Expect, failure: str) -> None:
    verdict = check(turn(*items), expect)
    assert not verdict["honoured"] and any(failure in text for text in verdict["failures"])


def test_no_suggestions_holds_only_when_nothing_qualifies() -> None:
    assert not check(turn(), Expect(category="Cafe", near="here"))["honoured"]
    nothing_left = check(turn(), Expect(category="Cafe", near="here", surprise=True), known={"c1", "c2"})
    assert nothing_left["honoured"] and nothing_left["available"] == 0


def test_farther_places_hold_only_when_nothing_near_qualifies_and_code_said_so() -> None:
    # Far Cafe is the one café new to the user: none near SoHo qualifies, so the farther one, said by code, holds.
    far = turn(suggestion("c3"), by_code=True)
    new_cafe = Expect(category="Cafe", near="here", surprise=True)
    assert check(far, new_cafe, known={"c1", "c2"})["honoured"]
    assert not check(turn(suggestion("c3")), new_cafe, known={"c1", "c2"})["honoured"]  # the LLM's word is not enough
    assert not check(far, Expect(category="Cafe", near="here"))["honoured"]  # two cafés near were there to offer


def test_an_explanation_is_expected_only_after_a_suggestion() -> None:
    explanation = Explanation(item_id="c1", name="Soho Beans", evidence=["0.1 km from you"])
    assert check(turn(explanation=explanation), Expect(explain=True), seen={"c1"})["honoured"]
    assert not check(turn(), Expect(explain=True), seen={"c1"})["honoured"]
    assert check(turn(by_code=True), Expect(explain=True))["honoured"]
    assert not check(turn(explanation=explanation), Expect(explain=True))["honoured"]


def test_venues_outside_the_catalogue_are_counted_in_the_written_reply_only() -> None:
    invented = check(turn(suggestion("c1"), reply="Try Soho Beans or Joe's Imaginary Diner."), Expect())
    assert invented["outside_catalogue"] == ["Joe's Imaginary Diner"]
    other = check(turn(suggestion("c1"), reply="Try Soho Beans or Prince Tavern."), Expect())
    assert other["not_from_results"] == ["Prince Tavern"]
    assert check(turn(reply="Nothing Fits, Sorry Friend.", by_code=True), Expect())["outside_catalogue"] == []


def test_sixty_conversations_for_distinct_real_users() -> None:
    events = pd.DataFrame({"user_id": [str(user) for user in range(80) for _ in range(25)], "item_id": "c1"})
    users = pick_users(events, 60)
    assert len(set(users)) == 60 and users == pick_users(events, 60)
    assert sum(len(script) for script in SCRIPTS) >= 15


def test_only_places_the_service_may_offer_count_as_available() -> None:
    offices_and_homes = pd.DataFrame(
        [
            ("o1", "Acme HQ", "Office", "Business and Professional Services > Office", 40.7236, -74.0027),
            ("h1", "", "Home (private)", "Home (private)", 40.7237, -74.0026),
        ],
        columns=ITEMS.columns,
    )
    items = pd.concat([ITEMS, offices_and_homes], ignore_index=True)
    assert check_turn(turn(), Expect(near="here"), HERE, items, set(), set())["available"] == 3  # c1, c2, b1
    assert check_turn(turn(), Expect(category="Office", near="here"), HERE, items, set(), set())["available"] == 1


def test_new_kinds_of_turn_are_checked() -> None:
    assert check(turn(suggestion("c1", is_return=True)), Expect(familiar=True), known={"c1"})["honoured"]
    broken = check(turn(suggestion("c2")), Expect(familiar=True), known={"c1"})
    assert any("familiar" in failure for failure in broken["failures"])
    assert check(turn(suggestion("c1", is_return=True), by_code=True), Expect(profile=True), known={"c1"})["honoured"]
    assert not check(turn(suggestion("c2"), by_code=True), Expect(profile=True), known={"c1"})["honoured"]
    assert not check(turn(suggestion("c1")), Expect(profile=True), known={"c1"})["honoured"]  # the LLM wrote it
    assert check(turn(reply="I only know places.", by_code=True), Expect(offtopic=True))["honoured"]
    assert not check(turn(reply="Roses are red. " * 40), Expect(offtopic=True))["honoured"]


def test_an_open_request_fails_on_a_place_people_do_not_choose_to_go_to() -> None:
    office = pd.DataFrame(
        [("o1", "Acme HQ", "Office", "Business and Professional Services > Office", 40.7236, -74.0027)],
        columns=ITEMS.columns,
    )
    items = pd.concat([ITEMS, office], ignore_index=True)
    acme = Suggestion(**{**suggestion("c1").model_dump(), "item_id": "o1", "name": "Acme HQ", "category": "Office"})
    verdict = check_turn(turn(acme), Expect(surprise=True), HERE, items, set(), set())
    assert verdict["unsuggestable"] == ["Acme HQ"] and not verdict["honoured"]
    asked = check_turn(turn(acme), Expect(category="Office"), HERE, items, set(), set())
    assert asked["unsuggestable"] == [] and asked["honoured"]


def test_claims_in_the_reply_as_shown_are_checked_again() -> None:
    invented = check(turn(suggestion("c1"), reply="Soho Beans is a bar you go to every week."), Expect())
    assert invented["claims_unsupported_shown"]
    fine = check(turn(suggestion("c1"), reply="Soho Beans is a coffee shop near you."), Expect())
    assert fine["claims_unsupported_shown"] == []


USERS = [str(user) for user in range(10)]


def test_preference_scripts_mute_boost_and_undo_on_the_small_world(services: Service) -> None:
    scripts = [
        PreferenceScript(
            name="no coffee",
            requests=["somewhere to go now", "surprise me"],
            statement="stop suggesting coffee",
            effect="mute",
            categories=["Cafe"],
        ),
        PreferenceScript(
            name="more gyms",
            requests=["somewhere to go now", "surprise me"],
            statement="more gyms from now on",
            effect="boost",
            categories=["Gym"],
        ),
    ]
    report = run_preferences(Assistant(services, polite_model()), 0, scripts=scripts, users=USERS)
    summary = report["summary"]
    assert summary["conversations"] == len(USERS) and summary["stored"] == len(USERS)
    assert summary["muted_in_baseline"] > 0 and summary["muted_shown_after"] == 0
    assert summary["muted_absent_share"] == 1.0
    assert summary["boost_share_after"] > summary["boost_share_before"] and summary["boost_up_share"] == 1.0
    assert summary["undo_restored_share"] == 1.0 and summary["passed"]
    assert all(services.preferences(user) == [] for user in USERS)


def test_the_preference_scripts_name_catalogue_levels() -> None:
    from assistant.requests import read_preference

    for script in PREFERENCE_SCRIPTS:
        stated = read_preference(script.statement)
        assert stated is not None and stated.kind == ("mute_category" if script.effect == "mute" else "boost_category")
