"""Who may use the server: one key for every route, the Host names it answers to, and where it may listen.

With ``server.api_key`` set, :class:`KeyGate` lets a request through when it carries the key in the ``X-API-Key``
header, or the session cookie that the login page (``/login``) sets once the key is typed in there. Everything else
gets 401: the HTTP API, its docs and schema, the web page and every route of Gradio's own (config, queue, upload,
files), HTTP or WebSocket. Only ``/api/health`` (liveness and two counts, no user's data) and the login page itself
answer without it. The cookie holds an HMAC of the key, not the key; it is HttpOnly and SameSite=Strict, so a page
on another site can neither read it nor send it. A client address that gives a wrong key ``MAX_FAILURES`` times,
each within ``FAILURE_WINDOW_S`` of the last, gets 429 whatever it sends until that long after its last wrong key,
so the key cannot be guessed at the server's speed.

:func:`trusted_hosts` lists the Host names Starlette's ``TrustedHostMiddleware`` accepts (a foreign Host header gets
400, which stops DNS rebinding), and :func:`check_exposure` refuses to serve a non-loopback address without a key.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
from collections.abc import Collection
from urllib.parse import parse_qs

from cachetools import TTLCache
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from profiles.config import ConfigError, ServerSettings

API_KEY_HEADER = "X-API-Key"
LOGIN_PATH = "/login"
SESSION_COOKIE = "wherenow_session"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_WILDCARDS = ("0.0.0.0", "::", "")
_LOGIN_BODY_BYTES = 4_096  # a key and where to go next
MAX_FAILURES = 10
FAILURE_WINDOW_S = 60
_TRACKED_CLIENTS = 10_000  # the oldest are forgotten first beyond this: memory stays bounded under a flood


def session_token(key: str) -> str:
    """The login cookie's value: proves the key was typed, without being the key."""
    return hmac.new(key.encode(), b"wherenow web session", hashlib.sha256).hexdigest()


class KeyGate:
    """Refuses every request without the key (header or login cookie), except ``public`` paths and the login page.

    ``api_prefix`` marks the HTTP API, whose refusals are JSON ``{"error": ...}``; a browser asking for a page elsewhere
    gets the login page with its 401.
    """

    def __init__(self, app: ASGIApp, key: str, api_prefix: str, public: Collection[str] = ()) -> None:
        self.app = app
        self._key = key.encode()
        self._session = session_token(key).encode()
        self.api_prefix = api_prefix
        self.public = frozenset(public)
        # Wrong keys per client address; an entry lapses FAILURE_WINDOW_S after the last wrong key.
        self._failures: TTLCache[str, int] = TTLCache(maxsize=_TRACKED_CLIENTS, ttl=FAILURE_WINDOW_S)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in self.public:
            await self.app(scope, receive, send)
            return
        client = _client(scope)
        if self._failures.get(client, 0) >= MAX_FAILURES:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": "too many wrong keys"})
                return
            await JSONResponse(
                {"error": f"too many wrong keys from this address: try again in {FAILURE_WINDOW_S} s"},
                status_code=429,
                headers={"Retry-After": str(FAILURE_WINDOW_S)},
            )(scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"] == LOGIN_PATH:
            await self._login(scope, receive, send)
            return
        problem = self._problem(Headers(scope=scope))
        if problem is not None and problem != "missing API key":
            self._failed(client)
        if problem is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": problem})  # policy violation
        else:
            await self._refusal(scope, problem)(scope, receive, send)

    def _problem(self, headers: Headers) -> str | None:
        """None when the request carries the key or a valid session, else what is wrong, in words."""
        # Constant time: how long a comparison takes must not tell how much of a guess was right.
        key = headers.get(API_KEY_HEADER)
        if key:
            return None if hmac.compare_digest(key.encode(), self._key) else "wrong API key"
        session = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
        if session:
            return None if hmac.compare_digest(session.encode(), self._session) else "stale or wrong login"
        return "missing API key"

    def _refusal(self, scope: Scope, problem: str) -> Response:
        headers = Headers(scope=scope)
        wants_page = scope["method"] in ("GET", "HEAD") and "text/html" in headers.get("accept", "")
        if wants_page:
            return _login_page(_target(scope), status_code=401)
        if scope["path"].startswith(self.api_prefix):
            return JSONResponse({"error": problem}, status_code=401)
        return JSONResponse(
            {"error": f"{problem}: log in at {LOGIN_PATH} or send the {API_KEY_HEADER} header"}, status_code=401
        )

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        """GET: the login form. POST: the right key sets the session cookie and goes on; a wrong one is a 401."""
        if scope["method"] in ("GET", "HEAD"):
            await _login_page("/")(scope, receive, send)
            return
        if scope["method"] != "POST":
            await JSONResponse({"error": "use GET or POST"}, status_code=405, headers={"Allow": "GET, POST"})(
                scope, receive, send
            )
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > _LOGIN_BODY_BYTES:
                await JSONResponse({"error": "login form too large"}, status_code=413)(scope, receive, send)
                return
        fields = parse_qs(body.decode("utf-8", "replace"))
        key = (fields.get("key") or [""])[0]
        target = _safe_target((fields.get("next") or ["/"])[0])
        if not key or not hmac.compare_digest(key.encode(), self._key):
            self._failed(_client(scope))
            await _login_page(target, status_code=401, failed=True)(scope, receive, send)
            return
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE, self._session.decode(), httponly=True, samesite="strict", path="/", max_age=None
        )
        await response(scope, receive, send)

    def _failed(self, client: str) -> None:
        # Writing the entry renews its window: a client that keeps guessing stays refused.
        self._failures[client] = self._failures.get(client, 0) + 1


def _client(scope: Scope) -> str:
    """The client's address (the socket peer: a proxy in front of the server makes every user one client)."""
    peer = scope.get("client")
    return str(peer[0]) if peer else "unknown"


def _target(scope: Scope) -> str:
    """Where the browser was going, to return there after logging in."""
    query = scope.get("query_string", b"").decode("latin-1")
    return _safe_target(scope["path"] + (f"?{query}" if query else ""))


def _safe_target(target: str) -> str:
    """A path on this server; anything else (another site, "//evil.example") becomes "/"."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(target: str, status_code: int = 200, failed: bool = False) -> HTMLResponse:
    """A self-contained form: no script, no remote asset."""
    message = "<p role='alert'>That key is not right.</p>" if failed else ""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wherenow — log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ font-family: sans-serif; max-width: 24em; margin: 4em auto; }} input {{ width: 100%; margin: .3em 0; }}
</style></head>
<body><h1>wherenow</h1>{message}
<form method="post" action="{LOGIN_PATH}">
<label for="key">Access key</label>
<input id="key" name="key" type="password" autocomplete="current-password" autofocus required>
<input type="hidden" name="next" value="{html.escape(target, quote=True)}">
<button type="submit" id="login">Log in</button>
</form></body></html>
"""
    return HTMLResponse(page, status_code=status_code, headers={"Cache-Control": "no-store"})


def trusted_hosts(server: ServerSettings) -> list[str]:
    """The Host names the server answers to: the loopback names, server.host (unless it is a wildcard) and
    server.allowed_hosts."""
    hosts = [*LOOPBACK_NAMES, *server.allowed_hosts]
    if server.host not in _WILDCARDS:
        hosts.append(f"[{server.host}]" if ":" in server.host else server.host)
    return list(dict.fromkeys(host.lower() for host in hosts))


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach an address ("localhost", 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(server: ServerSettings) -> None:
    """ConfigError when the server would listen where others can reach it without a key, or on every interface
    without knowing the names it will be reached by."""
    if is_loopback(server.host):
        return
    if server.api_key is None:
        raise ConfigError(
            f"server.host is {server.host!r}, which other machines can reach: set server.api_key "
            "(WHERENOW_SERVER__API_KEY) so that every page and API call needs it, or serve on 127.0.0.1"
        )
    if server.host in _WILDCARDS and not server.allowed_hosts:
        raise ConfigError(
            f"server.host {server.host!r} listens on every interface: list the host names clients use in "
            """server.allowed_hosts (e.g. WHERENOW_SERVER__ALLOWED_HOSTS='["wherenow.example.org"]')"""
        )


__all__ = [
    "API_KEY_HEADER",
    "LOGIN_PATH",
    "SESSION_COOKIE",
    "KeyGate",
    "check_exposure",
    "is_loopback",
    "session_token",
    "trusted_hosts",
]
