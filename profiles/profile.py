"""Profiles: what each user cared about, per time window and place, and the service around them.

A snapshot aggregates one user's events in one window of local time (``settings.context.snapshot_window``:
a day part by default, so a Saturday evening and a Monday morning stay apart) and one H3 cell. Its embedding
is the mean of its events' item embeddings weighted by action (``ACTION_WEIGHTS``: like > visit > view =
search; a dislike says nothing about what the user wants, so it is left out of the snapshot altogether);
every other statistic — place, labels, circular mean hour of the week — uses the same weights, so a snapshot
is a set of weighted sums that :func:`merge_snapshots` can extend exactly. The bulk path (:meth:`build`)
groups a whole events frame with NumPy; the live path (:meth:`observe`) aggregates one event the same way and
merges it into the stored snapshot. Both give the same snapshot for the same events.

Snapshots embed catalogue items only: free text a user typed (an event's ``text``) is never encoded, so the
embedding cache, keyed by item text, holds nothing user-specific.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from tqdm.auto import tqdm

from profiles.calendar import HOURS_PER_WEEK, dayparts
from profiles.closing import Closing
from profiles.config import Settings
from profiles.context import InterestContext, build_context, check_request
from profiles.eventlog import EventLog, LoggedEvent
from profiles.events import CATEGORY_SEPARATOR, Action, Event
from profiles.geo import FloatArray, cell_centre
from profiles.ingest import read_events, read_items
from profiles.preprocessing import event_features, local_hour_of_week
from profiles.privacy import stored_user_id
from profiles.snapshots import Snapshot, SnapshotColumns, Strings
from profiles.stores import LogPosition, ProfileStore, open_store

if TYPE_CHECKING:  # importing the encoder module loads torch: only when the packaged encoder is used
    from profiles.encoder import EmbeddingCache, Embeddings

IntArray = npt.NDArray[np.intp]

# How much one event says about the user's interests; dislikes say nothing about what they want.
ACTION_WEIGHTS: dict[Action, float] = {
    Action.LIKE: 2.0,
    Action.VISIT: 1.0,
    Action.VIEW: 0.5,
    Action.SEARCH: 0.5,
    Action.DISLIKE: 0.0,
    Action.PREFER: 0.0,  # stated preferences steer the ranking (profiles.preferences), they are no visits
    Action.UNPREFER: 0.0,
}
# Columns a frame needs for build(): the event fields and the features preprocessing adds.
BUILD_COLUMNS = (
    "user_id",
    "item_id",
    "timestamp",
    "latitude",
    "longitude",
    "action",
    "local_time",
    "hour_of_week",
    "cell",
)
_WRITE_BATCH = 50_000  # snapshots per store write, so a progress bar moves and memory stays flat
_RADIANS_PER_HOUR = 2 * np.pi / HOURS_PER_WEEK


class TextEncoder(Protocol):
    """What the service needs of an encoder (InterestEncoder, or a small fake in tests)."""

    def encode(self, texts: Sequence[str], batch_size: int | None = None, progress: bool = False) -> Embeddings: ...

    def encode_items(
        self, items: pd.DataFrame, cache: EmbeddingCache | None = None, progress: bool = False
    ) -> Embeddings: ...


# ---- windows and labels ------------------------------------------------------------------------------------


def window_labels(local_time: pd.Series, window: str) -> Strings:
    """The window label of each wall-clock time: '2012-04-07 evening' (daypart), '2012-04-07' (day) or '2012-W14'.

    Day parts are ``profiles.calendar``'s; a night keeps each hour's own date (23:00 and 01:00 are two windows).
    """
    if window == "week":
        iso = local_time.dt.isocalendar()
        return (iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)).to_numpy(dtype=object)
    # strftime once per distinct day, not once per event.
    codes, days = pd.factorize(local_time.dt.normalize())
    labels = pd.DatetimeIndex(days).strftime("%Y-%m-%d").to_numpy(dtype=object)[codes]
    if window == "day":
        return labels
    if window != "daypart":
        raise ValueError(f"unknown snapshot window {window!r}; use 'daypart', 'day' or 'week'")
    return labels + " " + dayparts(local_time.dt.hour.to_numpy())


def leaf_categories(items: pd.DataFrame) -> Strings:
    """The most specific category of each item: the last level of its category path, else its category."""
    path = _text_column(items, "category_path").str.rsplit(CATEGORY_SEPARATOR, n=1).str[-1].str.strip()
    return path.where(path != "", _text_column(items, "category").str.strip()).to_numpy(dtype=object)


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[name].fillna("").astype(str)


# ---- aggregation -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contributions:
    """The events that shape snapshots (positive weight, describable item), one array entry per event."""

    user_id: Strings  # as stored: pseudonymised when the settings say so
    window: Strings
    cell: Strings
    time_us: npt.NDArray[np.int64]
    latitude: FloatArray
    longitude: FloatArray
    hour_of_week: FloatArray
    weight: FloatArray
    item: IntArray  # row of vectors and labels
    vectors: Embeddings
    labels: Strings

    def __len__(self) -> int:
        return len(self.user_id)

    def take(self, rows: IntArray) -> Contributions:
        """The given events (positions, in order), with only the item rows they use, kept in the same order."""
        used, item = np.unique(self.item[rows], return_inverse=True)
        return Contributions(
            user_id=self.user_id[rows],
            window=self.window[rows],
            cell=self.cell[rows],
            time_us=self.time_us[rows],
            latitude=self.latitude[rows],
            longitude=self.longitude[rows],
            hour_of_week=self.hour_of_week[rows],
            weight=self.weight[rows],
            item=item.astype(np.intp),
            vectors=self.vectors[used],
            labels=self.labels[used],
        )


# Turns contributions into snapshots: aggregate() itself, or it spread over Ray tasks (profiles.batch_ray).
Aggregator = Callable[[Contributions, bool], SnapshotColumns]


def aggregate(events: Contributions, coarsen: bool) -> SnapshotColumns:
    """One snapshot per (user, window, cell) of the events: weighted sums divided by the weight total."""
    # Groups in (user, window, cell) order keep each user's snapshots together: neighbouring rows in a store,
    # so context() reads few pages.
    group, size = _group_codes(events.user_id, events.window, events.cell)
    first = np.unique(group, return_index=True)[1]
    weight = events.weight
    total = np.bincount(group, weight, size)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(size))
    times = events.time_us[order]
    # Events times item rows, weighted: one sparse product sums every snapshot's embeddings at once.
    incidence = sparse.csr_matrix((weight, (group, events.item)), shape=(size, len(events.vectors)))
    embedding = np.asarray(incidence @ events.vectors.astype(np.float64)) / total[:, None]
    angle = events.hour_of_week * _RADIANS_PER_HOUR
    hour, concentration = _circular_mean(
        np.bincount(group, weight * np.cos(angle), size), np.bincount(group, weight * np.sin(angle), size), total
    )
    labels, label_weights = _ranked_labels(group, events.labels[events.item], weight, size)
    latitude = np.bincount(group, weight * events.latitude, size) / total
    longitude = np.bincount(group, weight * events.longitude, size) / total
    return _placed(
        SnapshotColumns(
            user_id=events.user_id[first],
            window=events.window[first],
            cell=events.cell[first],
            start_us=np.minimum.reduceat(times, starts) if size else times[:0],
            end_us=np.maximum.reduceat(times, starts) if size else times[:0],
            latitude=latitude,
            longitude=longitude,
            count=np.bincount(group, minlength=size).astype(np.int64),
            weight_sum=total,
            hour_of_week=hour,
            hour_concentration=concentration,
            top_labels=labels,
            label_weights=label_weights,
            embedding=embedding.astype(np.float32),
        ),
        coarsen,
    )


def merge_snapshots(old: SnapshotColumns, new: SnapshotColumns, coarsen: bool) -> SnapshotColumns:
    """Row by row, the snapshot of the events behind ``old`` and ``new`` together (same ids, row for row)."""
    w_old, w_new = old.weight_sum, new.weight_sum
    total = w_old + w_new

    def mean(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
        return (np.asarray(a, np.float64) * w_old + np.asarray(b, np.float64) * w_new) / total

    def resultant(columns: SnapshotColumns) -> tuple[FloatArray, FloatArray]:
        length = columns.hour_concentration * columns.weight_sum
        angle = columns.hour_of_week * _RADIANS_PER_HOUR
        return length * np.cos(angle), length * np.sin(angle)

    (c_old, s_old), (c_new, s_new) = resultant(old), resultant(new)
    hour, concentration = _circular_mean(c_old + c_new, s_old + s_new, total)
    rows = np.arange(len(old))
    group = np.concatenate(
        [np.repeat(rows, [len(labels) for labels in old.top_labels]), np.repeat(rows, [len(x) for x in new.top_labels])]
    )
    names = np.array([name for side in (old, new) for labels in side.top_labels for name in labels], dtype=object)
    weights = np.array([w for side in (old, new) for ws in side.filled_label_weights() for w in ws], dtype=np.float64)
    labels, label_weights = _ranked_labels(group, names, weights, len(old))
    embedding = (old.embedding.astype(np.float64) * w_old[:, None] + new.embedding * w_new[:, None]) / total[:, None]
    return _placed(
        SnapshotColumns(
            user_id=new.user_id,
            window=new.window,
            cell=new.cell,
            start_us=np.minimum(old.start_us, new.start_us),
            end_us=np.maximum(old.end_us, new.end_us),
            latitude=mean(old.latitude, new.latitude),
            longitude=mean(old.longitude, new.longitude),
            count=old.count + new.count,
            weight_sum=total,
            hour_of_week=hour,
            hour_concentration=concentration,
            top_labels=labels,
            label_weights=label_weights,
            embedding=embedding.astype(np.float32),
        ),
        coarsen,
    )


def _group_codes(*keys: Strings) -> tuple[IntArray, int]:
    """Dense group numbers of the distinct key tuples, in sorted key order, and how many there are."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        uniques, codes = np.unique(key, return_inverse=True)
        combined = combined * len(uniques) + codes  # sorted codes: the mixed-radix number sorts like the tuple
    groups, dense = np.unique(combined, return_inverse=True)
    return dense.astype(np.intp), len(groups)


def _circular_mean(cos_sum: FloatArray, sin_sum: FloatArray, total: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean hour of the week on the 168-hour circle, and the mean resultant length in [0, 1]."""
    hour = np.mod(np.arctan2(sin_sum, cos_sum) / _RADIANS_PER_HOUR, HOURS_PER_WEEK)
    hour[hour >= HOURS_PER_WEEK] = 0.0  # -1e-15 mod 168 rounds up to 168.0
    return hour, np.clip(np.hypot(cos_sum, sin_sum) / total, 0.0, 1.0)


def _ranked_labels(
    group: IntArray, labels: Strings, weights: FloatArray, size: int
) -> tuple[list[list[str]], list[list[float]]]:
    """Each group's labels with their summed weights, heaviest first (ties by name)."""
    named = labels.astype(bool)
    group, labels, weights = group[named], labels[named], weights[named]
    names, code = np.unique(labels, return_inverse=True)  # codes follow name order
    pairs, pair = np.unique(group.astype(np.int64) * max(len(names), 1) + code, return_inverse=True)
    totals = np.bincount(pair, weights, len(pairs))
    pair_group, pair_code = np.divmod(pairs, max(len(names), 1))
    order = np.lexsort((pair_code, -totals, pair_group))
    bounds = np.cumsum(np.bincount(pair_group, minlength=size))[:-1]
    return (
        [part.tolist() for part in np.split(names[pair_code[order]], bounds)],
        [part.tolist() for part in np.split(totals[order], bounds)],
    )


def _placed(columns: SnapshotColumns, coarsen: bool) -> SnapshotColumns:
    """Coordinates as stored: the cell's centre when coarsening, else the weighted mean of the events."""
    if not coarsen or not len(columns):
        return columns
    codes, cells = pd.factorize(pd.Series(columns.cell))
    centres = np.array([cell_centre(str(cell)) for cell in cells], dtype=np.float64).reshape(-1, 2)[codes]
    return replace(columns, latitude=centres[:, 0].copy(), longitude=centres[:, 1].copy())


# ---- the service -------------------------------------------------------------------------------------------


@dataclass
class BuildReport:
    """What a bulk build read, used, skipped and wrote, and where the time went."""

    events: int
    used: int
    dislikes: int
    unknown_items: int
    snapshots: int
    users: int
    seconds_encoding: float
    seconds_aggregating: float
    seconds_writing: float


@dataclass(frozen=True)
class CatchUp:
    """What catch_up() did: rebuilt every snapshot, or replayed this many newer events."""

    rebuilt: bool
    replayed: int


class ProfileService(Closing):
    """Builds and updates profile snapshots, answers context() and forgets users; one per process.

    ``store``, ``encoder`` and ``items`` are injectable (tests pass a small fake encoder); by default the store
    comes from the settings, the encoder is the packaged InterestEncoder with the on-disk embedding cache, loaded
    on first use, and items are the ingested catalogue. The service keeps no per-user state in memory: only
    item embeddings, which are not about any user.
    """

    def __init__(
        self,
        settings: Settings,
        store: ProfileStore | None = None,
        encoder: TextEncoder | None = None,
        items: pd.DataFrame | None = None,
        cache: EmbeddingCache | None = None,
    ) -> None:
        self.settings = settings
        self._owns_store = store is None
        self.store = store if store is not None else open_store(settings)
        self._encoder = encoder
        self._cache = cache
        self._owns_cache = False
        self._catalogue: pd.DataFrame | None = None
        # Item id -> (embedding, leaf category): about items, never about a user.
        self._described: dict[str, tuple[Embeddings, str]] = {}
        if items is not None:
            self._use_items(items)

    # ---- building ----------------------------------------------------------------------------------------

    def build(
        self,
        events: pd.DataFrame | None = None,
        items: pd.DataFrame | None = None,
        progress: bool = True,
        aggregator: Aggregator = aggregate,
    ) -> BuildReport:
        """Snapshots of every (user, window, cell) in a preprocessed events frame (default: the ingested events).

        Each replaces the stored snapshot with its id, so give the whole history here and later events to
        observe(). Dislikes and events whose item is neither in the catalogue nor has a category are skipped.
        ``aggregator`` turns the events into snapshots (default :func:`aggregate`, in this process; Ray tasks:
        ``profiles.batch_ray.aggregate_by_user``).
        """
        if items is not None:
            self._use_items(items)
        if events is None:
            events = read_events(self.settings)
            if events is None:
                raise ValueError(f"no events stored in {self.settings.state_dir}; run `wherenow ingest` first")
        with tqdm(total=3, desc="profiles", unit="step", disable=not progress) as steps:
            steps.set_postfix_str("encoding items")
            started = time.perf_counter()
            contributions, dislikes, unknown = self._contributions(events, progress)
            encoded = time.perf_counter()
            steps.update()
            steps.set_postfix_str("aggregating")
            columns = aggregator(contributions, self.settings.privacy.coarsen_coordinates)
            aggregated = time.perf_counter()
            steps.update()
            steps.set_postfix_str("writing")
            for start in range(0, len(columns), _WRITE_BATCH):
                self.store.add_columns(columns.take(np.arange(start, min(start + _WRITE_BATCH, len(columns)))))
            self.store.persist()
            steps.update()
        return BuildReport(
            events=len(events),
            used=len(contributions),
            dislikes=dislikes,
            unknown_items=unknown,
            snapshots=len(columns),
            users=len(set(columns.user_id.tolist())),
            seconds_encoding=encoded - started,
            seconds_aggregating=aggregated - encoded,
            seconds_writing=time.perf_counter() - aggregated,
        )

    def observe(self, event: Event) -> Snapshot | None:
        """Fold one event into its snapshot (created when new); None when the event shapes no snapshot.

        The change is durable after persist() or close().
        """
        if ACTION_WEIGHTS[event.action] <= 0:
            return None  # a dislike says nothing about what the user wants: no snapshot changes, so no frames
        features = event_features(event, self.settings.preprocessing)
        frame = pd.DataFrame([{**event.model_dump(), **features}])
        contributions, _, _ = self._contributions(frame, progress=False)
        if not len(contributions):
            return None
        coarsen = self.settings.privacy.coarsen_coordinates
        new = aggregate(contributions, coarsen)
        stored = self.store.get(new.snapshot_id[0])
        merged = new if stored is None else merge_snapshots(SnapshotColumns.from_snapshots([stored]), new, coarsen)
        self.store.add_columns(merged)
        return merged.snapshot(0)

    # ---- reading -----------------------------------------------------------------------------------------

    def context(
        self,
        user_id: str,
        at: datetime,
        lat: float,
        lon: float,
        query: str | None = None,
        k: int | None = None,
    ) -> InterestContext:
        """The user's snapshots weighted for this time and place (and query), with reasons; see profiles.context."""
        settings = self.settings.context
        k = settings.top_k if k is None else k
        check_request(at, lat, lon, k)
        snapshots = self.store.user_columns(stored_user_id(user_id, self.settings.privacy))
        # The query is free text a user typed: encoded without the cache, so it is never written to disk.
        query_vector = self.encoder.encode([query])[0] if query and len(snapshots) else None
        return build_context(
            snapshots,
            user_id=user_id,
            at=at,
            latitude=lat,
            longitude=lon,
            hour_of_week=local_hour_of_week(at, lat, lon, self.settings.preprocessing.timezone),
            settings=settings,
            k=k,
            query=query,
            query_vector=query_vector,
        )

    # ---- forgetting --------------------------------------------------------------------------------------

    def forget(self, user_id: str) -> int:
        """Remove every snapshot and vector of a user, durably; how many snapshots went. (Their events belong to
        the event log, which the caller empties.)"""
        stored = stored_user_id(user_id, self.settings.privacy)
        # Both ids: snapshots written before pseudonymising was switched on carry the raw one.
        removed = sum(self.store.delete_user(name) for name in dict.fromkeys((stored, user_id)))
        self.store.persist()
        return removed

    # ---- following the event log -------------------------------------------------------------------------

    def catch_up(self, log: EventLog, progress: bool = False, rebuild: bool = False) -> CatchUp:
        """Bring the snapshots to the log's newest event: replay what is newer than the position the store
        records, or build everything when the store reflects another log generation (or none), or ``rebuild``."""
        position = self.store.log_position()
        if rebuild or position is None or position.generation != log.generation:
            for user in self.store.users():
                self.store.delete_user(user)
            events = read_events(self.settings, log)
            if events is not None:
                self.build(events, progress=progress)
            self.store.mark_log_position(LogPosition(log.generation, log.seq))
            self.store.persist()
            return CatchUp(rebuilt=True, replayed=0)
        replayed = list(log.read(since=position.seq))
        self.apply(replayed, log.generation)
        return CatchUp(rebuilt=False, replayed=len(replayed))

    def apply(self, logged: Sequence[LoggedEvent], generation: str) -> None:
        """Fold logged events into their snapshots and record the position, durably and together."""
        if not logged:
            return
        for entry in logged:
            self.observe(entry.event)
        self.store.mark_log_position(LogPosition(generation, max(entry.seq for entry in logged)))
        self.store.persist()

    # ---- lifecycle ---------------------------------------------------------------------------------------

    def persist(self) -> None:
        """Make every change so far durable."""
        self.store.persist()

    def close(self) -> None:
        """Persist; close what the service opened itself (an injected store is only persisted)."""
        try:
            if self._owns_store:
                self.store.close()
            else:
                self.store.persist()
        finally:
            if self._owns_cache and self._cache is not None:
                self._cache.close()

    # ---- internals ---------------------------------------------------------------------------------------

    @property
    def encoder(self) -> TextEncoder:
        """The injected encoder, or the packaged one with the on-disk cache, loaded on first use."""
        if self._encoder is None:
            from profiles.encoder import EmbeddingCache, InterestEncoder  # torch loads only when needed

            self._encoder = InterestEncoder(self.settings.models)
            if self._cache is None:
                self._cache = EmbeddingCache.for_settings(self.settings.models)
                self._owns_cache = True
        return self._encoder

    def _use_items(self, items: pd.DataFrame) -> None:
        self._catalogue = items.drop_duplicates("item_id", keep="last").set_index("item_id", drop=False)
        self._described.clear()

    def _contributions(self, events: pd.DataFrame, progress: bool) -> tuple[Contributions, int, int]:
        """The events that count, resolved to item vectors and labels; also how many dislikes and unknown items."""
        missing = [column for column in BUILD_COLUMNS if column not in events]
        if missing:
            raise ValueError(f"events lack columns {missing}; build from preprocessed events (profiles.ingest)")
        actions = events["action"].fillna(Action.VISIT.value).astype(str)
        weight = actions.map({action.value: value for action, value in ACTION_WEIGHTS.items()})
        if weight.isna().any():
            raise ValueError(
                f"unknown actions {sorted(set(actions[weight.isna()]))}; known: {[a.value for a in Action]}"
            )
        counts = weight.to_numpy(dtype=np.float64) > 0
        kept = events[counts]
        categories = _text_column(kept, "category").to_numpy(dtype=object)
        item, vectors, labels = self._items_of(kept["item_id"].astype(str).to_numpy(dtype=object), categories, progress)
        known = item >= 0
        kept = kept[known]
        users = kept["user_id"].astype(str).tolist()
        stored = [stored_user_id(name, self.settings.privacy) for name in dict.fromkeys(users)]
        as_stored = dict(zip(dict.fromkeys(users), stored, strict=True))
        contributions = Contributions(
            user_id=np.array([as_stored[name] for name in users], dtype=object),
            window=window_labels(kept["local_time"], self.settings.context.snapshot_window),
            cell=kept["cell"].astype(str).to_numpy(dtype=object),
            time_us=_epoch_us(kept["timestamp"]),
            latitude=kept["latitude"].to_numpy(dtype=np.float64),
            longitude=kept["longitude"].to_numpy(dtype=np.float64),
            hour_of_week=kept["hour_of_week"].to_numpy(dtype=np.float64),
            weight=weight.to_numpy(dtype=np.float64)[counts][known],
            item=item[known],
            vectors=vectors,
            labels=labels,
        )
        return contributions, int((~counts).sum()), int((~known).sum())

    def _items_of(self, item_ids: Strings, categories: Strings, progress: bool) -> tuple[IntArray, Embeddings, Strings]:
        """Per event, a row of (vectors, labels) describing its item, or -1 when nothing describes it."""
        codes, unique_ids = pd.factorize(pd.Series(item_ids, dtype=object))
        new = {item_id for item_id in unique_ids if item_id not in self._described}
        if new:
            # The first category any of an item's events names, for items the catalogue lacks.
            named: dict[str, str] = {}
            for item_id, category in zip(item_ids, categories, strict=True):
                if category and item_id in new:
                    named.setdefault(item_id, category)
            self._describe([item_id for item_id in unique_ids if item_id in new], named, progress)
        found = [self._described.get(item_id) for item_id in unique_ids]
        known = np.array([entry is not None for entry in found], dtype=bool)
        row = np.where(known, np.cumsum(known) - 1, -1).astype(np.intp)
        entries = [entry for entry in found if entry is not None]
        vectors = np.stack([vector for vector, _ in entries]) if entries else np.empty((0, 0), dtype=np.float32)
        labels = np.array([label for _, label in entries], dtype=object)
        return row[codes], vectors.astype(np.float32), labels

    def _describe(self, item_ids: list[str], categories: dict[str, str], progress: bool) -> None:
        """Encode items once per service (and, through the cache, once per machine).

        A catalogue item is described by its text; one the catalogue lacks, by the category its events name.
        """
        catalogue = self._items()
        found = catalogue.index.get_indexer(item_ids) if catalogue is not None else np.full(len(item_ids), -1)
        frames = [] if catalogue is None else [catalogue.iloc[found[found >= 0]]]
        fallback = [item_id for item_id, at in zip(item_ids, found, strict=True) if at < 0 and item_id in categories]
        frames.append(pd.DataFrame({"item_id": fallback, "category": [categories[i] for i in fallback]}))
        described = pd.concat(frames, ignore_index=True)
        if described.empty:
            return
        vectors = self.encoder.encode_items(described, cache=self._cache, progress=progress)
        labels = leaf_categories(described)
        ids = described["item_id"].astype(str).tolist()
        self._described.update(zip(ids, zip(vectors, labels.tolist(), strict=True), strict=True))

    def _items(self) -> pd.DataFrame | None:
        if self._catalogue is None:
            items = read_items(self.settings)
            if items is not None:
                self._use_items(items)
        return self._catalogue


def _epoch_us(timestamps: pd.Series) -> npt.NDArray[np.int64]:
    """Microseconds since 1970 of aware timestamps, as snapshots store them."""
    if not isinstance(timestamps.dtype, pd.DatetimeTZDtype):
        raise ValueError(f"event timestamps must be time-zone aware, got dtype {timestamps.dtype}")
    return ((timestamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)).to_numpy(dtype=np.int64)
