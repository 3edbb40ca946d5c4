"""Profile store in PostgreSQL tables, shared by every app replica (``store.backend = "postgres"``).

Vectors are pgvector ``vector(dim)`` columns (the extension is required: ``.ci/postgres.sh`` builds Debian's
source package where Debian ships no binary one) and similarity is pgvector's cosine distance ``<=>`` in SQL. User
and time filters and the radius's bounding box go to SQL; the exact great-circle radius is applied afterwards with
the same ``QueryFilter.matches`` as every backend, fetching more rows until k pass. A store opened with
``vector_index=True`` (the item index: every search spans the whole catalogue) also keeps an HNSW index, which the
planner uses when a filter keeps most rows; other searches (one user's rows) are exact scans. Vectors travel in
pgvector's binary format both ways. Every write commits when the call returns, and a write and its log mark share
a transaction when made through :meth:`mark_log_position`.

One table per store name (``profile_store_`` and a digest of the name: names such as ``items-<digest>`` outgrow
PostgreSQL's 63-character identifiers) beside a ``profile_store_meta`` row holding its name, dimension and log
position. Log marks only move forward within a generation: replicas apply their own appends and mark them, so a
replica marking a smaller number after another's larger one must not send the position back.
"""

from __future__ import annotations

import hashlib
import json
import struct
import threading
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg.adapt import Buffer, Dumper, Loader
from psycopg.pq import Format

from profiles.snapshots import Snapshot, SnapshotColumns, from_epoch_us, to_epoch_us
from profiles.stores.base import LogPosition, ProfileStore, QueryFilter, Vector

_OVERFETCH = 4  # first query asks for k × this when a radius filter may drop results
# Candidates an HNSW search keeps (pgvector's default is 40). Over the NYC catalogue (4,988 places, 384 dimensions),
# 200 queries: 100 finds 99.5% of the exact top 10 (ties counted as found) in 1.5 ms p50, against 98.9% at 40 and
# 7.2 ms for an exact scan; at 200 the planner prefers the exact scan.
_EF_SEARCH = 100
_SCHEMA_LOCK = 0x77686E70  # an advisory lock key: two replicas creating the tables at once would collide
_PGVECTOR_FIX = (
    "the PostgreSQL profile store needs the pgvector extension in its database: install it for this server "
    "(Debian 12: `.ci/postgres.sh` builds Debian's pgvector source package; newer Debian: the "
    "postgresql-<major>-pgvector package) "
    "and run `CREATE EXTENSION vector` there as a superuser"
)
_META = """
CREATE TABLE IF NOT EXISTS profile_store_meta (
    name TEXT PRIMARY KEY, dimension INTEGER, log_generation TEXT, log_seq BIGINT
)
"""
# The embedding column gets its dimension (vector(dim), which an HNSW index needs) when the first write fixes it.
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
    embedding {vector} NOT NULL
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


class _VectorDumper(Dumper):
    """A float32 vector in pgvector's binary format: dimension and a reserved word (int16 each), then big-endian
    float4s; ``oid`` is set per connection, where the extension's type lives."""

    format = Format.BINARY

    def dump(self, obj: Any) -> Buffer:
        vector = np.asarray(obj, dtype=">f4")
        return struct.pack(">HH", vector.shape[0], 0) + vector.tobytes()


class _VectorLoader(Loader):
    """pgvector's binary format into a float32 array."""

    format = Format.BINARY

    def load(self, data: Buffer) -> Vector:
        return np.frombuffer(data, dtype=">f4", offset=4).astype(np.float32)


class PostgresProfileStore(ProfileStore):
    """Snapshots in one PostgreSQL table of the DSN's schema (``search_path``); one connection per store."""

    def __init__(self, dsn: str, name: str = "profiles", *, vector_index: bool = False) -> None:
        self.name = name
        self.vector_index = vector_index
        table = f"profile_store_{hashlib.sha256(name.encode()).hexdigest()[:24]}"
        self._table_name = table
        self._table = sql.Identifier(table)
        self._lock = threading.RLock()
        self._closed = False
        self._db = psycopg.connect(dsn, autocommit=True)
        try:
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                schema = self._vector_schema()
                self._vector = sql.SQL("{}.vector").format(sql.Identifier(schema))
                self._distance = sql.SQL("OPERATOR({}.<=>)").format(sql.Identifier(schema))
                self._cosine_ops = sql.SQL("{}.vector_cosine_ops").format(sql.Identifier(schema))
                self._db.execute(_META)
                self._db.execute(sql.SQL(_TABLE).format(table=self._table, vector=self._vector))
                self._db.execute(
                    sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (user_id, latitude)").format(
                        sql.Identifier(f"{table}_user"), self._table
                    )
                )
                self._db.execute(
                    "INSERT INTO profile_store_meta (name) VALUES (%s) ON CONFLICT (name) DO NOTHING", (name,)
                )
                dimension = self._meta("dimension")
                if dimension is not None:
                    self._fix_dimension(int(dimension))
            oid = self._db.execute("SELECT %s::regtype::oid", (self._vector.as_string(self._db),)).fetchone()
            assert oid is not None
            dumper = type("VectorDumper", (_VectorDumper,), {"oid": int(oid[0])})
            self._db.adapters.register_dumper(np.ndarray, dumper)
            self._db.adapters.register_loader(int(oid[0]), _VectorLoader)
            # With a filter, an HNSW scan goes on past its first candidates until LIMIT rows pass, in exact order.
            self._db.execute("SET hnsw.iterative_scan = strict_order")
            self._db.execute(sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(_EF_SEARCH)))
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
            "embedding": list(vectors),  # arrays: the binary vector dumper
        }
        rows = list(zip(*values.values(), strict=True))
        names = sql.SQL(", ").join(sql.Identifier(column) for column in _COLUMNS)
        placeholders = sql.SQL(", ").join(
            sql.SQL("%b") if column == "embedding" else sql.SQL("%s") for column in _COLUMNS
        )
        updates = sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(column)) for column in _COLUMNS[1:]
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
                if dimension is None:
                    self._db.execute(
                        "UPDATE profile_store_meta SET dimension = %s WHERE name = %s", (vectors.shape[1], self.name)
                    )
                    # Before the rows, so the column checks them; the HNSW index after them, built in one pass.
                    self._fix_dimension(vectors.shape[1], index=False)
                with self._db.cursor() as cursor:
                    cursor.executemany(upsert, rows)
                if dimension is None:
                    self._fix_dimension(vectors.shape[1])
                    if self.vector_index:
                        # Statistics now, not at autovacuum's leisure: without them the planner estimates a few
                        # rows and never walks the HNSW index.
                        self._db.execute(sql.SQL("ANALYZE {}").format(self._table))

    def _query(self, vector: Vector, k: int, flt: QueryFilter) -> list[tuple[Snapshot, float]]:
        conditions, params = _where(flt)
        columns = sql.SQL(", ").join(map(sql.Identifier, _COLUMNS))
        where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("TRUE")
        distance = sql.SQL("embedding {} %b").format(self._distance)
        # Ordering by distance alone lets the planner walk the HNSW index (approximate); adding snapshot_id as a
        # tie-break makes the order one that no index gives, so the search is an exact scan of the filtered rows.
        exact = sql.SQL("SELECT {}, {} AS distance FROM {} WHERE {} ORDER BY distance, snapshot_id LIMIT %s").format(
            columns, distance, self._table, where
        )
        approximate = sql.SQL("SELECT {}, {} FROM {} WHERE {} ORDER BY {} LIMIT %s").format(
            columns, distance, self._table, where, distance
        )
        with self._lock:
            self._check_open()
            wanted = k * _OVERFETCH if flt.near is not None else k
            while True:
                if self.vector_index:
                    rows = self._db.execute(approximate, [vector, *params, vector, wanted], binary=True).fetchall()
                    if len(rows) < wanted:
                        # The index scan stops after hnsw.max_scan_tuples: fewer rows need not mean no more matches.
                        rows = self._db.execute(exact, [vector, *params, wanted], binary=True).fetchall()
                    rows.sort(key=lambda row: (row[-1], row[0]))
                else:
                    rows = self._db.execute(exact, [vector, *params, wanted], binary=True).fetchall()
                kept = [(_snapshot(row), 1.0 - float(row[-1])) for row in rows]
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
            # Binary results: a vector arrives as float4s, not text to parse.
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
            return [_snapshot(row) for row in self._db.execute(query, (value,), binary=True)]

    def _meta(self, column: str, *, lock: bool = False) -> object:
        query = sql.SQL("SELECT {} FROM profile_store_meta WHERE name = %s{}").format(
            sql.Identifier(column), sql.SQL(" FOR UPDATE") if lock else sql.SQL("")
        )
        row = self._db.execute(query, (self.name,)).fetchone()
        return None if row is None else row[0]

    def _vector_schema(self) -> str:
        """The schema holding pgvector's type and operators, creating the extension when it is missing."""
        query = (
            "SELECT n.nspname FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'vector'"
        )
        row = self._db.execute(query).fetchone()
        if row is None:
            try:
                with self._db.transaction():  # a savepoint: a refusal leaves the outer transaction usable
                    self._db.execute("CREATE EXTENSION IF NOT EXISTS vector")
            except psycopg.Error as error:
                raise RuntimeError(f"{_PGVECTOR_FIX} ({error.diag.message_primary or error})") from error
            row = self._db.execute(query).fetchone()
            assert row is not None
        return str(row[0])

    def _fix_dimension(self, dimension: int, *, index: bool = True) -> None:
        """Give the embedding column its dimension and, for a searched-across store, the HNSW index.

        Tables written before pgvector kept ``real[]`` vectors and their norms: they are converted in place.
        """
        column = self._db.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attname = 'embedding'",
            (self._table.as_string(self._db),),
        ).fetchone()
        assert column is not None
        typed = sql.SQL("{}({})").format(self._vector, sql.Literal(dimension))
        if column[0] == "real[]":
            self._db.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN embedding TYPE {} USING embedding::{}, DROP COLUMN norm").format(
                    self._table, typed, typed
                )
            )
        elif not column[0].endswith(f"({dimension})"):
            self._db.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN embedding TYPE {}").format(self._table, typed))
        if index and self.vector_index:
            self._db.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING hnsw (embedding {})").format(
                    sql.Identifier(f"{self._table_name}_hnsw"), self._table, self._cosine_ops
                )
            )

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
        embedding=values["embedding"].tolist(),
    )


__all__ = ["PostgresProfileStore"]
