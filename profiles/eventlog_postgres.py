"""The event log in PostgreSQL, shared by every app replica (``store.backend = "postgres"``).

Same semantics as the SQLite log (``profiles.eventlog``): exact copies are stored once (the same ``event_key``
digest, unique), sequence numbers only grow and are never given twice, deletes never lower them, a reset starts a
new generation. Appends take the row lock of the one ``event_log_state`` row, so they commit in sequence order:
a replica that read every event up to ``seq`` never sees a smaller number appear later, and can follow the log by
reading what is newer. Every append and forget sends a NOTIFY on :data:`CHANNEL`, so followers need not poll.

Forgetting a user leaves a digest of their id (never the id) in ``event_log_forgets`` with its own counter, so that
other replicas learn whom to drop from what they hold in memory (:meth:`PostgresEventLog.forgotten_since`).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

import pandas as pd
import psycopg

from profiles.eventlog import _EARLIEST_US, AppendResult, EventLog, LoggedEvent, _logged, _row, _time_us, logged_frame
from profiles.events import Action, Event

CHANNEL = "wherenow_events"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS event_log_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,           -- the highest sequence number ever given
    forgets BIGINT NOT NULL,       -- how many users were ever forgotten
    generation TEXT NOT NULL
);
INSERT INTO event_log_state (id, seq, forgets, generation) VALUES (1, 0, 0, %s) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS event_log (
    seq BIGINT PRIMARY KEY,
    event_key BYTEA NOT NULL UNIQUE,  -- digest of every field: an exact copy is stored once
    user_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    time_us BIGINT NOT NULL,          -- microseconds since 1970, UTC
    latitude DOUBLE PRECISION NOT NULL,
    longitude DOUBLE PRECISION NOT NULL,
    action TEXT NOT NULL,
    text TEXT,
    category TEXT
);
CREATE INDEX IF NOT EXISTS event_log_user ON event_log (user_id, seq);
CREATE TABLE IF NOT EXISTS event_log_forgets (n BIGINT PRIMARY KEY, user_digest BYTEA NOT NULL);
"""
_FIELDS = "seq, user_id, item_id, time_us, latitude, longitude, action, text, category"
_INSERT = (
    "INSERT INTO event_log (seq, event_key, user_id, item_id, time_us, latitude, longitude, action, text, category) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (event_key) DO NOTHING"
)
_SCHEMA_LOCK = 0x77686E6C  # an advisory lock key: two replicas creating the tables at once would collide
_PREPARE_LOCK = 0x77686E73  # held while a replica prepares: two building the shared stores at once would collide


def user_digest(user_id: str) -> bytes:
    """What the forget record keeps of a user id: enough to recognise the user, not to recover the id."""
    return hashlib.sha256(user_id.encode()).digest()


class PostgresEventLog(EventLog):
    """The event log in PostgreSQL tables of the DSN's schema (``search_path``); one connection per log."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._lock = threading.RLock()
        self._closed = False
        self._db = psycopg.connect(dsn, autocommit=True)
        try:
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    params = (uuid.uuid4().hex,) if "%s" in statement else None
                    self._db.execute(statement, params)  # type: ignore[arg-type]
        except BaseException:
            self._db.close()
            raise

    # ---- writing ---------------------------------------------------------------------------------------------

    def _append(self, events: Sequence[Event]) -> AppendResult:
        rows = [_row(event) for event in events]
        added: list[LoggedEvent] = []
        with self._lock:
            self._check_open()
            with self._db.transaction():
                # The row lock orders appends: numbers are given and committed in one order, with no gaps.
                seq = int(self._one("SELECT seq FROM event_log_state WHERE id = 1 FOR UPDATE"))
                with self._db.cursor() as cursor:
                    for event, row in zip(events, rows, strict=True):
                        cursor.execute(_INSERT, (seq + 1, *row))
                        if cursor.rowcount == 1:
                            seq += 1
                            added.append(LoggedEvent(seq, event))
                if added:
                    self._db.execute("UPDATE event_log_state SET seq = %s WHERE id = 1", (seq,))
                    self._db.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"seq:{seq}"))
            return AppendResult(added=added, seq=seq)

    def delete_user(self, user_id: str) -> int:
        with self._lock:
            self._check_open()
            with self._db.transaction():
                removed = self._db.execute("DELETE FROM event_log WHERE user_id = %s", (user_id,)).rowcount
                if removed:
                    forgets = self._one(
                        "UPDATE event_log_state SET forgets = forgets + 1 WHERE id = 1 RETURNING forgets"
                    )
                    digest = user_digest(user_id)
                    self._db.execute("INSERT INTO event_log_forgets VALUES (%s, %s)", (forgets, digest))
                    self._db.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"forget:{forgets}"))
            if removed:
                # Dead rows keep their bytes until vacuumed; this makes their space reusable at once.
                self._db.execute("VACUUM event_log")
            return int(removed)

    def delete_events(
        self, user_id: str, item_id: str, actions: Collection[Action], since: datetime | None = None
    ) -> int:
        # Other replicas keep these visits in their in-memory counts until they refit, as the one that deleted
        # them keeps them in its shared counts (``PlaceRecommender.relearn`` rebuilds only the user's own state).
        names = sorted({Action(action).value for action in actions})
        if not names:
            return 0
        with self._lock:
            self._check_open()
            removed = self._db.execute(
                "DELETE FROM event_log WHERE user_id = %s AND item_id = %s AND action = ANY(%s) AND time_us >= %s",
                (user_id, item_id, names, _EARLIEST_US if since is None else _time_us(since)),
            ).rowcount
            if removed:
                self._db.execute("VACUUM event_log")
            return int(removed)

    def reset(self) -> None:
        with self._lock:
            self._check_open()
            with self._db.transaction():
                self._db.execute("SELECT seq FROM event_log_state WHERE id = 1 FOR UPDATE")
                self._db.execute("DELETE FROM event_log")
                self._db.execute("UPDATE event_log_state SET generation = %s WHERE id = 1", (uuid.uuid4().hex,))
                self._db.execute("SELECT pg_notify(%s, %s)", (CHANNEL, "reset"))
            self._db.execute("VACUUM event_log")

    # ---- reading ---------------------------------------------------------------------------------------------

    def read(
        self, since: int = 0, user_id: str | None = None, actions: Collection[Action] | None = None
    ) -> Iterator[LoggedEvent]:
        sql = f"SELECT {_FIELDS} FROM event_log WHERE seq > %s"
        params: tuple[object, ...] = (since,)
        if user_id is not None:
            sql, params = sql + " AND user_id = %s", (*params, user_id)
        if actions is not None:
            sql, params = sql + " AND action = ANY(%s)", (*params, sorted({Action(a).value for a in actions}))
        with self._lock:
            self._check_open()
            rows = self._db.execute(sql + " ORDER BY seq", params).fetchall()
        for row in rows:
            yield _logged(row)

    def frame(self, since: int = 0) -> pd.DataFrame:
        with self._lock:
            self._check_open()
            rows = self._db.execute(f"SELECT {_FIELDS} FROM event_log WHERE seq > %s ORDER BY seq", (since,)).fetchall()
        return logged_frame(rows)

    def last(self, user_id: str) -> LoggedEvent | None:
        with self._lock:
            self._check_open()
            row = self._db.execute(
                f"SELECT {_FIELDS} FROM event_log WHERE user_id = %s ORDER BY seq DESC LIMIT 1", (user_id,)
            ).fetchone()
        return None if row is None else _logged(row)

    def users(self) -> list[str]:
        with self._lock:
            self._check_open()
            return [row[0] for row in self._db.execute("SELECT DISTINCT user_id FROM event_log ORDER BY user_id")]

    def count(self, user_id: str | None = None) -> int:
        with self._lock:
            self._check_open()
            if user_id is None:
                return int(self._one("SELECT COUNT(*) FROM event_log"))
            return int(self._one("SELECT COUNT(*) FROM event_log WHERE user_id = %s", (user_id,)))

    @property
    def seq(self) -> int:
        with self._lock:
            self._check_open()
            return int(self._one("SELECT seq FROM event_log_state WHERE id = 1"))

    @property
    def generation(self) -> str:
        with self._lock:
            self._check_open()
            return str(self._one("SELECT generation FROM event_log_state WHERE id = 1"))

    @property
    def forgets(self) -> int:
        """How many users were ever forgotten here: the position to pass to :meth:`forgotten_since`."""
        with self._lock:
            self._check_open()
            return int(self._one("SELECT forgets FROM event_log_state WHERE id = 1"))

    def forgotten_since(self, forgets: int, user_ids: Sequence[str]) -> tuple[list[str], int]:
        """Which of ``user_ids`` were forgotten after position ``forgets``, and the position now."""
        with self._lock:
            self._check_open()
            with self._db.transaction():
                now = int(self._one("SELECT forgets FROM event_log_state WHERE id = 1"))
                digests = {
                    bytes(row[0])
                    for row in self._db.execute(
                        "SELECT user_digest FROM event_log_forgets WHERE n > %s AND n <= %s", (forgets, now)
                    )
                }
        return [user for user in user_ids if user_digest(user) in digests], now

    def lock_preparation(self) -> None:
        """Wait until no other replica is preparing (building the shared stores from this log), then hold that
        until :meth:`unlock_preparation` or :meth:`close`."""
        with self._lock:
            self._check_open()
            self._db.execute("SELECT pg_advisory_lock(%s)", (_PREPARE_LOCK,))

    def unlock_preparation(self) -> None:
        with self._lock:
            self._check_open()
            self._db.execute("SELECT pg_advisory_unlock(%s)", (_PREPARE_LOCK,))

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._db.close()

    # ---- internals -------------------------------------------------------------------------------------------

    def _one(self, sql: str, params: tuple[object, ...] | None = None) -> object:
        row = self._db.execute(sql, params).fetchone()  # type: ignore[arg-type]
        assert row is not None  # every statement passed here returns one row
        return row[0]

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the PostgreSQL event log is closed")


__all__ = ["CHANNEL", "PostgresEventLog", "user_digest"]
