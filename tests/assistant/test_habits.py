"""Which slice of the week a question about oneself asks for, in English, Spanish and French, and since when a
question about the recent past asks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import assistant.service as service_module
from assistant.habits import (
    LATELY_DAYS,
    PastSpan,
    asks_about_areas,
    asks_about_places,
    asks_this_hour,
    change_periods,
    describe_change,
    describe_habits,
    describe_listed,
    describe_place_visits_then,
    describe_preferences,
    habits_slice,
    past_span,
    when_kept,
)
from assistant.requests import asks_when, extract_request, read
from assistant.service import (
    HabitArea,
    HabitKind,
    Habits,
    HabitVisit,
    InterestChange,
    KindCount,
    KindShift,
    PeriodHabits,
    PlaceCount,
    Service,
    Suggestion,
    VisitRhythm,
)
from profiles.activity import Period
from profiles.calendar import clock_time
from profiles.places import is_of_kind, kind_words
from profiles.preferences import ActivePreference, PreferenceKind
from prompts import fixed_text

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
    assert habits_slice(request, NOW, message) == (None, None, True, False, None, None)


@pytest.mark.parametrize(
    "message",
    [
        "where do I usually go on weekdays?",
        "do I go out more on weekdays?",
        "¿adónde voy entre semana?",
        "où je vais en semaine ?",
    ],
)
def test_weekdays_are_mondays_to_fridays(message: str) -> None:
    request = extract_request(message, NOW)
    assert request.intent == "profile"
    assert habits_slice(request, NOW, message) == (None, None, False, True, None, None)


@pytest.mark.parametrize(
    ("message", "weekday", "part"),
    [("what do I do on weekday evenings?", None, "evening"), ("what do I do on Saturdays?", SATURDAY, None)],
)
def test_what_i_do_then_is_about_all_my_visits(message: str, weekday: int | None, part: str | None) -> None:
    # Every kind of place the user goes to then, not only "things to do".
    request = extract_request(message, NOW)
    assert request.intent == "profile" and request.category is None
    assert habits_slice(request, NOW, message)[:2] == (weekday, part)


def test_weekday_habits_count_only_monday_to_friday_visits(services: Service, world_now: datetime) -> None:
    events = services.events()
    assert events is not None
    mine = events[(events["user_id"] == "3") & (events["action"].fillna("visit") == "visit")]
    expected = int((mine["hour_of_week"] // 24 < SATURDAY).sum())
    assert 0 < expected < len(mine)
    habits = services.habits("3", world_now, services.default_place("3"), workweek=True)
    assert habits.visits == expected and habits.weekday == "weekday"
    share = f"{expected / len(mine):.0%}"
    assert describe_habits(habits).startswith(
        f"On weekdays you have {expected:,} of your {len(mine):,} check-ins ({share}, where 5 days in 7 would be 71%)"
    )


def test_weekend_habits_count_only_saturday_and_sunday_visits(services: Service, world_now: datetime) -> None:
    events = services.events()
    assert events is not None
    mine = events[(events["user_id"] == "3") & (events["action"].fillna("visit") == "visit")]
    expected = int((mine["hour_of_week"] // 24 >= SATURDAY).sum())
    assert 0 < expected < len(mine)
    habits = services.habits("3", world_now, services.default_place("3"), weekend=True)
    assert habits.visits == expected and habits.weekday == "weekend"
    # Against all of the user's check-ins, and against the weekend's own share of the week ("do I go out more on
    # weekends?"): 2 days in 7.
    assert habits.all_visits == len(mine)
    share = f"{expected / len(mine):.0%}"
    assert describe_habits(habits).startswith(
        f"On weekends you have {expected:,} of your {len(mine):,} check-ins ({share}, where 2 days in 7 would be 29%)"
    )


def test_how_many_places_the_visits_were_at_is_said() -> None:
    overall = Habits(user_id="8", visits=68, place_count=10)
    assert describe_habits(overall).startswith("From your 68 check-ins at 10 places")
    cafes = Habits(user_id="8", visits=5, place_count=3, kind="Cafe")
    assert describe_habits(cafes).startswith("You have 5 check-ins at cafes (3 places)")


def test_a_slice_of_the_day_is_said_as_its_share_of_all_visits() -> None:
    evenings = Habits(user_id="8", daypart="evening", visits=25, all_visits=100)
    assert describe_habits(evenings).startswith("In the evening you have 25 of your 100 check-ins (25%)")
    saturdays = evenings.model_copy(update={"daypart": None, "weekday": "Saturday", "visits": 20})
    assert describe_habits(saturdays).startswith("On Saturdays you have 20 of your 100 check-ins (20%, where 1 day")
    alone = evenings.model_copy(update={"all_visits": 25})  # every visit in the slice: no share to give
    assert describe_habits(alone).startswith("In the evening you have 25 check-ins;")


def _day(day: int, hour: int = 0) -> datetime:
    return datetime(2012, 11, day, hour, tzinfo=NOW.tzinfo)


@pytest.mark.parametrize(
    ("message", "since", "until"),
    [
        ("where did I go yesterday?", _day(13), _day(14)),  # that day alone
        ("where was I today", _day(14), None),
        ("where did I go last week?", NOW - timedelta(days=7), None),
        ("what did I do in the last 3 days", NOW - timedelta(days=3), None),
        ("what have I been up to the past two months?", NOW - timedelta(days=60), None),
        ("where have I been recently?", NOW - timedelta(days=LATELY_DAYS), None),
        # "Last month" and "this year" are calendar ones; "the last month" the 30 days back.
        ("where did I go most last month?", _day(1).replace(month=10), _day(1)),
        ("what did I do this month?", _day(1), None),
        ("where did I go in the last month?", NOW - timedelta(days=30), None),
        ("where have I been this year?", _day(1).replace(month=1), None),
        ("where did I go last year?", _day(1).replace(year=2011, month=1), _day(1).replace(month=1)),
        # The latest such weekday before today (NOW is Wednesday the 14th), that day; its night runs to 5:00.
        ("where did I go last Saturday?", _day(10), _day(11)),
        # A part of that day: from its start to the next part's; "night" from the evening to the morning after.
        ("where did I go last Saturday night?", _day(10, 17), _day(11, 5)),
        ("where'd I go last night", _day(13, 17), _day(14, 5)),
        ("where did I have lunch yesterday?", _day(13, 12), _day(13, 17)),
        ("where did we have dinner on saturday?", _day(10, 17), _day(11, 5)),
        ("where did I get coffee this morning?", _day(14, 5), _day(14, 12)),
        ("where did I eat last friday", _day(9), _day(10)),
        # One past day "around this time": this hour of that day, two hours either way.
        ("where was I last week on friday around this time?", _day(9, 13), _day(9, 17)),
        ("where was I this time yesterday?", _day(13, 13), _day(13, 17)),
        ("where was I yesterday at the same time?", _day(13, 13), _day(13, 17)),
        # In Spanish and French, read as English first.
        ("¿dónde estuve ayer?", _day(13), _day(14)),
        ("où étais-je hier ?", _day(13), _day(14)),
        ("¿dónde estuve ayer a esta hora?", _day(13, 13), _day(13, 17)),
        ("qu'est-ce que j'ai fait samedi dernier ?", _day(10), _day(11)),
        ("what did I do on Monday last week", _day(12), _day(13)),
        ("where was I on Tuesday?", _day(13), _day(14)),
        ("where was I last Wednesday?", _day(7), _day(8)),
        # A holiday: the latest one, up to the morning after (Election Day 2012 was November 6).
        ("where did I go on Election Day?", _day(6), _day(7, 5)),
        ("what did I do last halloween?", _day(1).replace(month=10, day=31), _day(1, 5)),
        # The latest weekend that is over, Saturday and Sunday.
        ("where did I go last weekend?", _day(10), _day(12)),
        ("what did I do this weekend?", _day(10), _day(12)),  # on a Wednesday: the one just over
        # The latest two weeks, however the recent past is named.
        ("where have I been lately", NOW - timedelta(days=14), None),
        # "My last 10 check-ins", "my recent check-ins": the latest, whenever they were (a list, no span).
        ("show my last 10 check-ins", None, None),
        ("my recent check-ins", None, None),
        # Habits, not the recent past.
        ("where do I go on weekends?", None, None),
        ("what do I usually do in the morning?", None, None),
        ("where did I go?", None, None),
        ("what do I usually do tonight?", None, None),
        ("where do I go on Fridays?", None, None),
    ],
)
def test_the_span_a_question_about_the_recent_past_asks(message: str, since: datetime | None, until: datetime | None):
    span = past_span(message, NOW)
    assert (span.since if span is not None else None) == since and (span.until if span is not None else None) == until
    request = extract_request(message, NOW)
    assert request.intent == "profile"
    assert habits_slice(request, NOW, message).since == since


def test_one_past_day_at_one_kind_of_place_lists_those_visits_in_time_order(
    services: Service, world_now: datetime
) -> None:
    events = services.events()
    assert events is not None
    mine = events[(events["user_id"] == "3") & (events["action"].fillna("visit") == "visit")]
    visit = mine.iloc[len(mine) // 2]
    place = services.place(str(visit["item_id"]))
    assert place is not None
    day = visit["timestamp"].to_pydatetime().astimezone(NOW.tzinfo).replace(hour=0, minute=0, second=0)
    kind = place.category
    that_day = services.habits(
        "3", world_now, services.default_place("3"), since=day, until=day + timedelta(days=1), kind=kind
    )
    shown = [services.place(item.item_id) for item in that_day.timeline]
    assert shown and all(p is not None and is_of_kind(kind, p.category, p.category_path) for p in shown)
    said = describe_habits(that_day)
    assert said.startswith(f"On {day:%A}, {day:%B} {day.day}, {day:%Y} you have ") and f" at {kind_words(kind)}" in said
    assert f"{that_day.timeline[0].label} at {clock_time(that_day.timeline[0].at.astimezone(NOW.tzinfo))}" in said
    # Dates are the city's: the latest visit's day is the day it was there, not UTC's.
    assert (
        that_day.latest is not None
        and that_day.latest.utcoffset() == that_day.latest.astimezone(NOW.tzinfo).utcoffset()
    )


def test_the_recent_past_counts_only_visits_since_then(services: Service, world_now: datetime) -> None:
    events = services.events()
    assert events is not None
    mine = events[(events["user_id"] == "3") & (events["action"].fillna("visit") == "visit")]
    since = mine["timestamp"].iloc[len(mine) // 2].to_pydatetime()
    expected = int((mine["timestamp"] >= since).sum())
    assert 0 < expected < len(mine)
    recent = services.habits("3", world_now, services.default_place("3"), since=since)
    assert recent.visits == expected and recent.since == since
    opening = f"Since {since:%B} {since.day}, {since:%Y} you have {expected:,} check-in"
    assert describe_habits(recent).startswith(opening)
    # Nothing since: said plainly, with the latest visit there is.
    later = services.habits("3", world_now, services.default_place("3"), since=world_now)
    assert later.visits == 0 and later.last is not None
    assert describe_habits(later) == (
        f"I have no check-ins of yours since {world_now:%B} {world_now.day}, {world_now:%Y}; the latest I have is from "
        f"{later.last:%B} {later.last.day}, {later.last:%Y}."
    )


def test_one_past_day_is_named_with_its_weekday(services: Service, world_now: datetime) -> None:
    events = services.events()
    assert events is not None
    mine = events[(events["user_id"] == "3") & (events["action"].fillna("visit") == "visit")]
    visit = mine["timestamp"].iloc[len(mine) // 2].to_pydatetime()
    day = visit.replace(hour=0, minute=0, second=0, microsecond=0)
    expected = int(((mine["timestamp"] >= day) & (mine["timestamp"] < day + timedelta(days=1))).sum())
    that_day = services.habits("3", world_now, services.default_place("3"), since=day, until=day + timedelta(days=1))
    assert that_day.visits == expected > 0
    opening = f"On {day:%A}, {day:%B} {day.day}, {day:%Y} you have {expected:,} check-in"
    said = describe_habits(that_day)
    assert said.startswith(opening)
    # The day's visits in time order, each at its wall-clock time, a place checked into twice in a row once.
    day_visits = mine[(mine["timestamp"] >= day) & (mine["timestamp"] < day + timedelta(days=1))]
    assert [visit.at for visit in that_day.timeline] == sorted(visit.at for visit in that_day.timeline)
    first = that_day.timeline[0]
    assert first.at == day_visits["timestamp"].min().to_pydatetime() and first.item_id == str(
        day_visits["item_id"].iloc[0]
    )
    assert f"{first.label} at {clock_time(first.at.astimezone(day.tzinfo))}" in said
    assert all(a.item_id != b.item_id for a, b in zip(that_day.timeline, that_day.timeline[1:], strict=False))
    # Its places (what "the second one" points at) in the day's order, counted over the whole day.
    assert [place.item_id for place in that_day.places] == list(dict.fromkeys(v.item_id for v in that_day.timeline))
    assert sum(area.visits for area in that_day.areas) == expected or len(that_day.areas) == service_module.HABIT_TOP
    # A longer span has no timeline; a window of hours is named by its times.
    week = services.habits("3", world_now, services.default_place("3"), since=day, until=day + timedelta(days=7))
    assert week.timeline == []
    hours = services.habits(
        "3",
        world_now,
        services.default_place("3"),
        since=first.at - timedelta(hours=2),
        until=first.at + timedelta(hours=2),
    )
    start = (first.at - timedelta(hours=2)).astimezone(day.tzinfo)
    assert describe_habits(hours).startswith(
        f"On {start:%A}, {start:%B} {start.day}, {start:%Y}, between {clock_time(start)}"
    )


def test_a_span_up_to_now_names_today_as_its_last_day() -> None:
    sunday = datetime(2012, 11, 18, 15, 0, tzinfo=NOW.tzinfo)
    span = past_span("what did I do this weekend?", sunday)
    assert span == (datetime(2012, 11, 17, tzinfo=NOW.tzinfo), sunday)  # this weekend so far
    weekend = Habits(user_id="8", visits=0, since=span.since, until=span.until)
    assert "from November 17, 2012 to November 18, 2012" in describe_habits(weekend)
    over = weekend.model_copy(update={"until": datetime(2012, 11, 19, tzinfo=NOW.tzinfo)})  # ends at a midnight
    assert "from November 17, 2012 to November 18, 2012" in describe_habits(over)


def test_a_history_within_one_month_is_said_as_that_month() -> None:
    december = Habits(
        user_id="8", visits=3, first=datetime(2012, 12, 2, tzinfo=UTC), last=datetime(2012, 12, 20, tzinfo=UTC)
    )
    assert describe_habits(december).startswith("From your 3 check-ins (in December 2012)")
    longer = december.model_copy(update={"first": datetime(2012, 4, 3, tzinfo=UTC)})
    assert describe_habits(longer).startswith("From your 3 check-ins (April 2012 to December 2012)")


def test_the_areas_visited_most_are_said_and_counted_from_the_places(services: Service, world_now: datetime) -> None:
    areas = [HabitArea(area="Chelsea", visits=12), HabitArea(area="East Village", visits=5)]
    said = describe_habits(Habits(user_id="8", visits=17, areas=areas))
    assert said.endswith("The areas you go to most: Chelsea (12 visits), East Village (5 visits).")
    # Asked where ("which neighbourhood do I spend the most time in?"), the areas come first, and only once.
    assert asks_about_areas("which neighbourhood do I spend the most time in?")
    assert not asks_about_areas("what do I usually do on Saturdays?")
    first = describe_habits(Habits(user_id="8", visits=17, areas=areas), areas_first=True)
    assert first.startswith("The areas you go to most: Chelsea") and first.count("The areas") == 1
    assert service_module._wider_area(40.7359, -73.9911) == "elsewhere in Manhattan"  # by Union Square
    assert service_module._wider_area(40.7300, -73.4000) == "farther out"  # Long Island
    habits = services.habits("3", world_now, services.default_place("3"))
    assert sum(area.visits for area in habits.areas) <= habits.visits
    assert [area.visits for area in habits.areas] == sorted((area.visits for area in habits.areas), reverse=True)
    named = {service_module.area_name(place.latitude, place.longitude) for place in habits.places}
    assert named - {None} <= {area.area for area in habits.areas} or len(habits.areas) == service_module.HABIT_TOP


def test_asked_which_places_the_most_visited_places_come_first(services: Service, world_now: datetime) -> None:
    asked_places = ("what's my most visited place?", "where do I go the most?", "which places do I visit most?")
    for asked in (*asked_places, "what are my top 3 places?"):
        assert asks_about_places(asked), asked
    for asked in ("¿cuál es mi lugar más visitado?", "¿a dónde voy más?", "quel est mon lieu le plus visité ?"):
        assert asks_about_places(read(asked).text), asked
    for asked in ("what do I usually do on Saturdays?", "where do I go on Fridays?", "what's the most popular bar?"):
        assert not asks_about_places(asked), asked
    habits = services.habits("3", world_now, services.default_place("3"))
    assert habits.places
    first = describe_habits(habits, places_first=True)
    top = habits.places[0]
    assert first.startswith(
        f"Your most visited place{'s are' if int(habits.places[1].score) == int(top.score) else ' is'}"
    )
    assert top.label in first.split(".")[0] and first.count(top.label) == 1
    assert "Your most visited places:" not in first and "you go most to" in first  # the kinds follow, once
    # Tied places are named together, each count said once.
    tied = habits.model_copy(update={"places": [p.model_copy(update={"score": 4.0}) for p in habits.places[:2]]})
    said = describe_habits(tied, places_first=True)
    assert said.startswith(
        f"Your most visited places are {tied.places[0].label} and {tied.places[1].label} (4 visits each)"
    )


def test_a_change_of_taste_states_both_shares_of_each_kind_that_moved() -> None:
    start = datetime(2012, 5, 28, tzinfo=UTC)
    bars = KindShift(kind="Bar", recent=8, earlier=0, recent_share=0.4, earlier_share=0.0)
    offices = KindShift(kind="Office", recent=4, earlier=30, recent_share=0.2, earlier_share=0.5)
    change = InterestChange(
        recent_from=start, recent_to=start + timedelta(days=30), recent_visits=20, earlier_visits=60,
        more=[bars], fewer=[offices],
    )  # fmt: skip
    assert describe_change(change) == (
        "In your latest month (20 check-ins from May 28, 2012 to June 27, 2012, against 60 before), a larger share "
        "of them went to Bars (8 visits, 40%, none before); a smaller share to Offices (4 visits, 20%, against 50% "
        "before)."
    )
    gone = offices.model_copy(update={"recent": 0, "recent_share": 0.0})
    alone = change.model_copy(update={"more": [], "fewer": [gone]})
    assert describe_change(alone).endswith("a smaller share of them went to Offices (none lately, against 50% before).")
    still = change.model_copy(update={"more": [], "fewer": []})
    assert "no kind of place gained or lost much" in describe_change(still)
    few = change.model_copy(update={"earlier_visits": 3})
    assert describe_change(few).startswith("I have too few check-ins of yours to tell a change: 20 check-ins")
    # In the user's language, with the same numbers and names.
    assert describe_change(change, "es") == (
        "En tu último mes (20 check-ins del 28 de mayo de 2012 al 27 de junio de 2012, frente a 60 antes), una parte "
        "mayor fue a bares (8 visitas, 40%, ninguna antes); una parte menor a oficinas (4 visitas, 20%, frente al 50% "
        "antes)."
    )
    assert describe_change(few, "fr").startswith("J'ai trop peu de check-ins de toi pour voir un changement : 20")


def test_the_latest_week_of_a_steady_routine_is_no_change(
    services: Service, world_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "CHANGE_RECENT_DAYS", 7)  # the small world holds four weeks
    habits = services.habits("3", world_now, services.default_place("3"), change=True)
    change = habits.change
    assert change is not None and change.enough
    assert change.recent_visits == habits.visits  # the cards and kinds are the latest week's
    overall = services.habits("3", world_now, services.default_place("3"))
    assert change.recent_visits + change.earlier_visits == overall.visits
    assert change.recent_to == overall.last  # the user's own latest week, however long ago it was
    assert 0 < change.recent_visits < overall.visits / 2
    assert not change.more and not change.fewer  # the same routine every week


@pytest.mark.parametrize(("day", "saturday"), [(10, 3), (11, 3), (12, 10), (17, 10)])
def test_last_weekend_on_a_weekend_is_the_one_before(day: int, saturday: int) -> None:
    now = datetime(2012, 11, day, 15, 0, tzinfo=NOW.tzinfo)  # Saturday 10, Sunday 11, Monday 12, Saturday 17
    span = past_span("where did I go last weekend?", now)
    assert span is not None and span.since == datetime(2012, 11, saturday, tzinfo=NOW.tzinfo)


@pytest.mark.parametrize(
    ("message", "since", "until"),
    [
        # The latest such month begun by now (NOW is November 2012): June of 2012, December of 2011.
        ("where did I go in June?", datetime(2012, 6, 1), datetime(2012, 7, 1)),
        ("and in December?", datetime(2011, 12, 1), datetime(2012, 1, 1)),
        ("what did I do during November", datetime(2012, 11, 1), datetime(2012, 12, 1)),
        ("where was I in March 2012?", datetime(2012, 3, 1), datetime(2012, 4, 1)),
        ("¿Dónde fui en junio?", datetime(2012, 6, 1), datetime(2012, 7, 1)),
        ("Où suis-je allé en juin ?", datetime(2012, 6, 1), datetime(2012, 7, 1)),
    ],
)
def test_a_month_asks_for_that_calendar_month(message: str, since: datetime, until: datetime) -> None:
    assert past_span(message, NOW) == (since.replace(tzinfo=NOW.tzinfo), until.replace(tzinfo=NOW.tzinfo))
    assert extract_request(message, NOW).intent in ("profile", "refine")  # "and in December?" follows one


def test_a_month_counts_only_its_own_visits(services: Service, world_now: datetime) -> None:
    events = services.events()
    assert events is not None
    mine = events[(events["user_id"] == "3") & (events["action"].fillna("visit") == "visit")]
    first = mine["timestamp"].min().to_pydatetime()
    since = first.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    until = since.replace(year=since.year + since.month // 12, month=since.month % 12 + 1)
    expected = int(((mine["timestamp"] >= since) & (mine["timestamp"] < until)).sum())
    assert 0 < expected < len(mine)
    month = services.habits("3", world_now, services.default_place("3"), since=since, until=until)
    assert month.visits == expected
    assert describe_habits(month).startswith(f"In {since:%B %Y} you have {expected:,} check-in")
    # A month without visits: said plainly, with the span the visits cover.
    before = since.replace(year=since.year - 1)
    after = until.replace(year=until.year - 1)
    empty = services.habits("3", world_now, services.default_place("3"), since=before, until=after)
    assert empty.visits == 0
    said = f"I have no check-ins of yours in {before:%B %Y}; the ones I have are from"
    assert describe_habits(empty).startswith(said)


def test_a_month_is_the_users_own_latest_such_month_when_their_visits_end_earlier() -> None:
    years_later = NOW.replace(year=2026)
    span = past_span("where did I go in June?", years_later, latest=NOW)
    assert span == (datetime(2012, 6, 1, tzinfo=NOW.tzinfo), datetime(2012, 7, 1, tzinfo=NOW.tzinfo))
    assert past_span("where did I go in June?", years_later) == (
        datetime(2026, 6, 1, tzinfo=NOW.tzinfo),
        datetime(2026, 7, 1, tzinfo=NOW.tzinfo),
    )


@pytest.mark.parametrize(
    ("language", "overall", "sliced"),
    [
        (
            "en",
            "From your 68 check-ins at 10 places (May 2012 to December 2012), you go most to Bars (8 visits, mostly "
            "Friday evenings). The areas you go to most: East Village (12 visits).",
            "On Friday evenings you have 20 of your 68 check-ins (29%); you go most to Bars (8 visits). Your most "
            "visited places then: Hop Bar (5 visits).",
        ),
        (
            "es",
            "De tus 68 check-ins en 10 sitios (de mayo de 2012 a diciembre de 2012), vas sobre todo a bares (8 "
            "visitas, sobre todo los viernes al anochecer). Las zonas a las que más vas: East Village (12 visitas).",
            "Los viernes al anochecer tienes 20 de tus 68 check-ins (29%); vas sobre todo a bares (8 visitas). Tus "
            "sitios más visitados en esos momentos: Hop Bar (5 visitas).",
        ),
        (
            "fr",
            "D'après tes 68 check-ins dans 10 lieux (mai 2012 – décembre 2012), tu vas surtout : bars (8 visites, "
            "surtout le vendredi soir). Les quartiers où tu vas le plus : East Village (12 visites).",
            "Le vendredi soir, tu as 20 de tes 68 check-ins (29%) ; tu vas surtout : bars (8 visites). Tes lieux les "
            "plus visités à ces moments-là : Hop Bar (5 visites).",
        ),
    ],
)
def test_habits_are_said_in_the_users_language(language: str, overall: str, sliced: str) -> None:
    bars = HabitKind(kind="Bar", visits=8, weekday="Friday", daypart="evening")
    habits = Habits(
        user_id="8",
        visits=68,
        place_count=10,
        first=datetime(2012, 5, 3, tzinfo=UTC),
        last=datetime(2012, 12, 20, tzinfo=UTC),
        kinds=[bars],
        areas=[HabitArea(area="East Village", visits=12)],
    )
    assert describe_habits(habits, language=language) == overall
    hop = Suggestion(
        item_id="v1",
        name="Hop Bar",
        category="Bar",
        latitude=40.7,
        longitude=-74.0,
        rank=1,
        score=5.0,
        distance_km=0.0,
        is_return=True,
        evidence=["5 visits"],
    )
    friday = Habits(
        user_id="8", visits=20, all_visits=68, weekday="Friday", daypart="evening", kinds=[bars], places=[hop]
    )
    assert describe_habits(friday, language=language) == sliced


def test_a_day_never_says_fewer_check_ins_than_it_lists() -> None:
    # "Halloween night": the night's count (2), but the span from 5 pm holds 4 check-ins, each listed.
    evening = datetime(2012, 10, 31, 17, tzinfo=NOW.tzinfo)
    listed = [HabitVisit(item_id=f"v{n}", label=f"Place {n}", at=evening + timedelta(hours=2 * n)) for n in range(4)]
    night = Habits(user_id="8", visits=2, since=evening, until=evening + timedelta(hours=12), timeline=listed)
    said = describe_habits(night)
    assert "you have 4 check-ins: Place 0 at 5 pm" in said


@pytest.mark.parametrize(
    ("language", "bakery", "cinema", "home"),
    [
        ("en", "Crumbs Bake Shop (Bakery) at 2:49 pm", "AMC Lincoln Square 13 (Movie Theater) at 7:45 pm", "a Home"),
        ("es", "Crumbs Bake Shop (panadería) a las 14:49", "AMC Lincoln Square 13 (cine) a las 19:45", "una casa"),
        ("fr", "Crumbs Bake Shop (boulangerie) à 14:49", "AMC Lincoln Square 13 (cinéma) à 19:45", "un domicile"),
    ],
)
def test_each_stop_of_a_day_says_its_kind_unless_its_name_does(
    language: str, bakery: str, cinema: str, home: str
) -> None:
    # "What did I do yesterday?": the day in time order, each stop with its kind as a list of check-ins says it, but
    # never twice ("Famous Deli", "MTA Subway - 96th St", "a Home (private)" say theirs).
    tz = ZoneInfo("America/New_York")
    day = datetime(2012, 12, 4, tzinfo=tz)
    stops = [
        ("Famous Deli", "Deli / Bodega", 3, 48),
        ("MTA Subway - 96th St (1/2/3)", "Metro Station", 9, 5),
        ("Crumbs Bake Shop", "Bakery", 14, 49),
        ("AMC Lincoln Square 13", "Movie Theater", 19, 45),
        ("a Home (private)", "Home (private)", 23, 30),
    ]
    timeline = [
        HabitVisit(item_id=f"v{n}", label=label, kind=kind, at=day.replace(hour=hour, minute=minute))
        for n, (label, kind, hour, minute) in enumerate(stops)
    ]
    habits = Habits(user_id="8", visits=5, since=day, until=day + timedelta(days=1), timeline=timeline)
    said = describe_habits(habits, language=language)
    assert bakery in said and cinema in said
    assert "Famous Deli " in said and "Famous Deli (" not in said
    assert "96th St (1/2/3) " in said and "(1/2/3) (" not in said
    assert f"{home} (" in said and said.count("(") == 4  # 2 kinds, the home's "(private)", the subway's "(1/2/3)"
    # A day of one kind ("where did I go for drinks yesterday?") leaves out the kind that the answer is of.
    bars = Habits(
        user_id="8",
        visits=1,
        kind="Bar",
        since=day,
        until=day + timedelta(days=1),
        timeline=[HabitVisit(item_id="b", label="Blondies", kind="Bar", at=day.replace(hour=22))],
    )
    assert "Blondies (" not in describe_habits(bars, language=language)


def test_visits_to_one_place_in_a_stretch_are_said_with_the_stretch() -> None:
    tz = ZoneInfo("America/New_York")
    november = PastSpan(datetime(2012, 11, 1, tzinfo=tz), datetime(2012, 12, 1, tzinfo=tz))
    last = datetime(2012, 11, 29, 22, tzinfo=tz)
    said = describe_place_visits_then("Broadway Deli", 15, last, november)
    assert said == "You went to **Broadway Deli** 15 times in November 2012, last on November 29, 2012."
    assert describe_place_visits_then("Broadway Deli", 1, last, november).startswith(
        "You went to **Broadway Deli** once"
    )
    assert (
        describe_place_visits_then("Shake Shack", 0, None, november)
        == "You didn't go to **Shake Shack** in November 2012."
    )
    this_month = PastSpan(datetime(2012, 12, 1, tzinfo=tz))
    assert describe_place_visits_then("Shake Shack", 0, None, this_month) == (
        "You haven't been to **Shake Shack** since December 1, 2012."
    )
    spanish = describe_place_visits_then("Broadway Deli", 15, last, november, "es")
    assert (
        spanish == "Fuiste a **Broadway Deli** en noviembre de 2012: 15 visitas, la última el 29 de noviembre de 2012."
    )


def test_spanish_and_french_habits_say_kinds_and_unnamed_places_in_their_words() -> None:
    homes = HabitKind(kind="Home (private)", visits=62, weekday="Sunday", daypart="night")
    delis = HabitKind(kind="Deli / Bodega", visits=8, weekday="Monday", daypart="afternoon")
    home = Suggestion(
        item_id="h1", name="", category="Home (private)", latitude=40.7, longitude=-74.0, rank=1, score=62.0,
        distance_km=0.0, is_return=True, evidence=["62 visits"],
    )  # fmt: skip
    habits = Habits(user_id="8", visits=70, kinds=[homes, delis], places=[home])
    spanish = describe_habits(habits, language="es")
    assert "vas sobre todo a casas (privadas) (62 visitas" in spanish and "delis y colmados (8 visitas" in spanish
    assert "una casa (privada) (62 visitas)" in spanish
    french = describe_habits(habits, language="fr")
    assert "tu vas surtout : domiciles (privés) (62 visites" in french and "un domicile (privé) (62 visites)" in french
    english = describe_habits(habits)
    assert "you go most to Homes (private) (62 visits" in english and "a Home (private) (62 visits)" in english
    # One kind asked about: "places to eat and drink", and its kinds, in the language.
    dining = Habits(user_id="8", visits=96, kind="Dining and Drinking", place_count=20, kinds=[delis])
    assert describe_habits(dining, language="es").startswith("Tienes 96 check-ins en sitios para comer y beber")
    assert describe_habits(dining, language="fr").startswith("Tu as 96 check-ins dans des lieux où manger et boire")
    assert describe_habits(dining).startswith("You have 96 check-ins at places to eat and drink")


def test_what_the_user_told_is_said_in_their_language() -> None:
    since = datetime(2012, 5, 1, tzinfo=UTC)
    fast_food = ActivePreference(
        kind=PreferenceKind.MUTE_CATEGORY, target="Fast Food", label="fast food", id=1, since=since
    )
    bars = ActivePreference(
        kind=PreferenceKind.BOOST_CATEGORY, target="Sports Bar", label="sports bars", id=2, since=since
    )
    assert "nada de sitios de comida rápida; más bares deportivos" in describe_preferences([fast_food, bars], "es")
    assert "pas de fast-foods; plus de bars sportifs" in describe_preferences([fast_food, bars], "fr")
    assert describe_preferences([fast_food, bars]).startswith("You told me: no fast food; more sports bars")
    hotels = ActivePreference(kind=PreferenceKind.MUTE_CATEGORY, target="Hotel", label="hotels", id=3, since=since)
    assert "pas d'hôtels" in describe_preferences([hotels], "fr")


@pytest.mark.parametrize(
    "message",
    [
        "what time do i usually get coffee?",
        "which nights do i usually go clubbing",
        "which day do i go to the bar most?",
        "what days of the week do i go to the gym?",
        "when am i usually at eataly?",
        "when do i usually go to crumbs?",
        "how often do i go there on tuesdays?",
        "¿a qué hora suelo tomar café?",
        "¿qué días voy al gimnasio?",
        "à quelle heure je vais au café d'habitude ?",
        "quels soirs est-ce que je vais en boîte ?",
    ],
)
def test_questions_of_when_the_user_goes_ask_about_their_own_rhythm(message: str) -> None:
    assert asks_when(message)
    assert extract_request(message, NOW).intent == "profile"


@pytest.mark.parametrize(
    "message",
    [
        "what time is it",
        "what time does the met close",
        "what time should i go to katz's",
        "when do i need to leave for the airport",
        "where do i usually go on saturdays?",
        "how often do i go to eataly?",
        "what did i do yesterday?",
        "coffee at what time works for you?",
    ],
)
def test_other_questions_are_no_rhythm_questions(message: str) -> None:
    assert not asks_when(message)


def _rhythm_habits(by_weekday: list[int], by_hour: list[int], **fields: object) -> Habits:
    visits = sum(by_weekday)
    latest = datetime(2012, 11, 23, 14, tzinfo=UTC)
    rhythm = VisitRhythm(by_weekday=by_weekday, by_hour=by_hour)
    return Habits(user_id="8", visits=visits, all_visits=visits, latest=latest, rhythm=rhythm, **fields)


def test_a_places_rhythm_says_its_days_and_hours_with_their_counts() -> None:
    hours = [0] * 24
    hours[14], hours[13] = 61, 9
    habits = _rhythm_habits([14, 15, 14, 13, 14, 0, 0], hours, place="Eataly")
    assert describe_habits(habits) == (
        "You've been to **Eataly** 70 times, the latest on November 23, 2012: mostly on weekdays (70 of 70); "
        "mostly between 2 pm and 3 pm (61 of 70)."
    )
    es = describe_habits(habits, language="es")
    assert "entre semana (70 de 70)" in es and "entre las 14:00 y las 15:00 (61 de 70)" in es


def test_a_kinds_rhythm_names_the_few_days_that_hold_most_visits_or_none() -> None:
    hours = [0] * 24
    hours[18], hours[22], hours[2] = 17, 16, 17
    clubs = _rhythm_habits([0, 0, 0, 14, 14, 14, 8], hours, kind="Night Club")
    said = describe_habits(clubs)
    assert "mostly on Thursdays, Fridays and Saturdays (42 of 50)" in said
    assert "no one time of day stands out" in said  # 6 pm, 10 pm and 2 am: no three hours in a row hold 60%
    spread = _rhythm_habits([3, 3, 3, 3, 3, 3, 3], [1] * 21 + [0] * 3, kind="Cafe")
    assert "no one day of the week stands out" in describe_habits(spread)


def test_two_stretches_of_the_day_that_hold_most_visits_are_both_said() -> None:
    hours = [0] * 24  # coffee before work and again around lunch: no three hours in a row hold 60%
    for hour, visits in {8: 2, 9: 9, 10: 12, 11: 8, 12: 7, 13: 8, 14: 4, 15: 3, 16: 1, 17: 2}.items():
        hours[hour] = visits
    coffee = _rhythm_habits([12, 2, 14, 14, 11, 2, 1], hours, kind="Cafe")
    said = describe_habits(coffee)
    assert "mostly mornings between 9 am and 11 am (21) and midday between 11 am and 3 pm (27) (48 of 56)" in said
    assert "no one time of day stands out" not in said
    assert "por la mañana entre las 09:00 y las 11:00 (21) y a mediodía" in describe_habits(coffee, language="es")
    assert "le matin entre 09:00 et 11:00 (21) et le midi" in describe_habits(coffee, language="fr")
    spread = _rhythm_habits([3, 3, 3, 3, 3, 3, 3], [1] * 21 + [0] * 3, kind="Cafe")
    assert "no one time of day stands out" in describe_habits(spread)  # no two stretches hold most


def test_mostly_is_said_of_a_kinds_usual_time_only_when_it_holds_half_its_visits() -> None:
    spread = HabitKind(kind="Gym", visits=12, weekday="Wednesday", daypart="afternoon", slot_visits=2)
    usual = HabitKind(kind="Bar", visits=8, weekday="Friday", daypart="evening", slot_visits=5)
    once = HabitKind(kind="Grocery Store", visits=1, weekday="Monday", daypart="afternoon", slot_visits=1)
    habits = Habits(user_id="8", visits=21, kinds=[spread, usual, once])
    said = describe_habits(habits)
    assert "Gyms (12 visits, at no one time in particular)" in said
    assert "Bars (8 visits, mostly Friday evenings)" in said
    assert "Grocery Stores (1 visit)" in said and "mostly Monday" not in said


@pytest.mark.parametrize(
    ("message", "day"),
    [
        ("where did i go on saturday september 15", datetime(2012, 9, 15)),
        ("what did i do on friday september 14", datetime(2012, 9, 14)),
        ("where was i on june 7", datetime(2012, 6, 7)),
        ("where did i go on the 3rd of march?", datetime(2012, 3, 3)),
        ("where was i on dec 25?", datetime(2011, 12, 25)),  # the latest December 25 by now
    ],
)
def test_a_calendar_date_asks_about_that_day_not_the_last_such_weekday(message: str, day: datetime) -> None:
    now = datetime(2012, 10, 12, 18, 30, tzinfo=ZoneInfo("America/New_York"))
    start = day.replace(tzinfo=now.tzinfo)
    assert past_span(message, now) == PastSpan(start, start + timedelta(days=1))


def test_a_calendar_date_with_a_meal_asks_about_that_part_of_the_day() -> None:
    now = datetime(2012, 10, 12, 18, 30, tzinfo=ZoneInfo("America/New_York"))
    span = past_span("where was i on sept 13 at lunch", now)
    assert span is not None and (span.since.day, span.since.hour, span.until.hour) == (13, 12, 17)
    assert past_span("dinner on june 7?", now) is None  # a plan, not a question about the past


_NY = ZoneInfo("America/New_York")


def _on_date(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=_NY)


@pytest.mark.parametrize(
    ("message", "asked", "against"),
    [
        # Two named months, the one asked first; a month not yet begun this year is last year's.
        (
            "do i go out less in november than in august?",
            Period(_on_date(2012, 11), _on_date(2012, 12)),
            Period(_on_date(2012, 8), _on_date(2012, 9)),
        ),
        (
            "what did I do differently in october than in september",
            Period(_on_date(2012, 10), _on_date(2012, 11)),
            Period(_on_date(2012, 9), _on_date(2012, 10)),
        ),
        ("this month vs last month", Period(_on_date(2012, 11), None), Period(_on_date(2012, 10), _on_date(2012, 11))),
        # Seasons: the latest begun by now ("winter" in November is last year's, outside the data).
        (
            "do I go out more in summer than in winter?",
            Period(_on_date(2012, 6), _on_date(2012, 9)),
            Period(_on_date(2011, 12), _on_date(2012, 3)),
        ),
        # "Since the summer": after it, against it, weekends in both; "since September": from then on, against before.
        (
            "have my weekends changed since the summer?",
            Period(_on_date(2012, 9), None, weekend=True),
            Period(_on_date(2012, 6), _on_date(2012, 9), weekend=True),
        ),
        ("have I changed since september?", Period(_on_date(2012, 9), None), Period(None, _on_date(2012, 9))),
        (
            "did I go out more in 2012 than 2011",
            Period(_on_date(2012, 1), _on_date(2013, 1)),
            Period(_on_date(2011, 1), _on_date(2012, 1)),
        ),
        # Two slices of the week over the same stretch.
        ("weekends vs weekdays, where do I go?", Period(weekend=True), Period(workweek=True)),
        ("how are my weekends different from weekdays?", Period(weekend=True), Period(workweek=True)),
        (
            "weekends vs weekdays since september",
            Period(_on_date(2012, 9), weekend=True),
            Period(_on_date(2012, 9), workweek=True),
        ),
    ],
)
def test_a_change_question_names_two_periods_of_the_users_past(message: str, asked: Period, against: Period) -> None:
    now = datetime(2012, 11, 28, 12, tzinfo=_NY)
    assert change_periods(read(message).text, now) == (asked, against)


def test_lately_and_than_before_are_the_latest_month_of_visits_against_all_before() -> None:
    now = datetime(2012, 11, 28, 12, tzinfo=_NY)
    latest = datetime(2012, 11, 10, 20, tzinfo=_NY)  # quiet since: the month ends at the last visit
    for message in ("am I going out less lately?", "do I go to bars more than I used to?", "how has my taste changed?"):
        asked, against = change_periods(read(message).text, now, latest)
        assert asked == Period(latest - timedelta(days=30), None)
        assert against == Period(None, latest - timedelta(days=30))


def _period(since: datetime | None, until: datetime | None, visits: int, **rest: object) -> PeriodHabits:
    return PeriodHabits(since=since, until=until, visits=visits, weeks=4.0, **rest)  # type: ignore[arg-type]


def test_two_periods_are_said_side_by_side_with_rates_places_and_shares() -> None:
    november = _period(
        _on_date(2012, 11), _on_date(2012, 12), 16, kinds=[KindCount(kind="Bar", visits=8)],
        places=[PlaceCount(label="Pacha NYC", visits=6)],
    )  # fmt: skip
    august = _period(_on_date(2012, 8), _on_date(2012, 9), 8, places=[PlaceCount(label="Marquee New York", visits=5)])
    bars = KindShift(kind="Bar", recent=8, earlier=1, recent_share=0.5, earlier_share=0.125)
    change = InterestChange(
        recent_from=_on_date(2012, 11), recent_to=_on_date(2012, 12), recent_visits=16, earlier_visits=8, more=[bars],
        asked=november, against=august, new=[PlaceCount(label="Pacha NYC", visits=6)],
        dropped=[PlaceCount(label="Marquee New York", visits=5)], first_visit=_on_date(2012, 4, 3),
        last_visit=_on_date(2012, 11, 27),
    )  # fmt: skip
    assert describe_change(change) == (
        "In November 2012: 16 check-ins, 4.0 a week, most at Bars (8); places: Pacha NYC (6). In August 2012: 8 "
        "check-ins, 2.0 a week; places: Marquee New York (5). So, more often in November 2012: 4.0 check-ins a week "
        "against 2.0. New in November 2012: Pacha NYC (6 visits). Only in August 2012, none since: Marquee New York "
        "(5 visits). In November 2012, a larger share of them went to Bars (8 visits, 50%, against 12% in August "
        "2012)."
    )
    assert describe_change(change, "es").startswith("En noviembre de 2012: 16 check-ins, 4.0 por semana")
    assert "Donc, plus souvent en novembre 2012" in describe_change(change, "fr")
    # Under five visits in a period: its counts, and no shares.
    few = change.model_copy(update={"against": august.model_copy(update={"visits": 3})})
    assert describe_change(few).endswith("That is too few check-ins in August 2012 to tell where a larger or smaller "
                                         "share went.")  # fmt: skip
    # A period the data does not reach: which months the user has instead, nothing invented.
    winter = _period(_on_date(2011, 12), _on_date(2012, 3), 0, in_data=False)
    missing = change.model_copy(update={"against": winter})
    assert describe_change(missing).startswith(
        "I have no check-ins of yours from December 1, 2011 to February 29, 2012: yours run from April 2012 to "
        "November 2012. In November 2012: 16 check-ins"
    )


@pytest.mark.parametrize(
    ("asked", "before", "kept"),
    [
        ("weekdays", "lunch weekends", "lunch"),  # "and on weekdays?" after lunch on weekends
        ("saturday", "dinner", "dinner"),
        ("evening", "saturday", "saturday"),  # "and in the evenings?" after Saturdays
        ("morning", "weekends", "weekends"),
        ("saturday night", "lunch weekdays", ""),  # names both: nothing kept
        ("weekdays", None, ""),
        ("weekdays", "sunday", ""),  # a day for a day
    ],
)
def test_a_follow_up_keeps_the_time_words_it_does_not_change(asked: str, before: str | None, kept: str) -> None:
    assert when_kept(asked, before) == kept


@pytest.mark.parametrize(
    "message",
    [
        "what do I usually do this late?",
        "and this late?",
        "where am I usually at this hour?",
        "what do I do around this time of night",
        "¿qué suelo hacer a estas horas?",
        "¿y tan tarde?",
        "et à cette heure-ci ?",
        "et si tard ?",
    ],
)
def test_this_late_asks_of_the_part_of_the_day_it_is_now(message: str) -> None:
    assert asks_this_hour(message)
    late = datetime(2012, 11, 29, 23, 50, tzinfo=UTC)
    request = extract_request(message, late)
    assert habits_slice(request, late, message).daypart == "night"


@pytest.mark.parametrize(
    "message", ["this is late", "at this point anything", "this time last year", "what time is it"]
)
def test_other_words_of_now_ask_of_no_part_of_the_day(message: str) -> None:
    assert not asks_this_hour(message)


def test_a_few_check_ins_are_listed_not_called_a_habit() -> None:
    # Two check-ins, one at a beach and one at a cinema: what they were, with no "you go most to".
    kinds = [HabitKind(kind=kind, visits=1, weekday="Sunday", daypart="noon") for kind in ("Beach", "Movie Theater")]
    june = datetime(2012, 6, 3, tzinfo=UTC)
    habits = Habits(user_id="455", visits=2, place_count=2, first=june, last=june, kinds=kinds)
    said = describe_habits(habits)
    assert said.startswith("You have only 2 check-ins at 2 places (in June 2012), too few to tell a habit: Beaches")
    assert "go most" not in said
    assert "trop peu" in describe_habits(habits, language="fr")


def test_a_list_of_check_ins_is_the_latest_first_never_after_now_with_kind_and_area(
    services: Service, world_now: datetime
) -> None:
    events = services.events()
    assert events is not None
    mine = events[(events["user_id"] == "3") & (events["action"].fillna("visit") == "visit")]
    at = mine["timestamp"].iloc[len(mine) // 2].to_pydatetime() + timedelta(minutes=1)
    before = mine[mine["timestamp"] <= at].sort_values("timestamp", ascending=False)
    listed = services.habits("3", at, services.default_place("3"), listed=4)
    assert listed.listed == 4 and len(listed.timeline) == 4
    assert [visit.at for visit in listed.timeline] == [t.to_pydatetime() for t in before["timestamp"].iloc[:4]]
    assert all(visit.at <= at and visit.kind and visit.area for visit in listed.timeline)
    said = describe_listed(listed)
    assert said.startswith(f"Your latest 4 check-ins, the latest first (4 of {len(before)}):")
    first = listed.timeline[0]
    local = first.at.astimezone(NOW.tzinfo)
    assert f"- {local:%A}, {local:%B} {local.day}, {local:%Y}, {clock_time(local)}: **{first.label}** (" in said
    assert f"{first.area})" in said and describe_habits(listed) == said
    # At most LISTED_TOP at once, and said so; in Spanish and French too.
    every = services.habits("3", at, services.default_place("3"), listed=500)
    assert every.listed == service_module.LISTED_TOP == len(every.timeline) < len(before)
    assert describe_listed(every).endswith(fixed_text("listed_more", "en").format(top=service_module.LISTED_TOP))
    assert describe_listed(listed, "es").startswith("Tus últimos 4 check-ins, del más reciente al más antiguo")
    assert describe_listed(listed, "fr").startswith("Tes 4 check-ins les plus récents, du plus récent au plus ancien")
    # A span with fewer than asked: all of them, no count against.
    day = first.at.astimezone(NOW.tzinfo).replace(hour=0, minute=0, second=0, microsecond=0)
    until = day + timedelta(days=1)
    that_day = services.habits("3", at, services.default_place("3"), since=day, until=until, listed=20)
    assert describe_listed(that_day).startswith(f"Your {len(that_day.timeline)} check-in")
    assert [visit.at for visit in that_day.timeline] == sorted((v.at for v in that_day.timeline), reverse=True)


def test_an_empty_stretch_listed_names_the_months_the_user_has(services: Service, world_now: datetime) -> None:
    later = world_now + timedelta(days=400)
    empty = services.habits("3", later, services.default_place("3"), since=later - timedelta(days=7), listed=20)
    assert empty.timeline == [] and empty.months and sum(month.visits for month in empty.months) == empty.all_visits
    said = describe_listed(empty)
    assert said.startswith("I have no check-ins of yours since ")
    first = empty.months[0]
    months = "The months I have check-ins of yours in: "
    assert f"{months}{first.month:%B} {first.month:%Y} ({first.visits} check-in" in said
    assert "Los meses en los que tengo check-ins tuyos" in describe_listed(empty, "es")
