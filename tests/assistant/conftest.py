"""Fixtures for the assistant: the small synthetic world served by real profiles, recommender and item index,
and a scripted chat model that stands in for the LLM in unit tests of the agent loop."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from profiles.config import Settings, load_settings
from profiles.events import Event
from profiles.preprocessing import preprocess
from profiles.profile import ProfileService
from retrieval.item_index import ItemIndex
from retrieval.recommender import PlaceRecommender
from tests.fixtures.world import make_history, make_items, small_config

Script = Callable[[Sequence[BaseMessage]], str]


@dataclass
class WorldServices:
    """What the assistant's tools need, over the small world; events are learnt in memory."""

    settings: Settings
    profiles: ProfileService
    recommender: PlaceRecommender
    item_index: ItemIndex
    added: list[Event] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def add_events(self, events: Sequence[Event]) -> int:
        for event in events:
            self.profiles.observe(event)
            self.recommender.observe(event)
        self.added.extend(events)
        return len(events)


@pytest.fixture(scope="session")
def world_items() -> pd.DataFrame:
    return make_items()


@pytest.fixture(scope="session")
def world_history(world_items: pd.DataFrame) -> pd.DataFrame:
    return make_history(world_items)


@pytest.fixture(scope="session")
def world_now(world_history: pd.DataFrame) -> Any:
    return world_history["timestamp"].iloc[-1].to_pydatetime() + timedelta(days=1, hours=10)


@pytest.fixture
def services(tmp_path: Any, world_items: pd.DataFrame, world_history: pd.DataFrame) -> Iterator[WorldServices]:
    settings = load_settings(state_dir=tmp_path / "state")
    prepared = preprocess(world_history, settings.preprocessing).events
    profiles = ProfileService(settings, items=world_items)
    profiles.build(prepared, progress=False)
    recommender = PlaceRecommender(settings, small_config())
    recommender.fit(world_history, world_items)
    index = ItemIndex.open(settings, world_items)
    yield WorldServices(settings, profiles, recommender, index)
    profiles.close()
    index.close()


class ScriptedChatModel(BaseChatModel):
    """A chat model whose replies come from a script: a function of the messages; streams word by word.

    Argument-extraction prompts get ``arguments`` (default: an empty JSON object) so the rules decide.
    """

    script: Any
    arguments: str = "{}"
    calls: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _answer(self, messages: Sequence[BaseMessage]) -> str:
        self.calls.append(list(messages))
        if "into one JSON object" in messages[0].text:
            return self.arguments
        return str(self.script(messages))

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessageChunk(content=self._answer(messages)))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        for piece in re.findall(r"\S+\s*|\s+", self._answer(messages)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk


def listed_names(messages: Sequence[BaseMessage]) -> list[str]:
    """The place names a reply prompt lists ("1. Coffee Shop 2 (Coffee Shop, 0.3 km): …")."""
    return re.findall(r"^\d+\. (.+?) \(", "\n".join(message.text for message in messages), flags=re.MULTILINE)


@pytest.fixture
def polite() -> ScriptedChatModel:
    """Suggests the first listed place, as a good model would."""

    def script(messages: Sequence[BaseMessage]) -> str:
        names = listed_names(messages)
        if names:
            return f"Try {names[0]}, it fits what you usually like at this hour."
        return "Happy to help you find a place in New York."

    return ScriptedChatModel(script=script, calls=[])
