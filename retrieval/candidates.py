"""Candidate places for a query: a few hundred from several cheap sources, merged without duplicates.

Sources (:data:`retrieval.features.SOURCES`), each a ranking of the catalogue for the query: the user's repertoire
(every place visited before, most visited lately first), the places nearest the query point (a haversine BallTree),
where people go next from the user's last place (the user's own habits first), the places co-visited with the
user's recent ones, the nearby places most like the user's recent ones (encoder embeddings), the nearby places
most visited at this time of the week, and the places within a wider pool whose embeddings are nearest the
encoder's vector of the context text (``QueryContext.intent``). Each source proposes its top few; anything no
source proposes scores -inf. A place's rank in each source is also a feature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import BallTree

from retrieval.catalogue import Catalogue, FloatArray, IntArray
from retrieval.features import SOURCES, QueryContext
from retrieval.history import HistoryState

_SOURCE = {source: index for index, source in enumerate(SOURCES)}


@dataclass(frozen=True)
class Candidates:
    """Catalogue positions (ascending unless built from chosen positions) and their 0-based rank in each source
    (inf: that source does not rank the place)."""

    positions: IntArray
    ranks: FloatArray

    def __len__(self) -> int:
        return len(self.positions)

    def take(self, rows: IntArray) -> Candidates:
        """Some of the rows."""
        return Candidates(positions=self.positions[rows], ranks=self.ranks[rows])


@dataclass(frozen=True)
class SourceRanks:
    """Every catalogue place's rank in every source for one query; a source proposes the places ranked below its limit.

    A rank depends on the query and the place alone, so any place can be described, proposed or not.
    """

    ranks: FloatArray  # (places, sources)
    limits: FloatArray  # (sources,)

    def candidates(self) -> Candidates:
        """The places at least one source proposes, in catalogue order."""
        positions = np.flatnonzero((self.ranks < self.limits).any(axis=1))
        return Candidates(positions=positions, ranks=self.ranks[positions])

    def of(self, positions: IntArray) -> Candidates:
        """Any places, proposed or not, in the order given."""
        return Candidates(positions=positions, ranks=self.ranks[positions])


def ranked(scores: FloatArray, among: IntArray | None = None) -> tuple[IntArray, FloatArray]:
    """Positions whose ``scores`` are strictly positive (within ``among`` when given), best first, and their ranks."""
    pool = np.flatnonzero(scores > 0) if among is None else among[scores[among] > 0]
    order = pool[np.argsort(-scores[pool], kind="stable")]
    return order, np.arange(len(order), dtype=np.float64)


class CandidateGenerator:
    """Ranks the catalogue by every source for a query and proposes each source's top few."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        repertoire: int,
        nearby: int,
        pool: int,
        transitions: int,
        covisits: int,
        peers: int,
        similar: int,
        popular_now: int,
        context: int = 0,
        context_pool: int = 0,
    ) -> None:
        self.catalogue = catalogue
        self.pool = min(pool, len(catalogue))
        self.context_pool = min(context_pool, len(catalogue))
        limits = {
            "repertoire": repertoire,
            "nearby": nearby,
            "transition": transitions,
            "covisit": covisits,
            "peers": peers,
            "similar": similar,
            "popular_now": popular_now,
            "context": context,
        }
        self.limits = np.array([limits[source] for source in SOURCES], dtype=np.float64)
        self.tree = BallTree(np.radians(np.column_stack([catalogue.latitude, catalogue.longitude])), metric="haversine")

    def nearest(self, latitude: float, longitude: float, k: int) -> IntArray:
        """The ``k`` catalogue positions nearest a point, nearest first."""
        k = min(k, len(self.catalogue))
        if k <= 0:
            return np.zeros(0, dtype=np.intp)
        _, found = self.tree.query(np.radians([[latitude, longitude]]), k=k)
        return found[0].astype(np.intp)

    def rank(self, state: HistoryState, context: QueryContext) -> SourceRanks:
        """Every source's ranking of the catalogue for this query."""
        query, user = context.query, context.user
        ranks = np.full((len(self.catalogue), len(SOURCES)), np.inf)

        def put(source: str, order: IntArray, values: FloatArray) -> None:
            ranks[order, _SOURCE[source]] = values

        if user is not None and len(user):
            known = user.positions[: len(user)]
            order = np.argsort(-user.decayed.at(query.seconds)[: len(user)], kind="stable")
            put("repertoire", known[order], np.arange(len(known), dtype=np.float64))
        pool = self.nearest(query.latitude, query.longitude, self.pool)
        put("nearby", pool, np.arange(len(pool), dtype=np.float64))
        # The user's own habits from the last place first, then everyone's.
        transitions = context.transitions + context.own_transitions * (context.transitions.max() + 1.0)
        put("transition", *ranked(transitions))
        put("covisit", *ranked(context.covisits))
        put("peers", *ranked(context.peers))
        scores = np.zeros(len(self.catalogue))
        similarity = context.similarity(pool)
        if similarity is not None:
            scores[pool] = similarity + 2.0  # cosine can be negative; shifted, every pool place is ranked
            put("similar", *ranked(scores, pool))
        scores[pool] = state.hours[pool] @ context.week_kernel
        put("popular_now", *ranked(scores, pool))
        if context.intent is not None and self.context_pool:
            wide = self.nearest(query.latitude, query.longitude, self.context_pool)
            similarity = context.intent_similarity(wide)
            assert similarity is not None
            scores[wide] = similarity + 2.0
            put("context", *ranked(scores, wide))
        return SourceRanks(ranks=ranks, limits=self.limits)

    def generate(self, state: HistoryState, context: QueryContext) -> Candidates:
        """Every source's proposals for this query, merged."""
        return self.rank(state, context).candidates()
