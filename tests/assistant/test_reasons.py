"""The reasons beside each suggestion in the reply's language: each English reason the recommender writes has a
Spanish and a French template with the same numbers and names, and one no template knows stays as it is."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.agent import Assistant
from assistant.reasons import reasons_in
from assistant.service import Service
from tests.assistant.world import polite_model

SAID = [
    "new to you",
    "popular: 24 check-ins by 16 people",
    "0.1 km from Target, a place you know",
    "next to Union Square Park, a place you know",
    "0.4 km from Katz's Delicatessen, for after it",
    "outside East Village, 1.3 km from its centre",
    "people who go to Madison Square Park also go here",
    "14% of your check-ins are at Convenience Stores",
    "been here once, 10 months ago",
    "been here 3 times, most recently 2 weeks ago",
    "been here twice, most recently within the hour",
    "busy on Saturday evenings",
    "similar to Rockefeller Center, where you went recently",
    "people often come here after Grand Central Terminal (4 times)",
    "you come here on Friday nights — 3 visits",
    "you go to Churches on Sunday mornings — 3 visits",
    "you go to American Restaurants on Sunday afternoons around here — 2 visits",
    "you go to Coffee Shops on Monday evenings around Gramercy — 4 visits",
    "you go to Night Clubs on Friday nights 1.3 km from here — 3 visits",
    "21% of your check-ins are in Dining and Drinking",
    "1.2 km from you",
    "a branch you haven't been to",
    "0.3 km from the Shake Shack you know, in Gramercy",
    "1.4 km from the Starbucks you know",
    "next to the Starbucks you know",
    "you go to Bagel Shops on Saturday mornings — 13 visits",
]


@pytest.mark.parametrize("reason", SAID)
def test_every_reason_is_said_in_spanish_and_french_with_its_numbers_and_names(reason: str) -> None:
    assert reasons_in(reason, "en") == reason
    numbers = [word for word in reason.replace("%", " ").split() if word.replace(".", "").isdigit()]
    for language in ("es", "fr"):
        said = reasons_in(reason, language)
        assert said != reason, (language, reason)
        assert all(number in said for number in numbers), (language, said)
        assert not any(english in said for english in ("new to you", "been here", "a place you know", "busy on"))
        assert not any(english in said for english in ("you go", "Churches", "Restaurants", "Dining and", "around"))


@pytest.mark.parametrize(
    ("reason", "spanish", "french"),
    [
        (
            "13% of your check-ins are at Donut Shops",
            "el 13% de tus check-ins son en tiendas de donuts",
            "13 % de tes check-ins sont dans des boutiques de donuts",
        ),
        (
            "21% of your check-ins are in Dining and Drinking",
            "el 21% de tus check-ins son en sitios para comer y beber",
            "21 % de tes check-ins sont dans des lieux où manger et boire",
        ),
        (
            "you go to Parks on Sunday mornings around East Village — 2 visits",
            "vas a parques los domingos por la mañana por East Village — 2 visitas",
            "tu vas dans des parcs le dimanche matin vers East Village — 2 visites",
        ),
        (
            "you go to Cafés on Monday mornings around here — 4 visits",
            "vas a cafés los lunes por la mañana por aquí — 4 visitas",
            "tu vas dans des cafés le lundi matin par ici — 4 visites",
        ),
        (
            "you go to Hotels on Friday evenings — 2 visits",
            "vas a hoteles los viernes al anochecer — 2 visitas",
            "tu vas dans des hôtels le vendredi soir — 2 visites",
        ),
    ],
)
def test_a_reasons_kind_of_place_is_said_in_the_language(reason: str, spanish: str, french: str) -> None:
    assert reasons_in(reason, "es") == spanish
    assert reasons_in(reason, "fr") == french
    assert reasons_in(reason, "en") == reason
    # A kind the table lacks stays as written, inside the translated reason.
    assert reasons_in("5% of your check-ins are at Quantum Labs", "es") == "el 5% de tus check-ins son en Quantum Labs"


def test_a_facts_line_is_said_part_by_part_and_an_unknown_reason_stays() -> None:
    said = reasons_in("people who go to Pianos also go here; new to you · busy on Friday nights", "fr")
    expected = "les gens qui vont à Pianos viennent aussi ici; nouveau pour toi · fréquenté le vendredi dans la nuit"
    assert said == expected
    assert reasons_in("open since 1999 and loved by many", "es") == "open since 1999 and loved by many"
    assert reasons_in("after a Coffee Shop, 18% of people's next stops are Jazz Clubs", "es") == (
        "después de una cafetería, el 18% de las siguientes paradas de la gente son clubes de jazz"
    )
    assert reasons_in("after an Art Museum, 20% of people's next stops are Cafés", "fr") == (
        "après un musée d'art, 20 % des étapes suivantes des gens sont des cafés"
    )
    assert reasons_in("been here once, 1 year, 1 month ago", "es") == "has venido una vez, hace 1 año y 1 mes"


def test_a_spanish_list_gives_its_reasons_in_spanish(services: Service, world_now: datetime) -> None:
    turn = Assistant(services, polite_model()).chat("3", "algo para hacer esta noche", at=world_now)
    assert turn.items
    listing = turn.text.split("\n\n", 1)[1]
    assert "new to you" not in listing and "been here" not in listing and "popular:" not in listing
    assert "nuevo para ti" in listing or "has venido" in listing  # each facts line says how well the user knows it
