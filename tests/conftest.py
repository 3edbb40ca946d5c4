"""Shared fixtures: one Settings object per test, and the real NYC data when it is configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from profiles.config import Settings, load_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated in a temporary state folder (models cache stays shared: it is expensive)."""
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
    return folder
