"""The assistant tests' world: a real ``assistant.runtime.Runtime`` over the small synthetic world (events in the
event log on disk, so feedback and forgetting go through the same code as in the app), and a scripted chat model
that stands in for the LLM in unit tests of the agent loop.
"""

from __future__ import annotations

import atexit
import functools
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from assistant.llm import turn_cancelled
from assistant.runtime import Runtime, prepare
from profiles.config import Settings, load_settings
from profiles.eventlog import events_from_frame, open_event_log
from profiles.ingest import ITEMS_FILE, write_frame
from tests.fixtures.world import make_history, make_items, small_config


class ScriptedChatModel(BaseChatModel):
    """A chat model whose replies come from a script: a function of the messages; streams word by word.

    Argument-extraction prompts get ``arguments`` (default: an empty JSON object) so the rules decide.
    """

    script: Any
    arguments: str = "{}"
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    delay_s: float = 0.0  # per streamed word, to stand for a slow local model
    streamed: list[str] = Field(default_factory=list)  # every word streamed, across calls

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
            if turn_cancelled():  # as the local model does: a cancelled turn stops at the next token
                return
            time.sleep(self.delay_s)
            self.streamed.append(piece)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk


def listed_names(messages: Sequence[BaseMessage]) -> list[str]:
    """The place names a reply prompt lists between its <places> tags ("Coffee Shop 2: Coffee Shop, 0.3 km away, …")."""
    text = "\n".join(message.text for message in messages)
    blocks = re.findall(r"<places>\n(.*?)\n</places>", text, flags=re.DOTALL)
    return [line.split(": ", 1)[0] for block in blocks for line in block.splitlines() if ": " in line]


def world_settings(state_dir: Path) -> Settings:
    """Settings for the small world; k = 2 so that its ten users release some insights."""
    return load_settings(state_dir=state_dir, privacy={"insights_min_users": 2})


def world_runtime(settings: Settings, world: str = "small") -> Runtime:
    """The small world (users "0".."9", 40 places in lower Manhattan) in ``settings.state_dir``: a copy of the state
    folder built once per test session (event log, item index, snapshots, fitted recommender), opened by the same
    ``prepare`` as the app's. ``world="hospital"``: the same people and routines, working at hospitals."""
    shutil.copytree(_template(world), settings.state_dir, dirs_exist_ok=True)
    return prepare(settings, progress=False, config=small_config())


def hospital_items() -> pd.DataFrame:
    """The small world's places with its offices turned into hospitals: a place people go to every day, and not one
    to suggest unless asked for."""
    items = make_items()
    offices = items["category"] == "Office"
    items.loc[offices, ["category", "category_path"]] = ["Medical Center", "Health and Medicine > Hospital"]
    items.loc[offices, "name"] = items.loc[offices, "item_id"].str.replace("v", "Hospital ", regex=False)
    return items


@functools.cache
def _template(world: str = "small") -> Path:
    """A world's state folder, prepared once per process and never changed afterwards (tests get copies)."""
    folder = Path(tempfile.mkdtemp(prefix=f"wherenow-{world}-world-")) / "state"
    settings = load_settings(state_dir=folder)
    items = {"small": make_items, "hospital": hospital_items}[world]()
    folder.mkdir(parents=True)
    write_frame(items, folder / ITEMS_FILE)
    with open_event_log(folder) as log:
        log.append(events_from_frame(make_history(items)))
    prepare(settings, progress=False, config=small_config()).close()
    atexit.register(shutil.rmtree, folder.parent, ignore_errors=True)
    return folder


def polite_model() -> ScriptedChatModel:
    """Suggests the first listed place, as a good model would (the ``polite`` fixture, usable at module scope)."""

    def script(messages: Sequence[BaseMessage]) -> str:
        names = listed_names(messages)
        if names:
            return f"Try {names[0]}, it fits what you usually like at this hour."
        return "Happy to help you find a place in New York."

    return ScriptedChatModel(script=script, calls=[])
