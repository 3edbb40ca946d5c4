"""Contrastive fine-tuning: pairs from the past only, the context vector both sides share, a checkpoint the product
loads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from profiles.config import ModelSettings, load_settings
from profiles.contrastive import METRICS_FILE, ContrastiveConfig, PairModel, _collate, build_pairs, train_contrastive
from profiles.encoder import HOUR_WEIGHT, EmbeddingCache, InterestEncoder, hour_phrases, intent_vector, intent_weights
from profiles.events import EVENT_COLUMNS, ITEM_COLUMNS

START = pd.Timestamp("2012-05-07T08:00:00Z")  # a Monday, 04:00 in New York
ZONE = "America/New_York"


def _data(users: int = 2, per_user: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each user visits a new place every 2 hours, returning home (their place 0) every third visit."""
    events, items = [], []
    for user in range(users):
        for k in range(per_user):
            number = 0 if k % 3 == 0 else k
            moment = START + pd.Timedelta(hours=2 * k + user)
            events.append((str(user), f"v{user}-{number:02d}", moment, 40.7 + 0.01 * number, -74.0, "visit", None, ""))
        for number in range(per_user):
            name, category = ("", "Home (private)") if number == 0 else (f"Place {user}-{number:02d}", "Cafe")
            items.append((f"v{user}-{number:02d}", name, category, "", "", 40.7 + 0.01 * number, -74.0))
    frame = pd.DataFrame(events, columns=list(EVENT_COLUMNS))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame, pd.DataFrame(items, columns=list(ITEM_COLUMNS))


def test_no_training_pair_looks_into_the_evaluation_period() -> None:
    events, items = _data()
    cutoff = START + pd.Timedelta(hours=13)
    pairs = build_pairs(events, items, ZONE, cutoff)
    assert len(pairs) > 0
    assert (pairs["anchor_time"] < cutoff).all() and (pairs["target_time"] < cutoff).all()
    later = set(events.loc[events["timestamp"] >= cutoff, "item_id"]) - set(
        events.loc[events["timestamp"] < cutoff, "item_id"]
    )
    rows = set(items.index[items["item_id"].isin(later)])
    assert rows and not rows & {place for recent in pairs["recent"] for place in recent}
    assert not rows & set(pairs["positive"])
    # The cut, not the data, is what stops them: a later cut gives more pairs.
    assert len(build_pairs(events, items, ZONE, START + pd.Timedelta(days=30))) > len(pairs)


def test_pairs_lead_to_new_places_from_the_anchor_and_earlier_visits() -> None:
    events, items = _data(users=1, per_user=7)
    pairs = build_pairs(events, items, ZONE, START + pd.Timedelta(days=1))
    row = {item: index for index, item in enumerate(items["item_id"])}
    # Visits: home, 1, 2, home, 4, 5, home. New next places: 1, 2, 4, 5 (home again is a return).
    assert pairs["positive"].tolist() == [row[f"v0-{n:02d}"] for n in (1, 2, 4, 5)]
    # Before place 4: home, 2, 1 (distinct, latest first), at 10:00 New York time on a Monday.
    assert pairs["recent"].iloc[2] == (row["v0-00"], row["v0-02"], row["v0-01"])
    assert pairs["hour"].iloc[2] == 10
    assert (pairs["anchor_time"] < pairs["target_time"]).all()


def test_the_trained_query_is_the_context_vector_the_recommender_computes() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(10 + len(hour_phrases()), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    model = PairModel(vectors, places=10, scale=20.0)
    batch = _collate([{"hour": 5, "recent": [3, 1], "positive": 2, "negative": 4}])
    with torch.no_grad():
        total = HOUR_WEIGHT * model.embed(batch["hour"] + 10) + (
            batch["weights"].unsqueeze(-1) * model.embed(batch["recent"])
        ).sum(1)
        query = torch.nn.functional.normalize(total, dim=-1)[0].numpy()
    # The layer starts as the identity: the query is intent_vector over the frozen vectors.
    np.testing.assert_allclose(query, intent_vector(vectors[10 + 5], vectors[[3, 1]]), atol=1e-6)
    np.testing.assert_allclose(batch["weights"][0].numpy(), [*intent_weights(2), 0.0])
    assert float(model(**batch)["loss"].detach()) >= 0


@pytest.mark.slow
def test_training_saves_an_encoder_the_product_loads_and_reuses_it(tmp_path: Path) -> None:
    events, items = _data()
    pairs = build_pairs(events, items, ZONE, START + pd.Timedelta(days=2))
    settings = load_settings(state_dir=tmp_path / "state")
    config = ContrastiveConfig(batch_size=4, epochs=2, budget_s=600.0)
    out = train_contrastive(pairs, items, settings, tmp_path, config, progress=False)
    report = json.loads((out / METRICS_FILE).read_text())
    assert report["pairs"] == len(pairs) and report["steps"] == report["max_steps"] >= 1
    texts = ["Monday morning", "Place 0-01 | Cafe"]
    frozen = InterestEncoder(ModelSettings())
    tuned = InterestEncoder(ModelSettings(encoder_checkpoint=out))
    assert tuned.model_id != frozen.model_id
    after = tuned.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(after, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(frozen.encode(texts), after, atol=1e-6)
    # Texts the base encoder cached are read through the learnt layer, not encoded again, to the same vectors.
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        frozen.encode_cached(texts[:1], cache)
        np.testing.assert_allclose(tuned.encode_cached(texts, cache), after, atol=1e-6)
        assert cache.count(tuned.model_id) == 2
    # Same pairs, same config: the folder is found, not trained again.
    mark = (out / METRICS_FILE).stat().st_mtime_ns
    assert train_contrastive(pairs, items, settings, tmp_path, config, progress=False) == out
    assert (out / METRICS_FILE).stat().st_mtime_ns == mark
