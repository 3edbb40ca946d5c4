"""Every text and list an API request carries is bounded, the schema says so, and oversized requests are refused
with a short answer before they reach the runtime: long fields, long lists, huge bodies, floods of errors."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.agent import Assistant
from assistant.api import MAX_ERRORS_LISTED, MAX_ID_CHARS, MAX_LIST_ITEMS, create_api
from assistant.runtime import Runtime
from assistant.service import Service
from profiles.config import load_settings
from tests.assistant.world import ScriptedChatModel, polite_model

LOCAL = "http://127.0.0.1"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def assistant(services: Service) -> Assistant:
    return Assistant(services, polite_model())


def client_for(services: Service, assistant: Assistant, world_now: datetime, **server: Any) -> TestClient:
    settings = load_settings(state_dir=services.settings.state_dir, server={"demo_now": world_now, **server})
    return TestClient(create_api(services, assistant, settings), base_url=LOCAL)


@pytest.fixture
def client(services: Service, assistant: Assistant, world_now: datetime) -> TestClient:
    return client_for(services, assistant, world_now)


def unbounded(schema: dict[str, Any], models: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Where a (request) schema lets a string or a list grow without a limit."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return unbounded(models[name], models, name, seen)
    found = []
    for option in schema.get("anyOf", []):
        found += unbounded(option, models, where, seen)
    kind = schema.get("type")
    if kind == "string" and "maxLength" not in schema and "format" not in schema and "enum" not in schema:
        found.append(where)
    elif kind == "array":
        if "maxItems" not in schema:
            found.append(where)
        found += unbounded(schema.get("items", {}), models, f"{where}[]", seen)
    elif kind == "object":
        for field, value in schema.get("properties", {}).items():
            found += unbounded(value, models, f"{where}.{field}", seen)
    return found


def test_the_schema_bounds_every_text_and_list_a_request_carries(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    models = schema["components"]["schemas"]
    loose: list[str] = []
    bodies = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                loose += unbounded(parameter["schema"], models, f"{method} {path} {parameter['name']}", set())
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is not None:
                bodies += 1
                loose += unbounded(body, models, f"{method} {path}", set())
    assert bodies == 5 and loose == []
    assert models["PreferenceRequest"]["properties"]["target"]["maxLength"] == 200
    recommend = models["RecommendRequest"]["properties"]
    assert recommend["exclude_categories"]["maxItems"] == MAX_LIST_ITEMS
    assert recommend["exclude_categories"]["items"]["maxLength"] == 200
    assert models["ChatBody"]["properties"]["conversation_id"]["maxLength"] == MAX_ID_CHARS
    assert models["EventsRequest"]["properties"]["events"]["maxItems"] == 10_000


def test_a_quarter_million_excluded_categories_never_reach_the_runtime(
    services: Service, assistant: Assistant, world_now: datetime, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def reached(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the request reached the runtime")

    monkeypatch.setattr(runtime, "recommend", reached)
    monkeypatch.setattr(services, "recommend", reached)
    roomy = client_for(services, assistant, world_now, max_body_bytes=10_000_000)  # the list bound, not the body's
    body = json.dumps({"user_id": "3", "exclude_categories": ["Bar"] * 250_000})
    response = roomy.post("/api/recommend", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["error"].startswith(
        f"exclude_categories: List should have at most {MAX_LIST_ITEMS} items after validation, not 250000"
    )
    assert len(response.json()["details"]) == 1 and "Bar" not in response.text


def test_long_texts_are_refused_naming_the_field(client: TestClient) -> None:
    long_id = "u" * (MAX_ID_CHARS + 1)
    for path, body in (
        ("/api/recommend", {"user_id": long_id}),
        ("/api/recommend", {"user_id": "3", "category": "c" * 201}),
        ("/api/chat", {"user_id": "3", "message": "hi", "conversation_id": long_id}),
        ("/api/feedback", {"user_id": "3", "item_id": long_id, "liked": True}),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 422 and "at most" in response.json()["error"], (path, body)
    context = client.get(f"/api/users/{long_id}/context")
    assert context.status_code == 422 and context.json()["error"].startswith("user_id: String should have at most")
    assert client.delete(f"/api/users/{long_id}").status_code == 422


def test_a_flood_of_validation_errors_is_cut_to_the_first_hundred_and_counted(client: TestClient) -> None:
    response = client.post("/api/events", json={"events": [{}] * 1_000})  # five missing fields each
    assert response.status_code == 422
    body = response.json()
    assert len(body["details"]) == MAX_ERRORS_LISTED and body["more_details"] == 5_000 - MAX_ERRORS_LISTED
    assert body["details"][0] == {"field": "events.0.user_id", "message": "Field required", "type": "missing"}
    assert body["error"].endswith("(and 4,997 more)")
    few = client.post("/api/events", json={"events": [{}]})
    assert len(few.json()["details"]) == 5 and "more_details" not in few.json()


def test_a_megabyte_of_empty_events_is_one_error(client: TestClient) -> None:
    body = b'{"events": [' + b",".join([b"{}"] * 330_000) + b"]}"
    assert len(body) < 1_048_576
    response = client.post("/api/events", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["details"] == [
        {
            "field": "events",
            "message": "List should have at most 10000 items after validation, not 330000",
            "type": "too_long",
        }
    ]


def test_a_body_over_a_mebibyte_is_refused_by_default(client: TestClient) -> None:
    body = json.dumps({"user_id": "3", "message": "x" * 1_048_576}).encode()
    response = client.post("/api/chat", content=body, headers=JSON)
    assert response.status_code == 413
    assert response.json() == {
        "error": f"request body is {len(body):,} bytes; the limit is 1,048,576 bytes (server.max_body_bytes)"
    }


def test_the_event_limit_setting_cannot_exceed_what_the_schema_states() -> None:
    with pytest.raises(ValueError, match="less than or equal to 10000"):
        load_settings(server={"max_events_per_request": 10_001})


def test_an_oversized_chat_never_reaches_the_model(
    services: Service, world_now: datetime, polite: ScriptedChatModel
) -> None:
    client = client_for(services, Assistant(services, polite), world_now)
    response = client.post("/api/chat", json={"user_id": "3", "message": "x" * 2_001, "stream": False})
    assert response.status_code == 422 and polite.calls == []


def test_a_demo_refuses_events_after_its_own_now_not_the_machines(
    services: Service, assistant: Assistant, world_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = services.runtime.settings
    demo = settings.model_copy(update={"server": settings.server.model_copy(update={"demo_now": world_now})})
    monkeypatch.setattr(services.runtime, "settings", demo)  # as app.py does: one Settings for runtime and API
    client = client_for(services, assistant, world_now)

    def visit(at: datetime) -> dict[str, Any]:
        point = {"latitude": 40.72, "longitude": -74.0}
        return {"user_id": "3", "item_id": "v22", "timestamp": at.isoformat(), **point}

    soon = client.post("/api/events", json={"events": [visit(world_now + timedelta(hours=2))]})
    assert soon.status_code == 200 and soon.json()["added"] == 1
    # Years before the machine's clock, yet weeks after the demo's "now" and its newest stored event.
    late = client.post("/api/events", json={"events": [visit(world_now + timedelta(days=20))]})
    assert late.status_code == 422 and late.json()["details"][0]["field"] == "events.0.timestamp"
    assert "more than a day after now" in late.text
