"""What the ranker knows about a (query, candidate) pair, computed from state that holds only the past.

:class:`HistoryState` is the one place behaviour is remembered. It learns one check-in at a time
(:meth:`HistoryState.observe`), so fitting, training replay and live updates share a single code path and a
query can only ever see events observed before it. :class:`FeatureBuilder` turns a query and candidate
catalogue positions into the feature matrix whose columns are :data:`FEATURE_NAMES`.
"""

from __future__ import annotations

import math
from collections import deque
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd
from threadpoolctl import ThreadpoolController

from profiles.events import CATEGORY_SEPARATOR
from profiles.geo import haversine_km
from profiles.preprocessing import hour_of_week, local_times

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

HOURS_PER_DAY = 24
HOURS_PER_WEEK = 7 * HOURS_PER_DAY
SECONDS_PER_HOUR = 3600.0
# Decayed sums are kept scaled to a reference time; past this many half-lives they are rescaled, long before
# 2**n could overflow a float64.
_RESCALE_HALF_LIVES = 60.0
_EPOCH = pd.Timestamp(0, tz="UTC")

# Candidate sources, in the order of their rank columns (retrieval.candidates ranks by them).
SOURCES: tuple[str, ...] = ("repertoire", "nearby", "transition", "covisit", "peers", "similar", "popular_now")


# Threads ------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def single_threaded_blas() -> AbstractContextManager[object]:
    """A context in which BLAS runs on one thread.

    Per-query products are small (a few hundred rows); waking BLAS threads for them costs more than it saves, and
    on a machine whose cores are busy it costs ten times the work itself.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


# Time ---------------------------------------------------------------------------------------------------------


def hours_of_week(events: pd.DataFrame, timezone: str) -> npt.NDArray[np.int64]:
    """Local hour of the week of every event row (batch twin of `profiles.preprocessing.local_hour_of_week`)."""
    local, _ = local_times(events["timestamp"], events["latitude"], events["longitude"], timezone)
    return hour_of_week(local).to_numpy(dtype=np.int64)


def epoch_seconds(at: datetime | pd.Timestamp) -> float:
    """POSIX seconds of an aware time (the same arithmetic as :meth:`EventStream.from_frame`)."""
    return float((pd.Timestamp(at) - _EPOCH) / pd.Timedelta(seconds=1))


def circular_kernel(bandwidth_hours: float, period: int) -> FloatArray:
    """168 × 168 Gaussian weights over the circular distance between hours of the week, taken modulo ``period``.

    ``period`` 168 compares hours of the week (Saturday 14:00 is near Saturday 12:00); 24 compares hours of the
    day across all days (any 14:00 is near any 12:00), which needs fewer visits to say something.
    """
    hours = np.arange(HOURS_PER_WEEK)
    apart = np.abs(hours[:, None] - hours[None, :]) % period
    distance = np.minimum(apart, period - apart)
    return np.exp(-0.5 * (distance / bandwidth_hours) ** 2)


# The catalogue ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """The items frame as arrays, in catalogue order: every score and feature row is indexed by these positions."""

    items: pd.DataFrame
    ids: npt.NDArray[np.object_]
    positions: dict[str, int]
    latitude: FloatArray
    longitude: FloatArray
    leaf: IntArray
    top: IntArray
    leaf_names: tuple[str, ...]
    top_names: tuple[str, ...]

    @classmethod
    def from_items(cls, items: pd.DataFrame) -> Catalogue:
        """Arrays of an ``ITEM_COLUMNS`` frame; leaf and top categories come from the category path."""
        frame = items.reset_index(drop=True)
        ids = frame["item_id"].astype(str)
        if ids.duplicated().any():
            raise ValueError(f"catalogue has duplicate item_id values, e.g. {sorted(ids[ids.duplicated()])[:5]}")
        path = _text_column(frame, "category_path")
        short = _text_column(frame, "category")
        levels = path.where(path != "", short).str.split(CATEGORY_SEPARATOR)
        leaf_codes, leaf_names = pd.factorize(levels.str[-1].fillna(""), sort=True)
        top_codes, top_names = pd.factorize(levels.str[0].fillna(""), sort=True)
        return cls(
            items=frame,
            ids=ids.to_numpy(dtype=object),
            positions={item_id: position for position, item_id in enumerate(ids)},
            latitude=frame["latitude"].to_numpy(dtype=np.float64),
            longitude=frame["longitude"].to_numpy(dtype=np.float64),
            leaf=leaf_codes.astype(np.intp),
            top=top_codes.astype(np.intp),
            leaf_names=tuple(str(name) for name in leaf_names),
            top_names=tuple(str(name) for name in top_names),
        )

    def __len__(self) -> int:
        return len(self.ids)


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[name].fillna("").astype(str).str.strip()


# Decayed sums -------------------------------------------------------------------------------------------------


@dataclass
class DecayedCounts:
    """Counts that halve every ``half_life`` seconds, stored scaled to a reference time so that adding is O(1)."""

    size: int
    half_life: float
    reference: float | None = None
    values: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        self.values = np.zeros(self.size, dtype=np.float64)

    def grow(self, size: int) -> None:
        """Make room for positions below ``size``."""
        if size > len(self.values):
            self.values = np.concatenate([self.values, np.zeros(size - len(self.values))])

    def add(self, position: int, seconds: float) -> None:
        if self.reference is None:
            self.reference = seconds
        exponent = (seconds - self.reference) / self.half_life
        if exponent > _RESCALE_HALF_LIVES:
            self.values *= 2.0**-exponent
            self.reference, exponent = seconds, 0.0
        self.values[position] += 2.0**exponent

    def at(self, seconds: float, positions: IntArray | None = None) -> FloatArray:
        """The counts as they stand at ``seconds`` (for ``positions`` only, when given)."""
        values = self.values if positions is None else self.values[positions]
        if self.reference is None:
            return np.zeros_like(values)
        return values * 2.0 ** (-(seconds - self.reference) / self.half_life)


# State --------------------------------------------------------------------------------------------------------


class UserState:
    """One user's past: visits per place (counts, times, hours of the week), categories, transitions, recent places."""

    def __init__(self, half_life: float, recent_size: int) -> None:
        self.slots: dict[int, int] = {}
        self.positions = np.zeros(0, dtype=np.intp)
        self.counts = np.zeros(0, dtype=np.float64)
        self.first_seen = np.zeros(0, dtype=np.float64)
        self.last_seen = np.zeros(0, dtype=np.float64)
        self.hours = np.zeros((0, HOURS_PER_WEEK), dtype=np.float64)
        self.decayed = DecayedCounts(0, half_life)
        self.hour_totals = np.zeros(HOURS_PER_WEEK, dtype=np.float64)
        self.leaf_counts: dict[int, float] = {}
        self.top_counts: dict[int, float] = {}
        self.leaf_hours: dict[int, FloatArray] = {}
        self.transitions: dict[int, dict[int, float]] = {}
        self.recent: deque[int] = deque(maxlen=recent_size)
        self.total = 0.0
        self.returns = 0.0
        self.last_position: int | None = None
        self.last_seconds: float | None = None
        self.last_place: tuple[float, float] | None = None

    def __len__(self) -> int:
        return len(self.slots)

    def slot(self, position: int) -> int:
        """This place's row in the per-place arrays, made on its first visit."""
        found = self.slots.get(position)
        if found is not None:
            return found
        found = len(self.slots)
        if found == len(self.positions):
            size = max(8, 2 * found)
            self.positions = np.resize(self.positions, size)
            self.counts = _grown(self.counts, size)
            self.first_seen = _grown(self.first_seen, size)
            self.last_seen = _grown(self.last_seen, size)
            self.hours = _grown(self.hours, size)
            self.decayed.grow(size)
        self.positions[found] = position
        self.slots[position] = found
        return found

    def slots_of(self, positions: IntArray) -> IntArray:
        """Rows of ``positions`` in the per-place arrays, -1 for places never visited."""
        get = self.slots.get
        return np.fromiter((get(int(position), -1) for position in positions), dtype=np.intp, count=len(positions))


def _grown(array: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.float64]:
    grown = np.zeros((size, *array.shape[1:]), dtype=array.dtype)
    grown[: len(array)] = array
    return grown


class HistoryState:
    """Everything learnt from past check-ins, updated one check-in at a time, in time order.

    Global: counts, recency-decayed counts, distinct visitors, hour-of-week profiles of places and categories,
    place → place transitions and windowed co-visits. Per user: a :class:`UserState`.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        recency_half_life_hours: float,
        popularity_half_life_hours: float,
        recent_size: int,
        covisit_window: int,
    ) -> None:
        self.catalogue = catalogue
        size = len(catalogue)
        n_leaves, n_tops = len(catalogue.leaf_names), len(catalogue.top_names)
        self.recency_half_life = recency_half_life_hours * SECONDS_PER_HOUR
        self.recent_size = recent_size
        self.covisit_window = covisit_window
        self.users: dict[str, UserState] = {}
        self.counts = np.zeros(size, dtype=np.float64)
        self.visitors = np.zeros(size, dtype=np.float64)
        self.decayed = DecayedCounts(size, popularity_half_life_hours * SECONDS_PER_HOUR)
        self.newcomers = DecayedCounts(size, popularity_half_life_hours * SECONDS_PER_HOUR)
        self.hours = np.zeros((size, HOURS_PER_WEEK), dtype=np.float64)
        self.hour_totals = np.zeros(HOURS_PER_WEEK, dtype=np.float64)
        self.leaf_counts = np.zeros(n_leaves, dtype=np.float64)
        self.top_counts = np.zeros(n_tops, dtype=np.float64)
        self.leaf_hours = np.zeros((n_leaves, HOURS_PER_WEEK), dtype=np.float64)
        self.leaf_transitions = np.zeros((n_leaves, n_leaves), dtype=np.float64)
        self.transitions: dict[int, dict[int, float]] = {}
        self.covisits: dict[int, dict[int, float]] = {}
        self.covisit_totals = np.zeros(size, dtype=np.float64)
        self.peers: dict[int, dict[int, float]] = {}
        self.total = 0.0
        self.events = 0
        self._place_sum = np.zeros(2, dtype=np.float64)

    def user(self, user_id: str) -> UserState | None:
        return self.users.get(user_id)

    def centroid(self) -> tuple[float, float]:
        """Mean place of every check-in so far (where a user nobody knows is assumed to be)."""
        if self.events == 0:
            return float(self.catalogue.latitude.mean()), float(self.catalogue.longitude.mean())
        latitude, longitude = self._place_sum / self.events
        return float(latitude), float(longitude)

    def observe(
        self, user_id: str, position: int | None, seconds: float, hour: int, latitude: float, longitude: float
    ) -> None:
        """Learn one check-in; ``position`` None is a place outside the catalogue (only the user's place moves)."""
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = UserState(self.recency_half_life, self.recent_size)
        self.events += 1
        self._place_sum += (latitude, longitude)
        if position is not None:
            self._count_place(user, position, seconds, hour)
        user.last_position = position
        user.last_seconds = seconds
        user.last_place = (latitude, longitude)

    def _count_place(self, user: UserState, position: int, seconds: float, hour: int) -> None:
        catalogue = self.catalogue
        leaf, top = int(catalogue.leaf[position]), int(catalogue.top[position])
        previous = user.last_position

        # Global.
        self.total += 1.0
        self.counts[position] += 1.0
        if position not in user.slots:
            self.visitors[position] += 1.0
            self.newcomers.add(position, seconds)
        self.decayed.add(position, seconds)
        self.hours[position, hour] += 1.0
        self.hour_totals[hour] += 1.0
        self.leaf_counts[leaf] += 1.0
        self.top_counts[top] += 1.0
        self.leaf_hours[leaf, hour] += 1.0
        if previous is not None:
            following = self.transitions.setdefault(previous, {})
            following[position] = following.get(position, 0.0) + 1.0
            self.leaf_transitions[catalogue.leaf[previous], leaf] += 1.0
        # Co-visits: this place with each of the user's last few distinct places, both ways.
        for other in list(user.recent)[-self.covisit_window :]:
            if other != position:
                row = self.covisits.setdefault(other, {})
                row[position] = row.get(position, 0.0) + 1.0
                row = self.covisits.setdefault(position, {})
                row[other] = row.get(other, 0.0) + 1.0
                self.covisit_totals[other] += 1.0
                self.covisit_totals[position] += 1.0

        # Peers: a place new to the user counts as seen together with every place the user already knows.
        if position not in user.slots:
            mine = self.peers.setdefault(position, {})
            for other in user.positions[: len(user)].tolist():
                row = self.peers.setdefault(other, {})
                row[position] = row.get(position, 0.0) + 1.0
                mine[other] = mine.get(other, 0.0) + 1.0

        # The user.
        if position in user.slots:
            user.returns += 1.0
        slot = user.slot(position)
        if user.counts[slot] == 0:
            user.first_seen[slot] = seconds
        user.counts[slot] += 1.0
        user.last_seen[slot] = seconds
        user.hours[slot, hour] += 1.0
        user.decayed.add(slot, seconds)
        user.hour_totals[hour] += 1.0
        user.total += 1.0
        user.leaf_counts[leaf] = user.leaf_counts.get(leaf, 0.0) + 1.0
        user.top_counts[top] = user.top_counts.get(top, 0.0) + 1.0
        if leaf not in user.leaf_hours:
            user.leaf_hours[leaf] = np.zeros(HOURS_PER_WEEK, dtype=np.float64)
        user.leaf_hours[leaf][hour] += 1.0
        if previous is not None:
            own = user.transitions.setdefault(previous, {})
            own[position] = own.get(position, 0.0) + 1.0
        if position in user.recent:
            user.recent.remove(position)
        user.recent.append(position)


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

    def similarity(self, positions: IntArray) -> FloatArray | None:
        """Cosine of each place's embedding to the user's recent places; None without embeddings or a past."""
        if self.embeddings is None or self.profile is None:
            return None
        return (self.embeddings[positions] @ self.profile).astype(np.float64)


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
    candidate to the user's recent places; without them that column is NaN.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        rhythm_bandwidth_hours: float,
        distance_bandwidth_km: float,
        embeddings: npt.NDArray[np.floating] | None,
        peer_places: int = 10,
    ) -> None:
        if embeddings is not None and len(embeddings) != len(catalogue):
            raise ValueError(f"{len(embeddings)} embeddings for {len(catalogue)} catalogue items")
        self.catalogue = catalogue
        self.distance_bandwidth_km = distance_bandwidth_km
        self.peer_places = peer_places
        self.week_kernel = circular_kernel(rhythm_bandwidth_hours, HOURS_PER_WEEK)
        self.day_kernel = circular_kernel(rhythm_bandwidth_hours, HOURS_PER_DAY)
        self.embeddings = None if embeddings is None else np.asarray(embeddings, dtype=np.float32)

    def context(self, state: HistoryState, query: Query) -> QueryContext:
        """Transition and co-visit scores of every catalogue item for this query, and the user's taste vector."""
        size = len(self.catalogue)
        user = state.user(query.user_id)
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
        put("recent_popularity_log", np.log1p(state.decayed.at(query.seconds, positions)))
        put("visitors_log", np.log1p(state.visitors[positions]))
        put("recent_newcomers_log", np.log1p(state.newcomers.at(query.seconds, positions)))
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
        decayed = user.decayed.at(query.seconds)[:used]
        recent_share = np.zeros(len(positions), dtype=np.float64)
        recent_share[known] = decayed[rows] / max(float(decayed.sum()), 1e-300)
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


# Event streams ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventStream:
    """Time-ordered check-ins as arrays: what :meth:`HistoryState.observe` and the training replay consume.

    ``positions`` is -1 for a place outside the catalogue.
    """

    users: npt.NDArray[np.object_]
    positions: IntArray
    seconds: FloatArray
    hours: npt.NDArray[np.int64]
    latitude: FloatArray
    longitude: FloatArray

    @classmethod
    def from_frame(cls, events: pd.DataFrame, catalogue: Catalogue, timezone: str) -> EventStream:
        """Visits of an ``EVENT_COLUMNS`` frame (other actions are not check-ins), sorted by time, stably."""
        if "action" in events:
            events = events[events["action"].fillna("visit").astype(str).str.lower() == "visit"]
        ordered = events.sort_values("timestamp", kind="stable").reset_index(drop=True)
        positions = ordered["item_id"].astype(str).map(catalogue.positions).fillna(-1).astype(np.intp)
        timestamps = pd.to_datetime(ordered["timestamp"], utc=True)
        return cls(
            users=ordered["user_id"].astype(str).to_numpy(dtype=object),
            positions=positions.to_numpy(),
            seconds=((timestamps - _EPOCH) / pd.Timedelta(seconds=1)).to_numpy(dtype=np.float64),
            hours=hours_of_week(ordered.assign(timestamp=timestamps), timezone),
            latitude=ordered["latitude"].to_numpy(dtype=np.float64),
            longitude=ordered["longitude"].to_numpy(dtype=np.float64),
        )

    def __len__(self) -> int:
        return len(self.users)

    def slice(self, start: int, stop: int | None = None) -> EventStream:
        """Events ``start:stop`` (still time-ordered)."""
        part = slice(start, stop)
        return EventStream(
            self.users[part],
            self.positions[part],
            self.seconds[part],
            self.hours[part],
            self.latitude[part],
            self.longitude[part],
        )

    def observe_into(self, state: HistoryState) -> None:
        """Feed every event to ``state``, in order."""
        for k in range(len(self)):
            position = int(self.positions[k])
            state.observe(
                self.users[k],
                position if position >= 0 else None,
                float(self.seconds[k]),
                int(self.hours[k]),
                float(self.latitude[k]),
                float(self.longitude[k]),
            )
