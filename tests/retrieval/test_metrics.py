"""The one rank definition and the metrics derived from it, against hand-computed values."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from retrieval.metrics import (
    RankAccumulator,
    accuracy_at_k,
    expected_rank,
    mean_reciprocal_rank,
    metric_dict,
    ndcg_at_k,
)


def test_tie_at_the_top_gives_the_expected_rank():
    # Two items share the top score 5: nothing higher, 2 equal → r = 0 + (2 + 1) / 2.
    assert expected_rank(np.array([3.0, 5.0, 5.0, 1.0]), 1) == 1.5
    assert expected_rank(np.array([3.0, 5.0, 5.0, 1.0]), 2) == 1.5
    # Score 3: two higher, only itself equal → 2 + (1 + 1) / 2.
    assert expected_rank(np.array([3.0, 5.0, 5.0, 1.0]), 0) == 3.0
    assert expected_rank(np.array([3.0, 5.0, 5.0, 1.0]), 3) == 4.0


def test_metrics_of_a_tied_first_place():
    metrics = metric_dict([expected_rank([3, 5, 5, 1], 1)])
    assert metrics["acc@1"] == 0.0  # 1.5 > 1: a coin flip is not a hit
    assert metrics["acc@5"] == metrics["acc@10"] == metrics["acc@20"] == 1.0
    assert metrics["mrr"] == pytest.approx(1 / 1.5)
    assert metrics["ndcg@10"] == pytest.approx(1 / math.log2(2.5))
    assert metrics["n"] == 1


def test_all_equal_scores_rank_in_the_middle():
    assert expected_rank(np.zeros(4), 2) == 2.5
    assert expected_rank(np.ones(5), 0) == 3.0
    assert expected_rank(np.zeros(1), 0) == 1.0


def test_nan_counts_as_minus_infinity():
    assert expected_rank([np.nan, 1.0, 2.0], 1) == 2.0  # the NaN is below, not a tie and not above
    assert expected_rank([np.nan, np.nan, 1.0], 0) == 2.5  # a NaN true item ties with the other NaN at the bottom
    assert expected_rank([np.nan, -np.inf, 1.0], 1) == 2.5  # NaN and -inf are the same
    assert expected_rank([np.inf, 1.0], 1) == 2.0


def test_expected_rank_is_the_mean_position_over_all_tie_orders():
    rng = np.random.default_rng(7)
    for _ in range(20):
        scores = rng.integers(0, 3, size=5).astype(float)
        for true_index in range(scores.size):
            positions = []
            for order in itertools.permutations(range(scores.size)):
                # Sort by score, ties in this permutation's order; position of the true item, 1-based.
                ranking = sorted(range(scores.size), key=lambda i, order=order: (-scores[i], order.index(i)))
                positions.append(ranking.index(true_index) + 1)
            assert expected_rank(scores, true_index) == pytest.approx(np.mean(positions))


def test_bad_input_is_refused():
    with pytest.raises(IndexError):
        expected_rank([1.0, 2.0], 2)
    with pytest.raises(IndexError):
        expected_rank([1.0, 2.0], -1)
    with pytest.raises(ValueError):
        expected_rank(np.zeros((2, 2)), 0)
    with pytest.raises(ValueError):
        expected_rank([], 0)
    with pytest.raises(ValueError):
        mean_reciprocal_rank([0.5])


def test_hand_computed_metrics_over_several_ranks():
    ranks = [1.0, 3.0, 10.0, 11.0, 25.0]
    assert accuracy_at_k(ranks, 1) == pytest.approx(1 / 5)
    assert accuracy_at_k(ranks, 5) == pytest.approx(2 / 5)
    assert accuracy_at_k(ranks, 10) == pytest.approx(3 / 5)  # r == k is a hit
    assert accuracy_at_k(ranks, 20) == pytest.approx(4 / 5)
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 1 / 10 + 1 / 11 + 1 / 25) / 5)
    # 1/log2(2) = 1, 1/log2(4) = 0.5, 1/log2(11) for rank 10, and 0 beyond 10.
    assert ndcg_at_k(ranks, 10) == pytest.approx((1 + 0.5 + 1 / math.log2(11)) / 5)


def test_accumulator_splits_and_counts():
    accumulator = RankAccumulator()
    accumulator.add(1.0, "return")
    accumulator.add(2.0, "return")
    accumulator.add(12.0, "discovery")
    assert accumulator.add_scores([3.0, 5.0, 5.0, 1.0], 1, "discovery") == 1.5
    summary = accumulator.summary()

    assert list(summary) == ["all", "return", "discovery"]
    assert [summary[group]["n"] for group in summary] == [4, 2, 2]
    assert summary["all"]["acc@1"] == pytest.approx(1 / 4)
    assert summary["all"]["acc@5"] == pytest.approx(3 / 4)
    assert summary["all"]["acc@20"] == 1.0
    assert summary["all"]["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 12 + 1 / 1.5) / 4)
    assert summary["return"]["acc@1"] == pytest.approx(1 / 2)
    assert summary["return"]["mrr"] == pytest.approx(0.75)
    assert summary["return"]["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
    assert summary["discovery"]["acc@1"] == 0.0
    assert summary["discovery"]["acc@10"] == pytest.approx(1 / 2)
    assert summary["discovery"]["ndcg@10"] == pytest.approx((0 + 1 / math.log2(2.5)) / 2)
    assert summary["discovery"]["mrr"] == pytest.approx((1 / 12 + 1 / 1.5) / 2)


def test_an_empty_split_reports_zero_and_no_metrics():
    accumulator = RankAccumulator()
    accumulator.add(4.0, "return")
    summary = accumulator.summary()
    assert summary["discovery"] == {
        "acc@1": None,
        "acc@5": None,
        "acc@10": None,
        "acc@20": None,
        "mrr": None,
        "ndcg@10": None,
        "n": 0,
    }
    assert summary["all"] == summary["return"]


def test_accumulator_refuses_unknown_labels_and_impossible_ranks():
    accumulator = RankAccumulator()
    with pytest.raises(ValueError):
        accumulator.add(1.0, "elsewhere")
    with pytest.raises(ValueError):
        accumulator.add(0.0, "return")
    with pytest.raises(ValueError):
        accumulator.add(float("nan"), "return")
    with pytest.raises(ValueError):
        RankAccumulator(("all",))
