"""Time-ordered, leak-proof evaluation of recommenders on check-ins: fit on a history, replay a test period.

``python -m retrieval.evaluate --history H.csv.gz --test T.csv.gz --venues V.csv.gz --out results.json
[--models model,popularity,counter,markov] [--limit N]``

The model's tunables can be overridden without changing code, e.g. ``WHERENOW_RANKER__NEGATIVES=60`` (the
``ranker`` settings group), which is how the settings in ``retrieval.ranker.RankerConfig`` were swept.

Each recommender is fitted on the history only. Then the test check-ins are replayed in time order: for each
one the recommender scores the whole catalogue knowing only (user, time, last known place), the true venue's
expected rank is recorded, and only then is the check-in revealed through ``observe``. The last known place is
the user's previous check-in (history or earlier test), else the centroid of the history. A check-in is a
"return" when the user visited that venue before (history or earlier test), else a "discovery".
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from profiles.config import load_settings
from profiles.events import EVENT_COLUMNS, Event
from retrieval.metrics import ACC_KS, ALL, DISCOVERY, NDCG_K, RETURN, SPLITS, MetricDict, RankAccumulator
from retrieval.protocol import RECOMMENDERS, ModelNotBuiltError, Recommender, item_positions, make_recommender

DEFAULT_MODELS: tuple[str, ...] = ("model", "popularity", "counter", "markov")
# Called with (check-in, where the query stands, the true place's catalogue position, "return" or "discovery").
Inspector = Callable[[Event, tuple[float, float], int, str], None]


@dataclass(frozen=True)
class EvaluationResult:
    """One recommender's metrics on a test period, and what it cost."""

    metrics: dict[str, MetricDict]
    fit_seconds: float
    replay_seconds: float
    queries: int
    unscored: int  # test check-ins whose venue is not in the catalogue: observed, but no rank exists


def event_from_row(row: pd.Series | dict[str, Any]) -> Event:
    """An ``Event`` from one events-frame row (missing optional values become None)."""
    values: dict[str, Any] = {}
    for column in EVENT_COLUMNS:
        value = row.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
            continue
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        values[column] = value
    values["user_id"] = str(values["user_id"])
    values["item_id"] = str(values["item_id"])
    return Event(**values)


def _time_ordered(events: pd.DataFrame) -> pd.DataFrame:
    # Stable, so check-ins sharing a timestamp keep their file order: that order is the replay order.
    return events.sort_values("timestamp", kind="stable").reset_index(drop=True)


def evaluate_recommender(
    recommender: Recommender,
    history: pd.DataFrame,
    test: pd.DataFrame,
    items: pd.DataFrame,
    limit: int | None = None,
    progress: bool = False,
    description: str = "",
    inspect: Inspector | None = None,
) -> EvaluationResult:
    """Fit on ``history``, then replay ``test`` (the first ``limit`` check-ins in time order), one query each.

    ``inspect`` sees each scored query before its check-in is revealed (``retrieval.ablation`` measures the
    candidate sources with it).
    """
    history = _time_ordered(history)
    test = _time_ordered(test)
    if len(history) and len(test) and test["timestamp"].iloc[0] < history["timestamp"].iloc[-1]:
        raise ValueError(
            f"test starts ({test['timestamp'].iloc[0]}) before the history ends "
            f"({history['timestamp'].iloc[-1]}): fitting on the history would see the future"
        )
    if limit is not None:
        test = test.iloc[: max(limit, 0)]
    positions = item_positions(items)

    # The harness's own knowledge of the past, kept apart from the model's: last place and venues per user.
    users = history["user_id"].astype(str)
    last_rows = history.assign(user_id=users).drop_duplicates("user_id", keep="last")
    last_place: dict[str, tuple[float, float]] = {
        user: (float(lat), float(lon))
        for user, lat, lon in zip(last_rows["user_id"], last_rows["latitude"], last_rows["longitude"], strict=True)
    }
    visited: defaultdict[str, set[str]] = defaultdict(set)
    for user, item in zip(users, history["item_id"].astype(str), strict=True):
        visited[user].add(item)
    source = history if len(history) else items
    centroid = (float(source["latitude"].mean()), float(source["longitude"].mean()))
    events = [event_from_row(row) for row in test.to_dict("records")]

    started = time.perf_counter()
    recommender.fit(history, items)
    fitted = time.perf_counter()

    accumulator = RankAccumulator(SPLITS)
    unscored = 0
    for event in tqdm(events, desc=description, unit="check-in", disable=None if progress else True, leave=False):
        latitude, longitude = last_place.get(event.user_id, centroid)
        scores = np.asarray(recommender.score_all(event.user_id, event.timestamp, latitude, longitude), np.float64)
        if scores.shape != (len(positions),):
            raise ValueError(f"score_all returned shape {scores.shape}; expected ({len(positions)},)")
        true_index = positions.get(event.item_id)
        if true_index is None:
            unscored += 1
        else:
            split = RETURN if event.item_id in visited[event.user_id] else DISCOVERY
            accumulator.add_scores(scores, true_index, split)
            if inspect is not None:
                inspect(event, (latitude, longitude), true_index, split)
        # Revealed only now, after its own prediction.
        recommender.observe(event)
        last_place[event.user_id] = (event.latitude, event.longitude)
        visited[event.user_id].add(event.item_id)
    finished = time.perf_counter()

    return EvaluationResult(
        metrics=accumulator.summary(),
        fit_seconds=fitted - started,
        replay_seconds=finished - fitted,
        queries=len(events),
        unscored=unscored,
    )


def _cell(value: float | int | None) -> str:
    if value is None:
        return f"{'-':>7}"
    return f"{value:>7d}" if isinstance(value, int) else f"{value:>7.4f}"


def format_table(results: dict[str, EvaluationResult]) -> str:
    """A fixed-width table of every model and split, then what each run cost."""
    columns = [*(f"acc@{k}" for k in ACC_KS), "mrr", f"ndcg@{NDCG_K}"]
    lines = [f"{'model':<12}{'split':<11}{'n':>8}" + "".join(f"{c:>8}" for c in columns)]
    for name, result in results.items():
        for split in (ALL, *SPLITS):
            row = result.metrics[split]
            n = int(row["n"] or 0)
            lines.append(f"{name:<12}{split:<11}{n:>8,}" + "".join(" " + _cell(row[c]) for c in columns))
    lines.append("")
    for name, result in results.items():
        per_query = 1000 * result.replay_seconds / max(result.queries, 1)
        unscored = f", {result.unscored} not in the catalogue (unscored)" if result.unscored else ""
        lines.append(
            f"{name:<12}fit {result.fit_seconds:6.2f} s, replay {result.replay_seconds:6.2f} s "
            f"({result.queries:,} check-ins, {per_query:.3f} ms each{unscored})"
        )
    return "\n".join(lines)


def _parse_models(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in RECOMMENDERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown model(s) {unknown}; choose from {', '.join(RECOMMENDERS)}")
    return names


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m retrieval.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=Path, required=True, help="check-ins to fit on (NYC format)")
    parser.add_argument("--test", type=Path, required=True, help="later check-ins to replay (NYC format)")
    parser.add_argument("--venues", type=Path, required=True, help="the venue catalogue (NYC format)")
    parser.add_argument("--out", type=Path, required=True, help="where results.json goes")
    parser.add_argument(
        "--models", type=_parse_models, default=list(DEFAULT_MODELS), help="comma-separated; default: %(default)s"
    )
    parser.add_argument("--limit", type=int, default=None, help="replay only the first N test check-ins")
    return parser.parse_args(argv)


def run(
    recommenders: dict[str, Recommender],
    history: pd.DataFrame,
    test: pd.DataFrame,
    items: pd.DataFrame,
    limit: int | None = None,
    progress: bool = False,
) -> dict[str, EvaluationResult]:
    """Evaluate each recommender on the same history, test period and catalogue."""
    return {
        name: evaluate_recommender(recommender, history, test, items, limit, progress, description=name)
        for name, recommender in recommenders.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: load the files, evaluate, write the JSON, print the table."""
    args = _arguments(argv)
    settings = load_settings()
    # Every recommender is built before any data is read, so a missing one fails at once.
    try:
        recommenders = {name: make_recommender(name, settings) for name in args.models}
    except (ModelNotBuiltError, ValueError) as error:  # ValueError: a bad settings.ranker override
        print(f"error: {error}", file=sys.stderr)
        return 2
    if settings.ranker and "model" in args.models:
        print(f"ranker overrides: {settings.ranker}", file=sys.stderr)
    from profiles.loaders import load_nyc  # lazily: the loaders are built separately

    history = load_nyc(args.history, args.venues)
    test = load_nyc(args.test, args.venues)
    items = history.items
    if items is None:  # load_nyc always returns the catalogue it was given; this guards a changed loader
        raise SystemExit(f"error: no catalogue loaded from {args.venues}")
    for name, loaded in (("history", history), ("test", test)):
        # Rejected rows (unknown venue, duplicate, bad field) are not evaluated; say so rather than hide it.
        rejected = f", {len(loaded.rejects):,} rejected {loaded.reject_counts()}" if loaded.rejects else ""
        print(f"{name}: {len(loaded.events):,} check-ins loaded{rejected}", file=sys.stderr)
    limited = f", replaying the first {args.limit:,} test check-ins" if args.limit is not None else ""
    print(f"catalogue: {len(items):,} venues{limited}", file=sys.stderr)
    results = run(recommenders, history.events, test.events, items, args.limit, progress=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {name: result.metrics for name, result in results.items()}
    args.out.write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")
    print(format_table(results))
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
