"""Profile store in PostgreSQL tables, shared by every app replica (``store.backend = "postgres"``).

Plain PostgreSQL, no extension: pgvector is not packaged for Debian 12 (the CI machine's system), so the vectors
are ``real[]`` columns and cosine similarity is an exact scan in SQL (:data:`_DOT`, divided by the stored norm).
User and time filters and the radius's bounding box go to SQL; the exact great-circle radius is applied afterwards
with the same ``QueryFilter.matches`` as every backend, fetching more rows until k pass. Every write commits when
the call returns, and a write and its log mark share a transaction when made through :meth:`mark_log_position`.

One table per store name (``profile_store_`` and a digest of the name: names such as ``items-<digest>`` outgrow
PostgreSQL's 63-character identifiers) beside a ``profile_store_meta`` row holding its name, dimension and log
position. Log marks only move forward within a generation: replicas apply their own appends and mark them, so a
replica marking a smaller number after another's larger one must not send the position back.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

from profiles.snapshots import Snapshot, SnapshotColumns, from_epoch_us, to_epoch_us
from profiles.stores.base import LogPosition, ProfileStore, QueryFilter, Vector

_OVERFETCH = 4  # first query asks for k × this when a radius filter may drop results
_SCHEMA_LOCK = 0x77686E70  # an advisory lock key: two replicas creating the tables at once would collide
_DOT = """
CREATE OR REPLACE FUNCTION profile_store_dot(a real[], b real[]) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT sum(x::float8 * y::float8) FROM unnest(a, b) AS t(x, y)'
"""
_META = """
CREATE TABLE IF NOT EXISTS profile_store_meta (
    name TEXT PRIMARY KEY, dimension INTEGER, log_generation TEXT, log_seq BIGINT
)
"""
_TABLE = """
CREATE TABLE IF NOT EXISTS {table} (
    snapshot_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    "window" TEXT NOT NULL,
    cell TEXT NOT NULL,
    start_us BIGINT NOT NULL,
    end_us BIGINT NOT NULL,
    latitude DOUBLE PRECISION NOT NULL,
    longitude DOUBLE PRECISION NOT NULL,
    count BIGINT NOT NULL,
    weight_sum DOUBLE PRECISION NOT NULL,
    hour_of_week DOUBLE PRECISION NOT NULL,
    hour_concentration DOUBLE PRECISION NOT NULL,
    top_labels TEXT NOT NULL,
    label_weights TEXT NOT NULL,
    embedding REAL[] NOT NULL,
    norm DOUBLE PRECISION NOT NULL
)
"""
_COLUMNS = (
    "snapshot_id",
    "user_id",
    "window",
    "cell",
    "start_us",
    "end_us",
    "latitude",
    "longitude",
    "count",
    "weight_sum",
    "hour_of_week",
    "hour_concentration",
    "top_labels",
    "label_weights",
    "embedding",
)


class PostgresProfileStore(ProfileStore):
    """Snapshots in one PostgreSQL table of the DSN's schema (``search_path``); one connection per store."""

    def __init__(self, dsn: str, name: str = "profiles") -> None:
        self.name = name
        table = f"profile_store_{hashlib.sha256(name.encode()).hexdigest()[:24]}"
        self._table = sql.Identifier(table)
        self._lock = threading.RLock()
        self._closed = False
        self._db = psycopg.connect(dsn, autocommit=True)
        try:
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                self._db.execute(_DOT)
                self._db.execute(_META)
                self._db.execute(sql.SQL(_TABLE).format(table=self._table))
                self._db.execute(
                    sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (user_id, latitude)").format(
                        sql.Identifier(f"{table}_user"), self._table
                    )
                )
                self._db.execute(
                    "INSERT INTO profile_store_meta (name) VALUES (%s) ON CONFLICT (name) DO NOTHING", (name,)
                )
        except BaseException:
            self._db.close()
            raise

    # ---- ProfileStore --------------------------------------------------------------------------------------

    @property
    def dimension(self) -> int | None:
        with self._lock:
            self._check_open()
            value = self._meta("dimension")
        return None if value is None else int(value)

    def users(self) -> list[str]:
        with self._lock:
            self._check_open()
            query = sql.SQL("SELECT DISTINCT user_id FROM {} ORDER BY user_id").format(self._table)
            return [row[0] for row in self._db.execute(query)]

    def count(self) -> int:
        with self._lock:
            self._check_open()
            row = self._db.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(self._table)).fetchone()
            return int(row[0]) if row else 0

    def persist(self) -> None:
        with self._lock:
            self._check_open()  # every write commits when its call returns

    def log_position(self) -> LogPosition | None:
        with self._lock:
            self._check_open()
            row = self._db.execute(
                "SELECT log_generation, log_seq FROM profile_store_meta WHERE name = %s", (self.name,)
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return LogPosition(str(row[0]), int(row[1]))

    def mark_log_position(self, position: LogPosition) -> None:
        with self._lock:
            self._check_open()
            self._db.execute(
                "UPDATE profile_store_meta SET log_seq = CASE WHEN log_generation = %(generation)s "
                "THEN GREATEST(log_seq, %(seq)s) ELSE %(seq)s END, log_generation = %(generation)s "
                "WHERE name = %(name)s",
                {"generation": position.generation, "seq": position.seq, "name": self.name},
            )

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._db.close()

    def _add_columns(self, columns: SnapshotColumns) -> None:
        vectors = columns.embedding
        norms = np.linalg.norm(vectors.astype(np.float64), axis=1).tolist()
        values: dict[str, list[Any]] = {
            "snapshot_id": columns.snapshot_id,
            "user_id": columns.user_id.tolist(),
            "window": columns.window.tolist(),
            "cell": columns.cell.tolist(),
            "start_us": columns.start_us.tolist(),
            "end_us": columns.end_us.tolist(),
            "latitude": columns.latitude.tolist(),
            "longitude": columns.longitude.tolist(),
            "count": columns.count.tolist(),
            "weight_sum": columns.weight_sum.tolist(),
            "hour_of_week": columns.hour_of_week.tolist(),
            "hour_concentration": columns.hour_concentration.tolist(),
            "top_labels": [json.dumps(labels, ensure_ascii=False) for labels in columns.top_labels],
            "label_weights": [json.dumps(weights) for weights in columns.label_weights],
            "embedding": vectors.tolist(),
        }
        rows = [(*row, norm) for row, norm in zip(zip(*values.values(), strict=True), norms, strict=True)]
        names = sql.SQL(", ").join(sql.Identifier(column) for column in (*_COLUMNS, "norm"))
        placeholders = sql.SQL(", ").join(
            sql.SQL("%s::real[]") if column == "embedding" else sql.SQL("%s") for column in (*_COLUMNS, "norm")
        )
        updates = sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(column)) for column in (*_COLUMNS[1:], "norm")
        )
        upsert = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (snapshot_id) DO UPDATE SET {}").format(
            self._table, names, placeholders, updates
        )
        with self._lock:
            self._check_open()
            with self._db.transaction():
                dimension = self._meta("dimension", lock=True)
                if dimension is not None and int(dimension) != vectors.shape[1]:
                    # Another replica fixed the dimension after this one's check.
                    raise ValueError(f"embedding dimension {vectors.shape[1]} does not match the store's {dimension}")
                with self._db.cursor() as cursor:
                    cursor.executemany(upsert, rows)
                if dimension is None:
                    self._db.execute(
                        "UPDATE profile_store_meta SET dimension = %s WHERE name = %s", (vectors.shape[1], self.name)
                    )

    def _query(self, vector: Vector, k: int, flt: QueryFilter) -> list[tuple[Snapshot, float]]:
        conditions, params = _where(flt)
        query = sql.SQL(
            "SELECT {columns}, profile_store_dot(embedding, %s::real[]) / norm AS score FROM {table} WHERE {where} "
            "ORDER BY score DESC, snapshot_id LIMIT %s"
        ).format(
            columns=sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
            table=self._table,
            where=sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("TRUE"),
        )
        with self._lock:
            self._check_open()
            wanted = k * _OVERFETCH if flt.near is not None else k
            while True:
                rows = self._db.execute(query, [vector.tolist(), *params, wanted]).fetchall()
                kept = [(_snapshot(row), float(row[-1])) for row in rows]
                kept = [(snapshot, score) for snapshot, score in kept if flt.matches(snapshot)]
                # Fewer rows than asked for means there are no more matches; otherwise widen and retry.
                if len(kept) >= k or len(rows) < wanted:
                    break
                wanted *= _OVERFETCH
        return [(snapshot, min(1.0, max(-1.0, score))) for snapshot, score in kept[:k]]

    def _get_user(self, user_id: str) -> list[Snapshot]:
        return self._select(sql.SQL("user_id = %s"), user_id)

    def _user_columns(self, user_id: str) -> SnapshotColumns:
        # Context reads one user's rows on every call: as columns, without a validated Snapshot per row (its cost
        # measured 2.5 of 8.2 ms per user), as the FAISS store's in-memory copy serves them.
        query = sql.SQL("SELECT {} FROM {} WHERE user_id = %s").format(
            sql.SQL(", ").join(map(sql.Identifier, _COLUMNS[1:])), self._table
        )
        with self._lock:
            self._check_open()
            # Binary results: a real[] arrives as float4s, not text to parse (5.4 → 3.0 ms for 80 rows of 384).
            rows = self._db.execute(query, (user_id,), binary=True).fetchall()
        if not rows:
            return SnapshotColumns.from_snapshots([], np.empty((0, self.dimension or 0), dtype=np.float32))
        (users, windows, cells, starts, ends, latitudes, longitudes, counts, weight_sums, hours, concentrations,
         labels, weights, embeddings) = zip(*rows, strict=True)  # fmt: skip
        return SnapshotColumns(
            user_id=np.array(users, dtype=object),
            window=np.array(windows, dtype=object),
            cell=np.array(cells, dtype=object),
            start_us=np.array(starts, dtype=np.int64),
            end_us=np.array(ends, dtype=np.int64),
            latitude=np.array(latitudes, dtype=np.float64),
            longitude=np.array(longitudes, dtype=np.float64),
            count=np.array(counts, dtype=np.int64),
            weight_sum=np.array(weight_sums, dtype=np.float64),
            hour_of_week=np.array(hours, dtype=np.float64),
            hour_concentration=np.array(concentrations, dtype=np.float64),
            top_labels=[json.loads(text) for text in labels],
            label_weights=[json.loads(text) for text in weights],
            embedding=np.array(embeddings, dtype=np.float32),
        )

    def _get(self, snapshot_id: str) -> Snapshot | None:
        found = self._select(sql.SQL("snapshot_id = %s"), snapshot_id)
        return found[0] if found else None

    def _delete_user(self, user_id: str) -> int:
        with self._lock:
            self._check_open()
            query = sql.SQL("DELETE FROM {} WHERE user_id = %s").format(self._table)
            return int(self._db.execute(query, (user_id,)).rowcount)

    # ---- helpers -----------------------------------------------------------------------------------------

    def _select(self, condition: sql.Composable, value: str) -> list[Snapshot]:
        query = sql.SQL("SELECT {} FROM {} WHERE {}").format(
            sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)), self._table, condition
        )
        with self._lock:
            self._check_open()
            return [_snapshot(row) for row in self._db.execute(query, (value,))]

    def _meta(self, column: str, *, lock: bool = False) -> object:
        query = sql.SQL("SELECT {} FROM profile_store_meta WHERE name = %s{}").format(
            sql.Identifier(column), sql.SQL(" FOR UPDATE") if lock else sql.SQL("")
        )
        row = self._db.execute(query, (self.name,)).fetchone()
        return None if row is None else row[0]

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"profile store {self.name!r} is closed")


def _where(flt: QueryFilter) -> tuple[list[sql.Composable], list[object]]:
    conditions: list[sql.Composable] = []
    params: list[object] = []
    if flt.user_id is not None:
        conditions.append(sql.SQL("user_id = %s"))
        params.append(flt.user_id)
    if flt.since is not None:
        conditions.append(sql.SQL("end_us >= %s"))
        params.append(to_epoch_us(flt.since))
    if flt.until is not None:
        conditions.append(sql.SQL("start_us <= %s"))
        params.append(to_epoch_us(flt.until))
    box = flt.bounding_box()
    if box is not None:
        conditions.append(sql.SQL("latitude BETWEEN %s AND %s"))
        params += [box.lat_min, box.lat_max]
        if box.lon_ranges:
            ranges = [sql.SQL("longitude BETWEEN %s AND %s") for _ in box.lon_ranges]
            conditions.append(sql.SQL("({})").format(sql.SQL(" OR ").join(ranges)))
            params += [bound for pair in box.lon_ranges for bound in pair]
    return conditions, params


def _snapshot(row: tuple[Any, ...]) -> Snapshot:
    values = dict(zip(_COLUMNS, row, strict=False))
    return Snapshot(
        snapshot_id=values["snapshot_id"],
        user_id=values["user_id"],
        window=values["window"],
        cell=values["cell"],
        start=from_epoch_us(values["start_us"]),
        end=from_epoch_us(values["end_us"]),
        latitude=values["latitude"],
        longitude=values["longitude"],
        count=values["count"],
        weight_sum=values["weight_sum"],
        top_labels=json.loads(values["top_labels"]),
        label_weights=json.loads(values["label_weights"]),
        hour_of_week=values["hour_of_week"],
        hour_concentration=values["hour_concentration"],
        embedding=np.asarray(values["embedding"], dtype=np.float32).tolist(),
    )


__all__ = ["PostgresProfileStore"]
