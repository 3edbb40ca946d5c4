"""Fuzzing every endpoint of the HTTP API with schemathesis, in process over the small world: no 5xx, every response
as the schema says, and most cases past the 404 of an unknown user (see tests/assistant/fuzzing.py for the seeding).

Each operation gets a fresh copy of the world, so what one operation's cases store cannot fail another's. The
generated cases are deterministic (derandomised); ``WHERENOW_FUZZ_SCALE=10`` (``make soak``) runs ten times as many.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
from schemathesis import GenerationMode

from assistant.agent import Assistant
from assistant.api import create_api
from assistant.service import Service
from profiles.config import load_settings
from tests.assistant.fuzzing import Fuzzer, Tally, world_of
from tests.assistant.world import polite_model, world_runtime

SCALE = int(os.environ.get("WHERENOW_FUZZ_SCALE", "1"))
# Generated cases per operation: (positive, negative). Reads are cheap, chat turns are not.
CASES = {
    "GET /api/health": (1, 0),
    "GET /api/users/{user_id}/context": (170, 30),
    "POST /api/recommend": (150, 30),
    "GET /api/places/{item_id}": (100, 20),
    "POST /api/chat": (70, 20),
    "POST /api/events": (150, 30),
    "POST /api/feedback": (150, 30),
    "DELETE /api/users/{user_id}": (170, 0),  # any string is a valid id: nothing to negate
    "GET /api/users/{user_id}/preferences": (60, 10),
    "PUT /api/users/{user_id}/preferences": (150, 30),
    "DELETE /api/users/{user_id}/preferences": (60, 0),
    "DELETE /api/users/{user_id}/preferences/{preference_id}": (60, 15),
}
# Operations whose usual answer to a generated case is a 404: an id nobody was given names no preference.
NOT_FOUND_EXPECTED = frozenset({"DELETE /api/users/{user_id}/preferences/{preference_id}"})
MIN_CASES = 1_000
PAST_404_FLOOR = 0.5


def test_fuzzing_every_endpoint_finds_no_server_error_and_no_schema_mismatch(
    tmp_path: Path, world_items: pd.DataFrame, world_now: datetime
) -> None:
    tally = Tally()
    for number, (label, (positive, negative)) in enumerate(CASES.items()):
        started, cpu = time.perf_counter(), time.process_time()
        settings = load_settings(
            state_dir=tmp_path / f"world-{number}", server={"demo_now": world_now, "allowed_hosts": ["testserver"]}
        )
        with world_runtime(settings) as runtime:
            service = Service(runtime)
            app = create_api(service, Assistant(service, polite_model()), settings)
            fuzzer = Fuzzer(app, world_of(world_items, runtime.users(), world_now), tally)
            operations = fuzzer.operations()
            assert set(operations) == set(CASES), "every endpoint is fuzzed"
            fuzzer.run(operations[label], GenerationMode.POSITIVE, positive * SCALE)
            if negative:
                fuzzer.run(operations[label], GenerationMode.NEGATIVE, negative * SCALE)
        print(f"{label}: {time.perf_counter() - started:.1f} s, CPU {time.process_time() - cpu:.1f} s", flush=True)
    print(tally.summary())
    found = "\n".join(str(finding) for finding in tally.findings.values())
    assert not tally.findings, f"{len(tally.findings)} distinct failures:\n{found}\n{tally.summary()}"
    assert tally.generated >= MIN_CASES * SCALE
    low = {
        label: f"{tally.past_404(label):.0%}"
        for label in CASES
        if label not in NOT_FOUND_EXPECTED and tally.past_404(label) < PAST_404_FLOOR
    }
    assert not low, f"operations whose cases mostly stopped at a 404: {low}"
