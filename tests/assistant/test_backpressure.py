"""Backpressure: the local LLM serves one chat turn at a time, so the queue is bounded (503 with Retry-After beyond
it), a waiting stream gets keep-alive comments, a client that goes away cancels its turn, and requests that need no
LLM stay answered while chats queue. A real uvicorn server on loopback, a slow scripted model for the LLM."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from assistant.admission import ChatAdmission, QueueFull
from assistant.agent import Assistant
from assistant.api import create_api
from assistant.service import Service
from assistant.ui import start_server
from profiles.config import load_settings
from tests.assistant.world import ScriptedChatModel, listed_names

COFFEE = "somewhere for coffee near here"
WORDS = 40  # the slow model's reply, one word every DELAY_S
DELAY_S = 0.1


def slow_model() -> ScriptedChatModel:
    def script(messages: Any) -> str:
        names = listed_names(messages)
        return " ".join([f"Try {names[0]}." if names else "Hello.", *(["and"] * WORDS)])

    return ScriptedChatModel(script=script, calls=[], delay_s=DELAY_S)


@pytest.fixture
def served(services: Service, world_now: datetime) -> Iterator[tuple[str, ScriptedChatModel, Any]]:
    model = slow_model()
    settings = load_settings(
        state_dir=services.settings.state_dir,
        server={"demo_now": world_now, "chat_waiting": 0, "retry_after_s": 7, "keepalive_s": 0.05},
    )
    # The chat queue is the assistant's (the web UI's chats join it too), sized as these settings say.
    services.runtime.settings = settings
    app = create_api(services, Assistant(services, model), settings)
    server = start_server(app, "127.0.0.1", 0)
    try:
        yield server.url.rstrip("/"), model, app.state.admission
    finally:
        server.stop()


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_admission_counts_places_and_refuses_beyond_them() -> None:
    admission = ChatAdmission(waiting=1, retry_after_s=3)
    admission.enter()
    admission.enter()
    with pytest.raises(QueueFull, match="try again in 3 s") as full:
        admission.enter()
    assert full.value.retry_after_s == 3
    admission.leave()
    with admission.place():
        assert admission.in_flight == 2
    assert admission.in_flight == 1


def test_a_full_queue_is_503_with_retry_after_while_other_routes_answer(served: Any) -> None:
    url, _model, admission = served
    started = threading.Event()
    lines: list[str] = []

    def first_chat() -> None:
        with httpx.stream("POST", f"{url}/api/chat", json={"user_id": "2", "message": COFFEE}, timeout=60) as response:
            for line in response.iter_lines():
                lines.append(line)
                started.set()

    thread = threading.Thread(target=first_chat)
    thread.start()
    assert started.wait(30)
    refused = httpx.post(f"{url}/api/chat", json={"user_id": "3", "message": COFFEE}, timeout=30)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "7"
    assert "try again in 7 s" in refused.json()["error"]
    # Routes that need no LLM are answered while the chat is being written.
    assert httpx.get(f"{url}/api/health", timeout=5).status_code == 200
    assert httpx.post(f"{url}/api/recommend", json={"user_id": "3", "k": 2}, timeout=30).status_code == 200
    thread.join(60)
    assert any(line.startswith("event: turn") for line in lines)
    wait_for(lambda: admission.in_flight == 0)
    assert httpx.post(
        f"{url}/api/chat", json={"user_id": "3", "message": COFFEE, "stream": False}, timeout=60
    ).is_success


def test_a_waiting_stream_gets_keep_alive_comments(served: Any) -> None:
    url, _model, _admission = served
    with httpx.stream("POST", f"{url}/api/chat", json={"user_id": "2", "message": COFFEE}, timeout=60) as response:
        body = "".join(response.iter_text())
    assert ": ping" in body and "event: turn" in body


def test_a_client_that_goes_away_cancels_its_turn(served: Any) -> None:
    url, model, admission = served
    with httpx.stream("POST", f"{url}/api/chat", json={"user_id": "2", "message": COFFEE}, timeout=60) as response:
        for line in response.iter_lines():
            if line.startswith("event: token"):
                break  # leaves the stream after the first written word: the client goes away
    wait_for(lambda: admission.in_flight == 0)  # its place in the queue is given back once the turn stopped
    streamed = len(model.streamed)
    time.sleep(DELAY_S * 5)
    assert len(model.streamed) == streamed < WORDS  # the model stopped writing well before the end
