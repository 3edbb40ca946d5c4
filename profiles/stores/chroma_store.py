"""Profile store on a Chroma collection (cosine space), local (PersistentClient) or on a server (HttpClient).

Metadata holds everything but the embedding: user_id, window, cell, start_us/end_us (integer microseconds
since 1970: Chroma 1.5 returns some float metadata one ulp off, which would move time boundaries), latitude,
longitude, count, weight_sum, hour_of_week, hour_concentration, and top_labels and label_weights as JSON text
(records written before a field existed read back with its default). User and time
filters and a bounding box go to Chroma as ``where``; the exact radius is applied afterwards with
haversine_km, fetching more results until k pass.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.errors import InvalidArgumentError

from profiles.snapshots import Snapshot, SnapshotColumns, from_epoch_us, to_epoch_us
from profiles.stores.base import LogPosition, ProfileStore, QueryFilter, Vector

_PAGE = 1_000  # records per get() page when listing users
_OVERFETCH = 4  # first query asks for k × this when a radius filter may drop results


class ChromaProfileStore(ProfileStore):
    """Snapshots in one Chroma collection; every write is durable when the call returns."""

    def __init__(self, client: ClientAPI, name: str = "profiles", *, owns_client: bool = False) -> None:
        self.name = name
        self._client = client
        self._owns_client = owns_client
        self._lock = threading.RLock()
        self._closed = False
        # No embedding function: embeddings always come in, and the default one would try to fetch a model.
        self._collection: Collection = client.get_or_create_collection(
            name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )
        space = ((self._collection.configuration or {}).get("hnsw") or {}).get("space")
        if space != "cosine":
            raise ValueError(f"Chroma collection {name!r} uses space {space!r}; profile stores need 'cosine'")
        self._dimension = self._stored_dimension()

    @classmethod
    def persistent(cls, path: Path | str, name: str = "profiles") -> ChromaProfileStore:
        """A store in a local Chroma folder."""
        Path(path).mkdir(parents=True, exist_ok=True)
        return cls(chromadb.PersistentClient(path=str(path)), name, owns_client=True)

    @classmethod
    def http(cls, host: str, port: int = 8000, name: str = "profiles") -> ChromaProfileStore:
        """A store on a Chroma server."""
        return cls(chromadb.HttpClient(host=host, port=port), name, owns_client=True)

    # ---- ProfileStore --------------------------------------------------------------------------------------

    @property
    def dimension(self) -> int | None:
        return self._dimension

    def users(self) -> list[str]:
        # Chroma has no DISTINCT: page through the metadata.
        with self._lock:
            self._check_open()
            found: set[str] = set()
            for page in self._pages(include=["metadatas"]):
                found.update(str(metadata["user_id"]) for metadata in page["metadatas"] or [] if metadata)
            return sorted(found)

    def count(self) -> int:
        with self._lock:
            self._check_open()
            return int(self._collection.count())

    def persist(self) -> None:
        with self._lock:
            self._check_open()  # Chroma commits every write itself

    def log_position(self) -> LogPosition | None:
        with self._lock:
            self._check_open()
            metadata = self._collection.metadata or {}
        if "log_generation" not in metadata:
            return None
        return LogPosition(str(metadata["log_generation"]), int(metadata["log_seq"]))

    def mark_log_position(self, position: LogPosition) -> None:
        # Chroma has no transactions: the mark follows the writes, so a crash between them replays a few events
        # into snapshots that already hold them. Only the FAISS backend commits both at once.
        with self._lock:
            self._check_open()
            metadata = {**(self._collection.metadata or {}), "log_generation": position.generation}
            self._collection.modify(metadata={**metadata, "log_seq": position.seq})

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._owns_client:
                close = getattr(self._client, "close", None)
                if callable(close):
                    close()

    def _add_columns(self, columns: SnapshotColumns) -> None:
        with self._lock:
            self._check_open()
            vectors = columns.embedding
            ids, metadatas = columns.snapshot_id, _metadatas(columns)
            batch = max(1, int(self._client.get_max_batch_size()))
            for start in range(0, len(ids), batch):
                try:
                    self._collection.upsert(
                        ids=ids[start : start + batch],
                        embeddings=vectors[start : start + batch],
                        metadatas=metadatas[start : start + batch],
                    )
                except InvalidArgumentError as error:
                    # e.g. the collection kept the dimension of snapshots that were all deleted since
                    raise ValueError(f"Chroma rejected the snapshots: {error}") from error
            if self._dimension is None:
                self._dimension = int(vectors.shape[1])

    def _query(self, vector: Vector, k: int, flt: QueryFilter) -> list[tuple[Snapshot, float]]:
        with self._lock:
            self._check_open()
            total = self._collection.count()
            if total == 0:
                return []
            where = _where(flt)
            wanted = min(total, k * _OVERFETCH if flt.near is not None else k)
            while True:
                result = self._collection.query(
                    query_embeddings=[vector],
                    n_results=wanted,
                    where=where,
                    include=["metadatas", "distances", "embeddings"],
                )
                ids = result["ids"][0]
                metadatas = (result["metadatas"] or [[]])[0]
                distances = (result["distances"] or [[]])[0]
                embeddings = result["embeddings"][0] if result["embeddings"] is not None else [None] * len(ids)
                hits = [
                    (_snapshot(record_id, metadata, embedding), 1.0 - float(distance))
                    for record_id, metadata, distance, embedding in zip(
                        ids, metadatas, distances, embeddings, strict=True
                    )
                ]
                kept = [(snapshot, score) for snapshot, score in hits if flt.matches(snapshot)]
                if len(ids) < wanted and self._missed_some(where, len(ids)):
                    kept = self._exact_hits(vector, where, flt)
                    break
                # Fewer results than asked for means Chroma has no more matches; otherwise widen and retry.
                if len(kept) >= k or len(ids) < wanted or wanted >= total:
                    break
                wanted = min(total, wanted * _OVERFETCH)
            kept.sort(key=lambda hit: -hit[1])
            return [(snapshot, min(1.0, max(-1.0, score))) for snapshot, score in kept[:k]]

    def _get_user(self, user_id: str) -> list[Snapshot]:
        with self._lock:
            self._check_open()
            snapshots: list[Snapshot] = []
            for page in self._pages(where={"user_id": user_id}, include=["metadatas", "embeddings"]):
                snapshots.extend(_records(page))
            return snapshots

    def _get(self, snapshot_id: str) -> Snapshot | None:
        with self._lock:
            self._check_open()
            found = _records(self._collection.get(ids=[snapshot_id], include=["metadatas", "embeddings"]))
            return found[0] if found else None

    def _delete_user(self, user_id: str) -> int:
        with self._lock:
            self._check_open()
            ids = [
                record_id for page in self._pages(where={"user_id": user_id}, include=[]) for record_id in page["ids"]
            ]
            batch = max(1, int(self._client.get_max_batch_size()))
            for start in range(0, len(ids), batch):
                self._collection.delete(ids=ids[start : start + batch])
            return len(ids)

    # ---- helpers -----------------------------------------------------------------------------------------

    def _missed_some(self, where: dict[str, Any] | None, returned: int) -> bool:
        """Whether more records match ``where`` than the approximate index returned.

        Chroma's HNSW graph can leave records unreachable after deletes, so a short answer does not always
        mean there are no more matches.
        """
        matching = sum(len(page["ids"]) for page in self._pages(where=where, include=[]))
        return matching > returned

    def _exact_hits(
        self, vector: Vector, where: dict[str, Any] | None, flt: QueryFilter
    ) -> list[tuple[Snapshot, float]]:
        """Every record matching the filter, scored by exact cosine similarity."""
        query = np.asarray(vector, dtype=np.float64)
        query = query / (np.linalg.norm(query) or 1.0)
        hits: list[tuple[Snapshot, float]] = []
        for page in self._pages(where=where, include=["metadatas", "embeddings"]):
            for snapshot in _records(page):
                if not flt.matches(snapshot):
                    continue
                stored = np.asarray(snapshot.embedding, dtype=np.float64)
                hits.append((snapshot, float(stored @ query / (np.linalg.norm(stored) or 1.0))))
        return hits

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"profile store {self.name!r} is closed")

    def _stored_dimension(self) -> int | None:
        peek = self._collection.get(limit=1, include=["embeddings"])
        embeddings = peek["embeddings"]
        return None if embeddings is None or len(embeddings) == 0 else len(embeddings[0])

    def _pages(self, *, where: dict[str, Any] | None = None, include: list[Any]) -> Iterator[Any]:
        offset = 0
        while True:
            page = self._collection.get(where=where, include=include, limit=_PAGE, offset=offset)
            if not page["ids"]:
                return
            yield page
            if len(page["ids"]) < _PAGE:
                return
            offset += len(page["ids"])


def _where(flt: QueryFilter) -> dict[str, Any] | None:
    conditions: list[dict[str, Any]] = []
    if flt.user_id is not None:
        conditions.append({"user_id": {"$eq": flt.user_id}})
    if flt.since is not None:
        conditions.append({"end_us": {"$gte": to_epoch_us(flt.since)}})
    if flt.until is not None:
        conditions.append({"start_us": {"$lte": to_epoch_us(flt.until)}})
    box = flt.bounding_box()
    if box is not None:
        conditions += [{"latitude": {"$gte": box.lat_min}}, {"latitude": {"$lte": box.lat_max}}]
        ranges = [
            {"$and": [{"longitude": {"$gte": low}}, {"longitude": {"$lte": high}}]} for low, high in box.lon_ranges
        ]
        if len(ranges) == 1:
            conditions += ranges[0]["$and"]
        elif ranges:
            conditions.append({"$or": ranges})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def _metadatas(columns: SnapshotColumns) -> list[dict[str, str | int | float]]:
    values: dict[str, list[Any]] = {
        "user_id": columns.user_id.tolist(),
        "window": columns.window.tolist(),
        "cell": columns.cell.tolist(),
        "start_us": columns.start_us.tolist(),
        "end_us": columns.end_us.tolist(),
        "latitude": columns.latitude.tolist(),
        "longitude": columns.longitude.tolist(),
        "count": columns.count.tolist(),
        "weight_sum": columns.weight_sum.tolist(),
        "top_labels": [json.dumps(labels, ensure_ascii=False) for labels in columns.top_labels],
        "label_weights": [json.dumps(weights) for weights in columns.label_weights],
        "hour_of_week": columns.hour_of_week.tolist(),
        "hour_concentration": columns.hour_concentration.tolist(),
    }
    return [dict(zip(values, row, strict=True)) for row in zip(*values.values(), strict=True)]


def _snapshot(record_id: str, metadata: Any, embedding: Any) -> Snapshot:
    return Snapshot(
        snapshot_id=record_id,
        user_id=metadata["user_id"],
        window=metadata["window"],
        cell=metadata["cell"],
        start=from_epoch_us(metadata["start_us"]),
        end=from_epoch_us(metadata["end_us"]),
        latitude=float(metadata["latitude"]),
        longitude=float(metadata["longitude"]),
        count=int(metadata["count"]),
        weight_sum=float(metadata["weight_sum"]),
        top_labels=json.loads(str(metadata["top_labels"])),
        label_weights=json.loads(str(metadata.get("label_weights", "[]"))),
        hour_of_week=float(metadata.get("hour_of_week", 0.0)),
        hour_concentration=float(metadata.get("hour_concentration", 0.0)),
        embedding=[] if embedding is None else np.asarray(embedding, dtype=np.float32).tolist(),
    )


def _records(result: Any) -> list[Snapshot]:
    ids = result["ids"]
    metadatas = result["metadatas"] or [None] * len(ids)
    embeddings = result["embeddings"] if result["embeddings"] is not None else [None] * len(ids)
    return [_snapshot(i, m, e) for i, m, e in zip(ids, metadatas, embeddings, strict=True)]
