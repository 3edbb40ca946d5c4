"""The evaluation harness: it never leaks the answer, the baselines rank as they obviously should, and the CLI."""

from __future__ import annotations

import gzip
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from profiles.events import Event
from retrieval import protocol
from retrieval.baselines import CounterRecommender, MarkovRecommender, PopularityRecommender
from retrieval.evaluate import evaluate_recommender, main, run
from retrieval.protocol import Recommender, make_recommender, top_k

T0 = datetime(2012, 6, 1, 12, 0, tzinfo=UTC)
METRIC_KEYS = {"acc@1", "acc@5", "acc@10", "acc@20", "mrr", "ndcg@10", "n"}


def make_items(ids: str = "ABCDE") -> pd.DataFrame:
    """A catalogue of single-letter venues on a line of longitudes."""
    return pd.DataFrame(
        {
            "item_id": list(ids),
            "name": [f"Venue {i}" for i in ids],
            "category": "Cafe",
            "category_path": "Dining and Drinking > Cafe",
            "description": "",
            "latitude": 40.7,
            "longitude": [-74.0 + 0.01 * n for n in range(len(ids))],
        }
    )


def make_events(rows: list[tuple[str, str]], start: datetime = T0, step_hours: float = 1.0) -> pd.DataFrame:
    """(user, item) check-ins one step apart; every check-in has its own coordinates, so places are traceable."""
    n = len(rows)
    offset = (start - T0).total_seconds() / 3600
    return pd.DataFrame(
        {
            "user_id": [user for user, _ in rows],
            "item_id": [item for _, item in rows],
            "timestamp": pd.to_datetime([start + timedelta(hours=step_hours * k) for k in range(n)], utc=True),
            "latitude": [40.0 + 0.001 * (offset + k) for k in range(n)],
            "longitude": [-74.0 - 0.001 * (offset + k) for k in range(n)],
            "action": "visit",
            "text": None,
            "category": "Cafe",
        }
    )


class RecordingRecommender:
    """Records every call the harness makes, with what it had been shown so far; scores everything alike."""

    def __init__(self) -> None:
        self.fit_history: pd.DataFrame | None = None
        self.n_items = 0
        self.calls: list[tuple[str, Any]] = []
        self.observed: list[Event] = []

    def fit(self, history: pd.DataFrame, items: pd.DataFrame) -> None:
        self.fit_history = history.copy()
        self.n_items = len(items)
        self.calls.append(("fit", None))

    def score_all(self, *args: Any, **kwargs: Any) -> np.ndarray:
        self.calls.append(("score", {"args": args, "kwargs": kwargs, "observed_before": list(self.observed)}))
        return np.zeros(self.n_items)

    def observe(self, event: Event) -> None:
        self.observed.append(event)
        self.calls.append(("observe", event))


def _key(user: str, item: str, at: Any) -> tuple[str, str, pd.Timestamp]:
    return (str(user), str(item), pd.Timestamp(at))


def test_the_harness_never_leaks_a_test_check_in():
    items = make_items()
    history = make_events([("u1", "A"), ("u2", "B"), ("u1", "C")])
    test = make_events(
        [("u1", "D"), ("u3", "E"), ("u2", "A"), ("u1", "A"), ("u3", "B"), ("u2", "Z")],  # u3 is new; Z unknown
        start=T0 + timedelta(days=10),
    )
    recorder = RecordingRecommender()
    assert isinstance(recorder, Recommender)
    # Handed over shuffled: the harness must still replay in time order.
    result = evaluate_recommender(recorder, history, test.sample(frac=1.0, random_state=3), items)

    test_keys = [_key(u, i, t) for u, i, t in zip(test["user_id"], test["item_id"], test["timestamp"], strict=True)]

    # (a) fit saw exactly the history and no test row.
    assert recorder.calls[0] == ("fit", None)
    fit = recorder.fit_history
    assert fit is not None
    fit_keys = {_key(u, i, t) for u, i, t in zip(fit["user_id"], fit["item_id"], fit["timestamp"], strict=True)}
    assert len(fit) == len(history)
    assert fit_keys.isdisjoint(test_keys)

    # (b) strict alternation, and at each query the observed test events are exactly the earlier ones.
    kinds = [kind for kind, _ in recorder.calls[1:]]
    assert kinds == ["score", "observe"] * len(test)
    queries = [payload for kind, payload in recorder.calls if kind == "score"]
    for position, query in enumerate(queries):
        seen = [_key(e.user_id, e.item_id, e.timestamp) for e in query["observed_before"]]
        assert seen == test_keys[:position]

    # (c) score_all got (user, time, last place) only: never the venue, nor the check-in's own coordinates.
    centroid = (history["latitude"].mean(), history["longitude"].mean())
    last_place = {
        "u1": (history["latitude"].iloc[2], history["longitude"].iloc[2]),
        "u2": (history["latitude"].iloc[1], history["longitude"].iloc[1]),
    }
    for position, query in enumerate(queries):
        row = test.iloc[position]
        assert query["kwargs"] == {}
        user_id, at, latitude, longitude = query["args"]
        assert (user_id, pd.Timestamp(at)) == (row["user_id"], row["timestamp"])
        assert row["item_id"] not in query["args"]
        expected = last_place.get(row["user_id"], centroid)
        assert (latitude, longitude) == pytest.approx(expected)
        assert (latitude, longitude) != (row["latitude"], row["longitude"])
        last_place[row["user_id"]] = (row["latitude"], row["longitude"])

    # Z is not in the catalogue: observed, but not ranked.
    assert result.queries == 6
    assert result.unscored == 1
    # All-equal scores over 5 venues: every rank is (5 + 1) / 2.
    assert result.metrics["all"]["mrr"] == pytest.approx(1 / 3)


def test_return_and_discovery_are_judged_on_history_and_earlier_test():
    items = make_items()
    history = make_events([("u1", "A")])
    # u1: A is a return; B new; B again is now a return. u2: A is new to u2 even though u1 went there.
    test = make_events([("u1", "A"), ("u1", "B"), ("u1", "B"), ("u2", "A")], start=T0 + timedelta(days=1))
    result = evaluate_recommender(RecordingRecommender(), history, test, items)
    assert result.metrics["return"]["n"] == 2
    assert result.metrics["discovery"]["n"] == 2
    assert result.metrics["all"]["n"] == 4


def test_a_test_period_that_starts_before_the_history_ends_is_refused():
    items = make_items()
    history = make_events([("u1", "A"), ("u1", "B")], start=T0 + timedelta(days=1))
    test = make_events([("u1", "C")])
    with pytest.raises(ValueError, match="before the history ends"):
        evaluate_recommender(RecordingRecommender(), history, test, items)


def test_limit_replays_only_the_first_check_ins_in_time_order():
    items = make_items()
    test = make_events([("u1", "A"), ("u1", "B"), ("u1", "C")], start=T0 + timedelta(days=1))
    recorder = RecordingRecommender()
    result = evaluate_recommender(recorder, make_events([("u1", "A")]), test.iloc[::-1], items, limit=2)
    assert result.queries == 2
    assert [e.item_id for e in recorder.observed] == ["A", "B"]


# A tiny world. Popularity: C 4, A 3, B 3, D 2, E 2. u1 loves A; after B, people go to E.
TINY_HISTORY = [
    ("u2", "C"),
    ("u1", "A"),
    ("u3", "B"),
    ("u2", "D"),
    ("u1", "A"),
    ("u3", "E"),
    ("u2", "C"),
    ("u1", "A"),
    ("u3", "B"),
    ("u2", "D"),
    ("u3", "E"),
    ("u4", "C"),
    ("u4", "C"),
    ("u1", "B"),
]


def _fitted(recommender: Recommender) -> Recommender:
    recommender.fit(make_events(TINY_HISTORY), make_items())
    return recommender


def _ranking(recommender: Recommender, user: str) -> list[str]:
    scores = recommender.score_all(user, T0 + timedelta(days=1), 40.7, -74.0)
    assert scores.dtype == np.float64
    assert scores.shape == (5,)
    return [list("ABCDE")[i] for i in top_k(scores, 5)]


def _event(user: str, item: str, hours: float = 48) -> Event:
    return Event(user_id=user, item_id=item, timestamp=T0 + timedelta(hours=hours), latitude=40.7, longitude=-74.0)


def test_popularity_ranks_the_global_top_for_everyone():
    recommender = _fitted(PopularityRecommender())
    assert _ranking(recommender, "u1")[:3] == ["C", "A", "B"]  # A and B level on 3: catalogue order
    assert _ranking(recommender, "nobody") == _ranking(recommender, "u1")
    for hour in range(2):
        recommender.observe(_event("u9", "E", 48 + hour))
    assert _ranking(recommender, "u1")[:2] == ["C", "E"]  # E now 4, level with C: catalogue order keeps C first
    recommender.observe(_event("u9", "E", 50))
    assert _ranking(recommender, "u1")[0] == "E"


def test_counter_prefers_the_users_most_visited_then_popularity():
    recommender = _fitted(CounterRecommender())
    # u1: A 3 visits, B 1, then the rest by popularity (C 4 before D 2 and E 2).
    assert _ranking(recommender, "u1") == ["A", "B", "C", "D", "E"]
    # u3: B 2 and E 2 tie on visits; B is the more popular (3 against 2).
    assert _ranking(recommender, "u3")[:3] == ["B", "E", "C"]
    # A stranger gets popularity.
    assert _ranking(recommender, "stranger")[:2] == ["C", "A"]
    for hour in range(3):
        recommender.observe(_event("u1", "B", 48 + hour))
    assert _ranking(recommender, "u1")[:2] == ["B", "A"]


def test_counter_tie_break_is_exactly_lexicographic():
    recommender = CounterRecommender()
    many = [(f"p{k}", "C") for k in range(5000)]
    recommender.fit(make_events([("u1", "E"), *many]), make_items())
    scores = recommender.score_all("u1", T0, 40.7, -74.0)
    # One own visit beats five thousand other people's.
    assert scores[4] > scores[2] > scores[0]
    assert scores[0] == scores[1] == scores[3] == 0.0


def test_markov_follows_the_users_last_venue():
    recommender = _fitted(MarkovRecommender())
    # u1's last venue is B, and B → E twice (u3): E first, then popularity.
    assert _ranking(recommender, "u1")[:3] == ["E", "C", "A"]
    # u2's last is D: D → C once.
    assert _ranking(recommender, "u2")[0] == "C"
    # u4's last is C, C → C once (u4) and C → D twice (u2).
    assert _ranking(recommender, "u4")[:2] == ["D", "C"]
    recommender.observe(_event("u1", "D"))
    assert _ranking(recommender, "u1")[0] == "C"
    # A transition learnt online is used by everyone: u1 went D → A twice now beats D → C.
    recommender.observe(_event("u1", "A", 49))
    recommender.observe(_event("u1", "D", 50))
    recommender.observe(_event("u1", "A", 51))
    recommender.observe(_event("u1", "D", 52))
    assert _ranking(recommender, "u2")[0] == "A"


def test_baselines_through_the_harness_match_hand_computed_ranks():
    items = make_items()
    history = make_events(TINY_HISTORY)
    # u1 returns to A: counter 1st; popularity behind C and level with B: 1 + (2 + 1) / 2 = 2.5;
    # markov after B: E (B → E twice), C, then A level with B: 3.5.
    # Then u3 discovers A, which u1's visit has just lifted to 4, level with C.
    test = make_events([("u1", "A"), ("u3", "A")], start=T0 + timedelta(days=2))
    results = run(
        {"popularity": PopularityRecommender(), "counter": CounterRecommender(), "markov": MarkovRecommender()},
        history,
        test,
        items,
    )
    counter = results["counter"].metrics
    assert counter["return"]["mrr"] == 1.0
    # u3's own B and E come first; A and C tie on popularity → expected rank 2 + (2 + 1) / 2 = 3.5.
    assert counter["discovery"]["mrr"] == pytest.approx(1 / 3.5)
    popularity = results["popularity"].metrics
    assert popularity["return"]["mrr"] == pytest.approx(1 / 2.5)
    assert popularity["discovery"]["mrr"] == pytest.approx(1 / 1.5)  # A and C level on 4 at the top
    markov = results["markov"].metrics
    assert markov["return"]["mrr"] == pytest.approx(1 / 3.5)
    # u3's last is E; E → B once: B first, then A and C tied on popularity → 1 + 1.5.
    assert markov["discovery"]["mrr"] == pytest.approx(1 / 2.5)
    assert markov["all"]["ndcg@10"] == pytest.approx((1 / math.log2(4.5) + 1 / math.log2(3.5)) / 2)


def test_registry_builds_the_baselines_and_refuses_unknown_names(settings):
    assert isinstance(make_recommender("counter", settings), CounterRecommender)
    assert isinstance(make_recommender("markov", settings), MarkovRecommender)
    assert isinstance(make_recommender("popularity", settings), PopularityRecommender)
    with pytest.raises(KeyError, match="unknown recommender"):
        make_recommender("oracle", settings)


def test_a_missing_product_model_is_a_clear_error_not_a_fake(monkeypatch, settings, capsys, tmp_path):
    monkeypatch.setattr(protocol, "RECOMMENDER_MODULE", "retrieval.not_built_yet")
    with pytest.raises(protocol.ModelNotBuiltError, match="not built yet"):
        make_recommender("model", settings)
    code = main(
        ["--history", "h", "--test", "t", "--venues", "v", "--out", str(tmp_path / "r.json"), "--models", "model"]
    )
    assert code == 2
    assert "not built yet" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


CHECKIN_HEADER = "user_id,venue_id,venue_category,latitude,longitude,utc_time"
VENUE_HEADER = "venue_id,name,category,category_path,locality,region,latitude,longitude,description"


def _write_nyc_fixtures(folder: Path) -> tuple[Path, Path, Path]:
    venues = {
        "4a1": ("Joe Coffee", "Coffee Shop", "Dining and Drinking > Cafe > Coffee Shop", 40.7301, -73.9901),
        "4b2": ("Union Square", "Park", "Landmarks and Outdoors > Park", 40.7359, -73.9911),
        "4c3": ("", "Home (private)", "Residence > Home (private)", 40.7101, -73.9501),
        "4d4": ("Fat Cat", "Music Venue", "Arts and Entertainment > Music Venue", 40.7336, -74.0031),
    }
    venue_lines = [VENUE_HEADER] + [
        f'{vid},{name},{cat},{path},New York,NY,{lat:.6f},{lon:.6f},"{cat} in New York, NY."'
        for vid, (name, cat, path, lat, lon) in venues.items()
    ]
    history = [("1", "4a1"), ("2", "4b2"), ("1", "4c3"), ("1", "4a1"), ("2", "4a1"), ("3", "4d4")]
    test = [("1", "4a1"), ("2", "4d4"), ("3", "4d4"), ("4", "4b2"), ("1", "4b2")]

    def lines(rows: list[tuple[str, str]], start: datetime) -> list[str]:
        out = [CHECKIN_HEADER]
        for k, (user, vid) in enumerate(rows):
            _, cat, _, lat, lon = venues[vid]
            when = (start + timedelta(hours=5 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.append(f"{user},{vid},{cat},{lat:.6f},{lon:.6f},{when}")
        return out

    paths = folder / "history.csv.gz", folder / "test.csv.gz", folder / "venues.csv.gz"
    for path, text in zip(paths, (lines(history, T0), lines(test, T0 + timedelta(days=5)), venue_lines), strict=True):
        path.write_bytes(gzip.compress(("\n".join(text) + "\n").encode()))
    return paths


def test_cli_writes_the_results_in_the_agreed_shape(tmp_path, capsys):
    pytest.importorskip("profiles.loaders", reason="profiles.loaders (load_nyc) is not written yet")
    history, test, venues = _write_nyc_fixtures(tmp_path)
    out = tmp_path / "out" / "results.json"
    argv = ["--history", str(history), "--test", str(test), "--venues", str(venues), "--out", str(out)]
    assert main([*argv, "--models", "popularity,counter,markov"]) == 0

    results = json.loads(out.read_text())
    assert list(results) == ["popularity", "counter", "markov"]
    for per_split in results.values():
        assert list(per_split) == ["all", "return", "discovery"]
        for metrics in per_split.values():
            assert set(metrics) == METRIC_KEYS
        # Returns: user 1 to 4a1, user 3 to 4d4. Discoveries: 2 → 4d4, 4 → 4b2 (new user), 1 → 4b2.
        assert [per_split[s]["n"] for s in ("all", "return", "discovery")] == [5, 2, 3]
    assert results["counter"]["return"]["acc@1"] == 1.0
    table = capsys.readouterr().out
    assert "counter" in table
    assert "acc@10" in table

    assert main([*argv, "--models", "counter", "--limit", "2"]) == 0
    assert json.loads(out.read_text())["counter"]["all"]["n"] == 2


def test_top_k_is_the_order_recommend_shows():
    # Best first, ties in catalogue order, NaN last: the same scores the evaluation ranks.
    assert top_k(np.array([1.0, np.nan, 3.0, 3.0, 2.0]), 5).tolist() == [2, 3, 4, 0, 1]
    assert top_k(np.array([1.0, 2.0]), 1).tolist() == [1]
    assert top_k(np.array([1.0, 2.0]), 0).tolist() == []


def test_a_bad_ranker_override_is_named_before_any_data_is_read(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("WHERENOW_RANKER__NEGATIVE", "60")  # a typo of "negatives"
    argv = ["--history", "h", "--test", "t", "--venues", "v", "--out", str(tmp_path / "r.json"), "--models", "model"]
    assert main(argv) == 2
    assert "unknown ranker setting(s) negative" in capsys.readouterr().err
    monkeypatch.delenv("WHERENOW_RANKER__NEGATIVE")
    monkeypatch.setenv("WHERENOW_RANKER__NEGATIVES", "lots")
    assert main(argv) == 2
    assert "negatives" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()
