"""Load: concurrent simulated users against a real server, every response checked against the asking user's own data.

The server is ``tests.assistant.serve_world`` in its own process on 127.0.0.1 (the small test world — ten users,
40 places — with the scripted chat model standing in for the LLM, so a chat turn costs what the product's code
costs), its chat queue sized so that every simulated user's turn is admitted. Ten newcomers get a week of events
through ``POST /api/events`` first, so there are twenty users with known histories. Then each simulated user, on a
thread of its own with its own keep-alive connection, loops without pause: recommend, a 👍 or 👎 on one of the
suggestions, its context, a chat turn (every other one streamed as Server-Sent Events).

Every response must be a 200 (anything else, a refused connection or a stream's ``error`` event is an error) and
must concern the asking user only (a cross-user response): a suggestion marked as a return must be a place in the
user's own history (the world's events and what the bench posted for them, feedback included); a context and a chat
turn must name the user, and each of their snapshots must be the user's (its id begins with the user, its cell is
one of the user's cells and one of the user's events lies within its time span); feedback names the user and place.

Per endpoint, p50 and p99 under load beside the same loop run by a single user on the same server first (the
baseline). Printed and written to bench/results/load.json. Target: no error and no cross-user response.

    .venv/bin/python bench/load.py [--users 20] [--seconds 60] [--baseline-seconds 15]
    .venv/bin/python bench/load.py --smoke    # 3 users × 5 s after a 2 s baseline; not judged
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from _reporting import percentiles, write_report  # bench/ is the script's folder

from profiles.config import load_settings
from profiles.eventlog import events_from_frame, open_event_log
from profiles.geo import cell_of
from profiles.ingest import ITEMS_FILE, write_frame

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "bench" / "results" / "load.json"
SMOKE = {"users": 3, "seconds": 5.0, "baseline_seconds": 2.0}
SMOKE_RESULT = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "load.json"
ENDPOINTS = ("recommend", "feedback", "context", "chat")
MESSAGES = ("somewhere for coffee near here", "a jazz club tonight", "a gym nearby", "something quieter")
NEWCOMER_DAYS = 7
START_TIMEOUT_S = 180
REQUEST_TIMEOUT_S = 60
TIME_SLACK = timedelta(seconds=1)  # snapshot spans are stored to the microsecond; times travel as text


# ---- the world and its server ----------------------------------------------------------------------------------


def world_modules() -> Any:
    """The tests' small world (tests/fixtures/world.py): the server serves it, the bench knows its histories."""
    sys.path.insert(0, str(ROOT))
    from tests.fixtures import world

    return world


def seed_state(folder: Path, items: pd.DataFrame, history: pd.DataFrame) -> None:
    """A state folder holding the world's catalogue and event log; the server's ``prepare`` builds the rest."""
    folder.mkdir(parents=True)
    write_frame(items, folder / ITEMS_FILE)
    with open_event_log(folder) as log:
        log.append(events_from_frame(history))


class Server:
    """``tests.assistant.serve_world`` in a process of its own, with every chat turn of ``users`` admitted."""

    def __init__(self, state_dir: Path, users: int) -> None:
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            "WHERENOW_SERVER__CHAT_WAITING": str(users),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.assistant.serve_world", str(state_dir)],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self._ready()

    def _ready(self) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.startswith("ready "):
                return line.split()[1].rstrip("/")
            if not line and self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"the server did not start (exit status {self.process.poll()})")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---- what each user may see ---------------------------------------------------------------------------------


@dataclass
class History:
    """One user's own events as the bench knows them: places, cells and times (feedback added as it is sent)."""

    items: set[str] = field(default_factory=set)
    cells: set[str] = field(default_factory=set)
    times: list[datetime] = field(default_factory=list)

    def add(self, item: str, latitude: float, longitude: float, at: datetime, resolution: int) -> None:
        self.items.add(item)
        self.cells.add(cell_of(latitude, longitude, resolution))
        self.times.append(at)

    def within(self, start: datetime, end: datetime) -> bool:
        return any(start - TIME_SLACK <= at <= end + TIME_SLACK for at in self.times)


def histories(events: pd.DataFrame, resolution: int) -> dict[str, History]:
    out: dict[str, History] = {}
    for row in events.itertuples():
        out.setdefault(str(row.user_id), History()).add(
            str(row.item_id), row.latitude, row.longitude, row.timestamp.to_pydatetime(), resolution
        )
    return out


def foreign_suggestions(user: str, suggestions: list[dict[str, Any]], own: History) -> list[str]:
    """Suggestions marked as returns to places the user has never been to: someone else's history."""
    return [
        f"{user}: return to {item['item_id']}, not in their history"
        for item in suggestions
        if item.get("is_return") and item["item_id"] not in own.items
    ]


def foreign_context(user: str, context: dict[str, Any] | None, own: History) -> list[str]:
    """A context that is not the user's, or snapshots that are not."""
    if context is None:
        return []
    if context.get("user_id") != user:
        return [f"{user}: context of user {context.get('user_id')!r}"]
    problems = []
    for snapshot in context.get("snapshots", []):
        name = snapshot["snapshot_id"]
        start, end = datetime.fromisoformat(snapshot["start"]), datetime.fromisoformat(snapshot["end"])
        if not name.startswith(f"{user}|"):
            problems.append(f"{user}: snapshot {name}")
        elif snapshot["cell"] not in own.cells or not own.within(start, end):
            problems.append(f"{user}: snapshot {name} matches none of their events")
    return problems


def foreign_turn(user: str, turn: dict[str, Any], own: History) -> list[str]:
    problems = [] if turn.get("user_id") == user else [f"{user}: chat turn of user {turn.get('user_id')!r}"]
    return (
        problems
        + foreign_suggestions(user, turn.get("items", []), own)
        + foreign_context(user, turn.get("context"), own)
    )


def turn_from_stream(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The ``turn`` event of a Server-Sent Events body, or the ``error`` event's message."""
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if fields.get("event") == "turn":
            return json.loads(fields["data"]), None
        if fields.get("event") == "error":
            return None, json.loads(fields["data"]).get("error", "error")
    return None, "the stream ended without a turn"


# ---- the simulated users --------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Latencies per endpoint, errors and cross-user responses, shared by the simulated users."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in ENDPOINTS})
    errors: Counter[str] = field(default_factory=Counter)
    cross_user: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, seconds: float, error: str | None, foreign: list[str]) -> None:
        with self.lock:
            self.seconds[endpoint].append(seconds)
            if error:
                self.errors[f"{endpoint}: {error}"] += 1
            self.cross_user.extend(foreign)

    def figures(self) -> dict[str, Any]:
        return {
            "endpoints": {name: percentiles(times, 1) for name, times in self.seconds.items()},
            "requests": sum(len(times) for times in self.seconds.values()),
            "errors": sum(self.errors.values()),
            "errors_by_kind": dict(self.errors.most_common()),
            "cross_user": len(self.cross_user),
            "cross_user_examples": self.cross_user[:10],
        }


class SimulatedUser:
    """One user's loop of recommend, feedback, context and chat until the deadline, on its own connection."""

    def __init__(
        self, url: str, user: str, own: History, now: datetime, places: pd.DataFrame, tally: Tally, seed: int
    ) -> None:
        self.client = httpx.Client(base_url=f"{url}/api", timeout=REQUEST_TIMEOUT_S)
        self.user, self.own, self.now, self.places, self.tally = user, own, now, places, tally
        self.chance = random.Random(seed)
        self.resolution = load_settings().preprocessing.h3_resolution

    def run(self, deadline: float) -> None:
        turn = 0
        with self.client:
            while time.perf_counter() < deadline:
                suggestions = self._recommend()
                self._feedback(suggestions)
                self._context()
                self._chat(stream=turn % 2 == 1)
                turn += 1

    def _call(self, endpoint: str, method: str, path: str, **kwargs: Any) -> tuple[float, httpx.Response | None, str]:
        started = time.perf_counter()
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            return time.perf_counter() - started, None, type(error).__name__
        return time.perf_counter() - started, response, "" if response.status_code == 200 else str(response.status_code)

    def _recommend(self) -> list[dict[str, Any]]:
        body = {"user_id": self.user, "at": self.now.isoformat(), "k": 5}
        seconds, response, error = self._call("recommend", "POST", "/recommend", json=body)
        suggestions = response.json() if response is not None and not error else []
        self.tally.record("recommend", seconds, error, foreign_suggestions(self.user, suggestions, self.own))
        return suggestions

    def _feedback(self, suggestions: list[dict[str, Any]]) -> None:
        item = self.chance.choice([s["item_id"] for s in suggestions] or list(self.places.index))
        at = self.now - timedelta(minutes=self.chance.randint(1, 600))
        place = self.places.loc[item]
        # Known before it is sent: a later answer may count it as a return.
        self.own.add(item, float(place["latitude"]), float(place["longitude"]), at, self.resolution)
        body = {"user_id": self.user, "item_id": item, "liked": self.chance.random() < 0.7, "at": at.isoformat()}
        seconds, response, error = self._call("feedback", "POST", "/feedback", json=body)
        foreign = []
        if response is not None and not error:
            answer = response.json()
            if (answer.get("user_id"), answer.get("item_id")) != (self.user, item):
                foreign.append(f"{self.user}: feedback answered for {answer.get('user_id')!r}/{answer.get('item_id')}")
        self.tally.record("feedback", seconds, error, foreign)

    def _context(self) -> None:
        seconds, response, error = self._call(
            "context", "GET", f"/users/{self.user}/context", params={"at": self.now.isoformat()}
        )
        context = response.json() if response is not None and not error else None
        self.tally.record("context", seconds, error, foreign_context(self.user, context, self.own))

    def _chat(self, stream: bool) -> None:
        body = {
            "user_id": self.user,
            "message": self.chance.choice(MESSAGES),
            "at": self.now.isoformat(),
            "conversation_id": f"load-{self.user}",
            "stream": stream,
        }
        seconds, response, error = self._call("chat", "POST", "/chat", json=body)
        turn = None
        if response is not None and not error:
            turn, error = turn_from_stream(response.text) if stream else (response.json(), "")
        foreign = foreign_turn(self.user, turn, self.own) if turn is not None else []
        self.tally.record("chat", seconds, error or None, foreign)


def run_users(
    url: str, users: list[str], own: dict[str, History], now: datetime, places: pd.DataFrame, seconds: float
) -> dict[str, Any]:
    """``users`` simulated at once for ``seconds``; their figures."""
    tally = Tally()
    simulated = [SimulatedUser(url, user, own[user], now, places, tally, seed) for seed, user in enumerate(users)]
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    threads = [threading.Thread(target=one.run, args=(deadline,), name=f"user-{one.user}") for one in simulated]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    figures = tally.figures()
    return {
        "users": len(users),
        "seconds": round(elapsed, 1),
        "per_s": round(figures["requests"] / elapsed, 1),
        **figures,
    }


def add_newcomers(url: str, world: Any, items: pd.DataFrame, count: int) -> pd.DataFrame:
    """``count`` users beyond the world's, each with a week of routine, stored through the API; their events."""
    history = world.make_history(items, days=NEWCOMER_DAYS, seed=1)
    history = history[history["user_id"].astype(int) < count].copy()
    history["user_id"] = "newcomer-" + history["user_id"]
    events = [
        {
            "user_id": row.user_id,
            "item_id": row.item_id,
            "timestamp": row.timestamp.isoformat(),
            "latitude": row.latitude,
            "longitude": row.longitude,
        }
        for row in history.itertuples()
    ]
    response = httpx.post(f"{url}/api/events", json={"events": events}, timeout=600)
    response.raise_for_status()
    return history


def run(users: int, seconds: float, baseline_seconds: float, folder: Path) -> dict[str, Any]:
    world = world_modules()
    items, history = world.make_items(), world.make_history(world.make_items())
    now = history["timestamp"].iloc[-1].to_pydatetime() + timedelta(days=1, hours=10)
    seed_state(folder / "state", items, history)
    resolution = load_settings().preprocessing.h3_resolution
    started = time.perf_counter()
    server = Server(folder / "state", users)
    try:
        print(f"server ready in {time.perf_counter() - started:.1f} s at {server.url}", flush=True)
        world_users = sorted(history["user_id"].unique(), key=int)
        newcomers = add_newcomers(server.url, world, items, max(0, users - len(world_users)))
        own = histories(pd.concat([history, newcomers], ignore_index=True), resolution)
        everyone = [*world_users, *sorted(newcomers["user_id"].unique())][:users]
        places = items.set_index("item_id")
        baseline = run_users(server.url, everyone[:1], own, now, places, baseline_seconds)
        loaded = run_users(server.url, everyone, own, now, places, seconds)
    finally:
        server.stop()
    for name in ENDPOINTS:
        ours, alone = loaded["endpoints"][name], baseline["endpoints"][name]
        print(
            f"{name + ':':<10} {users} users p50 {ours['p50_ms']:7.1f} ms p99 {ours['p99_ms']:7.1f} ms (n {ours['n']})"
            f"   1 user p50 {alone['p50_ms']:7.1f} ms p99 {alone['p99_ms']:7.1f} ms (n {alone['n']})"
        )
    print(f"throughput: {users} users {loaded['per_s']} requests/s   1 user {baseline['per_s']} requests/s")
    print(f"errors: {loaded['errors']} (1 user: {baseline['errors']})  {loaded['errors_by_kind']}")
    print(f"cross-user responses: {loaded['cross_user']} (1 user: {baseline['cross_user']})")
    for example in loaded["cross_user_examples"]:
        print(f"  {example}")
    return {"load": loaded, "baseline_single_user": baseline, "newcomers": len(newcomers["user_id"].unique())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--users", type=int, default=20, help="simulated users at once (the world has 10; more are added)"
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--baseline-seconds", type=float, default=15.0, help="the single-user run first")
    parser.add_argument("--output", "--out", type=Path, default=None, help=f"default {RESULT} ({SMOKE_RESULT} smoke)")
    parser.add_argument("--smoke", action="store_true", help=f"seconds-long run with {SMOKE}; not judged")
    arguments = parser.parse_args()
    if arguments.smoke:
        vars(arguments).update(SMOKE)
    arguments.output = arguments.output or (SMOKE_RESULT if arguments.smoke else RESULT)

    folder = Path(tempfile.mkdtemp(prefix="load-"))
    try:
        result = run(arguments.users, arguments.seconds, arguments.baseline_seconds, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    passed = all(result[part]["errors"] == 0 == result[part]["cross_user"] for part in ("load", "baseline_single_user"))
    report = {
        "benchmark": "load",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()},
        "target": "no error and no cross-user response",
        "passed": passed,
        "smoke": arguments.smoke,
        "run": result,
    }
    write_report(arguments.output, report)
    print(f"target no error, no cross-user response: {'met' if passed else 'MISSED'}; wrote {arguments.output}")
    # Judged in a smoke run too: the target is about correctness, not speed.
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
