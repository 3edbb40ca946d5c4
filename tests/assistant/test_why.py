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


def test_what_a_request_asked_for_is_said_in_the_language_of_the_question() -> None:
    request = ChatRequest(
        category="Wine Bar", quiet=True, exclude_categories=["Hotel", "Sports Bar"], near="SoHo", when="saturday"
    )
    saturday_evening = datetime(2012, 12, 15, 19, 0)
    assert asked_for(request, saturday_evening, "es") == (
        "bares de vinos, nada ruidoso ni los más concurridos de la ciudad, sin hoteles ni bares deportivos, por SoHo,"
        " para el sábado al anochecer"
    )
    said = asked_for(request, saturday_evening, "fr")
    assert said is not None and said.startswith("bars à vin, rien de bruyant") and "pas d'hôtels" in said
    assert said.endswith("vers SoHo, pour samedi soir")
    explanation = Explanation(item_id="v1", name="Ten Bells", evidence=["new to you"])
    assert "- lo que pediste: bares de vinos" in explain_one(explanation, asked_for(request, None, "es"), "es")


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
