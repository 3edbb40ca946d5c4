"""A runtime over the small synthetic world, and the polite scripted model, for the UI's tests and browser tests.

The runtime is a real ``assistant.runtime.Runtime`` (events stored on disk, so feedback and forgetting go through
the same code as in the app) built from the same parts as the ``services`` fixture.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from langchain_core.messages import BaseMessage

from assistant.runtime import Runtime
from profiles.config import Settings, load_settings
from profiles.ingest import EVENTS_FILE, ITEMS_FILE, write_frame
from profiles.preprocessing import preprocess
from profiles.profile import ProfileService
from retrieval.item_index import ItemIndex
from retrieval.recommender import PlaceRecommender
from tests.assistant.conftest import ScriptedChatModel, listed_names
from tests.fixtures.world import make_history, make_items, small_config


def world_settings(state_dir: Path) -> Settings:
    """Settings for the small world; k = 2 so that its ten users release some insights."""
    return load_settings(state_dir=state_dir, privacy={"insights_min_users": 2})


def world_runtime(settings: Settings) -> Runtime:
    """The small world (users "0".."9", 40 places in lower Manhattan) stored under ``settings.state_dir``."""
    items = make_items()
    history = make_history(items)
    prepared = preprocess(history, settings.preprocessing).events
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    write_frame(prepared, settings.state_dir / EVENTS_FILE)
    write_frame(items, settings.state_dir / ITEMS_FILE)
    profiles = ProfileService(settings, items=items)
    profiles.build(prepared, progress=False)
    recommender = PlaceRecommender(settings, small_config())
    recommender.fit(history, items)
    index = ItemIndex.open(settings, items)
    return Runtime(settings, items, profiles, recommender, index)


def polite_model() -> ScriptedChatModel:
    """Suggests the first listed place, as a good model would (the ``polite`` fixture, usable at module scope)."""

    def script(messages: Sequence[BaseMessage]) -> str:
        names = listed_names(messages)
        if names:
            return f"Try {names[0]}, it fits what you usually like at this hour."
        return "Happy to help you find a place in New York."

    return ScriptedChatModel(script=script, calls=[])
