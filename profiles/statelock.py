"""One process per state folder: an exclusive lock that says who holds it and where it serves.

Two processes writing one folder would each keep their own view of the events and save over the other's (a
``wherenow forget`` while the server runs would be undone at the server's next save). The holder's process id and,
for a server, its URL are written into the lock file, so a second process can say who is in the way — or, for a
forget, ask the running server to do it.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from profiles.closing import Closing

LOCK_FILE = "wherenow.lock"


class StateFolderInUse(RuntimeError):
    """Another process holds the state folder."""

    def __init__(self, folder: Path, pid: int | None, url: str | None) -> None:
        self.folder, self.pid, self.url = folder, pid, url
        holder = f"process {pid}" if pid is not None else "another process"
        served = f", serving at {url}" if url else ""
        super().__init__(f"state folder in use by {holder}{served}: {folder}")


class StateLock(Closing):
    """An exclusive, non-blocking lock on a state folder, released by close() or when the process ends.

    The operating system drops the lock of a process that dies (kill -9 included), so a crash never leaves the
    folder locked.
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / LOCK_FILE
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
            raise StateFolderInUse(self.folder, holder.get("pid"), holder.get("url")) from None
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor: int | None = descriptor
        self._write({"pid": os.getpid()})

    def advertise(self, url: str) -> None:
        """Say where this process serves the HTTP API, for commands that find the folder in use."""
        self._write({"pid": os.getpid(), "url": url})

    def close(self) -> None:
        """Release the lock; a second call does nothing."""
        if self._descriptor is None:
            return
        descriptor, self._descriptor = self._descriptor, None
        try:
            os.ftruncate(descriptor, 0)
        finally:
            os.close(descriptor)  # closing the descriptor releases the flock

    def _write(self, holder: dict[str, object]) -> None:
        assert self._descriptor is not None
        data = json.dumps(holder).encode()
        os.ftruncate(self._descriptor, 0)
        os.pwrite(self._descriptor, data, 0)
        os.fsync(self._descriptor)


def _holder(descriptor: int) -> dict[str, int | str]:
    """What the holder wrote into the lock file; empty when it is unreadable (it may be rewriting it)."""
    try:
        data = os.pread(descriptor, 4096, 0)
        holder = json.loads(data.decode() or "{}")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


__all__ = ["LOCK_FILE", "StateFolderInUse", "StateLock"]
