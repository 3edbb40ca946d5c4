"""recommend() latency with the discovery ranker beside the same recommender without it, in one run.

The recommender is fitted once on the NYC check-ins (``--data``, the catalogue and check-ins of the data folder)
with the product's defaults; the ranker of returns is the same with or without the discovery ranker (its training
groups do not change), so "without" is the same fitted object with its discovery ranker set aside
(``PlaceRecommender.discoverer = None``): exactly what the recommender ranked before it existed. Then, for
``--queries`` users drawn at random, ``recommend(user, a day after the history ends, at the user's last place,
k=10)``, the two alternating per query so that other load on the machine falls on both. Reported: p50/p99 of
each and the fit's timings.

Printed and written to bench/results/recommend_latency.json. Target: recommend() p50 <= 50 ms with the discovery
ranker (the chat shows suggestions before the LLM's first word; 50 ms is a small share of that).

    .venv/bin/python bench/recommend_latency.py [--data ../shared/data/foursquare-nyc] [--queries 300]
    .venv/bin/python bench/recommend_latency.py --smoke    # seconds: a small synthetic world, not judged
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _reporting import exit_status, percentiles, write_report  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from profiles.config import load_settings  # noqa: E402
from retrieval.ranker import RankerConfig  # noqa: E402
from retrieval.recommender import PlaceRecommender  # noqa: E402

RESULT = ROOT / "bench" / "results" / "recommend_latency.json"
TARGET_P50_MS = 50.0
SMOKE_QUERIES = 10


def _data(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame, RankerConfig | None]:
    """History, catalogue and ranker settings: NYC with the product's defaults, or the tests' small world."""
    if args.smoke:
        from tests.fixtures.world import make_history, make_items, small_config

        items = make_items()
        return make_history(items), items, small_config()
    from profiles.loaders import load_nyc

    loaded = load_nyc(args.data / "checkins.csv.gz", args.data / "venues.csv.gz")
    assert loaded.items is not None
    return loaded.events, loaded.items, None


def measure(recommender: PlaceRecommender, history: pd.DataFrame, queries: int, seed: int) -> dict[str, Any]:
    """recommend() with and without the discovery ranker, alternated per query."""
    discoverer = recommender.discoverer
    assert discoverer is not None, "the fitted recommender has no discovery ranker to compare"
    last = history.sort_values("timestamp", kind="stable").drop_duplicates("user_id", keep="last")
    rng = np.random.default_rng(seed)
    rows = last.iloc[rng.choice(len(last), size=min(queries, len(last)), replace=False)]
    at = history["timestamp"].max().to_pydatetime() + timedelta(days=1)
    samples: dict[str, list[float]] = {"with": [], "without": []}
    for row in rows.itertuples():
        where = (float(row.latitude), float(row.longitude))
        for name in ("with", "without") if len(samples["with"]) % 2 == 0 else ("without", "with"):
            recommender.discoverer = discoverer if name == "with" else None
            started = time.perf_counter()
            recommender.recommend(str(row.user_id), at, *where, k=10)
            samples[name].append(time.perf_counter() - started)
    recommender.discoverer = discoverer
    return {name: percentiles(values) for name, values in samples.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "foursquare-nyc")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, help=f"result file (default {RESULT}; a temporary one with --smoke)")
    parser.add_argument("--smoke", action="store_true", help=f"the tests' small world, {SMOKE_QUERIES} queries")
    args = parser.parse_args(argv)
    if args.smoke:
        args.queries = SMOKE_QUERIES
        if args.output is None:  # a smoke run never touches bench/results
            args.output = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "recommend_latency.json"
    output = args.output or RESULT

    history, items, config = _data(args)
    with tempfile.TemporaryDirectory() as state:
        settings = load_settings(state_dir=Path(state))
        recommender = PlaceRecommender(settings, config)
        recommender.fit(history, items)
        latency = measure(recommender, history, args.queries, args.seed)
    ratio = latency["with"]["p50_ms"] / latency["without"]["p50_ms"]
    print(f"{len(history):,} check-ins, {len(items):,} places; fit {recommender.timings}")
    print(f"recommend with the discovery ranker    {latency['with']}")
    print(f"baseline without it (same fit)          {latency['without']}")
    print(f"p50 ratio with / without: {ratio:.2f}")
    passed = latency["with"]["p50_ms"] <= TARGET_P50_MS
    write_report(
        output,
        {
            "machine": platform.platform(),
            "smoke": args.smoke,
            "check_ins": len(history),
            "places": len(items),
            "queries": args.queries,
            "fit_timings_s": {name: round(value, 2) for name, value in recommender.timings.items()},
            "recommend": latency,
            "p50_ratio": round(ratio, 3),
            "target_p50_ms": TARGET_P50_MS,
            "met": passed,
        },
    )
    print(
        f"target p50 <= {TARGET_P50_MS:g} ms with the discovery ranker: {'met' if passed else 'MISSED'}; wrote {output}"
    )
    return exit_status(passed, args.smoke, "a small synthetic world says nothing about NYC's latency")


if __name__ == "__main__":
    raise SystemExit(main())
