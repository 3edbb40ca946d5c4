"""The seam between recommenders and the evaluation: what every recommender offers, and how one is built by name.

A recommender is fitted once on past check-ins and the catalogue, then answers queries one at a time and is
told what really happened after each query (``observe``), so it can learn incrementally in time order.

``score_all`` and ``recommend``: ``score_all(user, at, lat, lon)`` scores the WHOLE catalogue (higher is
better) and is what evaluation needs, since a metric wants the true venue's rank among every venue. The
product's ``recommend(user, at, lat, lon, k)`` (built later, with reasons) must be the top ``k`` of those
same scores, ordered by :func:`top_k`; reasons are explanations attached afterwards and never reorder the
list. So what the evaluation measures is what users are shown. Ties: ``top_k`` breaks them by catalogue
order (a display needs some order), whereas the metrics use the expected rank over all tie orders
(``retrieval.metrics.expected_rank``), so an arbitrary tie order never earns or loses credit.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from profiles.config import Settings
from profiles.events import Event

Scores = npt.NDArray[np.float64]

# Where the product's recommender will live; a module attribute so a test can point it elsewhere.
RECOMMENDER_MODULE = "retrieval.recommender"
RECOMMENDER_BUILDER = "build_recommender"
MODEL = "model"


@runtime_checkable
class Recommender(Protocol):
    """Anything the evaluation (and the product) can fit, query over the whole catalogue, and teach online."""

    def fit(self, history: pd.DataFrame, items: pd.DataFrame) -> None:
        """Learn from past events (``EVENT_COLUMNS``, time order); ``items`` fixes the order of every score array."""
        ...

    def score_all(self, user_id: str, at: datetime, latitude: float, longitude: float) -> Scores:
        """Float64 scores for every catalogue item, in the order of ``items`` at fit; higher is better, NaN is last.

        Knows only the query: who, when (UTC) and the user's last known place, never the answer.
        """
        ...

    def observe(self, event: Event) -> None:
        """Learn one event that has happened; called after the prediction for that event was made."""
        ...


class ModelNotBuiltError(LookupError):
    """The product's recommender (``retrieval.recommender.build_recommender``) does not exist yet."""


def item_positions(items: pd.DataFrame) -> dict[str, int]:
    """Map each catalogue ``item_id`` to its row position: the index into every score array."""
    ids = items["item_id"].astype(str)
    if ids.duplicated().any():
        duplicates = sorted(ids[ids.duplicated()].unique())[:5]
        raise ValueError(f"catalogue has duplicate item_id values, e.g. {duplicates}")
    return {item_id: position for position, item_id in enumerate(ids)}


def top_k(scores: npt.ArrayLike, k: int) -> npt.NDArray[np.intp]:
    """Positions of the ``k`` best scores, best first; ties by catalogue order, NaN last (what recommend() shows)."""
    values = np.asarray(scores, dtype=np.float64)
    keys = np.where(np.isnan(values), -np.inf, values)
    # A stable sort of the negated keys keeps catalogue order inside ties.
    return np.argsort(-keys, kind="stable")[: max(k, 0)]


def _build_model(settings: Settings) -> Recommender:
    # Looked up lazily: the product's recommender is built separately and may not exist yet; an import
    # error inside an existing module is a real failure and is left to propagate.
    try:
        found = importlib.util.find_spec(RECOMMENDER_MODULE) is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        raise ModelNotBuiltError(
            f"the product recommender is not built yet: {RECOMMENDER_MODULE}.{RECOMMENDER_BUILDER} does not exist; "
            "evaluate the baselines with --models popularity,counter,markov"
        )
    module = importlib.import_module(RECOMMENDER_MODULE)
    builder = getattr(module, RECOMMENDER_BUILDER, None)
    if builder is None:
        raise ModelNotBuiltError(f"{RECOMMENDER_MODULE} has no {RECOMMENDER_BUILDER}(settings) yet")
    return builder(settings)


def _baseline(name: str) -> Callable[[Settings], Recommender]:
    def build(settings: Settings) -> Recommender:
        from retrieval import baselines  # here, so that importing the seam never drags in the models

        return getattr(baselines, name)()

    return build


RECOMMENDERS: dict[str, Callable[[Settings], Recommender]] = {
    MODEL: _build_model,
    "popularity": _baseline("PopularityRecommender"),
    "counter": _baseline("CounterRecommender"),
    "markov": _baseline("MarkovRecommender"),
}


def make_recommender(name: str, settings: Settings) -> Recommender:
    """A fresh, unfitted recommender by its registry name."""
    try:
        factory = RECOMMENDERS[name]
    except KeyError:
        raise KeyError(f"unknown recommender {name!r}; known: {', '.join(RECOMMENDERS)}") from None
    return factory(settings)
