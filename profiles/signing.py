"""A per-user secret that signs what this program writes and later unpickles, so a file it did not write is refused.

The key lives outside the state folder (in ``models.cache_dir``, readable by the owner only), so a state folder
copied from elsewhere, or a file swapped into it, fails the check instead of being executed.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "state-signing.key"
KEY_BYTES = 32
DIGEST_BYTES = hashlib.sha256().digest_size


def signing_key(folder: Path) -> bytes:
    """The key in ``folder``, made (random, mode 0600) on first use; every process that asks gets the same one."""
    path = folder / KEY_FILE
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = _create(path)
    if len(key) != KEY_BYTES:
        raise ValueError(f"{path} is not a signing key ({len(key)} bytes, expected {KEY_BYTES}); delete it to renew")
    return key


def _create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        # A hard link appears whole and fails if another process made the key first: then theirs is the key.
        with contextlib.suppress(FileExistsError):
            os.link(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path.read_bytes()


def sign(data: bytes, key: bytes) -> bytes:
    """The keyed digest (HMAC-SHA256) of ``data``."""
    return hmac.digest(key, data, "sha256")


def verified(data: bytes, signature: bytes, key: bytes) -> bool:
    """Whether ``signature`` is ``data``'s digest under ``key`` (compared in constant time)."""
    return hmac.compare_digest(sign(data, key), signature)


__all__ = ["DIGEST_BYTES", "KEY_FILE", "sign", "signing_key", "verified"]
