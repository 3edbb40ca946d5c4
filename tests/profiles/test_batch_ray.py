"""Catalogue encoding as Ray tasks gives the single-process vectors. Ray runs in a child process inside a
loopback-only network namespace (``unshare --net``, then ``lo`` up) when this machine lets the tests make one, and
bound to 127.0.0.1 in any case, so it can send nothing beyond this machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from profiles.batch_ray import loopback_namespace

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 600


def test_ray_tasks_encode_the_catalogue_as_one_process_does(tmp_path: Path) -> None:
    output = tmp_path / "vectors.npz"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0"}
    command = [*loopback_namespace(), sys.executable, "-m", "tests.profiles.ray_equivalence", str(output)]
    done = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    assert done.returncode == 0, done.stderr[-5000:]
    with np.load(output) as saved:
        single, spread, addresses = saved["single"], saved["spread"], saved["addresses"]
    assert spread.shape == single.shape and spread.dtype == np.float32
    # Each task batches its own texts, so padding differs: equal to float rounding, not bit for bit.
    np.testing.assert_allclose(spread, single, atol=1e-5)
    assert addresses.tolist() == ["127.0.0.1"]
