"""Shared fixtures: one Settings object per test, the real NYC data when configured, and no network."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from profiles.config import Settings, load_settings

# The PostgreSQL fixtures (a throwaway cluster per session), for the backends' and the replicas' tests.
pytest_plugins = ["tests.postgres"]


def _is_local(address: Any) -> bool:
    if not isinstance(address, tuple):  # Unix domain sockets
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    """Any connection beyond loopback fails the test: nothing may download at run time."""
    original_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not _is_local(address):
            raise RuntimeError(f"network access attempted during a test: {address!r}")
        return original_connect(self, address)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated in a temporary state folder (the model cache stays shared: it is expensive)."""
    return load_settings(state_dir=tmp_path / "state")


@pytest.fixture(scope="session")
def nyc_data_dir() -> Path:
    """The real Foursquare NYC folder; a skip when absent, or a failure when WHERENOW_DATA__REQUIRE is set."""
    configured = load_settings()
    folder = configured.data.dir
    if not (folder / "checkins.csv.gz").is_file() or not (folder / "venues.csv.gz").is_file():
        message = f"NYC data not found in {folder.resolve()} (set WHERENOW_DATA__DIR)"
        if configured.data.require:
            pytest.fail(message)
        pytest.skip(message)
    return folder.resolve()
