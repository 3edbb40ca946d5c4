"""Catalogue encoding on one and on two local Ray nodes, beside the single-process encoder in the same run.

The batch job is the one `profiles/batch_ray.py` spreads: the NYC catalogue's item texts (4,988 places) through the
interest encoder (all-MiniLM-L6-v2), split into ``--chunks`` Ray tasks. Three ways, each on this machine's cores:

- baseline: ``InterestEncoder.encode`` in this process (torch on every core);
- one Ray node with ``--cpus`` CPUs (``batch_ray.start_local``);
- two Ray nodes with ``--cpus // 2`` CPUs each (``ray.cluster_utils.Cluster``: a head and one worker node).

On one machine, two nodes share its cores: the figure shows what spreading costs (node start, task shipping, one
model load per worker), not what a second machine would add. Each way's vectors are checked against the baseline.
Ray binds non-loopback addresses by default, so the script re-runs itself inside a loopback-only network namespace
(``batch_ray.loopback_namespace``); where the machine cannot make one, only the single-node run happens, given
127.0.0.1 as its address.

    .venv/bin/python bench/ray_batch.py [--data ../shared/data/foursquare-nyc] [--chunks 8] [--cpus 2]
    .venv/bin/python bench/ray_batch.py --smoke    # the tests' 40 places; seconds; not judged
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from _reporting import exit_status, write_report  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ray  # noqa: E402

from profiles import batch_ray  # noqa: E402
from profiles.config import load_settings  # noqa: E402
from profiles.encoder import Embeddings, InterestEncoder, item_texts  # noqa: E402

RESULT = ROOT / "bench" / "results" / "ray_batch.json"
SMOKE_RESULT = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "ray_batch.json"
INSIDE = "WHERENOW_RAY_BENCH_INSIDE"  # set in the re-run inside the network namespace
# Spreading is worth it when two nodes take at most this share of one node's time; on one machine they cannot
# beat it (they share its cores), so the figure is informational there.
TARGET_SHARE = 1.0


def texts_of(data: Path | None) -> list[str]:
    """The catalogue's item texts: the NYC venues, or the tests' small world with ``data`` None."""
    if data is None:
        from tests.fixtures.world import make_items

        return item_texts(make_items())
    from profiles.loaders import load_venues

    return item_texts(load_venues(data / "venues.csv.gz"))


def timed(run: Callable[[], Embeddings]) -> tuple[Embeddings, float]:
    started = time.perf_counter()
    vectors = run()
    return vectors, time.perf_counter() - started


def on_ray(start: Callable[[], Any], stop: Callable[[], None], texts: list[str], chunks: int) -> dict[str, Any]:
    """Seconds to start the Ray nodes, to encode (first and second time: the second reuses the workers' loaded
    models), and the vectors, with the live nodes and their addresses."""
    models = load_settings().models
    started = time.perf_counter()
    start()
    try:
        ready = time.perf_counter() - started
        alive = [node for node in ray.nodes() if node["Alive"]]
        addresses = sorted({node["NodeManagerAddress"] for node in alive})
        encode = batch_ray.InterestEncoding(models)
        vectors, first = timed(lambda: batch_ray.encode_texts(texts, encode, chunks))
        _, second = timed(lambda: batch_ray.encode_texts(texts, encode, chunks))
    finally:
        stop()
    return {
        "nodes": len(alive),
        "start_s": ready,
        "first_s": first,
        "warm_s": second,
        "addresses": addresses,
        "vectors": vectors,
    }


def one_node(cpus: int, folder: Path) -> tuple[Callable[[], None], Callable[[], None]]:
    return (lambda: batch_ray.start_local(num_cpus=cpus, temp_dir=folder)), ray.shutdown


def two_nodes(cpus: int, folder: Path) -> tuple[Callable[[], None], Callable[[], None]]:
    from ray.cluster_utils import Cluster

    cluster: list[Cluster] = []
    node = {"num_cpus": cpus, "node_ip_address": batch_ray.LOOPBACK, "include_dashboard": False}

    def start() -> None:
        # The cluster's nodes put their sockets and its address file under $RAY_TMPDIR/ray.
        os.environ["RAY_TMPDIR"] = str(folder)
        (folder / "ray").mkdir(exist_ok=True)
        head = Cluster(initialize_head=True, head_node_args=node)
        cluster.append(head)
        head.add_node(num_cpus=cpus, node_ip_address=batch_ray.LOOPBACK)
        ray.init(address=head.address, log_to_driver=False, configure_logging=False)
        head.wait_for_nodes()

    def stop() -> None:
        ray.shutdown()
        for head in cluster:
            head.shutdown()

    return start, stop


def measure(texts: list[str], chunks: int, cpus: int, namespaced: bool) -> dict[str, Any]:
    started = time.perf_counter()
    encoder = InterestEncoder(load_settings().models)
    baseline, first = timed(lambda: encoder.encode(texts))
    first += time.perf_counter() - started - first  # with the model's load, as a Ray worker's first task pays it
    _, warm = timed(lambda: encoder.encode(texts))
    runs: dict[str, Any] = {"single_process": {"first_s": first, "warm_s": warm}}
    ways = {"ray_1_node": (one_node, cpus)}
    if namespaced:
        ways["ray_2_nodes"] = (two_nodes, max(cpus // 2, 1))
    for name, (make, node_cpus) in ways.items():
        # Short folders: Ray's Unix socket paths are limited to 107 bytes.
        folder = Path(tempfile.mkdtemp(prefix="wn-ray-", dir="/tmp"))
        try:
            run = on_ray(*make(node_cpus, folder), texts, chunks)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        vectors = run.pop("vectors")
        run["max_abs_difference"] = float(np.abs(vectors - baseline).max())
        runs[name] = run
    return runs


def report_line(name: str, run: dict[str, Any]) -> str:
    figures = {key: round(value, 2) if isinstance(value, float) else value for key, value in run.items()}
    return f"{name:>15}: {figures}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "foursquare-nyc")
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true", help="the tests' 40 places; seconds; not judged")
    args = parser.parse_args(argv)
    output = args.output or (SMOKE_RESULT if args.smoke else RESULT)
    if not os.environ.get(INSIDE):
        prefix = batch_ray.loopback_namespace()
        environment = {**os.environ, INSIDE: "1" if prefix else "0", "RAY_USAGE_STATS_ENABLED": "0"}
        if not prefix:
            print("no network namespace here: one Ray node only, given 127.0.0.1")
        done = subprocess.run([*prefix, sys.executable, *sys.argv], env=environment, check=False)
        return done.returncode
    namespaced = os.environ[INSIDE] == "1"
    texts = texts_of(None if args.smoke else args.data)
    runs = measure(texts, args.chunks, args.cpus, namespaced)
    two = runs.get("ray_2_nodes")
    share = two["warm_s"] / runs["ray_1_node"]["warm_s"] if two else None
    passed = share is not None and share <= TARGET_SHARE
    write_report(
        output,
        {
            "benchmark": "ray_batch",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "ray": ray.__version__},
            "texts": len(texts),
            "chunks": args.chunks,
            "cpus": args.cpus,
            "loopback_namespace": namespaced,
            "runs": runs,
            "two_nodes_over_one_warm": share,
            "smoke": args.smoke,
        },
    )
    print(f"{len(texts):,} item texts, {args.chunks} tasks, {args.cpus} CPUs in all")
    for name, run in runs.items():
        print(report_line(name, run))
    print(f"2 nodes / 1 node (warm): {None if share is None else round(share, 2)}; wrote {output}")
    return exit_status(passed, args.smoke, "the small world says nothing of speed")


if __name__ == "__main__":
    sys.exit(main())
