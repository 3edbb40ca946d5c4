"""Catalogue encoding as Ray tasks: the batch work a deployment spreads over machines (one task per chunk of places,
each loading the same interest encoder), giving the vectors the single-process path gives.

Ray binds every interface by default; :func:`start_local` starts a local Ray instance bound to 127.0.0.1 only, with
no dashboard and no usage reporting. Join a real cluster with ``ray.init(address=...)`` instead.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pandas as pd
import ray

from profiles.config import ModelSettings
from profiles.encoder import Embeddings, InterestEncoder, item_texts

LOOPBACK = "127.0.0.1"


def start_local(num_cpus: int, temp_dir: Path | None = None) -> None:
    """A Ray instance on this machine, on loopback only (no dashboard, no usage reporting); its sockets and logs go
    to ``temp_dir`` (a short path: Unix socket paths are limited to 107 bytes), default Ray's own."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # read by Ray when it starts; no report leaves the machine
    ray.init(
        address="local",
        num_cpus=num_cpus,
        include_dashboard=False,
        _node_ip_address=LOOPBACK,
        log_to_driver=False,
        configure_logging=False,
        _temp_dir=None if temp_dir is None else str(temp_dir),
    )


@ray.remote
def _encode_chunk(models: dict[str, object], texts: list[str]) -> Embeddings:
    return InterestEncoder(ModelSettings.model_validate(models)).encode(texts)


def encode_items(items: pd.DataFrame, models: ModelSettings, chunks: int) -> Embeddings:
    """One vector per item row, as ``InterestEncoder(models).encode_items(items)``, encoded by ``chunks`` Ray tasks
    on the running Ray instance."""
    texts = item_texts(items)
    if not texts:
        return InterestEncoder(models).encode(texts)
    bounds = np.linspace(0, len(texts), min(chunks, len(texts)) + 1).astype(int)
    settings = models.model_dump(mode="json")
    refs = [_encode_chunk.remote(settings, texts[start:end]) for start, end in itertools.pairwise(bounds)]
    return np.concatenate(ray.get(refs)).astype(np.float32, copy=False)


__all__ = ["LOOPBACK", "encode_items", "start_local"]
