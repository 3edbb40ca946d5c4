"""Twenty users at once against a real server for twenty seconds (bench/load.py, shortened): every request answered,
and no response carrying another user's data; and that check itself, on real answers shown to the wrong user."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from assistant.service import RecommendQuery, Service

ROOT = Path(__file__).resolve().parents[2]
USERS, SECONDS, BASELINE_SECONDS = 20, 20, 3
TIMEOUT_S = 420  # the server's start (imports, fitting the small world) is most of it


def test_twenty_users_at_once_get_no_error_and_only_their_own_data(tmp_path: Path) -> None:
    output = tmp_path / "load.json"
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--users", str(USERS), "--seconds", str(SECONDS)]
    command += ["--baseline-seconds", str(BASELINE_SECONDS), "--output", str(output)]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    done = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    assert output.is_file(), f"exit code {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    run = json.loads(output.read_text())["run"]
    load = run["load"]
    print(done.stdout)
    assert load["users"] == USERS and run["newcomers"] == USERS - 10
    assert all(figures["n"] >= USERS for figures in load["endpoints"].values()), load["endpoints"]
    assert load["errors"] == 0, load["errors_by_kind"]
    assert load["cross_user"] == 0, load["cross_user_examples"]
    assert run["baseline_single_user"]["errors"] == 0 == run["baseline_single_user"]["cross_user"]
    assert done.returncode == 0


def load_bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))  # for its _reporting
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_check_tells_a_users_own_answers_from_anothers(
    monkeypatch: pytest.MonkeyPatch, services: Service, world_history: pd.DataFrame, world_now: datetime
) -> None:
    bench = load_bench(monkeypatch)
    own = bench.histories(world_history, services.settings.preprocessing.h3_resolution)
    where = services.default_place("3")
    context = services.context("3", world_now, where).model_dump(mode="json")
    suggestions = [
        item.model_dump(mode="json") for item in services.recommend("3", world_now, where, RecommendQuery(k=20))
    ]
    assert context["snapshots"] and any(item["is_return"] for item in suggestions)
    assert bench.foreign_context("3", context, own["3"]) == []
    assert bench.foreign_suggestions("3", suggestions, own["3"]) == []
    # The same answers, given to user 4.
    assert bench.foreign_context("4", context, own["4"]) == ["4: context of user '3'"]
    assert bench.foreign_suggestions("4", suggestions, own["4"])
    renamed = {**context, "user_id": "4"}
    assert len(bench.foreign_context("4", renamed, own["4"])) == len(context["snapshots"])
    turn = {"user_id": "3", "items": suggestions, "context": context}
    assert bench.foreign_turn("3", turn, own["3"]) == []
    assert bench.foreign_turn("4", turn, own["4"])[0] == "4: chat turn of user '3'"
