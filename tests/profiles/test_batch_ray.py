"""The batch jobs as Ray tasks give what one process gives: catalogue vectors, profile snapshots, and the recommender's
training set and model. Ray runs in a child process inside a loopback-only network namespace (``unshare --net``,
then ``lo`` up) when this machine lets the tests make one, and bound to 127.0.0.1 in any case, so it can send
nothing beyond this machine. One child runs every job (starting Ray costs seconds); each test checks one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from profiles.batch_ray import loopback_namespace

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 600


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, np.ndarray]]:
    folder = tmp_path_factory.mktemp("ray")
    output = folder / "runs.npz"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0"}
    script = [sys.executable, "-m", "tests.profiles.ray_equivalence", str(output), str(folder / "state")]
    done = subprocess.run(
        [*loopback_namespace(), *script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert done.returncode == 0, done.stderr[-5000:]
    with np.load(output) as saved:
        yield dict(saved)


def test_ray_ran_on_loopback_only(runs: dict[str, np.ndarray]) -> None:
    assert runs["addresses"].tolist() == ["127.0.0.1"]


def test_ray_tasks_encode_the_catalogue_as_one_process_does(runs: dict[str, np.ndarray]) -> None:
    single, spread = runs["single"], runs["spread"]
    assert spread.shape == single.shape and spread.dtype == np.float32
    # Each task batches its own texts, so padding differs: equal to float rounding, not bit for bit.
    np.testing.assert_allclose(spread, single, atol=1e-5)


def test_ray_tasks_build_the_snapshots_one_process_builds(runs: dict[str, np.ndarray]) -> None:
    single = {name: runs[f"snapshots_single_{name}"] for name in ("ids", "count", "weight_sum", "vectors")}
    assert len(single["ids"]) > 100 and len({identifier.split("|")[0] for identifier in single["ids"]}) == 10
    for name in ("ids", "count", "start_us", "end_us", "labels"):
        np.testing.assert_array_equal(runs[f"snapshots_spread_{name}"], runs[f"snapshots_single_{name}"], err_msg=name)
    np.testing.assert_allclose(runs["snapshots_spread_weight_sum"], single["weight_sum"], rtol=1e-12)
    np.testing.assert_allclose(runs["snapshots_spread_vectors"], single["vectors"], atol=1e-6)


def test_ray_tasks_replay_the_training_set_and_fit_the_model_one_process_fits(runs: dict[str, np.ndarray]) -> None:
    assert len(runs["training_single_sizes"]) > 100
    for name in ("features", "labels", "sizes", "users", "positions", "counters", "events_seen"):
        np.testing.assert_array_equal(runs[f"training_spread_{name}"], runs[f"training_single_{name}"], err_msg=name)
    scores = runs["training_single_scores"]
    assert np.isfinite(scores).sum(axis=1).min() > 0  # every query scored some places
    np.testing.assert_array_equal(runs["training_spread_scores"], scores)
