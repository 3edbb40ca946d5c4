"""Conversation memory is bounded by count and age, never drops a conversation while a turn holds it, and forgets a
user's conversations at once, a running turn's included: on a tiny LangGraph graph, then on the assistant."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from assistant.agent import Assistant
from assistant.memory import THREAD_SEPARATOR, ConversationStore
from assistant.service import Service
from profiles.config import load_settings
from tests.assistant.world import ScriptedChatModel, listed_names, world_runtime

COFFEE = "somewhere for coffee near here"


class _Count(TypedDict):
    turns: int


class Clock:
    """A timer the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting_graph(saver: InMemorySaver) -> Any:
    """One node that counts the turns of a thread: its state lives in the checkpointer, as the assistant's does."""
    graph = StateGraph(_Count)
    graph.add_node("count", lambda state: {"turns": state.get("turns", 0) + 1})
    graph.add_edge(START, "count")
    graph.add_edge("count", END)
    return graph.compile(checkpointer=saver)


def thread(user: str, conversation: str = "default") -> str:
    return f"{user}{THREAD_SEPARATOR}{conversation}"


def step(graph: Any, name: str) -> int:
    """Run one turn's graph on a thread; the thread's turn count afterwards."""
    return graph.invoke({}, {"configurable": {"thread_id": name}})["turns"]


def kept(saver: InMemorySaver) -> set[str]:
    """The threads the checkpointer holds anything of."""
    return {checkpoint.config["configurable"]["thread_id"] for checkpoint in saver.list(None)}


def test_the_least_recently_used_conversation_goes_beyond_the_count() -> None:
    saver = InMemorySaver()
    store, graph = ConversationStore(saver, max_conversations=2, ttl_s=3_600), counting_graph(saver)
    for name in ("a", "b", "c"):
        with store.turn(thread(name)):
            step(graph, thread(name))
    assert kept(saver) == {thread("b"), thread("c")} and len(store) == 2
    with store.turn(thread("b")):  # b is used again: c is now the oldest
        assert step(graph, thread("b")) == 2
    with store.turn(thread("d")):
        step(graph, thread("d"))
    assert kept(saver) == {thread("b"), thread("d")}


def test_a_conversation_idle_past_its_age_is_forgotten() -> None:
    saver, clock = InMemorySaver(), Clock()
    store, graph = ConversationStore(saver, max_conversations=100, ttl_s=60, timer=clock), counting_graph(saver)
    with store.turn(thread("a")):
        step(graph, thread("a"))
    clock.now = 30
    with store.turn(thread("b")):
        step(graph, thread("b"))
    clock.now = 70  # a has been idle 70 s, b 40 s
    assert len(store) == 1 and kept(saver) == {thread("b")}
    with store.turn(thread("a")):
        assert step(graph, thread("a")) == 1  # a starts again from nothing
    clock.now = 200
    assert len(store) == 0 and kept(saver) == set()


def test_an_idle_server_forgets_old_conversations_by_itself() -> None:
    # Nobody touches the store after the turn: the sweeper alone deletes the conversation once it is past its age.
    saver = InMemorySaver()
    store, graph = ConversationStore(saver, max_conversations=100, ttl_s=0.2), counting_graph(saver)
    with store.turn(thread("a")):
        step(graph, thread("a"))
    assert kept(saver) == {thread("a")}
    deadline = time.monotonic() + 30
    while kept(saver) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kept(saver) == set()


def test_a_conversation_whose_turn_runs_is_never_evicted() -> None:
    saver = InMemorySaver()
    store, graph = ConversationStore(saver, max_conversations=1, ttl_s=3_600), counting_graph(saver)
    with store.turn(thread("a")):
        step(graph, thread("a"))
        for name in ("b", "c"):  # other conversations come and go while a's turn runs
            with store.turn(thread(name)):
                step(graph, thread(name))
        assert thread("a") in kept(saver) and len(store) == 2
        step(graph, thread("a"))
    assert kept(saver) == {thread("a")}  # back among the idle: c, the older, made way
    with store.turn(thread("a")):
        assert step(graph, thread("a")) == 3


def test_a_second_turn_of_a_conversation_waits_for_the_first() -> None:
    saver = InMemorySaver()
    store = ConversationStore(saver, max_conversations=10, ttl_s=3_600)
    order: list[str] = []
    first_in, second_tried = threading.Event(), threading.Event()

    def second() -> None:
        first_in.wait()
        second_tried.set()
        with store.turn(thread("a")):
            order.append("second")

    waiter = threading.Thread(target=second)
    waiter.start()
    with store.turn(thread("a")):
        first_in.set()
        second_tried.wait()
        with store.turn(thread("b")):  # another conversation does not wait
            order.append("other")
        order.append("first")
    waiter.join()
    assert order == ["other", "first", "second"] and len(store) == 2


def test_forgetting_drops_idle_and_running_conversations_and_what_the_turn_writes_later() -> None:
    saver = InMemorySaver()
    store, graph = ConversationStore(saver, max_conversations=10, ttl_s=3_600), counting_graph(saver)
    for name in (thread("u", "idle"), thread("other")):
        with store.turn(name):
            step(graph, name)
    with store.turn(thread("u", "running")):
        step(graph, thread("u", "running"))
        assert store.forget("u") == 2
        assert kept(saver) == {thread("other")}
        step(graph, thread("u", "running"))  # the turn goes on writing after the forget
    assert kept(saver) == {thread("other")} and len(store) == 1
    assert store.forget("u") == 0
    with store.turn(thread("u", "running")):  # the same conversation later starts from nothing
        assert step(graph, thread("u", "running")) == 1


# ---- the assistant ---------------------------------------------------------------------------------------------


def polite_script(messages: Sequence[BaseMessage]) -> str:
    names = listed_names(messages)
    return f"Try {names[0]}, it fits what you usually like at this hour." if names else "Happy to help."


def held_threads(assistant: Assistant) -> set[str]:
    return kept(assistant.memory)


def test_the_assistant_keeps_at_most_the_configured_conversations(tmp_path: Path) -> None:
    settings = load_settings(state_dir=tmp_path / "state", chat={"max_conversations": 2})
    with world_runtime(settings) as runtime:
        assistant = Assistant(Service(runtime), ScriptedChatModel(script=polite_script))
        for conversation in ("one", "two", "three"):
            assistant.chat("3", COFFEE, conversation_id=conversation)
        assert held_threads(assistant) == {thread("3", "two"), thread("3", "three")}


def test_forgetting_a_user_mid_turn_leaves_nothing_of_their_conversation(services: Service) -> None:
    slow = ScriptedChatModel(script=polite_script, delay_s=0.05)
    assistant = Assistant(services, slow)
    assistant.chat("4", COFFEE)
    written = len(slow.streamed)  # the words streamed so far, across calls: user 4's reply
    turns: list[Any] = []
    running = threading.Thread(target=lambda: turns.append(assistant.chat("3", COFFEE)))
    running.start()
    deadline = time.monotonic() + 60
    while len(slow.streamed) == written and running.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)  # until user 3's reply is being written: the turn holds its conversation
    assert len(slow.streamed) > written and running.is_alive()
    report = services.forget("3")
    running.join()
    assert report.conversations == 1 and turns
    assert held_threads(assistant) == {thread("4")}
    assert services.forget("3").conversations == 0


@pytest.mark.parametrize("setting", [{"max_conversations": 0}, {"conversation_ttl_s": 0}])
def test_memory_settings_must_be_positive(tmp_path: Path, setting: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        load_settings(state_dir=tmp_path, chat=setting)
