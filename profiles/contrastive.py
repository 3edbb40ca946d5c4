"""Contrastive fine-tuning of the interest encoder: a user's context now should sit next to the place they go next.

One pair per check-in whose next check-in (same user) is at a place new to them. The *query* is the context
vector of that moment (``profiles.encoder.intent_vector``: the hour of the week's phrase and the last distinct
places, latest first); the *positive* is the next place's vector (``Item.text``); the *hard negative* is another
place in the positive's own area (one of its ``area_places`` nearest). ``MultipleNegativesRankingLoss`` pulls each
query to its place and away from every other place of the batch.

What learns is a sentence-transformers ``Dense`` layer (identity at the start) over the packaged encoder's unit
vectors, so every text is encoded once, frozen, and training reads vectors, not tokens: a full fine-tune of
MiniLM measured 15 s a step of 32 pairs on this 2-core machine, a few dozen steps in a start's budget. Training
goes through ``transformers.Trainer`` as the classifier of ``profiles.finetune`` does (sentence-transformers' own
trainer needs ``datasets``, which the project does not install); a callback stops it when the budget is spent.

Only pairs whose next check-in lies before ``before`` are built, so training never reads the evaluation period.
The encoder (transformer, pooling, the learnt layer) is saved as a SentenceTransformer folder named after a digest
of the pairs and the config, where ``models.encoder_checkpoint`` can point; the same data again reuses it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import torch
from sentence_transformers import models
from sentence_transformers.losses import MultipleNegativesRankingLoss
from sklearn.neighbors import BallTree
from torch import nn
from transformers import (
    PrinterCallback,
    ProgressCallback,
    Trainer,
    TrainerCallback,
    TrainerControl,
    TrainerState,
    TrainingArguments,
)

from profiles.config import Settings, load_settings
from profiles.encoder import (
    HOUR_WEIGHT,
    RECENT_PLACES,
    EmbeddingCache,
    InterestEncoder,
    hour_phrases,
    intent_weights,
)
from profiles.finetune import LossOnBar, torch_threads
from profiles.preprocessing import hour_of_week, local_times

logger = logging.getLogger(__name__)

CHECKPOINT_PREFIX = "encoder-contrastive-"
METRICS_FILE = "contrastive.json"


@dataclass(frozen=True)
class ContrastiveConfig:
    """Pairs and training; the defaults train for at most ``budget_s`` seconds on 2 cores."""

    max_pairs: int = 40000
    area_places: int = 20
    batch_size: int = 128
    epochs: int = 4
    learning_rate: float = 1e-3
    warmup_fraction: float = 0.05
    temperature_scale: float = 20.0
    budget_s: float = 300.0
    seed: int = 0
    threads: int = 1  # a small layer: a second thread only spins against the first on a busy machine


def build_pairs(events: pd.DataFrame, items: pd.DataFrame, timezone: str, before: pd.Timestamp) -> pd.DataFrame:
    """One row per check-in followed (same user) by a check-in at a new place, both before ``before``.

    Columns: ``anchor_time``, ``target_time``, ``hour`` (local hour of the week of the anchor), ``recent`` (catalogue
    rows of the last distinct places up to the anchor, latest first) and ``positive`` (the next place's row). Rows
    are positions in ``items``; check-ins at places missing from it are skipped.
    """
    rows_of = {item: row for row, item in enumerate(items["item_id"].astype(str))}
    visits = events
    if "action" in visits:
        visits = visits[visits["action"].fillna("visit").astype(str).str.lower() == "visit"]
    visits = visits[visits["item_id"].astype(str).isin(rows_of)]
    timestamps = pd.to_datetime(visits["timestamp"], utc=True)
    visits = visits.assign(timestamp=timestamps)[timestamps < before]
    visits = visits.sort_values(["user_id", "timestamp"], kind="stable").reset_index(drop=True)
    local, _ = local_times(visits["timestamp"], visits["latitude"], visits["longitude"], timezone)
    hours = hour_of_week(local).to_numpy()
    users = visits["user_id"].astype(str).to_numpy()
    places = visits["item_id"].astype(str).map(rows_of).to_numpy()
    times = visits["timestamp"].to_numpy()
    found: list[tuple[Any, ...]] = []
    start = 0
    for row in range(len(visits)):
        if row and users[row] != users[row - 1]:
            start = row
        following = row + 1
        if following == len(visits) or users[following] != users[row] or places[following] in places[start:following]:
            continue
        window = places[max(start, row + 1 - 4 * RECENT_PLACES) : row + 1][::-1]
        recent = tuple(int(place) for place in dict.fromkeys(window.tolist()))[:RECENT_PLACES]
        found.append((times[row], times[following], int(hours[row]), recent, int(places[following])))
    pairs = pd.DataFrame(found, columns=["anchor_time", "target_time", "hour", "recent", "positive"])
    for column in ("anchor_time", "target_time"):
        pairs[column] = pd.to_datetime(pairs[column], utc=True)
    return pairs.sort_values("anchor_time", kind="stable", ignore_index=True)


def pairs_digest(pairs: pd.DataFrame, items: pd.DataFrame, config: ContrastiveConfig) -> str:
    """A short digest of the pairs, the catalogue and the config: the checkpoint's name."""
    digest = hashlib.sha256(json.dumps(asdict(config), sort_keys=True).encode())
    digest.update(pd.util.hash_pandas_object(items["item_id"].astype(str), index=False).to_numpy().tobytes())
    frame = pairs[["hour", "positive"]].assign(recent=pairs["recent"].map(str))
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


class _Budget(TrainerCallback):
    """Stops training once ``seconds`` have passed since it began."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = 0.0

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.started = time.perf_counter()

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        if time.perf_counter() - self.started >= self.seconds:
            control.should_training_stop = True


class PairModel(nn.Module):
    """The learnt layer over frozen unit vectors, under ``MultipleNegativesRankingLoss``, as the Trainer trains it.

    ``vectors`` holds the frozen vectors of every place, then of every hour of the week's phrase. ``forward`` takes
    row indices (``hour``, ``recent`` with ``weights``, ``positive``, ``negative``) and returns ``{"loss"}``.
    """

    def __init__(self, vectors: npt.NDArray[np.float32], places: int, scale: float) -> None:
        super().__init__()
        dim = vectors.shape[1]
        self.register_buffer("vectors", torch.as_tensor(vectors))
        self.places = places
        self.dense = models.Dense(dim, dim, activation_function=nn.Identity(), init_weight=torch.eye(dim))
        nn.init.zeros_(self.dense.linear.bias)
        self.loss = MultipleNegativesRankingLoss(nn.Identity(), scale=scale)  # type: ignore[arg-type]

    def embed(self, rows: torch.Tensor) -> torch.Tensor:
        """The unit vectors the saved encoder gives those rows' texts."""
        adapted = self.dense({"sentence_embedding": self.vectors[rows]})["sentence_embedding"]
        return nn.functional.normalize(adapted, dim=-1)

    def forward(
        self,
        hour: torch.Tensor,
        recent: torch.Tensor,
        weights: torch.Tensor,
        positive: torch.Tensor,
        negative: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        # profiles.encoder.intent_vector, over the adapted vectors.
        total = HOUR_WEIGHT * self.embed(hour + self.places) + (weights.unsqueeze(-1) * self.embed(recent)).sum(1)
        query = nn.functional.normalize(total, dim=-1)
        embeddings = [query, self.embed(positive), self.embed(negative)]
        return {"loss": self.loss.compute_loss_from_embeddings(embeddings, None)}  # type: ignore[arg-type]


def _collate(rows: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
    """Index tensors for a batch; ``recent`` is padded with row 0 at weight 0."""
    recent = torch.zeros((len(rows), RECENT_PLACES), dtype=torch.long)
    weights = torch.zeros((len(rows), RECENT_PLACES), dtype=torch.float32)
    for index, row in enumerate(rows):
        places = row["recent"][:RECENT_PLACES]
        recent[index, : len(places)] = torch.as_tensor(places)
        weights[index, : len(places)] = torch.as_tensor(intent_weights(len(places)))
    batch = {name: torch.as_tensor([row[name] for row in rows]) for name in ("hour", "positive", "negative")}
    return {**batch, "recent": recent, "weights": weights}


def _hard_negatives(
    pairs: pd.DataFrame, items: pd.DataFrame, area_places: int, rng: np.random.Generator
) -> npt.NDArray[np.intp]:
    """For each pair, one of the positive's ``area_places`` nearest other places, at random."""
    coordinates = np.radians(items[["latitude", "longitude"]].to_numpy(dtype=np.float64))
    k = min(area_places + 1, len(items))
    _, nearest = BallTree(coordinates, metric="haversine").query(coordinates[pairs["positive"].to_numpy()], k=k)
    picks = rng.integers(1, max(k, 2), size=len(pairs)) if k > 1 else np.zeros(len(pairs), dtype=np.intp)
    return nearest[np.arange(len(pairs)), np.minimum(picks, k - 1)]


def train_contrastive(
    pairs: pd.DataFrame,
    items: pd.DataFrame,
    settings: Settings,
    out_dir: Path,
    config: ContrastiveConfig | None = None,
    progress: bool = True,
) -> Path:
    """Learn the layer on ``pairs`` (rows of ``items``) into ``out_dir/<prefix><digest>``, or reuse that folder."""
    config = config or ContrastiveConfig()
    if pairs.empty:
        raise ValueError("no training pairs")
    if len(pairs) > config.max_pairs:  # the latest pairs: the habits nearest the period to come
        pairs = pairs.iloc[-config.max_pairs :]
    out = out_dir / f"{CHECKPOINT_PREFIX}{pairs_digest(pairs, items, config)}"
    if (out / "config.json").is_file():
        return out
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    frozen = settings.models.model_copy(update={"encoder_checkpoint": None})
    with torch_threads(config.threads), tempfile.TemporaryDirectory(prefix="wherenow-contrastive-") as work:
        encoder = InterestEncoder(frozen)
        with EmbeddingCache.for_settings(frozen) as cache:
            place_vectors = encoder.encode_items(items, cache, progress=progress)
        vectors = np.vstack([place_vectors, encoder.encode(hour_phrases())])
        timings = {"encode_s": time.perf_counter() - started}
        negatives = _hard_negatives(pairs, items, config.area_places, np.random.default_rng(config.seed))
        rows = [
            {"hour": hour, "recent": list(recent), "positive": positive, "negative": int(negative)}
            for hour, recent, positive, negative in zip(
                pairs["hour"], pairs["recent"], pairs["positive"], negatives, strict=True
            )
        ]
        model = PairModel(vectors, len(items), config.temperature_scale)
        steps = math.ceil(len(rows) / config.batch_size) * config.epochs
        trainer = Trainer(
            model=model,
            args=TrainingArguments(
                output_dir=work,
                use_cpu=True,
                report_to=[],
                seed=config.seed,
                num_train_epochs=config.epochs,
                per_device_train_batch_size=config.batch_size,
                learning_rate=config.learning_rate,
                warmup_steps=round(steps * config.warmup_fraction),
                save_strategy="no",
                logging_steps=50,
                remove_unused_columns=False,
                dataloader_num_workers=0,
                dataloader_pin_memory=False,
                disable_tqdm=not progress,
            ),
            train_dataset=rows,  # type: ignore[arg-type]
            data_collator=_collate,
            callbacks=[_Budget(config.budget_s)],
        )
        trainer.remove_callback(ProgressCallback if progress else PrinterCallback)
        if progress:
            trainer.add_callback(LossOnBar())
        mark = time.perf_counter()
        result = trainer.train()
        timings["training_s"] = time.perf_counter() - mark
        body = encoder.model
        body.append(model.dense)
        body.append(models.Normalize())
        body.save(str(out))
    report = {
        "pairs": len(pairs),
        "steps": int(trainer.state.global_step),
        "max_steps": int(trainer.state.max_steps),
        "training_loss": float(result.training_loss),
        "timings_s": {name: round(value, 1) for name, value in timings.items()},
        "seconds": round(time.perf_counter() - started, 1),
        "periods": [str(pairs["anchor_time"].min()), str(pairs["target_time"].max())],
        "config": asdict(config),
    }
    (out / METRICS_FILE).write_text(json.dumps(report, indent=2))
    logger.info("contrastive encoder: %s", report)
    return out


def train_on_history(
    events: pd.DataFrame, items: pd.DataFrame, settings: Settings, config: ContrastiveConfig | None = None
) -> Path:
    """The contrastive encoder of a history (every pair ends within it), in the models cache folder."""
    end = pd.to_datetime(events["timestamp"], utc=True).max() + pd.Timedelta(seconds=1)
    pairs = build_pairs(events, items, settings.preprocessing.timezone, end)
    return train_contrastive(pairs, items, settings, settings.models.cache_dir, config)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m profiles.contrastive --history H.csv.gz --venues V.csv.gz [--budget-s S]``: prints the folder."""
    parser = argparse.ArgumentParser(prog="python -m profiles.contrastive", description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=Path, required=True, help="check-ins to learn from (NYC format)")
    parser.add_argument("--venues", type=Path, required=True, help="the venue catalogue (NYC format)")
    parser.add_argument("--budget-s", type=float, default=ContrastiveConfig.budget_s)
    args = parser.parse_args(argv)
    settings = load_settings()
    from profiles.loaders import load_nyc

    loaded = load_nyc(args.history, args.venues)
    if loaded.items is None:
        raise SystemExit(f"error: no catalogue loaded from {args.venues}")
    print(train_on_history(loaded.events, loaded.items, settings, ContrastiveConfig(budget_s=args.budget_s)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
