"""Conversation memory bounded by count and age: which LangGraph threads the checkpointer may keep, and one lock per
conversation while a turn runs or waits.

A conversation is *idle* between turns and *active* while a turn holds or waits for its lock. Idle conversations are
bookkept in a :class:`cachetools.TTLCache` (at most ``max_conversations``, each at most ``ttl_s`` seconds since its
last turn); whatever the cache drops, for count or for age, is deleted from the checkpointer. Active conversations
are never dropped: they re-enter the cache when their last turn ends. Locks exist only while a conversation is
active, so they are bounded by the turns in flight.

Age is enforced even on a server nobody talks to: a daemon thread sweeps expired conversations every
``SWEEP_EVERY_S`` (or sooner for a shorter age); it holds the store weakly and ends with it.

Forgetting a user deletes their threads from the checkpointer at once. A turn still running for them keeps writing
checkpoints until it ends; its conversation is marked, and the end of the turn deletes the thread again, so nothing
the turn wrote outlives it. A turn waiting behind it starts on an empty thread.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cachetools import TTLCache
from langgraph.checkpoint.base import BaseCheckpointSaver

THREAD_SEPARATOR = "\x1f"  # between the user and the conversation in a thread id: it cannot occur in either
SWEEP_EVERY_S = 60.0


@dataclass
class _Active:
    """A conversation with a turn running or waiting: its lock, how many turns want it, and whether it was forgotten
    while they ran."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    turns: int = 0
    forgotten: bool = False


class _Idle(TTLCache[str, None]):
    """The idle conversations, least recently used first; ``dropped`` hears of every one evicted for count or age."""

    def __init__(self, maxsize: int, ttl: float, timer: Callable[[], float], dropped: Callable[[str], None]) -> None:
        super().__init__(maxsize, ttl, timer)
        self._dropped = dropped

    def expire(self, time: float | None = None) -> list[tuple[str, None]]:
        expired = list(super().expire(time))
        for thread, _ in expired:
            self._dropped(thread)
        return expired

    def popitem(self) -> tuple[str, None]:
        thread, value = super().popitem()
        self._dropped(thread)
        return thread, value


class ConversationStore:
    """Which conversations the checkpointer keeps, and the per-conversation turn locks; safe from many threads."""

    def __init__(
        self,
        saver: BaseCheckpointSaver[Any],
        max_conversations: int,
        ttl_s: float,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.saver = saver
        self._guard = threading.Lock()
        self._active: dict[str, _Active] = {}
        self._idle = _Idle(max_conversations, ttl_s, timer, saver.delete_thread)
        _start_sweeper(self, min(SWEEP_EVERY_S, ttl_s))

    def expire(self) -> None:
        """Delete the idle conversations past their age now."""
        with self._guard:
            self._idle.expire()

    def __len__(self) -> int:
        """Conversations held: idle ones not yet past their age, and active ones."""
        with self._guard:
            self._idle.expire()
            return len(self._idle) + len(self._active)

    @contextmanager
    def turn(self, thread: str) -> Iterator[None]:
        """Hold the conversation's lock for one turn: a second turn of it waits for the first to end."""
        with self._guard:
            self._idle.expire()  # conversations past their age go before anything else is kept
            active = self._active.get(thread)
            if active is None:
                active = self._active[thread] = _Active()
                self._idle.pop(thread, None)
            active.turns += 1
        active.lock.acquire()
        try:
            yield
        finally:
            self._end_turn(thread, active)

    def _end_turn(self, thread: str, active: _Active) -> None:
        with self._guard:
            active.turns -= 1
            if active.forgotten:
                # The turn wrote checkpoints after the forget: they go too. A waiting turn starts afresh.
                self.saver.delete_thread(thread)
                active.forgotten = False
                if active.turns == 0:
                    del self._active[thread]
            elif active.turns == 0:
                del self._active[thread]
                self._idle[thread] = None  # may evict the oldest idle conversation
        active.lock.release()

    def forget(self, user_id: str) -> int:
        """Delete every conversation of a user, idle or active; how many there were."""
        prefix = f"{user_id}{THREAD_SEPARATOR}"
        with self._guard:
            self._idle.expire()
            idle = [thread for thread in self._idle if thread.startswith(prefix)]
            for thread in idle:
                del self._idle[thread]
            active = [thread for thread in self._active if thread.startswith(prefix)]
            for thread in active:
                self._active[thread].forgotten = True
            for thread in (*idle, *active):
                self.saver.delete_thread(thread)
        return len(idle) + len(active)


def _start_sweeper(store: ConversationStore, every_s: float) -> None:
    reference = weakref.ref(store)

    def sweep() -> None:
        while True:
            time.sleep(every_s)
            alive = reference()
            if alive is None:
                return
            alive.expire()
            del alive  # not held while sleeping: the store may be collected meanwhile

    threading.Thread(target=sweep, name="conversation-sweeper", daemon=True).start()


__all__ = ["THREAD_SEPARATOR", "ConversationStore"]
