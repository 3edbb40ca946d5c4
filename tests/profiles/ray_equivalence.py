"""Encodes the small world's catalogue in one process and with Ray tasks, and saves both for the test to compare.

    python -m tests.profiles.ray_equivalence OUT.npz

Run by tests/profiles/test_batch_ray.py inside a loopback-only network namespace where it can make one.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import ray

from profiles import batch_ray
from profiles.config import load_settings
from profiles.encoder import InterestEncoder
from tests.fixtures.world import make_items


def main(output: str) -> int:
    items = make_items()
    models = load_settings().models
    single = InterestEncoder(models).encode_items(items)
    temp_dir = Path(tempfile.mkdtemp(prefix="wherenow-ray-", dir="/tmp"))  # short: Ray's socket paths are limited
    batch_ray.start_local(num_cpus=2, temp_dir=temp_dir)
    try:
        spread = batch_ray.encode_items(items, models, chunks=3)
        addresses = {node["NodeManagerAddress"] for node in ray.nodes()}
    finally:
        ray.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)
    np.savez(output, single=single, spread=spread, addresses=np.array(sorted(addresses)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
