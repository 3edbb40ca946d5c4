"""Backpressure for chat turns: the local LLM writes one reply at a time, so only so many turns may wait for it.

A turn is admitted before it starts (or refused at once with how long to wait), and leaves when it ends — or when
its client goes away. Requests that need no LLM (health, context, recommend) never pass through here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class QueueFull(RuntimeError):
    """Every place in the chat queue is taken; ``retry_after_s`` says when to try again."""

    def __init__(self, in_flight: int, retry_after_s: int) -> None:
        self.in_flight, self.retry_after_s = in_flight, retry_after_s
        super().__init__(
            f"{in_flight} chat turns are already waiting for the assistant; try again in {retry_after_s} s"
        )


class ChatAdmission:
    """At most ``1 + waiting`` chat turns in flight: the one being written and ``waiting`` queued behind it."""

    def __init__(self, waiting: int, retry_after_s: int) -> None:
        self.limit = 1 + waiting
        self.retry_after_s = retry_after_s
        self._in_flight = 0
        self._guard = threading.Lock()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def enter(self) -> None:
        """Take a place, or raise QueueFull at once (never blocks)."""
        with self._guard:
            if self._in_flight >= self.limit:
                raise QueueFull(self._in_flight, self.retry_after_s)
            self._in_flight += 1

    def leave(self) -> None:
        """Give the place back (once per successful enter())."""
        with self._guard:
            self._in_flight = max(0, self._in_flight - 1)

    @contextmanager
    def place(self) -> Iterator[None]:
        """enter() for the block, leave() after it."""
        self.enter()
        try:
            yield
        finally:
            self.leave()


__all__ = ["ChatAdmission", "QueueFull"]
