"""The calendar vocabulary: day parts, weekday names, holidays, hours of the week in words, and how long ago.

Every sentence or bucket that names a time takes its words from here — snapshot windows, context reasons, the
recommender's reasons and features, the fine-tuning text — so one suggestion's evidence never says "Saturday
evening" in one line and "Saturday night" in the next.

Day parts are a person's words, not equal slices: morning 5-12, afternoon 12-17, evening 17-22, night 22-5.
A night keeps the local date of each of its hours (23:30 on Saturday is Saturday night, 01:00 is Sunday night).
Hours of the week count from Monday 0:00 (0) to Sunday 23:00 (167). "How long ago" phrases come from
``humanize`` and are always relative to an explicit time, never the wall clock, so they are reproducible.
Holidays are New York's, public and unofficial (Christmas Eve, Halloween), dated by the ``holidays`` library.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from functools import cache

import holidays
import humanize
import numpy as np
import numpy.typing as npt

HOURS_PER_DAY = 24
DAYS_PER_WEEK = 7
HOURS_PER_WEEK = DAYS_PER_WEEK * HOURS_PER_DAY
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The weekend: Saturday and Sunday (``datetime.weekday()`` numbering), and what a sentence calls it.
WEEKEND_DAYS: tuple[int, ...] = (5, 6)
WEEKEND = "weekend"
# Monday to Friday, and what a sentence calls one of them ("on weekdays", "on weekday evenings").
WORKWEEK_DAYS: tuple[int, ...] = (0, 1, 2, 3, 4)
WORKWEEK = "weekday"

# The local hour each day part starts at; each runs until the next one starts (night runs past midnight).
DAYPART_STARTS: dict[str, int] = {"morning": 5, "afternoon": 12, "evening": 17, "night": 22}
DAYPARTS: tuple[str, ...] = tuple(DAYPART_STARTS)


def _daypart_table() -> tuple[str, ...]:
    """The day part of each hour of the day, 0 to 23."""
    starts = sorted((start, name) for name, start in DAYPART_STARTS.items())
    # Before the first start is the tail of the last part (night, from 0:00 to 5:00).
    return tuple(next((name for start, name in reversed(starts) if start <= hour), starts[-1][1]) for hour in range(24))


_DAYPART_OF_HOUR: tuple[str, ...] = _daypart_table()
_DAYPART_ARRAY = np.asarray(_DAYPART_OF_HOUR, dtype=object)

_WITHIN_THE_HOUR = "within the hour"
_A_DAY = "a day"  # humanize's word for 23 to 48 hours
_WEEKS_FROM_DAYS, _WEEKS_UNTIL_DAYS = 14, 61
# From half a day on, "yesterday" says more than "13 hours ago"; below it the hours do.
_CALENDAR_FROM_HOURS = 12
SECONDS_PER_HOUR = 3600.0


def daypart(hour: float) -> str:
    """The day part of a local hour of the day (0 to 23; a fraction such as 17.5 counts as its hour)."""
    if not 0 <= hour < HOURS_PER_DAY:
        raise ValueError(f"hour of the day must be within [0, 24), got {hour!r}")
    return _DAYPART_OF_HOUR[int(hour)]


def dayparts(hours: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """:func:`daypart` of many whole hours of the day at once (for window labels of a whole events frame)."""
    whole = np.asarray(hours)
    if whole.size and (whole.min() < 0 or whole.max() >= HOURS_PER_DAY):
        raise ValueError("hours of the day must be within [0, 24)")
    return _DAYPART_ARRAY[whole.astype(np.intp)]


def weekday_name(day: int) -> str:
    """'Monday' for 0 to 'Sunday' for 6 (``datetime.weekday()`` numbering)."""
    return WEEKDAYS[day]


def describe_hour(hour_of_week: float, *, plural: bool = False) -> str:
    """'Saturday evening' for an hour of the week (Monday 0:00 is 0); 'Saturday evenings' with ``plural``."""
    whole = int(hour_of_week) % HOURS_PER_WEEK
    day, hour = divmod(whole, HOURS_PER_DAY)
    return f"{WEEKDAYS[day]} {daypart(hour)}{'s' if plural else ''}"


def hour_of_week_of(moment: datetime) -> int:
    """The hour of the week of a moment's own wall clock (pass a local time)."""
    return moment.weekday() * HOURS_PER_DAY + moment.hour


def describe_local(moment: datetime) -> str:
    """'Saturday evening' for a moment's own wall clock: pass a local time (a naive one or one in its zone)."""
    return describe_hour(hour_of_week_of(moment))


def age_phrase(age: timedelta, into_day: float | None = None) -> str:
    """How long ago, for an age: 'within the hour', '5 hours ago', 'yesterday', '3 weeks ago', '2 months ago'.

    Humanize's words, except below an hour (minutes are false precision for a visit), 'yesterday' for what it
    calls 'a day' (23 to 48 hours), and weeks from 14 to 61 days, where it would already say 'a month'. An age
    below zero (clock skew) reads as now. Given ``into_day``, the hours since the local midnight of now, an age of
    half a day to two weeks counts the calendar's days: Saturday at 10:45 pm is "2 days ago" on Monday at 6 pm (43
    hours), Sunday morning is "3 days ago" on Wednesday morning (71 hours), as a person reading the date would say.
    """
    age = max(age, timedelta(0))
    if age < timedelta(hours=1):
        return _WITHIN_THE_HOUR
    hours = age.total_seconds() / SECONDS_PER_HOUR
    if into_day is not None and _CALENDAR_FROM_HOURS <= hours < _WEEKS_FROM_DAYS * HOURS_PER_DAY:
        midnights = math.ceil((hours - into_day) / HOURS_PER_DAY)
        if midnights >= 1:
            return "yesterday" if midnights == 1 else f"{midnights} days ago"
    if timedelta(days=_WEEKS_FROM_DAYS) <= age < timedelta(days=_WEEKS_UNTIL_DAYS):
        return f"{age.days // DAYS_PER_WEEK} weeks ago"
    # naturaldelta of the age itself: nothing here reads the wall clock.
    phrase = humanize.naturaldelta(age, months=True)
    return "yesterday" if phrase == _A_DAY else f"{phrase} ago"


def calendar_day(moment: datetime) -> str:
    """'October 13, 2012': a day as a sentence names it, in the moment's own time zone."""
    return f"{moment:%B} {moment.day}, {moment:%Y}"


def clock_time(moment: datetime) -> str:
    """'5 pm', '5:30 am', 'midnight', 'noon': a moment's wall-clock time as a sentence says it."""
    if moment.minute == 0 and moment.hour in (0, 12):
        return "midnight" if moment.hour == 0 else "noon"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'am' if moment.hour < 12 else 'pm'}"


# How people name the holidays they plan outings around → the holiday's name as a sentence says it (the ``holidays``
# library's, but where people call it otherwise: :data:`_LIBRARY_NAMES`).
HOLIDAY_WORDS: dict[str, str] = {
    "christmas eve": "Christmas Eve",
    "christmas day": "Christmas Day",
    "christmas": "Christmas Day",
    "xmas eve": "Christmas Eve",
    "xmas": "Christmas Day",
    "new year's eve": "New Year's Eve",
    "nye": "New Year's Eve",
    "new year's day": "New Year's Day",
    "new year's": "New Year's Eve",  # "plans for New Year's?": the night out
    "thanksgiving": "Thanksgiving Day",
    "valentine's day": "Valentine's Day",
    "valentine's": "Valentine's Day",
    "halloween": "Halloween",
    "fourth of july": "Independence Day",
    "4th of july": "Independence Day",
    "july 4th": "Independence Day",
    "july fourth": "Independence Day",
    "independence day": "Independence Day",
    "memorial day": "Memorial Day",
    "labor day": "Labor Day",
    "st. patrick's day": "Saint Patrick's Day",
    "st patrick's day": "Saint Patrick's Day",
    "saint patrick's day": "Saint Patrick's Day",
    "st. paddy's day": "Saint Patrick's Day",
    "st paddy's day": "Saint Patrick's Day",
    "easter": "Easter Sunday",
    "easter sunday": "Easter Sunday",
    "good friday": "Good Friday",
    "mother's day": "Mother's Day",
    "father's day": "Father's Day",
    "mlk day": "Martin Luther King Jr. Day",
    "martin luther king day": "Martin Luther King Jr. Day",
    "presidents day": "Presidents' Day",
    "presidents' day": "Presidents' Day",
    "columbus day": "Columbus Day",
    "veterans day": "Veterans Day",
    "election day": "Election Day",
}
_LIBRARY_NAMES = {"Presidents' Day": "Washington's Birthday"}
# Holidays whose outings are in the evening (an eve, a night out), not around midday.
EVENING_HOLIDAYS = frozenset({"Christmas Eve", "New Year's Eve", "Halloween", "Valentine's Day"})


def _holiday_key(words: str) -> str:
    """Holiday words as :data:`HOLIDAY_WORDS` keys them: lower case, straight apostrophes, none before an "s" that ends
    a word ("new years eve" is "new year's eve")."""
    return re.sub(r"(?<=\w)'?(?=s\b)", "'", words.lower().replace("’", "'"))


_HOLIDAY_KEYS = {_holiday_key(words): name for words, name in HOLIDAY_WORDS.items()}
# The longest words first, so that "christmas eve" is not read as "christmas". A holiday's name before what it
# names is no date: "Xmas shopping this afternoon", "Christmas lights", "holiday markets" are had before it.
_HOLIDAY_THINGS = (
    r"shopping|presents?|gifts?|lights|markets?|decorations?|trees?|sweaters?|windows?|cards?|music|songs?|movies?"
    r"|spirit|vibes?|stuff|displays?"
)
HOLIDAY_RE = re.compile(
    r"\b(?:"
    + "|".join(
        re.escape(words).replace("'", "['’]?").replace(r"\.", r"\.?")
        for words in sorted(HOLIDAY_WORDS, key=len, reverse=True)
    )
    + rf")(?!\w)(?!\s+(?:{_HOLIDAY_THINGS})\b)",
    re.IGNORECASE,
)


def holiday_named(words: str) -> str | None:
    """The holiday some words name ("NYE", "new years eve" → "New Year's Eve"); None when they name none."""
    match = HOLIDAY_RE.search(words)
    return _HOLIDAY_KEYS.get(_holiday_key(match.group(0))) if match else None


@cache
def _holidays_of(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("US", subdiv="NY", years=year, categories=("public", "unofficial")))


def holiday_date(name: str, on_or_after: date | None = None, before: date | None = None) -> date | None:
    """The day of the holiday ``name`` (a :data:`HOLIDAY_WORDS` value): the first on or after ``on_or_after``, or the
    latest before ``before``; None when the calendar has none within a year."""
    anchor = on_or_after or before
    if anchor is None:
        return None
    years = (anchor.year, anchor.year + 1) if on_or_after is not None else (anchor.year, anchor.year - 1)
    name = _LIBRARY_NAMES.get(name, name)
    days = sorted(day for year in years for day, named in _holidays_of(year).items() if name in named.split("; "))
    if on_or_after is not None:
        return next((day for day in days if day >= on_or_after), None)
    return next((day for day in reversed(days) if before is not None and day < before), None)


def ago(then: datetime, now: datetime) -> str:
    """How long before ``now`` ``then`` was, in words (:func:`age_phrase`, by the calendar days of ``now``'s own
    time zone); both aware, or both naive."""
    return age_phrase(now - then, into_day=hours_into_day(now))


def hours_into_day(moment: datetime) -> float:
    """The hours since the midnight of ``moment``'s own day (6:30 pm: 18.5)."""
    return moment.hour + moment.minute / 60 + moment.second / SECONDS_PER_HOUR


__all__ = [
    "DAYPARTS",
    "DAYPART_STARTS",
    "DAYS_PER_WEEK",
    "EVENING_HOLIDAYS",
    "HOLIDAY_RE",
    "HOLIDAY_WORDS",
    "HOURS_PER_DAY",
    "HOURS_PER_WEEK",
    "WEEKDAYS",
    "WEEKEND",
    "WEEKEND_DAYS",
    "WORKWEEK",
    "WORKWEEK_DAYS",
    "age_phrase",
    "ago",
    "calendar_day",
    "clock_time",
    "daypart",
    "dayparts",
    "describe_hour",
    "describe_local",
    "holiday_date",
    "holiday_named",
    "hour_of_week_of",
    "hours_into_day",
    "weekday_name",
]
