"""What the recommender remembers of the past: history state learnt one check-in at a time, and event streams.

:class:`HistoryState` is the one place behaviour is remembered. It learns one check-in at a time
(:meth:`HistoryState.observe`), so fitting, training replay and live updates share a single code path and a
query can only ever see events observed before it. :class:`EventStream` is time-ordered check-ins as arrays,
what the fit and the training replay feed it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from profiles.calendar import HOURS_PER_WEEK, SECONDS_PER_HOUR
from profiles.preprocessing import hour_of_week, local_times
from retrieval.catalogue import Catalogue, FloatArray, IntArray

# The largest plain decayed count DecayedCounts.at gives (2**512): far above any real count, and a sum of any
# number of them that fits in memory is still a finite float64.
MAX_LOG2 = 512.0
_LN2 = math.log(2.0)
# What is left after taking a count out that is within rounding of all of it is nothing: a log2 gap, a plain count.
_EMPTIED = 1e-9
_EMPTIED_COUNT = 1e-9
_EPOCH = pd.Timestamp(0, tz="UTC")


# Time ---------------------------------------------------------------------------------------------------------


def hours_of_week(events: pd.DataFrame, timezone: str) -> npt.NDArray[np.int64]:
    """Local hour of the week of every event row (batch twin of `profiles.preprocessing.local_hour_of_week`)."""
    local, _ = local_times(events["timestamp"], events["latitude"], events["longitude"], timezone)
    return hour_of_week(local).to_numpy(dtype=np.int64)


def epoch_seconds(at: datetime | pd.Timestamp) -> float:
    """POSIX seconds of an aware time (the same arithmetic as :meth:`EventStream.from_frame`)."""
    return float((pd.Timestamp(at) - _EPOCH) / pd.Timedelta(seconds=1))


# Decayed sums -------------------------------------------------------------------------------------------------


@dataclass
class DecayedCounts:
    """Counts that halve every ``half_life`` seconds, kept as base-2 logarithms so they never overflow.

    ``log2_values[p]`` is log2 of the sum of ``2 ** ((t - reference) / half_life)`` over the times ``t`` added at
    ``p``: adding is O(1), and neither an event decades ahead nor a query decades before the events can overflow
    it (float64 holds exponents up to ~1e308, while seconds since 1970 stay below ~1e12 half-lives whatever the
    date). Read them with :meth:`log2_at`, :meth:`log1p_at` or :meth:`shares`, which stay in log space; :meth:`at`
    gives the plain counts, held at ``2 ** MAX_LOG2`` so that sums of them stay finite too.
    """

    size: int
    half_life: float
    reference: float | None = None
    log2_values: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        self.log2_values = np.full(self.size, -np.inf, dtype=np.float64)

    def grow(self, size: int) -> None:
        """Make room for positions below ``size``."""
        if size > len(self.log2_values):
            self.log2_values = np.concatenate([self.log2_values, np.full(size - len(self.log2_values), -np.inf)])

    def add(self, position: int, seconds: float) -> None:
        if self.reference is None:
            self.reference = seconds
        exponent = (seconds - self.reference) / self.half_life
        current = float(self.log2_values[position])
        if current == -math.inf:
            self.log2_values[position] = exponent
            return
        high, low = (current, exponent) if current >= exponent else (exponent, current)
        # log2(2**high + 2**low) without forming either power; 2**-(gap) underflows harmlessly to 0.
        self.log2_values[position] = high + math.log1p(2.0 ** (low - high)) / _LN2

    def subtract(self, other: DecayedCounts) -> None:
        """Take out what ``other`` (same half-life and reference) added: log2(2**a - 2**b) in log space, -inf where
        nothing (or, through rounding, less than nothing) is left."""
        if other.reference is None or self.reference is None:
            return
        if other.reference != self.reference or other.half_life != self.half_life:
            raise ValueError("decayed counts subtract only with the same half-life and reference time")
        taken = np.flatnonzero(np.isfinite(other.log2_values[: len(self.log2_values)]))
        mine, theirs = self.log2_values[taken], other.log2_values[taken]
        gap = theirs - mine
        with np.errstate(divide="ignore", invalid="ignore"):
            left = mine + np.log1p(-np.exp2(np.minimum(gap, 0.0))) / _LN2
        # Within rounding of all of it is all of it.
        self.log2_values[taken] = np.where(gap > -_EMPTIED, -np.inf, left)

    def log2_at(self, seconds: float, positions: IntArray | None = None) -> FloatArray:
        """log2 of the counts as they stand at ``seconds`` (-inf where nothing was added), for ``positions`` only
        when given."""
        values = self.log2_values if positions is None else self.log2_values[positions]
        if self.reference is None:
            return np.full(len(values), -np.inf)
        return values - (seconds - self.reference) / self.half_life

    def at(self, seconds: float, positions: IntArray | None = None) -> FloatArray:
        """The counts as they stand at ``seconds`` (for ``positions`` only, when given), each at most
        ``2 ** MAX_LOG2`` (reached only by a query hundreds of half-lives before the events it counts)."""
        return np.exp2(np.minimum(self.log2_at(seconds, positions), MAX_LOG2))

    def log1p_at(self, seconds: float, positions: IntArray | None = None) -> FloatArray:
        """``log(1 + count)`` at ``seconds``, computed without forming the count (finite for any finite time)."""
        return np.logaddexp(0.0, self.log2_at(seconds, positions) * _LN2)

    def shares(self, positions: IntArray | None = None) -> FloatArray:
        """Each count over the sum of all of them (0 everywhere when empty): the same at every query time, since
        decay scales every count alike, and exact where the plain counts would underflow."""
        logs = self.log2_values
        finite = np.isfinite(logs)
        if not finite.any():
            return np.zeros(len(logs) if positions is None else len(positions))
        scaled = np.exp2(logs - logs[finite].max())  # the largest is 1: no overflow, and a sum of at least 1
        shares = scaled / scaled.sum()
        return shares if positions is None else shares[positions]


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
        # Every check-in learnt, as HistoryState.observe took it, in the order learnt: forgetting the user replays
        # exactly these alone (HistoryState.alone), with no need for the events, which may already be deleted.
        self.learnt: list[Checkin] = []

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


# One check-in as HistoryState.observe takes it: catalogue position (None outside it), POSIX seconds, local hour of
# the week, latitude, longitude.
Checkin = tuple[int | None, float, int, float, float]


def _subtract_nested(mine: dict[int, dict[int, float]], theirs: dict[int, dict[int, float]]) -> None:
    for key, row in theirs.items():
        own = mine.get(key)
        if own is None:
            continue
        for other, value in row.items():
            left = own.get(other, 0.0) - value
            if left > _EMPTIED_COUNT:
                own[other] = left
            else:
                own.pop(other, None)
        if not own:
            del mine[key]


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

    def user_as_of(self, user_id: str, seconds: float) -> UserState | None:
        """The user as they were at ``seconds``: this state's own when none of their check-ins is later (always in a
        replay), else their check-ins up to then replayed alone, so that a question asked at a past time (a demo
        clock) knows no visit that came after it. None for a user this state does not know or who had none by then."""
        user = self.users.get(user_id)
        if user is None or user.last_seconds is None or user.last_seconds <= seconds:
            return user
        replayed = self.alike()
        for checkin in user.learnt:
            if checkin[1] <= seconds:
                replayed.observe(user_id, *checkin)
        return replayed.user(user_id)

    def alike(self) -> HistoryState:
        """An empty state with this one's settings and decay reference times (what :meth:`subtract` takes)."""
        empty = HistoryState(
            self.catalogue,
            recency_half_life_hours=self.recency_half_life / SECONDS_PER_HOUR,
            popularity_half_life_hours=self.decayed.half_life / SECONDS_PER_HOUR,
            recent_size=self.recent_size,
            covisit_window=self.covisit_window,
        )
        empty.decayed.reference, empty.newcomers.reference = self.decayed.reference, self.newcomers.reference
        return empty

    def alone(self, user_id: str) -> HistoryState | None:
        """The user's check-ins replayed alone, in the order this state learnt them, into :meth:`alike`: their part
        of the shared counts, which :meth:`subtract` takes out. None for a user this state does not know."""
        user = self.users.get(user_id)
        if user is None:
            return None
        replayed = self.alike()
        for checkin in user.learnt:
            replayed.observe(user_id, *checkin)
        return replayed

    def subtract(self, other: HistoryState) -> None:
        """Take ``other``'s global counts out of this state's: with ``other`` one user's check-ins replayed alone
        (from :meth:`alike`), the user leaves the shared counts, transitions and co-visits as if never seen, since
        every global count a check-in adds depends on its own user's past only. Nothing drops below zero."""
        for name in ("counts", "visitors", "hours", "hour_totals", "leaf_counts", "top_counts", "leaf_hours"):
            setattr(self, name, np.maximum(getattr(self, name) - getattr(other, name), 0.0))
        self.leaf_transitions = np.maximum(self.leaf_transitions - other.leaf_transitions, 0.0)
        self.covisit_totals = np.maximum(self.covisit_totals - other.covisit_totals, 0.0)
        for mine, theirs in (
            (self.transitions, other.transitions),
            (self.covisits, other.covisits),
            (self.peers, other.peers),
        ):
            _subtract_nested(mine, theirs)
        self.decayed.subtract(other.decayed)
        self.newcomers.subtract(other.newcomers)
        self.total = max(self.total - other.total, 0.0)
        self.events = max(self.events - other.events, 0)
        self._place_sum = self._place_sum - other._place_sum if self.events else np.zeros(2, dtype=np.float64)

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
        user.learnt.append((position, seconds, hour, latitude, longitude))
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
