"""Catalogue encoding and snapshot building as Ray tasks: the batch work a deployment spreads over machines, giving
what the single-process path gives. Encoding: one task per chunk of places, each loading the same interest encoder.
Snapshots: ``ProfileService.build(aggregator=aggregate_by_user(shards))``, one task per range of users, each
aggregating its users' events with the same :func:`profiles.profile.aggregate`. (The recommender's training replay:
``retrieval.batch_ray``.)

Ray binds every interface by default; :func:`start_local` starts a local Ray instance that is given 127.0.0.1 as its
node address, with no dashboard (``import profiles`` turns Ray's usage reporting off: ``profiles.offline``). That is
not a guarantee that every Ray process binds loopback only (a ``ray.cluster_utils.Cluster`` given the same address
was seen to reach the machine's other address), so the tests run Ray inside a loopback-only network namespace.
Join a real cluster with ``ray.init(address=...)`` instead.
"""

from __future__ import annotations

import functools
import itertools
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import ray

from profiles.config import ModelSettings
from profiles.encoder import Embeddings, InterestEncoder, item_texts
from profiles.profile import Aggregator, Contributions, aggregate
from profiles.snapshots import SnapshotColumns

LOOPBACK = "127.0.0.1"


def loopback_namespace() -> list[str]:
    """The command prefix that runs a command in a new network namespace with only loopback up (``unshare --net``),
    or [] where this machine does not let the caller make one: Ray inside it can reach nothing beyond the machine."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if unshare is None or ip is None:
        return []
    probe = subprocess.run([unshare, "--net", ip, "link", "set", "lo", "up"], capture_output=True, check=False)
    return [unshare, "--net", "sh", "-c", f'{ip} link set lo up && exec "$@"', "sh"] if probe.returncode == 0 else []


def start_local(num_cpus: int, temp_dir: Path | None = None) -> None:
    """A Ray instance on this machine with 127.0.0.1 as its address and no dashboard; its sockets and logs go to
    ``temp_dir`` (a short path: Unix socket paths are limited to 107 bytes), default Ray's own."""
    ray.init(
        address="local",
        num_cpus=num_cpus,
        include_dashboard=False,
        _node_ip_address=LOOPBACK,
        log_to_driver=False,
        configure_logging=False,
        _temp_dir=None if temp_dir is None else str(temp_dir),
    )


Encode = Callable[[list[str]], Embeddings]


class InterestEncoding:
    """The interest encoder as a function that travels to Ray workers: each task loads the model from its settings."""

    def __init__(self, models: ModelSettings) -> None:
        self.models = models.model_dump(mode="json")

    def __call__(self, texts: list[str]) -> Embeddings:
        return _encoder(json.dumps(self.models, sort_keys=True)).encode(texts)


@functools.cache
def _encoder(models: str) -> InterestEncoder:
    """One loaded model per worker process, for every task it runs."""
    return InterestEncoder(ModelSettings.model_validate_json(models))


@ray.remote
def _encode_chunk(encode: Encode, texts: list[str]) -> Embeddings:
    return encode(texts)


def encode_texts(texts: list[str], encode: Encode, chunks: int) -> Embeddings:
    """``encode(texts)``, split into ``chunks`` Ray tasks on the running Ray instance, rows in input order."""
    if not texts:
        return encode(texts)
    bounds = np.linspace(0, len(texts), min(chunks, len(texts)) + 1).astype(int)
    refs = [_encode_chunk.remote(encode, texts[start:end]) for start, end in itertools.pairwise(bounds)]
    return np.concatenate(ray.get(refs)).astype(np.float32, copy=False)


def encode_items(items: pd.DataFrame, models: ModelSettings, chunks: int) -> Embeddings:
    """One vector per item row, as ``InterestEncoder(models).encode_items(items)``, encoded by ``chunks`` Ray tasks."""
    return encode_texts(item_texts(items), InterestEncoding(models), chunks)


@ray.remote
def _aggregate_shard(events: Contributions, coarsen: bool) -> SnapshotColumns:
    return aggregate(events, coarsen)


def aggregate_users(events: Contributions, coarsen: bool, shards: int) -> SnapshotColumns:
    """``aggregate(events, coarsen)`` as ``shards`` Ray tasks, each for a range of users in sorted order.

    A snapshot's events are all its user's, and aggregate() orders snapshots by user first, so the shards' snapshots
    joined in shard order are the single-process ones, row for row.
    """
    users, codes = np.unique(events.user_id, return_inverse=True)
    if len(users) < 2 or shards < 2:
        return aggregate(events, coarsen)
    bounds = np.linspace(0, len(users), min(shards, len(users)) + 1).astype(int)
    shard = np.searchsorted(bounds, codes, side="right") - 1
    refs = [
        _aggregate_shard.remote(events.take(np.flatnonzero(shard == part)), coarsen) for part in range(len(bounds) - 1)
    ]
    return SnapshotColumns.joined(ray.get(refs))


def aggregate_by_user(shards: int) -> Aggregator:
    """An aggregator for :meth:`ProfileService.build` that spreads the users over ``shards`` Ray tasks."""

    def aggregator(events: Contributions, coarsen: bool) -> SnapshotColumns:
        return aggregate_users(events, coarsen, shards)

    return aggregator


__all__ = [
    "LOOPBACK",
    "InterestEncoding",
    "aggregate_by_user",
    "aggregate_users",
    "encode_items",
    "encode_texts",
    "loopback_namespace",
    "start_local",
]
