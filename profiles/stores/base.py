"""The one profile store interface, the filters every backend applies the same way, and the factory.

Backends implement the underscore methods; the public methods here validate arguments first, so every
backend rejects the same bad input with the same ValueError.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from profiles.closing import Closing
from profiles.geo import EARTH_RADIUS_KM, haversine_km
from profiles.snapshots import Snapshot, SnapshotColumns

if TYPE_CHECKING:
    from profiles.config import Settings

Vector = npt.NDArray[np.float32]

# Widens bounding boxes so float rounding never drops a point that haversine_km keeps.
_BOX_MARGIN_DEG = 1e-6


@dataclass(frozen=True)
class BoundingBox:
    """A latitude/longitude box that holds a circle; longitude ranges are split at the antimeridian."""

    lat_min: float
    lat_max: float
    lon_ranges: tuple[tuple[float, float], ...]  # empty: every longitude


@dataclass(frozen=True)
class QueryFilter:
    """The filters of one query; all given ones must hold."""

    user_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    near: tuple[float, float] | None = None
    radius_km: float | None = None

    @property
    def empty(self) -> bool:
        return self.user_id is None and self.since is None and self.until is None and self.near is None

    def matches(self, snapshot: Snapshot) -> bool:
        """Whether one snapshot passes (the reference semantics every backend must reproduce)."""
        if self.user_id is not None and snapshot.user_id != self.user_id:
            return False
        # Overlap with [since, until]: the snapshot must not end before since nor start after until.
        if self.since is not None and snapshot.end < self.since:
            return False
        if self.until is not None and snapshot.start > self.until:
            return False
        return self.near is None or bool(self.within_radius([snapshot.latitude], [snapshot.longitude])[0])

    def within_radius(self, latitudes: npt.ArrayLike, longitudes: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Which points lie within radius_km of near (all of them when there is no spatial filter)."""
        lat = np.asarray(latitudes, dtype=float)
        if self.near is None or self.radius_km is None:
            return np.ones(lat.shape, dtype=bool)
        return haversine_km(self.near[0], self.near[1], lat, np.asarray(longitudes, dtype=float)) <= self.radius_km

    def bounding_box(self) -> BoundingBox | None:
        """A box holding the search circle, for prefiltering in a database; None without a spatial filter."""
        if self.near is None or self.radius_km is None:
            return None
        lat, lon = self.near
        angle = self.radius_km / EARTH_RADIUS_KM  # angular radius in radians
        dlat = math.degrees(angle) + _BOX_MARGIN_DEG
        lat_min, lat_max = lat - dlat, lat + dlat
        if lat_min <= -90 or lat_max >= 90 or angle >= math.pi / 2:
            # The circle holds a pole: every longitude can be in it.
            return BoundingBox(max(lat_min, -90.0), min(lat_max, 90.0), ())
        # Widest longitude span of a spherical cap (exact, unlike dividing by cos(lat)).
        dlon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat))))) + _BOX_MARGIN_DEG
        lon_min, lon_max = lon - dlon, lon + dlon
        if lon_min < -180:
            ranges: tuple[tuple[float, float], ...] = ((-180.0, lon_max), (lon_min + 360, 180.0))
        elif lon_max > 180:
            ranges = ((lon_min, 180.0), (-180.0, lon_max - 360))
        else:
            ranges = ((lon_min, lon_max),)
        return BoundingBox(lat_min, lat_max, ranges)


@dataclass(frozen=True)
class LogPosition:
    """A place in the event log: its generation (changes when the log is reset) and a sequence number."""

    generation: str
    seq: int


class ProfileStore(Closing, ABC):
    """Snapshots with their embeddings, searchable by cosine similarity and filterable by user, time and place.

    Embeddings are kept as float32, so a snapshot read back carries float32-rounded values. Writes are durable
    after persist() (close() persists too); a backend may make them durable sooner. Use as a context manager.
    """

    # ---- the public interface (validates, then delegates) -------------------------------------------------

    def add(self, snapshots: Sequence[Snapshot]) -> None:
        """Insert or replace snapshots by snapshot_id (the last one wins when a batch repeats an id)."""
        latest: dict[str, Snapshot] = {}
        for snapshot in snapshots:
            latest[snapshot.snapshot_id] = snapshot
        if not latest:
            return
        batch = list(latest.values())
        rows = [self._check_snapshot_vector(snapshot) for snapshot in batch]
        dimension = self.dimension if self.dimension is not None else rows[0].shape[0]
        for snapshot, row in zip(batch, rows, strict=True):
            if row.shape[0] != dimension:
                raise ValueError(
                    f"embedding dimension {row.shape[0]} of snapshot {snapshot.snapshot_id!r} does not match "
                    f"the {'store' if self.dimension is not None else 'batch'}'s dimension {dimension}"
                )
        self._add_columns(SnapshotColumns.from_snapshots(batch, np.stack(rows)))

    def add_columns(self, columns: SnapshotColumns) -> None:
        """Like add(), from columns: no pydantic object per snapshot, so a million snapshots take seconds."""
        columns.validate()
        if not len(columns):
            return
        ids = columns.snapshot_id
        # The last row wins when a batch repeats an id, as in add().
        last = {snapshot_id: row for row, snapshot_id in enumerate(ids)}
        if len(last) < len(ids):
            columns = columns.take(np.fromiter(sorted(last.values()), dtype=np.intp, count=len(last)))
        vectors = np.asarray(columns.embedding, dtype=np.float32)
        if not np.isfinite(vectors).all():
            raise ValueError("embeddings overflow float32")
        columns = replace(columns, embedding=vectors)
        dimension = self.dimension if self.dimension is not None else vectors.shape[1]
        if vectors.shape[1] != dimension:
            raise ValueError(f"embedding dimension {vectors.shape[1]} does not match the store's dimension {dimension}")
        if vectors.shape[1] == 0:
            raise ValueError("snapshots have no embedding")
        zero = ~np.any(vectors, axis=1)
        if zero.any():
            raise ValueError(f"embedding of snapshot {columns.snapshot_id[int(np.argmax(zero))]!r} is all zeros")
        self._add_columns(columns)

    def query(
        self,
        vector: npt.ArrayLike,
        k: int,
        *,
        user_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        near: tuple[float, float] | None = None,
        radius_km: float | None = None,
    ) -> list[tuple[Snapshot, float]]:
        """The k snapshots most similar to vector (cosine similarity, best first) that pass every given filter.

        since/until select snapshots whose [start, end] overlaps [since, until]; near and radius_km go together
        and select snapshots within radius_km (great-circle) of near = (latitude, longitude).
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        query = _unit(_as_vector(vector, "query vector"), "query vector")
        dimension = self.dimension
        if dimension is not None and query.shape[0] != dimension:
            raise ValueError(
                f"query vector dimension {query.shape[0]} does not match the store's dimension {dimension}"
            )
        flt = _make_filter(user_id, since, until, near, radius_km)
        if dimension is None:
            return []
        return self._query(query, k, flt)

    def get_user(self, user_id: str) -> list[Snapshot]:
        """All snapshots of one user, oldest start first; empty for an unknown user."""
        return sorted(
            self._get_user(user_id), key=lambda snapshot: (snapshot.start, snapshot.end, snapshot.snapshot_id)
        )

    def user_columns(self, user_id: str) -> SnapshotColumns:
        """All snapshots of one user as columns (raw embeddings included), in no particular order; read-only."""
        return self._user_columns(user_id)

    def get(self, snapshot_id: str) -> Snapshot | None:
        """One snapshot by id, or None."""
        return self._get(snapshot_id)

    def delete_user(self, user_id: str) -> int:
        """Remove every snapshot of a user, vectors included; returns how many were removed."""
        return self._delete_user(user_id)

    @abstractmethod
    def users(self) -> list[str]:
        """The ids of users with at least one snapshot, sorted."""

    @abstractmethod
    def log_position(self) -> LogPosition | None:
        """Which event log generation and sequence the snapshots reflect, or None when never marked."""

    @abstractmethod
    def mark_log_position(self, position: LogPosition) -> None:
        """Record the log position the snapshots reflect; durable with the writes before it at the next persist()
        (backends with transactions commit both together, so a crash never separates the two)."""

    @abstractmethod
    def count(self) -> int:
        """How many snapshots the store holds."""

    @abstractmethod
    def persist(self) -> None:
        """Make every change so far durable."""

    @abstractmethod
    def close(self) -> None:
        """Persist and release resources; the store cannot be used afterwards. Closing twice is harmless."""

    @property
    @abstractmethod
    def dimension(self) -> int | None:
        """The embedding dimension, or None before the first snapshot fixes it."""

    # ---- what backends implement (arguments already validated) -------------------------------------------

    @abstractmethod
    def _add_columns(self, columns: SnapshotColumns) -> None:
        """Upsert validated snapshots with unique ids and finite, non-zero float32 embeddings of the right size."""

    @abstractmethod
    def _query(self, vector: Vector, k: int, flt: QueryFilter) -> list[tuple[Snapshot, float]]:
        """Top k by cosine similarity to a unit-length vector of the store's dimension."""

    @abstractmethod
    def _get_user(self, user_id: str) -> list[Snapshot]: ...

    def _user_columns(self, user_id: str) -> SnapshotColumns:
        # Backends with a faster columnar read override this.
        snapshots = self._get_user(user_id)
        if snapshots:
            return SnapshotColumns.from_snapshots(snapshots)
        return SnapshotColumns.from_snapshots([], np.empty((0, self.dimension or 0), dtype=np.float32))

    @abstractmethod
    def _get(self, snapshot_id: str) -> Snapshot | None: ...

    @abstractmethod
    def _delete_user(self, user_id: str) -> int: ...

    @staticmethod
    def _check_snapshot_vector(snapshot: Snapshot) -> Vector:
        if not snapshot.embedding:
            raise ValueError(f"snapshot {snapshot.snapshot_id!r} has no embedding")
        vector = _as_vector(snapshot.embedding, f"embedding of snapshot {snapshot.snapshot_id!r}")
        _unit(vector, f"embedding of snapshot {snapshot.snapshot_id!r}")  # rejects zero vectors: no direction
        return vector


def _as_vector(value: npt.ArrayLike, what: str) -> Vector:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 1 or array.shape[0] == 0:
        raise ValueError(f"{what} must be one non-empty 1-D vector, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} has non-finite components (NaN or infinity)")
    vector = array.astype(np.float32)
    if not np.isfinite(vector).all():
        raise ValueError(f"{what} overflows float32")
    return vector


def _unit(vector: Vector, what: str) -> Vector:
    norm = float(np.linalg.norm(vector.astype(np.float64)))
    if norm == 0.0:
        raise ValueError(f"{what} is all zeros, so it has no cosine similarity")
    return (vector / norm).astype(np.float32)


def unit_rows(vectors: Vector) -> Vector:
    """Rows scaled to unit length (rows are known to be non-zero)."""
    norms = np.linalg.norm(vectors.astype(np.float64), axis=1, keepdims=True)
    return (vectors / norms).astype(np.float32)


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} has no time zone; give a timezone-aware datetime")
    return value


def _make_filter(
    user_id: str | None,
    since: datetime | None,
    until: datetime | None,
    near: tuple[float, float] | None,
    radius_km: float | None,
) -> QueryFilter:
    since, until = _aware(since, "since"), _aware(until, "until")
    if since is not None and until is not None and since > until:
        raise ValueError(f"since {since.isoformat()} is after until {until.isoformat()}")
    if (near is None) != (radius_km is None):
        raise ValueError("near and radius_km go together: give both or neither")
    if near is not None and radius_km is not None:
        try:
            lat, lon = (float(part) for part in near)
        except (TypeError, ValueError) as error:
            raise ValueError(f"near must be a (latitude, longitude) pair, got {near!r}") from error
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"near {near!r} is not a valid (latitude, longitude)")
        if not math.isfinite(radius_km) or radius_km < 0:
            raise ValueError(f"radius_km must be a finite number ≥ 0, got {radius_km!r}")
        near = (lat, lon)
    return QueryFilter(user_id=user_id, since=since, until=until, near=near, radius_km=radius_km)


def open_store(settings: Settings, name: str = "profiles", *, vector_index: bool = False) -> ProfileStore:
    """The store the settings choose: FAISS under state_dir by default, Chroma (local folder or server), or
    PostgreSQL (shared by app replicas).

    ``vector_index``: the store is searched across all its rows (the item index), so PostgreSQL keeps an HNSW index
    for it; FAISS (exact) and Chroma (always HNSW) need no hint.
    """
    if settings.store.backend == "faiss":
        from profiles.stores.faiss_store import FaissProfileStore

        return FaissProfileStore(settings.state_dir / "stores" / name)
    if settings.store.backend == "postgres":
        from profiles.stores.postgres_store import PostgresProfileStore

        assert settings.store.postgres_dsn is not None  # the settings refuse postgres without a DSN
        return PostgresProfileStore(settings.store.postgres_dsn.get_secret_value(), name, vector_index=vector_index)
    from profiles.stores.chroma_store import ChromaProfileStore

    if settings.store.chroma_host:
        return ChromaProfileStore.http(settings.store.chroma_host, settings.store.chroma_port, name)
    return ChromaProfileStore.persistent(settings.state_dir / "chroma", name)
