"""Which slice of the week a question about oneself asks for, in English, Spanish and French."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from assistant.habits import habits_slice
from assistant.requests import extract_request

# A Wednesday afternoon in New York.
NOW = datetime(2012, 11, 14, 15, 0, tzinfo=ZoneInfo("America/New_York"))
SATURDAY = 5


@pytest.mark.parametrize(
    ("message", "weekday", "part"),
    [
        ("where do I usually go on Saturdays?", SATURDAY, None),
        ("¿adónde voy normalmente los sábados?", SATURDAY, None),
        ("où est-ce que je vais d'habitude le samedi ?", SATURDAY, None),
        ("where do I go on Saturday evenings?", SATURDAY, "evening"),
        ("¿qué hago los sábados por la noche?", SATURDAY, "night"),
        ("qu'est-ce que je fais le samedi soir ?", SATURDAY, "evening"),
        ("what do I usually do in the morning?", None, "morning"),
        ("what do you know about me?", None, None),
    ],
)
def test_the_slice_a_question_about_oneself_asks_for(message: str, weekday: int | None, part: str | None) -> None:
    request = extract_request(message, NOW)
    assert request.intent == "profile"
    assert habits_slice(request, NOW) == (weekday, part)
