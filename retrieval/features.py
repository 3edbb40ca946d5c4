"""What the ranker knows about a (query, candidate) pair: the feature registry and the builder of feature rows.

:class:`FeatureBuilder` turns a query and candidate catalogue positions into the feature matrix whose columns are
:data:`FEATURE_NAMES`, from a :class:`retrieval.history.HistoryState` that holds only the past. The catalogue
lives in ``retrieval.catalogue``, the history state and event streams in ``retrieval.history``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from profiles.calendar import HOURS_PER_DAY, HOURS_PER_WEEK
from profiles.encoder import RECENT_PLACES, intent_vector
from profiles.geo import haversine_km

# Re-exported from their new modules: saved recommenders (pickles) name these classes by this module, and callers
# that imported them from here keep working.
from retrieval.catalogue import Catalogue as Catalogue
from retrieval.catalogue import FloatArray as FloatArray
from retrieval.catalogue import IntArray as IntArray
from retrieval.history import SECONDS_PER_HOUR as SECONDS_PER_HOUR
from retrieval.history import DecayedCounts as DecayedCounts
from retrieval.history import EventStream as EventStream
from retrieval.history import HistoryState as HistoryState
from retrieval.history import UserState as UserState
from retrieval.history import epoch_seconds as epoch_seconds
from retrieval.history import hours_of_week as hours_of_week
from retrieval.threads import single_threaded_blas as single_threaded_blas

# Candidate sources, in the order of their rank columns (retrieval.candidates ranks by them).
SOURCES: tuple[str, ...] = (
    "repertoire",
    "nearby",
    "transition",
    "covisit",
    "peers",
    "similar",
    "popular_now",
    "context",
)


# Time ---------------------------------------------------------------------------------------------------------


def circular_kernel(bandwidth_hours: float, period: int) -> FloatArray:
    """168 × 168 Gaussian weights over the circular distance between hours of the week, taken modulo ``period``.

    ``period`` 168 compares hours of the week (Saturday 14:00 is near Saturday 12:00); 24 compares hours of the
    day across all days (any 14:00 is near any 12:00), which needs fewer visits to say something.
    """
    hours = np.arange(HOURS_PER_WEEK)
    apart = np.abs(hours[:, None] - hours[None, :]) % period
    distance = np.minimum(apart, period - apart)
    return np.exp(-0.5 * (distance / bandwidth_hours) ** 2)


# Queries ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """Who asks, when (POSIX seconds and local hour of the week) and from where."""

    user_id: str
    seconds: float
    hour: int
    latitude: float
    longitude: float


@dataclass
class QueryContext:
    """Per-query quantities over the whole catalogue, shared by candidate generation and the features."""

    query: Query
    user: UserState | None
    last_position: int | None
    transitions: FloatArray
    own_transitions: FloatArray
    covisits: FloatArray
    peers: FloatArray
    week_kernel: FloatArray
    day_kernel: FloatArray
    embeddings: npt.NDArray[np.float32] | None = None
    profile: npt.NDArray[np.float32] | None = None  # unit mean embedding of the user's recent places
    intent: npt.NDArray[np.float32] | None = None  # the context vector (profiles.encoder.intent_vector)

    def similarity(self, positions: IntArray) -> FloatArray | None:
        """Cosine of each place's embedding to the user's recent places; None without embeddings or a past."""
        if self.embeddings is None or self.profile is None:
            return None
        return (self.embeddings[positions] @ self.profile).astype(np.float64)

    def intent_similarity(self, positions: IntArray) -> FloatArray | None:
        """Cosine of each place's embedding to the context vector; None without hour vectors or a past."""
        if self.embeddings is None or self.intent is None:
            return None
        return (self.embeddings[positions] @ self.intent).astype(np.float64)


def _dense(size: int, counts: dict[int, float] | None) -> FloatArray:
    dense = np.zeros(size, dtype=np.float64)
    if counts:
        keys = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        dense[keys] = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    return dense


# Feature columns, each with the reason group (retrieval.recommender) that explains it; "query" columns are the
# same for every candidate of a query, so they reorder nothing and never become reasons.
FEATURE_GROUPS: dict[str, str] = {
    "user_visits": "visits",
    "user_visits_log": "visits",
    "user_share": "visits",
    "user_recent_share": "visits",
    "hours_since_visit": "visits",
    "hours_since_first_visit": "visits",
    "is_last_place": "visits",
    "user_week_affinity": "routine",
    "user_day_affinity": "routine",
    "user_item_week_share": "routine",
    "distance_km": "distance",
    "distance_log": "distance",
    "distance_to_known_km": "near_known",
    "distance_to_centre_km": "near_known",
    "transitions": "transition",
    "transition_share": "transition",
    "own_transitions": "own_transition",
    "own_transition_share": "own_transition",
    "category_transition_share": "category_transition",
    "leaf_share": "taste",
    "top_share": "taste",
    "leaf_week_share": "taste",
    "popularity_log": "popular",
    "recent_popularity_log": "popular",
    "visitors_log": "popular",
    "recent_newcomers_log": "popular",
    "return_ratio": "popular",
    "item_week_share": "popular_now",
    "item_day_share": "popular_now",
    "item_week_profile": "popular_now",
    "leaf_week_lift": "popular_now",
    "covisit_share": "covisit",
    "peer_share": "peers",
    "similarity": "similar",
    "context_similarity": "similar",
    **{f"rank_{source}": "source" for source in SOURCES},
    "user_total_log": "query",
    "user_places_log": "query",
    "user_return_rate": "query",
    "user_radius_km": "query",
    "query_from_centre_km": "query",
    "known_places_near_query": "query",
    "hours_since_last_checkin": "query",
    "hour_of_day": "query",
    "day_of_week": "query",
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURE_GROUPS)
_COLUMN = {name: index for index, name in enumerate(FEATURE_NAMES)}


def column(name: str) -> int:
    """The index of a feature column."""
    return _COLUMN[name]


class FeatureBuilder:
    """Builds :class:`QueryContext` objects and feature matrices from a :class:`HistoryState`.

    ``embeddings`` (one unit row per catalogue item, from the interest encoder) adds the similarity of each
    candidate to the user's recent places; without them that column is NaN. ``hour_vectors`` (the encoder's vector of
    each hour of the week's phrase) with them give the context vector of a query (the hour and the last places),
    which the context source and the ``context_similarity`` column read; without it they are empty and NaN.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        rhythm_bandwidth_hours: float,
        distance_bandwidth_km: float,
        embeddings: npt.NDArray[np.floating] | None,
        peer_places: int = 10,
        hour_vectors: npt.NDArray[np.floating] | None = None,
    ) -> None:
        if embeddings is not None and len(embeddings) != len(catalogue):
            raise ValueError(f"{len(embeddings)} embeddings for {len(catalogue)} catalogue items")
        self.catalogue = catalogue
        self.distance_bandwidth_km = distance_bandwidth_km
        self.peer_places = peer_places
        self.week_kernel = circular_kernel(rhythm_bandwidth_hours, HOURS_PER_WEEK)
        self.day_kernel = circular_kernel(rhythm_bandwidth_hours, HOURS_PER_DAY)
        self.embeddings = None if embeddings is None else np.asarray(embeddings, dtype=np.float32)
        self.hour_vectors = None if hour_vectors is None else np.asarray(hour_vectors, dtype=np.float32)

    def intent(self, user: UserState | None, hour: int) -> npt.NDArray[np.float32] | None:
        """The context vector of the hour of the week and the user's last distinct places, latest first."""
        if self.hour_vectors is None or self.embeddings is None or user is None or not user.recent:
            return None
        recent = list(dict.fromkeys(reversed(user.recent)))[:RECENT_PLACES]
        return intent_vector(self.hour_vectors[hour], self.embeddings[recent])

    def context(self, state: HistoryState, query: Query) -> QueryContext:
        """Transition and co-visit scores of every catalogue item for this query, and the user's taste vector."""
        size = len(self.catalogue)
        user = state.user_as_of(query.user_id, query.seconds)
        last = user.last_position if user is not None else None
        own = user.transitions.get(last) if user is not None and last is not None else None
        covisits = np.zeros(size, dtype=np.float64)
        peers = np.zeros(size, dtype=np.float64)
        profile = None
        if user is not None and user.recent:
            recent = list(user.recent)
            # The latest places weigh most: weights 1, 1/2, 1/3, ... going back.
            for age, other in enumerate(reversed(recent)):
                row = state.covisits.get(other)
                if row:
                    keys = np.fromiter(row.keys(), dtype=np.intp, count=len(row))
                    values = np.fromiter(row.values(), dtype=np.float64, count=len(row))
                    covisits[keys] += values / (state.covisit_totals[other] * (age + 1))
            peers = self._peers(state, user)
            if self.embeddings is not None:
                weights = 1.0 / np.arange(len(recent), 0, -1, dtype=np.float32)
                mean = weights @ self.embeddings[recent]
                norm = float(np.linalg.norm(mean))
                profile = mean / norm if norm > 0 else None
        return QueryContext(
            query=query,
            user=user,
            last_position=last,
            transitions=_dense(size, state.transitions.get(last) if last is not None else None),
            own_transitions=_dense(size, own),
            covisits=covisits,
            peers=peers,
            week_kernel=self.week_kernel[:, query.hour],
            day_kernel=self.day_kernel[:, query.hour],
            embeddings=self.embeddings,
            profile=profile,
            intent=self.intent(user, query.hour),
        )

    def _peers(self, state: HistoryState, user: UserState) -> FloatArray:
        """Σ over the user's main places j of share(j) × P(someone who knows j also knows the place)."""
        peers = np.zeros(len(self.catalogue), dtype=np.float64)
        used = len(user)
        main = np.argsort(-user.counts[:used], kind="stable")[: self.peer_places]
        for slot in main.tolist():
            other = int(user.positions[slot])
            row = state.peers.get(other)
            if row:
                keys = np.fromiter(row.keys(), dtype=np.intp, count=len(row))
                values = np.fromiter(row.values(), dtype=np.float64, count=len(row))
                peers[keys] += values * (user.counts[slot] / user.total / state.visitors[other])
        return peers

    def build(self, state: HistoryState, context: QueryContext, positions: IntArray, ranks: FloatArray) -> FloatArray:
        """The feature matrix (rows: ``positions``, columns: :data:`FEATURE_NAMES`); NaN where a value is unknown.

        ``ranks`` holds each position's rank in each candidate source (inf where a source does not rank it).
        """
        catalogue = self.catalogue
        query, user = context.query, context.user
        n = len(positions)
        out = np.full((n, len(FEATURE_NAMES)), np.nan, dtype=np.float64)

        def put(name: str, values: FloatArray | float) -> None:
            out[:, _COLUMN[name]] = values

        distance = haversine_km(
            query.latitude, query.longitude, catalogue.latitude[positions], catalogue.longitude[positions]
        )
        put("distance_km", distance)
        put("distance_log", np.log1p(distance))

        # Places: popularity now and in general, at this time of the week.
        counts = state.counts[positions]
        put("popularity_log", np.log1p(counts))
        put("recent_popularity_log", state.decayed.log1p_at(query.seconds, positions))
        put("visitors_log", np.log1p(state.visitors[positions]))
        put("recent_newcomers_log", state.newcomers.log1p_at(query.seconds, positions))
        put("return_ratio", _ratio(counts - state.visitors[positions], counts))
        hours = state.hours[positions]
        week_now, day_now = hours @ context.week_kernel, hours @ context.day_kernel
        all_week_now = float(state.hour_totals @ context.week_kernel)
        put("item_week_share", _ratio(week_now, all_week_now))
        put("item_day_share", _ratio(day_now, float(state.hour_totals @ context.day_kernel)))
        put("item_week_profile", _ratio(week_now, counts))
        leaves = catalogue.leaf[positions]
        leaf_now = state.leaf_hours[leaves] @ context.week_kernel
        put("leaf_week_lift", _ratio(_ratio(leaf_now, all_week_now), _ratio(state.leaf_counts[leaves], state.total)))
        last = context.last_position
        put("transitions", context.transitions[positions])
        if last is not None:
            put("transition_share", _ratio(context.transitions[positions], state.counts[last]))
            leaf_row = state.leaf_transitions[catalogue.leaf[last]]
            put("category_transition_share", _ratio(leaf_row[leaves], leaf_row.sum()))
        put("covisit_share", context.covisits[positions])
        put("peer_share", context.peers[positions])
        similarity = context.similarity(positions)
        if similarity is not None:
            put("similarity", similarity)
        intent = context.intent_similarity(positions)
        if intent is not None:
            put("context_similarity", intent)
        out[:, [_COLUMN[f"rank_{source}"] for source in SOURCES]] = np.where(np.isfinite(ranks), ranks, np.nan)

        put("hour_of_day", query.hour % HOURS_PER_DAY)
        put("day_of_week", query.hour // HOURS_PER_DAY)
        if user is None or user.total == 0:
            put("user_visits", 0.0)
            put("user_visits_log", 0.0)
            put("user_share", 0.0)
            put("user_total_log", 0.0)
            put("user_places_log", 0.0)
            put("is_last_place", 0.0)
            put("own_transitions", 0.0)
            return out
        self._user_columns(out, context, user, positions, leaves)
        return out

    def _user_columns(
        self,
        out: FloatArray,
        context: QueryContext,
        user: UserState,
        positions: IntArray,
        leaves: IntArray,
    ) -> None:
        """The columns about the user: visits, routine, transitions, taste, geography."""
        catalogue, query = self.catalogue, context.query

        def put(name: str, values: FloatArray | float) -> None:
            out[:, _COLUMN[name]] = values

        slots = user.slots_of(positions)
        known = slots >= 0
        rows = slots[known]
        visits = np.zeros(len(positions), dtype=np.float64)
        visits[known] = user.counts[rows]
        put("user_visits", visits)
        put("user_visits_log", np.log1p(visits))
        put("user_share", visits / user.total)
        used = len(user)
        recent_share = np.zeros(len(positions), dtype=np.float64)
        recent_share[known] = user.decayed.shares(rows)
        put("user_recent_share", recent_share)
        since = np.full(len(positions), np.nan)
        since[known] = np.maximum(query.seconds - user.last_seen[rows], 0.0) / SECONDS_PER_HOUR
        put("hours_since_visit", since)
        since_first = np.full(len(positions), np.nan)
        since_first[known] = np.maximum(query.seconds - user.first_seen[rows], 0.0) / SECONDS_PER_HOUR
        put("hours_since_first_visit", since_first)
        put("is_last_place", (positions == context.last_position).astype(np.float64))

        # Routine: how much of the user's activity at this time of the week went to this place.
        week, day = np.zeros(len(positions)), np.zeros(len(positions))
        week[known] = user.hours[rows] @ context.week_kernel
        day[known] = user.hours[rows] @ context.day_kernel
        user_week_now = float(user.hour_totals @ context.week_kernel)
        put("user_week_affinity", _ratio(week, user_week_now))
        put("user_day_affinity", _ratio(day, float(user.hour_totals @ context.day_kernel)))
        put("user_item_week_share", np.where(known, _ratio(week, visits), np.nan))

        put("own_transitions", context.own_transitions[positions])
        if context.last_position is not None:
            own_total = sum(user.transitions.get(context.last_position, {}).values())
            put("own_transition_share", _ratio(context.own_transitions[positions], own_total))

        # Taste: the user's share of visits to this category, overall and at this time of the week. Looked up once
        # per distinct category: candidates share a few dozen.
        distinct, inverse = np.unique(leaves, return_inverse=True)
        leaf_counts = np.array([user.leaf_counts.get(int(leaf), 0.0) for leaf in distinct])
        put("leaf_share", leaf_counts[inverse] / user.total)
        leaf_now = np.array(
            [
                float(user.leaf_hours[leaf] @ context.week_kernel) if leaf in user.leaf_hours else 0.0
                for leaf in distinct.tolist()
            ]
        )
        put("leaf_week_share", _ratio(leaf_now[inverse], user_week_now))
        distinct, inverse = np.unique(catalogue.top[positions], return_inverse=True)
        top_counts = np.array([user.top_counts.get(int(top), 0.0) for top in distinct])
        put("top_share", top_counts[inverse] / user.total)

        # Geography: how far from the places the user knows, and how far the user usually roams.
        known_positions = user.positions[:used]
        latitudes, longitudes = catalogue.latitude[known_positions], catalogue.longitude[known_positions]
        weights = user.counts[:used]
        centre = (float(weights @ latitudes / weights.sum()), float(weights @ longitudes / weights.sum()))
        from_centre = haversine_km(centre[0], centre[1], latitudes, longitudes)
        put("user_radius_km", float(weights @ from_centre / weights.sum()))
        # Away from the usual places, a user is more likely to try a new one.
        put("query_from_centre_km", float(haversine_km(centre[0], centre[1], query.latitude, query.longitude)))
        from_query = haversine_km(query.latitude, query.longitude, latitudes, longitudes)
        put("known_places_near_query", float(np.count_nonzero(from_query <= self.distance_bandwidth_km)))
        put(
            "distance_to_centre_km",
            haversine_km(centre[0], centre[1], catalogue.latitude[positions], catalogue.longitude[positions]),
        )
        apart = haversine_km(
            catalogue.latitude[positions][:, None],
            catalogue.longitude[positions][:, None],
            latitudes[None, :],
            longitudes[None, :],
        )
        # A place is "known" at distance 0 from itself; the nearest OTHER known place is what tells discoveries apart.
        apart[known, rows] = np.inf
        nearest = apart.min(axis=1) if used > 0 else np.full(len(positions), np.nan)
        put("distance_to_known_km", np.where(np.isfinite(nearest), nearest, np.nan))

        put("user_total_log", math.log1p(user.total))
        put("user_places_log", math.log1p(used))
        put("user_return_rate", user.returns / user.total)
        if user.last_seconds is not None:
            put("hours_since_last_checkin", max(query.seconds - user.last_seconds, 0.0) / SECONDS_PER_HOUR)


def _ratio(numerator: FloatArray | float, denominator: FloatArray | float) -> FloatArray:
    """numerator / denominator, 0 where the denominator is 0."""
    top, bottom = np.broadcast_arrays(np.asarray(numerator, dtype=np.float64), np.asarray(denominator, np.float64))
    return np.divide(top, bottom, out=np.zeros(top.shape), where=bottom > 0)
