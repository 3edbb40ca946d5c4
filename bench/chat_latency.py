"""Chat turns on the NYC state with the local LLM: where a turn's time goes, beside the bare LLM on the same prompts.

Part one runs varied requests one after another, each for another real user a day after their last check-in, at
their last place, through ``Assistant.stream``. Per turn: time to the suggestions (code-ranked, before any LLM
word), to the LLM's first token, decode rate, whole turn, and the LLM's share (prompt evaluation, decoding, calls).
The baseline, measured in the same run right after each turn, streams the very messages of the turn's reply call
straight through the chat model (the bare runtime). Part two serves the HTTP API on 127.0.0.1 and sends
``--concurrent`` chats at once (each its own user) while a client polls /api/health: suggestions' arrival, health
latency, errors. Figures are p50 and p90 (health: p99). Written to bench/results/chat_latency.json.

Targets: suggestions p90 ≤ 1 s; LLM first token p90 ≤ 3 s; whole turn p90 ≤ 10 s; with 10 chats at once
suggestions p90 ≤ 2 s, health p99 ≤ 1 s, 0 errors.

    .venv/bin/python bench/chat_latency.py [--threads N] [--concurrent 10] [--model qwen2.5-coder-1.5b]

``--smoke`` runs the same code in seconds: the tests' small world and scripted chat model, no NYC data, no LLM.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import numpy as np
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _reporting import exit_status, write_report

from assistant.agent import REPLY_MAX_TOKENS, Assistant
from assistant.api import create_api
from assistant.llm import build_chat_model
from assistant.runtime import Runtime, prepare
from assistant.service import Service
from assistant.ui import start_server
from profiles.config import Settings, load_settings

RESULT = Path(__file__).resolve().parent / "results" / "chat_latency.json"
TARGETS = {"suggestions_p90_s": 1.0, "first_token_p90_s": 3.0, "turn_p90_s": 10.0}
CONCURRENT_TARGETS = {"suggestions_p90_s": 2.0, "health_p99_s": 1.0, "errors": 0}
MESSAGES = (
    "somewhere for dinner near here tonight",
    "any coffee near here?",
    "surprise me",
    "a quiet bar, not too loud",
    "a museum in Midtown this weekend",
    "pizza nearby",
    "something to do tonight",
    "only places I already know",
)
SMOKE_MESSAGES = ("any coffee near here?", "a jazz club tonight", "a gym please")


class CallTimer(BaseCallbackHandler):
    """Each chat-model call's messages, start, first token and end (perf_counter seconds)."""

    def __init__(self) -> None:
        self.calls: dict[UUID, dict[str, Any]] = {}

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        self.calls[run_id] = {"messages": messages[0], "start": time.perf_counter(), "first": None, "tokens": 0}

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        call = self.calls.get(run_id)
        if call is not None and token:
            call["tokens"] += 1
            call["first"] = call["first"] or time.perf_counter()

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        if run_id in self.calls:
            self.calls[run_id]["end"] = time.perf_counter()


def rate(tokens: int, first: float | None, end: float) -> float | None:
    return (tokens - 1) / (end - first) if first is not None and tokens > 1 and end > first else None


def one_turn(assistant: Assistant, timer: CallTimer, user: str, message: str, at: datetime) -> dict[str, Any]:
    """One turn through the assistant, timed from the caller's side, with its LLM calls broken down."""
    timer.calls.clear()
    started = time.perf_counter()
    suggestions = first_token = None
    tokens = 0
    turn = None
    for event in assistant.stream(user, message, at=at, conversation_id=f"bench-{user}-{started}"):
        now = time.perf_counter() - started
        if event.kind == "suggestions" and suggestions is None:
            suggestions = now
        elif event.kind == "token" and event.text:
            tokens += 1
            first_token = first_token if first_token is not None else now
        elif event.turn is not None:
            turn = event.turn
    total = time.perf_counter() - started
    calls = list(timer.calls.values())
    llm_first = turn.timings.get("first_token_s") if turn is not None else None
    return {
        "message": message,
        "intent": turn.request.intent if turn is not None and turn.request is not None else None,
        "suggestions_s": suggestions,
        "first_word_s": first_token,
        "llm_first_token_s": llm_first,
        "total_s": total,
        "llm_calls": len(calls),
        "llm_prompt_s": sum((c["first"] or c.get("end", c["start"])) - c["start"] for c in calls),
        "llm_decode_s": sum(c.get("end", c["start"]) - (c["first"] or c.get("end", c["start"])) for c in calls),
        "tokens_per_s": rate(calls[-1]["tokens"], calls[-1]["first"], calls[-1].get("end", 0.0)) if calls else None,
        "reply_messages": calls[-1]["messages"] if calls else None,
        "claims_unsupported": len(turn.grounding.get("claims_unsupported", [])) if turn is not None else 0,
    }


def bare(llm: Any, messages: Sequence[BaseMessage]) -> dict[str, Any]:
    """The same reply prompt straight through the chat model."""
    started = time.perf_counter()
    first, tokens = None, 0
    for chunk in llm.stream(list(messages), max_tokens=REPLY_MAX_TOKENS):
        if chunk.text:
            tokens += 1
            first = first if first is not None else time.perf_counter()
    end = time.perf_counter()
    return {
        "first_token_s": (first or end) - started,
        "total_s": end - started,
        "tokens_per_s": rate(tokens, first, end),
    }


def quantiles(values: Sequence[float | None], *qs: int) -> dict[str, float | None]:
    present = [value for value in values if value is not None]
    return {f"p{q}": (round(float(np.percentile(present, q)), 3) if present else None) for q in qs}


def users_and_times(runtime: Runtime, count: int) -> list[tuple[str, datetime]]:
    """Real users with the most history first, each a day after their last check-in."""
    events = runtime.events()
    assert events is not None
    last = events.groupby("user_id")["timestamp"].agg(["max", "size"]).sort_values("size", ascending=False)
    chosen = last.head(count)
    return [(str(user), row["max"].to_pydatetime() + timedelta(days=1)) for user, row in chosen.iterrows()]


def sequential(assistant: Assistant, llm: Any, timer: CallTimer, messages: Sequence[str], runtime: Runtime) -> dict:
    people = users_and_times(runtime, len(messages))
    turns, baselines = [], []
    assistant.warm_up()
    for (user, at), message in zip(people, messages, strict=False):
        turn = one_turn(assistant, timer, user, message, at)
        prompt = turn.pop("reply_messages")
        baseline = bare(llm, prompt) if prompt is not None else None
        turns.append(turn)
        baselines.append(baseline)
        print(f"{message!r:45} {json.dumps({k: v for k, v in turn.items() if k != 'message'}, default=str)}")
        if baseline:
            print(f"{'  bare LLM, same prompt':45} {json.dumps(baseline)}")
    llm_turns = [turn for turn in turns if turn["llm_first_token_s"] is not None]
    return {
        "turns": turns,
        "assistant": {
            "suggestions_s": quantiles([t["suggestions_s"] for t in turns], 50, 90),
            "first_word_s": quantiles([t["first_word_s"] for t in turns], 50, 90),
            "llm_first_token_s": quantiles([t["llm_first_token_s"] for t in llm_turns], 50, 90),
            "tokens_per_s": quantiles([t["tokens_per_s"] for t in llm_turns], 50, 90),
            "total_s": quantiles([t["total_s"] for t in turns], 50, 90),
            "llm_prompt_s": quantiles([t["llm_prompt_s"] for t in turns], 50, 90),
            "llm_decode_s": quantiles([t["llm_decode_s"] for t in turns], 50, 90),
            "turns_with_llm": len(llm_turns),
        },
        "bare_llm": {
            key: quantiles([b[key] for b in baselines if b is not None], 50, 90)
            for key in ("first_token_s", "tokens_per_s", "total_s")
        },
    }


def concurrent(service: Service, assistant: Assistant, settings: Settings, messages: Sequence[str], n: int) -> dict:
    """``n`` chats at once over HTTP, each its own user, while a client polls /api/health."""
    server = start_server(create_api(service, assistant, settings), "127.0.0.1", 0)
    base = server.url.rstrip("/")
    people = users_and_times(service.runtime, n)
    arrivals: list[float | None] = [None] * n
    totals: list[float | None] = [None] * n
    errors: list[str] = []
    health: list[float] = []
    done = threading.Event()

    def chat(index: int) -> None:
        user, at = people[index]
        body = {"user_id": user, "message": messages[index % len(messages)], "at": at.isoformat()}
        started = time.perf_counter()
        try:
            with httpx.Client(timeout=600) as client, client.stream("POST", f"{base}/api/chat", json=body) as reply:
                if reply.status_code != 200:
                    errors.append(f"{user}: HTTP {reply.status_code}")
                    return
                for line in reply.iter_lines():
                    if line == "event: suggestions" and arrivals[index] is None:
                        arrivals[index] = time.perf_counter() - started
                    elif line == "event: error":
                        errors.append(f"{user}: error event")
            totals[index] = time.perf_counter() - started
        except httpx.HTTPError as error:
            errors.append(f"{user}: {type(error).__name__}: {error}")

    def poll() -> None:
        with httpx.Client(timeout=30) as client:
            while not done.is_set():
                started = time.perf_counter()
                try:
                    ok = client.get(f"{base}/api/health").status_code == 200
                except httpx.HTTPError:
                    ok = False
                health.append(time.perf_counter() - started)
                if not ok:
                    errors.append("health failed")
                time.sleep(0.2)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    chats = [threading.Thread(target=chat, args=(index,)) for index in range(n)]
    for thread in chats:
        thread.start()
    for thread in chats:
        thread.join()
    done.set()
    poller.join()
    server.stop()
    missing = sum(1 for arrival in arrivals if arrival is None)
    return {
        "chats": n,
        "suggestions_s": quantiles(arrivals, 50, 90),
        "turn_s": quantiles(totals, 50, 90),
        "health_s": {**quantiles(health, 50, 99), "polls": len(health)},
        "errors": len(errors) + missing,
        "error_list": errors[:20],
    }


def smoke_world() -> tuple[Settings, Runtime, Any, Path]:
    """--smoke: settings, runtime and scripted chat model of the tests' small world, and a scratch result path."""
    from tests.assistant.world import polite_model, world_runtime, world_settings

    folder = Path(tempfile.mkdtemp(prefix="chat-latency-smoke-"))
    settings = world_settings(folder / "state")
    return settings, world_runtime(settings), polite_model(), folder / "chat_latency.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None, help="the local model's CPU threads (default: cores-1)")
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--model", default=None, help="models.llm, e.g. qwen2.5-coder-0.5b")
    parser.add_argument("--out", type=Path, default=RESULT)
    parser.add_argument("--smoke", action="store_true", help="seconds: the tests' small world and scripted model")
    args = parser.parse_args(argv)
    if args.smoke:
        settings, runtime, llm, output = smoke_world()
        messages, n = SMOKE_MESSAGES, 3
    else:
        overrides: dict[str, Any] = {"server": {"chat_waiting": max(args.concurrent, 4)}}
        if args.model:
            overrides["models"] = {"llm": args.model}
        settings = load_settings(**overrides)
        runtime = prepare(settings, progress=True)
        llm = build_chat_model(settings, n_threads=args.threads)
        messages, n, output = MESSAGES, args.concurrent, args.out
    timer = CallTimer()
    llm.callbacks = [timer]
    with runtime:
        service = Service(runtime)
        assistant = Assistant(service, llm, arguments=settings.assistant.arguments)
        one_by_one = sequential(assistant, llm, timer, messages, runtime)
        at_once = concurrent(service, assistant, settings, messages, n)
    figures = one_by_one["assistant"]
    checks = {
        "suggestions_p90_s": figures["suggestions_s"]["p90"],
        "first_token_p90_s": figures["llm_first_token_s"]["p90"],
        "turn_p90_s": figures["total_s"]["p90"],
    }
    met = {key: value is not None and value <= TARGETS[key] for key, value in checks.items()}
    concurrent_checks = {
        "suggestions_p90_s": at_once["suggestions_s"]["p90"],
        "health_p99_s": at_once["health_s"]["p99"],
        "errors": at_once["errors"],
    }
    met.update(
        {
            f"concurrent_{key}": value is not None and value <= CONCURRENT_TARGETS[key]
            for key, value in concurrent_checks.items()
        }
    )
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "model": settings.models.llm,
        "threads": args.threads,
        "sequential": one_by_one,
        "concurrent": at_once,
        "targets": {**TARGETS, **{f"concurrent_{k}": v for k, v in CONCURRENT_TARGETS.items()}},
        "met": met,
    }
    write_report(output, report)
    print("\n             p50 / p90        assistant            bare LLM (same prompt)")
    pairs = [("suggestions_s", None), ("llm_first_token_s", "first_token_s")]
    pairs += [("tokens_per_s", "tokens_per_s"), ("total_s", "total_s")]
    for key, bare_key in pairs:
        mine = figures[key]
        theirs = one_by_one["bare_llm"][bare_key] if bare_key else {"p50": None, "p90": None}
        print(f"{key:>20}: {mine['p50']!s:>7} / {mine['p90']!s:<7}    {theirs['p50']!s:>7} / {theirs['p90']!s:<7}")
    print(
        f"{n} chats at once: suggestions p50/p90 {at_once['suggestions_s']}, health {at_once['health_s']}, "
        f"errors {at_once['errors']}"
    )
    print(f"targets met: {met}")
    return exit_status(all(met.values()), args.smoke, "the small world and a scripted model say nothing of speed")


if __name__ == "__main__":
    sys.exit(main())
