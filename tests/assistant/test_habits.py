"""Which slice of the week a question about oneself asks for, in English, Spanish and French."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from assistant.habits import describe_habits, habits_slice
from assistant.requests import extract_request
from assistant.service import Service

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
    assert habits_slice(request, NOW)[:2] == (weekday, part)
    assert not habits_slice(request, NOW).weekend


@pytest.mark.parametrize(
    "message", ["where do I usually go on weekends?", "what do I do on the weekend?", "¿qué hago los fines de semana?"]
)
def test_the_weekend_is_saturdays_and_sundays(message: str) -> None:
    request = extract_request(message, NOW)
    assert request.intent == "profile"
    assert habits_slice(request, NOW) == (None, None, True)


def test_weekend_habits_count_only_saturday_and_sunday_visits(services: Service, world_now: datetime) -> None:
    events = services.events()
    assert events is not None
    mine = events[(events["user_id"] == "3") & (events["action"].fillna("visit") == "visit")]
    expected = int((mine["hour_of_week"] // 24 >= SATURDAY).sum())
    assert 0 < expected < len(mine)
    habits = services.habits("3", world_now, services.default_place("3"), weekend=True)
    assert habits.visits == expected and habits.weekday == "weekend"
    assert describe_habits(habits).startswith(f"On weekends you have {expected:,} check-ins")
