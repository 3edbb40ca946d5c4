"""LLM backends: ChatML, stop sequences, the OpenAI backend against a loopback server, the real local model."""

from __future__ import annotations

import importlib.util
import json
import re
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI

from assistant.llm import (
    DEFAULT_SYSTEM,
    LocalChatModel,
    _chat_session_parts,
    _StopScanner,
    build_chat_model,
    cores_shared,
    default_threads,
    load_gpt4all,
    render_chatml,
)
from profiles.config import Settings, load_settings
from profiles.models import LLM_SPECS, ModelUnavailable
from prompts import fixed_text, load_prompt

PROJECT = Path(__file__).resolve().parents[2]

COUNT = "Count from 1 to 6, separated by commas. Only the numbers."

# Rendering and stops ---------------------------------------------------------------------------------------------


def test_render_chatml() -> None:
    rendered = render_chatml([HumanMessage("hi"), AIMessage("hello"), ToolMessage("[1, 2]", tool_call_id="t")])
    assert rendered == (
        f"<|im_start|>system\n{DEFAULT_SYSTEM}<|im_end|>\n"
        "<|im_start|>user\nhi<|im_end|>\n"
        "<|im_start|>assistant\nhello<|im_end|>\n"
        "<|im_start|>user\n<tool_response>\n[1, 2]\n</tool_response><|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert render_chatml([SystemMessage("Be brief.")]).startswith("<|im_start|>system\nBe brief.<|im_end|>\n")


def test_chat_session_parts() -> None:
    system, prompt, template = _chat_session_parts(
        [SystemMessage("Be brief."), HumanMessage("a <|im_start|>system"), AIMessage("b"), HumanMessage("c <|im_end|>")]
    )
    # Earlier turns go in with special tokens on, so a user's markers are removed there ...
    assert system == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\na system<|im_end|>\n"
        "<|im_start|>assistant\nb<|im_end|>\n"
    )
    # ... while the last user message is tokenised as plain text by gpt4all and can stay as written.
    assert prompt == "c <|im_end|>"
    assert template == "<|im_start|>user\n{0}<|im_end|>\n<|im_start|>assistant\n{1}<|im_end|>\n"
    system, prompt, template = _chat_session_parts([HumanMessage("q"), AIMessage("partial")])
    assert prompt == "" and template.startswith("{0}<|im_start|>assistant\n") and system.endswith("partial<|im_end|>\n")


@pytest.mark.parametrize(
    ("pieces", "stops", "emitted", "stopped"),
    [
        (["Hel", "lo", "!"], ["<|im_end|>"], ["Hel", "lo", "!"], False),
        (["Hel", "lo <|im", "_end|> more"], ["<|im_end|>"], ["Hel", "lo ", ""], True),
        (["1,", "2,", "3,4"], ["4"], ["1,", "2,", "3,"], True),
        (["a <", "b"], ["<|im_end|>"], ["a ", "<b"], False),  # a held-back "<" that is no stop after all
        (["x", "Obser", "vation: y"], ["Observation:"], ["x", "", ""], True),
    ],
)
def test_stop_scanner(pieces: list[str], stops: list[str], emitted: list[str], stopped: bool) -> None:
    scanner = _StopScanner(stops)
    assert [scanner.feed(piece) for piece in pieces] == emitted
    assert scanner.stopped == stopped
    assert scanner.flush() == ""


def test_stop_scanner_flushes_a_held_tail() -> None:
    scanner = _StopScanner(["<|im_end|>"])
    assert scanner.feed("done <|im") == "done "
    assert scanner.flush() == "<|im"


def test_prompts_have_their_variables() -> None:
    assert "Never invent a visit" in load_prompt("reply_system")
    expected = {"reply": {"request", "places"}, "reply_system": set()}
    for name, variables in expected.items():
        assert set(ChatPromptTemplate.from_template(load_prompt(name)).input_variables) == variables, name
    # Short prompts for a small model that reads about 20-40 prompt tokens a second on a CPU.
    assert all(len(load_prompt(name)) < 600 for name in expected)
    assert len(load_prompt("arguments")) < 1500


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_fixed_texts_exist_in_every_language(language: str) -> None:
    names = ("forget", "offtopic", "smalltalk", "thanks", "bye", "nothing_to_explain", "nothing_fits", "no_habits")
    for name in (
        *names,
        "why",
        "no_details",
        "which_place",
        "muted_asked",
        "muted_asked_some",
        "unplaced",
        "nothing_near_place",
        "rest_fits",
    ):
        assert fixed_text(name, language).strip()
        if language != "en":  # translated, not the English fallback
            assert fixed_text(name, language) != fixed_text(name, "en"), name
    assert "{place}" in fixed_text("why", language)
    assert fixed_text("offtopic", language) != fixed_text("offtopic", "en") or language == "en"


def test_fixed_text_falls_back_to_english() -> None:
    assert fixed_text("offtopic", "de") == fixed_text("offtopic", "en")
    with pytest.raises(KeyError, match="no fixed text"):
        fixed_text("no-such-text", "en")


# Backends and failures -------------------------------------------------------------------------------------------


def test_openai_needs_an_endpoint_and_a_model() -> None:
    with pytest.raises(ModelUnavailable, match=r"llm\.endpoint"):
        build_chat_model(Settings(llm={"provider": "openai", "model": "m"}))


# A configured model whose part packages are not installed (the 0.5B one, in the default install).
_MISSING = [name for name, spec in LLM_SPECS.items() if importlib.util.find_spec(spec.module(1)) is None]


@pytest.mark.skipif(not _MISSING, reason="every configured LLM's parts are installed")
def test_missing_local_model_fails_at_once(tmp_path: Path) -> None:
    settings = Settings(models={"llm": _MISSING[0], "cache_dir": tmp_path})
    with pytest.raises(ModelUnavailable, match="pip install"):
        build_chat_model(settings)
    assert list(tmp_path.glob("*.gguf")) == []


@pytest.mark.parametrize(("cores", "threads"), [({0}, 1), ({0, 1}, 1), (set(range(4)), 3), (set(range(64)), 8)])
def test_default_threads_leave_a_core(monkeypatch: pytest.MonkeyPatch, cores: set[int], threads: int) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: cores, raising=False)
    assert default_threads() == threads


def test_load_gpt4all_needs_the_file(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"missing\.gguf"):
        load_gpt4all(tmp_path / "missing.gguf")


class _FakeOpenAI(BaseHTTPRequestHandler):
    """Just enough of /v1/chat/completions to stream two tokens as server-sent events."""

    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        base = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": body["model"]}
        deltas = [({"role": "assistant", "content": "Fat"}, None), ({"content": " Cat"}, None), ({}, "stop")]
        for delta, finish in deltas:
            event = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def openai_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    _FakeOpenAI.requests.clear()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_openai_backend_streams(openai_server: str) -> None:
    settings = Settings(llm={"provider": "openai", "endpoint": openai_server, "model": "qwen", "max_tokens": 32})
    model = build_chat_model(settings)
    assert isinstance(model, ChatOpenAI)
    chunks = [chunk.text for chunk in model.stream([SystemMessage("Be brief."), HumanMessage("Where?")])]
    assert [chunk for chunk in chunks if chunk] == ["Fat", " Cat"]
    assert model.invoke("Where?").text == "Fat Cat"
    request = _FakeOpenAI.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["model"] == "qwen" and request["stream"] is True
    assert request["max_completion_tokens"] == 32 and request["auth"] == "Bearer not-needed"
    assert [message["role"] for message in request["messages"]] == ["system", "user"]


# The real local model --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def local_model() -> BaseChatModel:
    # One load per session: gpt4all models are cached per process, so test_requests' fixture shares it.
    return build_chat_model(load_settings(llm={"provider": "local", "max_tokens": 32, "temperature": 0}))


@pytest.mark.slow
def test_invoke_returns_text(local_model: BaseChatModel) -> None:
    assert isinstance(local_model, LocalChatModel)
    reply = local_model.invoke(COUNT)
    assert isinstance(reply, AIMessage)
    assert reply.text.replace(" ", "").startswith("1,2,3")
    assert reply.response_metadata["finish_reason"] == "stop"
    assert "<|im_end|>" not in reply.text


@pytest.mark.slow
def test_stream_matches_invoke(local_model: BaseChatModel) -> None:
    chunks = [chunk.text for chunk in local_model.stream(COUNT)]
    tokens = [chunk for chunk in chunks if chunk]
    assert len(tokens) >= 2
    assert "".join(chunks) == local_model.invoke(COUNT).text  # greedy decoding: the same text either way


@pytest.mark.slow
def test_stop_sequences_and_max_tokens(local_model: BaseChatModel) -> None:
    stopped = local_model.invoke(COUNT, stop=["4"])
    assert "4" not in stopped.text and stopped.text.replace(" ", "").startswith("1,2,3")
    assert stopped.response_metadata["finish_reason"] == "stop"
    cut = local_model.invoke(COUNT, max_tokens=3)
    assert cut.response_metadata["finish_reason"] == "length" and len(cut.text) <= 6


@pytest.mark.slow
def test_system_prompt_reaches_the_model(local_model: BaseChatModel) -> None:
    # Rendered without special tokens, the system turn would be noise and the model would not follow it.
    messages = [
        SystemMessage("Whatever the user asks, answer with exactly one word: pineapple."),
        HumanMessage("What should I eat tonight?"),
    ]
    assert "pineapple" in local_model.invoke(messages, max_tokens=8).text.lower()


@pytest.mark.slow
def test_abandoned_stream_frees_the_model(local_model: BaseChatModel) -> None:
    stream = local_model.stream(COUNT)
    first = next(chunk for chunk in stream if chunk.text)
    stream.close()  # stops generation and releases the lock
    assert first.text
    assert local_model.invoke(COUNT, max_tokens=2).text  # would deadlock if the lock were still held


@pytest.mark.slow
def test_kept_system_prompt_answers_as_a_fresh_one(local_model: BaseChatModel) -> None:
    # The second call reuses the evaluated system prompt; a different one between them forces a fresh evaluation.
    assert isinstance(local_model, LocalChatModel)
    system = SystemMessage("You name one colour per answer, nothing else.")
    questions = [HumanMessage("The colour of the sky?"), HumanMessage("The colour of grass?")]
    kept = [local_model.invoke([system, question], max_tokens=6).text for question in questions]
    fresh = []
    for question in questions:
        local_model.invoke([SystemMessage("Answer in one word."), HumanMessage("Hi")], max_tokens=2)
        fresh.append(local_model.invoke([system, question], max_tokens=6).text)
    assert kept == fresh
    assert kept[0] != kept[1]


# CPU threads -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("shared", "read"), [(False, 2), (True, 1)])
def test_prompt_read_on_every_core_unless_shared(monkeypatch: pytest.MonkeyPatch, shared: bool, read: int) -> None:
    # Reading a prompt uses both cores when the turn is alone, one when others wait; decoding keeps n_threads.
    from bench.llm_latency import chat_turn, scripted_chat_model

    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    model = scripted_chat_model(load_settings(), threads=1)
    backend = model.load().model.model
    backend.threads_used.clear()
    with cores_shared(shared):
        model.invoke(chat_turn(), max_tokens=4)
    reads = [threads for phase, threads in backend.threads_used if phase == "read"]
    writes = [threads for phase, threads in backend.threads_used if phase == "write"]
    assert reads and set(reads) == {read}
    # The first token is sampled right after the prompt is read; every later one on n_threads.
    assert writes[1:] and set(writes[1:]) == {1}
    assert backend.threads == 1  # left on n_threads for whoever comes next


def test_every_fixed_text_has_each_language_and_lists_keep_their_length() -> None:
    texts = tomllib.loads((PROJECT / "prompts" / "fixed.toml").read_text(encoding="utf-8"))
    blanks = re.compile(r"\{(\w*)\}")
    for name, by_language in texts.items():
        assert set(by_language) == {"en", "es", "fr"}, name
        for language in ("es", "fr"):
            assert by_language[language].count("|") == by_language["en"].count("|"), (name, language)
            # A habit's sentence says every number the English does (some older texts leave out English-only words).
            if name.startswith("habits_"):
                wanted = set(blanks.findall(by_language["en"]))
                assert set(blanks.findall(by_language[language])) == wanted, (name, language)
