"""The batch jobs in one process and on one and on two local Ray nodes, in the same run, each checked against the
single process's result.

Three jobs, NYC size by default (4,988 places, 101,957 check-ins after collapsing repeats, as ``wherenow ingest``
admits them):

- catalogue encoding: the item texts through the interest encoder (all-MiniLM-L6-v2), ``--chunks`` Ray tasks
  (``profiles.batch_ray.encode_texts``); timed twice, the second pass reusing loaded models;
- snapshot building: ``ProfileService.build`` of every event into a fresh store, the aggregation spread over
  ``--shards`` Ray tasks by user (``profiles.batch_ray.aggregate_by_user``); the item vectors come from the
  encoding job (through an embedding cache), so the build encodes nothing;
- training replay and fit: ``PlaceRecommender.fit`` with the product's ranker settings, the replay cut into
  ``--spans`` Ray tasks (``retrieval.batch_ray.replay_on_ray``; each first counts the check-ins before its span);
  LightGBM trains in the driver in every way.

Three ways, each on this machine's cores: in this process; on one Ray node with ``--cpus`` CPUs
(``batch_ray.start_local``); on two Ray nodes with ``--cpus // 2`` CPUs each (``ray.cluster_utils.Cluster``: a head
and one worker node). On one machine, two nodes share its cores: the figures show what spreading costs (node start,
shipping, per-task set-up), not what a second machine would add. The verdict is that every way gives the single
process's results (vectors within 1e-5, snapshots within 1e-6, the same training set and model); speed is reported.
Ray binds non-loopback addresses by default, so the script re-runs itself inside a loopback-only network namespace
(``batch_ray.loopback_namespace``); where the machine cannot make one, only the single-node run happens, given
127.0.0.1 as its address.

    .venv/bin/python bench/ray_batch.py [--data ../shared/data/foursquare-nyc] [--chunks 8] [--shards 8] [--spans 2]
    .venv/bin/python bench/ray_batch.py --smoke    # the tests' small world (40 places); seconds; not judged
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _reporting import exit_status, write_report  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ray  # noqa: E402

from profiles import batch_ray  # noqa: E402
from profiles.config import Settings, load_settings  # noqa: E402
from profiles.encoder import EmbeddingCache, Embeddings, InterestEncoder, item_texts, text_key  # noqa: E402
from profiles.preprocessing import preprocess  # noqa: E402
from profiles.profile import Aggregator, Contributions, ProfileService, aggregate  # noqa: E402
from profiles.snapshots import SnapshotColumns  # noqa: E402
from retrieval.batch_ray import replay_on_ray  # noqa: E402
from retrieval.ranker import RankerConfig  # noqa: E402
from retrieval.recommender import PlaceRecommender, Replayer, replay_here  # noqa: E402

RESULT = ROOT / "bench" / "results" / "ray_batch.json"
SMOKE_RESULT = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "ray_batch.json"
INSIDE = "WHERENOW_RAY_BENCH_INSIDE"  # set in the re-run inside the network namespace
VECTOR_TOLERANCE = 1e-5  # each encoding task batches its own texts: padding differs, so float rounding does
SNAPSHOT_TOLERANCE = 1e-6


@dataclass
class World:
    """What the jobs read: the catalogue, its preprocessed events, the ranker's settings, and the single process's
    interest encoder (with the seconds it took to load)."""

    items: pd.DataFrame
    events: pd.DataFrame
    config: RankerConfig
    settings: Settings
    encoder: InterestEncoder
    load_s: float


def world_of(data: Path | None) -> World:
    """The NYC data, or the tests' small world with ``data`` None."""
    settings = load_settings()
    if data is None:
        from tests.fixtures.world import make_history, make_items, small_config

        items, history, config = make_items(), make_history(make_items()), small_config(use_embeddings=True)
    else:
        from profiles.loaders import load_nyc

        loaded = load_nyc(data / "checkins.csv.gz", data / "venues.csv.gz")
        assert loaded.items is not None
        items, history, config = loaded.items, loaded.events, RankerConfig.from_settings(settings)
    events = preprocess(history, settings.preprocessing).events  # repeats collapsed, as ingest admits them
    started = time.perf_counter()
    encoder = InterestEncoder(settings.models)
    return World(items.reset_index(drop=True), events, config, settings, encoder, time.perf_counter() - started)


# ---- the jobs ----------------------------------------------------------------------------------------------


def encoding(texts: list[str], encode: Callable[[list[str]], Embeddings]) -> dict[str, Any]:
    """Seconds to encode the texts twice (the second reuses loaded models), and the vectors."""
    started = time.perf_counter()
    vectors = encode(texts)
    first = time.perf_counter() - started
    encode(texts)
    return {"first_s": first, "warm_s": time.perf_counter() - started - first, "vectors": vectors}


def snapshots(world: World, vectors: Embeddings, aggregator: Aggregator) -> dict[str, Any]:
    """A whole ``ProfileService.build`` into a fresh store, its phases' seconds, and the snapshots it aggregated."""
    kept: list[SnapshotColumns] = []

    def keeping(events: Contributions, coarsen: bool) -> SnapshotColumns:
        kept.append(aggregator(events, coarsen))
        return kept[-1]

    folder = Path(tempfile.mkdtemp(prefix="wn-ray-state-"))
    try:
        with EmbeddingCache(folder / "embeddings.sqlite") as cache:
            texts = item_texts(world.items)
            keyed = {text_key(text): row for text, row in zip(texts, vectors, strict=True)}
            cache.put_many(world.encoder.model_id, keyed)  # so the build encodes nothing
            settings = world.settings.model_copy(update={"state_dir": folder})
            started = time.perf_counter()
            with ProfileService(settings, encoder=world.encoder, items=world.items, cache=cache) as service:
                report = service.build(world.events, progress=False, aggregator=keeping)
            seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "build_s": seconds,
        "aggregating_s": report.seconds_aggregating,
        "snapshots": report.snapshots,
        "columns": kept[0],
    }


def training(world: World, vectors: Embeddings, replayer: Replayer) -> dict[str, Any]:
    """A whole ``PlaceRecommender.fit`` (its phases' seconds) and the fitted recommender."""
    recommender = PlaceRecommender(world.settings, world.config, embedder=lambda _items: vectors)
    started = time.perf_counter()
    recommender.fit(world.events, world.items, replayer=replayer)
    seconds = time.perf_counter() - started
    timings = recommender.timings
    return {
        "fit_s": seconds,
        "warmup_s": timings["warmup_s"],
        "replay_s": timings["replay_s"],
        "train_s": timings["train_s"],
        "recommender": recommender,
    }


def jobs(world: World, ray_way: bool, args: argparse.Namespace, vectors: Embeddings | None) -> dict[str, Any]:
    """The three jobs one way (on the running Ray instance, or in this process); ``vectors`` feed the snapshot
    and training jobs (the single process's own when None)."""
    texts = item_texts(world.items)
    if ray_way:
        encode = batch_ray.InterestEncoding(world.settings.models)
        encoded = encoding(texts, lambda part: batch_ray.encode_texts(part, encode, args.chunks))
        aggregator: Aggregator = batch_ray.aggregate_by_user(args.shards)
        replayer = replay_on_ray(args.spans)
    else:
        encoded = encoding(texts, world.encoder.encode)
        encoded["first_s"] += world.load_s  # with the model's load, as a Ray worker's first task pays it
        aggregator, replayer = aggregate, replay_here
    given = encoded["vectors"] if vectors is None else vectors
    return {
        "encoding": encoded,
        "snapshots": snapshots(world, given, aggregator),
        "training": training(world, given, replayer),
    }


# ---- the ways ----------------------------------------------------------------------------------------------


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


def on_ray(
    make: Callable[..., Any], cpus: int, world: World, args: argparse.Namespace, vectors: Embeddings
) -> dict[str, Any]:
    """The jobs on freshly started Ray nodes, with the seconds to start them and the live nodes' addresses."""
    # Short folders: Ray's Unix socket paths are limited to 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="wn-ray-", dir="/tmp"))
    start, stop = make(cpus, folder)
    try:
        started = time.perf_counter()
        start()
        try:
            ready = time.perf_counter() - started
            alive = [node for node in ray.nodes() if node["Alive"]]
            done = jobs(world, True, args, vectors)
        finally:
            stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    addresses = sorted({node["NodeManagerAddress"] for node in alive})
    return {"nodes": len(alive), "start_s": ready, "addresses": addresses, **done}


def under_load(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A way's results with the machine's 1-minute load average before and after it: on shared cores, what else
    ran moves every figure (a way run while the load was higher is slower for that alone)."""
    before = os.getloadavg()[0]
    done = run()
    return {**done, "load_1m": [round(before, 2), round(os.getloadavg()[0], 2)]}


# ---- comparing ---------------------------------------------------------------------------------------------


RESULTS = {"encoding": "vectors", "snapshots": "columns", "training": "recommender"}


def compared(run: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """A way's figures, each job's with how its result compares to the single process's (the results left out)."""
    figures = {key: value for key, value in run.items() if key not in RESULTS}
    for job, result in RESULTS.items():
        figures[job] = {key: value for key, value in run[job].items() if key != result}
    vectors = run["encoding"]["vectors"]
    figures["encoding"]["max_abs_difference"] = float(np.abs(vectors - baseline["encoding"]["vectors"]).max())
    mine, theirs = run["snapshots"]["columns"], baseline["snapshots"]["columns"]
    same_rows = mine.snapshot_id == theirs.snapshot_id and np.array_equal(mine.count, theirs.count)
    figures["snapshots"]["same_ids_and_counts"] = bool(same_rows)
    gap = float(np.abs(mine.embedding - theirs.embedding).max()) if same_rows and len(mine) else None
    figures["snapshots"]["max_abs_difference"] = gap
    fitted, reference = run["training"]["recommender"], baseline["training"]["recommender"]
    replayed, expected = fitted.training, reference.training
    figures["training"] |= {
        "groups": len(replayed),
        "rows": len(replayed.labels),
        "same_training_set": all(
            np.array_equal(getattr(replayed, name), getattr(expected, name), equal_nan=True)  # NaN: no value
            for name in ("features", "labels", "sizes", "positions", "query_seconds")
        ),
        "same_model": _model(fitted) == _model(reference),
    }
    return figures


def _model(recommender: PlaceRecommender) -> str | None:
    booster = recommender.ranker.booster
    return None if booster is None else booster.model_to_string()


def equal(run: dict[str, Any]) -> bool:
    """Whether a way gave the single process's results."""
    snapshots = run["snapshots"]
    return (
        run["encoding"]["max_abs_difference"] <= VECTOR_TOLERANCE
        and snapshots["same_ids_and_counts"]
        and snapshots["max_abs_difference"] is not None
        and snapshots["max_abs_difference"] <= SNAPSHOT_TOLERANCE
        and run["training"]["same_training_set"]
        and run["training"]["same_model"]
    )


def rounded(figures: dict[str, Any]) -> dict[str, Any]:
    """Seconds to 0.01 s, other floats (differences) to two significant digits."""
    return {
        key: (round(value, 2) if key.endswith("_s") else float(f"{value:.2g}")) if isinstance(value, float) else value
        for key, value in figures.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "foursquare-nyc")
    parser.add_argument("--chunks", type=int, default=8, help="encoding tasks")
    parser.add_argument("--shards", type=int, default=8, help="snapshot tasks (ranges of users)")
    parser.add_argument("--spans", type=int, default=2, help="training replay tasks (spans of check-ins)")
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true", help="the tests' small world; seconds; not judged")
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
    world = world_of(None if args.smoke else args.data)
    baseline = under_load(lambda: jobs(world, False, args, None))
    vectors = baseline["encoding"]["vectors"]
    runs: dict[str, Any] = {"ray_1_node": under_load(lambda: on_ray(one_node, args.cpus, world, args, vectors))}
    if namespaced:
        runs["ray_2_nodes"] = under_load(lambda: on_ray(two_nodes, max(args.cpus // 2, 1), world, args, vectors))
    runs = {name: compared(run, baseline) for name, run in {"single_process": baseline, **runs}.items()}
    passed = all(equal(run) for run in runs.values())
    two = runs.get("ray_2_nodes")
    shares = (
        {
            "encoding_warm": two["encoding"]["warm_s"] / runs["ray_1_node"]["encoding"]["warm_s"],
            "snapshots_build": two["snapshots"]["build_s"] / runs["ray_1_node"]["snapshots"]["build_s"],
            "training_fit": two["training"]["fit_s"] / runs["ray_1_node"]["training"]["fit_s"],
        }
        if two
        else None
    )
    training_groups = runs["single_process"]["training"]["groups"]
    write_report(
        output,
        {
            "benchmark": "ray_batch",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "ray": ray.__version__},
            "texts": len(world.items),
            "events": len(world.events),
            "users": int(world.events["user_id"].nunique()),
            "chunks": args.chunks,
            "shards": args.shards,
            "spans": args.spans,
            "cpus": args.cpus,
            "ranker": {"warmup_fraction": world.config.warmup_fraction, "negatives": world.config.negatives},
            "loopback_namespace": namespaced,
            "runs": runs,
            "two_nodes_over_one": shares,
            "same_results": passed,
            "smoke": args.smoke,
        },
    )
    print(
        f"{len(world.items):,} item texts, {args.chunks} tasks; {len(world.events):,} events, {args.shards} shards; "
        f"{training_groups:,} training groups, {args.spans} spans; {args.cpus} CPUs in all"
    )
    for name, run in runs.items():
        ray_figures = {key: value for key, value in run.items() if key not in ("encoding", "snapshots", "training")}
        if ray_figures:
            print(f"{name:>15}: {rounded(ray_figures)}")
        for job in ("encoding", "snapshots", "training"):
            print(f"{name:>15} {job:<9}: {rounded(run[job])}")
    figures = "None" if shares is None else ", ".join(f"{job} {share:.2f}" for job, share in shares.items())
    print(f"2 nodes / 1 node: {figures}; same results as one process: {passed}; wrote {output}")
    return exit_status(passed, args.smoke, "the small world says nothing of speed")


if __name__ == "__main__":
    sys.exit(main())
