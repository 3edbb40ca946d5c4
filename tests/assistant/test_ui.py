"""The web UI: its callbacks without a browser (parsing, tables, heat maps, maps, streaming, feedback, forgetting),
then the real page in headless Debian Chromium over the small world with the polite scripted model."""

from __future__ import annotations

import copy
import importlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.admission import ChatAdmission, QueueFull
from assistant.agent import Assistant, Turn, TurnEvent
from assistant.habits import describe_preferences
from assistant.requests import LatLon
from assistant.service import Service, Suggestion
from assistant.ui import (
    CARD_SLOTS,
    LAST_PLACE,
    Controller,
    MapPoint,
    UIError,
    context_map,
    create_app,
    default_now,
    heatmap_html,
    label_table,
    map_html,
    parse_now,
    parse_where,
    snapshot_table,
    start_server,
    user_rhythm,
    week_grid,
)
from assistant.ui.render import preference_markdown
from profiles.config import Settings, load_settings
from profiles.ingest import read_events
from profiles.preferences import (
    LOCATED_KINDS,
    NEW_PLACES_TARGET,
    NO_CHAINS_TARGET,
    STANDING_KINDS,
    ActivePreference,
    PreferenceKind,
)
from tests.assistant.world import polite_model, world_runtime, world_settings
from tests.fixtures.world import make_items

NEW_YORK = ZoneInfo("America/New_York")
PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WAIT_MS = 30_000
ACCESS_KEY = "an-access-key-for-the-browser"
PLACE_NAMES = [name for name in make_items()["name"] if name]


@dataclass
class World:
    settings: Settings
    service: Service
    assistant: Assistant


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = world_settings(tmp_path_factory.mktemp("ui") / "state")
    runtime = world_runtime(settings)
    service = Service(runtime)
    yield World(settings, service, Assistant(service, polite_model()))
    runtime.close()


@pytest.fixture(scope="module")
def ui(world: World) -> Controller:
    return Controller(world.service, world.assistant, world.settings)


def _chat(ui: Controller, user: str, message: str = "somewhere for coffee near here") -> list[tuple[Any, ...]]:
    """Every output the chat callback streams for one message, at the UI's default time and the user's place."""
    latitude, longitude = ui.here(user)
    return list(ui.respond(message, [], user, ui.default_now, latitude, longitude, ""))


def _last_turn(outputs: list[tuple[Any, ...]]) -> Turn:
    turns = [output[3] for output in outputs if isinstance(output[3], Turn)]
    assert len(turns) == 1
    return turns[0]


# Parsing the controls ---------------------------------------------------------------------------------------------


def test_now_is_read_as_iso_with_the_local_zone_when_it_has_no_offset() -> None:
    assert parse_now("2012-12-20T19:00:00-05:00", NEW_YORK) == datetime(2012, 12, 21, 0, 0, tzinfo=UTC)
    assert parse_now(" 2012-12-20 19:00 ", NEW_YORK) == datetime(2012, 12, 20, 19, 0, tzinfo=NEW_YORK)
    for bad in ("yesterday", "", "20/12/2012"):
        with pytest.raises(UIError, match="“now”"):
            parse_now(bad, NEW_YORK)


def test_where_needs_both_coordinates_on_earth() -> None:
    assert parse_where(None, None) is None
    assert parse_where(40.72, -74.0) == (40.72, -74.0)
    with pytest.raises(UIError, match="both"):
        parse_where(40.72, None)
    with pytest.raises(UIError, match="not a place on Earth"):
        parse_where(95.0, -74.0)


def test_default_now_is_demo_now_else_an_hour_after_the_newest_event_in_new_york() -> None:
    events = pd.DataFrame({"timestamp": pd.to_datetime(["2012-12-20T23:30:00Z", "2012-12-22T22:00:00Z"], utc=True)})
    settings = load_settings()
    assert default_now(settings, events, NEW_YORK) == datetime(2012, 12, 22, 18, 0, tzinfo=NEW_YORK)
    assert default_now(settings, events, NEW_YORK).utcoffset() == timedelta(hours=-5)
    demo = load_settings(server={"demo_now": "2012-07-04T12:00:00-04:00"})
    assert default_now(demo, events, NEW_YORK) == datetime(2012, 7, 4, 12, 0, tzinfo=NEW_YORK)


# Tables and pictures -----------------------------------------------------------------------------------------------


def test_week_grid_counts_by_day_and_hour_and_keeps_each_cells_top_label() -> None:
    grid = week_grid([0, 0, 0, 6], [8, 8, 8, 23], ["Cafe", "Cafe", "Gym", "Bar"])
    assert grid.shape == (7, 24) and int(grid.to_numpy().sum()) == 4
    assert grid.loc["Monday", 8] == 3 and grid.loc["Sunday", 23] == 1
    assert grid.attrs["top"].loc["Monday", 8] == "Cafe" and grid.attrs["top"].loc["Tuesday", 8] == ""


def test_heat_map_is_a_7_by_24_table_with_counts_in_its_tooltips() -> None:
    grid = week_grid([1, 1, 5], [19, 19, 10], ["Bar", "Bar", "Museum"])
    page = heatmap_html(grid)
    assert page.count("<td ") == 7 * 24
    assert "Tuesday 19:00–20:00: 2 events · mostly Bar" in page
    assert "data-count='1'" in page and "darkest cell: 2 events" in page
    assert "Nothing yet" in heatmap_html(week_grid([], []), empty="Nothing yet")


def test_map_is_plain_svg_with_a_legend_of_what_it_shows_and_no_remote_assets() -> None:
    points = [
        MapPoint(40.72, -74.00, "Coffee Shop 2 <b>", "suggestion", tag="1"),
        MapPoint(40.73, -73.99, "Home", "your place"),
        MapPoint(40.725, -73.995, "you are here", "you are here"),
    ]
    colours = {"your place": "#111111", "suggestion": "#222222", "liked": "#333333", "you are here": "#444444"}
    page = map_html(points, colours)
    assert page.count("<circle") == 2 and "<title>Coffee Shop 2 &lt;b&gt;</title>" in page
    assert "suggestion" in page and "your place" in page and "liked" not in page  # only kinds shown
    assert "km</text>" in page  # a scale bar
    assert re.findall(r"https?://[^'\"]+", page) == ["http://www.w3.org/2000/svg"]  # the SVG namespace, no tiles
    assert "No places" in map_html([], colours, empty="No places")


def test_the_users_map_draws_places_near_them_and_counts_the_far_ones() -> None:
    places = pd.DataFrame(
        {
            "item_id": ["a", "b", "c"],
            "name": ["Corner Cafe", "Airport Lounge", "Old Bar"],
            "category": ["Cafe", "Lounge", "Bar"],
            "latitude": [40.721, 40.64, 40.722],
            "longitude": [-74.001, -73.78, -74.003],
            "visits": [9, 2, 0],
            "likes": [0, 0, 0],
            "dislikes": [0, 0, 1],
            "feedback": ["", "", "dislike"],
            "last": pd.to_datetime(["2012-12-01", "2012-11-01", "2012-12-02"], utc=True),
        }
    )
    page = context_map(places, [], (40.72, -74.0))
    assert "Corner Cafe (Cafe) · 9 visits" in page and "Airport Lounge" not in page
    assert "1 of your places beyond 8 km not shown" in page
    assert "Old Bar (Bar) · 0 visits · 👎 1" in page and "disliked" in page and "you are here" in page


@pytest.mark.parametrize("kind", sorted(STANDING_KINDS))
def test_every_kind_of_stated_preference_reads_in_the_inspector_and_the_chat(kind: PreferenceKind) -> None:
    located = {"latitude": 40.7, "longitude": -73.99} if kind in LOCATED_KINDS else {}
    fixed = {PreferenceKind.NO_CHAINS: NO_CHAINS_TARGET, PreferenceKind.NEW_PLACES_ONLY: NEW_PLACES_TARGET}
    target = fixed.get(kind, "Starbucks")
    since = datetime(2012, 5, 1, tzinfo=UTC)
    stated = ActivePreference(kind=kind, target=target, label=target, id=1, since=since, **located)
    assert target in preference_markdown(stated)
    assert describe_preferences([stated]).startswith("You told me:")


def test_snapshot_and_label_tables_of_a_context(ui: Controller, world_now_local: datetime) -> None:
    latitude, longitude = ui.here("2")
    context = ui.service.context("2", world_now_local, LatLon(latitude, longitude))
    snapshots = snapshot_table(context)
    assert list(snapshots.columns) == ["labels", "reason", "weight", "share"]
    assert len(snapshots) == len(context.snapshots) > 0
    assert snapshots["reason"].tolist() == [snapshot.reason for snapshot in context.snapshots]
    labels = label_table(context)
    assert set(labels["interest"]) == {entry.label for entry in [*context.labels_now, *context.labels_overall]}
    assert snapshot_table(None).empty and label_table(None).empty


def test_user_rhythm_counts_every_stored_event_of_the_user(world: World) -> None:
    events = read_events(world.settings)
    assert events is not None
    grid = user_rhythm(events, world.service.items, "5")
    assert int(grid.to_numpy().sum()) == int((events["user_id"] == "5").sum())
    mine = events[events["user_id"] == "5"]
    busiest = np.bincount(mine["hour_of_week"].to_numpy(), minlength=168).argmax()
    assert grid.to_numpy().reshape(-1).argmax() == busiest


@pytest.fixture(scope="module")
def world_now_local(ui: Controller) -> datetime:
    return parse_now(ui.default_now, ui.zone)


# Callbacks --------------------------------------------------------------------------------------------------------


def test_chat_streams_tokens_then_replaces_them_with_the_turn(ui: Controller) -> None:
    outputs = _chat(ui, "2")
    replies = [output[0][-1]["content"] for output in outputs]
    assert outputs[0][0][0] == {"role": "user", "content": "somewhere for coffee near here"}
    streamed = [reply for reply in replies[1:-1] if reply != "…"]
    assert len(streamed) >= 3 and all(b.startswith(a) for a, b in itertools.pairwise(streamed))
    turn = _last_turn(outputs)
    assert replies[-1] == turn.text and any(name in turn.text for name in PLACE_NAMES)
    assert outputs[-1][1].startswith("Answered in") and outputs[-1][2]  # a conversation id was made


def test_the_cards_show_the_suggestions_before_the_reply_is_written(ui: Controller) -> None:
    latitude, longitude = ui.here("5")
    statuses, shown, turn = [], None, None
    # Each output is read as it comes: the chat history is one list that later outputs change.
    for output in ui.respond("somewhere for coffee near here", [], "5", ui.default_now, latitude, longitude, ""):
        assert len(output) == 5 + 2 * CARD_SLOTS + 1  # chat, status, conversation, turn, message, cards, items
        statuses.append(output[1])
        if output[5].get("visible"):
            assert shown is None and output[0][-1]["content"] == "…"  # once, before any reply text
            shown = output
        turn = output[3] if isinstance(output[3], Turn) else turn
    assert shown is not None and turn is not None and turn.items
    assert statuses.index(shown[1]) < statuses.index("Writing…") and shown[1].startswith("Found ")
    assert [item["item_id"] for item in shown[-1]] == [item.item_id for item in turn.items[:CARD_SLOTS]]
    assert turn.items[0].label in shown[6] and turn.items[0].evidence[0] in shown[6]


class _RewritingAssistant:
    """Streams a reply, resets it, then streams the grounded one: what the agent does when grounding fails."""

    admission = ChatAdmission(waiting=0, retry_after_s=1)

    def stream(self, user: str, message: str, at: Any, where: Any, conversation: str) -> Iterator[TurnEvent]:
        yield TurnEvent(kind="token", text="Try Nowhere Bar")
        yield TurnEvent(kind="reset")
        yield TurnEvent(kind="token", text="Try Coffee Shop 2")
        turn = Turn(user_id=user, conversation_id=conversation, message=message, text="Try **Coffee Shop 2**.")
        yield TurnEvent(kind="turn", turn=turn)


def test_a_reset_clears_the_partial_reply(ui: Controller) -> None:
    rewriting = copy.copy(ui)
    rewriting.assistant = _RewritingAssistant()  # type: ignore[assignment]
    replies = [
        output[0][-1]["content"] for output in rewriting.respond("coffee?", [], "2", ui.default_now, 40.7, -74.0, "c")
    ]
    assert replies == ["…", "Try Nowhere Bar", "…", "Try Coffee Shop 2", "Try **Coffee Shop 2**."]


def test_web_chats_queue_with_the_api_chats_and_a_full_queue_is_a_message(ui: Controller) -> None:
    admission = ui.assistant.admission
    taken = 0
    try:
        while True:  # every place in the one chat queue taken, as by waiting API chats
            admission.enter()
            taken += 1
    except QueueFull:
        pass
    try:
        outputs = _chat(ui, "2")
    finally:
        for _ in range(taken):
            admission.leave()
    assert len(outputs) == 1 and "busy" in outputs[0][0][-1]["content"] and "try again in" in outputs[0][1]
    assert admission.in_flight == 0
    answered = _chat(ui, "2")
    assert _last_turn(answered).items and admission.in_flight == 0  # the place is given back after the turn


def test_bad_input_is_a_short_message_never_a_traceback(ui: Controller) -> None:
    for user, now, where, expected in [
        ("2", "yesterday evening", (40.7, -74.0), "“now” must be an ISO date"),
        ("2", ui.default_now, (99.0, -74.0), "not a place on Earth"),
        (None, ui.default_now, (40.7, -74.0), "pick a user"),
    ]:
        with pytest.warns(UserWarning):  # gr.Warning outside a page is a Python warning
            outputs = list(ui.respond("coffee", [], user, now, *where, ""))
        assert len(outputs) == 1 and outputs[0][1].startswith("⚠️") and expected in outputs[0][1]
        assert "Traceback" not in outputs[0][1]
    summary = ui.select_user("2", LAST_PLACE, "not a time", None, None)[6]
    assert "“now” must be an ISO date" in summary


def test_an_unexpected_error_is_one_line_and_logged(ui: Controller, caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        admission = ChatAdmission(waiting=0, retry_after_s=1)

        def stream(self, *args: Any) -> Iterator[TurnEvent]:
            raise KeyError("boom")
            yield  # pragma: no cover

    broken = copy.copy(ui)
    broken.assistant = Broken()  # type: ignore[assignment]
    outputs = list(broken.respond("coffee", [], "2", ui.default_now, 40.7, -74.0, "c"))
    assert "Something went wrong while answering (KeyError" in outputs[-1][1]
    assert "Traceback" in caplog.text  # the details are for the operator's log


def test_a_turn_fills_the_cards_and_the_inspector(ui: Controller) -> None:
    turn = _last_turn(_chat(ui, "4"))
    assert turn.items
    summary, snapshots, labels, places_map, rhythm, *rest = ui.show_turn(turn, "4", ui.default_now, None, None)
    cards, items = rest[: 2 * CARD_SLOTS], rest[-1]
    shown = min(len(turn.items), CARD_SLOTS)
    assert [cards[2 * slot]["visible"] for slot in range(CARD_SLOTS)] == [True] * shown + [False] * (CARD_SLOTS - shown)
    assert turn.items[0].label in cards[1] and turn.items[0].evidence[0] in cards[1]
    assert [item["item_id"] for item in items] == [item.item_id for item in turn.items[:CARD_SLOTS]]
    assert "User 4" in summary and len(snapshots) == len(turn.context.snapshots) and len(labels)
    assert places_map.count("suggestion") >= 1 and f"1. {turn.items[0].label}" in places_map
    assert rhythm.count("<td ") == 168


def test_a_thumbs_up_is_stored_and_shows_in_the_context(ui: Controller, world: World) -> None:
    turn = _last_turn(_chat(ui, "1"))
    items = [item.model_dump() for item in turn.items[:CARD_SLOTS]]
    liked = turn.items[0]
    message, summary, _snapshots, _labels, places_map, _rhythm = ui.feedback(
        0, True, items, turn, "1", ui.default_now, None, None
    )
    assert message == f"👍 recorded for {liked.label}"
    events = read_events(world.settings)
    assert events is not None
    mine = events[(events["user_id"] == "1") & (events["item_id"] == liked.item_id)]
    assert (mine["action"] == "like").sum() == 1
    assert mine.loc[mine["action"] == "like", "timestamp"].iloc[0] == parse_now(ui.default_now, ui.zone)
    assert f"Your feedback: 👍 {liked.label}" in summary
    assert "liked" in places_map and "👍 1" in places_map
    again = ui.feedback(0, True, items, turn, "1", ui.default_now, None, None)[0]
    assert "already recorded" in again
    disliked = ui.feedback(1, False, items, turn, "1", ui.default_now, None, None)
    assert disliked[0] == f"👎 recorded for {turn.items[1].label}" and f"👎 {turn.items[1].label}" in disliked[1]


def test_feedback_without_a_card_is_a_message(ui: Controller) -> None:
    with pytest.warns(UserWarning):
        outputs = ui.feedback(2, True, [], None, "1", ui.default_now, None, None)
    assert outputs[0].startswith("⚠️") and "ask for suggestions first" in outputs[0]


def test_forget_needs_the_box_ticked_then_removes_the_user_everywhere(ui: Controller, world: World) -> None:
    conversation = {"configurable": {"thread_id": f"8\x1f{_chat(ui, '8')[-1][2]}"}}
    assert ui.assistant.memory.get_tuple(conversation) is not None
    with pytest.warns(UserWarning):
        refused = ui.forget("8", False)
    assert "tick" in refused[0] and world.service.known_user("8")
    result, users, confirm, chat, turn, summary, *_ = ui.forget("8", True)
    assert result.startswith("User 8 is forgotten") and "stored events" in result
    assert not world.service.known_user("8") and "8" not in users["choices"] and users["value"] is None
    assert confirm["visible"] is False and chat == [] and turn is None and "forgotten" in summary
    events = read_events(world.settings)
    assert events is not None and not (events["user_id"] == "8").any()
    assert ui.assistant.memory.get_tuple(conversation) is None  # the conversation is gone from memory


def test_choosing_a_neighbourhood_fills_the_coordinates(ui: Controller) -> None:
    assert ui.pick_place("Tribeca", "2")[:2] == (40.7163, -74.0086)
    assert ui.pick_place(LAST_PLACE, "2")[:2] == ui.here("2")


def test_insights_release_only_cells_with_k_users(ui: Controller) -> None:
    insights = ui.insights
    assert insights is not None and insights.min_users == 2
    assert len(insights.areas) > 0 and (insights.table["users"] >= 2).all()
    everything = ui.insights_heatmap(None)
    assert everything.count("<td ") == 168 and "visits" in everything
    category = insights.table["category"].iloc[0]
    only = ui.insights_heatmap(category)
    rows = insights.table[insights.table["category"] == category]
    expected = int(rows.groupby(["day", "hour"])["events"].sum().max())  # a cell adds up its areas
    assert only.count("<td ") == 168 and f"data-count='{expected}'" in only


def test_the_app_serves_the_page_at_the_root_and_the_api_under_api(world: World) -> None:
    with TestClient(create_app(world.service, world.assistant, world.settings), base_url="http://localhost") as client:
        page = client.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        health = client.get("/api/health")
        assert health.status_code == 200 and health.json()["users"] == len(world.service.users())


def test_importing_app_starts_nothing() -> None:
    app = importlib.import_module("app")
    assert callable(app.main)


# In the browser --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[str]:
    running = start_server(create_app(world.service, world.assistant, world.settings), "127.0.0.1", 0)
    yield running.url
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)"
        if load_settings().data.require:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """The page, loaded; afterwards, every request it made must have stayed on this machine."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    requested: list[str] = []
    opened.on("request", lambda request: requested.append(request.url))
    opened.goto(server)
    expect(opened.locator("#inspector-summary")).to_contain_text("User", timeout=WAIT_MS)
    yield opened
    context.close()
    remote = [url for url in requested if urlsplit(url).hostname not in ("127.0.0.1", "localhost", None)]
    assert remote == [], "the page asked the internet for something"


def _pick_user(page: Any, user: str) -> None:
    from playwright.sync_api import expect

    box = page.locator("#user input")
    box.click()
    box.fill("")  # the box holds the current user; typing filters the list as a person would
    box.press_sequentially(user, delay=20)
    page.get_by_role("option", name=user, exact=True).click()
    expect(page.locator("#inspector-summary")).to_contain_text(f"User {user}", timeout=WAIT_MS)


def _send(page: Any, message: str) -> None:
    page.locator("#message textarea").fill(message)
    page.locator("#send").click()


def test_browser_chat_streams_a_grounded_reply_and_shows_the_context(page: Any) -> None:
    from playwright.sync_api import expect

    _pick_user(page, "3")
    _send(page, "somewhere for coffee near here")
    expect(page.locator("#status")).to_contain_text("Answered in", timeout=WAIT_MS)
    reply = page.locator("#chat").inner_text()
    assert any(name in reply for name in PLACE_NAMES), reply
    expect(page.locator("#card-text-0")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#card-text-0")).to_contain_text("km", timeout=WAIT_MS)
    expect(page.locator("#snapshots")).to_contain_text("ago", timeout=WAIT_MS)
    expect(page.locator("#labels")).to_contain_text("Coffee Shop", timeout=WAIT_MS)
    assert page.locator("#user-map circle").count() > 3
    assert page.locator("#rhythm td").count() == 168
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-chat.png"), full_page=True)


def test_browser_thumbs_up_is_confirmed_and_shows_in_the_context(page: Any) -> None:
    from playwright.sync_api import expect

    _pick_user(page, "6")
    _send(page, "somewhere for coffee near here")
    expect(page.locator("#status")).to_contain_text("Answered in", timeout=WAIT_MS)
    expect(page.locator("#card-text-0")).to_contain_text(re.compile(r"1\. .+? ·"), timeout=WAIT_MS)
    card = page.locator("#card-text-0").inner_text()
    found = re.search(r"1\. (.+?) ·", card)
    assert found is not None, repr(card)
    name = found.group(1)
    page.locator("#like-0").click()
    expect(page.locator("#feedback-status")).to_contain_text(f"recorded for {name}", timeout=WAIT_MS)
    expect(page.locator("#inspector-summary")).to_contain_text(f"Your feedback: 👍 {name}", timeout=WAIT_MS)
    assert page.locator("#user-map").inner_html().count("liked") >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-feedback.png"), full_page=True)


def test_browser_bad_now_gets_a_message(page: Any) -> None:
    from playwright.sync_api import expect

    page.locator("#now textarea, #now input").first.fill("next tuesday")
    _send(page, "a bar tonight")
    expect(page.locator("#status")).to_contain_text("“now” must be an ISO date", timeout=WAIT_MS)
    assert "Traceback" not in page.content()


def test_browser_forget_me_asks_first_then_deletes(page: Any, world: World) -> None:
    from playwright.sync_api import expect

    _pick_user(page, "9")
    page.locator("#forget-section").get_by_text("Forget me").first.click()
    page.locator("#forget").click()
    page.locator("#forget-understood input").check()
    page.locator("#forget-go").click()
    expect(page.locator("#forget-result")).to_contain_text("User 9 is forgotten", timeout=WAIT_MS)
    assert not world.service.known_user("9")
    page.locator("#user input").click()
    expect(page.get_by_role("option", name="2", exact=True)).to_be_visible(timeout=WAIT_MS)
    assert page.get_by_role("option", name="9", exact=True).count() == 0


def test_browser_insights_tab_shows_the_map_and_heat_map(page: Any) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Insights").click()
    expect(page.locator("#insights-caption")).to_contain_text("fewer than 2 distinct users are hidden", timeout=WAIT_MS)
    expect(page.locator("#insights-caption")).to_contain_text("suppressed", timeout=WAIT_MS)
    assert page.locator("#insights-map circle").count() >= 1
    assert page.locator("#insights-heatmap td").count() == 168
    expect(page.locator("#insights-areas")).to_contain_text("Dining and Drinking", timeout=WAIT_MS)
    expect(page.locator("#insights-areas")).to_contain_text("Financial District", timeout=WAIT_MS)  # areas named
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-insights.png"), full_page=True)


@pytest.fixture(scope="module")
def keyed_server(world: World) -> Iterator[str]:
    """The same page served with an access key."""
    server = world.settings.server.model_copy(update={"api_key": SecretStr(ACCESS_KEY)})
    settings = world.settings.model_copy(update={"server": server})
    running = start_server(create_app(world.service, world.assistant, settings), "127.0.0.1", 0)
    yield running.url
    running.stop()


def test_browser_logs_in_with_the_key_before_the_page_shows(browser: Any, keyed_server: str) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    first = page.goto(keyed_server)
    assert first is not None and first.status == 401
    assert page.locator("#inspector-summary").count() == 0 and "Coffee Shop" not in page.content()
    page.locator("#key").fill("a guess")
    page.locator("#login").click()
    expect(page.get_by_role("alert")).to_contain_text("not right", timeout=WAIT_MS)
    page.locator("#key").fill(ACCESS_KEY)
    page.locator("#login").click()
    # Logged in, the whole page works through the cookie: Gradio's config, queue and streamed events.
    expect(page.locator("#inspector-summary")).to_contain_text("User", timeout=WAIT_MS)
    _send(page, "somewhere for coffee near here")
    expect(page.locator("#status")).to_contain_text("Answered in", timeout=WAIT_MS)
    expect(page.locator("#card-text-0")).to_contain_text("km", timeout=WAIT_MS)
    context.close()
    assert [url for url in requested if urlsplit(url).hostname not in ("127.0.0.1", None)] == []


def test_suggestion_labels_match_the_cards(ui: Controller) -> None:
    item = Suggestion(
        rank=1,
        item_id="v00",
        name="",
        category="Home (private)",
        latitude=40.7,
        longitude=-74.0,
        distance_km=0.2,
        is_return=True,
        score=1.0,
        evidence=["you live here"],
    )
    assert ui.cards([item])[1].startswith("**1. a Home (private)** · Home (private) · 0.2 km · a place you know")


# Stated preferences ------------------------------------------------------------------------------------------------


def test_the_inspector_lists_stated_preferences_and_undo_ends_one(ui: Controller, world: World) -> None:
    from profiles.preferences import Preference, PreferenceKind

    user = "9"
    at = parse_now(ui.default_now, ui.zone)
    world.service.set_preference(user, Preference(kind=PreferenceKind.MUTE_CATEGORY, target="Gym", label="gyms"), at)
    world.service.set_preference(
        user, Preference(kind=PreferenceKind.HIDE_PLACE, target="v03", label="Jazz Club 3"), at
    )
    rows = ui.preference_rows(user)
    texts = [rows[2 * slot + 1] for slot in range(2)]
    assert texts == ["🚫 Hidden: **Jazz Club 3**", "🔇 Not suggested: **gyms** (Gym)"]
    assert rows[4]["visible"] is False and rows[-2] == "" and len(rows[-1]) == 2
    latitude, longitude = ui.here(user)
    outputs = ui.undo_preference(1, rows[-1], user, ui.default_now, latitude, longitude)
    assert outputs[0] == "Undone: gyms" and outputs[1 + 1] == "🚫 Hidden: **Jazz Club 3**" and outputs[1 + 3] == ""
    assert [p.kind for p in world.service.preferences(user)] == [PreferenceKind.HIDE_PLACE]
    assert ui.undo_preference(5, rows[-1], user, ui.default_now, latitude, longitude)[0].startswith("⚠️")
    world.service.clear_preferences(user, at)
    assert ui.preference_rows(user)[-2].startswith("None yet")


def test_browser_a_preference_stated_in_the_chat_shows_in_the_inspector_until_undone(page: Any, world: World) -> None:
    from playwright.sync_api import expect

    _pick_user(page, "4")
    expect(page.locator("#pref-none")).to_contain_text("None yet", timeout=WAIT_MS)
    _send(page, "stop suggesting coffee")
    expect(page.locator("#chat")).to_contain_text("won't suggest coffee any more", timeout=WAIT_MS)
    expect(page.locator("#pref-0")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#pref-text-0")).to_contain_text("Not suggested: coffee", timeout=WAIT_MS)
    assert [p.target for p in world.service.preferences("4")] == ["Cafe"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-preference.png"), full_page=True)
    page.locator("#pref-undo-0").click()
    expect(page.locator("#pref-status")).to_contain_text("Undone: coffee", timeout=WAIT_MS)
    expect(page.locator("#pref-0")).to_be_hidden(timeout=WAIT_MS)
    assert world.service.preferences("4") == []
