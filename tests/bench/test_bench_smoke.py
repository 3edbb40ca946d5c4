"""Every benchmark script runs in its seconds-long ``--smoke`` mode, so none can silently break.

Each script in bench/ runs as a subprocess with ``--smoke`` (tiny synthetic sizes; scripted stand-ins for the LLM;
never the NYC data): it must exit 0, print its figure beside its baseline, and write its JSON report to the
temporary folder, leaving bench/results alone. Times are not asserted: on shared cores they mean nothing here.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
TIMEOUT_S = 120
# Two app processes and a database start for replica_propagation: a minute of CPU before the first event; two
# Ray instances for ray_batch, each worker loading the encoder.
LONGER_S = {"replica_propagation": 300, "ray_batch": 300}
NUMBER = r"-?\d+(?:\.\d+)?"

# Per script: the lines its smoke run must print (a regular expression each, searched line by line): the figure
# and the baseline it is measured against. A new script needs an entry here.
EXPECTED: dict[str, list[str]] = {
    "backend_latency": [
        rf"^embedded +context \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}}  recommend \{{'p50_ms': {NUMBER}",
        rf"^postgres +context \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}}  recommend \{{'p50_ms': {NUMBER}",
        rf"^chroma\+pg +context \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}}  recommend \{{'p50_ms': {NUMBER}",
        rf"^embedded +search_3km \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}}  search_all \{{'p50_ms': ",
        rf"^postgres +search_3km \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}}  search_all \{{'p50_ms': ",
        rf"^chroma\+pg +search_3km \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}}  search_all \{{'p50_ms': ",
        rf"^recall@10 of the whole-catalogue search against FAISS Flat \(exact\): \{{'postgres': {NUMBER}, "
        rf"'chroma\+pg': {NUMBER}\}}$",
        rf"^postgres item search without / with HNSW: \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}} / ",
        rf"^postgres user read real\[\] / vector: \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}} / ",
        rf"^10x embedded +context \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}}  recommend \{{'p50_ms': ",
        rf"^10x postgres +context \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}}  recommend \{{'p50_ms': ",
        r"^10x: the profile store \(what every replica reads\) holds the copies; the recommender .* stays the NYC one",
        rf"^p50 ratio over embedded \{{'postgres': \{{'context': {NUMBER}, 'recommend': {NUMBER}, .*'context_10x': "
        rf"{NUMBER}, 'recommend_10x': {NUMBER}\}}, 'chroma\+pg': \{{'context': {NUMBER}",
        r"^target postgres p50 <= 2\.0x embedded: (met|MISSED); wrote ",
    ],
    "chat_latency": [
        rf"^ +suggestions_s: +{NUMBER} / {NUMBER} +None / None",
        rf"^ +llm_first_token_s: +{NUMBER} / {NUMBER} +{NUMBER} / {NUMBER}",
        rf"^ +total_s: +{NUMBER} / {NUMBER} +{NUMBER} / {NUMBER}",
        rf"^3 chats at once: suggestions p50/p90 \{{'p50': {NUMBER}, 'p90': {NUMBER}\}}.* errors 0$",
        r"^targets met: \{",
    ],
    "context_latency": [
        r"^context\(\) +\{'p50_ms': [\d.]+, 'p99_ms': [\d.]+, 'n': \d+\}$",
        r"^baseline get_user +\{'p50_ms': [\d.]+, 'p99_ms': [\d.]+, 'n': \d+\}$",
        r"^baseline numpy scan +\{'p50_ms': [\d.]+, 'p99_ms': [\d.]+, 'n': \d+\}$",
        r"^IVF\d+,Flat nprobe +8: \{'nprobe': 8, 'recall_at_k': [\d.]+",
        r"^exact \(NumPy scan of all vectors\): \{'p50_ms': [\d.]+",
        r"target (met|MISSED); wrote ",
    ],
    "encoder_throughput": [
        rf"^InterestEncoder\.encode \(cold cache\): +{NUMBER} texts/s$",
        rf"^SentenceTransformer\.encode: +{NUMBER} texts/s$",
        rf"^ratio {NUMBER} \(target >= 0\.9\)",
    ],
    "feedback_latency": [
        r"^log path \(now\) +\{'p50_ms': [\d.]+, 'p99_ms': [\d.]+, 'n': \d+\}$",
        r"^baseline rewrite +\{'p50_ms': [\d.]+, 'p99_ms': [\d.]+, 'n': \d+\}$",
        rf"^ratio \(baseline / now\): p50 {NUMBER}x, p99 {NUMBER}x$",
        r"^target p99 <= 100 ms: (met|MISSED); wrote ",
    ],
    "load": [
        *(
            rf"^{endpoint}: +\d+ users p50 +{NUMBER} ms p99 +{NUMBER} ms \(n \d+\) +1 user p50 +{NUMBER} ms p99 "
            for endpoint in ("recommend", "feedback", "context", "chat")
        ),
        r"^errors: \d+ \(1 user: \d+\)",
        r"^cross-user responses: \d+ \(1 user: \d+\)$",
        r"^target no error, no cross-user response: (met|MISSED); wrote ",
    ],
    "llm_latency": [
        rf"time to first token: wrapper +{NUMBER} s +gpt4all +{NUMBER} s",
        rf"decode rate: +wrapper +{NUMBER} tok/s gpt4all +{NUMBER} tok/s",
        rf"reader CPU / token: +wrapper +{NUMBER} ms +gpt4all +{NUMBER} ms",
        r"same text: True",
    ],
    "ray_batch": [
        r"^40 item texts, \d+ tasks; [\d,]+ events, \d+ shards; [\d,]+ training groups, \d+ spans; \d+ CPUs in all$",
        rf"^ +ray_1_node: \{{'nodes': 1, 'start_s': {NUMBER}, 'addresses': \['127\.0\.0\.1'\], 'load_1m': \[",
        rf"^ +ray_2_nodes: \{{'nodes': 2, 'start_s': {NUMBER}, 'addresses': \['127\.0\.0\.1'\], 'load_1m': \[",
        *(
            rf"^ +{way} encoding : \{{'first_s': {NUMBER}, 'warm_s': {NUMBER}, 'max_abs_difference': {NUMBER}\}}$"
            for way in ("single_process", "ray_1_node", "ray_2_nodes")
        ),
        *(
            rf"^ +{way} snapshots: \{{'build_s': {NUMBER}, .*'same_ids_and_counts': True, 'max_abs_difference'"
            for way in ("single_process", "ray_1_node", "ray_2_nodes")
        ),
        *(
            rf"^ +{way} training : \{{'fit_s': {NUMBER}, .*'same_training_set': True, 'same_model': True\}}$"
            for way in ("single_process", "ray_1_node", "ray_2_nodes")
        ),
        rf"^2 nodes / 1 node: encoding_warm {NUMBER}, snapshots_build {NUMBER}, training_fit {NUMBER}; "
        r"same results as one process: True; wrote ",
    ],
    "recommend_latency": [
        rf"^recommend with the discovery ranker +\{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}}$",
        rf"^baseline without it \(same fit\) +\{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 10\}}$",
        rf"^p50 ratio with / without: {NUMBER}$",
        r"^target p50 <= 50 ms with the discovery ranker: (met|MISSED); wrote ",
    ],
    "replica_propagation": [
        rf"^propagation to the other replica \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 5\}}$",
        rf"^baseline same replica \{{'p50_ms': {NUMBER}, 'p99_ms': {NUMBER}, 'n': 5\}}$",
        r"^target p99 <= 2000 ms: (met|MISSED); wrote ",
    ],
    "request_reading": [
        rf"^overall +{NUMBER}$",
        rf"^rules only: {NUMBER} of \d+ read right in {NUMBER} s$",
        r"^target ≥ 0\.90 with the LLM: (met|MISSED); wrote ",
    ],
    "restart_after_kill": [
        rf"^restart after kill -9: +ready in {NUMBER} s \(median of \d+\)$",
        rf"^restart after clean close: ready in {NUMBER} s \(median of \d+, baseline\)$",
        r"^every acknowledged event in the log exactly once, no refit: True$",
        r"^target ready <= 30 s after kill -9: (met|MISSED); wrote ",
    ],
}

SCRIPTS = sorted(path.stem for path in BENCH.glob("*.py") if not path.stem.startswith("_"))  # _name: shared code


def test_every_script_has_expectations() -> None:
    assert SCRIPTS, f"no benchmark scripts in {BENCH}"
    assert sorted(EXPECTED) == SCRIPTS  # a new bench script gets a smoke test, a removed one loses it


@pytest.mark.parametrize("name", SCRIPTS)
def test_smoke(name: str, tmp_path: Path) -> None:
    results = {path: path.read_bytes() for path in (BENCH / "results").glob("*")}
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    environment = {
        **os.environ,
        # The working tree's code, not whichever copy the virtualenv has installed; tests/ for the scripted fakes.
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "TMPDIR": str(temporary),  # where smoke runs write their reports (and any state)
        "WHERENOW_DATA__DIR": str(tmp_path / "no-nyc-data"),  # a smoke run must not need the NYC data
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    limit = LONGER_S.get(name, TIMEOUT_S)
    # A session of its own: a run over its time is killed with every process it started (servers, replicas).
    with subprocess.Popen(
        [sys.executable, str(BENCH / f"{name}.py"), "--smoke"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as running:
        try:
            output, errors = running.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(running.pid, signal.SIGKILL)
            output, _ = running.communicate()
            pytest.fail(f"bench/{name}.py --smoke ran over {limit} s; its output so far:\n{output}")
    assert running.returncode == 0, f"exit code {running.returncode}\n{output[-3000:]}\n{errors[-5000:]}"
    lines = output.splitlines()
    missing = [pattern for pattern in EXPECTED[name] if not any(re.search(pattern, line) for line in lines)]
    assert not missing, f"bench/{name}.py --smoke printed no line matching {missing}; it printed:\n{output}"
    reports = list(temporary.rglob(f"{name}.json"))
    assert len(reports) == 1, f"expected one {name}.json under the temporary folder, found {reports}"
    assert json.loads(reports[0].read_text())
    assert {path: path.read_bytes() for path in (BENCH / "results").glob("*")} == results, "bench/results changed"
