"""Fuzzing the HTTP API with schemathesis, in process: cases generated from the app's own OpenAPI schema, seeded so
that most of them reach the logic instead of a 404, and a tally of what came back.

Seeding (positive cases only; negative ones stay as generated, to test the refusals): user and place ids are mostly
the world's real ones, times are often extreme but valid-looking (the edges of what pandas can hold, far future and
far past, ±14 h offsets), positions often a real place's, categories and chat messages often the world's words.
Every write the API accepts (events, feedback) is followed by probes — recommend and context for each user it
touched — since a bad stored event shows only in later reads; a run of cases that change state ends with a sweep of
every user through recommend, context and chat. Every response is checked for a 5xx and against the schema.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

INTERNAL_ERROR = "internal error"  # what the API says, and all it says, when it fails


def no_server_error_in_stream(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A chat turn that fails after its 200 went out ends its event stream with an ``error`` event; one saying
    'internal error' is a server error the status cannot show (a refusal names its reason instead)."""
    if not response.headers.get("content-type", [""])[0].startswith("text/event-stream"):
        return None
    for block in response.content.decode(errors="replace").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if fields.get("event") == "error" and INTERNAL_ERROR in fields.get("data", ""):
            raise Failure(
                operation=case.operation.label,
                title="Server error inside an event stream",
                message=f"the stream ended with: {block}",
            )
    return None


# positive_data_acceptance is left out: a well-formed request naming an unknown place is rightly a 422 here.
CHECKS = [
    no_server_error_in_stream,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
SCHEMA_PATH = "/api/openapi.json"
REAL_SHARE = 0.8  # of user and place ids drawn from the world rather than generated
PROBED_USERS = 2  # per accepted write
SWEPT_NEWCOMERS = 5  # users the writes made, besides the world's, in the closing sweep
# Valid ISO 8601 with an offset, at and past the edges of what a nanosecond timestamp holds (1677-09-21 to
# 2262-04-11), and offsets that move a time across a day or the edge.
EXTREME_TIMES = (
    "2262-04-11T23:47:16+00:00",
    "2262-04-11T20:00:00-12:00",
    "2262-04-10T00:00:00+14:00",
    "2200-01-01T00:00:00+00:00",
    "2100-02-28T23:59:59-05:00",
    "2038-01-19T03:14:08Z",
    "1970-01-01T00:00:00Z",
    "1900-01-01T00:00:00Z",
    "1677-09-22T00:00:00+00:00",
    "1677-09-21T00:13:00+14:00",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-12:00",
)
MESSAGES = (
    "somewhere for coffee near here",
    "a jazz club tonight",
    "something quieter, in the West Village",
    "why that one?",
    "a gym nearby tomorrow morning",
    "surprise me",
    "not that one, another one",
    "an office near Tribeca",
)
ID_FIELDS = ("user_id", "item_id")
TIME_FIELDS = ("at", "timestamp")
# What stores events, so that later reads see them.
WRITES = ("POST /api/events", "POST /api/feedback", "PUT /api/users/{user_id}/preferences")
# What changes what later reads see: a phase of these ends with a sweep of every user.
CHANGES = (
    *WRITES,
    "DELETE /api/users/{user_id}",
    "DELETE /api/users/{user_id}/preferences",
    "DELETE /api/users/{user_id}/preferences/{preference_id}",
)
# Bodies whose events are each seeded like a body of their own.
LIST_FIELDS = ("events",)


@dataclass(frozen=True)
class World:
    """What the seeding draws from: real ids, places and words, and the world's 'now'."""

    users: Sequence[str]
    items: Sequence[str]
    places: Sequence[tuple[float, float]]
    categories: Sequence[str]
    now: datetime


@dataclass
class Finding:
    """One distinct failure — an operation, a status and what the server logged, in the run of cases of one
    operation — with the checks it failed, the first case that showed it, the accepted write that preceded it (for a
    probe or the closing sweep), and how often it came back."""

    run: str
    operation: str
    status: int
    checks: list[str]
    request: str
    after: str | None
    logged: list[str]
    count: int = 1

    @property
    def key(self) -> tuple[str, str, int, str]:
        return self.run, self.operation, self.status, self.logged[0] if self.logged else ", ".join(self.checks)

    def __str__(self) -> str:
        failed = "; ".join(self.checks)
        lines = [
            f"[fuzzing {self.run}] {self.operation} → HTTP {self.status}, {self.count}×: {failed}",
            f"  request: {self.request}",
        ]
        if self.after:
            lines.append(f"  after:   {self.after}")
        lines.extend(f"  logged:  {line}" for line in self.logged[:3])
        return "\n".join(lines)


@dataclass
class Tally:
    """Statuses per operation (generated cases and probes apart) and the distinct findings."""

    cases: dict[str, Counter[int]] = field(default_factory=dict)
    probes: Counter[int] = field(default_factory=Counter)
    findings: dict[tuple[str, str, int, str], Finding] = field(default_factory=dict)

    @property
    def generated(self) -> int:
        return sum(sum(statuses.values()) for statuses in self.cases.values())

    def past_404(self, operation: str | None = None) -> float:
        """Share of generated cases (of one operation, or all) answered with anything but 404."""
        statuses = self.cases[operation] if operation else sum(self.cases.values(), Counter())
        total = sum(statuses.values())
        return 1.0 - statuses[404] / total if total else 0.0

    def add_finding(self, finding: Finding) -> None:
        if finding.key in self.findings:
            self.findings[finding.key].count += 1
        else:
            self.findings[finding.key] = finding

    def summary(self) -> str:
        lines = [f"{self.generated} generated cases, {sum(self.probes.values())} probes"]
        for operation, statuses in self.cases.items():
            shown = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
            lines.append(f"  {operation:<32} past 404 {self.past_404(operation):5.0%}  ({shown})")
        lines.append(f"  {'probes':<32} {dict(sorted(self.probes.items()))}")
        lines.append(f"past 404 overall: {self.past_404():.0%}; distinct findings: {len(self.findings)}")
        return "\n".join(lines)


class _ErrorLog(logging.Handler):
    """Remembers what the API logs as errors (the exception's type for a 500), to name it in a finding."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class AsServed:
    """The app as a server runs it: an exception the app raises again after its 500 has gone out (Starlette does) is
    the server log's business, not the client's; one raised before any response becomes a bare 500, as uvicorn's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if scope["type"] != "http" or started:
                return
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)


def load_schema(app: FastAPI) -> OpenApiSchema:
    """The app's own OpenAPI schema, bound to the app (as served) for in-process calls. The app under test runs
    without an API key (the default), so the key header is neither sent nor taken away (test_api.py covers keys)."""
    schema = schemathesis.openapi.from_asgi(SCHEMA_PATH, AsServed(app))
    schema.config.generation.update(with_security_parameters=False)
    return schema


def world_of(items: Any, users: Sequence[str], now: datetime) -> World:
    """The seeding's world from the catalogue frame, the user ids and 'now'."""
    return World(
        users=list(users),
        items=[str(item) for item in items["item_id"]],
        places=[(float(lat), float(lon)) for lat, lon in zip(items["latitude"], items["longitude"], strict=True)],
        categories=sorted({str(category) for category in items["category"]}),
        now=now,
    )


def times(world: World) -> st.SearchStrategy[str]:
    """ISO 8601 times with an offset: the extremes, or any time from 1600 to 2300 at any offset within a day."""
    offsets = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59))
    anywhere = st.builds(
        lambda moment, offset: moment.replace(tzinfo=timezone(offset)).isoformat(),
        st.datetimes(min_value=datetime(1600, 1, 1), max_value=datetime(2300, 1, 1)),
        offsets,
    )
    recent = st.integers(-90 * 24, 48).map(lambda hours: (world.now + timedelta(hours=hours)).isoformat())
    return st.one_of(st.sampled_from(EXTREME_TIMES), recent, anywhere)


@st.composite
def seeded_fields(draw: st.DrawFn, world: World, values: dict[str, Any]) -> dict[str, Any]:
    """One object's fields with ids, times, positions and words drawn from the world, each only sometimes."""
    out = dict(values)
    real = st.integers(1, 10).map(lambda tenth: tenth <= REAL_SHARE * 10)
    for name, pool in (("user_id", world.users), ("item_id", world.items)):
        if isinstance(out.get(name), str) and draw(real):
            out[name] = draw(st.sampled_from(pool))
    if isinstance(out.get("exclude"), list) and draw(st.booleans()):
        out["exclude"] = draw(st.lists(st.sampled_from(world.items), max_size=5))
    for name in TIME_FIELDS:
        if isinstance(out.get(name), str) and draw(real):
            out[name] = draw(times(world))
    for lat, lon in (("lat", "lon"), ("latitude", "longitude")):
        if (lat in out or lon in out) and draw(real):
            out[lat], out[lon] = draw(st.sampled_from(world.places))
    if isinstance(out.get("target"), str) and draw(real):  # a stated preference about a real place or kind
        out["target"] = draw(st.sampled_from([*world.items, *world.categories]))
    for name in ("category", "keyword", "query"):
        if isinstance(out.get(name), str) and draw(st.booleans()):
            out[name] = draw(st.sampled_from(world.categories))
    if isinstance(out.get("message"), str) and draw(real):
        out["message"] = draw(st.sampled_from(MESSAGES))
    if "stream" in out and draw(st.booleans()):
        out["stream"] = False  # the whole turn as JSON, checked against the Turn schema
    return out


class Fuzzer:
    """Runs seeded schemathesis cases against one app and tallies them."""

    def __init__(self, app: FastAPI, world: World, tally: Tally) -> None:
        self.schema = load_schema(app)
        self.world = world
        self.tally = tally
        self._errors = _ErrorLog()
        self._touched: dict[str, None] = {}  # users the accepted writes named, in order
        self._running = ""  # the operation whose cases run now

    def operations(self) -> dict[str, APIOperation]:
        """Every operation of the schema by its label ("POST /api/recommend")."""
        found = [result.ok() for result in self.schema.get_all_operations()]
        return {operation.label: operation for operation in found}

    @contextmanager
    def _watching(self) -> Iterator[None]:
        logger = logging.getLogger("assistant.api")
        logger.addHandler(self._errors)
        try:
            yield
        finally:
            logger.removeHandler(self._errors)

    # ---- seeding -----------------------------------------------------------------------------------------------

    def seeded(self, operation: APIOperation, mode: GenerationMode) -> st.SearchStrategy[Case]:
        """The operation's generated cases; positive ones with real ids, extreme times, real places and words."""
        generated = operation.as_strategy(generation_mode=mode)
        if mode is not GenerationMode.POSITIVE:
            return generated

        @st.composite
        def seed(draw: st.DrawFn) -> Case:
            case = draw(generated)
            if case.path_parameters:
                case.path_parameters = draw(seeded_fields(self.world, case.path_parameters))
            if case.query:
                case.query = draw(seeded_fields(self.world, case.query))
            if isinstance(case.body, dict):
                body = draw(seeded_fields(self.world, case.body))
                for name in LIST_FIELDS:
                    if isinstance(body.get(name), list):
                        body[name] = [
                            draw(seeded_fields(self.world, entry)) if isinstance(entry, dict) else entry
                            for entry in body[name]
                        ]
                case.body = body
            return case

        return seed()

    # ---- running -----------------------------------------------------------------------------------------------

    def run(self, operation: APIOperation, mode: GenerationMode, examples: int) -> None:
        """``examples`` generated cases of one operation, each called, checked and tallied, accepted writes probed."""
        statuses = self.tally.cases.setdefault(operation.label, Counter())

        @settings(
            max_examples=examples,
            phases=[Phase.generate],  # no shrinking: state carries over, and the first failing case is the one
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=self.seeded(operation, mode))
        def one(case: Case) -> None:
            status = self._call(case, after=None)
            statuses[status] += 1
            accepted = 200 <= status < 300
            changed.append(accepted and operation.label in CHANGES)
            if accepted and operation.label in WRITES and isinstance(case.body, dict):
                self._probe(case)

        changed: list[bool] = []
        self._running = operation.label
        with self._watching():
            one()
            if any(changed):
                self.sweep(after=f"{changed.count(True)} accepted {operation.label}")

    def sweep(self, after: str) -> None:
        """The world's users and the first few the writes added, each through recommend, context and a whole chat
        turn: what the changes left behind."""
        added = [user for user in self._touched if user not in self.world.users][:SWEPT_NEWCOMERS]
        for user in [*self.world.users, *added]:
            self._read(user, chat=True, after=after)

    def _probe(self, case: Case) -> None:
        write = f"{case.operation.label} {_short(case.body)}"
        body = case.body
        touched = [entry.get("user_id") for entry in body.get("events", []) if isinstance(entry, dict)]
        touched += [body.get("user_id"), (case.path_parameters or {}).get("user_id")]
        for user in list(dict.fromkeys(user for user in touched if isinstance(user, str)))[:PROBED_USERS]:
            self._touched[user] = None
            self._read(user, chat=False, after=write)

    def _read(self, user: str, chat: bool, after: str) -> None:
        recommend = self.schema["/api/recommend"]["POST"].Case(body={"user_id": user}, media_type="application/json")
        # A hand-made case's path parameters go into the URL as given: encoded here, as a client would ("#" in an id).
        path = {"user_id": quote(user, safe="")}
        context = self.schema["/api/users/{user_id}/context"]["GET"].Case(path_parameters=path)
        reads = [recommend, context]
        if chat:
            reads.append(
                self.schema["/api/chat"]["POST"].Case(
                    body={"user_id": user, "message": MESSAGES[0], "stream": False}, media_type="application/json"
                )
            )
        for read in reads:
            self.tally.probes[self._call(read, after=after)] += 1

    def _call(self, case: Case, after: str | None) -> int:
        del self._errors.lines[:]
        response = case.call()
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as error:
            failures = error.exceptions if isinstance(error, FailureGroup) else (error,)
            self.tally.add_finding(
                Finding(
                    run=self._running,
                    operation=case.operation.label,
                    status=response.status_code,
                    checks=[failure.title for failure in failures],
                    request=_request(case),
                    after=after,
                    logged=list(self._errors.lines),
                )
            )
        return response.status_code


def _request(case: Case) -> str:
    parts = [case.operation.label]
    if case.path_parameters:
        parts.append(f"path={case.path_parameters}")
    if case.query:
        parts.append(f"query={case.query}")
    if case.body is not NOT_SET:
        parts.append(f"body={_short(case.body)}")
    return " ".join(parts)


def _short(value: Any, limit: int = 400) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


__all__ = ["EXTREME_TIMES", "Finding", "Fuzzer", "Tally", "World", "load_schema", "world_of"]
