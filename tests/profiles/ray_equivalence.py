"""Runs the batch jobs on the tests' small world in one process and as Ray tasks, and saves both for the test.

    python -m tests.profiles.ray_equivalence OUT.npz STATE_DIR

The jobs: catalogue encoding (``profiles.batch_ray.encode_items``), snapshot building (``ProfileService.build`` with
``batch_ray.aggregate_by_user``, read back from each build's own store) and the recommender's training replay and
fit (``retrieval.batch_ray.replay_on_ray``). Run by tests/profiles/test_batch_ray.py inside a loopback-only network
namespace where it can make one.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import ray

from profiles import batch_ray
from profiles.config import load_settings
from profiles.encoder import Embeddings, InterestEncoder
from profiles.preprocessing import preprocess
from profiles.profile import Aggregator, ProfileService, aggregate
from profiles.snapshots import SnapshotColumns
from retrieval.batch_ray import replay_on_ray
from retrieval.recommender import PlaceRecommender, Replayer, replay_here
from tests.fixtures.world import make_history, make_items, small_config

SHARDS = 3  # of the ten users
SPANS = 3  # of the replayed check-ins
QUERY_USERS = ("0", "3", "7", "stranger")


def snapshots(folder: Path, events: pd.DataFrame, encoder: InterestEncoder, aggregator: Aggregator) -> dict[str, Any]:
    """Every snapshot a build with ``aggregator`` stores, in id order, as arrays."""
    settings = load_settings(state_dir=folder)
    with ProfileService(settings, encoder=encoder, items=make_items()) as service:
        service.build(events, progress=False, aggregator=aggregator)
        columns = SnapshotColumns.joined([service.store.user_columns(user) for user in sorted(service.store.users())])
    order = np.argsort(columns.snapshot_id, kind="stable")
    columns = columns.take(order)
    return {
        "ids": np.array(columns.snapshot_id),
        "count": columns.count,
        "weight_sum": columns.weight_sum,
        "start_us": columns.start_us,
        "end_us": columns.end_us,
        "labels": np.array(["/".join(labels) for labels in columns.top_labels]),
        "vectors": columns.embedding,
    }


def training(folder: Path, history: pd.DataFrame, vectors: Embeddings, replayer: Replayer) -> dict[str, Any]:
    """The training set a fit with ``replayer`` replays, and its model's scores for a few users."""
    embedder: Callable[[pd.DataFrame], Embeddings] = lambda _items: vectors  # noqa: E731
    recommender = PlaceRecommender(load_settings(state_dir=folder), small_config(use_embeddings=True), embedder)
    recommender.fit(history, make_items(), replayer=replayer)
    assert recommender.training is not None and recommender.ranker.learnt
    at = history["timestamp"].iloc[-1].to_pydatetime() + pd.Timedelta(hours=30)
    scores = [recommender.score_all(user, at, 40.71, -74.0) for user in QUERY_USERS]
    replayed = recommender.training
    return {
        "features": replayed.features,
        "labels": replayed.labels,
        "sizes": replayed.sizes,
        "users": np.array(replayed.query_users),
        "positions": replayed.positions,
        "counters": np.array(
            [replayed.queries, replayed.recalled, replayed.discoveries, replayed.discoveries_recalled]
        ),
        "scores": np.stack(scores),
        "events_seen": np.array([recommender.state.events if recommender.state else -1]),
    }


def main(output: str, state: str) -> int:
    items = make_items()
    models = load_settings().models
    encoder = InterestEncoder(models)
    single = encoder.encode_items(items)
    history = make_history(items)
    events = preprocess(history, load_settings().preprocessing).events
    runs: dict[str, Any] = {"single": single}
    folder = Path(state)
    runs |= {f"snapshots_single_{k}": v for k, v in snapshots(folder / "a", events, encoder, aggregate).items()}
    runs |= {f"training_single_{k}": v for k, v in training(folder / "c", history, single, replay_here).items()}
    temp_dir = Path(tempfile.mkdtemp(prefix="wherenow-ray-", dir="/tmp"))  # short: Ray's socket paths are limited
    batch_ray.start_local(num_cpus=2, temp_dir=temp_dir)
    try:
        runs["spread"] = batch_ray.encode_items(items, models, chunks=3)
        spread = snapshots(folder / "b", events, encoder, batch_ray.aggregate_by_user(SHARDS))
        runs |= {f"snapshots_spread_{k}": v for k, v in spread.items()}
        trained = training(folder / "d", history, single, replay_on_ray(SPANS))
        runs |= {f"training_spread_{k}": v for k, v in trained.items()}
        runs["addresses"] = np.array(sorted({node["NodeManagerAddress"] for node in ray.nodes()}))
    finally:
        ray.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)
    np.savez(output, **runs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
