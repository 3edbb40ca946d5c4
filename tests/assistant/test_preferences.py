"""Stated preferences through the service layer: each kind is stored in the log, honoured by the next suggestions
and the context, undone by a later event, kept over a restart and erased by forget; a forget of visits deletes
them everywhere."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.agent import Assistant
from assistant.api import create_api
from assistant.gazetteer import of_area
from assistant.requests import DRINKING_KINDS, MEAT_KINDS, LatLon, read_preference, read_preferences
from assistant.runtime import prepare
from assistant.service import RecommendQuery, Service, Suggestion
from profiles.config import load_settings
from profiles.places import plural
from profiles.preferences import Preference, PreferenceKind
from prompts import fixed_text
from tests.assistant.world import polite_model, world_runtime
from tests.fixtures.world import small_config

OPEN = RecommendQuery(k=10)


def listed(service: Service, user: str, now: datetime, query: RecommendQuery = OPEN) -> list[Suggestion]:
    return service.recommend(user, now, service.default_place(user), query)


def share(items: list[Suggestion], category: str) -> float:
    return sum(item.category == category for item in items) / max(len(items), 1)


def test_a_muted_category_is_never_suggested_until_undone(services: Service, world_now: datetime) -> None:
    before = listed(services, "2", world_now)
    assert any(item.category == "Coffee Shop" for item in before)
    change = services.set_preference("2", Preference(kind=PreferenceKind.MUTE_CATEGORY, target="Cafe"), world_now)
    assert change.stored and change.preference is not None
    for query in (OPEN, RecommendQuery(k=20, surprise=1.0), RecommendQuery(k=20, familiar=True)):
        assert not any(item.category == "Coffee Shop" for item in listed(services, "2", world_now, query))
    context = services.context("2", world_now, services.default_place("2"))
    assert [p.target for p in context.preferences] == ["Cafe"]
    assert all(share.label != "Coffee Shop" for share in context.labels_overall)
    # Stating it again stores nothing; undoing it restores the earlier list.
    assert not services.set_preference("2", Preference(kind=PreferenceKind.MUTE_CATEGORY, target="cafe")).stored
    assert services.undo_preference("2", change.preference.id, world_now) == change.preference
    assert services.preferences("2") == [] and services.undo_preference("2", change.preference.id) is None
    assert [item.item_id for item in listed(services, "2", world_now)] == [item.item_id for item in before]


def test_a_boosted_category_and_places_like_one_go_up(services: Service, world_now: datetime) -> None:
    before = listed(services, "5", world_now)
    services.set_preference("5", Preference(kind=PreferenceKind.BOOST_CATEGORY, target="Gym"), world_now)
    assert share(listed(services, "5", world_now), "Gym") > share(before, "Gym")
    services.clear_preferences("5", world_now)
    jazz = services.items.loc[services.items["category"] == "Jazz Club", "item_id"].iloc[0]
    services.set_preference("5", Preference(kind=PreferenceKind.BOOST_LIKE_PLACE, target=jazz), world_now)
    assert share(listed(services, "5", world_now), "Jazz Club") > share(before, "Jazz Club")
    # Muting what was boosted ends the boost.
    change = services.set_preference("5", Preference(kind=PreferenceKind.HIDE_PLACE, target=jazz), world_now)
    assert [p.kind for p in change.ended] == [PreferenceKind.BOOST_LIKE_PLACE]
    assert [p.kind for p in services.preferences("5")] == [PreferenceKind.HIDE_PLACE]
    assert jazz not in [item.item_id for item in listed(services, "5", world_now, RecommendQuery(k=40))]


def test_one_query_can_ask_for_places_like_one_without_storing_it(services: Service, world_now: datetime) -> None:
    before = listed(services, "5", world_now)
    jazz = services.items.loc[services.items["category"] == "Jazz Club", "item_id"].iloc[0]
    alike = listed(services, "5", world_now, RecommendQuery(k=10, like=[jazz]))
    assert share(alike, "Jazz Club") > share(before, "Jazz Club")
    assert services.preferences("5") == []  # "more like that one" asks once; a stated preference is what lasts
    assert [item.item_id for item in listed(services, "5", world_now)] == [item.item_id for item in before]


def test_the_home_area_is_here_when_no_place_is_given(services: Service, world_now: datetime) -> None:
    home = Preference(kind=PreferenceKind.HOME_AREA, target="Brooklyn", latitude=40.68, longitude=-73.94)
    services.set_preference("3", home, world_now)
    assert (services.default_place("3").latitude, services.default_place("3").longitude) == (40.68, -73.94)
    harlem = home.model_copy(update={"target": "Harlem", "latitude": 40.81})
    change = services.set_preference("3", harlem, world_now)
    assert [p.target for p in change.ended] == ["Brooklyn"]
    assert [p.target for p in services.preferences("3")] == ["Harlem"]


def test_unknown_targets_are_refused_naming_the_field(services: Service) -> None:
    with pytest.raises(ValueError, match="target: unknown place"):
        services.set_preference("1", Preference(kind=PreferenceKind.HIDE_PLACE, target="nowhere"))
    with pytest.raises(ValueError, match="target: no place in the catalogue has the category"):
        services.set_preference("1", Preference(kind=PreferenceKind.MUTE_CATEGORY, target="Aquarium"))
    with pytest.raises(ValueError, match="target: no place in the catalogue is called"):
        services.set_preference("1", Preference(kind=PreferenceKind.HIDE_CHAIN, target="Nowhere Coffee"))
    assert services.preferences("1") == []


def test_no_more_of_a_chain_hides_every_place_of_its_name(
    services: Service, world_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The small world's coffee shops stand for one chain's branches.
    shops = services.items.loc[services.items["category"] == "Coffee Shop", "item_id"].astype(str).tolist()
    name = str(services.items.set_index("item_id").loc[shops[0], "name"])
    real = services.places_named
    monkeypatch.setattr(services, "places_named", lambda names: shops if list(names) == [name] else real(names))
    assert {item.item_id for item in listed(services, "5", world_now, RecommendQuery(k=40))} & set(shops)
    turn = Assistant(services, polite_model()).chat("5", f"don't show me {name} again", at=world_now)
    assert [(p.kind, p.target) for p in services.preferences("5")] == [(PreferenceKind.HIDE_CHAIN, name)]
    assert f"won't suggest any **{name}** again" in turn.text
    assert not {item.item_id for item in listed(services, "5", world_now, RecommendQuery(k=40))} & set(shops)


@pytest.mark.parametrize("said", ["never show me {name} again", "don't suggest {name} again"])
def test_a_chain_named_after_a_list_showing_one_of_its_places_hides_them_all(
    services: Service, world_now: datetime, monkeypatch: pytest.MonkeyPatch, said: str
) -> None:
    # The small world's coffee shops stand for one chain's branches, one of them shown (as a user's own Starbucks is).
    shops = services.items.loc[services.items["category"] == "Coffee Shop", "item_id"].astype(str).tolist()
    chat = Assistant(services, polite_model())
    coffee = chat.chat("5", "coffee", at=world_now, conversation_id="c").items
    shown = [item for item in coffee if item.item_id in shops]
    assert shown
    name = shown[0].label
    real = services.places_named
    monkeypatch.setattr(services, "places_named", lambda names: shops if list(names) == [name] else real(names))
    turn = chat.chat("5", said.format(name=name), at=world_now + timedelta(minutes=1), conversation_id="c")
    assert [p.kind for p in services.preferences("5")] == [PreferenceKind.HIDE_CHAIN]  # shown by its shortest name
    assert "won't suggest any **" in turn.text


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("stop recommending starbucks to me", "starbucks"),
        ("stop suggesting dunkin to me please", "dunkin"),
        ("no more chipotle for me", "chipotle"),
        ("the 2nd is trash, never show it again", "the 2nd one"),
        ("the third one sucks, don't show it again", "the third one"),
        ("the last one is bad, never suggest it again", "the last one"),
        ("i never go to starbucks, stop suggesting it", "starbucks"),  # a place named before, not a rank
    ],
)
def test_what_is_hidden_is_the_name_or_the_rank_said(message: str, words: str) -> None:
    assert [(stated.kind, stated.words) for stated in read_preferences(message)] == [("hide_place", words)]


@pytest.mark.parametrize(
    "take_back",
    [
        "forget i said that",
        "scratch that",
        "never mind that",
        "wait i didn't mean that",
        "actually that was a joke, don't save it",
        "don't remember that",
        "ne retiens pas ça",
        "olvida lo que acabo de decir",
    ],
)
def test_a_take_back_right_after_a_statement_ends_it(services: Service, world_now: datetime, take_back: str) -> None:
    chat = Assistant(services, polite_model())
    chat.chat("6", "no more gyms", at=world_now, conversation_id="t")
    assert services.preferences("6")
    turn = chat.chat("6", take_back, at=world_now + timedelta(minutes=1), conversation_id="t")
    assert not services.preferences("6") and turn.request is not None and turn.request.intent == "prefer"


def test_a_take_back_after_a_list_shown_since_the_statement_leaves_the_statement(
    services: Service, world_now: datetime
) -> None:
    # The latest of the two is what is taken back: here the list (with none before it, nothing is).
    chat = Assistant(services, polite_model())
    chat.chat("6", "no more gyms", at=world_now, conversation_id="l")
    chat.chat("6", "somewhere to go tonight", at=world_now + timedelta(minutes=1), conversation_id="l")
    chat.chat("6", "scratch that", at=world_now + timedelta(minutes=2), conversation_id="l")
    assert [p.kind for p in services.preferences("6")] == [PreferenceKind.MUTE_CATEGORY]


def test_undo_right_after_a_thumb_takes_the_thumb_back_and_leaves_what_was_stated_before(
    services: Service, world_now: datetime
) -> None:
    chat = Assistant(services, polite_model())
    chat.chat("8", "no more gyms", at=world_now, conversation_id="u")
    listed = chat.chat("8", "somewhere to go tonight", at=world_now + timedelta(minutes=1), conversation_id="u").items
    assert listed
    visits = services.visits_at("8", listed[0].item_id)
    chat.chat("8", "i love the first one", at=world_now + timedelta(minutes=2), conversation_id="u")
    assert services.verdicts("8") == [(listed[0].label, True)]
    undone = chat.chat("8", "undo", at=world_now + timedelta(minutes=3), conversation_id="u")
    assert undone.text.startswith(f"Undone: 👍 {listed[0].label}")
    assert services.verdicts("8") == [] and [p.kind for p in services.preferences("8")] == [
        PreferenceKind.MUTE_CATEGORY
    ]
    assert services.visits_at("8", listed[0].item_id) == visits  # the visits stay


def test_undo_after_a_thumb_takes_back_that_thumb_not_an_older_one_on_the_place(
    services: Service, world_now: datetime
) -> None:
    chat = Assistant(services, polite_model())
    listed = chat.chat("8", "somewhere to go tonight", at=world_now, conversation_id="v").items
    assert listed
    services.feedback("8", listed[0].item_id, True, world_now - timedelta(days=3))  # said in another chat before
    chat.chat("8", "i love the first one", at=world_now + timedelta(minutes=2), conversation_id="v")
    undone = chat.chat("8", "undo", at=world_now + timedelta(minutes=3), conversation_id="v")
    assert undone.text.startswith(f"Undone: 👍 {listed[0].label}")
    assert services.verdicts("8") == [(listed[0].label, True)]  # the older 👍 stays


@pytest.mark.parametrize(
    "message", ["forget it", "never mind", "i didn't mean to bother you", "scratch that itch", "don't save my location"]
)
def test_closings_and_other_asks_are_no_take_back(message: str) -> None:
    assert all(stated.kind != "undo" for stated in read_preferences(message))


def test_forgetting_visits_to_a_place_deletes_them_everywhere(services: Service, world_now: datetime) -> None:
    events = services.events()
    assert events is not None
    mine = events[(events["user_id"] == "4") & (events["action"] == "visit")]
    place = str(mine["item_id"].value_counts().index[0])
    visits = services.visits_at("4", place)
    assert visits == int((mine["item_id"] == place).sum()) > 0
    forget = Preference(kind=PreferenceKind.FORGET_PLACE_VISITS, target=place)
    change = services.set_preference("4", forget, world_now)
    assert change.forgotten == visits and change.preference is None and services.preferences("4") == []
    assert services.visits_at("4", place) == 0
    after = services.events()
    assert after is not None and not ((after["user_id"] == "4") & (after["item_id"] == place)).any()
    assert len(after[after["user_id"] == "4"]) == len(events[events["user_id"] == "4"]) - visits
    assert not any(
        item.item_id == place and item.is_return
        for item in listed(services, "4", world_now, RecommendQuery(k=40, familiar=True))
    )
    assert services.set_preference("4", forget, world_now).forgotten == 0


def test_preferences_survive_a_restart_and_go_with_forget(tmp_path: Path, world_now: datetime) -> None:
    settings = load_settings(state_dir=tmp_path / "state")
    mute = Preference(kind=PreferenceKind.MUTE_CATEGORY, target="Gym", label="gyms")
    with world_runtime(settings) as runtime:
        Service(runtime).set_preference("6", mute, world_now)
    with prepare(settings, progress=False, config=small_config()) as runtime:  # the same folder, opened again
        service = Service(runtime)
        assert [(p.target, p.label) for p in service.preferences("6")] == [("Gym", "gyms")]
        assert not any(item.category == "Gym" for item in listed(service, "6", world_now, RecommendQuery(k=30)))
        service.forget("6")
        assert service.preferences("6") == []


# ---- the HTTP API ------------------------------------------------------------------------------------------------


@pytest.fixture
def client(services: Service, world_now: datetime) -> TestClient:
    settings = load_settings(state_dir=services.settings.state_dir, server={"demo_now": world_now})
    return TestClient(create_api(services, Assistant(services, polite_model()), settings), base_url="http://127.0.0.1")


def test_the_api_states_lists_and_ends_preferences(client: TestClient, services: Service, world_now: datetime) -> None:
    url = "/api/users/7/preferences"
    assert client.get(url).json() == []
    mute = client.put(url, json={"kind": "mute_category", "target": "Gym", "label": "gyms"})
    assert mute.status_code == 200 and mute.json()["stored"] is True
    home = client.put(url, json={"kind": "home_area", "target": "Brooklyn", "latitude": 40.68, "longitude": -73.94})
    listed_now = client.get(url).json()
    assert [p["kind"] for p in listed_now] == ["mute_category", "home_area"]
    assert not any(
        item["category"] == "Gym" for item in client.post("/api/recommend", json={"user_id": "7", "k": 30}).json()
    )
    context = client.get("/api/users/7/context").json()
    assert [p["target"] for p in context["preferences"]] == ["Gym", "Brooklyn"]
    assert (context["latitude"], context["longitude"]) == (40.68, -73.94)  # the home area is "here"
    one = client.delete(f"{url}/{mute.json()['preference']['id']}")
    assert one.status_code == 200 and one.json()["target"] == "Gym"
    assert client.delete(f"{url}/{mute.json()['preference']['id']}").status_code == 404
    assert [p["id"] for p in client.delete(url).json()] == [home.json()["preference"]["id"]]
    assert client.get(url).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "mute_everything", "target": "Gym"}, "kind"),
        ({"kind": "mute_category", "target": "x" * 201}, "target"),
        ({"kind": "mute_category", "target": "Gym", "label": "x" * 121}, "label"),
        ({"kind": "home_area", "target": "Brooklyn", "latitude": 91, "longitude": 0}, "latitude"),
        ({"kind": "mute_category", "target": "Gym", "colour": "red"}, "colour"),
        ({"kind": "hide_place", "target": "nowhere"}, "target"),
        ({"kind": "mute_category", "target": "Aquarium"}, "target"),
        ({"kind": "avoid_area", "target": "Atlantis"}, "target"),
    ],
)
def test_bad_preferences_are_422_naming_the_field(client: TestClient, body: dict[str, object], field: str) -> None:
    response = client.put("/api/users/7/preferences", json=body)
    assert response.status_code == 422 and field in response.json()["error"]
    assert client.get("/api/users/7/preferences").json() == []


def test_preference_events_cannot_be_posted_as_behaviour(client: TestClient, world_now: datetime) -> None:
    event = {
        "user_id": "7",
        "item_id": "Gym",
        "timestamp": world_now.isoformat(),
        "latitude": 40.7,
        "longitude": -74.0,
        "action": "prefer",
        "text": '{"kind": "mute_category", "target": "Gym"}',
    }
    response = client.post("/api/events", json={"events": [event]})
    assert response.status_code == 422 and "action" in response.json()["error"]


# ---- the chat ----------------------------------------------------------------------------------------------------


def test_a_stated_mute_holds_for_later_turns_and_undo_takes_it_back(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    before = chat.chat("2", "somewhere to go now", at=world_now, conversation_id="c")
    assert any(item.category == "Coffee Shop" for item in before.items)
    stated = chat.chat("2", "stop suggesting coffee", at=world_now, conversation_id="c")
    assert stated.request is not None and stated.request.intent == "prefer" and stated.items == []
    assert "won't suggest coffee any more" in stated.text and "undo" in stated.text
    assert stated.grounding["by_code"] is True
    assert [p.target for p in services.preferences("2")] == ["Cafe"]
    about = chat.chat("2", "what do you know about me?", at=world_now, conversation_id="c")
    assert "You told me: no coffee." in about.text  # what was stated is read back with what the visits say
    for message in ("somewhere to go now", "surprise me", "what about something else?"):
        turn = chat.chat("2", message, at=world_now, conversation_id="c")
        assert turn.items and not any(item.category == "Coffee Shop" for item in turn.items), message
    undone = chat.chat("2", "undo", at=world_now, conversation_id="c")
    assert undone.text.startswith("Undone: coffee") and services.preferences("2") == []
    again = chat.chat("2", "somewhere to go now", at=world_now, conversation_id="c")
    assert [item.item_id for item in again.items] == [item.item_id for item in before.items]
    assert "nothing to undo" in chat.chat("2", "undo", at=world_now, conversation_id="c").text


@pytest.mark.parametrize(
    ("message", "kind", "target", "said"),
    [
        ("I love jazz", PreferenceKind.BOOST_CATEGORY, "Jazz and Blues Venue", "I'll suggest more jazz"),
        ("more places like Jazz Club 3", PreferenceKind.BOOST_LIKE_PLACE, "v03", "more places like **Jazz Club 3**"),
        ("don't show me Gym 4 again", PreferenceKind.HIDE_PLACE, "v04", "won't suggest **Gym 4** again"),
        ("I moved to Brooklyn", PreferenceKind.HOME_AREA, "Brooklyn", "Brooklyn is your home area now"),
        # A question to the assistant, not for places: the answer is the statement's alone.
        ("can you remember that I live in Brooklyn?", PreferenceKind.HOME_AREA, "Brooklyn", "Got it: Brooklyn"),
        ("je ne bois plus de café", None, None, ""),  # a kind the small world lacks is refused, nothing stored
    ],
)
def test_each_stated_kind_is_stored_through_the_chat(
    services: Service, world_now: datetime, message: str, kind: PreferenceKind | None, target: str | None, said: str
) -> None:
    turn = Assistant(services, polite_model()).chat("8", message, at=world_now)
    stored = services.preferences("8")
    if kind is None:
        assert stored == [] and turn.request is not None and turn.request.intent == "prefer"
        assert "rien enregistré" in turn.text
        return
    assert [(p.kind, p.target) for p in stored] == [(kind, target)] and said in turn.text
    assert not turn.items  # a statement alone asks for no places


@pytest.mark.parametrize(
    "message",
    [
        "hide the second one, I don't like it",
        "don't show me number 2 again",
        # "It" is the place of the list said before it, not the list's first.
        "the 2nd is trash, never show it again",
        "the second one sucks, don't show it again",
    ],
)
def test_hiding_a_place_of_the_list_by_its_rank_hides_that_place(
    services: Service, world_now: datetime, message: str
) -> None:
    chat = Assistant(services, polite_model())
    listed = chat.chat("8", "somewhere to go tonight", at=world_now, conversation_id="c")
    second = listed.items[1]
    turn = chat.chat("8", message, at=world_now + timedelta(minutes=1), conversation_id="c")
    stored = services.preferences("8")
    assert [(p.kind, p.target) for p in stored] == [(PreferenceKind.HIDE_PLACE, second.item_id)]
    assert second.label in turn.text
    again = chat.chat("8", "somewhere to go tonight", at=world_now + timedelta(minutes=2), conversation_id="c")
    assert second.item_id not in {item.item_id for item in again.items}


def test_the_place_you_suggested_is_this_conversations_and_another_days_is_asked_for(
    services: Service, world_now: datetime
) -> None:
    chat = Assistant(services, polite_model())
    asked = chat.chat("8", "I didn't like the place you suggested yesterday", at=world_now, conversation_id="y")
    assert asked.text == fixed_text("which_place")  # that list is another conversation's, which is not kept
    listed = chat.chat("8", "somewhere to go tonight", at=world_now, conversation_id="y").items
    later = world_now + timedelta(minutes=1)
    also = chat.chat("8", "I didn't like the place you suggested yesterday", at=later, conversation_id="y")
    assert also.text == fixed_text("which_place")
    noted = chat.chat("8", "I didn't like the place you suggested", at=later, conversation_id="y")
    assert listed and noted.text.startswith(f"Noted 👎 for **{listed[0].label}**")


def test_a_verdict_on_a_shown_place_is_a_like_or_a_dislike_of_that_place(
    services: Service, world_now: datetime
) -> None:
    chat = Assistant(services, polite_model())
    listed = chat.chat("8", "somewhere to go tonight", at=world_now, conversation_id="v").items
    assert len(listed) >= 3
    liked = chat.chat("8", "I loved the second one!", at=world_now + timedelta(minutes=1), conversation_id="v")
    assert liked.request is not None and liked.request.intent == "prefer"
    assert liked.text.startswith(f"Noted 👍 for **{listed[1].label}**")
    disliked = chat.chat("8", "the third one was awful", at=world_now + timedelta(minutes=2), conversation_id="v")
    assert disliked.text.startswith(f"Noted 👎 for **{listed[2].label}**")
    events = services.events()
    assert events is not None
    rated = events[(events["user_id"] == "8") & events["action"].isin(["like", "dislike"])]
    assert list(zip(rated["item_id"], rated["action"], strict=True)) == [
        (listed[1].item_id, "like"),
        (listed[2].item_id, "dislike"),
    ]
    # A 👎 hides the place from the next suggestions, as the UI's button does.
    again = chat.chat("8", "somewhere to go tonight", at=world_now + timedelta(minutes=3), conversation_id="v")
    assert listed[2].item_id not in {item.item_id for item in again.items}
    # Not verdicts: a taste in kinds, a request that follows, a present-tense liking of a suggestion.
    for message in (
        "I loved jazz clubs",
        "I liked it, anything similar?",
        "I like the second one",
        "the food is great",
    ):
        assert read_preference(message) is None or read_preference(message).kind not in ("like_place", "dislike_place")
    # A visit said first, then the verdict.
    for message, kind, words in (
        ("I've been to the first one, it was great", "like_place", "first one"),
        ("went to the second one last week, loved it", "like_place", "second one"),
        ("been to Tonic, it was terrible", "dislike_place", "Tonic"),
        ("I've been there, didn't like it", "dislike_place", "there"),
    ):
        stated = read_preference(message)
        assert stated is not None and (stated.kind, stated.words) == (kind, words), message
    assert read_preference("I've been to the first one") is None  # no verdict: others in its place


def test_unknown_places_and_areas_store_nothing(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    assert (
        "couldn't find a place called “Blue Bottle”"
        in chat.chat("8", "more places like Blue Bottle", at=world_now).text
    )
    assert "don't know the area “Atlantis”" in chat.chat("8", "I moved to Atlantis", at=world_now).text
    assert services.preferences("8") == []


def test_forgetting_visits_asks_first_then_says_what_went(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    place = services.find_place("office", "1")
    assert place is not None
    visits = services.visits_at("1", place.item_id)
    asked = chat.chat("1", "forget my visits to the office", at=world_now, conversation_id="f")
    counted = f"{visits} visit{'s' if visits != 1 else ''}"
    assert f"Forget your visits to **{place.label}** ({counted})?" in asked.text
    assert services.visits_at("1", place.item_id) == visits  # nothing is deleted before the answer
    kept = chat.chat("1", "no", at=world_now, conversation_id="f")
    assert "kept your visits" in kept.text and services.visits_at("1", place.item_id) == visits
    chat.chat("1", "forget my visits to the office", at=world_now, conversation_id="f")
    done = chat.chat("1", "yes", at=world_now, conversation_id="f")
    assert f"your visits to **{place.label}** ({counted}) are forgotten ({visits} stored events deleted)" in done.text
    assert services.visits_at("1", place.item_id) == 0
    # With no question open, "yes" is an ordinary message.
    assert chat.chat("1", "yes", at=world_now, conversation_id="f").request.intent != "prefer"  # type: ignore[union-attr]


def test_forgetting_the_visits_there_means_the_place_of_the_conversation(services: Service, world_now: datetime):
    chat = Assistant(services, polite_model())
    known = chat.chat("1", "somewhere I know for coffee", at=world_now, conversation_id="t")
    assert known.items
    first = known.items[0]
    visits = services.visits_at("1", first.item_id)
    assert visits > 0
    counted = f"({visits} visit{'s' if visits != 1 else ''})"
    for message in ("forget that I went there", "forget my visits to the first one"):
        asked = chat.chat("1", message, at=world_now, conversation_id="t")
        assert f"Forget your visits to **{first.label}** {counted}?" in asked.text, message
        chat.chat("1", "no", at=world_now, conversation_id="t")


def test_forgetting_the_last_place_i_went_means_the_latest_visit(services: Service, world_now: datetime):
    chat = Assistant(services, polite_model())
    latest = services.place(services.last_place("1") or "")
    assert latest is not None
    for message in ("forget the last place I went", "delete my visits to the last place I visited"):
        asked = chat.chat("1", message, at=world_now, conversation_id="l")
        assert asked.text.startswith(f"Forget your visits to **{latest.label}** ("), message
        assert chat.chat("1", "no", at=world_now, conversation_id="l").text.startswith("OK, I kept your visits")


def test_words_naming_several_places_find_the_one_that_starts_with_them_and_is_most_visited(
    services: Service,
) -> None:
    # "Grand Central" is Grand Central Terminal, not "Apple Grand Central", which WRatio scores higher.
    events = services.events()
    assert events is not None
    visits = events["item_id"].value_counts()
    items = services.items
    shops = items[items["name"].str.startswith("Coffee Shop")]
    most = max(shops["item_id"], key=lambda item_id: int(visits.get(item_id, 0)))
    found = services.find_place("Coffee Shop")
    assert found is not None and found.item_id == most


def test_words_naming_a_place_find_the_one_holding_every_word_before_the_most_visited(
    services: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "The Astoria park" is Astoria Park, not a busier bar called Astoria that WRatio scores as high.
    events = services.events()
    assert events is not None
    visits = events["item_id"].value_counts()
    catalogue = services.runtime.item_index.catalogue
    ids = [str(item_id) for item_id in catalogue.ids]
    names = list(services._names())
    busiest = max(range(len(ids)), key=lambda position: int(visits.get(ids[position], 0)))
    quiet = min(range(len(ids)), key=lambda position: int(visits.get(ids[position], 0)))
    names[busiest], names[quiet] = "Astoria", "Astoria Park"
    monkeypatch.setattr(services, "_place_names", names)
    monkeypatch.setattr(services, "_processed_name_set", None)
    found = services.find_place("the Astoria park")
    assert int(visits.get(ids[busiest], 0)) > int(visits.get(ids[quiet], 0))
    assert found is not None and found.item_id == ids[quiet]
    named = services.find_place("Astoria")
    assert named is not None and named.item_id == ids[busiest]


def test_stating_again_at_the_very_time_it_was_undone_is_a_clear_error(services: Service, world_now: datetime) -> None:
    """The log keeps one of identical events, so a preference stated, undone and stated again at one instant cannot
    be stored the second time: a ValueError names the time (a 422 in the API), never a crash."""
    home = Preference(kind=PreferenceKind.HOME_AREA, target="Tribeca", latitude=40.7163, longitude=-74.0086)
    first = services.set_preference("8", home, world_now).preference
    assert first is not None and services.undo_preference("8", first.id, world_now) is not None
    with pytest.raises(ValueError, match="give a later time"):
        services.set_preference("8", home, world_now)
    later = services.set_preference("8", home, world_now + timedelta(seconds=1))
    assert later.stored and [item.target for item in services.preferences("8")] == ["Tribeca"]


def test_no_more_chains_leaves_out_every_chain_for_good_until_undone(
    services: Service, world_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The small world's coffee shops stand for the chains.
    shops = services.items.loc[services.items["category"] == "Coffee Shop", "item_id"].astype(str).tolist()
    monkeypatch.setattr(services, "_chains", tuple(shops))
    assert {item.item_id for item in listed(services, "5", world_now, RecommendQuery(k=40))} & set(shops)
    assistant = Assistant(services, polite_model())
    turn = assistant.chat("5", "stop suggesting chains", at=world_now)
    assert [(p.kind, p.target) for p in services.preferences("5")] == [(PreferenceKind.NO_CHAINS, "chains")]
    assert turn.text == fixed_text("pref_no_chains")
    assert not {item.item_id for item in listed(services, "5", world_now, RecommendQuery(k=40))} & set(shops)
    assert "no chains" in assistant.chat("5", "what have I told you?", at=world_now).text
    assistant.chat("5", "undo", at=world_now)
    assert services.preferences("5") == []
    with pytest.raises(ValueError, match="target: a no_chains preference is about 'chains'"):
        Preference(kind=PreferenceKind.NO_CHAINS, target="Starbucks")


@pytest.mark.parametrize(
    "message",
    [
        "stop suggesting stuff I've already been to",
        "pls stop suggesting places i've been to",
        "only new places from now on please, nothing i've been to",
        "from now on don't recommend places i already know",
    ],
)
def test_no_more_places_one_knows_suggests_only_new_ones_for_good_until_undone(
    services: Service, world_now: datetime, message: str
) -> None:
    events = services.events()
    assert events is not None
    known = set(events.loc[events["user_id"] == "5", "item_id"].astype(str))
    assert {item.item_id for item in listed(services, "5", world_now, RecommendQuery(k=20))} & known
    assistant = Assistant(services, polite_model())
    assistant.chat("5", "coffee near here", at=world_now)
    turn = assistant.chat("5", message, at=world_now)
    assert [(p.kind, p.target) for p in services.preferences("5")] == [(PreferenceKind.NEW_PLACES_ONLY, "new places")]
    assert fixed_text("pref_new_places_only") in turn.text
    assert turn.items and not {item.item_id for item in turn.items} & known  # the list again, without them
    assert not {item.item_id for item in listed(services, "5", world_now, RecommendQuery(k=20))} & known
    # Places the user knows, asked for, are still found.
    assert {item.item_id for item in listed(services, "5", world_now, RecommendQuery(k=20, familiar=True))} & known
    assert "only places new to you" in assistant.chat("5", "what have I told you?", at=world_now).text
    assistant.chat("5", "places I know are fine again", at=world_now)
    assert services.preferences("5") == []
    with pytest.raises(ValueError, match="target: a new_places_only preference is about 'new places'"):
        Preference(kind=PreferenceKind.NEW_PLACES_ONLY, target="chains")


def test_where_one_works_now_is_where_near_work_is_until_undone(services: Service, world_now: datetime) -> None:
    assistant = Assistant(services, polite_model())
    turn = assistant.chat("5", "I work in Tribeca now", at=world_now)
    assert [(p.kind, p.target) for p in services.preferences("5")] == [(PreferenceKind.WORK_AREA, "Tribeca")]
    assert turn.text.startswith("Got it: you work around Tribeca now")
    lunch = assistant.chat("5", "lunch near work", at=world_now)
    assert lunch.request is not None and lunch.request.near == "Tribeca"
    assert lunch.request.location == LatLon(40.7163, -74.0086)
    assert "work around Tribeca" in assistant.chat("5", "what have I told you?", at=world_now).text
    assistant.chat("5", "I work in SoHo now", at=world_now)  # a new one ends the one before
    assert [p.target for p in services.preferences("5")] == ["SoHo"]
    with pytest.raises(ValueError, match="a work_area needs latitude and longitude"):
        Preference(kind=PreferenceKind.WORK_AREA, target="SoHo")


def test_kinds_given_up_in_spanish_are_said_in_spanish(services: Service, world_now: datetime) -> None:
    # As "soy vegetariano" is: each kind in the reply's language, not the English words of them.
    turn = Assistant(services, polite_model()).chat("6", "ya no quiero cafés ni gimnasios", at=world_now)
    assert turn.text.startswith("Entendido: no te sugeriré más ") and "gym" not in turn.text


def test_eating_meat_again_ends_the_diet() -> None:
    (stated,) = read_preferences("actually I eat meat again")
    assert stated.kind == "take_back" and set(stated.categories) == set(MEAT_KINDS)
    (again,) = read_preferences("i'm not vegetarian anymore")
    assert again.kind == "take_back"


@pytest.mark.parametrize(
    "message",
    ["I work in a bakery", "i work at the hospital", "i work nights", "I work in finance", "i work in the city"],
)
def test_what_one_works_at_is_no_work_area(message: str) -> None:
    assert not read_preferences(message)


@pytest.mark.parametrize("message", ["I'm vegetarian", "i'm vegan btw", "i dont eat meat", "I've gone vegetarian"])
def test_ones_own_diet_mutes_the_kinds_built_around_meat(message: str) -> None:
    (stated,) = read_preferences(message)
    assert stated.kind == "mute_category" and set(stated.categories) == set(MEAT_KINDS)


@pytest.mark.parametrize(
    "message",
    [
        "she's vegetarian, dinner?",
        "im vegetarian tonight",
        "is it vegetarian?",
        "i'm vegetarian-curious",
        "im a vegetarian chef",
        "i'm vegetarian on weekdays",
        "i don't eat meat on fridays",
    ],
)
def test_someone_elses_or_one_nights_diet_stores_nothing(message: str) -> None:
    assert not read_preferences(message)


@pytest.mark.parametrize(
    "message",
    [
        "somewhere I haven't been",
        "no places I've been to tonight please",
        "tonight stop suggesting places I've been to",
    ],
)
def test_new_places_asked_of_one_list_store_nothing(services: Service, world_now: datetime, message: str) -> None:
    Assistant(services, polite_model()).chat("5", message, at=world_now)
    assert services.preferences("5") == []


@pytest.mark.parametrize(
    "message", ["I hate Gym 4", "i can't stand gym 4 btw", "I'm not a fan of Gym 4", "we really dislike Gym 4"]
)
def test_disliking_a_place_by_name_hides_it(services: Service, world_now: datetime, message: str) -> None:
    turn = Assistant(services, polite_model()).chat("8", message, at=world_now)
    assert [(p.kind, p.target) for p in services.preferences("8")] == [(PreferenceKind.HIDE_PLACE, "v04")]
    assert "won't suggest **Gym 4** again" in turn.text


@pytest.mark.parametrize(
    "message", ["I hate waiting", "I don't like crowds", "I hate the bar on 5th", "I don't like it"]
)
def test_disliking_what_names_no_place_stores_nothing(services: Service, world_now: datetime, message: str) -> None:
    turn = Assistant(services, polite_model()).chat("8", message, at=world_now)
    assert services.preferences("8") == [] and "won't suggest" not in turn.text


@pytest.mark.parametrize(
    "message",
    [
        "forget what I told you",
        "forget everything I've told you",
        "reset my preferences",
        "clear my preferences",
        "oublie tout ce que je t'ai dit",
        "olvida lo que te dije",
    ],
)
def test_forgetting_what_was_told_ends_every_stated_preference(
    services: Service, world_now: datetime, message: str
) -> None:
    chat = Assistant(services, polite_model())
    chat.chat("8", "I love jazz", at=world_now, conversation_id="c")
    chat.chat("8", "don't show me Gym 4 again", at=world_now, conversation_id="c")
    assert len(services.preferences("8")) == 2
    visits = len(services.events())
    later = world_now + timedelta(minutes=1)
    turn = chat.chat("8", message, at=later, conversation_id="c")
    assert services.preferences("8") == [] and "Gym 4" in turn.text
    assert len(services.events()) == visits + 2  # two undo events; no check-in goes
    again = chat.chat("8", message, at=later + timedelta(minutes=1), conversation_id="c")
    assert again.text == fixed_text("pref_nothing_stated", again.request.language if again.request else "en")


def test_what_did_i_tell_you_lists_the_stated_preferences(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    chat.chat("8", "don't show me Gym 4 again", at=world_now, conversation_id="c")
    turn = chat.chat("8", "what did I tell you so far?", at=world_now + timedelta(minutes=1), conversation_id="c")
    assert turn.text.startswith("You told me:") and "Gym 4" in turn.text


def test_near_home_is_the_home_area_the_user_stated(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    chat.chat("8", "I live in Brooklyn", at=world_now, conversation_id="c")
    turn = chat.chat("8", "coffee near home", at=world_now + timedelta(minutes=1), conversation_id="c")
    assert turn.request is not None and turn.request.near == "Brooklyn"
    assert "None of your check-ins" not in turn.text


# Brooklyn Heights: across the river from the small world's grid in lower Manhattan.
ACROSS_THE_RIVER = LatLon(40.6960, -73.9936)


def test_an_avoided_area_leaves_its_places_out_unless_the_search_is_there(
    services: Service, world_now: datetime
) -> None:
    wide = RecommendQuery(k=10, within_km=8.0)
    before = services.recommend("3", world_now, ACROSS_THE_RIVER, wide)
    assert any(of_area("Lower East Side", [item.latitude], [item.longitude])[0] for item in before)
    avoid = Preference(kind=PreferenceKind.AVOID_AREA, target="Lower East Side", label="Lower East Side")
    assert services.set_preference("3", avoid, world_now).stored
    after = services.recommend("3", world_now, ACROSS_THE_RIVER, wide)
    assert after and not any(of_area("Lower East Side", [item.latitude], [item.longitude])[0] for item in after)
    # Searched there (asked for by name, or where the user is), the area is wanted this time.
    inside = LatLon(40.7150, -73.9843)
    assert any(
        of_area("Lower East Side", [item.latitude], [item.longitude])[0]
        for item in services.recommend("3", world_now, inside, wide)
    )


@pytest.mark.parametrize(
    "message",
    ["I don't like the Lower East Side", "avoid the LES please", "i dont really like the lower east side, too loud"],
)
def test_disliking_an_area_is_stored_said_and_undone(services: Service, world_now: datetime, message: str) -> None:
    chat = Assistant(services, polite_model())
    turn = chat.chat("3", message, at=world_now, conversation_id="c")
    assert [(p.kind, p.target) for p in services.preferences("3")] == [(PreferenceKind.AVOID_AREA, "Lower East Side")]
    assert "leave out places in Lower East Side" in turn.text and not turn.items
    told = chat.chat("3", "what did I tell you?", at=world_now + timedelta(minutes=1), conversation_id="c")
    assert "nothing in Lower East Side" in told.text
    chat.chat("3", "undo", at=world_now + timedelta(minutes=2), conversation_id="c")
    assert services.preferences("3") == []


def test_an_area_given_up_with_a_request_answers_the_request_elsewhere(services: Service, world_now: datetime) -> None:
    turn = Assistant(services, polite_model()).chat("3", "I hate Chinatown, any coffee in Tribeca?", at=world_now)
    assert [p.target for p in services.preferences("3")] == ["Chinatown"]
    assert turn.request is not None and turn.request.near == "Tribeca" and turn.items
    assert not any(of_area("Chinatown", [item.latitude], [item.longitude])[0] for item in turn.items)
    assert "leave out places in Chinatown" in turn.text


def test_every_preference_a_message_states_is_stored_said_and_undone_together(
    services: Service, world_now: datetime
) -> None:
    chat = Assistant(services, polite_model())
    turn = chat.chat("8", "I love jazz and I hate gyms", at=world_now, conversation_id="c")
    stored = [(p.kind, p.target) for p in services.preferences("8")]
    assert (PreferenceKind.MUTE_CATEGORY, "Gym") in stored and len(stored) == 2
    assert "more jazz" in turn.text and "won't suggest gyms" in turn.text and not turn.items
    chat.chat("8", "undo", at=world_now + timedelta(minutes=1), conversation_id="c")
    assert services.preferences("8") == []


def test_a_need_said_beside_a_preference_is_answered_too(services: Service, world_now: datetime) -> None:
    turn = Assistant(services, polite_model()).chat("8", "i'm allergic to nuts and i hate Gym 4", at=world_now)
    assert [(p.kind, p.target) for p in services.preferences("8")] == [(PreferenceKind.HIDE_PLACE, "v04")]
    assert "won't suggest **Gym 4** again" in turn.text and "allergen" in turn.text


def test_a_place_said_to_have_closed_is_hidden_and_said_so(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    listed = chat.chat("8", "somewhere to go tonight", at=world_now, conversation_id="c").items
    assert len(listed) >= 2
    closed = chat.chat("8", "the first one closed down", at=world_now + timedelta(minutes=1), conversation_id="c")
    expected = fixed_text("pref_closed").format(place=listed[0].label)
    assert closed.text == expected  # no word about opening hours: a closure is no ask for them
    again = chat.chat("8", "somewhere to go tonight", at=world_now + timedelta(minutes=2), conversation_id="c")
    assert listed[0].item_id not in {item.item_id for item in again.items}
    assert chat.chat("8", "undo", at=world_now + timedelta(minutes=3), conversation_id="c").text.startswith("Undone")


def test_visits_said_never_to_have_happened_are_shown_and_may_be_forgotten(
    services: Service, world_now: datetime
) -> None:
    chat = Assistant(services, polite_model())
    place = services.find_place("office", "1")
    assert place is not None and services.visits_at("1", place.item_id) > 0
    disputed = chat.chat("1", f"I never went to {place.label}, that's wrong", at=world_now, conversation_id="d")
    assert disputed.text.startswith("My data says you have been here") and f"**{place.label}**?" in disputed.text
    assert services.visits_at("1", place.item_id) > 0  # nothing is deleted before the answer
    done = chat.chat("1", "forget those visits", at=world_now, conversation_id="d")
    assert "are forgotten" in done.text and services.visits_at("1", place.item_id) == 0
    never = chat.chat("1", f"I was never at {place.label}", at=world_now, conversation_id="d")
    assert never.text == fixed_text("pref_disputed_none").format(place=place.label)


def test_a_kind_put_right_is_the_catalogues_said_as_such(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    listed = chat.chat("8", "somewhere to go tonight", at=world_now, conversation_id="k").items
    assert len(listed) >= 2
    said = chat.chat("8", "the second one isn't a bar, it's a restaurant", at=world_now, conversation_id="k")
    assert said.text.startswith(f"My data lists **{listed[1].label}** as ")
    assert not services.preferences("8")  # nothing stored: the catalogue's kind stays


def test_a_muted_kind_is_left_out_of_what_is_said_of_the_users_habits(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    before = chat.chat("1", "what do you know about me", at=world_now, conversation_id="m")
    habits = services.habits("1", world_now, services.default_place("1"))
    kind = habits.kinds[0].kind
    assert kind in before.text or plural(kind) in before.text
    services.set_preference("1", Preference(kind=PreferenceKind.MUTE_CATEGORY, target=kind, label=kind), world_now)
    after = chat.chat("1", "what do you know about me", at=world_now + timedelta(minutes=1), conversation_id="m")
    summary = after.text.split("\n\n")[0]
    assert kind not in summary and plural(kind) not in summary
    assert fixed_text("told_you").split(":")[0] in after.text  # and what the user told is said


def test_one_oddly_filed_place_mutes_no_other_kind(
    services: Service, world_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One bar filed under the muted kind (a "Bar" whose path ends "> Restaurant > Deli", as in the real catalogue)
    # leaves bars out of nothing: only kinds most of whose places are under it are muted.
    items = services.items.copy()
    counts = items["category"].value_counts()
    muted, other = (str(kind) for kind in counts[counts >= 2].index[:2])
    odd = items.index[items["category"] == other][0]
    items.loc[odd, "category_path"] = f"{items.loc[odd, 'category_path']} > {muted}"
    monkeypatch.setattr(services.runtime, "items", items)
    services.set_preference("1", Preference(kind=PreferenceKind.MUTE_CATEGORY, target=muted, label=muted), world_now)
    kinds = services.muted_kinds("1")
    assert muted in kinds and other not in kinds


def test_a_change_of_mind_ends_what_was_said_of_it_and_nothing_else(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    chat.chat("6", "no more jazz clubs", at=world_now, conversation_id="m")
    chat.chat("6", "no more gyms", at=world_now + timedelta(minutes=1), conversation_id="m")
    assert len(services.preferences("6")) == 2
    back = chat.chat("6", "actually I do like gyms", at=world_now + timedelta(minutes=2), conversation_id="m")
    assert back.text.startswith("Undone: gyms")
    assert [p.kind for p in services.preferences("6")] == [PreferenceKind.MUTE_CATEGORY]
    assert "gym" not in services.preferences("6")[0].label
    # Nothing said of it before: an ordinary message, nothing ended.
    other = chat.chat("6", "actually I do like museums", at=world_now + timedelta(minutes=3), conversation_id="m")
    assert other.request is not None and other.request.intent != "prefer" and len(services.preferences("6")) == 1


def test_visits_said_not_to_be_the_users_are_offered_to_be_forgotten(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    place = services.find_place("office", "1")
    assert place is not None and services.visits_at("1", place.item_id) > 0
    asked = chat.chat("1", f"those visits to {place.label} aren't mine", at=world_now, conversation_id="n")
    assert asked.text.startswith("My data says you have been here")
    kept = chat.chat("1", "no keep them", at=world_now, conversation_id="n")
    assert "kept your visits" in kept.text and services.visits_at("1", place.item_id) > 0


def test_a_verdict_by_name_lands_on_the_place_shown(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    listed = chat.chat("8", "somewhere to go tonight", at=world_now, conversation_id="g").items
    assert listed
    said = chat.chat("8", f"{listed[0].label} sucks, never again", at=world_now, conversation_id="g")
    assert said.text.startswith(f"Noted 👎 for **{listed[0].label}**")
    events = services.events()
    assert events is not None
    disliked = events[(events["user_id"] == "8") & (events["action"] == "dislike")]
    assert list(disliked["item_id"].astype(str)) == [listed[0].item_id]


def test_what_was_told_lists_the_thumbs_given_to_places(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    listed = chat.chat("7", "somewhere to go tonight", at=world_now, conversation_id="v").items
    assert len(listed) >= 2
    chat.chat("7", "I loved the second one!", at=world_now + timedelta(minutes=1), conversation_id="v")
    chat.chat("7", "the first one was awful", at=world_now + timedelta(minutes=2), conversation_id="v")
    told = chat.chat("7", "what have I told you?", at=world_now + timedelta(minutes=3), conversation_id="v")
    assert f"👍 {listed[1].label}" in told.text and f"👎 {listed[0].label}" in told.text
    assert "a 👎 ends when you check in there again" in told.text


def test_forgetting_what_was_said_says_the_thumbs_given_stay(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    chat.chat("8", "I hate Gym 4", at=world_now, conversation_id="c")
    chat.chat("8", "undo", at=world_now + timedelta(minutes=1), conversation_id="c")
    item = str(services.items.loc[services.items["name"] == "Gym 4", "item_id"].iloc[0])
    services.feedback("8", item, liked=False, at=world_now + timedelta(minutes=2))
    turn = chat.chat("8", "forget everything I said", at=world_now + timedelta(minutes=3), conversation_id="c")
    assert "👎 Gym 4" in turn.text and "stay" in turn.text  # not "you haven't told me anything"
    assert turn.text != fixed_text("pref_nothing_stated")


@pytest.mark.parametrize(
    "message",
    [
        "no more coffee shops, tea place instead",
        "no more bars, a cafe instead",
        "no more pizza, let's do sushi instead",
        "I don't like clubs but my friend does, any good one nearby?",
        "i dont really like clubs but my gf loves them, any good one?",
        "i hate clubs but she's into them",
    ],
)
def test_a_kind_swapped_for_this_ask_or_asked_for_someone_else_is_no_lasting_dislike(message: str) -> None:
    assert read_preferences(message) == []


@pytest.mark.parametrize(
    ("message", "categories"),
    [
        ("no more bars", ["Bar"]),
        ("no more bars ever, a cafe instead", ["Bar"]),  # said to last
        ("I hate gyms, don't suggest them", ["Gym"]),
        ("i hate clubs. my friend loves them though", ["Night Club"]),  # the user's own taste, said alone
    ],
)
def test_a_kind_turned_down_for_good_is_still_muted(message: str, categories: list[str]) -> None:
    [stated] = read_preferences(message)
    assert (stated.kind, stated.categories) == ("mute_category", categories)


@pytest.mark.parametrize(
    ("message", "categories"),
    [
        ("stop suggesting gay bars", ["Gay Bar"]),
        ("stop sending me to gay bars", ["Gay Bar"]),
        ("i hate hookah lounges", ["Hookah Bar"]),
        ("i don't want bars anymore", ["Bar"]),
    ],
)
def test_kinds_turned_down_for_good_by_name_are_muted(message: str, categories: list[str]) -> None:
    [stated] = read_preferences(message)
    assert (stated.kind, stated.categories) == ("mute_category", categories)


@pytest.mark.parametrize("message", ["i don't want coffee", "i dont want bars"])
def test_what_one_does_not_want_now_is_no_lasting_dislike(message: str) -> None:
    assert read_preferences(message) == []


@pytest.mark.parametrize(
    ("message", "kind", "words"),
    [
        ("👎 the 2nd", "dislike_place", "the 2nd"),
        ("👍 the first one", "like_place", "the first one"),
        ("not for me the second one", "dislike_place", "the second one"),
        ("the third isn't for me", "dislike_place", "the third"),
        ("the second I don't like, don't show it again", "dislike_place", "the second"),  # "el segundo no me gusta"
    ],
)
def test_a_verdict_on_a_place_of_the_list_by_its_rank(message: str, kind: str, words: str) -> None:
    [stated] = read_preferences(message)
    assert (stated.kind, stated.words) == (kind, words)


@pytest.mark.parametrize("message", ["not for me", "is the second one for me?", "👍"])
def test_no_rank_no_verdict_on_a_place(message: str) -> None:
    assert not [stated for stated in read_preferences(message) if stated.kind in ("like_place", "dislike_place")]


@pytest.mark.parametrize(
    ("message", "limit"),
    [
        ("i dont drink on weeknights anymore fyi", "on weeknights"),
        ("i don't drink during the week", "during the week"),
        ("during the week, i don't drink", "during the week"),
        ("no more bars before noon", "before noon"),
        ("i don't drink when i'm with my kids", "when i'm"),
        ("no more fast food for lunch", "for lunch"),
        ("stop suggesting starbucks in the morning", "in the morning"),
        ("stop suggesting clubs on dates", "on dates"),
        ("no bebo entre semana", "on weekdays"),
        ("je ne bois plus en semaine", "on weekdays"),
        ("je ne bois pas le soir", "in the evening"),
    ],
)
def test_a_statement_held_to_some_times_is_no_lasting_preference(message: str, limit: str) -> None:
    (stated,) = read_preferences(message)
    assert (stated.kind, stated.words) == ("time_limited", limit)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("i don't drink", "mute_category"),
        ("no more bars", "mute_category"),
        ("i'm done with gyms", "mute_category"),
        ("i don't drink, any bars open in the morning?", "mute_category"),  # the morning is the ask's
        ("no more starbucks, coffee near the office tomorrow morning", "hide_place"),
        ("never show me joe's pizza again", "hide_place"),
        ("i hate midtown", "avoid_area"),
        ("stop suggesting chains", "no_chains"),
    ],
)
def test_a_statement_for_all_times_stays_one(message: str, kind: str) -> None:
    assert read_preferences(message)[0].kind == kind


def test_a_time_limited_statement_stores_nothing_and_says_so(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    turn = chat.chat("6", "i dont drink on weeknights anymore fyi", at=world_now, conversation_id="w")
    assert turn.text == fixed_text("pref_time_limited", "en") and not services.preferences("6")
    spanish = chat.chat("6", "no bebo entre semana", at=world_now, conversation_id="w")
    assert spanish.text == fixed_text("pref_time_limited", "es") and not services.preferences("6")


@pytest.mark.parametrize(
    "lifted",
    [
        "more gyms please",  # as the reply to an ask for a muted kind says
        "forget that i dont want gyms",
        "gyms are fine again",
        "you can suggest gyms again",
        "i'm fine with gyms again",
        "unmute gyms",
        "puedes sugerirme gimnasios otra vez",
    ],
)
def test_every_way_of_lifting_a_ban_ends_it(services: Service, world_now: datetime, lifted: str) -> None:
    chat = Assistant(services, polite_model())
    chat.chat("6", "no more gyms", at=world_now - timedelta(days=2), conversation_id="before")
    assert services.preferences("6")
    # In a later conversation, where "undo" has nothing of its own to take back.
    turn = chat.chat("6", lifted, at=world_now, conversation_id="later")
    assert not services.preferences("6") and turn.request is not None and turn.request.intent == "prefer"


@pytest.mark.parametrize(
    ("message", "kinds"),
    [
        ("i drink again", DRINKING_KINDS),
        ("i'm drinking again", DRINKING_KINDS),
        ("forget that i don't drink", DRINKING_KINDS),
        ("vuelvo a beber", DRINKING_KINDS),
        ("je bois de nouveau", DRINKING_KINDS),
        ("bars are fine again", ("Bar",)),
        ("more bars and nightlife please", ("Bar", "Night Club")),
        ("olvida que no quiero bares", ("Bar",)),
        ("más bares por favor", ("Bar",)),
        ("tu peux me suggérer des bars à nouveau", ("Bar",)),
        ("oublie que je ne veux pas de bars", ("Bar",)),
    ],
)
def test_drinking_again_is_read_as_a_take_back(message: str, kinds: tuple[str, ...]) -> None:
    (stated,) = read_preferences(message)
    assert stated.kind == "take_back" and stated.wanted and set(kinds) <= set(stated.categories)


def test_a_kind_lifted_ends_every_kind_muted_with_it(services: Service, world_now: datetime) -> None:
    # "Bars are fine again" after "I don't drink": the pubs and clubs that statement muted go too.
    for target in ("Gym", "Jazz Club"):
        muted = Preference(kind=PreferenceKind.MUTE_CATEGORY, target=target, label="gyms and jazz")
        services.set_preference("6", muted, world_now - timedelta(days=1))
    Assistant(services, polite_model()).chat("6", "gyms are fine again", at=world_now)
    assert not services.preferences("6")


def test_wanting_a_kind_back_leaves_a_boost_of_it(services: Service, world_now: datetime) -> None:
    services.set_preference("6", Preference(kind=PreferenceKind.BOOST_CATEGORY, target="Gym", label="gyms"), world_now)
    Assistant(services, polite_model()).chat("6", "more gyms please", at=world_now + timedelta(minutes=1))
    assert [p.kind for p in services.preferences("6")] == [PreferenceKind.BOOST_CATEGORY]


def test_undo_after_a_ban_said_again_ends_it(services: Service, world_now: datetime) -> None:
    chat = Assistant(services, polite_model())
    chat.chat("6", "no more gyms", at=world_now, conversation_id="a")
    chat.chat("6", "no more gyms", at=world_now + timedelta(minutes=1), conversation_id="b")  # in force already
    turn = chat.chat("6", "undo", at=world_now + timedelta(minutes=2), conversation_id="b")
    assert turn.text.startswith("Undone:") and not services.preferences("6")


@pytest.mark.parametrize("message", ["i hate noisy gyms", "ngl i hate loud gyms", "ugh i hate crowded gyms"])
def test_a_dislike_of_noise_hides_no_place_of_the_list(services: Service, world_now: datetime, message: str) -> None:
    # "I hate loud bars" after a list is about noise: no shown place of the kind is hidden for good, the kind
    # asked stays, and what can't be known of noise is said.
    chat = Assistant(services, polite_model())
    listed = chat.chat("5", "a gym nearby", at=world_now, conversation_id=message)
    assert listed.items and all(item.category == "Gym" for item in listed.items)
    turn = chat.chat("5", message, at=world_now, conversation_id=message)
    assert services.preferences("5") == [] and "won't suggest" not in turn.text
    assert turn.items and all(item.category == "Gym" for item in turn.items)
    assert turn.text.startswith(fixed_text("quieter_unknown"))
