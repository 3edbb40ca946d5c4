"""The SQLite event log passes the event log contract; and what only SQLite promises: a file in WAL mode whose
deleted rows leave no bytes behind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from profiles.eventlog import EVENTS_DB, EventLog, SQLiteEventLog, events_from_frame, open_event_log
from profiles.eventlog_contract import EventLogContract, make_event
from profiles.events import Action


class TestSQLiteEventLog(EventLogContract):
    @pytest.fixture
    def log_opener(self, tmp_path: Path) -> Callable[[], EventLog]:
        return lambda: SQLiteEventLog(tmp_path / "events.sqlite")


def test_the_state_folder_log_is_sqlite_in_wal_mode(tmp_path: Path) -> None:
    with open_event_log(tmp_path) as log:
        log.append([make_event("ana", 1)])
        assert isinstance(log, SQLiteEventLog) and log.path == tmp_path / EVENTS_DB
        mode = log._db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"


def test_a_forgotten_user_leaves_no_bytes_in_the_files(tmp_path: Path) -> None:
    secret = "user-7d1f0c"  # distinctive, so a byte search cannot match by chance
    with open_event_log(tmp_path) as log:
        log.append([make_event(secret, n, text=f"note {n}") for n in range(50)] + [make_event("bo", 99)])
        log.delete_user(secret)
        files = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert secret.encode() not in files and b"note 1" not in files


def test_forgotten_visits_leave_no_bytes_in_the_files(tmp_path: Path) -> None:
    secret = "visit-note-5e2a"
    with open_event_log(tmp_path) as log:
        log.append([make_event("ana", 7 * n, text=f"{secret} {n}") for n in range(20)] + [make_event("ana", 1)])
        assert log.delete_events("ana", "place-0", [Action.VISIT]) == 20
        files = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert secret.encode() not in files and log_count_after(tmp_path) == 1


def log_count_after(folder: Path) -> int:
    with open_event_log(folder) as log:
        return log.count()


def test_events_from_a_frame_default_to_visits(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "user_id": ["ana", "bo"],
            "item_id": ["p1", "p2"],
            "timestamp": pd.to_datetime(["2012-04-07T10:00Z", "2012-04-07T11:00Z"], utc=True),
            "latitude": [40.7, 40.71],
            "longitude": [-74.0, -74.01],
            "action": [None, "like"],
            "local_time": [None, None],  # extra columns are ignored
        }
    )
    events = events_from_frame(frame)
    assert [event.action for event in events] == [Action.VISIT, Action.LIKE]
    assert events[0].timestamp.isoformat() == "2012-04-07T10:00:00+00:00"
