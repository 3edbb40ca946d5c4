"""One key for every route of the served app: the HTTP API, its docs and schema, the web page and all of Gradio's own
routes refuse a request without it (header or login cookie) on a real server; the Host header must name the server;
a server others can reach needs a key to start."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cachetools import TTLCache
from starlette.responses import PlainTextResponse
from starlette.routing import Mount
from starlette.testclient import TestClient

from assistant.access import (
    FAILURE_WINDOW_S,
    LOGIN_PATH,
    MAX_FAILURES,
    SESSION_COOKIE,
    KeyGate,
    check_exposure,
    is_loopback,
    session_token,
    trusted_hosts,
)
from assistant.agent import Assistant
from assistant.api import HEALTH_PATH
from assistant.service import Service
from assistant.ui import create_app, start_server
from profiles.config import ConfigError, load_settings
from tests.assistant.world import polite_model, world_runtime

KEY = "a-long-and-random-access-key"
# Answer without the key: the login page, and liveness (two counts, no user's data).
OPEN = {LOGIN_PATH, HEALTH_PATH}
HTML = {"Accept": "text/html"}


def routes(app: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route an app lists, through mounted apps and included routers."""
    for route in app.routes:
        if isinstance(route, Mount):
            yield from routes(route.app, prefix + route.path)
        elif hasattr(route, "effective_route_contexts"):  # FastAPI's included router: its routes with their prefix
            for context in route.effective_route_contexts():
                yield from ((method, prefix + context.path) for method in sorted(context.methods))
        else:
            yield from ((method, prefix + route.path) for method in sorted(getattr(route, "methods", None) or ["GET"]))


def concrete(path: str) -> str:
    """A path with its parameters filled in."""
    return re.sub(r"\{[^}]+\}", "x", path)


@dataclass
class Served:
    app: Any
    url: str
    twin: str  # the same app without a key: what every route answers when nothing stands in front of it


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    state = tmp_path_factory.mktemp("auth") / "state"
    settings = load_settings(state_dir=state, server={"api_key": KEY, "allowed_hosts": ["wherenow.test"]})
    with world_runtime(settings) as runtime:
        service = Service(runtime)
        assistant = Assistant(service, polite_model())
        app = create_app(service, assistant, settings)
        running = start_server(app, "127.0.0.1", 0)
        twin = start_server(create_app(service, assistant, load_settings(state_dir=state)), "127.0.0.1", 0)
        yield Served(app, running.url.rstrip("/"), twin.url.rstrip("/"))
        running.stop()
        twin.stop()


def status(client: httpx.Client, method: str, path: str, **kwargs: Any) -> int:
    """The status a request gets; the body is not waited for (streams never end)."""
    with client.stream(method, path, **kwargs) as response:
        return response.status_code


def test_every_route_refuses_a_request_without_the_key(served: Served) -> None:
    listed = sorted(set(routes(served.app)))
    paths = {path for _, path in listed}
    # The sweep covers the API, its docs and the UI's internals: a new route cannot slip past unnoticed.
    assert {"/api/docs", "/api/openapi.json", "/", "/config", "/gradio_api/queue/join", "/gradio_api/upload"} <= paths
    assert any(path.startswith("/gradio_api/file") for path in paths)
    refused, answered, unguarded = {}, {}, {}
    with (
        httpx.Client(base_url=served.url, timeout=30) as stranger,
        httpx.Client(base_url=served.url, timeout=30, headers={"X-API-Key": KEY}) as keyed,
        httpx.Client(base_url=served.twin, timeout=30) as twin,
    ):
        for method, path in listed:
            if path in OPEN:
                continue
            refused[method, path] = status(stranger, method, concrete(path))
            answered[method, path] = status(keyed, method, concrete(path))
            unguarded[method, path] = status(twin, method, concrete(path))
    assert {route: code for route, code in refused.items() if code not in (401, 403)} == {}
    # With the key every route answers as it does with no key configured (Gradio refuses a file "x" itself).
    assert answered == unguarded
    for path in ("/", "/config", "/api/docs", "/api/openapi.json", "/gradio_api/info"):
        assert answered["GET", path] == 200, path


def test_a_stranger_gets_short_answers_that_name_the_problem(served: Served) -> None:
    url = served.url
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get(HEALTH_PATH).json()["status"] == "ok"
        missing = client.get("/api/users/3/context")
        assert missing.status_code == 401 and missing.json() == {"error": "missing API key"}
        wrong = client.get("/api/openapi.json", headers={"X-API-Key": "guess"})
        assert wrong.status_code == 401 and wrong.json() == {"error": "wrong API key"}
        config = client.get("/config")
        assert config.status_code == 401 and "log in at /login" in config.json()["error"]
        page = client.get("/api/docs", headers=HTML)  # a browser gets the login form, which returns there
        assert page.status_code == 401 and 'name="key"' in page.text and 'value="/api/docs"' in page.text
        assert "swagger" not in page.text.lower()
        forged = client.get("/config", cookies={SESSION_COOKIE: "0" * 64})
        assert forged.status_code == 401 and "stale or wrong login" in forged.json()["error"]


def test_logging_in_with_the_key_opens_the_page_gradio_and_the_docs(served: Served) -> None:
    url = served.url
    with httpx.Client(base_url=url, timeout=30) as browser:
        assert browser.get(LOGIN_PATH).status_code == 200
        wrong = browser.post(LOGIN_PATH, data={"key": "guess", "next": "/"})
        assert wrong.status_code == 401 and "not right" in wrong.text and SESSION_COOKIE not in browser.cookies
        # Elsewhere after logging in is only ever a path on this server.
        right = browser.post(LOGIN_PATH, data={"key": KEY, "next": "//evil.example/"})
        assert right.status_code == 303 and right.headers["location"] == "/"
        cookie = right.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and KEY not in right.headers["set-cookie"]
        assert browser.cookies[SESSION_COOKIE] == session_token(KEY)
        page = browser.get("/", headers=HTML)
        assert page.status_code == 200 and "<html" in page.text.lower() and 'name="key"' not in page.text
        assert browser.get("/config").status_code == 200
        assert browser.get("/api/docs").status_code == 200
        assert browser.get("/api/users/3/context").json()["user_id"] == "3"
        back = browser.post(LOGIN_PATH, data={"key": KEY, "next": "/api/docs"})
        assert back.headers["location"] == "/api/docs"


def test_a_foreign_host_header_is_refused(served: Served) -> None:
    url = served.url
    with httpx.Client(base_url=url, timeout=30, headers={"X-API-Key": KEY}) as client:
        assert client.get("/config", headers={"Host": "evil.example"}).status_code == 400
        assert client.get(HEALTH_PATH, headers={"Host": "evil.example"}).status_code == 400
        for host in ("localhost", "wherenow.test:7860", url.removeprefix("http://")):
            assert client.get("/config", headers={"Host": host}).status_code == 200, host


def test_the_trusted_hosts_are_the_loopback_names_the_host_and_the_allowed_ones() -> None:
    assert trusted_hosts(load_settings().server) == ["localhost", "127.0.0.1", "[::1]"]
    named = load_settings(server={"host": "10.0.0.5", "api_key": KEY, "allowed_hosts": ["Wherenow.example"]})
    assert trusted_hosts(named.server) == ["localhost", "127.0.0.1", "[::1]", "wherenow.example", "10.0.0.5"]
    assert "[fd00::5]" in trusted_hosts(load_settings(server={"host": "fd00::5"}).server)
    assert "0.0.0.0" not in trusted_hosts(load_settings(server={"host": "0.0.0.0"}).server)


def test_only_loopback_addresses_are_served_without_a_key() -> None:
    assert all(is_loopback(host) for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "::", "", "10.0.0.5", "wherenow.example"))
    check_exposure(load_settings().server)
    for host in ("0.0.0.0", "10.0.0.5", "::"):
        with pytest.raises(ConfigError, match=r"set server\.api_key"):
            check_exposure(load_settings(server={"host": host}).server)
    check_exposure(load_settings(server={"host": "10.0.0.5", "api_key": KEY}).server)
    with pytest.raises(ConfigError, match=r"server\.allowed_hosts"):
        check_exposure(load_settings(server={"host": "0.0.0.0", "api_key": KEY}).server)
    check_exposure(load_settings(server={"host": "0.0.0.0", "api_key": KEY, "allowed_hosts": ["a.example"]}).server)
    with pytest.raises(ValueError, match="blank"):
        load_settings(server={"api_key": "  "})


def test_the_app_will_not_start_where_others_reach_it_without_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WHERENOW_SERVER__HOST", "0.0.0.0")
    monkeypatch.setenv("WHERENOW_STATE_DIR", str(tmp_path / "state"))
    assert app.main() == 2
    error = capsys.readouterr().err
    assert error.startswith("wherenow: error: server.host is '0.0.0.0'") and "server.api_key" in error
    assert "Traceback" not in error and error.count("\n") == 1
    assert not (tmp_path / "state").exists()  # refused before anything was prepared


def test_guessing_the_key_is_cut_off_for_a_while() -> None:
    clock = [0.0]

    async def hello(scope: Any, receive: Any, send: Any) -> None:
        await PlainTextResponse("hello")(scope, receive, send)

    gate = KeyGate(hello, KEY, "/api")
    gate._failures = TTLCache(maxsize=100, ttl=FAILURE_WINDOW_S, timer=lambda: clock[0])
    client = TestClient(gate, base_url="http://127.0.0.1")
    assert client.get("/api/x").status_code == 401  # no key at all is not a guess
    for guess in range(MAX_FAILURES // 2):
        assert client.get("/api/x", headers={"X-API-Key": f"guess{guess}"}).status_code == 401
        assert client.post(LOGIN_PATH, data={"key": f"login{guess}"}).status_code == 401
    refused = client.get("/api/x", headers={"X-API-Key": KEY})  # even the right key, from this address, for now
    assert refused.status_code == 429 and refused.headers["Retry-After"] == str(FAILURE_WINDOW_S)
    assert "too many wrong keys" in refused.json()["error"]
    clock[0] += FAILURE_WINDOW_S - 1
    assert client.post(LOGIN_PATH, data={"key": KEY}, follow_redirects=False).status_code == 429
    clock[0] += 2
    assert client.get("/api/x", headers={"X-API-Key": KEY}).text == "hello"
