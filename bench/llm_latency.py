"""A chat turn with the local LLM through LocalChatModel.stream against raw gpt4all on the same prompt, one process.

Both render the same ChatML conversation (the system prompt and a filled reply prompt), use the same sampling
(greedy), prompt batch, thread count and token limit, and run alternately so that both see the same load on a
shared machine. Figures, medians over the turns: model load time, time to first token, decode rate (tokens
after the first per second), and the CPU time per token of the thread reading the stream. Written to
bench/results/llm_latency.json. Target: the same text, and at most 1 ms of extra reader CPU per token (1% of a
token at 10 tokens/s). Time to first token and decode rate are printed beside it, but on shared cores they
swing by seconds between turns, far more than the wrapper could add.

    .venv/bin/python bench/llm_latency.py [--turns 3] [--max-tokens 64] [--threads 2 1]

On cores shared with other work, two llama.cpp threads spin-wait for each other and their figures swing by
several times between runs; one thread gives the steadier comparison.

    .venv/bin/python bench/llm_latency.py --smoke

runs the same code path in seconds for the test suite with a scripted stand-in for gpt4all's model (no GGUF is
assembled or loaded): it times the wrapper around a model that costs nothing, and judges nothing.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import langchain_core
from gpt4all import GPT4All
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant import llm
from assistant.llm import PROMPT_BATCH, LocalChatModel, _chat_session_parts, build_chat_model
from profiles.config import Settings, load_settings
from profiles.models import llm_gguf_path
from prompts import load_prompt

RESULT = Path(__file__).resolve().parent / "results" / "llm_latency.json"
TARGET_EXTRA_CPU_MS_PER_TOKEN = 1.0

# The reply prompt's places block as the assistant fills it (one place: the opening names the first).
SUGGESTIONS = (
    "Fat Cat: Music Venue, 0.4 km, you have been there; you go to Music Venues on Friday evenings around the "
    "West Village — 6 visits"
)
# --smoke: the same code path in seconds (for the test suite) around a scripted stand-in for the model.
SMOKE = {"turns": 1, "max_tokens": 8, "threads": [1]}
SMOKE_RESULT = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "llm_latency.json"
SMOKE_MODEL = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "scripted.gguf"  # never read
SMOKE_REPLY = "Try Fat Cat tonight: you went six times, mostly on Friday evenings, and it is 0.4 km away."


class ScriptedBackend:
    """--smoke: what LocalChatModel uses of gpt4all's backend (``LLModel``): a context of tokens, prompting from its
    ``n_past``, answering SMOKE_REPLY word by word, 1 ms a word."""

    def __init__(self) -> None:
        self.context = SimpleNamespace(n_past=0, tokens=[], tokens_size=0)
        self.threads = 1
        self.threads_used: list[tuple[str, int]] = []  # ("read" | "write", threads) per prompt and per token

    def set_thread_count(self, threads: int) -> None:
        self.threads = threads

    def prompt_model(
        self,
        prompt: str,
        prompt_template: str,
        callback: Callable[[int, str], bool],
        n_predict: int = 4096,
        reset_context: bool = False,
        **_: Any,
    ) -> None:
        tokens = [] if reset_context else list(self.context.tokens[: self.context.n_past])
        tokens += [len(word) for word in prompt.split()]
        self.threads_used.append(("read", self.threads))
        for number, word in enumerate(SMOKE_REPLY.split(" ")[:n_predict]):
            time.sleep(0.001)
            self.threads_used.append(("write", self.threads))
            tokens.append(number)
            if not callback(number, word if number == 0 else f" {word}"):
                break
        self.context.tokens, self.context.tokens_size, self.context.n_past = tokens, len(tokens), len(tokens)

    def prompt_model_streaming(
        self, prompt: str, prompt_template: str, callback: Callable[[int, str], bool], **kwargs: Any
    ) -> Iterator[str]:
        pieces: list[str] = []

        def keep(number: int, piece: str) -> bool:
            wanted = callback(number, piece)
            if wanted:
                pieces.append(piece)
            return wanted

        self.prompt_model(prompt, prompt_template, keep, **kwargs)
        yield from pieces


class ScriptedGPT4All:
    """--smoke: what the benchmark uses of gpt4all's GPT4All, answering SMOKE_REPLY word by word, 1 ms a word."""

    def __init__(self, model_name: str, model_path: Path, **kwargs: Any) -> None:
        self.model = ScriptedBackend()  # the llama.cpp context's token count, and the backend LocalChatModel drives
        self._history = ""

    @contextmanager
    def chat_session(self, system_prompt: str = "", prompt_template: str = "") -> Iterator[None]:
        self._history = system_prompt
        yield
        self._history = ""

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int,
        streaming: bool,
        callback: Callable[[int, str], bool] | None = None,
        **_: Any,
    ) -> Iterator[str]:
        assert streaming
        words = SMOKE_REPLY.split(" ")
        self.model.context.n_past = len((self._history + prompt).split())
        for number, word in enumerate(words[:max_tokens]):
            time.sleep(0.001)
            piece = word if number == 0 else f" {word}"
            self.model.context.n_past += 1
            if callback is not None and not callback(number, piece):  # as gpt4all: asked first, then yielded
                return
            yield piece
        self.model.context.n_past += 2  # the tokens closing the turn

    def close(self) -> None:
        pass


def scripted_chat_model(settings: Settings, threads: int) -> LocalChatModel:
    """--smoke: the product's LocalChatModel, with a ScriptedGPT4All as the process's loaded model."""
    model = LocalChatModel(
        model_path=SMOKE_MODEL,
        max_tokens=settings.llm.max_tokens,
        temperature=settings.llm.temperature,
        n_threads=threads,
    )
    key = (SMOKE_MODEL.resolve(), model.n_ctx, threads)
    llm._cache[key] = llm._Loaded(ScriptedGPT4All(SMOKE_MODEL.name, SMOKE_MODEL.parent))  # type: ignore[arg-type]
    return model


def chat_turn() -> list[BaseMessage]:
    """A realistic reply turn: the product's system prompt and its reply prompt, filled."""
    reply = load_prompt("reply").format(request="somewhere for dinner near here tonight", places=SUGGESTIONS)
    return [SystemMessage(load_prompt("reply_system")), HumanMessage(reply)]


def timed_stream(pieces: Iterable[str]) -> tuple[float, float, int, str, float]:
    """(seconds to the first non-empty piece, seconds in all, non-empty pieces, text, CPU seconds after the first).

    The last figure is the CPU time of the calling thread while it reads the pieces after the first: the model
    decodes on gpt4all's worker thread in both paths, so that is what the reader adds, whatever the machine's
    load. (Before the first piece the calling thread takes part in reading the prompt itself.)
    """
    started = time.perf_counter()
    first = None
    cpu_first = 0.0
    count = 0
    text = []
    for piece in pieces:
        if piece:
            if first is None:
                first = time.perf_counter()
                cpu_first = time.thread_time()
            count += 1
            text.append(piece)
    ended = time.perf_counter()
    cpu = time.thread_time() - cpu_first if first is not None else 0.0
    return (first or ended) - started, ended - started, count, "".join(text), cpu


def measure(
    path: Path, settings: Settings, threads: int, turns: int, max_tokens: int, smoke: bool = False
) -> dict[str, Any]:
    """Load both, then alternate wrapper and raw turns; medians of time to first token and decode rate."""
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    (ScriptedGPT4All if smoke else GPT4All)(
        model_name=path.name, model_path=path.parent, allow_download=False, device="cpu", n_threads=threads, n_ctx=4096
    ).close()
    raw_load = time.perf_counter() - started
    started = time.perf_counter()
    model = scripted_chat_model(settings, threads) if smoke else build_chat_model(settings, n_threads=threads)
    wrapper_load = time.perf_counter() - started
    assert isinstance(model, LocalChatModel)
    # Both paths generate with the one loaded model, so nothing but the wrapper differs between them.
    raw = model.load().model

    messages = chat_turn()
    system, prompt, template = _chat_session_parts(messages)

    def raw_pieces(limit: int) -> Iterable[str]:
        # What LocalChatModel does underneath, minus LangChain, the stop scanner and the worker hand-off.
        with raw.chat_session(system_prompt=system, prompt_template=template):
            yield from raw.generate(
                prompt,
                max_tokens=limit,
                temp=0.0,
                top_k=model.top_k,
                top_p=model.top_p,
                repeat_penalty=model.repeat_penalty,
                n_batch=PROMPT_BATCH,
                streaming=True,
            )

    def wrapper_pieces(limit: int) -> Iterable[str]:
        return (chunk.text for chunk in model.stream(messages, max_tokens=limit))

    paths: dict[str, Callable[[int], Iterable[str]]] = {"wrapper": wrapper_pieces, "gpt4all": raw_pieces}
    for pieces in paths.values():
        timed_stream(pieces(4))  # warm-up: page in the weights
    # The context after the raw warm-up holds the prompt, the 4 tokens generated and the 2 closing the turn.
    prompt_tokens = raw.model.context.n_past - 4 - 2 if raw.model.context is not None else None
    runs: dict[str, list[tuple[float, float, int, str, float]]] = {name: [] for name in paths}
    for turn in range(turns):
        order = list(paths) if turn % 2 == 0 else list(reversed(paths))
        for name in order:
            runs[name].append(timed_stream(paths[name](max_tokens)))

    def summary(name: str) -> dict[str, float]:
        ttfts = [ttft for ttft, *_ in runs[name]]
        rates = [(count - 1) / (total - ttft) for ttft, total, count, *_ in runs[name] if count > 1 and total > ttft]
        return {
            "time_to_first_token_s": round(statistics.median(ttfts), 3),
            "decode_tokens_per_s": round(statistics.median(rates), 2) if rates else 0.0,
            "tokens": statistics.median(count for _, _, count, *_ in runs[name]),
            "reader_cpu_ms_per_token": round(
                1000 * statistics.median(cpu / (count - 1) for _, _, count, _, cpu in runs[name] if count > 1), 3
            ),
        }

    wrapper, baseline = summary("wrapper"), summary("gpt4all")
    rate_ratio = (
        wrapper["decode_tokens_per_s"] / baseline["decode_tokens_per_s"] if baseline["decode_tokens_per_s"] else 0.0
    )
    ttft_overhead = wrapper["time_to_first_token_s"] - baseline["time_to_first_token_s"]
    extra_cpu = wrapper["reader_cpu_ms_per_token"] - baseline["reader_cpu_ms_per_token"]
    same_text = all(ours[3] == theirs[3] for ours, theirs in zip(runs["wrapper"], runs["gpt4all"], strict=True))
    return {
        "threads": threads,
        "prompt_tokens": prompt_tokens,
        "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "load_s": {"wrapper": round(wrapper_load, 3), "gpt4all": round(raw_load, 3)},
        "wrapper": wrapper,
        "gpt4all": baseline,
        "decode_rate_ratio": round(rate_ratio, 3),
        "ttft_overhead_s": round(ttft_overhead, 3),
        "same_text": same_text,
        "extra_reader_cpu_ms_per_token": round(extra_cpu, 3),
        "meets_target": same_text and extra_cpu <= TARGET_EXTRA_CPU_MS_PER_TOKEN,
        "sample_reply": runs["wrapper"][0][3],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument(
        "--threads", type=int, nargs="+", default=[2, 1], help="thread counts, one measurement each (default: 2 1)"
    )
    parser.add_argument("--output", type=Path, default=None, help=f"default {RESULT} ({SMOKE_RESULT} with --smoke)")
    parser.add_argument("--smoke", action="store_true", help=f"seconds-long run on {SMOKE}, scripted model; not judged")
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    args.output = args.output or (SMOKE_RESULT if args.smoke else RESULT)

    settings = load_settings(llm={"provider": "local", "max_tokens": args.max_tokens, "temperature": 0.0})
    path = SMOKE_MODEL if args.smoke else llm_gguf_path(settings.models)
    runs = [measure(path, settings, threads, args.turns, args.max_tokens, args.smoke) for threads in args.threads]
    result = {
        "benchmark": "llm_latency",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": path.name,
        "turns": args.turns,
        "max_tokens": args.max_tokens,
        "prompt_batch": PROMPT_BATCH,
        "usable_cores": len(os.sched_getaffinity(0)),
        "runs": runs,
        "target": {"same_text": True, "extra_reader_cpu_ms_per_token": TARGET_EXTRA_CPU_MS_PER_TOKEN},
        "meets_target": all(run["meets_target"] for run in runs),
        "smoke": args.smoke,
        "versions": {
            "python": platform.python_version(),
            "gpt4all": importlib.metadata.version("gpt4all"),
            "langchain_core": langchain_core.__version__,
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{path.name}: {args.turns} turns of up to {args.max_tokens} tokens each way, medians")
    for run in runs:
        wrapper, baseline = run["wrapper"], run["gpt4all"]
        print(
            f"{run['threads']} thread(s), prompt {run['prompt_tokens']} tokens, "
            f"load average {run['load_average_before_after']}\n"
            f"  load:                wrapper {run['load_s']['wrapper']:6.2f} s     "
            f"gpt4all {run['load_s']['gpt4all']:6.2f} s\n"
            f"  time to first token: wrapper {wrapper['time_to_first_token_s']:6.2f} s     "
            f"gpt4all {baseline['time_to_first_token_s']:6.2f} s     ({run['ttft_overhead_s']:+.2f} s)\n"
            f"  decode rate:         wrapper {wrapper['decode_tokens_per_s']:6.2f} tok/s "
            f"gpt4all {baseline['decode_tokens_per_s']:6.2f} tok/s (ratio {run['decode_rate_ratio']:.3f})\n"
            f"  reader CPU / token:  wrapper {wrapper['reader_cpu_ms_per_token']:6.2f} ms    "
            f"gpt4all {baseline['reader_cpu_ms_per_token']:6.2f} ms ({run['extra_reader_cpu_ms_per_token']:+.2f} ms)\n"
            f"  same text: {run['same_text']}; {'ok' if run['meets_target'] else 'BELOW TARGET'}"
        )
    print(f"written to {args.output}")
    if args.smoke:
        print("smoke run: a scripted stand-in for the model (no GGUF loaded), so the target is not judged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
