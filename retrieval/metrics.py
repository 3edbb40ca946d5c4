"""Ranking metrics, every one derived from the single rank definition :func:`expected_rank`.

The rank of the true item is its expected position when ties are ordered at random:
``r = #higher + (#equal + 1) / 2``, where ``#equal`` counts the true item too. A model that scores
everything alike therefore gets the middle rank, not the first. Then, for a list of ranks:
Acc@k is the share with ``r <= k``, MRR the mean of ``1 / r``, and NDCG@k (one relevant item, so the
ideal DCG is 1) the mean of ``1 / log2(r + 1)`` when ``r <= k``, else 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

ACC_KS: tuple[int, ...] = (1, 5, 10, 20)
NDCG_K = 10
ALL = "all"
RETURN = "return"
DISCOVERY = "discovery"
SPLITS: tuple[str, ...] = (RETURN, DISCOVERY)
METRIC_NAMES: tuple[str, ...] = (*(f"acc@{k}" for k in ACC_KS), "mrr", f"ndcg@{NDCG_K}", "n")

Ranks = npt.NDArray[np.float64]
MetricDict = dict[str, float | int | None]


def expected_rank(scores: npt.ArrayLike, true_index: int) -> float:
    """1-based rank of ``scores[true_index]``, ties at their expected position; NaN scores count as -inf."""
    values = np.asarray(scores, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"scores must be a non-empty 1-D array, got shape {values.shape}")
    if not 0 <= true_index < values.size:
        raise IndexError(f"true_index {true_index} outside 0..{values.size - 1}")
    # NaN would compare false both ways and make the true item look better than it is.
    values = np.where(np.isnan(values), -np.inf, values)
    target = values[true_index]
    higher = int(np.count_nonzero(values > target))
    equal = int(np.count_nonzero(values == target))
    return higher + (equal + 1) / 2


def _as_ranks(ranks: Iterable[float]) -> Ranks:
    array = np.asarray(ranks if isinstance(ranks, np.ndarray) else list(ranks), dtype=np.float64).reshape(-1)
    if np.any(~(array >= 1)):
        raise ValueError("ranks must be numbers >= 1")
    return array


def accuracy_at_k(ranks: Iterable[float], k: int) -> float:
    """Share of queries whose true item ranks within the first ``k``."""
    array = _as_ranks(ranks)
    return float(np.mean(array <= k)) if array.size else float("nan")


def mean_reciprocal_rank(ranks: Iterable[float]) -> float:
    """Mean of ``1 / r``."""
    array = _as_ranks(ranks)
    return float(np.mean(1.0 / array)) if array.size else float("nan")


def ndcg_at_k(ranks: Iterable[float], k: int) -> float:
    """Mean NDCG@k with one relevant item: ``1 / log2(r + 1)`` within the first ``k``, else 0."""
    array = _as_ranks(ranks)
    if not array.size:
        return float("nan")
    return float(np.mean(np.where(array <= k, 1.0 / np.log2(array + 1.0), 0.0)))


def metric_dict(ranks: Iterable[float]) -> MetricDict:
    """Every reported metric for one group of ranks; metrics are None (JSON null) for an empty group."""
    array = _as_ranks(ranks)
    if not array.size:
        return {**dict.fromkeys(METRIC_NAMES[:-1]), "n": 0}
    out: MetricDict = {f"acc@{k}": accuracy_at_k(array, k) for k in ACC_KS}
    out["mrr"] = mean_reciprocal_rank(array)
    out[f"ndcg@{NDCG_K}"] = ndcg_at_k(array, NDCG_K)
    out["n"] = int(array.size)
    return out


class RankAccumulator:
    """Collects one rank per query with its split label, and reports metrics overall and per split."""

    def __init__(self, splits: Sequence[str] = SPLITS) -> None:
        if ALL in splits:
            raise ValueError(f"{ALL!r} is the overall group and cannot be a split label")
        self.splits = tuple(splits)
        self._ranks: list[float] = []
        self._labels: list[str] = []

    def add(self, rank: float, split: str) -> None:
        """Record one query's rank under ``split``."""
        if split not in self.splits:
            raise ValueError(f"unknown split {split!r}; expected one of {self.splits}")
        if not rank >= 1:
            raise ValueError(f"rank must be >= 1, got {rank}")
        self._ranks.append(float(rank))
        self._labels.append(split)

    def add_scores(self, scores: npt.ArrayLike, true_index: int, split: str) -> float:
        """Rank the true item among ``scores``, record it, and return the rank."""
        rank = expected_rank(scores, true_index)
        self.add(rank, split)
        return rank

    def __len__(self) -> int:
        return len(self._ranks)

    def ranks(self, split: str = ALL) -> Ranks:
        """The recorded ranks, all of them or one split's, in the order they were added."""
        array = np.asarray(self._ranks, dtype=np.float64)
        if split == ALL:
            return array
        if split not in self.splits:
            raise ValueError(f"unknown split {split!r}")
        return array[np.asarray(self._labels, dtype=object) == split]

    def summary(self) -> dict[str, MetricDict]:
        """``{"all": metrics, <split>: metrics, ...}``."""
        return {group: metric_dict(self.ranks(group)) for group in (ALL, *self.splits)}
