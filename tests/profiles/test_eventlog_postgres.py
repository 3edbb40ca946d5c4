"""The PostgreSQL event log passes the event log contract; and what only a shared log needs: appends from two
connections interleave without a gap or a repeat, and a forget is visible to another connection by digest only."""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import pytest

from profiles.eventlog import EventLog
from profiles.eventlog_contract import EventLogContract, make_event
from profiles.eventlog_postgres import PostgresEventLog


class TestPostgresEventLog(EventLogContract):
    @pytest.fixture
    def log_opener(self, postgres_dsn: str) -> Callable[[], EventLog]:
        return lambda: PostgresEventLog(postgres_dsn)


def test_two_replicas_appending_at_once_number_events_without_gaps(postgres_dsn: str) -> None:
    logs = [PostgresEventLog(postgres_dsn) for _ in range(2)]
    try:

        def append(log: PostgresEventLog, user: str) -> None:
            for n in range(15):
                log.append([make_event(user, n)])

        pairs = zip(logs, ("ana", "bo"), strict=True)
        threads = [threading.Thread(target=append, args=pair) for pair in pairs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seqs = [entry.seq for entry in logs[1].read()]
        assert seqs == list(range(1, 31)) and logs[0].seq == 30
        # The same event appended through the other replica is a copy.
        assert logs[1].append([make_event("ana", 3)]).added == []
    finally:
        for log in logs:
            log.close()


def test_a_forget_reaches_other_replicas_as_a_digest(postgres_dsn: str) -> None:
    with PostgresEventLog(postgres_dsn) as one, PostgresEventLog(postgres_dsn) as other:
        one.append([make_event("user-5c1e", 1), make_event("bo", 2)])
        position = other.forgets
        assert one.delete_user("user-5c1e") == 1 and one.delete_user("user-5c1e") == 0
        assert other.forgotten_since(position, ["bo", "user-5c1e", "cy"]) == (["user-5c1e"], position + 1)
        assert other.forgotten_since(position + 1, ["user-5c1e"]) == ([], position + 1)
    with psycopg.connect(postgres_dsn) as connection:
        stored = connection.execute("SELECT user_digest FROM event_log_forgets").fetchall()
    assert all(b"user-5c1e" not in bytes(row[0]) for row in stored) and len(stored) == 1
