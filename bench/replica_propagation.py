"""Replica propagation delay: how long after one app replica acknowledges an event the other knows it.

Two app processes (``tests.assistant.serve_world``: the small world, the scripted chat model, the real HTTP API)
run with ``store.backend = "postgres"`` over one PostgreSQL database, each with its own state folder. For each of
``--events`` new users, the bench POSTs one visit to replica A and, from A's acknowledgement on, asks replica B for
that user's recommendations (``POST /api/recommend``; 404 until B knows the user) every 5 ms: the delay is the time
until B first answers 200. Baseline, in the same run: the same question asked of A itself right after its
acknowledgement (one request's latency: what a client sees with no replication). The delay includes one request's
latency and the polling step. Target: p99 <= 2 s.

The database: ``--dsn``, else ``WHERENOW_TEST_POSTGRES_DSN``, else a throwaway cluster from the installed
PostgreSQL binaries on 127.0.0.1 (as the tests start it), removed afterwards. Tables go to a fresh schema.

    .venv/bin/python bench/replica_propagation.py [--events 100] [--dsn postgresql://...]
    .venv/bin/python bench/replica_propagation.py --smoke    # 5 events; not judged
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _reporting import exit_status, percentiles, write_report  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.assistant.replicas: the replica processes, shared with the replica test

from tests.assistant.replicas import Replica, seed_world, visit, wait_until  # noqa: E402
from tests.postgres import DSN_VARIABLE, fresh_schema, server_for  # noqa: E402

RESULT = ROOT / "bench" / "results" / "replica_propagation.json"
SMOKE_RESULT = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "replica_propagation.json"
TARGET_P99_S = 2.0
PATIENCE_S = 30.0  # a user B has not learnt of by then counts as this long


@contextmanager
def database(dsn: str | None) -> Iterator[str]:
    """A server DSN (``tests.postgres.server_for``); without any, the bench cannot run."""
    with server_for(dsn) as server:
        if server is None:
            raise SystemExit(f"no PostgreSQL: pass --dsn, set {DSN_VARIABLE}, or install Debian's postgresql")
        yield server


def measure(server: str, events: int, folder: Path) -> tuple[list[float], list[float]]:
    dsn = fresh_schema(server)
    after = seed_world(dsn)
    one, other = Replica(folder / "a", dsn), Replica(folder / "b", dsn)
    try:
        one.launch(), other.launch()  # their imports overlap; their preparations take turns
        one.wait_ready(), other.wait_ready()
        delays, baseline = [], []
        for n in range(events):
            user = f"probe-{n}"
            status, answer = one.call("POST", "/api/events", {"events": [visit(user, after, n)]})
            assert status == 200 and answer == {"added": 1}, (status, answer)
            here = wait_until(lambda user=user: one.recommends_for(user), PATIENCE_S)
            there = wait_until(lambda user=user: other.recommends_for(user), PATIENCE_S)
            baseline.append(PATIENCE_S if here is None else here)
            # B is asked after A answered: A's answer time is part of B's delay too.
            delays.append(PATIENCE_S if there is None else (here or 0.0) + there)
        return delays, baseline
    finally:
        one.stop()
        other.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100, help="new users, one event each")
    parser.add_argument("--dsn", default=None, help=f"a PostgreSQL server (default ${DSN_VARIABLE} or a throwaway one)")
    parser.add_argument("--output", type=Path, default=None, help=f"default {RESULT} ({SMOKE_RESULT} smoke)")
    parser.add_argument("--smoke", action="store_true", help="5 events; not judged")
    arguments = parser.parse_args()
    events = 5 if arguments.smoke else arguments.events
    output = arguments.output or (SMOKE_RESULT if arguments.smoke else RESULT)
    with database(arguments.dsn) as server, tempfile.TemporaryDirectory(prefix="wherenow-replicas-") as folder:
        delays, baseline = measure(server, events, Path(folder))
    propagation, own = percentiles(delays, 1), percentiles(baseline, 1)
    passed = propagation["p99_ms"] <= TARGET_P99_S * 1000
    report = {
        "what": "delay from replica A's acknowledgement of an event until replica B recommends for its new user",
        "propagation": propagation,
        "baseline_same_replica": own,
        "target_p99_ms": TARGET_P99_S * 1000,
        "passed": passed,
        "smoke": arguments.smoke,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    write_report(output, report)
    print(f"propagation to the other replica {propagation}")
    print(f"baseline same replica {own}")
    print(f"target p99 <= {TARGET_P99_S * 1000:.0f} ms: {'met' if passed else 'MISSED'}; wrote {output}")
    return exit_status(passed, arguments.smoke, "5 events on shared cores")


if __name__ == "__main__":
    sys.exit(main())
