"""Fixtures for the assistant: the small synthetic world served by a real runtime, and scripted chat models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from assistant.runtime import Runtime
from assistant.service import Service
from profiles.config import load_settings
from tests.assistant.world import ScriptedChatModel, polite_model, world_runtime
from tests.fixtures.world import make_history, make_items


@pytest.fixture(scope="session")
def world_items() -> pd.DataFrame:
    return make_items()


@pytest.fixture(scope="session")
def world_history(world_items: pd.DataFrame) -> pd.DataFrame:
    return make_history(world_items)


@pytest.fixture(scope="session")
def world_now(world_history: pd.DataFrame) -> datetime:
    return world_history["timestamp"].iloc[-1].to_pydatetime() + timedelta(days=1, hours=10)


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """A real runtime over the small world, in a temporary state folder (a copy of the session's world)."""
    with world_runtime(load_settings(state_dir=tmp_path / "state")) as opened:
        yield opened


@pytest.fixture
def services(runtime: Runtime) -> Service:
    """The service layer over the small world's runtime."""
    return Service(runtime)


@pytest.fixture
def polite() -> ScriptedChatModel:
    """Suggests the first listed place, as a good model would."""
    return polite_model()
