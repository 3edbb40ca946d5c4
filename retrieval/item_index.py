"""The item index: every catalogue place embedded by the interest encoder, in a profile store (FAISS or Chroma).

Each place is kept as one catalogue snapshot (user ``catalogue``, window = item id, its H3 cell and coordinates,
its category as label), so the item index gets the same store backends, cosine search and great-circle distance
filter as the profiles, from the same code. The store's name carries a digest of the encoder and the catalogue:
a retrained encoder or a changed catalogue gets a fresh index, and an unchanged one is reopened without loading
the encoder at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from profiles.closing import Closing
from profiles.config import Settings
from profiles.encoder import EmbeddingCache, InterestEncoder, encoder_model_id, item_texts
from profiles.geo import cell_of, haversine_km
from profiles.places import PlaceAnswer
from profiles.snapshots import SnapshotColumns, to_epoch_us
from profiles.stores.base import ProfileStore, open_store
from retrieval.catalogue import Catalogue

CATALOGUE_USER = "catalogue"
# Places have no time; every catalogue snapshot is stamped with this one instant.
_PLACES_HAVE_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)

Vectors = npt.NDArray[np.float32]
Embedder = Callable[[pd.DataFrame], npt.NDArray[np.floating]]


class PlaceHit(PlaceAnswer):
    """One place found by the item index: how close its embedding is to the query, and how far it is."""

    similarity: float
    distance_km: float | None = None


def catalogue_digest(items: pd.DataFrame, model_id: str) -> str:
    """A short digest of what the index holds: the encoder's id and every place's id, text and coordinates."""
    digest = hashlib.sha256(model_id.encode())
    frame = items.reset_index(drop=True)
    for item_id, text, latitude, longitude in zip(
        frame["item_id"].astype(str), item_texts(frame), frame["latitude"], frame["longitude"], strict=True
    ):
        digest.update(f"{item_id}\x1f{text}\x1f{float(latitude):.7f}\x1f{float(longitude):.7f}\x1e".encode())
    return digest.hexdigest()[:16]


def encoder_embedder(settings: Settings) -> Embedder:
    """Item embeddings from the interest encoder, through its on-disk cache."""

    def embed(items: pd.DataFrame) -> npt.NDArray[np.floating]:
        with EmbeddingCache.for_settings(settings.models) as cache:
            return InterestEncoder(settings.models).encode_items(items, cache=cache, progress=True)

    return embed


class ItemIndex(Closing):
    """Catalogue places and their embeddings in a profile store; search by vector or text within a radius.

    Open with :meth:`open`; use as a context manager (closing closes the store).
    """

    def __init__(self, store: ProfileStore, catalogue: Catalogue, settings: Settings) -> None:
        self.store = store
        self.catalogue = catalogue
        self.settings = settings
        self._vectors: Vectors | None = None
        self._encoder: InterestEncoder | None = None

    @classmethod
    def open(cls, settings: Settings, items: pd.DataFrame, embedder: Embedder | None = None) -> ItemIndex:
        """The index of ``items``; embeds and stores them first unless a store of this exact catalogue exists."""
        catalogue = Catalogue.from_items(items)
        bad = [item_id for item_id in catalogue.ids if "|" in item_id]
        if bad:
            raise ValueError(f"item ids must not contain '|', e.g. {bad[0]!r}")
        model_id = "custom-embedder" if embedder is not None else encoder_model_id(settings.models)
        # Every search spans the whole catalogue: where a backend can index that, it should.
        store = open_store(settings, f"items-{catalogue_digest(catalogue.items, model_id)}", vector_index=True)
        index = cls(store, catalogue, settings)
        try:
            if store.count() != len(catalogue):
                index._write((embedder or encoder_embedder(settings))(catalogue.items))
        except BaseException:
            store.close()
            raise
        return index

    def __len__(self) -> int:
        return len(self.catalogue)

    def vectors(self) -> Vectors:
        """Every place's embedding (float32), one row per place in catalogue order; read from the store once."""
        if self._vectors is None:
            columns = self.store.user_columns(CATALOGUE_USER)
            rows = np.array([self.catalogue.positions[item_id] for item_id in columns.window], dtype=np.intp)
            vectors = np.empty((len(self.catalogue), columns.embedding.shape[1]), dtype=np.float32)
            vectors[rows] = columns.embedding
            self._vectors = vectors
        return self._vectors

    def search(
        self,
        vector: npt.ArrayLike,
        k: int,
        *,
        near: tuple[float, float] | None = None,
        radius_km: float | None = None,
    ) -> list[PlaceHit]:
        """The ``k`` places whose embeddings are most like ``vector``, within ``radius_km`` of ``near`` if given.

        ``near`` alone only reports each hit's distance; ``radius_km`` needs ``near``.
        """
        if radius_km is not None and near is None:
            raise ValueError("radius_km needs near, the (latitude, longitude) to measure it from")
        found = self.store.query(
            vector, k, user_id=CATALOGUE_USER, near=near if radius_km is not None else None, radius_km=radius_km
        )
        hits = []
        for snapshot, similarity in found:
            place = self.catalogue.place(self.catalogue.positions[snapshot.window])
            distance = None
            if near is not None:
                distance = float(haversine_km(near[0], near[1], place.latitude, place.longitude))
            hits.append(PlaceHit(**dict(place), similarity=float(similarity), distance_km=distance))
        return hits

    def search_text(
        self,
        text: str,
        k: int,
        *,
        near: tuple[float, float] | None = None,
        radius_km: float | None = None,
    ) -> list[PlaceHit]:
        """Places matching a free-text description ("quiet coffee place with wifi"), by the interest encoder."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("search text must be a non-empty string")
        return self.search(self.encoder.encode([text])[0], k, near=near, radius_km=radius_km)

    @property
    def encoder(self) -> InterestEncoder:
        """The interest encoder, loaded on first use (reopening an index never needs it)."""
        if self._encoder is None:
            self._encoder = InterestEncoder(self.settings.models)
        return self._encoder

    def close(self) -> None:
        self.store.close()

    def _write(self, embeddings: npt.ArrayLike) -> None:
        vectors = np.asarray(embeddings, dtype=np.float32)
        catalogue = self.catalogue
        if vectors.shape[0] != len(catalogue):
            raise ValueError(f"{vectors.shape[0]} embeddings for {len(catalogue)} places")
        self.store.delete_user(CATALOGUE_USER)  # a half-written index from an interrupted run
        count = len(catalogue)
        moment = to_epoch_us(_PLACES_HAVE_NO_TIME)
        resolution = self.settings.preprocessing.h3_resolution
        categories = catalogue.items["category"].astype(str).tolist()
        self.store.add_columns(
            SnapshotColumns(
                user_id=np.full(count, CATALOGUE_USER, dtype=object),
                window=np.asarray(catalogue.ids, dtype=object),
                cell=np.array(
                    [
                        cell_of(lat, lon, resolution)
                        for lat, lon in zip(catalogue.latitude, catalogue.longitude, strict=True)
                    ],
                    dtype=object,
                ),
                start_us=np.full(count, moment, dtype=np.int64),
                end_us=np.full(count, moment, dtype=np.int64),
                latitude=catalogue.latitude.copy(),
                longitude=catalogue.longitude.copy(),
                count=np.ones(count, dtype=np.int64),
                weight_sum=np.ones(count, dtype=np.float64),
                hour_of_week=np.zeros(count, dtype=np.float64),
                hour_concentration=np.zeros(count, dtype=np.float64),
                top_labels=[[category] for category in categories],
                label_weights=[[1.0] for _ in categories],
                embedding=vectors,
            )
        )
        self.store.persist()
        self._vectors = vectors
