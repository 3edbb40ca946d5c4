"""Decayed counts in log space: equal to the plain float sum where that is representable, finite everywhere else."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.history import MAX_LOG2, DecayedCounts

SIZE = 4
# Sane: times of today's epoch, events and query within 200 half-lives of each other, so every term 2**±200 of the
# straightforward reference is an ordinary float.
half_lives = st.floats(1.0, 1e6)
offsets = st.floats(-200.0, 200.0)
additions = st.lists(st.tuples(st.integers(0, SIZE - 1), offsets), min_size=1, max_size=30)
# Extreme: any time a datetime can hold (±3e11 s) and well beyond, any half-life from a millisecond to 30,000 years.
extreme_times = st.floats(-1e15, 1e15)
extreme_half_lives = st.floats(1e-3, 1e12)


def reference(events: list[tuple[int, float]], query: float, half_life: float) -> list[float]:
    """What the counts mean: each event weighs 2 ** (-(query - time) / half_life)."""
    sums = [0.0] * SIZE
    for position, seconds in events:
        sums[position] += 2.0 ** (-(query - seconds) / half_life)
    return sums


@settings(max_examples=300, deadline=None)
@given(half_life=half_lives, base=st.floats(0.0, 2e9), steps=additions, query=offsets)
def test_decayed_counts_equal_the_plain_float_sum_on_sane_ranges(half_life, base, steps, query):
    events = [(position, base + offset * half_life) for position, offset in steps]
    counts = DecayedCounts(SIZE, half_life)
    for position, seconds in events:
        counts.add(position, seconds)
    at = base + query * half_life
    expected = reference(events, at, half_life)

    assert counts.at(at).tolist() == pytest.approx(expected, rel=1e-9)
    assert counts.log1p_at(at).tolist() == pytest.approx([math.log1p(value) for value in expected], rel=1e-9)
    assert counts.shares().tolist() == pytest.approx([value / sum(expected) for value in expected], rel=1e-9)
    positions = np.array([SIZE - 1, 0])
    assert counts.at(at, positions).tolist() == pytest.approx([expected[-1], expected[0]], rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    half_life=extreme_half_lives,
    events=st.lists(st.tuples(st.integers(0, SIZE - 1), extreme_times), min_size=0, max_size=20),
    query=extreme_times,
)
def test_decayed_counts_stay_finite_whatever_the_times(half_life, events, query):
    counts = DecayedCounts(SIZE, half_life)
    for position, seconds in events:
        counts.add(position, seconds)

    assert not np.isnan(counts.log2_at(query)).any()
    plain = counts.at(query)
    assert np.isfinite(plain).all() and (plain <= 2.0**MAX_LOG2).all()
    assert np.isfinite(plain.sum())
    assert np.isfinite(counts.log1p_at(query)).all()
    shares = counts.shares()
    assert np.isfinite(shares).all()
    assert shares.sum() == pytest.approx(1.0 if events else 0.0)


def test_an_event_a_century_ahead_leaves_queries_today_finite():
    """The old bug: one event dated 2100 made every later query at 2012 overflow (2 ** 4,600 half-lives)."""
    week = 7 * 86_400.0
    counts = DecayedCounts(2, week)
    counts.add(0, 1.33e9)  # 2012
    counts.add(1, 4.1e9)  # 2100
    now = 1.34e9
    assert np.isfinite(counts.at(now)).all()
    assert counts.at(now)[0] == pytest.approx(2.0 ** (-(now - 1.33e9) / week))
    assert counts.log1p_at(now)[1] == pytest.approx((4.1e9 - now) / week * math.log(2.0))
