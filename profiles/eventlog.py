"""The event log: the one owner of stored behaviour events.

Append-only with a sequence number: :meth:`EventLog.append` returns only once the events are durable, and every
derived view (profile snapshots, the recommender's state) records the sequence it reflects, so it can catch up by
reading what is newer (:meth:`EventLog.read`) instead of being rebuilt. Exact copies of a stored event are stored
once (a retried request adds nothing). :meth:`EventLog.delete_user` and :meth:`EventLog.delete_events` (one user's
events at one place, when they ask to forget their visits there) are the only ways events leave the log; a log
that is reset (``ingest --replace``) gets a new :attr:`EventLog.generation`, so derived views know to rebuild.

``SQLiteEventLog`` (WAL, ``synchronous=FULL``) is the embedded default; every backend passes the contract suite in
``profiles.eventlog_contract``.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from profiles.clock import check_horizon, event_horizon
from profiles.closing import Closing
from profiles.events import EVENT_COLUMNS, Action, Event

EVENTS_DB = "events.sqlite"
_CHUNK = 900  # rows per statement batch, well under SQLite's variable limit
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key BLOB NOT NULL UNIQUE,  -- digest of every field: an exact copy is stored once
    user_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    time_us INTEGER NOT NULL,        -- microseconds since 1970, UTC
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    action TEXT NOT NULL,
    text TEXT,
    category TEXT
);
CREATE INDEX IF NOT EXISTS events_user ON events (user_id, seq);
"""
_FIELDS = "seq, user_id, item_id, time_us, latitude, longitude, action, text, category"


@dataclass(frozen=True)
class LoggedEvent:
    """An event as the log holds it, with its sequence number."""

    seq: int
    event: Event


@dataclass(frozen=True)
class AppendResult:
    """What an append stored: the events that were new (in the given order) and the log's sequence afterwards."""

    added: list[LoggedEvent]
    seq: int

    @property
    def events(self) -> list[Event]:
        return [logged.event for logged in self.added]


class EventLog(Closing, ABC):
    """Stored events, append-only, each with a sequence number that only grows. Use as a context manager."""

    def append(self, events: Sequence[Event], horizon: datetime | None = None) -> AppendResult:
        """Store the events in one durable step (all or none); exact copies of stored events are skipped.

        A batch with an event after ``horizon`` (default: a day after this machine's clock; callers with a demo
        clock pass ``profiles.clock.event_horizon(settings.server.demo_now)``) stores nothing and raises a pydantic
        ValidationError locating each such event's ``timestamp``: every way into the log is checked here.
        """
        check_horizon(events, horizon if horizon is not None else event_horizon())
        return self._append(events)

    @abstractmethod
    def _append(self, events: Sequence[Event]) -> AppendResult:
        """Store the already checked events in one durable step (all or none), skipping exact copies."""

    @abstractmethod
    def read(
        self, since: int = 0, user_id: str | None = None, actions: Collection[Action] | None = None
    ) -> Iterator[LoggedEvent]:
        """Events with a sequence number above ``since`` (of one user, and with one of ``actions``, when given), in
        sequence order. The filters run in the database: a user's few stated preferences among their many visits
        are read without parsing the visits."""

    @abstractmethod
    def frame(self, since: int = 0) -> pd.DataFrame:
        """Events above ``since`` as a frame: ``seq`` and the Event fields (UTC timestamps, actions as text)."""

    @abstractmethod
    def last(self, user_id: str) -> LoggedEvent | None:
        """The user's most recently appended event."""

    @abstractmethod
    def users(self) -> list[str]:
        """Users with stored events, sorted."""

    @abstractmethod
    def count(self, user_id: str | None = None) -> int:
        """How many events are stored (of one user, when given)."""

    @property
    @abstractmethod
    def seq(self) -> int:
        """The highest sequence number ever given (0 for a new log); deletes never lower it."""

    @property
    @abstractmethod
    def generation(self) -> str:
        """An id that changes only when the log is reset; derived state made from another generation is stale."""

    @abstractmethod
    def delete_user(self, user_id: str) -> int:
        """Remove every event of the user, durably, so that no trace of them stays on disk; how many went."""

    @abstractmethod
    def delete_events(
        self, user_id: str, item_id: str, actions: Collection[Action], since: datetime | None = None
    ) -> int:
        """Remove the user's events with these actions at one item, durably and leaving no trace on disk (as
        :meth:`delete_user`); with ``since``, only those timed then or later (the 👍 an "undo" takes back, not an
        older one); how many went."""

    @abstractmethod
    def reset(self) -> None:
        """Remove every event and start a new generation."""

    @abstractmethod
    def close(self) -> None:
        """Release the log; a second call does nothing."""


class SQLiteEventLog(EventLog):
    """The event log in one SQLite file (WAL mode, a full fsync per commit, deleted rows overwritten)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._closed = False
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on the disk when it returns, so "acknowledged" means durable.
            self._db.execute("PRAGMA synchronous=FULL")
            # Deleted rows are zeroed, so a forgotten user's events do not linger in free pages.
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.executescript(_SCHEMA)
            if self._meta("generation") is None:
                self._set_meta("generation", uuid.uuid4().hex)
        except BaseException:
            self._db.close()
            raise

    # ---- writing ---------------------------------------------------------------------------------------------

    def _append(self, events: Sequence[Event]) -> AppendResult:
        rows = [_row(event) for event in events]
        added: list[LoggedEvent] = []
        with self._lock:
            self._check_open()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                insert = (
                    "INSERT INTO events (event_key, user_id, item_id, time_us, latitude, longitude, action, text, "
                    "category) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING RETURNING seq"
                )
                for event, row in zip(events, rows, strict=True):
                    stored = self._db.execute(insert, row).fetchone()
                    if stored is not None:
                        added.append(LoggedEvent(int(stored[0]), event))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return AppendResult(added=added, seq=self._seq())

    def delete_user(self, user_id: str) -> int:
        with self._lock:
            self._check_open()
            removed = self._db.execute("DELETE FROM events WHERE user_id = ?", (user_id,)).rowcount
            if removed:
                _scrub(self._db)
            return int(removed)

    def delete_events(
        self, user_id: str, item_id: str, actions: Collection[Action], since: datetime | None = None
    ) -> int:
        names = sorted({Action(action).value for action in actions})
        if not names:
            return 0
        marks = ", ".join("?" * len(names))
        with self._lock:
            self._check_open()
            removed = self._db.execute(
                f"DELETE FROM events WHERE user_id = ? AND item_id = ? AND action IN ({marks}) AND time_us >= ?",
                (user_id, item_id, *names, _EARLIEST_US if since is None else _time_us(since)),
            ).rowcount
            if removed:
                _scrub(self._db)
            return int(removed)

    def reset(self) -> None:
        with self._lock:
            self._check_open()
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM events")
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", (uuid.uuid4().hex,))
            self._db.execute("COMMIT")
            _scrub(self._db)

    # ---- reading ---------------------------------------------------------------------------------------------

    def read(
        self, since: int = 0, user_id: str | None = None, actions: Collection[Action] | None = None
    ) -> Iterator[LoggedEvent]:
        sql = f"SELECT {_FIELDS} FROM events WHERE seq > ?"
        params: tuple[object, ...] = (since,)
        if user_id is not None:
            sql, params = sql + " AND user_id = ?", (*params, user_id)
        if actions is not None:
            names = sorted({Action(action).value for action in actions})
            sql, params = sql + f" AND action IN ({', '.join('?' * len(names)) or 'NULL'})", (*params, *names)
        with self._lock:
            self._check_open()
            rows = self._db.execute(sql + " ORDER BY seq", params).fetchall()
        for row in rows:
            yield _logged(row)

    def frame(self, since: int = 0) -> pd.DataFrame:
        with self._lock:
            self._check_open()
            rows = self._db.execute(f"SELECT {_FIELDS} FROM events WHERE seq > ? ORDER BY seq", (since,)).fetchall()
        return logged_frame(rows)

    def last(self, user_id: str) -> LoggedEvent | None:
        with self._lock:
            self._check_open()
            row = self._db.execute(
                f"SELECT {_FIELDS} FROM events WHERE user_id = ? ORDER BY seq DESC LIMIT 1", (user_id,)
            ).fetchone()
        return None if row is None else _logged(row)

    def users(self) -> list[str]:
        with self._lock:
            self._check_open()
            return [row[0] for row in self._db.execute("SELECT DISTINCT user_id FROM events ORDER BY user_id")]

    def count(self, user_id: str | None = None) -> int:
        with self._lock:
            self._check_open()
            if user_id is None:
                return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
            return int(self._db.execute("SELECT COUNT(*) FROM events WHERE user_id = ?", (user_id,)).fetchone()[0])

    @property
    def seq(self) -> int:
        with self._lock:
            self._check_open()
            return self._seq()

    @property
    def generation(self) -> str:
        with self._lock:
            self._check_open()
            value = self._meta("generation")
            assert value is not None  # written on open
            return value

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._db.close()

    # ---- internals -------------------------------------------------------------------------------------------

    def _seq(self) -> int:
        # AUTOINCREMENT keeps the highest sequence ever given here, also after its row was deleted.
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        return int(row[0]) if row is not None else 0

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"the event log {self.path} is closed")


def _scrub(db: sqlite3.Connection) -> None:
    """Leave no copy of deleted rows on disk: secure_delete zeroes freed cells, but a rebalanced index page can
    keep stale bytes in its unallocated gap, so the file is rebuilt (VACUUM) and the WAL folded in and truncated."""
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def logged_frame(rows: Sequence[Sequence[object]]) -> pd.DataFrame:
    """Rows of (seq, user_id, item_id, time in µs, latitude, longitude, action, text, category), as every log
    backend stores them, as a frame: ``seq`` then ``EVENT_COLUMNS``."""
    columns = ["seq", "user_id", "item_id", "time_us", "latitude", "longitude", "action", "text", "category"]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    frame["seq"] = frame["seq"].astype(np.int64)
    frame["timestamp"] = pd.to_datetime(frame.pop("time_us").astype(np.int64), unit="us", utc=True)
    for name in ("latitude", "longitude"):
        frame[name] = frame[name].astype(np.float64)
    for name in ("user_id", "item_id", "action", "text", "category"):
        frame[name] = frame[name].astype(object)
    return frame[["seq", *EVENT_COLUMNS]]


def event_key(event: Event) -> bytes:
    """The digest that makes exact copies of an event one stored event."""
    fields = (
        event.user_id,
        event.item_id,
        str(_time_us(event.timestamp)),
        repr(float(event.latitude)),
        repr(float(event.longitude)),
        event.action.value,
        event.text or "",
        event.category or "",
    )
    return hashlib.sha256("\x1f".join(fields).encode()).digest()


def events_from_frame(frame: pd.DataFrame) -> list[Event]:
    """Events from a frame with the Event fields (extra columns are ignored); missing actions are visits."""
    present = [column for column in EVENT_COLUMNS if column in frame]
    records = frame[present].to_dict("records")
    events = []
    for record in records:
        fields = {name: value for name, value in record.items() if not _missing(value)}
        fields.setdefault("action", Action.VISIT)
        if isinstance(fields.get("timestamp"), pd.Timestamp):
            fields["timestamp"] = fields["timestamp"].to_pydatetime()
        events.append(Event.model_validate(fields))
    return events


def open_event_log(state_dir: Path | str) -> EventLog:
    """The state folder's event log (the embedded SQLite backend)."""
    return SQLiteEventLog(Path(state_dir) / EVENTS_DB)


def _row(event: Event) -> tuple[object, ...]:
    return (
        event_key(event),
        event.user_id,
        event.item_id,
        _time_us(event.timestamp),
        float(event.latitude),
        float(event.longitude),
        event.action.value,
        event.text,
        event.category,
    )


def _logged(row: Sequence[object]) -> LoggedEvent:
    seq, user_id, item_id, time_us, latitude, longitude, action, text, category = row
    event = Event(
        user_id=str(user_id),
        item_id=str(item_id),
        timestamp=_EPOCH + timedelta(microseconds=int(time_us)),  # type: ignore[call-overload]
        latitude=float(latitude),  # type: ignore[arg-type]
        longitude=float(longitude),  # type: ignore[arg-type]
        action=Action(str(action)),
        text=None if text is None else str(text),
        category=None if category is None else str(category),
    )
    return LoggedEvent(int(seq), event)  # type: ignore[call-overload]


# Below every stored time: what "since" is when none is given.
_EARLIEST_US = -(2**62)


def _time_us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


__all__ = [
    "EVENTS_DB",
    "AppendResult",
    "EventLog",
    "LoggedEvent",
    "SQLiteEventLog",
    "event_key",
    "events_from_frame",
    "open_event_log",
]
