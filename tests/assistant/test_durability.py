"""Acknowledged means durable: a real server process killed with SIGKILL at random moments while clients POST
batches of events (and retry what was not acknowledged) loses nothing it acknowledged, stores nothing twice, and
its snapshots equal a fresh build; one process per state folder; after forget and a restart, no byte of the user
is left anywhere in the state folder."""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from assistant.cli import main as cli_main
from assistant.runtime import prepare
from profiles.eventlog import event_key, events_from_frame, open_event_log
from profiles.events import Event
from profiles.ingest import read_events
from profiles.profile import ProfileService
from profiles.snapshots import Snapshot
from profiles.statelock import StateFolderInUse, StateLock
from tests.assistant import world as world_module
from tests.assistant.world import world_settings
from tests.fixtures.world import make_items, small_config

ROOT = Path(__file__).resolve().parents[2]
BATCHES, PER_BATCH = 10, 5
START_TIMEOUT_S = 120


class Server:
    """``tests.assistant.serve_world`` in its own process: started, killed, started again on one state folder."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.starts = 0

    def start(self) -> None:
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.assistant.serve_world", str(self.state_dir)],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.startswith("ready "):
                self.url = line.split()[1].rstrip("/")
                self.starts += 1
                return
            if not line and self.process.poll() is not None:
                break
        raise AssertionError(f"the server did not start (exit status {self.process.poll()})")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def post(url: str, body: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # loopback only
        return json.loads(response.read())


def batches(items: pd.DataFrame, after: datetime) -> list[list[Event]]:
    """Ten batches of five visits and likes of the world's users, each at its own time after the history."""
    rng = np.random.default_rng(7)
    places = items.set_index("item_id")
    out = []
    for batch in range(BATCHES):
        events = []
        for n in range(PER_BATCH):
            item = str(places.index[int(rng.integers(len(places)))])
            events.append(
                Event(
                    user_id=str(int(rng.integers(10))),
                    item_id=item,
                    timestamp=after + timedelta(hours=batch * 10 + n * 2 + 1),
                    latitude=float(places.loc[item, "latitude"]),
                    longitude=float(places.loc[item, "longitude"]),
                    action="like" if n % 3 == 0 else "visit",
                )
            )
        out.append(events)
    return out


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "state"
    shutil.copytree(world_module._template(), folder)
    return folder


@pytest.fixture
def server(state_dir: Path) -> Iterator[Server]:
    running = Server(state_dir)
    yield running
    running.kill()


def test_a_server_killed_at_random_moments_loses_no_acknowledged_event(server: Server, state_dir: Path) -> None:
    with open_event_log(state_dir) as log:
        stored_before = log.count()
        last = max(entry.event.timestamp for entry in log.read())
    work = batches(make_items(), last)
    chance = random.Random(11)
    acknowledged: list[Event] = []
    kills = 0
    server.start()
    for batch in work:
        body = {"events": [json.loads(event.model_dump_json()) for event in batch]}
        while True:  # the client retries until the server acknowledges the batch
            if not server.alive():
                server.start()
            killer = None
            if chance.random() < 0.5:  # a kill at a random moment while the request is in flight
                killer = threading.Timer(chance.uniform(0.0, 0.25), server.kill)
                killer.start()
            try:
                answer = post(f"{server.url}/api/events", body)
            # A kill between the answer's head and its body leaves an incomplete read: no acknowledgement either.
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, http.client.HTTPException):
                answer = None
            if killer is not None:
                killer.join()
                kills += not server.alive()
            if answer is not None:
                acknowledged.extend(batch)
                break
    server.kill()  # and once more after the last acknowledgement
    assert kills >= 2, "the test must kill the server during requests"
    assert len(acknowledged) == BATCHES * PER_BATCH

    server.start()  # a restart catches up from the log
    server.kill()
    settings = world_settings(state_dir)
    with open_event_log(state_dir) as log:
        keys = Counter(event_key(entry.event) for entry in log.read())
        assert all(keys[event_key(event)] == 1 for event in acknowledged)  # every one present exactly once
        assert log.count() == stored_before + len({event_key(event) for event in acknowledged})
    with prepare(settings, progress=False, config=small_config()) as runtime:
        assert not runtime.report.recommender_fitted  # a crash costs a replay, never a refit
        live = {user: runtime.profiles.store.get_user(user) for user in runtime.profiles.store.users()}
        fresh_settings = world_settings(state_dir.parent / "fresh")
        events = read_events(settings)
        with ProfileService(fresh_settings, items=runtime.items) as fresh:
            fresh.build(events, progress=False)
            for user, snapshots in live.items():
                assert_same_snapshots(snapshots, fresh.store.get_user(user))
            assert sorted(live) == fresh.store.users()


def assert_same_snapshots(got: list[Snapshot], expected: list[Snapshot]) -> None:
    assert [snapshot.snapshot_id for snapshot in got] == [snapshot.snapshot_id for snapshot in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert (mine.count, mine.top_labels, mine.start, mine.end) == (
            theirs.count,
            theirs.top_labels,
            theirs.start,
            theirs.end,
        )
        assert mine.weight_sum == pytest.approx(theirs.weight_sum)
        np.testing.assert_allclose(mine.embedding, theirs.embedding, atol=1e-5)


def test_a_second_process_on_a_folder_in_use_stops_at_once(
    state_dir: Path, server: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server.start()
    assert server.process is not None
    with pytest.raises(StateFolderInUse, match=f"state folder in use by process {server.process.pid}"):
        StateLock(state_dir)
    settings = world_settings(state_dir)
    with pytest.raises(StateFolderInUse):
        prepare(settings, progress=False, config=small_config())
    # The command line says so in one line; a forget goes through the running server instead.
    monkeypatch.setenv("WHERENOW_STATE_DIR", str(state_dir))
    assert cli_main(["prepare", "--quiet"]) == 2
    assert f"state folder in use by process {server.process.pid}" in capsys.readouterr().err
    assert post(f"{server.url}/api/recommend", {"user_id": "4", "k": 3})
    assert cli_main(["forget", "4"]) == 0
    out = capsys.readouterr().out
    assert f"through the server of process {server.process.pid}" in out and "conversations" in out
    health = json.loads(urllib.request.urlopen(f"{server.url}/api/health", timeout=10).read())
    assert health["users"] == 9  # the server itself forgot the user: its memory cannot bring them back
    server.kill()
    lock = StateLock(state_dir)  # a killed holder leaves the folder free
    lock.close()


def test_after_forget_and_a_restart_no_byte_of_the_user_is_left(state_dir: Path) -> None:
    settings = world_settings(state_dir)
    user = "user-5c9e2a"  # distinctive, so a byte search cannot match by chance
    with prepare(settings, progress=False, config=small_config()) as runtime:
        history = read_events(settings)
        assert history is not None
        theirs = history[history["user_id"] == "5"].assign(user_id=user)
        later = theirs.assign(timestamp=theirs["timestamp"] + pd.Timedelta(days=400))
        before = folder_bytes(state_dir)
        runtime.add_events(events_from_frame(later))
        snapshots = runtime.profiles.store.get_user(user)
        removed = runtime.forget(user)
        assert removed.events == len(theirs) and removed.snapshots == len(snapshots) > 0
    with prepare(settings, progress=False, config=small_config()) as again:  # a restart: nothing comes back
        assert not again.known_user(user) and again.profiles.store.get_user(user) == []
    after = folder_bytes(state_dir)
    assert user.encode() not in after
    # Their snapshot vectors, as stored (raw in SQLite, unit length in the index), unless some other row that was
    # already there shares them (a snapshot of one visit is the place's own vector).
    for snapshot in snapshots:
        raw = np.asarray(snapshot.embedding, dtype=np.float32)
        for stored in (raw, raw / np.linalg.norm(raw)):
            if stored.tobytes() not in before:
                assert stored.tobytes() not in after


def folder_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())
