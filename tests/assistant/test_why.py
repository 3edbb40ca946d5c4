"""What a request asked for, in words, and which "why" questions are about the whole list."""

from __future__ import annotations

from datetime import datetime

from assistant.requests import ChatRequest
from assistant.service import Explanation
from assistant.why import asked_for, asks_about_the_list, explain_one


def test_what_a_request_asked_for_names_each_filter_it_applied() -> None:
    request = ChatRequest(
        category="Date Night",
        quiet=True,
        independent=True,
        near="East Village",
        when="saturday night",
        exclude_categories=["Sports Bar"],
    )
    saturday_night = datetime(2012, 6, 2, 23, 0)
    assert asked_for(request, saturday_night) == (
        "places for a date, no loud kinds of place nor the city's busiest, no chains, no sports bars,"
        " around East Village, for Saturday night"
    )
    assert asked_for(ChatRequest(category="Cafe", near="here")) == "cafes"
    assert asked_for(ChatRequest()) is None  # nothing in particular
    assert asked_for(ChatRequest(intent="profile", category="Bar")) is None  # no list of suggestions
    assert asked_for(None) is None


def test_why_those_is_about_the_list_and_why_the_second_about_one_place() -> None:
    assert asks_about_the_list("why did you pick those?", None)
    assert asks_about_the_list("why these?", None)
    assert not asks_about_the_list("why the second one?", 2)
    assert not asks_about_the_list("why that one?", None)


def test_why_gives_the_evidence_in_the_language_of_the_question() -> None:
    explanation = Explanation(
        item_id="v1",
        name="Marquee New York",
        evidence=["you go to Night Clubs on Friday evenings around Hell's Kitchen — 4 visits", "new to you · 2.4 km"],
    )
    assert explain_one(explanation, None, "fr").splitlines()[1:] == [
        "- tu vas dans des boîtes de nuit le vendredi soir vers Hell's Kitchen — 4 visites",
        "- nouveau pour toi · 2.4 km",
    ]
    assert explain_one(explanation, None, "en").splitlines()[1] == f"- {explanation.evidence[0]}"
