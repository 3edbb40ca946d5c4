"""Restart after kill -9 on the NYC state: time to ready, no acknowledged event lost, no refit.

Every start is a fresh child process (this script with ``--child``), so a start is a real start — the interpreter,
the imports, ``prepare()`` — and a kill is a real ``SIGKILL``. Each child prepares the state folder (``--state``),
says READY with ``runtime.report``, then records 👍/👎 one at a time through ``Service.feedback`` as a user of its
own (durable when it returns, as in the app), printing each acknowledged event. One round:

1. kill -9: after ``--events`` acknowledged events the parent kills the recording child with SIGKILL, wherever
   it is (most likely inside the next feedback);
2. a fresh child is timed from its start until ``prepare()`` returns ("ready"); the parent checks that every
   acknowledged event is in the event log exactly once (one more, unacknowledged, may have become durable as the
   kill landed), that the recommender was not refitted and that it replayed at least the acknowledged events.
   That child then records as many events of another user and closes cleanly;
3. baseline, in the same run: the next fresh child is timed the same way, a restart after that clean close (its
   events checked the same way); it goes on recording for the next round's kill.

The very first child is not timed: the first time on NYC it ingests, encodes the catalogue and fits the
recommender (about 4 minutes; later runs reuse the folder). ``--repeats`` rounds; medians are printed beside the
target and written to bench/results/restart_after_kill.json. Target: ready <= 30 s after kill -9.

    WHERENOW_DATA__DIR=/path/to/foursquare-nyc .venv/bin/python bench/restart_after_kill.py \
        [--state .wherenow-bench/nyc] [--events 50] [--repeats 3]     # --data DIR instead of the variable
    .venv/bin/python bench/restart_after_kill.py --smoke   # the tests' small world, 5 events, one round; not judged
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from _reporting import write_report  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "bench" / "results" / "restart_after_kill.json"
DEFAULT_STATE = ROOT / ".wherenow-bench" / "nyc"
SMOKE = {"events": 5, "repeats": 1}
SMOKE_RESULT = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "restart_after_kill.json"
TARGET_S = 30.0
CHILD_TIMEOUT_S = 1_800  # the first preparation on NYC takes minutes; a start that hangs longer fails the run
ACK = "ACK"
READY = "READY"


# ---- the child: one process start ----------------------------------------------------------------------------


def child(mode: str, state: Path, data: Path | None, smoke: bool, user: str, events: int, progress: bool) -> int:
    """prepare() the state folder, say READY with the prepare report, then by ``mode``: "close" closes; "feed"
    records feedback until it is killed; "clean" records ``events`` feedback events and closes."""
    started = time.perf_counter()
    import numpy as np

    from assistant.runtime import prepare
    from profiles.config import load_settings

    config, embedder = None, None
    if smoke:
        sys.path.insert(0, str(ROOT))
        from tests.fixtures.world import small_config

        config = small_config()  # as the state was first prepared: another config would refit
        embedder = hashing_embedder  # no encoder model to load for 40 places
        if not (state / "events.sqlite").exists():
            smoke_world(state)  # the first start, untimed
    imported = time.perf_counter()
    settings = load_settings(state_dir=state)
    runtime = prepare(settings, data_dir=data, progress=progress, embedder=embedder, config=config)
    ready = time.perf_counter()
    report = runtime.report
    facts = {
        "seconds_imports": round(imported - started, 2),
        "seconds_prepare": round(ready - imported, 2),
        "timings": {name: round(seconds, 2) for name, seconds in report.timings.items()},
        "recommender_fitted": report.recommender_fitted,
        "profiles_built": report.profiles_built,
        "ingested": report.ingested,
        "replayed_profiles": report.replayed_profiles,
        "replayed_recommender": report.replayed_recommender,
        "events": report.events,
        "snapshots": report.snapshots,
        "cleaned": report.cleaned,
    }
    print(f"{READY} {json.dumps(facts)}", flush=True)
    if mode == "close":
        runtime.close()
        return 0
    from assistant.service import Service  # after READY: the app imports it too, but prepare() does not need it

    service = Service(runtime)
    places = sorted(runtime.item_index.catalogue.positions)
    rng = np.random.default_rng(zlib.crc32(user.encode()))
    # "feed" goes on until the parent kills it; "clean" stops after ``events`` and closes.
    for number in range(events if mode == "clean" else 100 * events):
        item, liked, at = places[int(rng.integers(len(places)))], number % 3 != 2, datetime.now(UTC)
        result = service.feedback(user, item, liked, at)
        # Acknowledged: feedback() returned, so the event is durable. The log's newest sequence is this event's.
        print(f"{ACK} {runtime.log.seq} {result.stored} {item} {at.isoformat()} {int(liked)}", flush=True)
    if mode == "clean":
        runtime.close()
        print("CLOSED", flush=True)
        return 0
    time.sleep(CHILD_TIMEOUT_S)  # not reached in a normal run: the kill comes first
    return 1


def hashing_embedder(items: Any) -> Any:
    """--smoke: a fixed pseudo-random unit vector per place instead of the encoder's (as the runtime tests do)."""
    import numpy as np

    vectors = np.stack(
        [np.random.default_rng(zlib.crc32(str(item).encode())).standard_normal(384) for item in items["item_id"]]
    )
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


# ---- the parent ----------------------------------------------------------------------------------------------


class Child:
    """A child process of this script; its stdout lines arrive on a queue (stderr goes to ours)."""

    def __init__(self, mode: str, arguments: argparse.Namespace, user: str = "-", progress: bool = False) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--state", str(arguments.state)]
        command += ["--user", user, "--events", str(arguments.events)]
        if arguments.data is not None:
            command += ["--data", str(arguments.data)]
        if arguments.smoke:
            command.append("--smoke")
        if progress:
            command.append("--progress")
        self.mode = mode
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, deadline: float) -> str:
        """The child's next stdout line; RuntimeError when it ended or ran past ``deadline``."""
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.perf_counter()))
        except queue.Empty:
            self.kill()
            raise RuntimeError(f"the {self.mode} child ran over {CHILD_TIMEOUT_S} s") from None
        if line is None:
            code = self.process.wait()
            raise RuntimeError(f"the {self.mode} child ended (exit code {code}) before its work was done")
        return line

    def ready(self) -> tuple[float, dict[str, Any]]:
        """Seconds from this child's start until it said READY (prepare() returned), and its prepare report."""
        deadline = self.started + CHILD_TIMEOUT_S
        while True:
            line = self.next_line(deadline)
            if line.startswith(READY + " "):
                return time.perf_counter() - self.started, json.loads(line[len(READY) + 1 :])

    def acknowledged(self, count: int, into: list[dict[str, Any]]) -> None:
        """Read acknowledgements into ``into`` until it holds ``count``."""
        deadline = time.perf_counter() + CHILD_TIMEOUT_S
        while len(into) < count:
            line = self.next_line(deadline)
            if line.startswith(ACK + " "):
                into.append(parse_ack(line))

    def rest(self, into: list[dict[str, Any]]) -> None:
        """After it ended: the acknowledgements it printed that were not read yet."""
        self._reader.join(timeout=60)
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return
            if line is not None and line.startswith(ACK + " "):
                into.append(parse_ack(line))

    def finish(self) -> float:
        """Wait for a clean exit; the seconds since its start."""
        code = self.process.wait(timeout=CHILD_TIMEOUT_S)
        if code != 0:
            raise RuntimeError(f"the {self.mode} child exited with code {code}")
        return time.perf_counter() - self.started

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()


def parse_ack(line: str) -> dict[str, Any]:
    _, seq, stored, item, at, liked = line.split(" ")
    return {"seq": int(seq), "stored": int(stored), "item_id": item, "at": at, "liked": liked == "1"}


def check_log(state: Path, user: str, acknowledged: list[dict[str, Any]]) -> dict[str, Any]:
    """Whether each acknowledged event of ``user`` is in the event log exactly once, and what else is there."""
    from profiles.eventlog import open_event_log

    with open_event_log(state) as log:
        logged = list(log.read(user_id=user))
    found = Counter((entry.event.item_id, entry.event.timestamp.isoformat()) for entry in logged)
    wanted = Counter((ack["item_id"], ack["at"]) for ack in acknowledged)
    missing = sum(max(0, count - found[key]) for key, count in wanted.items())
    repeated = sum(1 for key in wanted if found[key] > 1)
    seqs = {entry.seq for entry in logged}
    return {
        "acknowledged": len(acknowledged),
        "in_log": len(logged),
        "missing": missing,
        "more_than_once": repeated,
        "acknowledged_seq_in_log": all(ack["seq"] in seqs for ack in acknowledged),
        "unacknowledged_in_log": len(logged) - (len(acknowledged) - missing),
        "exactly_once": missing == 0 and repeated == 0 and all(ack["seq"] in seqs for ack in acknowledged),
    }


def new_user(kind: str, number: int) -> str:
    """A user of its own per recording child, so the log's events of that user are exactly what it recorded."""
    return f"bench-restart-{kind}-{number}-{uuid.uuid4().hex[:8]}"


def judged(
    arguments: argparse.Namespace,
    kind: str,
    user: str,
    acknowledged: list[dict[str, Any]],
    seconds: float,
    report: dict[str, Any],
) -> dict[str, Any]:
    """One timed start: its time to ready, its prepare report, and the check of the events recorded before it."""
    log = check_log(arguments.state, user, acknowledged)
    # After a kill the saved recommender predates every acknowledged event: it must replay them, not refit.
    replay_needed = len(acknowledged) if kind == "kill" else 0
    no_refit = not report["recommender_fitted"] and report["replayed_recommender"] >= replay_needed
    row = {"kind": kind, "user": user, "seconds_to_ready": round(seconds, 2), "prepare": report, "log": log}
    row["ok"] = log["exactly_once"] and no_refit
    print(
        f"  {'after kill -9' if kind == 'kill' else 'after clean close'}: ready in {seconds:.1f} s "
        f"(imports {report['seconds_imports']} s, prepare() {report['seconds_prepare']} s {report['timings']}); "
        f"acknowledged {log['acknowledged']}, in the log {log['in_log']} "
        f"(exactly once: {log['exactly_once']}, unacknowledged but durable: {log['unacknowledged_in_log']}); "
        f"replayed: profiles {report['replayed_profiles']}, recommender {report['replayed_recommender']}; "
        f"refitted: {report['recommender_fitted']}",
        flush=True,
    )
    return row


def rounds(arguments: argparse.Namespace) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first (untimed) start, then ``repeats`` rounds of kill -9 and clean close, each restart timed."""
    killed_user = new_user("kill", 0)
    writer = Child("feed", arguments, killed_user, progress=True)
    try:
        first_seconds, first = writer.ready()
    except BaseException:
        writer.kill()
        raise
    print(f"first start (untimed) ready in {first_seconds:.1f} s: {first}", flush=True)
    rows = []
    for number in range(arguments.repeats):
        print(f"round {number + 1} of {arguments.repeats}", flush=True)
        acknowledged: list[dict[str, Any]] = []
        try:
            writer.acknowledged(arguments.events, acknowledged)
        finally:
            writer.kill()  # SIGKILL, wherever it is
        writer.rest(acknowledged)  # what it printed before the kill and was not read yet is acknowledged too

        clean_user = new_user("clean", number)
        after_kill = Child("clean", arguments, clean_user)
        clean_acknowledged: list[dict[str, Any]] = []
        try:
            seconds, report = after_kill.ready()
            after_kill.acknowledged(arguments.events, clean_acknowledged)
            after_kill.finish()  # closed cleanly
        except BaseException:
            after_kill.kill()
            raise
        rows.append(judged(arguments, "kill", killed_user, acknowledged, seconds, report))

        last = number == arguments.repeats - 1
        killed_user = new_user("kill", number + 1)
        writer = Child("close" if last else "feed", arguments, killed_user)
        try:
            seconds, report = writer.ready()
        except BaseException:
            writer.kill()
            raise
        rows.append(judged(arguments, "clean", clean_user, clean_acknowledged, seconds, report))
    writer.finish()
    return {"seconds": round(first_seconds, 1), **first}, rows


def smoke_world(state: Path) -> None:
    """--smoke: the tests' small world as a state folder not yet prepared (as tests/assistant/world.py's template)."""
    from profiles.eventlog import events_from_frame, open_event_log
    from profiles.ingest import ITEMS_FILE, write_frame
    from tests.fixtures.world import make_history, make_items

    state.mkdir(parents=True, exist_ok=True)
    items = make_items()
    write_frame(items, state / ITEMS_FILE)
    with open_event_log(state) as log:
        log.append(events_from_frame(make_history(items)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state", type=Path, default=None, help=f"the state folder (default {DEFAULT_STATE})")
    parser.add_argument("--data", type=Path, default=None, help="the NYC data folder (default: the settings')")
    parser.add_argument("--events", type=int, default=50, help="acknowledged feedback events before the kill")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", "--out", type=Path, default=None, help=f"default {RESULT} ({SMOKE_RESULT} smoke)")
    parser.add_argument("--smoke", action="store_true", help=f"seconds: the tests' small world, {SMOKE}; not judged")
    parser.add_argument("--child", choices=["close", "feed", "clean"], help=argparse.SUPPRESS)
    parser.add_argument("--progress", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--user", default="-", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        options = arguments
        return child(
            options.child, options.state, options.data, options.smoke, options.user, options.events, options.progress
        )
    if arguments.smoke:
        vars(arguments).update(SMOKE)
    arguments.output = arguments.output or (SMOKE_RESULT if arguments.smoke else RESULT)

    scratch = Path(tempfile.mkdtemp(prefix="restart-after-kill-")) if arguments.smoke else None
    try:
        if scratch is not None:
            arguments.state = scratch / "state"  # the first child fills it with the small world
        arguments.state = (arguments.state or DEFAULT_STATE).resolve()
        print(f"state folder {arguments.state}", flush=True)
        first, rows = rounds(arguments)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    after_kill = statistics.median(row["seconds_to_ready"] for row in rows if row["kind"] == "kill")
    after_clean = statistics.median(row["seconds_to_ready"] for row in rows if row["kind"] == "clean")
    correct = all(row["ok"] for row in rows)
    passed = correct and after_kill <= TARGET_S
    report = {
        "benchmark": "restart_after_kill",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()},
        "target": f"ready <= {TARGET_S} s after kill -9, every acknowledged event kept once, no refit",
        "passed": passed,
        "smoke": arguments.smoke,
        "state": str(arguments.state) if not arguments.smoke else "the tests' small world",
        "events_per_round": arguments.events,
        "repeats": arguments.repeats,
        "first_start": first,
        "median_seconds_to_ready_after_kill": round(after_kill, 2),
        "median_seconds_to_ready_after_clean_close": round(after_clean, 2),
        "starts": rows,
    }
    write_report(arguments.output, report)
    print(f"restart after kill -9:     ready in {after_kill:.1f} s (median of {arguments.repeats})")
    print(f"restart after clean close: ready in {after_clean:.1f} s (median of {arguments.repeats}, baseline)")
    print(f"every acknowledged event in the log exactly once, no refit: {correct}")
    print(f"target ready <= {TARGET_S:.0f} s after kill -9: {'met' if passed else 'MISSED'}; wrote {arguments.output}")
    if arguments.smoke:
        print("smoke run: the small world, not the NYC state, so the target is not judged")
        return 0 if correct else 1
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
