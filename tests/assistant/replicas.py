"""App replicas over one PostgreSQL database: ``tests.assistant.serve_world`` processes, each with its own state folder
(the small world's catalogue, then its saved recommender) and ``store.backend = "postgres"``, sharing the event log
and the stores. Used by the replica test and by ``bench/replica_propagation.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from profiles.eventlog import events_from_frame
from profiles.eventlog_postgres import PostgresEventLog
from profiles.ingest import ITEMS_FILE, write_frame
from tests.fixtures.world import make_history, make_items

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 180


def seed_world(dsn: str) -> datetime:
    """The small world's history in the shared log; the time of its last event."""
    events = events_from_frame(make_history(make_items()))
    with PostgresEventLog(dsn) as log:
        log.append(events)
    return max(event.timestamp for event in events)


def visit(user_id: str, at: datetime, n: int = 0) -> dict[str, Any]:
    """A visit of the user to one of the world's places, as the HTTP API takes it."""
    items = make_items()
    place = items.iloc[n % len(items)]
    return {
        "user_id": user_id,
        "item_id": str(place["item_id"]),
        "timestamp": (at + timedelta(minutes=n)).isoformat(),
        "latitude": float(place["latitude"]),
        "longitude": float(place["longitude"]),
        "action": "visit",
    }


class Replica:
    """One app process on its own copy of the world's state folder, over the shared database."""

    def __init__(self, folder: Path, dsn: str) -> None:
        self.folder = folder
        self.dsn = dsn
        self.url = ""
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> Replica:
        """Launch, then wait until it serves."""
        return self.launch().wait_ready()

    def launch(self) -> Replica:
        """Start the process (its state folder holds only the catalogue: the rest is in the database or rebuilt);
        replicas launched together prepare one at a time."""
        if not self.folder.exists():
            self.folder.mkdir(parents=True)
            write_frame(make_items(), self.folder / ITEMS_FILE)
        environment = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "WHERENOW_STORE__BACKEND": "postgres",
            "WHERENOW_STORE__POSTGRES_DSN": self.dsn,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.assistant.serve_world", str(self.folder)],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        return self

    def wait_ready(self) -> Replica:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.startswith("ready "):
                self.url = line.split()[1].rstrip("/")
                return self
            if not line and self.process.poll() is not None:
                break
        self.stop()
        raise AssertionError(f"the replica in {self.folder} did not start (exit status {self.process.poll()})")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """The HTTP status and JSON answer of one API request (loopback only)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, headers={"content-type": "application/json"}, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def recommends_for(self, user_id: str) -> bool:
        """Whether this replica answers /api/recommend for the user (404: it does not know them)."""
        status, answer = self.call("POST", "/api/recommend", {"user_id": user_id, "k": 3})
        if status not in (200, 404):
            raise AssertionError(f"/api/recommend answered {status}: {answer}")
        return status == 200 and bool(answer)


def wait_until(condition: Any, timeout_s: float, interval_s: float = 0.005) -> float | None:
    """Seconds until ``condition()`` held, or None when it did not within ``timeout_s``."""
    start = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - start
        if time.monotonic() - start > timeout_s:
            return None
        time.sleep(interval_s)
