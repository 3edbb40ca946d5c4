"""Count-based baselines the product's recommender has to beat: popularity, a per-user counter, and a Markov chain.

All three learn incrementally through ``observe`` and score the catalogue with one vectorised pass per query.
Counts are float64. Popularity breaks every tie: a count plus ``popularity / (total + 1)``, a fraction below 1,
orders by the count first and popularity second, exactly, because counts are integers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np
import pandas as pd

from profiles.events import Event
from retrieval.protocol import Scores, item_positions


class _CountingRecommender:
    """Shared bookkeeping: the catalogue's positions and global check-in counts (popularity)."""

    def __init__(self) -> None:
        self._positions: dict[str, int] = {}
        self._popularity: Scores = np.zeros(0, dtype=np.float64)
        self._total = 0.0

    def fit(self, history: pd.DataFrame, items: pd.DataFrame) -> None:
        """Count the history; events whose item is not in the catalogue cannot be scored and are skipped."""
        self._positions = item_positions(items)
        ordered = history.sort_values("timestamp", kind="stable")
        users = ordered["user_id"].astype(str).to_numpy()
        codes = ordered["item_id"].astype(str).map(self._positions).to_numpy(dtype=np.float64, na_value=np.nan)
        known = ~np.isnan(codes)
        self._popularity = np.bincount(codes[known].astype(np.intp), minlength=len(self._positions)).astype(np.float64)
        self._total = float(self._popularity.sum())
        self._fit_sequences(users, codes)

    def _fit_sequences(self, users: np.ndarray, codes: np.ndarray) -> None:
        """Per-model counts from time-ordered users and item positions (NaN for items outside the catalogue)."""

    def observe(self, event: Event) -> None:
        """Count one more check-in."""
        position = self._positions.get(event.item_id)
        if position is not None:
            self._popularity[position] += 1.0
            self._total += 1.0
        self._observe_user(event.user_id, position)

    def _observe_user(self, user_id: str, position: int | None) -> None:
        """Per-model update for one check-in (position None: item outside the catalogue)."""

    def _popularity_fraction(self) -> Scores:
        # Strictly below 1 for every item, so adding it to an integer count never changes the count's order.
        return self._popularity / (self._total + 1.0)


def _add_counts(scores: Scores, counts: dict[int, float]) -> Scores:
    if counts:
        positions = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        scores[positions] += values
    return scores


class PopularityRecommender(_CountingRecommender):
    """Global check-in counts: everyone gets the same list."""

    def score_all(self, user_id: str, at: datetime, latitude: float, longitude: float) -> Scores:
        """Each item's number of check-ins so far."""
        return self._popularity.copy()


class CounterRecommender(_CountingRecommender):
    """The user's own visit counts, popularity breaking ties (a new user gets pure popularity)."""

    def __init__(self) -> None:
        super().__init__()
        self._visits: defaultdict[str, defaultdict[int, float]] = defaultdict(lambda: defaultdict(float))

    def _fit_sequences(self, users: np.ndarray, codes: np.ndarray) -> None:
        self._visits.clear()
        known = ~np.isnan(codes)
        pairs = pd.Series(1.0, index=pd.MultiIndex.from_arrays([users[known], codes[known].astype(np.intp)]))
        for (user, position), count in pairs.groupby(level=[0, 1]).sum().items():
            self._visits[user][int(position)] = float(count)

    def _observe_user(self, user_id: str, position: int | None) -> None:
        if position is not None:
            self._visits[user_id][position] += 1.0

    def score_all(self, user_id: str, at: datetime, latitude: float, longitude: float) -> Scores:
        """``visits(user, item) + popularity(item) / (total + 1)``."""
        visits = self._visits.get(user_id)
        return _add_counts(self._popularity_fraction(), visits or {})


class MarkovRecommender(_CountingRecommender):
    """First-order transitions, previous venue → next venue, counted over all users; popularity breaks ties."""

    def __init__(self) -> None:
        super().__init__()
        self._transitions: defaultdict[int, defaultdict[int, float]] = defaultdict(lambda: defaultdict(float))
        self._last: dict[str, int | None] = {}

    def _fit_sequences(self, users: np.ndarray, codes: np.ndarray) -> None:
        self._transitions.clear()
        self._last.clear()
        frame = pd.DataFrame({"user": users, "code": codes})
        # Grouping keeps each user's time order, so shift(1) is that user's previous check-in.
        frame["previous"] = frame.groupby("user", sort=False)["code"].shift(1)
        pairs = frame.dropna(subset=["code", "previous"]).astype({"code": np.intp, "previous": np.intp})
        for (previous, code), count in pairs.groupby(["previous", "code"]).size().items():
            self._transitions[int(previous)][int(code)] = float(count)
        # The very last row, even when its item is outside the catalogue (groupby().last() would skip NaN).
        last_rows = frame.drop_duplicates("user", keep="last")
        for user, code in zip(last_rows["user"], last_rows["code"], strict=True):
            self._last[str(user)] = None if np.isnan(code) else int(code)

    def _observe_user(self, user_id: str, position: int | None) -> None:
        previous = self._last.get(user_id)
        if previous is not None and position is not None:
            self._transitions[previous][position] += 1.0
        self._last[user_id] = position

    def score_all(self, user_id: str, at: datetime, latitude: float, longitude: float) -> Scores:
        """``transitions(last venue of user, item) + popularity(item) / (total + 1)``."""
        previous = self._last.get(user_id)
        following = self._transitions.get(previous) if previous is not None else None
        return _add_counts(self._popularity_fraction(), following or {})
