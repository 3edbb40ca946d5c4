"""The behaviour every event log backend must have, as a pytest class that a backend's test module subclasses.

Like the profile stores' contract (``profiles.stores.contract``): a new backend gets the whole suite by writing

    class TestMyLog(EventLogContract):
        @pytest.fixture
        def log_opener(self, tmp_path):
            return lambda: MyEventLog(tmp_path / "log")

``log_opener`` returns a function that opens the log under test at one fixed place: its first call gives a fresh,
empty log, and every later call in the same test opens that same log again (as a new process would).

Only tests import this module (pytest is a test dependency): the product never does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from profiles.eventlog import EventLog
from profiles.events import EVENT_COLUMNS, Action, Event

__all__ = ["EventLogContract", "make_event"]

START = datetime(2012, 4, 2, 9, tzinfo=UTC)


def make_event(user_id: str, n: int, action: Action = Action.VISIT, **extra: object) -> Event:
    """The n-th event of a user: a distinct time and place, so two calls never make exact copies."""
    return Event(
        user_id=user_id,
        item_id=f"place-{n % 7}",
        timestamp=START + timedelta(hours=n),
        latitude=40.70 + n * 1e-4,
        longitude=-74.0 - n * 1e-4,
        action=action,
        **extra,  # type: ignore[arg-type]
    )


class EventLogContract:
    """Append-only, durable, sequence-numbered, idempotent for exact copies, forgetting users for good."""

    @pytest.fixture
    def log_opener(self) -> Callable[[], EventLog]:
        raise NotImplementedError(f"{type(self).__name__} must override the log_opener fixture")

    @pytest.fixture
    def log(self, log_opener: Callable[[], EventLog]) -> Iterator[EventLog]:
        opened = log_opener()
        yield opened
        opened.close()

    # ---- appending -----------------------------------------------------------------------------------------

    def test_a_new_log_is_empty(self, log: EventLog) -> None:
        assert (log.count(), log.seq, log.users(), list(log.read())) == (0, 0, [], [])
        assert log.frame().empty and list(log.frame().columns) == ["seq", *EVENT_COLUMNS]
        assert log.generation and log.last("anyone") is None

    def test_append_numbers_events_in_order(self, log: EventLog) -> None:
        events = [make_event("ana", n) for n in range(5)]
        result = log.append(events)
        assert [entry.event for entry in result.added] == events
        seqs = [entry.seq for entry in result.added]
        assert seqs == sorted(seqs) and len(set(seqs)) == 5 and result.seq == seqs[-1] == log.seq
        assert [entry.seq for entry in log.read()] == seqs
        assert [entry.event for entry in log.read(since=seqs[1])] == events[2:]

    def test_events_read_back_equal_what_was_appended(self, log: EventLog) -> None:
        events = [
            make_event("ana", 1, text="a quiet corner", category="Cafe"),
            make_event("ana", 2, Action.LIKE),
            make_event("bo", 3, Action.DISLIKE),
        ]
        log.append(events)
        assert [entry.event for entry in log.read()] == events
        frame = log.frame()
        assert frame["user_id"].tolist() == ["ana", "ana", "bo"]
        assert frame["action"].tolist() == ["visit", "like", "dislike"]
        assert [stamp.to_pydatetime() for stamp in frame["timestamp"]] == [event.timestamp for event in events]
        assert str(frame["timestamp"].dt.tz) == "UTC"

    def test_reads_filter_by_user_and_action(self, log: EventLog) -> None:
        events = [
            make_event("ana", 1),
            make_event("ana", 2, Action.LIKE),
            make_event("bo", 3, Action.LIKE),
            make_event("ana", 4, Action.DISLIKE),
        ]
        log.append(events)
        liked = [entry.event for entry in log.read(user_id="ana", actions=[Action.LIKE, Action.DISLIKE])]
        assert liked == [events[1], events[3]]
        assert [entry.event for entry in log.read(actions=[Action.LIKE])] == [events[1], events[2]]
        assert list(log.read(actions=[])) == []
        first = next(iter(log.read())).seq
        assert [entry.event for entry in log.read(since=first, user_id="ana", actions=[Action.VISIT])] == []

    def test_exact_copies_are_stored_once(self, log: EventLog) -> None:
        events = [make_event("ana", n) for n in range(3)]
        first = log.append(events)
        retried = log.append([*events, make_event("ana", 3)])  # a client retrying a batch, plus one new event
        assert [entry.event for entry in retried.added] == [make_event("ana", 3)]
        assert log.count() == 4 and retried.seq == retried.added[0].seq > first.seq
        # The same moment and place with another action is another event.
        assert len(log.append([make_event("ana", 0, Action.LIKE)]).added) == 1

    def test_appends_are_durable_and_survive_a_reopen(self, log_opener: Callable[[], EventLog]) -> None:
        log = log_opener()
        generation = log.generation
        log.append([make_event("ana", n) for n in range(4)])
        seq = log.seq
        log.close()
        again = log_opener()
        try:
            assert again.count() == 4 and again.seq == seq and again.generation == generation
            assert again.last("ana") is not None and again.last("ana").event == make_event("ana", 3)  # type: ignore[union-attr]
        finally:
            again.close()

    def test_concurrent_appends_each_get_their_own_numbers(self, log: EventLog) -> None:
        def append(user: str) -> None:
            for n in range(20):
                log.append([make_event(user, n)])

        threads = [threading.Thread(target=append, args=(user,)) for user in ("ana", "bo", "cy")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seqs = [entry.seq for entry in log.read()]
        assert len(seqs) == len(set(seqs)) == 60 and log.count() == 60

    # ---- reading -------------------------------------------------------------------------------------------

    def test_users_counts_and_last(self, log: EventLog) -> None:
        log.append([make_event("bo", 1), make_event("ana", 2), make_event("bo", 3)])
        assert log.users() == ["ana", "bo"]
        assert (log.count(), log.count("bo"), log.count("nobody")) == (3, 2, 0)
        last = log.last("bo")
        assert last is not None and last.event == make_event("bo", 3)
        assert [entry.event for entry in log.read(user_id="bo")] == [make_event("bo", 1), make_event("bo", 3)]

    # ---- forgetting and resetting --------------------------------------------------------------------------

    def test_delete_user_removes_only_them_and_is_idempotent(self, log: EventLog) -> None:
        log.append([make_event("ana", 1), make_event("bo", 2), make_event("ana", 3)])
        seq = log.seq
        assert log.delete_user("ana") == 2
        assert log.delete_user("ana") == 0 and log.delete_user("nobody") == 0
        assert log.users() == ["bo"] and log.count() == 1 and log.last("ana") is None
        assert log.seq == seq  # numbers are never given twice, so derived state can follow the log
        assert log.append([make_event("cy", 4)]).seq == seq + 1

    def test_a_deleted_user_stays_deleted_after_a_reopen(self, log_opener: Callable[[], EventLog]) -> None:
        log = log_opener()
        log.append([make_event("ana", 1), make_event("bo", 2)])
        log.delete_user("ana")
        log.close()
        again = log_opener()
        try:
            assert again.users() == ["bo"] and list(again.read(user_id="ana")) == []
        finally:
            again.close()

    def test_delete_events_removes_one_users_actions_at_one_item(self, log: EventLog) -> None:
        visit, like, other_place = make_event("ana", 1), make_event("ana", 1, Action.LIKE), make_event("ana", 2)
        others = make_event("bo", 8)  # the same place (n % 7), another user
        log.append([visit, like, other_place, others])
        seq = log.seq
        assert log.delete_events("ana", visit.item_id, [Action.VISIT]) == 1
        assert [entry.event for entry in log.read()] == [like, other_place, others]
        assert log.delete_events("ana", visit.item_id, [Action.VISIT]) == 0
        assert log.delete_events("ana", visit.item_id, []) == 0
        assert log.delete_events("ana", visit.item_id, [Action.VISIT, Action.LIKE]) == 1
        assert [entry.event for entry in log.read()] == [other_place, others] and log.seq == seq

    def test_delete_events_since_a_time_keeps_the_older_ones(self, log: EventLog) -> None:
        older, newer = make_event("ana", 1, Action.LIKE), make_event("ana", 8, Action.LIKE)  # one place (n % 7)
        log.append([older, newer])
        assert log.delete_events("ana", newer.item_id, [Action.LIKE], since=newer.timestamp) == 1
        assert [entry.event for entry in log.read()] == [older]

    def test_deleted_events_stay_deleted_after_a_reopen(self, log_opener: Callable[[], EventLog]) -> None:
        log = log_opener()
        log.append([make_event("ana", 1), make_event("ana", 2)])
        log.delete_events("ana", make_event("ana", 1).item_id, [Action.VISIT])
        log.close()
        again = log_opener()
        try:
            assert [entry.event for entry in again.read()] == [make_event("ana", 2)]
        finally:
            again.close()

    def test_reset_empties_the_log_and_starts_a_new_generation(self, log: EventLog) -> None:
        log.append([make_event("ana", n) for n in range(3)])
        generation, seq = log.generation, log.seq
        log.reset()
        assert log.count() == 0 and log.generation != generation
        assert log.append([make_event("ana", 0)]).seq > seq  # still never reused

    def test_a_closed_log_refuses_work(self, log_opener: Callable[[], EventLog]) -> None:
        log = log_opener()
        log.close()
        log.close()  # twice is harmless
        with pytest.raises(RuntimeError, match="closed"):
            log.append([make_event("ana", 1)])
