"""Questions about oneself ("what do you know about me?", "where do I usually go on Saturdays?"): which slice of
the week a request asks about, and the answer code writes from the user's own visits (``Service.habits``).

The answer states only counts, kinds, times and places that the stored visits give; the LLM writes none of it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from assistant.languages import to_english
from assistant.place_questions import said_day
from assistant.requests import NUMBER_WORDS, ChatRequest, read
from assistant.service import (
    CHANGE_MIN_VISITS,
    ELSEWHERE,
    FARTHER_OUT,
    LISTED_TOP,
    TIMELINE_SPAN,
    HabitKind,
    Habits,
    HabitVisit,
    InterestChange,
    KindShift,
    PeriodHabits,
)
from assistant.spelling import fold
from profiles.activity import SATURDAY, Period
from profiles.calendar import (
    DAYPART_STARTS,
    DAYPARTS,
    WEEKDAYS,
    WEEKEND,
    WEEKEND_DAYS,
    WORKWEEK,
    WORKWEEK_DAYS,
    clock_time,
    daypart,
    holiday_date,
    holiday_named,
)
from profiles.places import category_name, counted, elide_de, kind_words, label_in, times
from profiles.preferences import STANDING_KINDS, ActivePreference
from prompts import fixed_text

# Day-part and weekday words of the request's `when` text, read in English (``assistant.languages`` turns the Spanish
# and French the reader understands into these); meals count as the part they fall in.
_PART_RE = re.compile(
    r"\b(?:mornings?|afternoons?|evenings?|nights?|tonight|noon|midday|lunch|dinner|breakfast|brunch|after work"
    r"|before work)\b"
)
_WEEKDAY_RE = re.compile(r"\b(?:" + "|".join(day.lower() for day in WEEKDAYS) + r"|today|tomorrow)s?\b")
_WEEKEND_RE = re.compile(r"\bweekends?\b")
_WORKWEEK_RE = re.compile(r"\bweekdays?\b")
# A question about the user's recent past ("where did I go last week?"), not their habits ("where do I go?").
_PAST_RE = re.compile(r"\b(?:did i|have i|was i|were we|did we|i went|i've been|i have been|i was)\b|'d (?:i|we)\b")
_DAYS_BACK = {"day": 1, "week": 7, "month": 30, "year": 365}
_COUNTS = {**NUMBER_WORDS, "few": 3, "couple of": 2}  # "the past few days", "the last couple of weeks"
_SPAN_RE = re.compile(
    rf"\b(?:(?:this|last|past) (?P<unit>day|week|month|year)"
    rf"|(?:the )?(?:last|past) (?P<count>\d{{1,3}}|{'|'.join(_COUNTS)}) (?P<units>day|week|month|year)s?)\b"
)
# "Last month", "this year": calendar ones ("in the last month", "the past month" are the 30 days back).
_CALENDAR_SPAN_RE = re.compile(r"(?<!\bthe )(?<!\bthis )\b(?P<which>last|this) (?P<unit>month|year)\b")
_DAY_BACK_RE = re.compile(r"\b(?P<day>today|tonight|this morning|this afternoon|yesterday|last night)\b")
# ("Show my last 10 check-ins", "my recent visits" ask for the latest check-ins, whenever they were: a list,
# ``checkins_listed``, not the last two weeks.)
_LATELY_RE = re.compile(r"\b(?:recently|lately|these days)\b")
_LAST_WEEKEND_RE = re.compile(r"\b(?:last|this past|the past) weekend\b")
_THIS_WEEKEND_RE = re.compile(r"\bthis weekend\b")
_DAY_NAMES = "|".join(day.lower() for day in WEEKDAYS)
# "Last Saturday", "this past Friday", "last week on Friday", "on Friday last week", "Friday of last week", and in a
# past-tense question "on Friday" ("where was I on Friday?"): the latest such day before today.
_LAST_WEEKDAY_RE = re.compile(
    rf"\b(?:(?:last|this past|the past)(?: week on)? (?P<weekday>{_DAY_NAMES})"
    rf"|(?P<day_of_week>{_DAY_NAMES})(?: of)? last week)\b"
)
_NIGHT_RE = re.compile(r"^\s*(?:night|evening)\b")  # "last Saturday night"
_NIGHT_ENDS = timedelta(hours=DAYPART_STARTS["morning"])  # after midnight, the night part of the calendar vocabulary
_ON_WEEKDAY_RE = re.compile(rf"\bon (?P<weekday>{_DAY_NAMES})\b(?! (?:morning|afternoon|evening|night)?s\b)")
LATELY_DAYS = 14
# "Where was I yesterday around this time?": that day, this hour, give or take AROUND_NOW.
_AROUND_NOW_RE = re.compile(
    r"\b(?:(?:around|about|at|by) (?:this|the same|that same) (?:time|hour)(?! of (?:the )?(?:year|week|month))"
    r"|this time of (?:the )?day|this time (?:yesterday|last)|same time (?:yesterday|last))\b"
)
AROUND_NOW = timedelta(hours=2)
_MONTHS = tuple(calendar.month_name[number].lower() for number in range(1, 13))
# "Where did I go in June?", "and over March 2012?", "last August": one calendar month, the latest begun by now.
_MONTH_RE = re.compile(
    rf"\b(?:in|during|over|for|last|this past|back in|through) (?P<month>{'|'.join(_MONTHS)})(?: (?P<year>\d{{4}}))?\b"
)


# One calendar day: "on September 15", "saturday sept 15", "june 7th", "the 15th of September", "Sept. 13, 2012".
_MONTH_WORDS = {**{month: number for number, month in enumerate(_MONTHS, start=1)}, "sept": 9}
_MONTH_WORDS.update({month[:3]: number for month, number in list(_MONTH_WORDS.items())})
_MONTH_ALTERNATIVES = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))
_DATE_RE = re.compile(
    rf"\b(?:(?P<month>{_MONTH_ALTERNATIVES})\.? (?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?:the )?(?P<day_first>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<month_after>{_MONTH_ALTERNATIVES}))\b"
    r"(?:,? (?P<year>\d{4})\b)?"
)


class PastSpan(NamedTuple):
    """The stretch of time a question about the user's past asks about: from ``since``, until ``until`` (excluded;
    None: up to now)."""

    since: datetime
    until: datetime | None = None


class HabitsSlice(NamedTuple):
    """The slice of the week a question about oneself asks about; None (False) for what it leaves open; ``since``:
    only visits from then on, for a question about the recent past."""

    weekday: int | None
    daypart: str | None
    weekend: bool = False
    workweek: bool = False
    since: datetime | None = None
    until: datetime | None = None


def past_span(message: str, now: datetime, latest: datetime | None = None) -> PastSpan | None:
    """The stretch of the user's past a question about it asks ("where did I go yesterday?" → yesterday; "last
    Saturday", "on Friday last week" → the latest such day before today; "last weekend" → the Saturday and Sunday of
    the latest weekend that is over; "last week" → 7 days back; "last month" → the calendar month before this one,
    "this year" → since January 1; "lately" → 14; "in June" → that calendar month,
    the latest begun by the user's ``latest`` visit, when given, else by now); None for a question about habits or
    one without such words. ``now`` is the user's now, in its own time zone. "Today" and "tonight" ask about the
    past only in a past-tense question ("where was I today?", not "what do I usually do tonight?")."""
    words = fold(read(message).text).lower()
    span = _past_day_or_span(words, now, latest)
    if span is None or span.until is None or span.until - span.since > timedelta(days=1) + _NIGHT_ENDS:
        return span
    if _AROUND_NOW_RE.search(words):  # one past day "around this time": now's hour of that day
        moment = span.since.replace(hour=now.hour, minute=now.minute, second=0, microsecond=0)
        return PastSpan(moment - AROUND_NOW, min(moment + AROUND_NOW, now))
    if span.since.hour == 0 and (part := _part_named(words)) is not None:  # "where did I have lunch yesterday?"
        return _part_of_day(span.since, part, now)
    return span


# A part of one past day: "yesterday morning", "lunch last Friday", "Saturday night"; a meal is the part it falls in.
_PART_OF_DAY_RE = re.compile(r"\b(?P<part>morning|afternoon|evening|night|breakfast|brunch|lunch|dinner|supper)s?\b")
_MEAL_PARTS = {
    "breakfast": "morning",
    "brunch": "morning",
    "lunch": "afternoon",
    "dinner": "evening",
    "supper": "evening",
}


def _part_named(words: str) -> str | None:
    """The part of the day (``DAYPART_STARTS``) that words name, a meal counting as its part; "night" runs from the
    evening, as people say "Saturday night" of a dinner at eight."""
    if (match := _PART_OF_DAY_RE.search(words)) is None:
        return None
    part = _MEAL_PARTS.get(match["part"], match["part"])
    return "evening" if part == "night" else part


def _part_of_day(midnight: datetime, part: str, now: datetime) -> PastSpan:
    """One part of a day, from its start to the next part's (the evening and the night after it run together, to
    the morning), never past now."""
    start = midnight + timedelta(hours=DAYPART_STARTS[part])
    ends = {"morning": "afternoon", "afternoon": "evening", "evening": "morning"}
    end = midnight + timedelta(hours=DAYPART_STARTS[ends[part]] + (24 if part == "evening" else 0))
    return PastSpan(start, min(end, now))


def _past_day_or_span(words: str, now: datetime, latest: datetime | None) -> PastSpan | None:
    """:func:`past_span` of folded, lower-case words, before any narrowing to an hour."""
    midnight = {"hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    if (match := _DAY_BACK_RE.search(words)) and _PAST_RE.search(words):
        today = now.replace(**midnight)
        if match["day"] == "yesterday":  # that day alone
            return PastSpan(today - timedelta(days=1), today)
        if match["day"] == "last night":  # yesterday's evening and the night after it, up to the morning
            return _part_of_day(today - timedelta(days=1), "evening", now)
        if match["day"] in ("this morning", "this afternoon"):
            return _part_of_day(today, match["day"].removeprefix("this "), now)
        return PastSpan(today)
    holiday = holiday_named(words)
    if holiday is not None and _PAST_RE.search(words):  # "where did I go on New Year's Eve?": the latest one, its night
        day = holiday_date(holiday, before=now.date() + timedelta(days=1))
        if day is not None:
            start = now.replace(year=day.year, month=day.month, day=day.day, **midnight)
            return PastSpan(start, min(start + timedelta(days=1) + _NIGHT_ENDS, now))
    if (match := _DATE_RE.search(words)) and _PAST_RE.search(words) and (day := _past_date(match, now, latest)):
        # "Where did I go on Saturday September 15?": that day (the latest such date), not the last Saturday.
        start = now.replace(year=day.year, month=day.month, day=day.day, **midnight)
        return PastSpan(start, min(start + timedelta(days=1), now))
    if match := _MONTH_RE.search(words):
        # Someone whose visits end years ago asks about their own June, not this year's.
        until = min(now, latest.astimezone(now.tzinfo)) if latest is not None else now
        month = _MONTHS.index(match["month"]) + 1
        year = int(match["year"]) if match["year"] else until.year - (month > until.month)
        start = now.replace(year=year, month=month, day=1, **midnight)
        return PastSpan(start, start.replace(year=year + month // 12, month=month % 12 + 1))
    match = _LAST_WEEKDAY_RE.search(words) or (_PAST_RE.search(words) and _ON_WEEKDAY_RE.search(words))
    if match:  # "last Saturday": the latest Saturday before today, that day alone (its night runs past midnight)
        weekday = [day.lower() for day in WEEKDAYS].index(match["weekday"] or match["day_of_week"])
        start = (now - timedelta(days=(now.weekday() - weekday) % 7 or 7)).replace(**midnight)
        night = _NIGHT_RE.search(words[match.end() :]) is not None
        return PastSpan(start, min(start + timedelta(days=1) + (_NIGHT_ENDS if night else timedelta()), now))
    if _LAST_WEEKEND_RE.search(words):  # the latest weekend over, Saturday and Sunday; on a Sunday, the one before
        days = (now.weekday() - SATURDAY) % 7
        days += 7 if days < 2 else 0
        start = (now - timedelta(days=days)).replace(**midnight)
        return PastSpan(start, start + timedelta(days=2))
    if _THIS_WEEKEND_RE.search(words) and _PAST_RE.search(words):
        # "What did I do this weekend?": on a weekend day, this one so far; on a weekday, the one just over.
        days = (now.weekday() - SATURDAY) % 7
        start = (now - timedelta(days=days)).replace(**midnight)
        return PastSpan(start, min(start + timedelta(days=2), now))
    if match := _CALENDAR_SPAN_RE.search(words):
        # "Where did I go last month?" on December 16: November, not the 30 days from November 16.
        start = now.replace(day=1, **midnight) if match["unit"] == "month" else now.replace(month=1, day=1, **midnight)
        if match["which"] == "this":
            return PastSpan(start)
        if match["unit"] == "year":
            return PastSpan(start.replace(year=start.year - 1), start)
        return PastSpan((start - timedelta(days=1)).replace(day=1), start)
    if match := _SPAN_RE.search(words):
        if match["unit"]:
            return PastSpan(now - timedelta(days=_DAYS_BACK[match["unit"]]))
        count = int(match["count"]) if match["count"].isdigit() else _COUNTS[match["count"]]
        return PastSpan(now - timedelta(days=count * _DAYS_BACK[match["units"]]))
    if _LATELY_RE.search(words):
        return PastSpan(now - timedelta(days=LATELY_DAYS))
    return None


def _past_date(match: re.Match[str], now: datetime, latest: datetime | None) -> date | None:
    """The date a calendar day named in a question about the past means: in the year said, else the latest such
    date by the user's ``latest`` visit (or now); None for no real date ("February 30")."""
    until = min(now, latest.astimezone(now.tzinfo)) if latest is not None else now
    month = _MONTH_WORDS[match["month"] or match["month_after"]]
    number = int(match["day"] or match["day_first"])
    year = int(match["year"]) if match["year"] else until.year
    try:
        day = date(year, month, number)
        if not match["year"] and day > until.date():
            day = date(year - 1, month, number)
    except ValueError:
        return None
    return day


# A kind the user went to fewer times than this is no habit: with every kind so, their check-ins are only listed.
MIN_HABIT_VISITS = 2
# Two periods of the user's past a change question sets side by side: calendar months ("in November", "October
# 2012"), seasons ("the summer", "last winter"), years ("2011"), "this/last month|week|year", "lately"; and the two
# slices of the week ("weekends vs weekdays"). A bare "may" is no month ("may I ask…"): only after "in", "since"…
_SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
_NAMED_PERIOD_RE = re.compile(
    rf"(?P<since>\bsince (?:the |last |this )?)?\b(?:(?P<which>last|this|past) (?P<unit>month|week|year)"
    rf"|(?:(?:last|this) )?(?P<month>{'|'.join(month for month in _MONTHS if month != 'may')}"
    rf"|(?<=in )may|(?<=since )may|(?<=than )may|(?<=vs )may|may(?= \d{{4}}))(?: (?P<month_year>\d{{4}}))?"
    r"|(?:(?:last|this|the) )?(?P<season>spring|summer|autumn|winter|(?<=the )fall|(?<=in )fall|(?<=last )fall)"
    r"|(?<!\d )(?P<year>20[01]\d)"
    r"|(?P<lately>lately|recently|these days|nowadays|(?:the )?(?:last|past) (?:few )?weeks))\b"
)
_WEEK_SLICE_RE = re.compile(
    r"\b(?P<weekend>weekends?|saturdays? and sundays?)\b|\b(?P<workweek>weekdays?|work ?days|week ?nights"
    r"|during the week)\b"
)
# How far back "lately" reaches when it is set against another period ("lately vs the summer").
CHANGE_LATELY_DAYS = 30


def _named_period(match: re.Match[str], now: datetime) -> tuple[datetime | None, datetime | None]:
    """The stretch of time one period word names, the latest begun by ``now`` (a month or season not yet begun this
    year is last year's): (start, end), the end excluded, None for now."""
    midnight = {"hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    first_of_month = now.replace(day=1, **midnight)
    if match["lately"]:
        return now - timedelta(days=CHANGE_LATELY_DAYS), None
    if match["unit"] == "month":
        if match["which"] == "this":
            return first_of_month, None
        before = (first_of_month - timedelta(days=1)).replace(day=1)
        return before, first_of_month
    if match["unit"] == "week":
        monday = (now - timedelta(days=now.weekday())).replace(**midnight)
        return (monday, None) if match["which"] == "this" else (monday - timedelta(days=7), monday)
    if match["unit"] == "year" or match["year"]:
        year = int(match["year"]) if match["year"] else now.year - (match["which"] != "this")
        start = now.replace(year=year, month=1, day=1, **midnight)
        return start, start.replace(year=year + 1)
    if match["month"]:
        month = _MONTH_WORDS[match["month"]]
        year = int(match["month_year"]) if match["month_year"] else now.year - (month > now.month)
        start = now.replace(year=year, month=month, day=1, **midnight)
        return start, start.replace(year=year + month // 12, month=month % 12 + 1)
    month = _SEASONS["fall" if match["season"] == "autumn" else match["season"]]
    year = now.year - (month > now.month)
    start = now.replace(year=year, month=month, day=1, **midnight)
    end_month = (month + 2) % 12 + 1
    return start, start.replace(year=year + (end_month < month), month=end_month)


def change_periods(message: str, now: datetime, latest: datetime | None = None) -> tuple[Period, Period]:
    """The two periods a change question sets side by side, the one asked about first, read in English: "in
    November than in August" (November, August); "since the summer" (after the summer, the summer); "since
    September" (from September 1, before it); "in October" alone (October, all before it); "weekends vs weekdays"
    (both over all the visits, or over the one period named); "have my weekends changed since…" (weekends in both).
    With neither ("am I eating out more than before?"), or "lately", the user's latest month of visits (ending at
    their ``latest`` visit, when given: a user quiet for a while still has one) against all before it."""
    text = message.lower()
    named = list(_NAMED_PERIOD_RE.finditer(text))
    slices = [match for match in _WEEK_SLICE_RE.finditer(text)]
    kinds = list(dict.fromkeys("weekend" if match["weekend"] else "workweek" for match in slices))
    if not named and len(kinds) < 2:
        named = [next(_NAMED_PERIOD_RE.finditer("lately"))]  # "have my weekends changed?": lately against before
    lately = min(now, latest) if latest is not None else now
    spans = [_named_period(match, lately if match["lately"] else now) for match in named]
    if len(kinds) == 2:  # "weekends vs weekdays": the two slices of the week, over one stretch of time
        since, until = spans[0] if len(spans) == 1 and not named[0]["since"] else (None, None)
        if len(spans) == 1 and named[0]["since"]:
            since = spans[0][1] if named[0]["season"] else spans[0][0]
        return tuple(Period(since, until, **{kind: True}) for kind in kinds)  # type: ignore[return-value]
    slice_of = {kinds[0]: True} if kinds else {}
    if len(spans) >= 2:
        first, second = spans[:2]
    elif named[0]["since"] and named[0]["season"]:
        first, second = (spans[0][1], None), spans[0]  # "since the summer": after it, against it
    elif named[0]["since"]:
        first, second = (spans[0][0], None), (None, spans[0][0])  # "since September": from then on, against before
    else:
        first, second = spans[0], (None, spans[0][0])  # "in October": against all before
    return Period(*first, **slice_of), Period(*second, **slice_of)


def habits_slice(request: ChatRequest, now: datetime, message: str = "", latest: datetime | None = None) -> HabitsSlice:
    """(weekday 0-6, day part, the weekend, the workweek) the request's time words ask about.

    "On Saturdays" is the weekday of the moment the reader resolved them to, "in the evening" that moment's day
    part, "on weekends" Saturdays and Sundays, "on weekdays" Mondays to Fridays; "tonight" names a part but no
    weekday, "what do you know about me?" nothing. A question about the past (``past_span`` of the ``message``, with
    the user's ``latest`` visit) asks about every visit of that span.
    """
    if (span := past_span(message, now, latest)) is not None:
        return HabitsSlice(None, None, since=span.since, until=span.until)
    # "What do I usually do this late?", "¿y tan tarde?" (not "tarde", the afternoon): at night, as now is.
    this_hour = daypart(now.hour) if asks_this_hour(message) else None
    if request.when is None or request.at is None:
        return HabitsSlice(None, this_hour)
    # In English: the rules' `when` already is, the LLM's (when it read the request) keeps the request's language.
    words = to_english(fold(request.when).lower(), request.language)
    # "In the morning" asked in the afternoon resolves to tomorrow's, yet asks about mornings, not that weekday.
    weekend = _WEEKEND_RE.search(words) is not None
    workweek = _WORKWEEK_RE.search(words) is not None and not weekend
    weekday = request.at.weekday() if _WEEKDAY_RE.search(words) and not (weekend or workweek) else None
    part = this_hour or (daypart(request.at.hour) if _PART_RE.search(words) else None)
    return HabitsSlice(weekday, part, weekend, workweek)


# The part of the day it is now, said of a habit: "what do I usually do this late?", "where am I usually at this
# hour?", "¿qué suelo hacer a estas horas?", "qu'est-ce que je fais d'habitude à cette heure-ci ?".
_THIS_HOUR_RE = re.compile(
    r"\bthis (?:late|early)\b|\b(?:at|around|about) this (?:hour|time)\b|\bthis time of (?:the )?(?:day|night|evening"
    r"|morning|afternoon)\b|\ba (?:estas|esta) horas?\b|\btan (?:tarde|temprano)\b"
    r"|\ba cette heure(?:-ci|-la| ci| la)?\b|\bsi (?:tard|tot)\b"
)


def asks_this_hour(message: str) -> bool:
    """Whether a message asks of the part of the day it is now ("this late", "at this hour", "a estas horas")."""
    return _THIS_HOUR_RE.search(fold(message).lower()) is not None


def when_kept(asked: str | None, before: str | None) -> str:
    """The time words of an earlier question about the user's habits (``before``, a request's ``when``) that a
    follow-up asking of another time (``asked``) keeps: "and on weekdays?" after lunch on weekends keeps "lunch",
    "and in the evenings?" after Saturdays keeps "saturday"; "" when it names both, or neither."""
    said, earlier = (fold(words).lower() if words else "" for words in (asked, before))
    days = (_WEEKDAY_RE, _WEEKEND_RE, _WORKWEEK_RE)
    names_day = any(day.search(said) for day in days)
    if names_day and not _PART_RE.search(said):
        return " ".join(found.group() for found in _PART_RE.finditer(earlier))
    if _PART_RE.search(said) and not names_day:
        return " ".join(found.group() for day in days for found in day.finditer(earlier))
    return ""


# "Which neighbourhood do I spend the most time in?", "where do I hang out?": where, more than what.
_AREAS_RE = re.compile(
    r"\b(?:neighbou?rhoods?|areas?|parts? of (?:town|the city|nyc|new york)|boroughs?)\b|\bhang(?:ing)? out\b",
    re.IGNORECASE,
)


def asks_about_areas(message: str) -> bool:
    """Whether a question about oneself asks where, by area, more than what kinds of place."""
    return _AREAS_RE.search(message) is not None


# "What's my most visited place?", "where do I go the most?", "my favourite spots": which places, before what kinds.
_PLACES_RE = re.compile(
    r"\bmost (?:visited|frequented)\b|\b(?:favou?rite|top|usual|regular) (?:places?|spots?|hang ?outs?|haunts?)\b"
    r"|\btop (?:\d{1,2}|three|five|ten) (?:places|spots)\b"
    r"|\b(?:where|which (?:places?|spots?)) (?:do|did) i (?:go(?: to)?|visit|frequent) (?:the )?most\b",
    re.IGNORECASE,
)


def asks_about_places(message: str) -> bool:
    """Whether a question about oneself asks which places, more than what kinds of place."""
    return _PLACES_RE.search(message) is not None


# "Which nights …?", "quels soirs …?": the part of the day is part of the question, not a slice to keep to
# (a club night begins at 8 pm, in the evening).
_PART_ASKED_RE = re.compile(
    r"\b(?:what|which) (?:nights?|evenings?|mornings?|afternoons?)\b|\b(?:que|cuales) (?:noches|tardes|mananas)\b"
    r"|\b(?:quels?|quelles?) (?:soirs?|soirees?|nuits?|matins?|evenings?|nights?|mornings?)\b"
)


def asks_which_part(message: str) -> bool:
    """Whether a question asks which nights (mornings…) the user goes: every visit counts, not only the night's."""
    return _PART_ASKED_RE.search(fold(message).lower()) is not None


# The smallest share of visits a few days or hours must hold to be called when the user "mostly" goes, and the most
# days or hours of the day named for it: more, or less, and no one time stands out.
_MOSTLY = 0.6
_MOST_DAYS = 3
_MOST_HOURS = 3
_FEWEST_FOR_RHYTHM = 3
# Two peaks of the day ("mornings 9-11 and midday 11-3"): each run up to 4 hours, both within 6 hours, together
# holding 70% of the visits, each at least a quarter.
_PEAK_WIDTH = 4
_PEAK_HOURS = 6
_PEAKS_HOLD = 0.7
_PEAK_SHARE = 0.25
_PEAK_HOUR_WORTH = 0.05


def _usual_days(by_weekday: Sequence[int], language: str) -> str:
    """'mostly on Fridays and Saturdays (39 of 50)', 'mostly on weekdays (70 of 70)', or that no day stands out."""
    total = sum(by_weekday)
    days = fixed_text("habits_weekdays", language).split("|")
    ranked = sorted(range(7), key=lambda day: (-by_weekday[day], day))
    workweek = sum(by_weekday[day] for day in WORKWEEK_DAYS)
    for size in range(1, _MOST_DAYS + 1):
        chosen = sorted(ranked[:size])
        visits = sum(by_weekday[day] for day in chosen)
        # "Mostly on weekdays (62 of 62)" says more than three of them holding 40.
        if size == _MOST_DAYS and workweek >= 0.9 * total and sum(1 for day in WORKWEEK_DAYS if by_weekday[day]) >= 4:
            break
        if visits >= _MOSTLY * total:
            if chosen == list(WEEKEND_DAYS):
                named = days[7]
            else:
                named = [days[day] for day in chosen]
                if language == "en":  # "on Fridays and Saturdays"
                    named = [named[0], *(day.removeprefix("on ") for day in named[1:])]
                joined = ", ".join(named[:-1])
                named = f"{joined}{fixed_text('rhythm_and', language)}{named[-1]}" if joined else named[0]
            return fixed_text("rhythm_days", language).format(days=named, visits=visits, all=total)
    if workweek >= 0.9 * total and sum(1 for day in WORKWEEK_DAYS if by_weekday[day]) >= 4:
        return fixed_text("rhythm_days", language).format(days=days[8], visits=workweek, all=total)
    return fixed_text("rhythm_no_day", language)


def _usual_hours(by_hour: Sequence[int], language: str) -> str:
    """'mostly between 9 am and 11 am (22 of 54)': the narrowest run of hours (up to ``_MOST_HOURS``, across
    midnight too) holding most visits, or that no time of day stands out."""
    total = sum(by_hour)
    for width in range(1, _MOST_HOURS + 1):
        start = max(range(24), key=lambda hour: (sum(by_hour[(hour + step) % 24] for step in range(width)), -hour))
        visits = sum(by_hour[(start + step) % 24] for step in range(width))
        if visits >= _MOSTLY * total:
            ends = [datetime(2000, 1, 1, (start + step) % 24) for step in (0, width)]
            start_said, end_said = (_clock_in(moment, language) for moment in ends)
            return fixed_text("rhythm_hours", language).format(start=start_said, end=end_said, visits=visits, all=total)
    if (peaks := _two_peaks(by_hour)) is not None:
        # Coffee at 9-11 before work and again at 11-3 around lunch: two stretches, not "no one time stands out".
        parts = fixed_text("rhythm_parts", language).split("|")
        windows = []
        for start, width in peaks:
            ends = [datetime(2000, 1, 1, (start + step) % 24) for step in (0, width)]
            start_said, end_said = (_clock_in(moment, language) for moment in ends)
            held = sum(by_hour[(start + step) % 24] for step in range(width))
            windows.append(
                fixed_text("rhythm_window", language).format(
                    part=parts[_part_of_hour(start)], start=start_said, end=end_said, visits=held
                )
            )
        visits = sum(by_hour[(start + step) % 24] for start, width in peaks for step in range(width))
        return fixed_text("rhythm_two_hours", language).format(
            first=windows[0], second=windows[1], visits=visits, all=total
        )
    return fixed_text("rhythm_no_hour", language)


def _two_peaks(by_hour: Sequence[int]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Two runs of hours (start, width), apart and earlier first, that together hold most visits (``_PEAKS_HOLD``),
    each a good share of them (``_PEAK_SHARE``), up to ``_PEAK_HOURS`` together, the most visits for the fewest
    hours; None when no two do. Single runs were tried before (:func:`_usual_hours`)."""
    total = sum(by_hour)
    if not total:
        return None
    runs = [(start, width) for width in range(1, _PEAK_WIDTH + 1) for start in range(24)]
    held = {run: sum(by_hour[(run[0] + step) % 24] for step in range(run[1])) for run in runs}
    best: tuple[float, int, tuple[int, int], tuple[int, int]] | None = None
    for first in runs:
        hours = {(first[0] + step) % 24 for step in range(first[1])}
        for second in runs:
            if second[1] + first[1] > _PEAK_HOURS or hours & {(second[0] + step) % 24 for step in range(second[1])}:
                continue
            if min(held[first], held[second]) < _PEAK_SHARE * total:
                continue
            together = held[first] + held[second]
            if together < _PEAKS_HOLD * total:
                continue
            # An hour more is worth it when it holds more than ``_PEAK_HOUR_WORTH`` of the visits.
            worth = together / total - _PEAK_HOUR_WORTH * (first[1] + second[1])
            key = (-worth, first[1] + second[1], *sorted((first, second)))
            if best is None or key < best:
                best = key
    return (best[2], best[3]) if best is not None else None


def _part_of_hour(hour: int) -> int:
    """The part of the day an hour begins, as ``rhythm_parts`` lists them: morning (5-11), midday (11-3), afternoon
    (3-6), evening (6-10), night (10-5)."""
    return 0 if 5 <= hour < 11 else 1 if 11 <= hour < 15 else 2 if 15 <= hour < 18 else 3 if 18 <= hour < 22 else 4


def describe_rhythm(habits: Habits, language: str = "en") -> str:
    """'You've been to **Eataly** 70 times, the latest on November 23, 2012: mostly on weekdays (70 of 70); mostly
    between 2 pm and 3 pm (61 of 70).': when the user's visits of the slice fell, a place's, a kind's or all; a
    weekday or day part is said only where it stands out."""
    assert habits.rhythm is not None
    slice_said = _slice_in(habits, language)
    slice_said = f" {slice_said}" if slice_said else ""
    latest = ""  # a kind's or all visits' summary that follows says the latest
    if habits.latest is not None and habits.visits and habits.place:
        latest = fixed_text("habits_kind_latest", language).format(day=said_day(habits.latest, language))
    count = times(habits.visits) if language == "en" else _count(habits.visits, "visit", language)
    what = (
        f"**{label_in(habits.place, language)}**"
        if habits.place
        else kind_words(habits.kind, language)
        if habits.kind
        else ""
    )
    if habits.visits == 0 or (habits.visits < _FEWEST_FOR_RHYTHM and not what):
        if habits.place:  # "You haven't been to **Eataly** on Sundays."
            said = fixed_text("place_span_none_yet", language).format(place=habits.place, span=slice_said.strip())
            return said.replace(" .", ".")
        return describe_habits(habits.model_copy(update={"rhythm": None}), language=language)
    if habits.visits < _FEWEST_FOR_RHYTHM:
        return fixed_text("rhythm_few", language).format(
            what=what or "places", slice=slice_said, visits=count, latest=latest
        )
    days = _usual_days(habits.rhythm.by_weekday, language) if habits.weekday is None else ""
    hours = _usual_hours(habits.rhythm.by_hour, language)
    key = "rhythm_to" if what else "rhythm_checkins"
    if not what:
        count = _count(habits.visits, "check-in", language)
    text = fixed_text(key, language).format(
        what=what, slice=slice_said, visits=count, latest=latest, days=days, hours=hours
    )
    return text.replace(": ; ", ": ").replace(" ; ; ", " ; ").replace("; ;", ";")


def describe_habits(habits: Habits, areas_first: bool = False, places_first: bool = False, language: str = "en") -> str:
    """The user's habits in a few sentences: visits, the kinds of place most visited (with when), the places, the
    areas (the areas first with ``areas_first``, the places with ``places_first``), in ``language`` (a change over
    the latest month and the visits of a past span or day are said in English)."""
    if habits.listed is not None:  # "show me my last 10 check-ins": each one
        return describe_listed(habits, language)
    if habits.rhythm is not None:  # "what time do I usually get coffee?": when first, then the usual summary
        said = describe_rhythm(habits, language)
        if habits.place or habits.visits < _FEWEST_FOR_RHYTHM:  # said in full already
            return said
        return f"{said} {describe_habits(habits.model_copy(update={'rhythm': None}), language=language)}"
    overall = habits.change is None and habits.kind is None and habits.since is None
    if areas_first and habits.areas and overall:
        rest = describe_habits(habits.model_copy(update={"areas": []}), language=language)
        return f"{_areas_sentence(habits, language=language)} {rest}"
    if places_first and habits.places and overall:
        rest = describe_habits(habits.model_copy(update={"places": []}), language=language)
        return f"{_places_sentence(habits, language)} {rest}"
    if habits.change is not None:
        return describe_change(habits.change, language)
    if habits.kind is not None:
        return _describe_kind(habits, language)
    if habits.since is not None:
        return _describe_recent(habits, language)
    if habits.visits == 0:
        if habits.weekday is None and habits.daypart is None:
            return fixed_text("no_habits", language)
        return fixed_text("habits_none_then", language).format(slice=_slice_in(habits, language))
    sliced = habits.weekday is not None or habits.daypart is not None
    kinds = ", ".join(_kind(kind, habits, language) for kind in habits.kinds)
    if not sliced:
        span = ""
        if habits.first is not None and habits.last is not None:
            first, last = _month_year(habits.first, language), _month_year(habits.last, language)
            key = "habits_span" if first != last else "habits_span_one"
            span = fixed_text(key, language).format(first=first, last=last)
        at = ""
        if habits.place_count:
            at = fixed_text("habits_at", language).format(places=_count(habits.place_count, "place", language))
        checkins = _count(habits.visits, "check-in", language)
        # "Beaches (1 visit), Movie Theaters (1 visit)" from two check-ins is no habit: what they were, not "most".
        thin = bool(habits.kinds) and all(kind.visits < MIN_HABIT_VISITS for kind in habits.kinds)
        key = "habits_from_few" if thin else "habits_from"
        text = fixed_text(key, language).format(checkins=checkins, at=at, span=span, kinds=kinds)
    else:
        words = _slice_in(habits, language)
        opening = f"{words[:1].upper()}{words[1:]}"
        text = fixed_text("habits_slice", language).format(slice=opening, share=_share(habits, language), kinds=kinds)
    then = fixed_text("habits_then", language) if habits.weekday or habits.daypart else ""
    return _places_and_areas(habits, text, fixed_text("habits_places", language).replace("{then}", then), language)


def describe_change(change: InterestChange, language: str = "en") -> str:
    """How the kinds of place the user visits changed, from their latest month of visits against all before it:
    the kinds whose share rose and fell, with both shares; or that too few visits tell, or that nothing moved. With
    two periods asked ("in November than in August"), :func:`_describe_periods`."""
    if change.asked is not None and change.against is not None:
        return _describe_periods(change, change.asked, change.against, language)
    checkins = _count(change.recent_visits, "check-in", language)
    counts = fixed_text("change_counts", language).format(
        checkins=f"{checkins} ({kind_words(change.kind, language)})" if change.kind else checkins,
        first=said_day(change.recent_from, language),
        last=said_day(change.recent_to, language),
        before=change.earlier_visits,
    )
    if not change.enough:
        return fixed_text("change_too_few", language).format(counts=counts)
    if not change.more and not change.fewer:
        return fixed_text("change_none", language).format(counts=counts)
    shares = [(size, kinds) for size, kinds in (("more", change.more), ("fewer", change.fewer)) if kinds]
    said = [
        fixed_text(f"change_{size}{'_first' if index == 0 else ''}", language).format(
            kinds=", ".join(_shift(kind, language) for kind in kinds)
        )
        for index, (size, kinds) in enumerate(shares)
    ]
    return fixed_text("change_said", language).format(counts=counts, said="; ".join(said))


def _describe_periods(change: InterestChange, asked: PeriodHabits, against: PeriodHabits, language: str) -> str:
    """Two periods side by side, in code-written lines: each one's span, check-ins and rate a week, kinds and places;
    then how often against the other, the places of one only (new, dropped) and the kinds whose share moved. A period
    outside the user's data says which months they have; one of too few visits, that shares tell nothing."""
    # Two slices of the week over the same stretch ("weekends vs weekdays"): the slices alone name them.
    same_span = not change.by_time and (asked.since, asked.until) == (against.since, against.until)
    said = [_period_said(period, language, with_span=not same_span) for period in (asked, against)]
    if not (asked.in_data and against.in_data):
        if change.first_visit is None or change.last_visit is None:
            return fixed_text("no_habits", language)
        first, last = _month_year(change.first_visit, language), _month_year(change.last_visit, language)
        missing = [words for period, words in zip((asked, against), said, strict=True) if not period.in_data]
        text = fixed_text("change_no_data", language).format(period=missing[0], first=first, last=last)
        known = [
            _period_line(period, words, change.kind, language)
            for period, words in zip((asked, against), said, strict=True)
            if period.in_data
        ]
        return " ".join([text, *known])
    lines = [
        _period_line(period, words, change.kind, language) for period, words in zip((asked, against), said, strict=True)
    ]
    few = [words for period, words in zip((asked, against), said, strict=True) if period.visits < CHANGE_MIN_VISITS]
    if few:
        return " ".join([*lines, fixed_text("change_too_few_then", language).format(period=few[0])])
    paces = fixed_text("change_pace", language).split("|")
    ratio = asked.per_week / against.per_week if against.per_week else float("inf")
    pace = paces[0] if ratio > 1 + CHANGE_SAME_PACE else paces[1] if ratio < 1 - CHANGE_SAME_PACE else paces[2]
    lines.append(
        fixed_text("change_pace_said", language).format(
            pace=pace, period=said[0], rate=_rate(asked.per_week), other=_rate(against.per_week)
        )
    )
    later = change.by_time and asked.since is not None and against.since is not None and asked.since > against.since
    for places, key, words in ((change.new, "change_new", said[0]), (change.dropped, "change_dropped", said[1])):
        if places:
            listed = ", ".join(
                f"{label_in(place.label, language)} ({_count(place.visits, 'visit', language)})" for place in places
            )
            lines.append(fixed_text(key if later else "change_only", language).format(period=words, places=listed))
    shares = [(size, kinds) for size, kinds in (("more", change.more), ("fewer", change.fewer)) if kinds]
    moved = [
        fixed_text(f"change_{size}{'_first' if index == 0 else ''}", language).format(
            kinds=", ".join(_shift(kind, language, said) for kind in kinds)
        )
        for index, (size, kinds) in enumerate(shares)
    ]
    if moved:
        lines.append(
            fixed_text("change_periods_said", language).format(period=_capital(said[0]), said="; ".join(moved))
        )
    return " ".join(lines)


# Rates a week within this share of each other are "about as often".
CHANGE_SAME_PACE = 0.15


def _rate(per_week: float) -> str:
    """'3.2', '0.4': visits a week, one decimal."""
    return f"{per_week:.1f}"


def _capital(words: str) -> str:
    return f"{words[:1].upper()}{words[1:]}"


def _period_said(period: PeriodHabits, language: str, with_span: bool = True) -> str:
    """'on weekends since September 1, 2012', 'in October 2012', 'before April 1, 2012': a period of a comparison
    ('on weekends' alone without ``with_span``)."""
    if not with_span:
        span = ""
    elif period.since is None:
        span = (
            fixed_text("change_before", language).format(day=said_day(period.until, language)) if period.until else ""
        )
    else:
        span = span_words(period.since, period.until, language)
    slice_words = _slice_in(Habits(user_id="", weekday=period.weekday, daypart=period.daypart, visits=0), language)
    return " ".join(words for words in (slice_words, span) if words)


def _period_line(period: PeriodHabits, words: str, kind: str | None, language: str) -> str:
    """'On weekends since September 1, 2012: 40 check-ins, 3.1 a week, most at Night Clubs (12), Hotels (8); most
    visited: Pacha NYC (9 visits).'"""
    checkins = _count(period.visits, "check-in", language)
    if kind:
        checkins = f"{checkins} ({kind_words(kind, language)})"
    most = ""
    if period.kinds and not kind:
        kinds = ", ".join(f"{_kinds_in(item.kind, language)} ({item.visits})" for item in period.kinds)
        most = fixed_text("change_period_most", language).format(kinds=kinds)
    if period.places:
        places = ", ".join(f"{label_in(place.label, language)} ({place.visits})" for place in period.places)
        most += fixed_text("change_period_places", language).format(places=places)
    return fixed_text("change_period", language).format(
        period=_capital(words), checkins=checkins, rate=_rate(period.per_week), most=most
    )


def _shift(kind: KindShift, language: str = "en", said: list[str] | None = None) -> str:
    """'Coffee Shops (12 visits, 43%, against 20% before)': the kind's visits and share of the latest month; 'Theaters
    (none lately, against 11% before)'; with the ``said`` periods, "against 20% in August 2012"."""
    against, none_before, none_lately = fixed_text("change_shift", language).split("|")
    if said is not None:
        then = fixed_text("change_shift_then", language).replace("{other}", said[1]).replace("{period}", said[0])
        against, none_before, none_lately = then.split("|")
    before = none_before if kind.earlier == 0 else against.format(share=f"{kind.earlier_share:.0%}")
    kinds = _kinds_in(kind.kind, language)
    if kind.recent == 0:
        return f"{kinds} ({none_lately}, {before})"
    return f"{kinds} ({_count(kind.recent, 'visit', language)}, {kind.recent_share:.0%}, {before})"


def _describe_kind(habits: Habits, language: str = "en") -> str:
    """'You have 5 check-ins at Museums, the latest on June 12, 2012 (Art Museums 3, History Museums 2). The ones
    you go to most: …': the user's visits to one kind of place, in the slice asked about."""
    assert habits.kind is not None
    spanned = _span_words(habits, language)
    when = " ".join(words for words in (spanned, _slice_in(habits, language)) if words)
    when = f" {when}" if when else ""
    kind = kind_words(habits.kind, language)  # "places for breakfast", not "Breakfasts"
    if habits.visits == 0:
        return fixed_text("habits_kind_none", language).format(kind=kind, when=when)
    if habits.timeline:
        return _describe_day(habits, when.strip(), fixed_text("day_at_kind", language).format(kind=kind), language)
    checkins = _count(habits.visits, "check-in", language)
    text = fixed_text("habits_kind", language).format(checkins=checkins, kind=kind, when=when)
    if habits.place_count > 1:
        text += f" ({_count(habits.place_count, 'place', language)})"
    if habits.latest is not None:
        text += fixed_text("habits_kind_latest", language).format(day=said_day(habits.latest, language))
    if len(habits.kinds) > 1:
        text += " (" + ", ".join(f"{_kinds_in(item.kind, language)} {item.visits}" for item in habits.kinds) + ")"
    text += "."
    if habits.places:
        places = ", ".join(
            f"{label_in(place.label, language)} ({_count(int(place.score), 'visit', language)})"
            for place in habits.places
        )
        text += fixed_text("habits_kind_most", language).format(places=places)
    return text


def _span_words(habits: Habits, language: str = "en") -> str:
    """The stretch of time of a summary of the user's recent past in words (:func:`span_words`)."""
    return "" if habits.since is None else span_words(habits.since, habits.until, language)


def span_words(since: datetime, until: datetime | None, language: str = "en") -> str:
    """'since May 3, 2012', 'on Friday, May 4, 2012', 'in June 2012', 'from May 3, 2012 to May 9, 2012', in
    ``language``: a stretch of the past from ``since`` to ``until`` (excluded; None: up to now)."""
    said_since, weekday = said_day(since, language), fixed_text("span_weekdays", language).split("|")
    if until is None:
        return fixed_text("span_since", language).format(day=said_since)
    # A span ends at a midnight (the day before is its last) or now (today is).
    at_midnight = until.hour == until.minute == until.second == 0
    last_day = until - timedelta(days=1) if at_midnight else until
    day = fixed_text("span_on", language).format(weekday=weekday[since.weekday()], day=said_since)
    if until - since <= TIMELINE_SPAN and since.hour + since.minute > 0:
        # "yesterday around this time", "last night": that day, between two times
        return fixed_text("span_between", language).format(
            day=day, start=_clock_in(since, language), end=_clock_in(until, language)
        )
    if until - since <= timedelta(days=1) + _NIGHT_ENDS:  # "last Friday": that day
        return day
    if since.day == 1 and until.day == 1 and last_day.month == since.month:
        return fixed_text("span_month", language).format(month=_month_year(since, language))
    return fixed_text("span_from_to", language).format(first=said_since, last=said_day(last_day, language))


def describe_place_visits_then(
    place: str, visits: int, last: datetime | None, span: PastSpan, language: str = "en"
) -> str:
    """'You went to **Shake Shack** 3 times in November 2012, last on November 28, 2012.' or 'You didn't go to
    **Shake Shack** in December 2012.': the user's visits to one place in the stretch of time a question names, which
    the place's card (all-time counts) does not say."""
    spanned = span_words(span.since, span.until, language)
    if not visits or last is None:
        # "This month": none yet, up to now.
        key = "place_span_none" if span.until is not None else "place_span_none_yet"
        return fixed_text(key, language).format(place=place, span=spanned)
    count = times(visits) if language == "en" else _count(visits, "visit", language)
    return fixed_text("place_span_visits", language).format(
        place=place, visits=count, span=spanned, last=said_day(last, language)
    )


def _clock_in(moment: datetime, language: str) -> str:
    """'5 pm', '9:05 am' in English; '17:00', '09:05' in Spanish and French."""
    return clock_time(moment) if language == "en" else f"{moment:%H:%M}"


def _describe_recent(habits: Habits, language: str = "en") -> str:
    since = _span_words(habits, language)
    if habits.visits == 0:
        if habits.until is not None and habits.first is not None and habits.last is not None:
            first, last = said_day(habits.first, language), said_day(habits.last, language)
            return fixed_text("span_none_between", language).format(since=since, first=first, last=last)
        if habits.last is not None:
            return fixed_text("span_none_latest", language).format(since=since, day=said_day(habits.last, language))
        return fixed_text("span_none", language).format(since=since)
    if habits.timeline:
        return _describe_day(habits, since, language=language)
    opening = fixed_text("span_opening", language).format(
        since=f"{since[:1].upper()}{since[1:]}", checkins=_count(habits.visits, "check-in", language)
    )
    return _kinds_and_places(habits, opening, fixed_text("span_places", language), language)


# Words of a kind's name that say no kind alone: "Joe's Place" is no Pizza Place, "Corner Shop" no Coffee Shop.
_KIND_FILLERS = frozenset(
    {"and", "or", "of", "the", "place", "shop", "store", "spot", "joint", "station", "other", "general", "y", "de",
     "del", "et", "des", "du", "la", "le", "el", "los", "las", "tienda", "sitio", "lugar", "magasin", "lieu",
     "boutique"}
)  # fmt: skip


# Words of a place's name that say a kind's word: "MTA Subway - 96th St" is a Metro Station, "Café Grumpy" a Coffee
# Shop, "Harlem Tavern" a Bar.
_NAME_SAYS = {"subway": "metro", "cafe": "coffee", "espresso": "coffee", "tavern": "bar", "pub": "bar", "saloon": "bar"}


def _words_of(text: str) -> set[str]:
    """The folded, lower-case words of a text, each also without a plural "s" ("Bagels & Co": "bagel")."""
    found = set(re.findall(r"[a-z0-9]+", fold(text).lower()))
    return found | {word[:-1] for word in found if len(word) > 3 and word.endswith("s")}


def _kind_said(place: str, kinds: Sequence[str]) -> bool:
    """Whether a place's name or label already says its kind (one of ``kinds``, its names in several languages):
    "a Residential Building" and "un edificio de viviendas" (their kind's label), "Famous Deli" (Deli / Bodega), "MTA
    Subway - 96th St" (Subway), "Joe's Pizza" (Pizza Place); not "Crumbs Bake Shop" (Bakery) nor "Blondies Sports"
    (Sports Bar), whose kind a list says after the name."""
    named = _words_of(place)
    named |= {_NAME_SAYS[word] for word in named if word in _NAME_SAYS}
    for kind in kinds:
        # "Residential Building (Apartment / Condo)" without its brackets; "Deli / Bodega": either name says it.
        for one in re.sub(r"\([^)]*\)", " ", kind).split("/"):
            telling = _words_of(one) - _KIND_FILLERS
            if telling and telling <= named:
                return True
    return False


def _kind_of(visit: HabitVisit, place: str, language: str, said: str | None = None) -> str:
    """The kind of a visit's place as a list says it ("Bakery", "cafetería"); "" when there is none, when the place's
    name says it ("Famous Deli"), or when it is ``said``, the kind the whole answer is of ("my bar check-ins")."""
    if not visit.kind or visit.kind == said:
        return ""
    kind = category_name(visit.kind, language)
    return "" if _kind_said(place, (visit.kind, kind)) else kind


def describe_listed(habits: Habits, language: str = "en") -> str:
    """'Your latest 10 check-ins, the latest first (10 of 375):' then one line each ('- Wednesday, December 5, 2012,
    3:12 pm: **Crumbs Bake Shop** (Bakery, Morningside Heights)'): the user's check-ins a list asked for
    (``Habits.listed``), of its span ("since November 28, 2012") and kind ("at bars"). With none, what the summary
    says of that ("I have no check-ins of yours since …"), then the months that have some."""
    if not habits.timeline:
        said = describe_habits(habits.model_copy(update={"listed": None}), language=language)
        if not habits.months:
            return said
        months = ", ".join(
            f"{_month_year(month.month, language)} ({_count(month.visits, 'check-in', language)})"
            for month in habits.months
        )
        return f"{said} {fixed_text('listed_months', language).format(months=months)}"
    # The city's zone (a span's own offset is that of its first day: October's, not November's, for a month).
    zone = (habits.last or habits.since or habits.timeline[0].at).tzinfo
    span = " ".join(words for words in (_span_words(habits, language), _slice_in(habits, language)) if words)
    span = f" {span}" if span else ""
    kind = fixed_text("day_at_kind", language).format(kind=kind_words(habits.kind, language)) if habits.kind else ""
    shown, total = len(habits.timeline), max(habits.visits, len(habits.timeline))
    key = "listed_some" if shown < total else "listed_all"
    heading = fixed_text(key, language).format(
        checkins=_count(shown, "check-in", language), span=span, kind=kind, shown=shown, total=total
    )
    weekdays = fixed_text("span_weekdays", language).split("|")
    line = fixed_text("listed_line", language)
    lines = []
    for visit in habits.timeline:
        local, place = visit.at.astimezone(zone), label_in(visit.label, language)
        kind = _kind_of(visit, place, language, habits.kind)
        lines.append(
            line.format(
                weekday=weekdays[local.weekday()],
                day=said_day(local, language),
                time=_clock_in(local, language),
                place=place,
                kind=kind,
                area=_area_in(visit.area, language) if visit.area else "",
            )
            .replace(" (, ", " (")
            .replace(", )", ")")
            .replace(" ()", "")
        )
    text = f"{heading}\n" + "\n".join(lines)
    if LISTED_TOP <= shown < total:  # "all my check-ins", "my last 50": no more at once
        text += "\n\n" + fixed_text("listed_more", language).format(top=LISTED_TOP)
    return text


def _describe_day(habits: Habits, day_words: str, at_kind: str = "", language: str = "en") -> str:
    """'On Tuesday, November 20, 2012 you have 3 check-ins: Café Grumpy at 9:05 am, AMC 13 (Movie Theater) at 7:45
    pm, …': one past day's visits (to places of a kind: ``at_kind``, " at Bars") in time order, each with its kind
    unless its name says it, then its areas."""
    assert habits.since is not None
    zone = habits.since.tzinfo
    at = fixed_text("day_visit_at", language)
    stops = []
    for visit in habits.timeline:
        # "Crumbs Bake Shop (Bakery) at 2:49 pm", "Famous Deli at 3:48 am": each stop's kind, as a list says it.
        place = label_in(visit.label, language)
        if kind := _kind_of(visit, place, language, habits.kind):
            place = f"{place} ({kind})"
        stops.append(at.format(place=place, time=_clock_in(visit.at.astimezone(zone), language)))
    visits = ", ".join(stops)
    shown = "" if habits.visits <= len(habits.timeline) else fixed_text("day_first_ones", language)
    # Never fewer than are listed: the day's span ("between 5 pm and 5 am") may hold more than its day part's count.
    checkins = f"{_count(max(habits.visits, len(habits.timeline)), 'check-in', language)}{at_kind}"
    text = fixed_text("day_visits", language).format(
        day=f"{day_words[:1].upper()}{day_words[1:]}", checkins=checkins, shown=shown, visits=visits
    )
    if not habits.areas:
        return text
    return f"{text} {_areas_sentence(habits, 'day_areas', language)}"


def _kinds_and_places(habits: Habits, opening: str, places_heading: str, language: str = "en") -> str:
    """The opening, the kinds of place most visited, then the places under their heading."""
    kinds = ", ".join(_kind(kind, habits, language) for kind in habits.kinds)
    return _places_and_areas(habits, f"{opening} {kinds}.", f"{places_heading}: {{places}}.", language)


def _places_and_areas(habits: Habits, text: str, places_frame: str, language: str = "en") -> str:
    """The text, then the places in their frame ("Your most visited places: {places}."), then the areas."""
    if habits.places:
        places = ", ".join(
            f"{label_in(place.label, language)} ({_count(int(place.score), 'visit', language)})"
            for place in habits.places
        )
        text += " " + places_frame.format(places=places)
    if habits.areas:
        text += f" {_areas_sentence(habits, language=language)}"
    return text


def _places_sentence(habits: Habits, language: str = "en") -> str:
    """'Your most visited place is Crunch Fitness (4 visits); then Starbucks (3 visits).', every place tied for the
    most visits named together."""
    most = int(habits.places[0].score)
    top = [place for place in habits.places if int(place.score) == most]
    then = habits.places[len(top) :]
    when = f" {_slice_in(habits, language)}" if habits.weekday is not None or habits.daypart is not None else ""
    visits = _count(most, "visit", language)
    if len(top) == 1:
        text = fixed_text("habits_top_one", language).format(
            when=when, place=label_in(top[0].label, language), visits=visits
        )
    else:
        names = ", ".join(label_in(place.label, language) for place in top[:-1])
        names += f" {fixed_text('habits_and', language)} {label_in(top[-1].label, language)}"
        text = fixed_text("habits_top_many", language).format(when=when, places=names, visits=visits)
    if then:
        text += fixed_text("habits_top_then", language) + ", ".join(
            f"{label_in(place.label, language)} ({_count(int(place.score), 'visit', language)})" for place in then
        )
    return f"{text}."


def _areas_sentence(habits: Habits, heading: str = "habits_areas", language: str = "en") -> str:
    """'The areas you go to most: East Village (12 visits), …' (or under another heading's fixed text)."""
    areas = ", ".join(
        f"{_area_in(area.area, language)} ({_count(area.visits, 'visit', language)})" for area in habits.areas
    )
    return fixed_text(heading, language).format(areas=areas)


def _area_in(area: str, language: str) -> str:
    """An area's words in ``language``: a neighbourhood's name as it is; "farther out" and "elsewhere in Queens" said
    in Spanish or French."""
    farther, elsewhere = fixed_text("area_beyond", language).split("|")
    if area == FARTHER_OUT:
        return farther
    if area.startswith(ELSEWHERE):
        return elsewhere.format(borough=area.removeprefix(ELSEWHERE))
    return area


def _share(habits: Habits, language: str = "en") -> str:
    """'40 of your 121 check-ins (33%, where 2 days in 7 would be 29%)': a slice's visits against all of them and,
    for days of the week, against the days' own share of the week ("do I go out more on weekends?")."""
    if habits.all_visits <= habits.visits:
        return _count(habits.visits, "check-in", language)
    share = f"{habits.visits / habits.all_visits:.0%}"
    spans = {WEEKEND: len(WEEKEND_DAYS), WORKWEEK: len(WORKWEEK_DAYS)}
    days = spans.get(habits.weekday or "", int(habits.weekday is not None))
    said_days = ""
    if days and habits.daypart is None:
        said_days = fixed_text("habits_share_days", language).format(
            days=_count(days, "day", language), share=f"{days / 7:.0%}"
        )
    every = _count(habits.all_visits, "check-in", language)
    return fixed_text("habits_share", language).format(visits=habits.visits, all=every, share=share, days=said_days)


def _slice_words(habits: Habits) -> str:
    if habits.weekday is None and habits.daypart is None:
        return ""
    if habits.weekday is not None and habits.daypart is not None:
        return f"on {habits.weekday} {habits.daypart}s"
    if habits.weekday is not None:
        return f"on {habits.weekday}s"
    return f"in the {habits.daypart}" if habits.daypart != "night" else "at night"


def _slice_in(habits: Habits, language: str) -> str:
    """The slice of the week a habit is asked of, in ``language`` ("on Friday evenings", "los viernes al anochecer",
    "le vendredi soir"); '' for the whole week."""
    if language == "en":
        return _slice_words(habits)
    return _when_in(habits.weekday, habits.daypart, language)


def _when_in(weekday: str | None, part: str | None, language: str) -> str:
    """A weekday (or the weekend, or weekdays) and a part of the day as a Spanish or French habit says them."""
    days = fixed_text("habits_weekdays", language).split("|")
    named = [*WEEKDAYS, WEEKEND, WORKWEEK]
    day = days[named.index(weekday)] if weekday in named else ""
    if part not in DAYPARTS:
        return day
    if not day:
        return fixed_text("habits_dayparts", language).split("|")[DAYPARTS.index(part)]
    after_day = fixed_text("habits_dayparts_after_day", language).split("|")[DAYPARTS.index(part)]
    # "le vendredi soir", but "le week-end, le soir"
    if language == "fr" and weekday in (WEEKEND, WORKWEEK):
        return f"{day}, {fixed_text('habits_dayparts', language).split('|')[DAYPARTS.index(part)]}"
    return f"{day} {after_day}"


# The share of a kind's visits its usual time must hold to be said ("mostly Friday evenings"), and the fewest visits.
_SLOT_SHARE = 0.5
_FEWEST_FOR_SLOT = 3


def _kind(kind: HabitKind, habits: Habits, language: str = "en") -> str:
    """'Bars (8 visits, mostly Friday evenings)': when is said only where the slice leaves it open, and only when
    at least half the visits fell then ("Platforms (12 visits, at no one time in particular)": 2 on each of five
    afternoons); nothing of one or two visits."""
    open_slice = habits.weekday is None or habits.daypart is None
    if kind.visits < _FEWEST_FOR_SLOT and open_slice:
        return f"{_kinds_in(kind.kind, language)} ({_count(kind.visits, 'visit', language)})"
    if kind.slot_visits is not None and kind.slot_visits < _SLOT_SHARE * kind.visits and open_slice:
        spread = fixed_text("habits_no_slot", language)
        return f"{_kinds_in(kind.kind, language)} ({_count(kind.visits, 'visit', language)}{spread})"
    if language != "en":
        weekday = kind.weekday if habits.weekday is None else None
        part = kind.daypart if habits.daypart is None else None
        said = _when_in(weekday, part, language)
        when = fixed_text("habits_mostly", language).format(when=said) if said else ""
        return f"{_kinds_in(kind.kind, language)} ({_count(kind.visits, 'visit', language)}{when})"
    when = ""
    if habits.weekday is None and habits.daypart is None:
        when = f", mostly {kind.weekday} {kind.daypart}s"
    elif habits.weekday is None:
        when = f", mostly on {kind.weekday}s"
    elif habits.daypart is None:
        when = ", mostly at night" if kind.daypart == "night" else f", mostly in the {kind.daypart}"
    return f"{_kinds_in(kind.kind)} ({counted(kind.visits, 'visit')}{when})"


def _kinds_in(kind: str, language: str = "en") -> str:
    """A kind of place in the plural, as ``language`` says it: 'Bars', 'bares', 'bars'."""
    return category_name(kind, language, plural=True)


_NOUNS = ("check-in", "visit", "place", "day")


def _count(number: int, noun: str, language: str) -> str:
    """'1 visit', '12 visitas', '1,204 check-ins': a count with its noun (one of :data:`_NOUNS`) in ``language``."""
    if language == "en":
        return counted(number, noun)
    words = fixed_text("habits_nouns", language).split("|")
    one, many = words[2 * _NOUNS.index(noun)], words[2 * _NOUNS.index(noun) + 1]
    return f"{number:,} {one if number == 1 else many}"


def _month_year(moment: datetime, language: str) -> str:
    """'May 2012', 'mayo de 2012', 'mai 2012'."""
    month = fixed_text("card_months", language).split("|")[moment.month - 1]
    return fixed_text("habits_month", language).format(month=month, year=moment.year)


__all__ = [
    "CHANGE_LATELY_DAYS",
    "HabitsSlice",
    "PastSpan",
    "asks_about_areas",
    "asks_about_places",
    "change_periods",
    "describe_change",
    "describe_habits",
    "describe_place_visits_then",
    "habits_slice",
    "past_span",
    "span_words",
]


def describe_preferences(
    active: list[ActivePreference], language: str = "en", verdicts: Sequence[tuple[str, bool]] = ()
) -> str:
    """What the user told the assistant and what still holds ('You told me: no bars; more places like Blue Bottle
    Coffee; 👎 Black Door.'), the 👍 and 👎 given to places last; empty when nothing does; each one can be undone in
    the inspector or by saying "undo"."""
    # One statement may hold several preferences ("I quit drinking" mutes every kind of bar): said once.
    stated = list(
        dict.fromkeys(
            elide_de(fixed_text(f"told_{item.kind.value}", language).format(what=item.shown_in(language)), language)
            for item in active
            if item.kind in STANDING_KINDS
        )
    )
    stated += [f"{'👍' if liked else '👎'} {label}" for label, liked in verdicts]
    if not stated:
        return ""
    # A 👎 is no statement the inspector undoes: it ends when the user checks in there.
    key = "told_you_verdicts" if any(not liked for _, liked in verdicts) else "told_you"
    return fixed_text(key, language).format(stated="; ".join(stated))
