"""Profile store on FAISS (vectors) and SQLite (snapshots, the source of truth), in one folder.

SQLite holds every snapshot with its raw embedding; the FAISS index holds unit-length copies keyed by the
SQLite row id, so inner product is cosine similarity. IVF indexes keep those ids themselves; other types are
wrapped in IndexIDMap2. Row ids are never reused (AUTOINCREMENT) and an upsert
gets a new one, so "the index holds exactly the SQLite ids" means the two agree. Opening the folder checks
that and repairs the index from SQLite when a crash left it behind (or it is missing or unreadable).
"""

from __future__ import annotations

import itertools
import json
import logging
import operator
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from profiles.atomic import write_atomic
from profiles.snapshots import Snapshot, SnapshotColumns, to_epoch_us
from profiles.stores.base import LogPosition, ProfileStore, QueryFilter, Vector, unit_rows

logger = logging.getLogger(__name__)

INDEX_FILE = "index.faiss"
DB_FILE = "snapshots.sqlite"
DEFAULT_INDEX_FACTORY = "Flat"

# Another process opening the same folder (two evaluations sharing the item index) waits this long for the first
# one's write, such as encoding the catalogue, instead of failing at SQLite's 5 s default.
BUSY_TIMEOUT_S = 600.0
_CHUNK = 900  # ids per "IN (...)" list, under SQLite's smallest variable limit
_REBUILD_CHUNK = 65_536  # vectors read from SQLite at a time when (re)building the index

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    snapshot_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    window_label TEXT NOT NULL,
    cell TEXT NOT NULL,
    start_us INTEGER NOT NULL,  -- microseconds since 1970, UTC
    end_us INTEGER NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    event_count INTEGER NOT NULL,
    weight_sum REAL NOT NULL,
    top_labels TEXT NOT NULL,
    label_weights TEXT NOT NULL DEFAULT '[]',
    hour_of_week REAL NOT NULL DEFAULT 0,
    hour_concentration REAL NOT NULL DEFAULT 0
);
-- Vectors apart from the metadata rows, so filter scans never read them.
CREATE TABLE IF NOT EXISTS vectors (id INTEGER PRIMARY KEY, vector BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS snapshots_user ON snapshots (user_id, start_us);
CREATE INDEX IF NOT EXISTS snapshots_time ON snapshots (start_us, end_us);
CREATE INDEX IF NOT EXISTS snapshots_place ON snapshots (latitude, longitude);
"""

# Columns a store made before a field existed gets on open, with the field's default.
_ADDED_COLUMNS = {
    "label_weights": "TEXT NOT NULL DEFAULT '[]'",
    "hour_of_week": "REAL NOT NULL DEFAULT 0",
    "hour_concentration": "REAL NOT NULL DEFAULT 0",
}
# Everything but snapshot_id, which is derived: each string read back costs time on the context() path.
_COLUMNS = (
    "s.id, s.user_id, s.window_label, s.cell, s.start_us, s.end_us, s.latitude, s.longitude, s.event_count, "
    "s.weight_sum, s.top_labels, s.label_weights, s.hour_of_week, s.hour_concentration, v.vector"
)
_SELECT = f"SELECT {_COLUMNS} FROM snapshots AS s JOIN vectors AS v ON v.id = s.id"

IdArray = npt.NDArray[np.int64]


class FaissProfileStore(ProfileStore):
    """Snapshots in ``folder``: ``snapshots.sqlite`` and ``index.faiss``. One process at a time per folder.

    ``index_factory`` is a faiss.index_factory string for the vectors (default "Flat", exact search; e.g.
    "HNSW32" or "IVF4096,Flat" for millions of snapshots), always with inner product. Types that cannot remove
    vectors (HNSW) are rebuilt from SQLite on every replace or delete, which is slow for large stores.
    Index types that need training train on the first batch added, so make that batch representative.
    ``nprobe`` sets how many lists an IVF index searches (more: better recall, slower). Filtered queries whose
    candidates number at most ``exact_search_limit`` are scored exactly from SQLite.

    user_columns() serves from an in-memory copy of every user's rows, read in one pass on its first call when
    the store holds at most ``memory_limit`` snapshots (it costs about what the vectors take on disk): a
    thousand rows materialised from SQLite per call would cost more than the whole context() budget. Writes
    drop the users they touch from it, and those are read back on their next call.
    """

    def __init__(
        self,
        folder: Path | str,
        *,
        dimension: int | None = None,
        index_factory: str | None = None,
        exact_search_limit: int = 10_000,
        nprobe: int | None = None,
        memory_limit: int = 2_000_000,
    ) -> None:
        if index_factory is not None and index_factory.upper().startswith("IDMAP"):
            raise ValueError("give index_factory without IDMap: the store maps ids itself")
        self.folder = Path(folder)
        self.exact_search_limit = exact_search_limit
        self.nprobe = nprobe
        self.memory_limit = memory_limit
        self._by_user: dict[str, SnapshotColumns] | None = None  # user_columns()'s copy, read on first use
        self._lock = threading.RLock()
        self._closed = False
        self._dirty = False  # the in-memory index differs from the index file
        self._deleted = False  # rows were deleted since the last checkpoint: their bytes must leave the disk
        self.folder.mkdir(parents=True, exist_ok=True)
        # Transactions are managed by hand (isolation_level=None): one stays open until persist().
        self._db = sqlite3.connect(
            self.folder / DB_FILE, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            # Deleted rows are overwritten with zeros, so a forgotten user's data does not linger in free pages.
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.executescript(_SCHEMA)
            self._add_missing_columns()
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            stored_dimension = int(meta["dimension"]) if "dimension" in meta else None
            if dimension is not None and stored_dimension is not None and dimension != stored_dimension:
                raise ValueError(f"store in {self.folder} has dimension {stored_dimension}, not {dimension}")
            self._dimension = stored_dimension if stored_dimension is not None else dimension
            stored_factory = meta.get("index_factory")
            self._factory = index_factory or stored_factory or DEFAULT_INDEX_FACTORY
            self._index = self._load_index(stored_factory)
            if meta.get("index_factory") != self._factory or (stored_dimension is None and dimension is not None):
                self._begin()
                self._write_meta()
            self._reconcile()
        except BaseException:
            self._db.close()
            raise

    # ---- ProfileStore --------------------------------------------------------------------------------------

    @property
    def dimension(self) -> int | None:
        return self._dimension

    @property
    def index_factory(self) -> str:
        return self._factory

    def users(self) -> list[str]:
        with self._lock:
            self._check_open()
            return [row[0] for row in self._db.execute("SELECT DISTINCT user_id FROM snapshots ORDER BY user_id")]

    def count(self) -> int:
        with self._lock:
            self._check_open()
            return int(self._db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0])

    def persist(self) -> None:
        """Commit SQLite, the source of truth; the index file is written only at close() or after a delete.

        Writing the whole index per change would cost a full rewrite per event; an index file that lags behind is
        repaired from SQLite on open instead. Deletes write it at once, so deleted vectors leave the disk.
        """
        with self._lock:
            self._check_open()
            if self._db.in_transaction:
                self._db.execute("COMMIT")
            if self._deleted:
                self._checkpoint()

    def log_position(self) -> LogPosition | None:
        with self._lock:
            self._check_open()
            meta = dict(self._db.execute("SELECT key, value FROM meta WHERE key LIKE 'log_%'").fetchall())
        if "log_generation" not in meta:
            return None
        return LogPosition(meta["log_generation"], int(meta["log_seq"]))

    def mark_log_position(self, position: LogPosition) -> None:
        with self._lock:
            self._check_open()
            self._begin()
            self._db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [("log_generation", position.generation), ("log_seq", str(position.seq))],
            )

    def _checkpoint(self) -> None:
        """Write the index file when it differs, and fold the WAL into the database (deleted rows leave it)."""
        if self._dirty:
            if self._index is not None:
                self._write_index()
            else:
                (self.folder / INDEX_FILE).unlink(missing_ok=True)  # stale: of another type or dimension
            self._dirty = False
        if self._deleted:
            # secure_delete zeroes freed cells, but a rebalanced index page can keep stale bytes in its unallocated
            # gap: rebuilding the file leaves no copy of a deleted user.
            self._db.execute("VACUUM")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._deleted = False

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                self.persist()
                self._checkpoint()
            finally:
                self._closed = True
                self._index, self._by_user = None, None
                self._db.close()

    def _add_columns(self, columns: SnapshotColumns) -> None:
        with self._lock:
            self._check_open()
            vectors = columns.embedding
            units = unit_rows(vectors)
            self._begin()
            self._db.execute("SAVEPOINT add_snapshots")
            before = (self._dimension, self._index)
            self._drop_cached(columns.user_id.tolist())
            try:
                if self._dimension is None:
                    self._dimension = int(vectors.shape[1])
                    self._write_meta()
                old_ids = self._ids_of(columns.snapshot_id)
                self._delete_rows(old_ids)
                new_ids = self._insert(columns)
                if self._index is None:
                    self._index = self._new_index()
                if not self._index.is_trained:
                    self._train(self._index, units)
                if old_ids.size and not self._remove_from_index(old_ids):
                    self._rebuild()  # reads the new rows from SQLite too
                else:
                    self._index.add_with_ids(units, new_ids)
                self._dirty = True
                self._db.execute("RELEASE add_snapshots")
            except BaseException:
                self._db.execute("ROLLBACK TO add_snapshots")
                self._db.execute("RELEASE add_snapshots")
                self._dimension, self._index = before
                self._reconcile()
                raise

    def _query(self, vector: Vector, k: int, flt: QueryFilter) -> list[tuple[Snapshot, float]]:
        with self._lock:
            self._check_open()
            if self._index is None or self._index.ntotal == 0:
                return []
            if flt.empty:
                scores, ids = self._index.search(vector[None, :], min(k, self._index.ntotal))
                hits = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
            else:
                hits = self._filtered_search(vector, k, flt)
            found = self._load(np.array([i for i, _ in hits], dtype=np.int64))
            return [(found[i], min(1.0, max(-1.0, score))) for i, score in hits if i in found]

    def _get_user(self, user_id: str) -> list[Snapshot]:
        with self._lock:
            self._check_open()
            return self._read_user(user_id).snapshots()

    def _user_columns(self, user_id: str) -> SnapshotColumns:
        with self._lock:
            self._check_open()
            if self._by_user is None:
                if self.count() > self.memory_limit:
                    return self._read_user(user_id)
                self._by_user = self._read_all_users()
            found = self._by_user.get(user_id)
            if found is None:  # unknown, or dropped by a write
                found = self._read_user(user_id)
                if len(found):
                    self._by_user[user_id] = found
            return found

    def _get(self, snapshot_id: str) -> Snapshot | None:
        with self._lock:
            self._check_open()
            row = self._db.execute(f"{_SELECT} WHERE s.snapshot_id = ?", (snapshot_id,)).fetchone()
            return None if row is None else _columns([row], self._dimension or 0).snapshot(0)

    def _delete_user(self, user_id: str) -> int:
        with self._lock:
            self._check_open()
            self._drop_cached([user_id])
            ids = np.fromiter(
                (row[0] for row in self._db.execute("SELECT id FROM snapshots WHERE user_id = ?", (user_id,))),
                dtype=np.int64,
            )
            if not ids.size:
                return 0
            self._begin()
            self._db.execute("SAVEPOINT delete_user")
            try:
                self._delete_rows(ids)
                if self._index is not None and not self._remove_from_index(ids):
                    self._rebuild()
                self._dirty = self._deleted = True
                self._db.execute("RELEASE delete_user")
            except BaseException:
                self._db.execute("ROLLBACK TO delete_user")
                self._db.execute("RELEASE delete_user")
                self._reconcile()
                raise
            return int(ids.size)

    # ---- SQLite ------------------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"profile store in {self.folder} is closed")

    def _begin(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")

    def _read_user(self, user_id: str) -> SnapshotColumns:
        rows = self._db.execute(f"{_SELECT} WHERE s.user_id = ?", (user_id,)).fetchall()
        return _columns(rows, self._dimension or 0)

    def _read_all_users(self) -> dict[str, SnapshotColumns]:
        """Every user's rows as columns, in one pass over SQLite in user order."""
        by_user: dict[str, SnapshotColumns] = {}
        cursor = self._db.execute(f"{_SELECT} ORDER BY s.user_id")
        carried: list[Any] = []
        while chunk := cursor.fetchmany(_REBUILD_CHUNK):
            rows = carried + chunk
            # The chunk's last user may go on in the next chunk: carry their rows over.
            cut = len(rows)
            while cut and rows[cut - 1][1] == rows[-1][1]:
                cut -= 1
            self._group_by_user(rows[:cut], by_user)
            carried = rows[cut:]
        self._group_by_user(carried, by_user)
        return by_user

    def _group_by_user(self, rows: list[Any], into: dict[str, SnapshotColumns]) -> None:
        for user_id, group in itertools.groupby(rows, key=operator.itemgetter(1)):
            into[user_id] = _columns(list(group), self._dimension or 0)

    def _drop_cached(self, user_ids: Sequence[str]) -> None:
        if self._by_user is not None:
            for user_id in set(user_ids):
                self._by_user.pop(user_id, None)

    def _add_missing_columns(self) -> None:
        present = {row[1] for row in self._db.execute("PRAGMA table_info(snapshots)")}
        for name, definition in _ADDED_COLUMNS.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE snapshots ADD COLUMN {name} {definition}")

    def _write_meta(self) -> None:
        values = {"index_factory": self._factory}
        if self._dimension is not None:
            values["dimension"] = str(self._dimension)
        self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items())

    def _ids_of(self, snapshot_ids: Sequence[str]) -> IdArray:
        found: list[int] = []
        if self._db.execute("SELECT NOT EXISTS (SELECT 1 FROM snapshots)").fetchone()[0]:
            return np.array(found, dtype=np.int64)  # a first bulk load: nothing to look up
        for chunk in _chunks(list(snapshot_ids)):
            marks = ",".join("?" * len(chunk))
            found.extend(
                row[0] for row in self._db.execute(f"SELECT id FROM snapshots WHERE snapshot_id IN ({marks})", chunk)
            )
        return np.array(found, dtype=np.int64)

    def _delete_rows(self, ids: IdArray) -> None:
        for chunk in _chunks(ids.tolist()):
            marks = ",".join("?" * len(chunk))
            self._db.execute(f"DELETE FROM vectors WHERE id IN ({marks})", chunk)
            self._db.execute(f"DELETE FROM snapshots WHERE id IN ({marks})", chunk)

    def _insert(self, columns: SnapshotColumns) -> IdArray:
        """Insert rows under fresh ids and return them."""
        # Explicit ids above the AUTOINCREMENT high-water mark: never reused, and known without a query per row.
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'snapshots'").fetchone()
        first = (int(row[0]) if row else 0) + 1
        ids = np.arange(first, first + len(columns), dtype=np.int64)
        self._db.executemany(
            "INSERT INTO snapshots (id, snapshot_id, user_id, window_label, cell, start_us, end_us, latitude,"
            " longitude, event_count, weight_sum, top_labels, label_weights, hour_of_week, hour_concentration)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            zip(
                ids.tolist(),
                columns.snapshot_id,
                columns.user_id.tolist(),
                columns.window.tolist(),
                columns.cell.tolist(),
                columns.start_us.tolist(),
                columns.end_us.tolist(),
                columns.latitude.tolist(),
                columns.longitude.tolist(),
                columns.count.tolist(),
                columns.weight_sum.tolist(),
                (json.dumps(labels, ensure_ascii=False) for labels in columns.top_labels),
                (json.dumps(weights) for weights in columns.label_weights),
                columns.hour_of_week.tolist(),
                columns.hour_concentration.tolist(),
                strict=True,
            ),
        )
        self._db.executemany(
            "INSERT INTO vectors (id, vector) VALUES (?, ?)",
            zip(ids.tolist(), (_blob(vector) for vector in columns.embedding), strict=True),
        )
        return ids

    def _load(self, ids: IdArray) -> dict[int, Snapshot]:
        found: dict[int, Snapshot] = {}
        for chunk in _chunks(ids.tolist()):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"{_SELECT} WHERE s.id IN ({marks})", chunk).fetchall()
            columns = _columns(rows, self._dimension or 0)
            found.update((int(row[0]), columns.snapshot(number)) for number, row in enumerate(rows))
        return found

    def _vectors(self, ids: IdArray) -> Vector:
        """Raw vectors of ids, in the order given."""
        by_id: dict[int, bytes] = {}
        for chunk in _chunks(ids.tolist()):
            marks = ",".join("?" * len(chunk))
            by_id.update(self._db.execute(f"SELECT id, vector FROM vectors WHERE id IN ({marks})", chunk).fetchall())
        return np.stack([np.frombuffer(by_id[int(i)], dtype="<f4") for i in ids]).astype(np.float32)

    def _filtered_search(self, vector: Vector, k: int, flt: QueryFilter) -> list[tuple[int, float]]:
        conditions: list[str] = []
        params: list[Any] = []
        if flt.user_id is not None:
            conditions.append("user_id = ?")
            params.append(flt.user_id)
        if flt.since is not None:
            conditions.append("end_us >= ?")
            params.append(to_epoch_us(flt.since))
        if flt.until is not None:
            conditions.append("start_us <= ?")
            params.append(to_epoch_us(flt.until))
        box = flt.bounding_box()
        if box is not None:
            conditions.append("latitude BETWEEN ? AND ?")
            params += [box.lat_min, box.lat_max]
            if box.lon_ranges:
                conditions.append("(" + " OR ".join("longitude BETWEEN ? AND ?" for _ in box.lon_ranges) + ")")
                params += [bound for lon_range in box.lon_ranges for bound in lon_range]
        rows = self._db.execute(
            f"SELECT id, latitude, longitude FROM snapshots WHERE {' AND '.join(conditions)}", params
        ).fetchall()
        if not rows:
            return []
        table = np.array(rows, dtype=np.float64)
        ids = table[flt.within_radius(table[:, 1], table[:, 2]), 0].astype(np.int64)
        if not ids.size:
            return []
        if ids.size <= self.exact_search_limit:
            return self._exact_top(ids, vector, k)
        assert self._index is not None
        selector = faiss.IDSelectorBatch(ids)
        try:
            found_scores, found_ids = self._index.search(
                vector[None, :], min(k, int(ids.size)), params=self._search_parameters(selector, k)
            )
        except RuntimeError:
            # Index types without selector support: score the candidates exactly, a chunk at a time.
            return self._exact_top(ids, vector, k)
        return [(int(i), float(s)) for i, s in zip(found_ids[0], found_scores[0], strict=True) if i >= 0]

    def _exact_top(self, ids: IdArray, vector: Vector, k: int) -> list[tuple[int, float]]:
        best_ids, best_scores = np.empty(0, np.int64), np.empty(0, np.float32)
        for start in range(0, ids.size, _REBUILD_CHUNK):
            chunk = ids[start : start + _REBUILD_CHUNK]
            best_ids = np.concatenate([best_ids, chunk])
            best_scores = np.concatenate([best_scores, self._unit_vectors(chunk) @ vector])
            order = np.argsort(-best_scores, kind="stable")[:k]
            best_ids, best_scores = best_ids[order], best_scores[order]
        return [(int(i), float(s)) for i, s in zip(best_ids, best_scores, strict=True)]

    def _unit_vectors(self, ids: IdArray) -> Vector:
        """Unit vectors of ids: straight from a flat index's memory (several times faster), else from SQLite."""
        if isinstance(self._index, faiss.IndexIDMap2) and isinstance(
            faiss.downcast_index(self._index.index), faiss.IndexFlat
        ):
            return self._index.reconstruct_batch(ids)
        return unit_rows(self._vectors(ids))

    # ---- FAISS -------------------------------------------------------------------------------------------

    def _new_index(self) -> faiss.Index:
        assert self._dimension is not None
        try:
            index = faiss.index_factory(self._dimension, self._factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as error:
            raise ValueError(f"faiss cannot build index {self._factory!r} for dimension {self._dimension}") from error
        if _ivf(index) is not None:
            return self._tuned(index)  # IVF stores ids itself; IDMap2 over IVF mismaps ids after remove_ids
        # Through the factory, so the IDMap2 owns the inner index (a Python-side wrapper could free it early).
        return faiss.index_factory(self._dimension, f"IDMap2,{self._factory}", faiss.METRIC_INNER_PRODUCT)

    @staticmethod
    def _train(index: faiss.Index, units: Vector) -> None:
        try:
            index.train(units)
        except RuntimeError as error:
            raise ValueError(
                f"the index needs training and {len(units)} vectors are not enough; add a larger first batch"
            ) from error

    def _load_index(self, stored_factory: str | None) -> faiss.Index | None:
        path = self.folder / INDEX_FILE
        if not path.exists():
            return None  # _reconcile builds it from SQLite when there are rows
        self._dirty = True  # until the file proves usable: persist() then replaces or removes it
        if self._dimension is None:
            return None
        if stored_factory is not None and stored_factory != self._factory:
            logger.info("index type changes from %r to %r: rebuilding from SQLite", stored_factory, self._factory)
            return None
        try:
            index = faiss.read_index(str(path))
        except RuntimeError:
            logger.warning("index file %s is unreadable: rebuilding it from SQLite", path)
            return None
        if not (isinstance(index, faiss.IndexIDMap2) or _ivf(index) is not None) or index.d != self._dimension:
            logger.warning("index file %s does not match the store: rebuilding it from SQLite", path)
            return None
        self._dirty = False
        return self._tuned(index)

    def _tuned(self, index: faiss.Index) -> faiss.Index:
        ivf = _ivf(index)
        if ivf is not None and self.nprobe is not None:
            ivf.nprobe = min(self.nprobe, ivf.nlist)
        return index

    def _write_index(self) -> None:
        """Write the index to a temporary file, then rename it over the old one: the old file survives any failure."""
        assert self._index is not None
        index = self._index
        write_atomic(self.folder / INDEX_FILE, lambda partial: faiss.write_index(index, str(partial)))

    def _remove_from_index(self, ids: IdArray) -> bool:
        """Remove ids for real; False when the index type cannot, so it must be rebuilt."""
        assert self._index is not None
        if isinstance(self._index, faiss.IndexIDMap2) and not isinstance(
            faiss.downcast_index(self._index.index), faiss.IndexFlatCodes
        ):
            # IDMap2 assumes removal renumbers the rest in order, which only flat codes do (HNSW cannot remove).
            return False
        self._index.remove_ids(ids)
        return True

    def _index_ids(self) -> IdArray:
        assert self._index is not None
        if isinstance(self._index, faiss.IndexIDMap2):
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        ivf = _ivf(self._index)
        assert ivf is not None
        lists = ivf.invlists
        found = [
            faiss.rev_swig_ptr(lists.get_ids(number), lists.list_size(number)).astype(np.int64)
            for number in range(ivf.nlist)
            if lists.list_size(number)
        ]
        return np.concatenate(found) if found else np.empty(0, np.int64)

    def _rebuild(self) -> None:
        """A fresh index holding exactly the SQLite vectors (what deletes in HNSW and repairs come down to)."""
        index = None
        for ids, vectors in self._iter_vectors("SELECT id, vector FROM vectors ORDER BY id", ()):
            if index is None:
                # Another process may have written the first rows after this one read the (then empty) meta table.
                self._dimension = self._dimension or vectors.shape[1]
                index = self._new_index()
            units = unit_rows(vectors)
            if not index.is_trained:
                self._train(index, units)
            index.add_with_ids(units, ids)
        self._index = index if index is not None else (self._new_index() if self._dimension is not None else None)
        self._dirty = True

    def _reconcile(self) -> None:
        """Make the index hold exactly the ids in SQLite."""
        db_ids = np.fromiter((row[0] for row in self._db.execute("SELECT id FROM snapshots")), dtype=np.int64)
        if self._index is None:
            if db_ids.size:
                self._rebuild()
            return
        index_ids = self._index_ids()
        extra = np.setdiff1d(index_ids, db_ids)
        missing = np.setdiff1d(db_ids, index_ids)
        if extra.size and not self._remove_from_index(extra):
            self._rebuild()
            return
        if missing.size:
            for ids, vectors in self._iter_missing(missing):
                units = unit_rows(vectors)
                if not self._index.is_trained:
                    self._train(self._index, units)
                self._index.add_with_ids(units, ids)
        if extra.size or missing.size:
            logger.info("index repaired from SQLite: %d removed, %d added", extra.size, missing.size)
            self._dirty = True

    def _iter_missing(self, ids: IdArray) -> Iterator[tuple[IdArray, Vector]]:
        for start in range(0, ids.size, _REBUILD_CHUNK):
            chunk = ids[start : start + _REBUILD_CHUNK]
            yield chunk, self._vectors(chunk)

    def _iter_vectors(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[IdArray, Vector]]:
        cursor = self._db.execute(sql, params)
        while rows := cursor.fetchmany(_REBUILD_CHUNK):
            ids = np.array([row[0] for row in rows], dtype=np.int64)
            yield ids, np.stack([np.frombuffer(row[1], dtype="<f4") for row in rows]).astype(np.float32)

    def _search_parameters(self, selector: faiss.IDSelector, k: int) -> faiss.SearchParameters:
        assert self._index is not None
        ivf = _ivf(self._index)
        inner = faiss.downcast_index(self._index.index) if isinstance(self._index, faiss.IndexIDMap2) else None
        # IVF and HNSW reject generic parameters; keep their own search settings.
        if ivf is not None:
            return faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)
        if isinstance(inner, faiss.IndexHNSW):
            return faiss.SearchParametersHNSW(sel=selector, efSearch=max(inner.hnsw.efSearch, k))
        return faiss.SearchParameters(sel=selector)


def _ivf(index: faiss.Index) -> faiss.IndexIVF | None:
    """The IVF index inside index (also behind a transform such as PCA), if any."""
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def _columns(rows: Sequence[Sequence[Any]], dimension: int) -> SnapshotColumns:
    """Rows of _SELECT as columns."""
    if not rows:
        return SnapshotColumns.from_snapshots([], np.empty((0, dimension), dtype=np.float32))
    fields = list(zip(*rows, strict=True))
    return SnapshotColumns(
        user_id=np.array(fields[1], dtype=object),
        window=np.array(fields[2], dtype=object),
        cell=np.array(fields[3], dtype=object),
        start_us=np.array(fields[4], dtype=np.int64),
        end_us=np.array(fields[5], dtype=np.int64),
        latitude=np.array(fields[6], dtype=np.float64),
        longitude=np.array(fields[7], dtype=np.float64),
        count=np.array(fields[8], dtype=np.int64),
        weight_sum=np.array(fields[9], dtype=np.float64),
        top_labels=_json_lists(fields[10]),
        label_weights=_json_lists(fields[11]),
        hour_of_week=np.array(fields[12], dtype=np.float64),
        hour_concentration=np.array(fields[13], dtype=np.float64),
        embedding=np.frombuffer(b"".join(fields[14]), dtype="<f4").reshape(len(rows), -1).astype(np.float32),
    )


def _json_lists(texts: Sequence[str]) -> list[Any]:
    # One parse of the joined texts: a thousand json.loads calls cost milliseconds on the context() path.
    return json.loads("[" + ",".join(texts) + "]")


def _blob(vector: Vector) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
