"""The HTTP API over a real runtime on the small world: every endpoint's happy path, refusals with clear messages
(wrong types, unknown users and items, oversized payloads, API keys), Server-Sent Events chat, and forgetting."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from assistant.agent import Assistant, TurnEvent
from assistant.api import create_api
from assistant.gazetteer import of_area
from assistant.runtime import Runtime
from assistant.service import Service
from profiles.config import Settings, load_settings
from profiles.ingest import read_events
from tests.assistant.world import ScriptedChatModel

KEY = "s3cret-key"
COFFEE = "somewhere for coffee near here"
LOCAL = "http://127.0.0.1"  # a Host the server answers to (TestClient's default, "testserver", is refused)


def api_settings(state_dir: Path, now: datetime, **server: Any) -> Settings:
    return load_settings(state_dir=state_dir, server={"demo_now": now, **server})


@pytest.fixture
def assistant(services: Service, polite: ScriptedChatModel) -> Assistant:
    return Assistant(services, polite)


@pytest.fixture
def client(services: Service, assistant: Assistant, world_now: datetime) -> TestClient:
    return TestClient(
        create_api(services, assistant, api_settings(services.settings.state_dir, world_now)), base_url=LOCAL
    )


def stored_events(runtime: Runtime) -> int:
    events = read_events(runtime.settings)
    return 0 if events is None else len(events)


def event(world_items: pd.DataFrame, user_id: str, item_id: str, at: datetime, **extra: Any) -> dict[str, Any]:
    row = world_items.set_index("item_id").loc[item_id]
    return {
        "user_id": user_id,
        "item_id": item_id,
        "timestamp": at.isoformat(),
        "latitude": float(row["latitude"]),
        "longitude": float(row["longitude"]),
        **extra,
    }


def sse(text: str) -> list[tuple[str, Any]]:
    """(event name, decoded data) of each Server-Sent Event in a response body."""
    events = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            events.append((fields["event"], json.loads(fields.get("data", "null"))))
    return events


# ---- health, keys and the schema -------------------------------------------------------------------------------


def test_health_needs_no_key_and_counts_users_and_places(
    runtime: Runtime, services: Service, assistant: Assistant, world_now: datetime
) -> None:
    keyed = TestClient(
        create_api(services, assistant, api_settings(runtime.settings.state_dir, world_now, api_key=KEY)),
        base_url=LOCAL,
    )
    response = keyed.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "users": 10, "places": 40}


def test_a_configured_key_is_required_and_checked(
    runtime: Runtime, services: Service, assistant: Assistant, world_now: datetime
) -> None:
    keyed = TestClient(
        create_api(services, assistant, api_settings(runtime.settings.state_dir, world_now, api_key=KEY)),
        base_url=LOCAL,
    )
    missing = keyed.get("/api/users/3/context")
    assert missing.status_code == 401 and missing.json() == {"error": "missing API key"}
    wrong = keyed.post("/api/recommend", json={"user_id": "3"}, headers={"X-API-Key": "guess"})
    assert wrong.status_code == 401 and wrong.json() == {"error": "wrong API key"}
    # Refused before the body is even looked at: a bad body does not reveal the schema to a stranger.
    assert keyed.post("/api/events", json={"events": "x"}).status_code == 401
    assert keyed.delete("/api/users/3").status_code == 401 and runtime.known_user("3")
    right = keyed.get("/api/users/3/context", headers={"X-API-Key": KEY})
    assert right.status_code == 200 and right.json()["user_id"] == "3"


def test_the_schema_lists_the_routes_and_the_key_scheme(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/health",
        "/api/events",
        "/api/users/{user_id}/context",
        "/api/recommend",
        "/api/places/{item_id}",
        "/api/chat",
        "/api/feedback",
        "/api/users/{user_id}",
        "/api/users/{user_id}/preferences",
        "/api/users/{user_id}/preferences/{preference_id}",
    }
    assert schema["components"]["securitySchemes"]["APIKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": schema["components"]["securitySchemes"]["APIKey"]["description"],
    }
    assert schema["paths"]["/api/recommend"]["post"]["security"] == [{"APIKey": []}]
    assert "security" not in schema["paths"]["/api/health"]["get"]
    models = schema["components"]["schemas"]
    assert models["ChatBody"]["properties"]["message"]["description"]
    assert "snapshots" in models["InterestContext"]["properties"]  # not an opaque object
    assert "text/event-stream" in schema["paths"]["/api/chat"]["post"]["responses"]["200"]["content"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text


# ---- events ----------------------------------------------------------------------------------------------------


def test_posted_events_make_a_new_user_known(
    client: TestClient, runtime: Runtime, world_items: pd.DataFrame, world_now: datetime
) -> None:
    before = client.get("/api/users/newcomer/context")
    assert before.status_code == 404
    assert "newcomer" in before.json()["error"] and "POST /api/events" in before.json()["error"]
    events = [
        event(world_items, "newcomer", "v03", world_now - timedelta(hours=30)),
        event(world_items, "newcomer", "v08", world_now - timedelta(hours=5), action="like"),
    ]
    response = client.post("/api/events", json={"events": events})
    assert response.status_code == 200 and response.json() == {"added": 2}
    assert runtime.known_user("newcomer")
    context = client.get("/api/users/newcomer/context").json()
    assert context["user_id"] == "newcomer" and context["snapshots"]
    assert client.get("/api/health").json()["users"] == 11


def test_a_batch_with_a_bad_event_stores_nothing(
    client: TestClient, runtime: Runtime, world_items: pd.DataFrame, world_now: datetime
) -> None:
    before = stored_events(runtime)
    good = event(world_items, "newcomer", "v03", world_now - timedelta(hours=2))
    bad = {**good, "item_id": "no-such-place"}
    response = client.post("/api/events", json={"events": [good, bad]})
    assert response.status_code == 422
    assert "event 1" in response.json()["error"] and "no-such-place" in response.json()["error"]
    assert stored_events(runtime) == before and not runtime.known_user("newcomer")


def test_wrong_types_are_refused_naming_the_field(
    client: TestClient, world_items: pd.DataFrame, world_now: datetime
) -> None:
    events = [event(world_items, "3", "v03", world_now) for _ in range(4)]
    events[3]["latitude"] = "north"
    response = client.post("/api/events", json={"events": events})
    assert response.status_code == 422
    body = response.json()
    assert body["error"].startswith("events.3.latitude: Input should be a valid number")
    assert body["details"][0]["field"] == "events.3.latitude"
    naive = client.post("/api/events", json={"events": [{**events[0], "timestamp": "2012-06-01T10:00:00"}]})
    assert naive.status_code == 422 and "events.0.timestamp" in naive.json()["error"]
    assert "time zone" in naive.json()["error"]
    unknown_field = client.post("/api/recommend", json={"user_id": "3", "latitude": 40.7})
    assert unknown_field.status_code == 422 and unknown_field.json()["error"].startswith("latitude: Extra inputs")
    too_many = client.post("/api/recommend", json={"user_id": "3", "k": 51})
    assert too_many.status_code == 422 and too_many.json()["error"].startswith("k: ")
    query = client.get("/api/users/3/context", params={"lat": "abc", "lon": -74.0})
    assert query.status_code == 422 and query.json()["error"].startswith("lat: ")
    broken = client.post("/api/events", content=b'{"events": [', headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and "not valid JSON" in broken.json()["error"]


@pytest.mark.parametrize("timestamp", ["2100-01-01T00:00:00Z", "9999-12-31T23:00:00-12:00", "0001-01-01T00:00:00Z"])
def test_events_far_in_the_future_or_out_of_range_are_422_and_recommend_keeps_working(
    client: TestClient, runtime: Runtime, world_items: pd.DataFrame, world_now: datetime, timestamp: str
) -> None:
    before = stored_events(runtime)
    response = client.post(
        "/api/events", json={"events": [{**event(world_items, "3", "v03", world_now), "timestamp": timestamp}]}
    )
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "events.0.timestamp"
    assert stored_events(runtime) == before
    assert client.post("/api/recommend", json={"user_id": "3"}).status_code == 200


@pytest.mark.parametrize("at", ["9999-12-31T23:00:00-12:00", "0001-01-01T00:00:00Z", "2500-01-01T00:00:00Z"])
def test_extreme_times_on_context_and_recommend_are_422(client: TestClient, at: str) -> None:
    recommend = client.post("/api/recommend", json={"user_id": "3", "at": at})
    context = client.get("/api/users/3/context", params={"at": at})
    chat = client.post("/api/chat", json={"user_id": "3", "message": "coffee?", "at": at, "stream": False})
    for response in (recommend, context, chat):
        assert response.status_code == 422 and "at" in response.json()["details"][0]["field"], response.text


def test_too_many_events_in_one_request_are_refused(
    runtime: Runtime, services: Service, assistant: Assistant, world_items: pd.DataFrame, world_now: datetime
) -> None:
    settings = api_settings(runtime.settings.state_dir, world_now, max_events_per_request=3)
    small = TestClient(create_api(services, assistant, settings), base_url=LOCAL)
    before = stored_events(runtime)
    events = [event(world_items, "3", "v03", world_now - timedelta(hours=hour)) for hour in range(4)]
    response = small.post("/api/events", json={"events": events})
    assert response.status_code == 413 and "the limit is 3" in response.json()["error"]
    assert stored_events(runtime) == before
    assert small.post("/api/events", json={"events": events[:3]}).status_code == 200


def test_an_oversized_body_is_refused_by_its_length_and_by_what_arrives(
    runtime: Runtime, services: Service, assistant: Assistant, world_now: datetime
) -> None:
    app = create_api(services, assistant, api_settings(runtime.settings.state_dir, world_now, max_body_bytes=2_000))

    @app.post("/upload")  # stands for the web UI mounted beside the API: the API's limit is not its limit
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    small = TestClient(app, base_url=LOCAL)
    body = json.dumps({"user_id": "3", "message": "coffee " * 400, "stream": False}).encode()
    json_type = {"Content-Type": "application/json"}
    declared = small.post("/api/chat", content=body, headers=json_type)
    assert declared.status_code == 413
    assert declared.json() == {
        "error": f"request body is {len(body):,} bytes; the limit is 2,000 bytes (server.max_body_bytes)"
    }

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body is counted as it arrives
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    streamed = small.post("/api/chat", content=chunks(), headers=json_type)
    assert streamed.status_code == 413
    assert streamed.json() == {"error": "request body is over 2,000 bytes (server.max_body_bytes)"}
    fits = small.post("/api/recommend", json={"user_id": "3", "k": 2})
    assert fits.status_code == 200 and len(fits.json()) == 2
    chunked_fits = small.post("/api/recommend", content=iter([b'{"user_id": "3",', b' "k": 1}']), headers=json_type)
    assert chunked_fits.status_code == 200 and len(chunked_fits.json()) == 1
    assert small.post("/upload", content=body).json() == {"size": len(body)}


# ---- context and recommendations -------------------------------------------------------------------------------


def test_the_context_is_json_without_vectors(client: TestClient, world_now: datetime) -> None:
    at = world_now.isoformat()
    response = client.get("/api/users/3/context", params={"at": at, "lat": 40.71, "lon": -74.0, "query": "coffee"})
    assert response.status_code == 200
    context = response.json()
    assert context["user_id"] == "3" and context["query"] == "coffee"
    assert datetime.fromisoformat(context["at"]) == world_now
    assert (context["latitude"], context["longitude"]) == (40.71, -74.0)
    assert context["snapshots"] and all(snapshot["reason"] for snapshot in context["snapshots"])
    assert "vector" not in context and all("embedding" not in snapshot for snapshot in context["snapshots"])
    # Defaults: the server's demo time and the user's last place; k bounds the snapshots.
    default = client.get("/api/users/3/context", params={"k": 2}).json()
    assert datetime.fromisoformat(default["at"]) == world_now and 1 <= len(default["snapshots"]) <= 2
    one_coordinate = client.get("/api/users/3/context", params={"lat": 40.71})
    assert one_coordinate.status_code == 422 and "both lat and lon" in one_coordinate.json()["error"]
    unknown = client.get("/api/users/nobody/context")
    assert unknown.status_code == 404 and "'nobody'" in unknown.json()["error"]


def test_recommendations_carry_evidence(client: TestClient, world_items: pd.DataFrame) -> None:
    response = client.post("/api/recommend", json={"user_id": "3", "k": 4, "category": "Cafe"})
    assert response.status_code == 200
    places = response.json()
    assert len(places) == 4 and [place["rank"] for place in places] == [1, 2, 3, 4]
    assert all(place["category"] == "Coffee Shop" and place["evidence"] for place in places)
    assert {place["item_id"] for place in places} <= set(world_items["item_id"])
    # Evidence cites the user's context: they have a coffee routine.
    assert any(line.startswith("you ") for place in places for line in place["evidence"])
    anything = client.post("/api/recommend", json={"user_id": "3"}).json()
    assert len(anything) == 10 and all(place["category"] != "Home (private)" for place in anything)
    # Full surprise leaves out every place the user knows.
    new = client.post("/api/recommend", json={"user_id": "3", "surprise": 1.0}).json()
    assert new and not any(place["is_return"] for place in new)
    assert client.post("/api/recommend", json={"user_id": "3", "surprise": 2}).status_code == 422
    # JSON true is no number: pydantic would read it as 1 (found by the fuzzing test).
    for field in ("k", "surprise", "within_km", "beyond_km"):
        refused = client.post("/api/recommend", json={"user_id": "3", field: True})
        assert refused.status_code == 422 and field in refused.json()["error"], refused.json()
    # Farther than a distance, and no place both nearer than a radius and beyond a farther one.
    far = client.post("/api/recommend", json={"user_id": "3", "beyond_km": 1.0}).json()
    assert far and all(place["distance_km"] >= 1.0 for place in far)
    both = client.post("/api/recommend", json={"user_id": "3", "within_km": 1.0, "beyond_km": 2.0})
    assert both.status_code == 422 and "beyond_km" in both.json()["error"], both.json()
    unknown = client.post("/api/recommend", json={"user_id": "nobody"})
    assert unknown.status_code == 404 and "'nobody'" in unknown.json()["error"]
    # Look-alikes of named places, for this request: an id the catalogue lacks is a 422 naming the field.
    jazz = world_items.loc[world_items["category"] == "Jazz Club", "item_id"].iloc[0]
    alike = client.post("/api/recommend", json={"user_id": "5", "like": [jazz], "exclude": [jazz]})
    plain = client.post("/api/recommend", json={"user_id": "5", "exclude": [jazz]}).json()
    assert alike.status_code == 200
    clubs = [sum(place["category"] == "Jazz Club" for place in found) for found in (alike.json(), plain)]
    assert clubs[0] > clubs[1], clubs
    missing = client.post("/api/recommend", json={"user_id": "5", "like": ["no-such-place"]})
    assert missing.status_code == 422 and "like" in missing.json()["error"]
    # Near a kind of stop: each place says which one; a kind no place is of is a 422 naming the field.
    near = client.post("/api/recommend", json={"user_id": "3", "category": "Cafe", "near_kinds": ["Jazz Club"]})
    assert near.status_code == 200 and near.json()
    assert all(" km from Jazz Club " in place["evidence"][-1] for place in near.json())
    nowhere = client.post("/api/recommend", json={"user_id": "3", "near_kinds": ["Spaceport"]})
    assert nowhere.status_code == 422 and "near_kinds" in nowhere.json()["error"]
    after = client.post("/api/recommend", json={"user_id": "3", "after": "no-such-place"})
    assert after.status_code == 422 and "after" in after.json()["error"]
    # An area ruled out for this request: none of its places; one the gazetteer lacks is a 422 naming the field.
    outside = client.post("/api/recommend", json={"user_id": "3", "outside": ["Lower East Side"]})
    assert outside.status_code == 200 and outside.json()
    assert not any(of_area("Lower East Side", [place["latitude"]], [place["longitude"]])[0] for place in outside.json())
    atlantis = client.post("/api/recommend", json={"user_id": "3", "outside": ["Atlantis"]})
    assert atlantis.status_code == 422 and "outside" in atlantis.json()["error"]
    unknown = client.post("/api/recommend", json={"user_id": "3", "calmer_than": ["no-such-place"]})
    assert unknown.status_code == 422 and "calmer_than" in unknown.json()["error"]


# ---- chat ------------------------------------------------------------------------------------------------------


def test_a_streamed_chat_sends_tokens_then_a_turn_naming_a_catalogue_place(
    client: TestClient, world_items: pd.DataFrame
) -> None:
    response = client.post("/api/chat", json={"user_id": "3", "message": COFFEE})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = sse(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "turn" and kinds.count("turn") == 1 and "error" not in kinds
    tokens = [data["text"] for kind, data in events if kind == "token"]
    assert len(tokens) > 3
    turn = events[-1][1]
    assert turn["user_id"] == "3" and turn["conversation_id"] == "default"
    assert turn["text"].startswith("".join(tokens).strip())
    top = turn["items"][0]
    assert top["name"] in set(world_items["name"]) and top["name"] in turn["text"] and top["evidence"]
    assert turn["context"]["user_id"] == "3" and "vector" not in turn["context"]


def test_a_streamed_chat_sends_the_suggestions_before_the_first_token(client: TestClient) -> None:
    events = sse(client.post("/api/chat", json={"user_id": "3", "message": COFFEE}).text)
    kinds = [kind for kind, _ in events]
    assert kinds.count("suggestions") == 1 and kinds.index("suggestions") < kinds.index("token")
    suggestions = events[kinds.index("suggestions")][1]
    assert suggestions and suggestions == events[-1][1]["items"]  # the places of the turn, with their evidence
    assert all(place["evidence"] and "category_path" not in place for place in suggestions)
    schema = client.get("/api/openapi.json").json()
    assert "`suggestions`" in schema["paths"]["/api/chat"]["post"]["responses"]["200"]["description"]


def test_a_chat_without_streaming_returns_the_turn(client: TestClient) -> None:
    response = client.post(
        "/api/chat", json={"user_id": "3", "message": "a gym please", "stream": False, "lat": 40.71, "lon": -74.0}
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    turn = response.json()
    assert turn["items"] and all(item["category"] == "Gym" for item in turn["items"])
    assert turn["items"][0]["name"] in turn["text"]
    assert [call["name"] for call in turn["trace"]] == ["get_interest_context", "recommend"]


def test_chat_refusals(client: TestClient) -> None:
    too_long = client.post("/api/chat", json={"user_id": "3", "message": "x" * 2_001})
    assert too_long.status_code == 422 and too_long.json()["error"].startswith("message: ")
    for stream in (True, False):  # the assistant's own refusal (ChatError) is a 422 whether streaming or not
        blank = client.post("/api/chat", json={"user_id": "3", "message": "   ", "stream": stream})
        assert blank.status_code == 422 and blank.json() == {"error": "message must be a non-empty string"}
    unknown = client.post("/api/chat", json={"user_id": "nobody", "message": COFFEE})
    assert unknown.status_code == 404 and "POST /api/events" in unknown.json()["error"]
    missing = client.post("/api/chat", json={"message": COFFEE})
    assert missing.status_code == 422 and missing.json()["error"] == "user_id: Field required"


def test_a_failure_mid_stream_is_an_error_event_without_a_traceback(
    client: TestClient, assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: Any, **kwargs: Any) -> Iterator[TurnEvent]:
        yield TurnEvent(kind="token", text="Try ")
        raise RuntimeError("secret internals")

    monkeypatch.setattr(assistant, "stream", failing)
    response = client.post("/api/chat", json={"user_id": "3", "message": COFFEE})
    assert response.status_code == 200
    assert sse(response.text) == [("token", {"text": "Try "}), ("error", {"error": "internal error"})]
    assert "secret" not in response.text and "Traceback" not in response.text


def test_an_unexpected_error_is_a_bare_500(
    runtime: Runtime,
    services: Service,
    assistant: Assistant,
    world_now: datetime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(runtime, "context", broken)
    app = create_api(services, assistant, api_settings(runtime.settings.state_dir, world_now))
    response = TestClient(app, base_url=LOCAL, raise_server_exceptions=False).get("/api/users/3/context")
    assert response.status_code == 500 and response.json() == {"error": "internal error"}
    assert "GET /api/users/3/context failed: RuntimeError" in caplog.text


# ---- feedback and forgetting -----------------------------------------------------------------------------------


def test_feedback_is_stored_and_an_unknown_place_is_refused(client: TestClient, runtime: Runtime) -> None:
    before = stored_events(runtime)
    response = client.post("/api/feedback", json={"user_id": "3", "item_id": "v12", "liked": True})
    assert response.status_code == 200
    assert response.json() == {"user_id": "3", "item_id": "v12", "liked": True, "stored": 1}
    assert stored_events(runtime) == before + 1
    unknown = client.post("/api/feedback", json={"user_id": "3", "item_id": "v99", "liked": False})
    assert unknown.status_code == 422 and "'v99'" in unknown.json()["error"]
    assert stored_events(runtime) == before + 1
    maybe = client.post("/api/feedback", json={"user_id": "3", "item_id": "v12", "liked": "maybe"})
    assert maybe.status_code == 422 and maybe.json()["error"].startswith("liked: Input should be a valid boolean")


def test_forgetting_a_user_removes_them_and_nobody_else(client: TestClient, runtime: Runtime) -> None:
    assert client.post("/api/chat", json={"user_id": "4", "message": COFFEE, "stream": False}).status_code == 200
    before = stored_events(runtime)
    response = client.delete("/api/users/4")
    assert response.status_code == 200
    report = response.json()
    assert report["user_id"] == "4" and report["snapshots"] > 0 and report["events"] > 0
    assert report["recommender"] is True and report["conversations"] == 1
    assert stored_events(runtime) == before - report["events"]
    assert "4" not in set(read_events(runtime.settings)["user_id"])
    gone = client.get("/api/users/4/context")
    assert gone.status_code == 404 and "'4'" in gone.json()["error"]
    assert client.post("/api/chat", json={"user_id": "4", "message": COFFEE}).status_code == 404
    again = client.delete("/api/users/4")  # idempotent: nothing left, and it says so
    assert again.status_code == 200
    assert {key: again.json()[key] for key in ("events", "snapshots", "conversations", "rejects")} == dict.fromkeys(
        ("events", "snapshots", "conversations", "rejects"), 0
    )
    other = client.get("/api/users/5/context")
    assert other.status_code == 200 and other.json()["snapshots"]
    assert client.get("/api/health").json()["users"] == 9


def test_place_details_are_served_and_bad_input_is_named(client: TestClient, world_items: pd.DataFrame) -> None:
    item_id = str(world_items["item_id"].iloc[0])
    details = client.get(f"/api/places/{item_id}", params={"user_id": "3", "lat": 40.72, "lon": -74.0})
    assert details.status_code == 200
    body = details.json()
    assert body["item_id"] == item_id and body["distance_km"] >= 0 and "your_visits" in body and "now" in body
    unknown = client.get("/api/places/no-such-place", params={"user_id": "3"})
    assert unknown.status_code == 404 and "item_id" in unknown.json()["error"]
    anonymous = client.get(f"/api/places/{item_id}")
    assert anonymous.status_code == 422 and anonymous.json()["error"].startswith("user_id: ")
    half = client.get(f"/api/places/{item_id}", params={"user_id": "3", "lat": 40.7})
    assert half.status_code == 422 and "lat and lon" in half.json()["error"]
