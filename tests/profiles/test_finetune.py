"""Fine-tuning the interest encoder: examples from the past only, time-ordered splits, checkpoints the product loads."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import profiles.finetune as finetune_module
from assistant.cli import main
from profiles.config import ModelSettings, PreprocessingSettings, load_settings
from profiles.encoder import InterestEncoder
from profiles.events import EVENT_COLUMNS, ITEM_COLUMNS
from profiles.finetune import (
    METRICS_FILE,
    TABLE_FILE,
    FinetuneConfig,
    FinetuneReport,
    build_examples,
    finetune,
    load_head,
    majority_prediction,
    multilabel_metrics,
    time_split,
)
from profiles.preprocessing import preprocess

# (category_path, short category, top-level label); an empty path falls back to the category.
KINDS = [
    ("Dining and Drinking > Restaurant > Pizza Place", "Pizza Place", "Dining and Drinking"),
    ("Retail > Bookstore", "Bookstore", "Retail"),
    ("", "Home (private)", "Home (private)"),
    ("Travel and Transportation > Transport Hub > Metro Station", "Metro Station", "Travel and Transportation"),
]
START = pd.Timestamp("2012-05-01T12:00:00Z")
NAME = re.compile(r"Place-\d-\d\d")


def _visits(users: int, per_user: int, every_hours: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Regular visits, one venue per visit (unique names), kinds cycling per user; a 2-day gap after visit 10."""
    events, items = [], []
    for user in range(users):
        for k in range(per_user):
            path, category, _ = KINDS[(k * (user + 1)) % len(KINDS)]
            item = f"v{user}-{k:02d}"
            latitude, longitude = 40.70 + 0.01 * k, -74.0 + 0.01 * user
            moment = START + pd.Timedelta(hours=every_hours * k + user + (48 if k > 10 else 0))
            events.append((str(user), item, moment, latitude, longitude, "visit", None, category))
            items.append((item, f"Place-{user}-{k:02d}", category, path, "", latitude, longitude))
    frame = pd.DataFrame(events, columns=list(EVENT_COLUMNS))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame, pd.DataFrame(items, columns=list(ITEM_COLUMNS))


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    events, items = _visits(users=3, per_user=20)
    return preprocess(events, PreprocessingSettings()).events, items


# One next visit and wide slices, so the purge at slice borders leaves examples in each slice of this tiny set.
TINY = FinetuneConfig(
    horizon_visits=1,
    val_fraction=0.2,
    test_fraction=0.2,
    max_examples=None,
    batch_size=64,
    max_length=32,
    seed=1,
    threads=1,
)


def _tiny_run(tmp_path_factory: pytest.TempPathFactory, config: FinetuneConfig) -> FinetuneReport:
    """Fine-tune on two users' hand-built visits (a few dozen examples)."""
    events, items = _visits(users=2, per_user=28)
    processed = preprocess(events, PreprocessingSettings()).events
    out = tmp_path_factory.mktemp("finetuned") / "checkpoint"
    settings = load_settings(state_dir=out.parent / "state")
    return finetune(processed, items, settings, out=out, config=config, progress=False)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> FinetuneReport:
    started = time.perf_counter()
    report = _tiny_run(tmp_path_factory, TINY)
    print(f"tiny fine-tune: {time.perf_counter() - started:.1f} s")
    return report


def test_labels_are_the_next_visits_categories(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    events, items = data
    config = FinetuneConfig(context_visits=3, horizon_visits=3, horizon_hours=24)
    examples = build_examples(events, items, config)
    top = dict(
        zip(items["item_id"], [KINDS[[k[1] for k in KINDS].index(c)][2] for c in items["category"]], strict=True)
    )
    expected_count = 0
    for user, visits in events.groupby("user_id"):
        visits = visits.sort_values("timestamp")
        times, venues = visits["timestamp"].tolist(), visits["item_id"].tolist()
        for anchor in range(len(visits)):
            nexts = [
                j
                for j in range(anchor + 1, min(len(visits), anchor + 4))
                if times[j] - times[anchor] <= pd.Timedelta(hours=24)
            ]
            row = examples[(examples["user_id"] == user) & (examples["anchor_time"] == times[anchor])]
            if not nexts:
                assert row.empty
                continue
            expected_count += 1
            assert row["labels"].item() == tuple(sorted({top[venues[j]] for j in nexts}))
            assert row["target_time"].item() == times[nexts[-1]]
    assert len(examples) == expected_count
    # The 2-day gap after visit 10 ends each user's horizon there.
    assert expected_count == 3 * (20 - 2)


def test_context_text_uses_the_anchor_and_earlier_visits_only(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    events, items = data
    examples = build_examples(events, items, FinetuneConfig(context_visits=3))
    visit_time = dict(zip(items["name"], events.set_index("item_id").loc[items["item_id"], "timestamp"], strict=True))
    for example in examples.itertuples():
        names = NAME.findall(example.text)
        assert 1 <= len(names) <= 3
        assert visit_time[names[0]] == example.anchor_time  # most recent first
        assert all(visit_time[name] <= example.anchor_time for name in names)
        assert all(name.startswith(f"Place-{example.user_id}-") for name in names)
    first = examples.iloc[0]
    assert first["text"].startswith("Tuesday morning, 08:00, near 40.70, -74.00. Last visits: Place-0-00 (Pizza Place)")


def test_time_split_is_ordered_and_purged(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    examples = build_examples(*data, FinetuneConfig())
    split = time_split(examples.sample(frac=1, random_state=0), val_fraction=0.2, test_fraction=0.2)
    train, val, test = split.train, split.val, split.test
    assert min(len(train), len(val), len(test)) > 0
    assert train["anchor_time"].is_monotonic_increasing and test["anchor_time"].is_monotonic_increasing
    assert (
        train["anchor_time"].max() <= val["anchor_time"].min() <= val["anchor_time"].max() <= test["anchor_time"].min()
    )
    # No label of an earlier slice lies after the next slice begins.
    assert train["target_time"].max() <= val["anchor_time"].min()
    assert val["target_time"].max() <= test["anchor_time"].min()
    assert len(train) + len(val) + len(test) <= len(examples)


def test_metrics_match_a_hand_computed_example() -> None:
    y_true = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0], [0, 1, 0]])
    y_pred = np.array([[1, 0, 0], [0, 1, 1], [1, 0, 0], [0, 1, 0]])
    # Label 1: TP 1, FP 1. Label 2: TP 2. Label 3: TP 0, FP 1, FN 1. Three wrong cells of twelve; one exact row.
    expected = {
        "subset_accuracy": 1 / 4,
        "hamming_accuracy": 9 / 12,
        "precision_micro": 3 / 5,
        "recall_micro": 3 / 4,
        "precision_macro": (1 / 2 + 1 + 0) / 3,
        "recall_macro": (1 + 1 + 0) / 3,
        "f1_micro": 2 * (3 / 5) * (3 / 4) / (3 / 5 + 3 / 4),
    }
    assert multilabel_metrics(y_true, y_pred) == pytest.approx(expected)


def test_majority_is_the_most_frequent_label_set() -> None:
    y = np.array([[1, 0, 0], [0, 1, 1], [0, 1, 1], [1, 1, 0], [0, 1, 1]])
    assert majority_prediction(y).tolist() == [0, 1, 1]


def test_checkpoint_loads_in_the_encoder_and_changes_embeddings(trained: FinetuneReport) -> None:
    out = trained.out
    assert trained.metrics["training"]["steps"] == 1
    texts = ["Friday evening, 19:00, near 40.73, -73.99. Last visits: Place-0-01 (Bookstore)", "a quiet café"]
    frozen = InterestEncoder(ModelSettings())
    tuned = InterestEncoder(ModelSettings(encoder_checkpoint=out))
    assert tuned.model_id != frozen.model_id
    before, after = frozen.encode(texts), tuned.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(after, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(before, after, atol=1e-6)
    # A SentenceTransformer folder: it also loads directly, with the same vectors.
    from sentence_transformers import SentenceTransformer

    direct = SentenceTransformer(str(out), device="cpu", local_files_only=True).encode(texts)
    np.testing.assert_allclose(direct, after, atol=1e-6)
    labels, head = load_head(out)
    assert head.weight.shape == (len(labels), frozen.dim)
    # The saved head reads the vectors the product computes with the checkpoint.
    probabilities = torch.sigmoid(head(torch.as_tensor(after))).detach().numpy()
    assert probabilities.shape == (len(texts), len(labels))
    metrics = json.loads((out / METRICS_FILE).read_text())
    assert metrics["labels"] == labels
    assert set(metrics["results"]) == {"finetuned", "frozen", "contrastive", "majority"}
    assert all(set(splits) == {"train", "test"} for splits in metrics["results"].values())
    assert trained.table in (out / TABLE_FILE).read_text()


def test_training_history_and_split_periods(trained: FinetuneReport) -> None:
    training = trained.metrics["training"]
    assert training["best_step"] == 1 and not training["stopped_early"]
    assert [entry["step"] for entry in training["history"]] == [0, 1]
    assert training["best_val_loss"] == pytest.approx(training["history"][-1]["val_loss"])
    # The run's own slices: every label of a slice is observed before the next slice's first context.
    periods = trained.metrics["periods"]
    assert periods["train"][1] <= periods["val"][0] and periods["val"][1] <= periods["test"][0]


def test_the_contrastive_encoder_is_probed_on_what_precedes_validation(trained: FinetuneReport) -> None:
    folder = Path(trained.metrics["contrastive_encoder"])
    assert folder.parent == trained.out and (folder / "config.json").is_file()
    learnt = json.loads((folder / "contrastive.json").read_text())
    # Every pair it learnt from ends before the first validation context: the probe's test reads nothing it saw.
    assert learnt["pairs"] > 0
    assert pd.Timestamp(learnt["periods"][1]) < pd.Timestamp(trained.metrics["periods"]["val"][0])
    assert "contrastive encoder + logistic regression" in trained.table
    # Its vectors are not the frozen encoder's, so its probe is a measurement of its own.
    assert trained.metrics["results"]["contrastive"] != trained.metrics["results"]["frozen"]


def test_early_stopping_ends_training_when_validation_loss_stops_improving(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Learning rates of 0 keep the validation loss exactly level: the first evaluation stays the best.
    frozen = replace(
        TINY, batch_size=8, epochs=3, evals_per_epoch=4, patience=2, learning_rate=0.0, head_learning_rate=0.0
    )
    training = _tiny_run(tmp_path_factory, frozen).metrics["training"]
    assert training["stopped_early"] and training["steps"] == 3 < training["max_steps"]
    assert training["best_step"] == 1
    assert [entry["step"] for entry in training["history"]] == [0, 1, 2, 3]


def test_cli_prints_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WHERENOW_STATE_DIR", str(tmp_path / "state"))
    # The command's defaults train for minutes; a tiny model run keeps the test fast.
    monkeypatch.setattr(
        finetune_module, "FinetuneConfig", partial(FinetuneConfig, batch_size=128, max_length=32, threads=1)
    )
    # Visits 12 hours apart: the default 24-hour horizon then leaves examples in each slice after the purge.
    events, _ = _visits(users=3, per_user=40, every_hours=12)
    path = tmp_path / "events.jsonl"
    events.assign(timestamp=events["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).drop(columns="text").to_json(
        path, orient="records", lines=True
    )
    out = tmp_path / "checkpoint"
    arguments = ["train-encoder", "--data", str(path), "--out", str(out), "--max-examples", "100", "--epochs", "1"]
    assert main([*arguments, "--seed", "3", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "| model | split | subset acc | hamming acc | P micro | R micro | P macro | R macro | F1 micro |" in printed
    for row in ("| fine-tuned encoder + linear head | test |", "| frozen encoder + logistic regression | train |"):
        assert row in printed
    assert "| majority (most frequent training label set) | test |" in printed
    assert (out / "config.json").is_file() and (out / TABLE_FILE).is_file()
