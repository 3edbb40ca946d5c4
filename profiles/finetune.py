"""Fine-tune the interest encoder on behaviour: from a user's recent context, predict what they do next.

One example per visit (the *anchor*) of one user. Its text renders only what was known at the anchor: the local
time (weekday, day part, hour), where the user is (coordinates rounded to ~1 km) and the last visits up to and
including the anchor, most recent first. Its labels are the top-level categories (first element of the venue's
category path, else its category) of the user's next visits: at most ``horizon_visits`` of them, within
``horizon_hours`` of the anchor. Anchors without a next visit in the horizon give no example.

Examples are ordered by anchor time and split train → validation → test, never shuffled across time; examples whose
next visits reach into the following slice are dropped, so no label of an earlier slice is observed later than the
next slice begins. A logistic regression on frozen vectors comes first (a baseline, and the head's starting point);
then the encoder's top layers and the linear head learn with binary cross-entropy, through ``transformers.Trainer``
with early stopping on validation loss. The best model on validation loss is saved as a SentenceTransformer folder
where ``InterestEncoder`` loads it (``models.encoder_checkpoint``), beside the head, ``metrics.json`` and
``table.md``, with the frozen baseline and a majority baseline measured in the same run.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_score, recall_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from torch import nn
from transformers import (
    EarlyStoppingCallback,
    PreTrainedModel,
    PrinterCallback,
    ProgressCallback,
    Trainer,
    TrainerControl,
    TrainerState,
    TrainingArguments,
)

from profiles.calendar import describe_local
from profiles.config import Settings
from profiles.encoder import InterestEncoder, build_sentence_transformer, usable_cores
from profiles.events import Action
from profiles.loaders import load_any
from profiles.models import encoder_path
from profiles.places import top_category_column
from profiles.preprocessing import preprocess

logger = logging.getLogger(__name__)

OTHER_LABEL = "(other)"
CHECKPOINT_NAME = "encoder-finetuned"
HEAD_FILE = "head.safetensors"
METRICS_FILE = "metrics.json"
TABLE_FILE = "table.md"
# One threshold per model, tuned on validation micro-F1 over this grid.
THRESHOLDS: npt.NDArray[np.float64] = np.round(np.arange(0.05, 0.96, 0.05), 2)
# Regularisation strengths tried for the logistic-regression head on frozen embeddings.
FROZEN_C_GRID: tuple[float, ...] = (0.1, 1.0, 10.0)
MODEL_NAMES: dict[str, str] = {
    "finetuned": "fine-tuned encoder + linear head",
    "frozen": "frozen encoder + logistic regression",
    "contrastive": "contrastive encoder + logistic regression",
    "majority": "majority (most frequent training label set)",
}
METRIC_COLUMNS: dict[str, str] = {
    "subset_accuracy": "subset acc",
    "hamming_accuracy": "hamming acc",
    "precision_micro": "P micro",
    "recall_micro": "R micro",
    "precision_macro": "P macro",
    "recall_macro": "R macro",
    "f1_micro": "F1 micro",
}

Labels = npt.NDArray[np.int64]


@dataclass(frozen=True)
class FinetuneConfig:
    """What the examples look like and how long the encoder trains; the defaults fit ~15 min on 2 cores."""

    context_visits: int = 4
    horizon_visits: int = 3
    horizon_hours: float = 24.0
    min_label_fraction: float = 0.01
    max_examples: int | None = 4000
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    epochs: int = 1
    batch_size: int = 32
    max_length: int = 64
    unfreeze_layers: int = 2
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    warmup_fraction: float = 0.1
    evals_per_epoch: int = 4
    patience: int = 3
    seed: int = 0
    # On cores shared with other busy processes, 1 thread can be twice as fast as 2 (OpenMP threads spin-wait).
    threads: int = 2
    # Also probe the recommender's contrastive encoder (profiles.contrastive) the way the frozen one is probed, so
    # both uses of the encoder are measured on the same examples; it learns only from visits before validation.
    contrastive: bool = True


# Examples ---------------------------------------------------------------------------------------------------------


def top_categories(events: pd.DataFrame, items: pd.DataFrame | None) -> pd.Series:
    """The top-level category of each event's venue (``profiles.places.top_category``); its own category otherwise."""
    own = events["category"].fillna("").astype(str)
    if items is None:
        path = pd.Series("", index=events.index, dtype=object)
    else:
        catalogue = items.set_index("item_id")
        mapped = events["item_id"].map(catalogue["category_path"]).fillna("").astype(str)
        short = events["item_id"].map(catalogue["category"]).fillna("").astype(str)
        path = mapped.where(mapped != "", short)
    return top_category_column(path.where(path != "", own)).where(lambda top: top != "", OTHER_LABEL)


def _visit_names(events: pd.DataFrame, items: pd.DataFrame | None) -> pd.Series:
    """'Name (category)' for each visit, or the category alone for unnamed places (private homes)."""
    category = events["category"].fillna("").astype(str)
    name = pd.Series("", index=events.index, dtype=object)
    if items is not None:
        catalogue = items.set_index("item_id")
        name = events["item_id"].map(catalogue["name"]).fillna("").astype(str)
        short = events["item_id"].map(catalogue["category"]).fillna("").astype(str)
        category = category.where(category != "", short)
    return (name + " (" + category + ")").where(name != "", category).where(lambda text: text != "", "a place")


def context_text(local_time: pd.Timestamp, latitude: float, longitude: float, recent: Sequence[str]) -> str:
    """What the encoder reads for one moment: local time, place, and recent visits (most recent first)."""
    when = f"{describe_local(local_time)}, {local_time:%H}:00"
    return f"{when}, near {latitude:.2f}, {longitude:.2f}. Last visits: {'; '.join(recent)}"


def build_examples(events: pd.DataFrame, items: pd.DataFrame | None, config: FinetuneConfig) -> pd.DataFrame:
    """One row per anchor visit: ``user_id``, ``anchor_time``, ``target_time`` (last next visit), ``text``, ``labels``.

    ``events`` is a preprocessed frame (``local_time`` present). Rows are ordered by anchor time. The text uses the
    anchor and earlier visits only; the labels (a sorted tuple of top-level categories) use later visits only.
    """
    visits = events[events["action"] == Action.VISIT].sort_values(["user_id", "timestamp"], kind="stable")
    tops = top_categories(visits, items).to_numpy()
    names = _visit_names(visits, items).to_numpy()
    # Naive UTC datetime64 compares fast; the frame gets aware times back at the end.
    times = visits["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    local = visits["local_time"].tolist()
    latitudes, longitudes = visits["latitude"].to_numpy(), visits["longitude"].to_numpy()
    users = visits["user_id"].to_numpy()
    horizon = np.timedelta64(int(config.horizon_hours * 3600), "s")
    # Start of each user's run of rows; the stream is sorted by user, then time.
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    ends = np.r_[starts[1:], len(users)]

    rows: list[tuple[Any, ...]] = []
    for start, end in zip(starts, ends, strict=True):
        for anchor in range(start, end):
            after = range(anchor + 1, min(end, anchor + 1 + config.horizon_visits))
            nexts = [row for row in after if times[row] - times[anchor] <= horizon]
            if not nexts:
                continue
            recent = names[max(start, anchor + 1 - config.context_visits) : anchor + 1][::-1]
            text = context_text(local[anchor], latitudes[anchor], longitudes[anchor], recent)
            labels = tuple(sorted({tops[row] for row in nexts}))
            rows.append((users[anchor], times[anchor], times[nexts[-1]], text, labels))
    frame = pd.DataFrame(rows, columns=["user_id", "anchor_time", "target_time", "text", "labels"])
    for column in ("anchor_time", "target_time"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.sort_values("anchor_time", kind="stable", ignore_index=True)


@dataclass
class Split:
    """Examples in time order: train before validation before test."""

    train: pd.DataFrame
    val: pd.DataFrame
    test: pd.DataFrame

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


def time_split(examples: pd.DataFrame, val_fraction: float, test_fraction: float) -> Split:
    """Earliest examples train, the next validate, the last test (fractions of examples, by anchor time).

    A train (validation) example whose next visits end after the validation (test) slice begins is dropped, so every
    train label is known before any validation context, and every validation label before any test context.
    """
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(f"fractions must be in (0, 1) and sum below 1, got {val_fraction} and {test_fraction}")
    ordered = examples.sort_values("anchor_time", kind="stable", ignore_index=True)
    n = len(ordered)
    n_test = max(1, round(n * test_fraction))
    n_val = max(1, round(n * val_fraction))
    if n - n_val - n_test < 1:
        raise ValueError(f"too few examples ({n}) to split into train, validation and test")
    cut_val, cut_test = n - n_val - n_test, n - n_test
    train, val, test = ordered.iloc[:cut_val], ordered.iloc[cut_val:cut_test], ordered.iloc[cut_test:]
    train = train[train["target_time"] <= val["anchor_time"].min()]
    val = val[val["target_time"] <= test["anchor_time"].min()]
    return Split(train.reset_index(drop=True), val.reset_index(drop=True), test.reset_index(drop=True))


def subsample(examples: pd.DataFrame, max_examples: int | None, seed: int) -> pd.DataFrame:
    """At most ``max_examples`` examples drawn uniformly over the whole period, still in time order."""
    if max_examples is None or len(examples) <= max_examples:
        return examples
    rows = np.sort(np.random.default_rng(seed).choice(len(examples), size=max_examples, replace=False))
    return examples.iloc[rows].reset_index(drop=True)


def label_vocabulary(label_sets: Sequence[Sequence[str]], min_count: int) -> list[str]:
    """Labels positive in at least ``min_count`` examples, sorted; rarer ones become one OTHER_LABEL when any exist."""
    counts = Counter(label for labels in label_sets for label in labels)
    kept = sorted(label for label, count in counts.items() if count >= min_count and label != OTHER_LABEL)
    if len(kept) < len(counts):
        kept.append(OTHER_LABEL)
    return kept


def binarize(label_sets: Sequence[Sequence[str]], vocabulary: Sequence[str]) -> Labels:
    """A 0/1 matrix over ``vocabulary``; labels outside it count as OTHER_LABEL (dropped when that is not a label)."""
    other = OTHER_LABEL if OTHER_LABEL in vocabulary else None
    known = set(vocabulary)
    mapped = [{label if label in known else other for label in labels} - {None} for labels in label_sets]
    return MultiLabelBinarizer(classes=list(vocabulary)).fit_transform(mapped).astype(np.int64)


# Metrics ----------------------------------------------------------------------------------------------------------


def multilabel_metrics(y_true: Labels, y_pred: Labels) -> dict[str, float]:
    """Subset accuracy (exact label set), hamming accuracy (per label), micro/macro precision and recall, micro F1."""
    return {
        "subset_accuracy": float(accuracy_score(y_true, y_pred)),
        "hamming_accuracy": float(1.0 - hamming_loss(y_true, y_pred)),
        "precision_micro": float(precision_score(y_true, y_pred, average="micro", zero_division=0)),
        "recall_micro": float(recall_score(y_true, y_pred, average="micro", zero_division=0)),
        "precision_macro": float(precision_score(y_true, y_pred, average="macro", zero_division=0)),
        "recall_macro": float(recall_score(y_true, y_pred, average="macro", zero_division=0)),
        "f1_micro": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
    }


def majority_prediction(y_train: Labels) -> Labels:
    """The most frequent exact label set of the training examples (ties: the first seen), as one 0/1 row."""
    rows, counts = np.unique(y_train, axis=0, return_counts=True)
    return rows[int(np.argmax(counts))]


def tune_threshold(y_val: Labels, probabilities: npt.NDArray[np.floating]) -> float:
    """The probability threshold in THRESHOLDS with the best validation micro-F1 (ties: the lowest)."""
    scores = [f1_score(y_val, probabilities >= cut, average="micro", zero_division=0) for cut in THRESHOLDS]
    return float(THRESHOLDS[int(np.argmax(scores))])


def markdown_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """Rows of (model, split) with the METRIC_COLUMNS, as a Markdown table."""
    header = ["model", "split", *METRIC_COLUMNS.values()]
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(["---", "---"] + ["---:"] * len(METRIC_COLUMNS)) + " |",
    ]
    for model, splits in results.items():
        for split, metrics in splits.items():
            cells = [MODEL_NAMES.get(model, model), split, *(f"{metrics[key]:.3f}" for key in METRIC_COLUMNS)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# Model ------------------------------------------------------------------------------------------------------------


class InterestClassifier(nn.Module):
    """A SentenceTransformer body (the ``InterestEncoder`` vector) under a linear head, trained with BCE.

    ``forward`` takes the tokenizer's tensors and, when training, ``labels``, and returns ``{"loss", "logits"}`` as
    ``transformers.Trainer`` expects; the signature is explicit so that the Trainer passes no extra loss arguments.
    """

    def __init__(self, body: SentenceTransformer, labels: int) -> None:
        super().__init__()
        self.body = body
        self.head = nn.Linear(int(body.get_embedding_dimension()), labels)
        self.loss = nn.BCEWithLogitsLoss()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        features = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            features["token_type_ids"] = token_type_ids
        logits = self.head(self.body(features)["sentence_embedding"])
        if labels is None:
            return {"logits": logits}
        return {"loss": self.loss(logits, labels), "logits": logits}


def unfreeze_top(encoder: PreTrainedModel, layers: int) -> list[nn.Parameter]:
    """Freeze the encoder but its top ``layers`` transformer layers (all of it, embeddings included, when that many)."""
    blocks = encoder.encoder.layer
    for parameter in encoder.parameters():
        parameter.requires_grad = layers >= len(blocks)
    for block in blocks[len(blocks) - layers :] if layers > 0 else []:
        for parameter in block.parameters():
            parameter.requires_grad = True
    return [parameter for parameter in encoder.parameters() if parameter.requires_grad]


@dataclass
class _Collator:
    """Tokenises a batch of ``{"text", "labels"}`` rows with the body's own preprocessing."""

    body: SentenceTransformer

    def __call__(self, rows: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
        features = self.body.preprocess([row["text"] for row in rows])
        batch = {name: value for name, value in features.items() if isinstance(value, torch.Tensor)}
        batch["labels"] = torch.as_tensor(np.stack([row["labels"] for row in rows]), dtype=torch.float32)
        return batch


def _rows(texts: Sequence[str], y: Labels) -> list[dict[str, Any]]:
    """A map-style dataset for the Trainer: one ``{"text", "labels"}`` dict per example."""
    return [{"text": text, "labels": labels} for text, labels in zip(texts, y, strict=True)]


def embed_texts(
    body: SentenceTransformer, texts: Sequence[str], batch_size: int, progress: bool = False
) -> torch.Tensor:
    """Sentence vectors for ``texts`` in input order (SentenceTransformer batches by length, in eval mode)."""
    vectors = body.encode(list(texts), batch_size=batch_size, show_progress_bar=progress, convert_to_tensor=True)
    return vectors.reshape(len(texts), int(body.get_embedding_dimension())).cpu()


def _embed_splits(
    body: SentenceTransformer, texts: dict[str, list[str]], batch_size: int, progress: bool
) -> dict[str, torch.Tensor]:
    """``embed_texts`` over all splits in one pass (one progress bar, batches of similar length across splits)."""
    vectors = embed_texts(body, [text for part in texts.values() for text in part], batch_size, progress)
    bounds = np.cumsum([0, *(len(part) for part in texts.values())])
    return {name: vectors[bounds[i] : bounds[i + 1]] for i, name in enumerate(texts)}


def _head_probabilities(model: InterestClassifier, vectors: torch.Tensor) -> npt.NDArray[np.float32]:
    with torch.inference_mode():
        return torch.sigmoid(model.head(vectors)).numpy()


def _bce(probabilities: npt.NDArray[np.floating], y: Labels) -> float:
    return float(nn.functional.binary_cross_entropy(torch.as_tensor(probabilities).float(), torch.as_tensor(y).float()))


# Training ---------------------------------------------------------------------------------------------------------


@dataclass
class FinetuneReport:
    """Where the checkpoint went, the Markdown table, and everything in ``metrics.json``."""

    out: Path
    table: str
    metrics: dict[str, Any] = field(default_factory=dict)


def training_arguments(config: FinetuneConfig, work: Path, train_examples: int, progress: bool) -> TrainingArguments:
    """CPU training, evaluated and saved ``evals_per_epoch`` times an epoch; the best model is the lowest val loss."""
    steps_per_epoch = math.ceil(train_examples / config.batch_size)
    every = max(1, steps_per_epoch // max(1, config.evals_per_epoch))
    return TrainingArguments(
        output_dir=str(work),
        use_cpu=True,
        report_to=[],
        seed=config.seed,
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        # Rounded, not the Trainer's ceiling of a fraction: one step of one warmup step would train at rate 0.
        # Linear decay after it and gradients clipped at norm 1 are the Trainer's defaults.
        warmup_steps=round(steps_per_epoch * config.epochs * config.warmup_fraction),
        eval_strategy="steps",
        eval_steps=every,
        save_strategy="steps",
        save_steps=every,
        # The best and the latest checkpoint; optimizer state is not needed, training never resumes.
        save_total_limit=1,
        save_only_model=True,
        logging_steps=every,
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        prediction_loss_only=True,
        label_names=["labels"],
        remove_unused_columns=False,
        dataloader_num_workers=0,
        dataloader_pin_memory=False,
        disable_tqdm=not progress,
    )


class LossOnBar(ProgressCallback):
    """The Trainer's progress bars, with the latest training and validation loss on the bar instead of printed."""

    def __init__(self) -> None:
        super().__init__()
        self.latest: dict[str, str] = {}

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, float] | None = None,
        **kwargs: Any,
    ) -> None:
        if self.training_bar is not None and logs:
            self.latest.update({key: f"{logs[key]:.3f}" for key in ("loss", "eval_loss") if key in logs})
            self.training_bar.set_postfix(self.latest)


def _optimizer(model: InterestClassifier, config: FinetuneConfig) -> torch.optim.Optimizer:
    """AdamW with the unfrozen encoder layers at ``learning_rate`` and the head, already near its optimum, faster."""
    encoder = unfreeze_top(model.body[0].auto_model, config.unfreeze_layers)
    return torch.optim.AdamW(
        [
            {"params": encoder, "lr": config.learning_rate},
            {"params": list(model.head.parameters()), "lr": config.head_learning_rate},
        ],
        weight_decay=0.01,
    )


def _fit(
    model: InterestClassifier,
    split: Split,
    y: dict[str, Labels],
    config: FinetuneConfig,
    progress: bool,
    start_val_loss: float,
) -> dict[str, Any]:
    """Train the unfrozen layers and the head with ``transformers.Trainer``; end with the lowest-val-loss weights.

    Only trained weights are candidates, so the checkpoint is always a fine-tuned encoder; ``start_val_loss`` (the
    probe's) is recorded as step 0 for comparison. The Trainer's checkpoints live in a temporary folder.
    """
    optimizer = _optimizer(model, config)
    with tempfile.TemporaryDirectory(prefix="wherenow-finetune-") as work:
        trainer = Trainer(
            model=model,
            args=training_arguments(config, Path(work), len(split.train), progress),
            train_dataset=_rows(split.train["text"].tolist(), y["train"]),
            eval_dataset=_rows(split.val["text"].tolist(), y["val"]),
            data_collator=_Collator(model.body),
            optimizers=(optimizer, None),
            callbacks=[EarlyStoppingCallback(early_stopping_patience=config.patience)],
        )
        # The Trainer prints each log dict on stdout (beside its bar, or instead of it): stdout is for the table.
        trainer.remove_callback(ProgressCallback if progress else PrinterCallback)
        if progress:
            trainer.add_callback(LossOnBar())
        trainer.train()
    model.eval()
    state = trainer.state
    stopped_early = state.global_step < state.max_steps
    if stopped_early:
        logger.info(
            "early stop at step %d: validation loss not better for %d evaluations", state.global_step, config.patience
        )
    return {
        "steps": state.global_step,
        "max_steps": state.max_steps,
        "stopped_early": stopped_early,
        "best_step": state.best_global_step,
        "best_val_loss": state.best_metric,
        "history": _history(state.log_history, start_val_loss),
    }


def _history(log_history: Sequence[dict[str, float]], start_val_loss: float) -> list[dict[str, float | None]]:
    """Validation loss at each evaluation, beside the training loss logged at the same step (None when none was)."""
    train_loss = {entry["step"]: entry["loss"] for entry in log_history if "loss" in entry}
    evaluations = [
        {"step": entry["step"], "train_loss": train_loss.get(entry["step"]), "val_loss": entry["eval_loss"]}
        for entry in log_history
        if "eval_loss" in entry
    ]
    return [{"step": 0, "val_loss": start_val_loss}, *evaluations]


def _frozen_baseline(
    vectors: dict[str, torch.Tensor], y: dict[str, Labels], seed: int
) -> tuple[dict[str, npt.NDArray[np.float64]], float, OneVsRestClassifier]:
    """One-vs-rest logistic regression on frozen vectors, C chosen by validation loss; probabilities per split."""
    best: tuple[float, float, OneVsRestClassifier] | None = None
    for c in FROZEN_C_GRID:
        classifier = OneVsRestClassifier(LogisticRegression(C=c, max_iter=2000, random_state=seed))
        classifier.fit(vectors["train"].numpy(), y["train"])
        loss = _bce(classifier.predict_proba(vectors["val"].numpy()), y["val"])
        if best is None or loss < best[0]:
            best = (loss, c, classifier)
    assert best is not None
    probabilities = {split: best[2].predict_proba(matrix.numpy()) for split, matrix in vectors.items()}
    return probabilities, best[1], best[2]


def _warm_start(head: nn.Linear, classifier: OneVsRestClassifier, y_train: Labels) -> None:
    """Copy the frozen-vector logistic regression into the head (linear probe, then fine-tune).

    A head trained from scratch for a few hundred steps stays far from its optimum on unit-length vectors, and its
    gradients would first disturb the encoder; starting at the probe, fine-tuning can only add to the frozen baseline.
    A label constant in training (no coefficients) gets a zero weight and its training log-odds.
    """
    prior = torch.as_tensor(y_train.mean(axis=0), dtype=torch.float32).clamp(1e-4, 1 - 1e-4)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.copy_(torch.logit(prior))
        for row, estimator in enumerate(classifier.estimators_):
            if hasattr(estimator, "coef_"):
                head.weight[row] = torch.as_tensor(estimator.coef_[0], dtype=torch.float32)
                head.bias[row] = float(estimator.intercept_[0])


def _save(model: InterestClassifier, labels: list[str], out: Path) -> None:
    """The body as a SentenceTransformer folder (loadable by ``InterestEncoder``) with the head beside it."""
    out.mkdir(parents=True, exist_ok=True)
    model.body.save(str(out), create_model_card=False)
    head = {name: tensor.detach().contiguous() for name, tensor in model.head.state_dict().items()}
    save_file(head, out / HEAD_FILE, metadata={"labels": json.dumps(labels)})


def load_head(folder: Path) -> tuple[list[str], nn.Linear]:
    """The labels and the linear head saved beside a fine-tuned encoder; it reads ``InterestEncoder`` vectors."""
    with safe_open(folder / HEAD_FILE, framework="pt") as stored:
        labels: list[str] = json.loads(stored.metadata()["labels"])
        weight, bias = stored.get_tensor("weight"), stored.get_tensor("bias")
    head = nn.Linear(weight.shape[1], len(labels))
    head.load_state_dict({"weight": weight, "bias": bias})
    return labels, head.eval()


def finetune(
    events: pd.DataFrame,
    items: pd.DataFrame | None,
    settings: Settings,
    out: Path | None = None,
    config: FinetuneConfig | None = None,
    progress: bool = True,
) -> FinetuneReport:
    """Build examples from preprocessed ``events``, fine-tune, compare with the baselines, and save everything."""
    config = config or FinetuneConfig()
    out = out or settings.models.cache_dir / CHECKPOINT_NAME
    started = time.perf_counter()
    with torch_threads(config.threads):
        return _finetune(events, items, settings, out, config, progress, started)


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run with ``count`` torch threads (at most the usable cores), then give the caller's setting back."""
    previous = torch.get_num_threads()
    # More threads than free cores makes OpenMP threads spin against each other.
    torch.set_num_threads(max(1, min(count, usable_cores())))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _examples(
    events: pd.DataFrame, items: pd.DataFrame | None, config: FinetuneConfig
) -> tuple[pd.DataFrame, Split, list[str], dict[str, Labels]]:
    """All examples, their time split, the label vocabulary (from training only) and the 0/1 labels per split."""
    every = build_examples(events, items, config)
    split = time_split(subsample(every, config.max_examples, config.seed), config.val_fraction, config.test_fraction)
    if split.train.empty or split.val.empty:
        raise ValueError(f"too few examples after the time split: {split.sizes()}")
    min_count = max(1, math.ceil(config.min_label_fraction * len(split.train)))
    labels = label_vocabulary(split.train["labels"].tolist(), min_count)
    y = {name: binarize(frame["labels"].tolist(), labels) for name, frame in vars(split).items()}
    return every, split, labels, y


def _results(
    y: dict[str, Labels], probabilities: dict[str, dict[str, npt.NDArray[np.floating]]]
) -> tuple[dict[str, dict[str, dict[str, float]]], dict[str, float], Labels]:
    """Metrics on train and test for each model (threshold tuned on validation) and the majority baseline."""
    thresholds = {name: tune_threshold(y["val"], by_split["val"]) for name, by_split in probabilities.items()}
    majority = majority_prediction(y["train"])
    results = {
        name: {
            part: multilabel_metrics(y[part], (by_split[part] >= thresholds[name]).astype(int))
            for part in ("train", "test")
        }
        for name, by_split in probabilities.items()
    }
    results["majority"] = {
        part: multilabel_metrics(y[part], np.tile(majority, (len(y[part]), 1))) for part in ("train", "test")
    }
    return results, thresholds, majority


def _finetune(
    events: pd.DataFrame,
    items: pd.DataFrame | None,
    settings: Settings,
    out: Path,
    config: FinetuneConfig,
    progress: bool,
    started: float,
) -> FinetuneReport:
    timings: dict[str, float] = {}
    torch.manual_seed(config.seed)
    every, split, labels, y = _examples(events, items, config)
    timings["examples_s"] = time.perf_counter() - started

    base = encoder_path(settings.models)
    model = InterestClassifier(build_sentence_transformer(base, config.max_length), len(labels))
    texts = {name: frame["text"].tolist() for name, frame in vars(split).items()}
    mark = time.perf_counter()
    frozen_vectors = _embed_splits(model.body, texts, config.batch_size, progress)
    frozen_probabilities, frozen_c, probe = _frozen_baseline(frozen_vectors, y, config.seed)
    _warm_start(model.head, probe, y["train"])
    timings["frozen_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    start_val_loss = _bce(_head_probabilities(model, frozen_vectors["val"]), y["val"])
    training = _fit(model, split, y, config, progress, start_val_loss)
    timings["training_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    tuned_vectors = _embed_splits(model.body, texts, config.batch_size, progress)
    tuned_probabilities = {name: _head_probabilities(model, vectors) for name, vectors in tuned_vectors.items()}
    timings["evaluation_s"] = time.perf_counter() - mark

    probabilities = {"finetuned": tuned_probabilities, "frozen": frozen_probabilities}
    contrastive: Path | None = None
    if config.contrastive and items is not None:
        mark = time.perf_counter()
        probed = _contrastive_probe(events, items, settings, split, frozen_vectors, y, config, out, progress)
        if probed is not None:
            probabilities["contrastive"], contrastive = probed
        timings["contrastive_s"] = time.perf_counter() - mark

    results, thresholds, majority = _results(y, probabilities)
    table = markdown_table(results)
    _save(model, labels, out)
    timings["total_s"] = time.perf_counter() - started
    metrics: dict[str, Any] = {
        "task": "multi-label top-level categories of the next visits from context text",
        "labels": labels,
        "label_rates": {name: dict(zip(labels, y[name].mean(axis=0).round(4).tolist(), strict=True)) for name in y},
        "examples": {"built": len(every), **split.sizes()},
        "periods": {
            name: [str(frame["anchor_time"].min()), str(frame["target_time"].max())]
            for name, frame in vars(split).items()
        },
        "thresholds": thresholds,
        "frozen_logistic_regression_C": frozen_c,
        "majority_label_set": [label for label, on in zip(labels, majority, strict=True) if on],
        "results": results,
        "training": training,
        "config": asdict(config),
        "base_encoder": str(base),
        "contrastive_encoder": None if contrastive is None else str(contrastive),
        "timings_s": {name: round(seconds, 1) for name, seconds in timings.items()},
        "example_text": split.test["text"].iloc[0],
    }
    (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2, default=str))
    (out / TABLE_FILE).write_text(_table_document(table, metrics))
    return FinetuneReport(out=out, table=table, metrics=metrics)


def _contrastive_probe(
    events: pd.DataFrame,
    items: pd.DataFrame,
    settings: Settings,
    split: Split,
    frozen_vectors: dict[str, torch.Tensor],
    y: dict[str, Labels],
    config: FinetuneConfig,
    out: Path,
    progress: bool,
) -> tuple[dict[str, npt.NDArray[np.float64]], Path] | None:
    """The frozen baseline's probe on the contrastive encoder's vectors, and that encoder's folder; None when the
    visits before validation give it no pair to learn from.

    Its pairs end before the first validation example's context, so neither the probe's threshold nor its test
    score reads anything the encoder learnt from; the folder goes inside ``out``, beside the checkpoint it is
    compared with.
    """
    # Imported here: profiles.contrastive builds on this module.
    from profiles.contrastive import ContrastiveConfig, build_pairs, train_contrastive

    before = pd.Timestamp(split.val["anchor_time"].min())
    pairs = build_pairs(events, items, settings.preprocessing.timezone, before)
    if pairs.empty:
        return None
    trained = ContrastiveConfig(seed=config.seed, threads=config.threads)
    folder = train_contrastive(pairs, items, settings, out, trained, progress=progress)
    encoder = InterestEncoder(settings.models.model_copy(update={"encoder_checkpoint": folder}))
    # Its vectors are the frozen ones through its learnt layer: the texts need no second encoding.
    vectors = {name: torch.as_tensor(encoder.adapt(part.numpy())) for name, part in frozen_vectors.items()}
    probabilities, _, _ = _frozen_baseline(vectors, y, config.seed)
    return probabilities, folder


def _table_document(table: str, metrics: dict[str, Any]) -> str:
    sizes = metrics["examples"]
    return (
        f"# Interest encoder fine-tuning\n\n{table}\n\n"
        f"Examples: {sizes['train']:,} train, {sizes['val']:,} validation, {sizes['test']:,} test, in time order. "
        f"Labels: {len(metrics['labels'])} top-level categories of the next visits. Subset accuracy counts exact label "
        "sets; hamming accuracy counts single labels. Macro averages give 0 to a label without support "
        "(zero_division=0). Thresholds tuned on validation micro-F1: "
        + ", ".join(f"{name} {cut:.2f}" for name, cut in metrics["thresholds"].items())
        + f". Majority predicts {metrics['majority_label_set']} for every example.\n"
    )


def finetune_from_data(
    data: Path,
    settings: Settings,
    out: Path | None = None,
    config: FinetuneConfig | None = None,
    progress: bool = True,
) -> FinetuneReport:
    """Load and preprocess a data folder or file (as ``wherenow ingest`` reads it), then ``finetune``."""
    loaded = load_any([data])
    events = preprocess(loaded.events, settings.preprocessing).events
    return finetune(events, loaded.items, settings, out=out, config=config, progress=progress)
