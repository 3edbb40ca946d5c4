"""The encoder ablation: candidate recall by source counts what it should, and one command measures the variants."""

from __future__ import annotations

import json

import numpy as np
import pytest

from profiles.config import load_settings
from retrieval.ablation import (
    ANY,
    KS,
    PROPOSED,
    SourceRecall,
    format_table,
    gain_shares,
    markdown,
    measure,
    merge,
    variant,
)
from retrieval.features import SOURCES
from retrieval.metrics import DISCOVERY, RETURN
from retrieval.recommender import PlaceRecommender
from tests.fixtures.world import make_history, make_items, small_config


def _ranks(**by_source: float) -> np.ndarray:
    ranks = np.full(len(SOURCES), np.inf)
    for source, rank in by_source.items():
        ranks[SOURCES.index(source)] = rank
    return ranks


def test_source_recall_counts_ranks_below_each_k_and_what_the_limits_propose():
    recall = SourceRecall()
    limits = np.full(len(SOURCES), 20.0)
    recall.add(_ranks(nearby=10, context=120), limits, DISCOVERY)  # proposed by nearby
    recall.add(_ranks(context=150), limits, DISCOVERY)  # only within @200, not proposed
    recall.add(_ranks(), limits, DISCOVERY)  # no source ranks it
    recall.add(_ranks(repertoire=0), limits, RETURN)
    summary = recall.summary()
    discovery = summary[DISCOVERY]
    assert discovery["n"] == 3 and discovery[PROPOSED] == pytest.approx(1 / 3)
    # The discovery ranker's wider pool proposes what the sources' limits leave out.
    wider = SourceRecall()
    wider.add(_ranks(context=150), limits, DISCOVERY, wider=True)
    assert wider.summary()[DISCOVERY][PROPOSED] == 1.0
    third = pytest.approx(1 / 3)
    assert discovery["nearby"] == {"@50": third, "@100": third, "@200": third}
    assert discovery["context"] == {"@50": 0.0, "@100": 0.0, "@200": pytest.approx(2 / 3)}
    assert discovery[ANY] == {"@50": pytest.approx(1 / 3), "@100": pytest.approx(1 / 3), "@200": pytest.approx(2 / 3)}
    assert summary[RETURN][PROPOSED] == 1.0 and summary[RETURN]["repertoire"]["@50"] == 1.0


def test_variants_differ_only_in_the_encoder_they_use(tmp_path):
    settings = load_settings(state_dir=tmp_path / "state")
    none, frozen, tuned = (variant(name, settings, tmp_path / "checkpoint") for name in ("none", "frozen", "finetuned"))
    assert not none.config.use_embeddings and none.config.context == 0
    assert frozen.config.context > 0 and frozen.settings.models.encoder_checkpoint is None
    assert tuned.config == frozen.config and tuned.settings.models.encoder_checkpoint == tmp_path / "checkpoint"


def test_measure_replays_the_test_period_with_the_evaluation_and_the_source_ranks(tmp_path):
    items = make_items()
    history = make_history(items)
    cut = history["timestamp"].quantile(0.85)
    past, test = history[history["timestamp"] < cut], history[history["timestamp"] >= cut]
    recommender = PlaceRecommender(load_settings(state_dir=tmp_path / "state"), small_config())
    result = measure(recommender, past, test, items)
    recall = result["candidate_recall"]
    assert recall[RETURN]["n"] + recall[DISCOVERY]["n"] == result["metrics"]["all"]["n"] == len(test)
    for split in (RETURN, DISCOVERY):
        for k in KS:  # any source within K holds at least each source within K
            assert recall[split][ANY][f"@{k}"] >= max(recall[split][source][f"@{k}"] for source in SOURCES)
    # Returns are in the user's repertoire: that source finds all of them.
    assert recall[RETURN]["repertoire"]["@50"] == 1.0
    assert result["gain_shares"] == gain_shares(recommender)
    assert result["gain_shares"]["all"] == 0.0  # no embeddings, no gain from them
    assert result["gain_shares"]["discoverer"] == 0.0 and recommender.discoverer is not None
    table = format_table({"none": result})
    assert "none" in table and "repertoire" in table
    # Runs of one variant each join into one report, the same as one run of both.
    for name in ("none", "again"):
        (tmp_path / f"{name}.json").write_text(json.dumps({"test": "t", "variants": {name: result}}))
    merged = merge([tmp_path / "none.json", tmp_path / "again.json"], tmp_path / "all.json")
    assert list(merged["variants"]) == ["none", "again"] and merged["runs"] == [{"test": "t"}] * 2
    assert json.loads((tmp_path / "all.json").read_text()) == merged
    rows = markdown(merged["variants"]).splitlines()
    assert len(rows) == 4 and rows[2].startswith("| none | ") and rows[2].count("|") == rows[0].count("|")
