"""A whole chat turn through the assistant with the local LLM, beside the bare LLM on the same reply prompt.

The assistant turn is what a user waits for: reading the request, the tools (context, recommendations), the
reply streamed by the local model, grounding and the evidence list. The baseline, measured in the same run and
alternated with it, streams the very messages the assistant sent for its reply (captured with a callback)
straight through the chat model. Figures, medians over the turns: time to the first streamed token, decode
rate (tokens after the first per second), whole-turn time, and the assistant's overhead (its time to first
token minus the baseline's). Written to bench/results/chat_latency.json. Target: overhead ≤ 1 s.

    .venv/bin/python bench/chat_latency.py [--turns 3] [--threads 1]

Uses the prepared state in ``state_dir`` (the first run ingests and fits, a few minutes). ``--smoke`` runs the same
code path in seconds for the test suite: the tests' small world and their scripted chat model, no NYC data, no LLM.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage

from assistant.agent import REPLY_MAX_TOKENS, Assistant
from assistant.llm import build_chat_model
from assistant.runtime import prepare
from assistant.service import Service
from profiles.config import load_settings

RESULT = Path(__file__).resolve().parent / "results" / "chat_latency.json"
TARGET_OVERHEAD_S = 1.0
MESSAGES = ["somewhere for dinner near here tonight", "any coffee near here?", "a museum in Midtown this weekend"]
SMOKE_MESSAGES = ["any coffee near here?", "a jazz club tonight", "a gym please"]  # what the small world has


def smoke_world() -> tuple[Any, Any, Any, Path]:
    """--smoke: settings, runtime, chat model of the tests' small world (tests/assistant/world.py), result path."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.assistant.world import polite_model, world_runtime, world_settings

    folder = Path(tempfile.mkdtemp(prefix="chat-latency-smoke-"))
    settings = world_settings(folder / "state")
    return settings, world_runtime(settings), polite_model(), folder / "chat_latency.json"


class PromptRecorder(BaseCallbackHandler):
    """Keeps the messages of each chat-model call."""

    def __init__(self) -> None:
        self.calls: list[list[BaseMessage]] = []

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any) -> None:
        self.calls.extend(messages)


def timed(pieces: Iterable[str]) -> dict[str, float]:
    """Seconds to the first non-empty piece, seconds in all, and decode rate after the first."""
    started = time.perf_counter()
    first, count = None, 0
    for piece in pieces:
        if piece:
            count += 1
            if first is None:
                first = time.perf_counter() - started
    total = time.perf_counter() - started
    first = total if first is None else first
    rate = (count - 1) / (total - first) if count > 1 and total > first else 0.0
    return {"first_token_s": first, "total_s": total, "tokens": count, "tokens_per_s": rate}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="seconds: the tests' small world and scripted model")
    args = parser.parse_args()
    settings, smoke_runtime, smoke_llm, output = smoke_world() if args.smoke else (load_settings(), None, None, RESULT)
    messages = SMOKE_MESSAGES if args.smoke else MESSAGES
    with smoke_runtime or prepare(settings, progress=True) as runtime:
        llm = smoke_llm or build_chat_model(settings, n_threads=args.threads)
        recorder = PromptRecorder()
        llm.callbacks = [recorder]
        assistant = Assistant(Service(runtime), llm, arguments="never")
        events = runtime.events()
        assert events is not None
        last = events.sort_values("timestamp").iloc[-1]
        user, at = str(last["user_id"]), last["timestamp"].to_pydatetime() + timedelta(hours=2)
        agent_runs, bare_runs = [], []
        for turn in range(args.turns):
            message = messages[turn % len(messages)]
            recorder.calls.clear()
            stream = assistant.stream(user, message, at=at, conversation_id=f"bench-{turn}")
            agent_runs.append(timed(event.text for event in stream if event.kind == "token"))
            prompt = recorder.calls[-1]
            bare_runs.append(timed(chunk.text for chunk in llm.stream(prompt, max_tokens=REPLY_MAX_TOKENS)))
            print(f"turn {turn + 1}: assistant {agent_runs[-1]}  bare LLM {bare_runs[-1]}", file=sys.stderr)

    def median(runs: list[dict[str, float]], key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 3)

    figures = {
        key: {"assistant": median(agent_runs, key), "bare_llm": median(bare_runs, key)}
        for key in ("first_token_s", "tokens_per_s", "total_s", "tokens")
    }
    overhead = round(figures["first_token_s"]["assistant"] - figures["first_token_s"]["bare_llm"], 3)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "model": settings.models.llm,
        "threads": args.threads,
        "turns": args.turns,
        "figures": figures,
        "overhead_first_token_s": overhead,
        "target_overhead_s": TARGET_OVERHEAD_S,
        "meets_target": overhead <= TARGET_OVERHEAD_S,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2))
    for key, pair in figures.items():
        print(f"{key:>15}: assistant {pair['assistant']:>8}   bare LLM {pair['bare_llm']:>8}")
    print(f"assistant overhead before the first token: {overhead} s (target ≤ {TARGET_OVERHEAD_S} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
