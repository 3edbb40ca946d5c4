"""The calendar vocabulary: day-part boundaries, hours of the week in words, 'ago' phrases, and one word everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from profiles.calendar import (
    DAYPARTS,
    HOURS_PER_DAY,
    HOURS_PER_WEEK,
    WEEKDAYS,
    age_phrase,
    ago,
    clock_time,
    daypart,
    dayparts,
    describe_hour,
    describe_local,
    holiday_date,
    holiday_named,
    weekday_name,
)
from profiles.context import describe_hour as context_describe_hour
from profiles.context import reason
from profiles.finetune import context_text
from profiles.profile import window_labels
from retrieval.catalogue import Catalogue
from retrieval.features import FEATURE_NAMES, FeatureBuilder, Query
from retrieval.history import HistoryState
from retrieval.recommender import _Explainer

NOW = datetime(2012, 6, 2, 20, 0, tzinfo=UTC)
MONDAY = datetime(2012, 4, 2)  # a Monday, 0:00 local


@pytest.mark.parametrize(
    ("hour", "part"),
    [
        (0, "night"),
        (4, "night"),
        (4.99, "night"),
        (5, "morning"),
        (11, "morning"),
        (12, "afternoon"),
        (16, "afternoon"),
        (17, "evening"),
        (21, "evening"),
        (21.5, "evening"),
        (22, "night"),
        (23, "night"),
    ],
)
def test_each_day_part_starts_and_ends_where_people_say(hour: float, part: str) -> None:
    assert daypart(hour) == part


def test_day_parts_cover_the_day_in_order() -> None:
    assert DAYPARTS == ("morning", "afternoon", "evening", "night")
    assert dayparts(np.arange(HOURS_PER_DAY)).tolist() == [daypart(hour) for hour in range(HOURS_PER_DAY)]
    for bad in (-1, 24, 24.5):
        with pytest.raises(ValueError, match="hour of the day"):
            daypart(bad)
    with pytest.raises(ValueError, match="hours of the day"):
        dayparts([3, 24])


@pytest.mark.parametrize(
    ("hour_of_week", "words"),
    [
        (0, "Monday night"),
        (8, "Monday morning"),
        (24 + 13.5, "Tuesday afternoon"),
        (4 * 24 + 21, "Friday evening"),
        (5 * 24 + 19, "Saturday evening"),
        (5 * 24 + 23, "Saturday night"),
        (6 * 24 + 2, "Sunday night"),
        (167.9, "Sunday night"),
        (HOURS_PER_WEEK + 8, "Monday morning"),  # the week wraps
    ],
)
def test_describe_hour(hour_of_week: float, words: str) -> None:
    assert describe_hour(hour_of_week) == words
    assert describe_hour(hour_of_week, plural=True) == words + "s"
    assert context_describe_hour(hour_of_week) == words  # still importable from profiles.context


def test_weekday_names_and_local_times() -> None:
    assert WEEKDAYS[0] == weekday_name(0) == "Monday" and weekday_name(6) == "Sunday"
    assert describe_local(datetime(2012, 6, 2, 19, 30)) == "Saturday evening"
    # An aware time is read on its own wall clock: 23:30 UTC is 19:30 in New York.
    assert describe_local(NOW.replace(hour=23, minute=30).astimezone(ZoneInfo("America/New_York"))) == (
        "Saturday evening"
    )
    assert describe_local(NOW.replace(hour=23, minute=30)) == "Saturday night"


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (timedelta(minutes=-5), "within the hour"),
        (timedelta(0), "within the hour"),
        (timedelta(minutes=59), "within the hour"),
        (timedelta(hours=1), "an hour ago"),
        (timedelta(hours=5, minutes=20), "5 hours ago"),
        (timedelta(hours=23, minutes=59), "yesterday"),
        (timedelta(hours=47), "yesterday"),
        (timedelta(days=3, hours=5), "3 days ago"),
        (timedelta(days=13), "13 days ago"),
        (timedelta(days=14), "2 weeks ago"),
        (timedelta(days=22), "3 weeks ago"),
        (timedelta(days=60), "8 weeks ago"),
        (timedelta(days=61), "2 months ago"),
        (timedelta(days=200), "7 months ago"),
        (timedelta(days=365), "a year ago"),
        (timedelta(days=800), "2 years ago"),
    ],
)
def test_ago_phrases(age: timedelta, words: str) -> None:
    assert age_phrase(age) == words


@pytest.mark.parametrize(
    ("then", "now", "words"),
    [
        # Late on Saturday, seen on Monday evening (43 hours): two days by the calendar, not "yesterday".
        (datetime(2012, 12, 8, 22, 45), datetime(2012, 12, 10, 18), "2 days ago"),
        # Sunday morning, seen on Wednesday morning (71 hours): three days, not two.
        (datetime(2012, 7, 15, 9, 45), datetime(2012, 7, 18, 9), "3 days ago"),
        (datetime(2012, 12, 7, 18, 22), datetime(2012, 12, 10, 18), "3 days ago"),
        # Last night, seen the next evening (22 hours): yesterday, not "22 hours ago".
        (datetime(2012, 12, 9, 20), datetime(2012, 12, 10, 18), "yesterday"),
        # Under half a day, the hours say more than the date.
        (datetime(2012, 12, 9, 23), datetime(2012, 12, 10, 9), "10 hours ago"),
        (datetime(2012, 12, 10, 9), datetime(2012, 12, 10, 18), "9 hours ago"),
        (datetime(2012, 11, 30, 12), datetime(2012, 12, 10, 18), "10 days ago"),
        (datetime(2012, 11, 1), datetime(2012, 12, 10, 18), "5 weeks ago"),
        # Aware times count the days of now's own time zone: 2 am in New York is the day before in UTC's words.
        (
            datetime(2012, 12, 8, 23, tzinfo=ZoneInfo("America/New_York")),
            datetime(2012, 12, 10, 2, tzinfo=ZoneInfo("America/New_York")),
            "2 days ago",
        ),
    ],
)
def test_ago_counts_the_calendars_days_from_half_a_day_to_two_weeks(then: datetime, now: datetime, words: str) -> None:
    assert ago(then, now) == words


def test_ago_is_relative_to_the_given_now_not_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_clock() -> datetime:
        raise AssertionError("the wall clock was read")

    monkeypatch.setattr("humanize.time._now", no_clock, raising=False)
    long_ago = datetime(1990, 1, 1, 12, tzinfo=UTC)
    assert ago(long_ago - timedelta(days=21), long_ago) == "3 weeks ago"
    assert ago(datetime(1990, 1, 1), datetime(1990, 1, 2, 6)) == "yesterday"  # naive times too
    assert ago(long_ago - timedelta(days=100), long_ago) == "3 months ago"


def test_ago_phrases_in_context_reasons_come_from_the_calendar() -> None:
    for days in (0.01, 0.5, 1.2, 3.2, 22.0, 90.0):
        text = reason(
            age_days=days,
            snapshot_hour=5 * 24 + 20,
            concentration=0.9,
            rhythm=0.9,
            distance_km=1.0,
            query=None,
            similarity=None,
        )
        assert text.split(" · ")[0] == age_phrase(timedelta(days=days))


def _recommender_part(hour_of_week: int, explainer: _Explainer) -> str:
    """The day part the recommender's 'busy on …' fact names for a query at that hour (the place's every check-in
    was at that hour)."""
    explainer.query = Query("u", 0.0, hour_of_week, 40.73, -73.99)
    explainer.state.hours[0] = 0.0
    explainer.state.hours[0, hour_of_week] = explainer.state.counts[0] = 20.0
    row = np.zeros(len(FEATURE_NAMES))
    sentence = explainer.render("popular_now", 0, row)
    assert sentence is not None and sentence.startswith("busy on ")
    assert explainer.facts(0, row).endswith(f" · {sentence}")
    day, part = sentence.removeprefix("busy on ").split(" ")
    assert day == WEEKDAYS[hour_of_week // HOURS_PER_DAY] and part.endswith("s")
    return part.removesuffix("s")


def test_every_module_names_the_same_day_part_for_every_hour_of_the_week() -> None:
    items = pd.DataFrame(
        {"item_id": ["A"], "name": ["Joe"], "category": ["Cafe"], "latitude": [40.73], "longitude": [-73.99]}
    )
    catalogue = Catalogue.from_items(items)
    state = HistoryState(
        catalogue, recency_half_life_hours=24.0, popularity_half_life_hours=48.0, recent_size=3, covisit_window=2
    )
    builder = FeatureBuilder(catalogue, rhythm_bandwidth_hours=3.0, distance_bandwidth_km=1.0, embeddings=None)
    explainer = _Explainer(state, builder, builder.context(state, Query("u", 0.0, 0, 40.73, -73.99)))

    local = pd.Series([MONDAY + timedelta(hours=hour) for hour in range(HOURS_PER_WEEK)])
    windows = window_labels(local, "daypart")
    for hour in range(HOURS_PER_WEEK):
        moment = local[hour].to_pydatetime()
        words = {
            "calendar": daypart(hour % HOURS_PER_DAY),
            "describe_hour": describe_hour(hour).split(" ")[1],
            "describe_local": describe_local(moment).split(" ")[1],
            "snapshot window": str(windows[hour]).split(" ")[1],
            "context reason": reason(
                age_days=1.0,
                snapshot_hour=hour,
                concentration=1.0,
                rhythm=1.0,
                distance_km=1.0,
                query=None,
                similarity=None,
            )
            .split(" · ")[1]
            .split(" ")[1],
            "recommender reason": _recommender_part(hour, explainer),
            "fine-tuning text": context_text(pd.Timestamp(moment), 40.7, -74.0, []).split(",")[0].split(" ")[1],
        }
        assert len(set(words.values())) == 1, (hour, words)
        # The day is named alike too, and the window keeps the hour's own local date.
        assert describe_hour(hour).split(" ")[0] == describe_local(moment).split(" ")[0] == f"{moment:%A}"
        assert str(windows[hour]).split(" ")[0] == f"{moment:%Y-%m-%d}"


@pytest.mark.parametrize(
    ("hour", "minute", "said"),
    [
        (0, 0, "midnight"),
        (12, 0, "noon"),
        (9, 5, "9:05 am"),
        (17, 0, "5 pm"),
        (0, 30, "12:30 am"),
        (12, 45, "12:45 pm"),
    ],
)
def test_a_clock_time_is_said_as_a_sentence_says_it(hour: int, minute: int, said: str) -> None:
    assert clock_time(datetime(2012, 11, 14, hour, minute, tzinfo=UTC)) == said


@pytest.mark.parametrize(
    ("words", "holiday"),
    [
        ("any ideas for christmas eve?", "Christmas Eve"),
        ("what to do on xmas", "Christmas Day"),
        ("plans for NYE", "New Year's Eve"),
        ("new years eve party", "New Year's Eve"),
        ("new year’s day brunch", "New Year's Day"),
        ("valentines dinner", "Valentine's Day"),
        ("fireworks on the 4th of July", "Independence Day"),
        ("St. Patrick's Day pub", "Saint Patrick's Day"),
        ("a quiet dinner", None),
        ("it's presidents day", "Presidents' Day"),  # the library's "Washington's Birthday", as people say it
        # A holiday's name before what it names is no date: its markets and shopping come before it.
        ("a christmas market", None),
        ("xmas shopping this afternoon", None),
    ],
)
def test_holidays_are_named_as_people_say_them(words: str, holiday: str | None) -> None:
    assert holiday_named(words) == holiday


def test_holidays_are_dated_by_new_yorks_calendar() -> None:
    assert holiday_date("Thanksgiving Day", on_or_after=date(2012, 11, 1)) == date(2012, 11, 22)
    assert holiday_date("Christmas Eve", on_or_after=date(2012, 12, 24)) == date(2012, 12, 24)  # that day itself
    assert holiday_date("Christmas Eve", on_or_after=date(2012, 12, 25)) == date(2013, 12, 24)
    assert holiday_date("Halloween", before=date(2013, 1, 10)) == date(2012, 10, 31)
    assert holiday_date("Halloween", before=date(2012, 10, 31)) == date(2011, 10, 31)  # before: that day excluded
    assert holiday_date("Easter Sunday", on_or_after=date(2013, 1, 1)) == date(2013, 3, 31)
    assert holiday_date("No Such Day", on_or_after=date(2013, 1, 1)) is None
    assert holiday_date("Presidents' Day", on_or_after=date(2013, 2, 1)) == date(2013, 2, 18)
