"""One way to replace a file durably: write beside it, fsync, rename over it, fsync the folder.

Readers see the old file or the new one, never half of one, and a crash at any moment leaves one of the two.
Leftovers of a crash (``.<name>.<pid>.partial``) are removed by :func:`clean_partials` at the next start.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PARTIAL_SUFFIX = ".partial"


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """A temporary path beside ``path``; write it inside the block, and on leaving it replaces ``path`` durably.

    An exception inside the block removes the temporary file and leaves ``path`` as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}{PARTIAL_SUFFIX}")
    try:
        yield partial
        fsync_file(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    fsync_folder(target.parent)


def write_atomic(path: Path | str, write: Callable[[Path], object]) -> Path:
    """``write(temporary_path)`` then replace ``path`` with it durably; returns ``path``."""
    with atomic_path(path) as partial:
        write(partial)
    return Path(path)


def write_bytes_atomic(path: Path | str, data: bytes) -> Path:
    """Replace ``path`` with ``data`` durably."""
    return write_atomic(path, lambda partial: partial.write_bytes(data))


def fsync_file(path: Path | str) -> None:
    """Flush a file's data to the disk."""
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path | str) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def clean_partials(folder: Path | str) -> int:
    """Remove the temporary files that writes interrupted by a crash left anywhere under ``folder``; how many."""
    root = Path(folder)
    if not root.is_dir():
        return 0
    removed = 0
    for leftover in root.rglob(f".*{PARTIAL_SUFFIX}"):
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


__all__ = ["atomic_path", "clean_partials", "fsync_file", "fsync_folder", "write_atomic", "write_bytes_atomic"]
