"""Questions about one place: which messages are such questions (and which stay requests), the details the service
gives (k-anonymous), the answer code writes, and the turn that resolves "the third one", "it" and names."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from assistant.agent import Assistant
from assistant.place_questions import (
    UNKNOWN_TOPICS,
    UNKNOWN_TOPICS_IN,
    about_all,
    describe_place,
    describe_visits,
    named_words,
    no_details,
    place_question,
    refers_to_place,
    the_first_visited,
    unhonoured,
    visit_dates_asked,
    walking_minutes,
)
from assistant.requests import parse_rules, resolve_when
from assistant.service import PlaceDetails, Service, Suggestion, WeekSlice
from profiles.activity import place_slices, place_visits
from profiles.places import listed_now_as
from profiles.preferences import Preference, PreferenceKind
from prompts import fixed_names, fixed_text
from tests.assistant.world import ScriptedChatModel


@pytest.mark.parametrize(
    ("message", "topics"),
    [
        ("is the third one open now?", ["hours"]),
        # A choice made in so many words: where it is, wished well.
        ("the first one sounds nice, thx!", ["going"]),
        ("lol ok the first one is fine", ["going"]),
        ("sounds good, the second one works", ["going"]),
        ("good call, the second one thx", ["going"]),
        ("how expensive is the first one", ["price"]),
        ("what's the address of the second one", ["address"]),
        ("when is it busiest", ["busy"]),
        ("do they take reservations", ["booking"]),
        ("how far is it", ["distance"]),
        ("is it walkable from here?", ["distance"]),
        ("how many minutes from Penn Station is it?", ["distance"]),
        ("how many blocks away is the second one?", ["distance"]),
        ("is the first one within 300m?", ["distance"]),
        ("is it a good place for kids?", ["amenities", "kind"]),
        # A suggestion picked by its number is asked about, not a new request for its kind.
        ("is the second one a good place for a date?", ["reviews", "kind"]),
        ("would the first one be good for kids?", ["amenities"]),
        ("is the third one a nice spot for brunch?", ["reviews", "kind"]),
        ("is the third one a bar?", ["kind"]),
        ("perfect, I'll go to the second one", ["going"]),
        ("let's try it", ["going"]),
        ("is Joe's Pizza open on sundays?", ["hours"]),
        ("have I been to the fifth one?", ["visits"]),
        ("tell me more about the second one", ["general"]),
        ("do they have wifi?", ["amenities"]),
        ("what's their phone number", ["contact"]),
        ("Are they any good?", ["reviews"]),
        ("was the first one good?", ["reviews"]),
        ("where's that?", ["where"]),
        ("what kind of place is the fourth one?", ["kind"]),
        ("how much is a beer there", ["price"]),
        ("what time does it close", ["hours"]),
        ("what time does the first one close", ["hours"]),
        ("when does Joe's Pizza close on sundays?", ["hours"]),
        ("¿está abierto el segundo?", ["hours"]),
        # What a place is like is no request for romantic places: the data has no word on it.
        ("is it romantic?", ["character"]),
        ("is the first one big?", ["character"]),
        ("what's the vibe like at the second one?", ["character"]),
        ("is it big and cheap?", ["price", "character"]),
        # How long a visit lasts: a check-in says when someone came, never how long they stayed.
        ("the second one, how long would I need there?", ["stay"]),
        ("how much time should I spend at the Met?", ["stay"]),
        ("how long do people stay there?", ["stay"]),
        ("how long would it take to get there?", ["distance"]),
    ],
)
def test_a_question_about_one_place_is_read_with_its_topics(message: str, topics: list[str]) -> None:
    arguments = parse_rules(message)
    assert arguments.intent == "about"
    assert arguments.asks == topics


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("something cheap for lunch around midtown", "recommend"),
        ("anything open late near here?", "recommend"),
        ("something open late", "refine"),  # after dinner ideas: the same ask, late at night
        ("anywhere still open?", "refine"),
        ("is there a bar that's open late?", "recommend"),
        ("is there a cheap bar near here?", "recommend"),
        ("where is a good pizza place", "recommend"),
        ("where is the bar closest to me?", "recommend"),
        ("we'll go to a bar after, any ideas?", "recommend"),
        ("I'll go back to my usual", "recommend"),
        ("where's a good place to watch the game?", "recommend"),
        ("where is a nice spot for brunch?", "recommend"),
        ("what's popular around here", "recommend"),
        ("what's open now?", "refine"),  # as "anywhere still open?": the last ask, now (a new one when none was made)
        ("does anything close to here serve brunch?", "recommend"),
        ("any places with wifi?", "recommend"),
        ("somewhere with outdoor seating", "refine"),  # the same ask, with that (a new one when none was made)
        ("a quiet café in the West Village", "recommend"),
        ("make it cheaper", "refine"),
        ("cheaper ones?", "refine"),
        ("a quiet bar like that one?", "refine"),
        ("why the second one?", "explain"),
        ("what do I usually do on Saturdays?", "profile"),
    ],
)
def test_a_request_for_places_with_a_topic_word_stays_a_request(message: str, intent: str) -> None:
    arguments = parse_rules(message)
    assert arguments.intent == intent
    assert arguments.asks == []


def _facts(**changes: object) -> PlaceDetails:
    fields: dict[str, object] = {
        "item_id": "v1",
        "name": "Café Uno",
        "category": "Coffee Shop",
        "latitude": 40.72,
        "longitude": -74.0,
        "area": "SoHo",
        "distance_km": 0.8,
        "checkins": 40,
        "people": 12,
        "busiest": [WeekSlice(weekday="Saturday", daypart="morning", visits=9)],
        "now": WeekSlice(weekday="Tuesday", daypart="evening", visits=0),
        "your_visits": 0,
    }
    return PlaceDetails(**(fields | changes))


def test_the_answer_says_what_no_data_holds_then_the_asked_facts_first() -> None:
    answer = describe_place(_facts(), ["hours", "price"])
    assert answer.startswith("I don't have opening hours or prices for any place")
    lines = answer.splitlines()
    assert lines[0].endswith("What I know of **Café Uno**:")
    # No hours: when people check in there comes first, the closest the data comes to them.
    assert lines[1].startswith("- 40 check-ins by 12 people") and lines[2] == "- A Coffee Shop in SoHo"
    assert "on Saturday mornings (9)" in answer
    assert "on Tuesday evenings (now): none" in answer and "New to you" in answer
    far = describe_place(_facts(), ["distance"]).splitlines()
    assert far[0] == "What I know of **Café Uno**:"  # a question the data answers gets no apology
    assert far[1].startswith("- 0.8 km from you as the crow flies (roughly 12 minutes on foot)")
    next_door = describe_place(_facts(distance_km=0.05), ["distance"]).splitlines()
    assert "(roughly 1 minute on foot)" in next_door[1]
    # Hoboken to Chelsea is 2 km as the crow flies and no walk at all.
    across = describe_place(_facts(distance_km=2.0, across_the_hudson=True), ["distance"]).splitlines()
    assert across[1] == "- 2.0 km from you as the crow flies"
    # "Is it far from Central Park?": measured from the place named, and said so.
    other = describe_place(_facts(), ["distance"], origin="Central Park").splitlines()
    assert other[1].startswith("- 0.8 km from Central Park as the crow flies")


def test_the_answer_states_no_figure_too_few_people_stand_behind() -> None:
    few = describe_place(_facts(checkins=None, people=None, busiest=[]), ["busy"])
    assert "Too few people have checked in here" in few and "check-ins by" not in few
    withheld = describe_place(
        _facts(now=WeekSlice(weekday="Tuesday", daypart="evening", visits=0), now_withheld=True), []
    )
    assert "by too few people to count" in withheld
    now = WeekSlice(weekday="Sunday", daypart="afternoon", visits=18)
    assert "on Sunday afternoons (now): 18" in describe_place(_facts(now=now), ["busy"])
    # "Is it busy on Sundays?" asked on a Friday: the figure is for the time asked, which is not now.
    asked = describe_place(_facts(now=now), ["busy"], asked_time=True)
    assert "on Sunday afternoons: 18" in asked and "(now)" not in asked
    weekends = WeekSlice(weekday="weekend", daypart=None, visits=7)
    assert "on weekends: 7" in describe_place(_facts(now=weekends), ["busy"], asked_time=True)
    week = describe_place(_facts(busiest=[WeekSlice(weekday=None, daypart="night", visits=5)]), ["busy"])
    assert "busiest at night (5)" in week
    yours = describe_place(_facts(your_visits=3, your_last=datetime(2012, 5, 4, tzinfo=UTC)), ["visits"])
    assert "- You have been here 3 times, last on May 4, 2012" in yours
    # "When did I first go there?": the first visit too, when there is more than one.
    first = datetime(2012, 4, 7, tzinfo=UTC)
    yours = describe_place(_facts(your_visits=3, your_first=first, your_last=datetime(2012, 5, 4, tzinfo=UTC)), [])
    assert "- You have been here 3 times, first on April 7, 2012, last on May 4, 2012" in yours


def test_when_is_it_quiet_names_the_day_parts_with_the_fewest_check_ins() -> None:
    closed = [WeekSlice(weekday=None, daypart=part, visits=0) for part in ("morning", "night")]
    asked = describe_place(_facts(quietest=closed), ["busy"], quiet=True)
    assert "; fewest in the mornings and at night (none: it may well be closed then);" in asked
    # Only when asked: "is it busy?" gets the busiest times alone.
    assert "fewest" not in describe_place(_facts(quietest=closed), ["busy"])
    few = [WeekSlice(weekday=None, daypart="afternoon", visits=0)]
    withheld = describe_place(_facts(quietest=few, quietest_withheld=True), ["busy"], quiet=True)
    assert "fewest in the afternoons (a few, by too few people to count)" in withheld
    counted = describe_place(_facts(quietest=[WeekSlice(weekday=None, daypart="evening", visits=6)]), [], quiet=True)
    assert "fewest in the evenings (6)" in counted


def test_a_superlative_one_names_no_place() -> None:
    assert named_words("the cheapest one?") == ""  # not the catalogue's "One Liberty Plaza"
    assert named_words("is Joe's Pizza open now?") == "Joe's Pizza"
    assert named_words("how far is Katz's from here?") == "Katz's"  # the place a distance is measured from
    assert named_words("how far on foot?") == ""  # not "Foot Care Center"
    assert named_words("where's the nearest halal guys") == "halal guys"
    assert unhonoured("the halal guys cart, how far?") == []  # a name, not a diet
    assert named_words("how many times did i go to applebees last month") == "applebees"  # not "applebees last month"
    assert named_words("is Katz's busy on Sundays?") == "Katz's"  # nor the time asked about
    assert named_words("what's Lucky Dog like?") == "Lucky Dog"
    assert place_question("what's Lucky Dog like?", picked=False, kind_named=False) == ("general",)
    # A dog in a place's name is no dog brought along; one said as such is.
    assert "amenities" not in place_question(
        "going to the grey dog later, what do you know about it", picked=False, kind_named=False
    )
    assert "amenities" not in place_question("tell me about mad dog & beans", picked=False, kind_named=False)
    assert place_question("can I bring my dog?", picked=False, kind_named=False) == ("amenities",)
    assert place_question("is it dog friendly?", picked=False, kind_named=False) == ("amenities",)
    assert named_words("when was the last time") == ""  # not "Time Life"
    assert named_words("have i been to the strand lately") == "strand"
    assert named_words("is Time Out Market busy?") == "Time Out Market"  # "time" of a name stays
    assert the_first_visited("what was my first check in ever")
    assert not the_first_visited("my first check-in at Joe's Pizza")  # a place named: its visits
    assert not the_first_visited("the first one")


def test_walking_time_is_only_given_within_a_walk() -> None:
    assert walking_minutes(0.8) == 12
    assert walking_minutes(0.01) == 1
    assert walking_minutes(5.0) is None


def test_place_details_count_everyones_visits_and_release_only_k_anonymous_figures(
    services: Service, world_now: datetime
) -> None:
    events = services.events()
    assert events is not None
    busiest_item = str(events["item_id"].value_counts().index[0])
    visits = place_visits(events, busiest_item)
    here = services.default_place("3")
    details = services.place_details("3", busiest_item, world_now, here)
    least = services.settings.privacy.insights_min_users
    people = visits["user_id"].nunique()
    assert (details.checkins, details.people) == ((len(visits), people) if people >= least else (None, None))
    slices = place_slices(visits)
    released = {(s.weekday, s.daypart): s.visits for s in details.busiest}
    for row in slices.itertuples(index=False):
        if row.users < least:
            assert released.get((row.weekday, row.daypart)) is None
    assert details.your_visits == int((visits["user_id"] == "3").sum())
    # "Is it busy on weekends?": every Saturday and Sunday visit, whatever the day part.
    weekend = services.place_details("3", busiest_item, world_now, here, weekend=True)
    on_weekends = visits[(visits["hour_of_week"] // 24).isin([5, 6])]
    assert (weekend.now.weekday, weekend.now.daypart) == ("weekend", None)
    # Released only when enough different people are behind it, each counted once over both days.
    people_then = on_weekends["user_id"].nunique()
    assert weekend.now_withheld == (0 < people_then < least)
    assert weekend.now.visits == (0 if weekend.now_withheld else len(on_weekends))
    with pytest.raises(ValueError, match="item_id"):
        services.place_details("3", "no-such-place", world_now, here)


def test_the_quietest_day_parts_are_the_fewest_visited_and_k_anonymous(services: Service, world_now: datetime) -> None:
    events = services.events()
    assert events is not None
    least = services.settings.privacy.insights_min_users
    here = services.default_place("3")
    checked = 0
    for item_id in events["item_id"].value_counts().index[:12]:
        visits = place_visits(events, str(item_id))
        details = services.place_details("3", str(item_id), world_now, here)
        if visits["user_id"].nunique() < least:
            assert details.quietest == []
            continue
        by_part = place_slices(visits, by_weekday=False).set_index("daypart")
        counts = {part: int(by_part["visits"].get(part, 0)) for part in ("morning", "afternoon", "evening", "night")}
        fewest = min(counts.values())
        assert {item.daypart for item in details.quietest} == {part for part, n in counts.items() if n == fewest}
        users = max(int(by_part["users"].get(item.daypart, 0)) for item in details.quietest)
        assert details.quietest_withheld == (0 < users < least)
        assert all(item.visits == (0 if details.quietest_withheld else fewest) for item in details.quietest)
        checked += 1
    assert checked


def test_a_question_about_a_suggestion_is_answered_by_code_about_that_place(
    services: Service, polite: ScriptedChatModel, world_now: datetime
) -> None:
    assistant = Assistant(services, polite)
    listed = assistant.chat("3", "a gym please", at=world_now)
    assert len(listed.items) >= 2
    written = len(polite.calls)
    second = listed.items[1]
    turn = assistant.chat("3", "is the second one open now?", at=world_now)
    assert len(polite.calls) == written  # the LLM writes none of it
    assert [call.name for call in turn.trace] == ["place_details"]
    assert turn.details is not None and turn.details.item_id == second.item_id
    assert turn.text.startswith("I don't have opening hours") and f"**{second.label}**" in turn.text
    # "It" is the place just talked about, not the first of the list.
    follow = assistant.chat("3", "how far is it?", at=world_now)
    assert follow.details is not None and follow.details.item_id == second.item_id
    assert follow.text.splitlines()[1].startswith(f"- {second.distance_km:.1f} km from you")
    # A new list makes "it" its first place again.
    fresh = assistant.chat("3", "a gym please", at=world_now)
    again = assistant.chat("3", "does it take reservations?", at=world_now)
    assert again.details is not None and again.details.item_id == fresh.items[0].item_id


def test_picking_a_suggestion_gets_how_to_get_there(
    services: Service, polite: ScriptedChatModel, world_now: datetime
) -> None:
    assistant = Assistant(services, polite)
    listed = assistant.chat("3", "a gym please", at=world_now)
    second = listed.items[1]
    turn = assistant.chat("3", "perfect, I'll go to the second one", at=world_now)
    assert turn.details is not None and turn.details.item_id == second.item_id
    lines = turn.text.splitlines()
    assert lines[0] == f"Enjoy **{second.label}**! What I know of **{second.label}**:"
    assert lines[1].startswith(f"- {second.distance_km:.1f} km from you") and "openstreetmap.org" in lines[2]


def test_a_question_about_every_shown_place_that_no_data_answers_asks_nothing_back(
    services: Service, polite: ScriptedChatModel, world_now: datetime
) -> None:
    assistant = Assistant(services, polite)
    assistant.chat("3", "a gym please", at=world_now)
    turn = assistant.chat("3", "do any of these have outdoor seating?", at=world_now)
    assert turn.text.startswith("I don't have amenities") and "Which place" not in turn.text
    # Said once for all of them, with no card of one of them under it.
    for question, topic in (("any of them take reservations?", "booking"), ("which one is the oldest?", "history")):
        answer = assistant.chat("3", question, at=world_now)
        assert answer.text == no_details([UNKNOWN_TOPICS[topic]]) and not answer.trace


def test_asked_whether_any_shown_place_is_open_late_each_ones_checkins_then_are_counted(
    services: Service, polite: ScriptedChatModel, world_now: datetime
) -> None:
    assistant = Assistant(services, polite)
    shown = assistant.chat("3", "coffee please", at=world_now).items
    assert shown
    written = len(polite.calls)
    turn = assistant.chat("3", "any of these open late?", at=world_now)
    assert turn.request is not None and turn.request.asks == ["hours"] and len(polite.calls) == written  # code says it
    assert [call.name for call in turn.trace] == ["place_details"] * len(shown)
    late = resolve_when("late night", world_now)
    assert late is not None and all(call.arguments["at"] == late.isoformat() for call in turn.trace)
    assert turn.text.startswith(no_details([UNKNOWN_TOPICS["hours"]]) + " Check-ins on ")
    assert all(f"**{item.label}**" in turn.text for item in shown)
    # Each place's count is its own: the details the service gives for that night.
    for item in shown:
        details = services.place_details("3", item.item_id, late, services.default_place("3"))
        if details.now.visits and not details.now_withheld:
            assert f"**{item.label}** {details.now.visits}" in turn.text
    # A question about one of them still gets its card, and "it" is not moved by the list's question.
    one = assistant.chat("3", "is the first one open now?", at=world_now)
    assert one.details is not None and one.details.item_id == shown[0].item_id
    # "Open now?" alone, right after a list, is asked of all of it; so is "cheapest?" (said to be unknown).
    assistant.chat("3", "coffee please", at=world_now)
    bare = assistant.chat("3", "open now?", at=world_now)
    assert [call.name for call in bare.trace] == ["place_details"] * len(shown)
    cheapest = assistant.chat("3", "cheapest?", at=world_now)
    assert cheapest.text == no_details([UNKNOWN_TOPICS["price"]])


def test_a_question_about_no_place_asks_which_one(
    services: Service, polite: ScriptedChatModel, world_now: datetime
) -> None:
    turn = Assistant(services, polite).chat("3", "is it open now?", at=world_now)
    assert turn.details is None and not turn.trace
    assert turn.text.startswith("I don't have opening hours") and "Which place do you mean?" in turn.text


def test_asking_for_a_kind_the_user_muted_says_so(
    services: Service, polite: ScriptedChatModel, world_now: datetime
) -> None:
    services.set_preference("3", Preference(kind=PreferenceKind.MUTE_CATEGORY, target="Gym"), world_now)
    turn = Assistant(services, polite).chat("3", "a gym please", at=world_now)
    assert not turn.items
    assert turn.text.startswith("You told me not to suggest")


@pytest.mark.parametrize(
    "question", ["which of those have I been to?", "which have I never been to?", "which one have I been to most?"]
)
def test_which_of_the_last_list_the_user_has_been_to(
    services: Service, polite: ScriptedChatModel, world_now: datetime, question: str
) -> None:
    assistant = Assistant(services, polite)
    listed = assistant.chat("3", "coffee near here", at=world_now)
    assert listed.items
    turn = assistant.chat("3", question, at=world_now)
    assert not turn.trace and turn.details is None
    for item in listed.items:
        assert f"**{item.label}**" in turn.text
    been = [item for item in listed.items if item.is_return]
    if been:
        assert turn.text.startswith("Of those, you have been to")
        assert been[0].evidence[-1].split(" · ")[0] in turn.text
    else:
        assert turn.text.startswith("None of them")


def test_the_visits_answer_names_each_place_known_or_new() -> None:
    def card(name: str, facts: str) -> Suggestion:
        return Suggestion(
            item_id=name,
            name=name,
            category="Bar",
            latitude=40.7,
            longitude=-74.0,
            rank=1,
            distance_km=0.2,
            is_return=facts.startswith("been"),
            score=1.0,
            evidence=["a reason", f"{facts} · 0.2 km"],
        )

    known, new, other = (
        card("Ace", "been here twice, most recently yesterday"),
        card("Bo", "new to you"),
        card("Cy", "new to you"),
    )
    assert describe_visits([known, new, other]) == (
        "Of those, you have been to **Ace** (been here twice, most recently yesterday); "
        "**Bo** and **Cy** are new to you."
    )
    assert describe_visits([known]) == "Of those, you have been to **Ace** (been here twice, most recently yesterday)."
    assert describe_visits([new, other]) == "All 2 are new to you: you have been to none of them."
    assert describe_visits([new]) == "It is new to you: you have not been there."


def test_a_request_asking_what_no_data_holds_says_so_before_the_places(
    services: Service, polite: ScriptedChatModel, world_now: datetime
) -> None:
    assistant = Assistant(services, polite)
    turn = assistant.chat("3", "somewhere cheap for coffee, open late", at=world_now)
    assert turn.request is not None and turn.request.intent == "recommend" and turn.items
    lead = f"{no_details(['opening hours', 'prices'])} {fixed_text('rest_fits')}"
    assert turn.text.startswith(lead)
    assert all(f"**{item.label}**" in turn.text for item in turn.items)
    assert not polite.calls  # code says it; the LLM writes nothing


def test_anything_open_late_lists_places_people_check_in_at_then_and_says_so(
    services: Service, polite: ScriptedChatModel, world_now: datetime
) -> None:
    assistant = Assistant(services, polite)
    turn = assistant.chat("3", "anything open late near here?", at=world_now)
    assert turn.request is not None and turn.request.at is not None
    recommend = next(call for call in turn.trace if call.name == "recommend")
    assert recommend.arguments["open_then"] is True
    open_then = services.open_then(turn.request.at)
    assert turn.items and all(item.item_id in open_then for item in turn.items)
    # What is known of the hour is said first, whatever is said of the places' distance after it.
    assert turn.text.startswith(f"{no_details(['opening hours'])} {fixed_text('open_then').rstrip(' :')}")
    # Nothing of the kind known to be open then: the best fits all the same, not said to be open then.
    coffee = assistant.chat("3", "any coffee shop open late?", at=world_now)
    assert coffee.items and not all(item.item_id in open_then for item in coffee.items)
    assert coffee.text.startswith(f"{no_details(['opening hours'])} {fixed_text('rest_fits')}")


@pytest.mark.parametrize(
    ("message", "unknown"),
    [
        ("any good rooftop bars?", ["amenities (Wi-Fi, seating, access and the like)"]),
        ("a café with wifi, not too pricey", ["prices", "amenities (Wi-Fi, seating, access and the like)"]),
        ("where can I take the kids?", []),  # children are read as kinds of place: honoured
        ("a kid-friendly brunch spot", []),
        ("late night food near me", ["opening hours"]),  # whether a kitchen is open then
        ("museums that are free?", ["prices"]),
        ("the oldest bar in the city", ["how long places have been open"]),
        # Neither is a price; the diet is no listing's.
        ("a gluten-free bakery, crowd-free", ["halal, kosher or gluten-free labels"]),
        ("fine, halal food nearby?", ["halal, kosher or gluten-free labels"]),
        ("what do people do late at night here?", []),
        ("somewhere with big screens and wings", ["amenities (Wi-Fi, seating, access and the like)"]),
        ("a bar with pool tables and TVs", ["amenities (Wi-Fi, seating, access and the like)"]),
        ("any free events this weekend?", ["prices", "event listings (what is on, where and when)"]),
        ("a concert hall near me", []),
        ("where can i get a good steak tonight? budget isn't an issue", []),  # no price asked for
        ("i'm allergic to nuts, any bakery i can trust?", ["allergen information"]),
    ],
)
def test_what_a_request_asks_that_no_data_holds(message: str, unknown: list[str]) -> None:
    assert unhonoured(message) == unknown


@pytest.mark.parametrize(
    ("message", "every"),
    [
        ("any with outdoor seating?", True),
        ("do they have wifi?", True),
        ("which of those have I been to?", True),
        ("any good ones nearby?", False),  # a request, not a question about the list
        ("is the first one open?", False),
    ],
)
def test_a_question_about_every_place_of_the_list(message: str, every: bool) -> None:
    assert about_all(message) is every


def test_what_no_data_holds_is_named_in_the_reply_language() -> None:
    assert set(UNKNOWN_TOPICS_IN["es"]) == set(UNKNOWN_TOPICS) == set(UNKNOWN_TOPICS_IN["fr"])
    unknown = [UNKNOWN_TOPICS["price"], UNKNOWN_TOPICS["events"]]
    assert no_details(unknown, "fr").startswith("Je n'ai aucune information sur les prix ni sur les événements")
    assert no_details(unknown, "es").startswith("No tengo información sobre los precios ni sobre la agenda de eventos")


def test_an_event_at_a_named_place_asks_for_no_listing() -> None:
    assert unhonoured("heading to a concert at Barclays Center later, drinks before?") == []
    assert unhonoured("any concerts tonight?") == [UNKNOWN_TOPICS["events"]]


@pytest.mark.parametrize(
    "message", ["somewhere to eat after the concert", "drinks before the show", "dinner after the gig tonight"]
)
def test_the_users_own_event_named_with_no_place_asks_for_no_listing(message: str) -> None:
    # "Somewhere to eat after the concert" had opened with "I have no event listings".
    assert unhonoured(message) == []
    assert unhonoured("what events are on this weekend") == [UNKNOWN_TOPICS["events"]]


def test_sitting_outside_is_seating_no_data_holds() -> None:
    assert unhonoured("lunch somewhere I can sit outside") == [UNKNOWN_TOPICS["amenities"]]
    assert unhonoured("can we eat outside there?") == [UNKNOWN_TOPICS["amenities"]]


def test_a_card_says_the_kind_the_listing_gives_today_when_it_differs() -> None:
    cafe_now = "Dining and Drinking > Cafe, Coffee, and Tea House > Café"
    assert listed_now_as("Bar", cafe_now, "Dining and Drinking > Bar") == "Café"
    assert listed_now_as("Bar", "Dining and Drinking > Bar > Pub", "Dining and Drinking > Bar") is None  # a bar still
    assert listed_now_as("Bar", cafe_now, "") is None
    card = describe_place(_facts(category="Bar", listed_as="Café"), ["kind"]).splitlines()
    assert card[1] == "- A Bar in SoHo (a Café by its listing today)"


def test_a_card_is_written_in_the_language_of_the_question() -> None:
    been = _facts(
        your_visits=3, your_first=datetime(2012, 5, 29, tzinfo=UTC), your_last=datetime(2012, 11, 2, tzinfo=UTC)
    )
    spanish = describe_place(been, ["busy"], "es").splitlines()
    assert spanish[0] == "Lo que sé de **Café Uno**:"
    assert spanish[1] == (
        "- 40 check-ins de 12 personas en mis datos; más gente los sábados por la mañana (9); los martes al anochecer"
        " (ahora): ninguno"
    )
    assert "- Cafetería, en SoHo" in spanish and "- A 0.8 km de ti en línea recta (unos 12 minutos a pie)" in spanish
    assert "- Has estado aquí 3 veces, la primera el 29 de mayo de 2012, la última el 2 de noviembre de 2012" in spanish
    french = describe_place(_facts(checkins=None, people=None), ["going"], "fr").splitlines()
    assert french[0] == "Profite bien de **Café Uno** ! Ce que je sais de **Café Uno** :"
    assert "- Nouveau pour toi : aucun check-in de ta part ici" in french
    assert any(line.startswith("- Trop peu de personnes") for line in french)
    # English is as it was.
    english = describe_place(been, ["busy"]).splitlines()
    assert english[1].endswith("busiest on Saturday mornings (9); on Tuesday evenings (now): none")
    assert english[-1] == "- You have been here 3 times, first on May 29, 2012, last on November 2, 2012"


@pytest.mark.parametrize("language", ["es", "fr"])
def test_every_card_text_has_the_english_ones_words_and_fields(language: str) -> None:
    names = [name for name in fixed_names() if name.startswith("card_")]
    assert len(names) >= 25
    for name in names:
        english, other = fixed_text(name, "en"), fixed_text(name, language)
        assert other != english, name  # translated, not the English fallback
        assert other.count("|") == english.count("|"), name
        assert set(re.findall(r"\{\w+\}", other)) == set(re.findall(r"\{\w+\}", english)), name


def test_a_spanish_or_french_card_says_the_kind_in_its_language() -> None:
    card = describe_place(_facts(category="Bar", listed_as="Café"), ["kind"], "fr").splitlines()
    assert card[1] == "- Bar, à SoHo (répertorié aujourd'hui comme café)"
    mexican = describe_place(_facts(category="Mexican Restaurant"), ["kind"], "es").splitlines()
    assert mexican[1] == "- Restaurante mexicano, en SoHo"
    assert describe_place(_facts(category="Mexican Restaurant"), ["kind"]).splitlines()[1] == (
        "- A Mexican Restaurant in SoHo"
    )
    home = _facts(name="", category="Home (private)", area="Astoria")
    assert describe_place(home, ["kind"], "es").splitlines()[:2] == [
        "Lo que sé de **una casa (privada)**:",
        "- Casa (privada), en Astoria",
    ]
    assert describe_place(home, ["kind"]).splitlines()[0] == "What I know of **a Home (private)**:"


@pytest.mark.parametrize(
    "message", ["hmm what was the first one again", "what was the 2nd one again?", "wait what's the 3rd"]
)
def test_what_was_a_ranked_one_again_asks_about_it(message: str) -> None:
    arguments = parse_rules(message)
    assert arguments.intent == "about" and arguments.asks == ["general"] and arguments.pick is not None


@pytest.mark.parametrize(
    ("message", "words"),
    [
        # How many come along names no place ("People Magazine" for "8 people").
        ("good for a big group like 8 people?", ""),
        ("good for 10 ppl?", ""),
        ("good for a party of 10 people?", ""),
        ("is it ok for a group of eight people?", "ok"),
        # Names with such words in them are still names.
        ("is Party City open?", "Party City"),
        ("is People Magazine far?", "People Magazine"),
        ("is The Crowd Lounge busy?", "Crowd Lounge"),
    ],
)
def test_a_party_size_names_no_place(message: str, words: str) -> None:
    assert named_words(message) == words


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        ("every time I went to Ding Dong Lounge in November", True),
        ("list all my visits to Mijana", True),
        ("show me my check-ins at Mijana", True),
        ("which days did I go to Ding Dong Lounge?", True),
        ("on which days was I at Mijana?", True),
        ("when exactly did I go to Mijana?", True),
        # How many, or the last, is no list of days.
        ("how many times have I been to Mijana?", False),
        ("how often do I go to Ding Dong Lounge?", False),
        ("when did I last go to Mijana?", False),
        ("do I go to Mijana a lot?", False),
    ],
)
def test_each_visits_day_is_asked_for_by_a_list_not_by_a_count(message: str, asked: bool) -> None:
    assert visit_dates_asked(message) is asked


def test_a_distance_measured_from_a_guessed_here_is_never_right_where_you_are() -> None:
    # "Right where you are" was said of the user's last check-in or usual place, which is only a guess.
    here = describe_place(_facts(distance_km=0.01), ["distance"]).splitlines()
    assert here[1] == "- Right where you are"
    guessed = describe_place(_facts(distance_km=0.01), ["distance"], guessed_here=True).splitlines()
    assert "only a guess" in guessed[1] and "Right where you are" not in guessed[1]
    assert "suposición" in describe_place(_facts(distance_km=0.01), ["distance"], "es", guessed_here=True)
    # From a place named, it is still "right at" it.
    at = describe_place(_facts(distance_km=0.01), ["distance"], origin="Central Park", guessed_here=True)
    assert "Right at Central Park" in at


@pytest.mark.parametrize(
    ("message", "words", "refers"),
    [
        # "A lot" is how often, not the place "Lot M"; "there" before it still points at the place.
        ("been there a lot lately?", "", True),
        ("been there lots?", "", True),
        ("the park bar i went to once, is it nearby", "park bar", True),
        ("is there a bar near it", "bar", True),
        ("is there a lot of people?", "people", False),
        ("when was i last at lot m", "lot m", False),
        ("i went to once upon a tart", "once upon tart", False),
    ],
)
def test_how_often_is_no_part_of_a_place_name(message: str, words: str, refers: bool) -> None:
    assert named_words(message) == words
    assert refers_to_place(message) is refers


def test_a_card_for_a_later_moment_counts_only_the_checkins_made_by_the_time_it_is_asked(
    services: Service, polite: ScriptedChatModel
) -> None:
    # "Is Crumbs busy on Sunday afternoons?" asked on a Monday: the Sunday shapes the slice, but the user's visits
    # (and everyone's) are those made by Monday, not the ones between Monday and that Sunday.
    events = services.events()
    assert events is not None
    mine = events[events["user_id"].astype(str) == "3"]
    counts = mine["item_id"].astype(str).value_counts()
    places = [services.place(str(id_)) for id_ in counts.index]
    item_id = next(place.item_id for place in places if place is not None and "Home" not in place.category)
    times = mine[mine["item_id"].astype(str) == item_id]["timestamp"].sort_values()
    assert len(times) >= 3
    middle = len(times) // 2
    # Just before a visit: "tomorrow night" lies after it.
    asked = times.iloc[middle + 1] - min((times.iloc[middle + 1] - times.iloc[middle]) / 2, pd.Timedelta(hours=1))
    asked = asked.to_pydatetime()
    later = times.iloc[-1].to_pydatetime()
    here = services.default_place("3")
    details = services.place_details("3", item_id, later, here, known_at=asked)
    assert details.your_visits == int((times <= asked).sum()) < len(times)
    assert details.your_last is not None and details.your_last <= asked
    everyone = place_visits(events[events["timestamp"] <= asked], item_id)
    assert details.checkins in (len(everyone), None)
    # Through the tool: a question about a later time, asked then.
    assistant = Assistant(services, polite)
    place = services.place(item_id)
    assert place is not None
    turn = assistant.chat("3", f"is {place.label} busy tomorrow night?", at=asked)
    assert turn.details is not None and turn.details.item_id == item_id
    assert turn.details.your_visits == int((times <= asked).sum())


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ("is fat cat far from me", "fat cat"),
        ("is south beach far from here?", "south beach"),
        ("and is Katz's close?", "Katz's"),
    ],
)
def test_whether_a_named_place_is_far_asks_its_distance_and_keeps_its_name(message: str, name: str) -> None:
    request = parse_rules(message)
    assert request.intent == "about" and request.asks == ["distance"]
    assert named_words(message) == name


@pytest.mark.parametrize("message", ["are you near", "is there anything near", "is anything close"])
def test_far_or_near_of_no_place_asks_no_distance(message: str) -> None:
    assert parse_rules(message).asks != ["distance"]
