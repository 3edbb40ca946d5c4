"""The item index: the same tests for the FAISS and the Chroma backends, with a counting embedder."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from profiles.config import Settings, load_settings
from profiles.geo import haversine_km
from retrieval.item_index import ItemIndex

# Three clusters of places in Manhattan and Brooklyn; the embedding is the one-hot of the category.
PLACES = [
    ("cafe-soho", "Soho Beans", "Coffee Shop", 40.7233, -74.0030),
    ("cafe-village", "Village Roast", "Coffee Shop", 40.7336, -74.0027),
    ("cafe-wburg", "Bedford Brew", "Coffee Shop", 40.7177, -73.9573),
    ("bar-soho", "Prince Tavern", "Bar", 40.7245, -74.0010),
    ("bar-wburg", "Kent Ale House", "Bar", 40.7210, -73.9620),
    ("park-central", "Sheep Meadow", "Park", 40.7716, -73.9750),
]
CATEGORIES = sorted({place[2] for place in PLACES})


def items_frame() -> pd.DataFrame:
    frame = pd.DataFrame(PLACES, columns=["item_id", "name", "category", "latitude", "longitude"])
    frame["category_path"] = frame["category"]
    return frame


class CountingEmbedder:
    """One-hot category vectors (plus a small id-dependent part, so no two places tie), counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, items: pd.DataFrame) -> npt.NDArray[np.float32]:
        self.calls += 1
        vectors = np.zeros((len(items), len(CATEGORIES) + 1), dtype=np.float32)
        for row, category in enumerate(items["category"]):
            vectors[row, CATEGORIES.index(category)] = 1.0
            vectors[row, -1] = 0.01 * (row + 1)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(params=["faiss", "chroma"])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return load_settings(state_dir=tmp_path / "state", store={"backend": request.param})


def category_vector(category: str) -> np.ndarray:
    vector = np.zeros(len(CATEGORIES) + 1)
    vector[CATEGORIES.index(category)] = 1.0
    return vector


def test_vectors_come_back_in_catalogue_order(backend_settings: Settings) -> None:
    embedder = CountingEmbedder()
    items = items_frame()
    with ItemIndex.open(backend_settings, items, embedder=embedder) as index:
        assert len(index) == len(PLACES)
        np.testing.assert_allclose(index.vectors(), embedder(items), atol=1e-6)


def test_reopening_the_same_catalogue_does_not_embed_again(backend_settings: Settings) -> None:
    embedder = CountingEmbedder()
    with ItemIndex.open(backend_settings, items_frame(), embedder=embedder):
        pass
    with ItemIndex.open(backend_settings, items_frame(), embedder=embedder) as index:
        vectors = index.vectors()  # read from the store this time
    assert embedder.calls == 1
    np.testing.assert_allclose(vectors, embedder(items_frame()), atol=1e-6)


def test_a_changed_catalogue_is_embedded_afresh(backend_settings: Settings) -> None:
    embedder = CountingEmbedder()
    with ItemIndex.open(backend_settings, items_frame(), embedder=embedder):
        pass
    moved = items_frame()
    moved.loc[0, "latitude"] += 0.01
    with ItemIndex.open(backend_settings, moved, embedder=embedder) as index:
        hit = index.search(category_vector("Coffee Shop"), 6, near=(moved.loc[0, "latitude"], -74.0030))
    assert embedder.calls == 2
    assert {h.item_id: h.distance_km for h in hit}["cafe-soho"] == pytest.approx(0.0, abs=1e-6)


def test_search_ranks_by_similarity_and_reports_distance(backend_settings: Settings) -> None:
    with ItemIndex.open(backend_settings, items_frame(), embedder=CountingEmbedder()) as index:
        here = (40.7240, -74.0020)
        hits = index.search(category_vector("Coffee Shop"), 3, near=here)
    assert [hit.category for hit in hits] == ["Coffee Shop"] * 3
    assert all(earlier.similarity >= later.similarity for earlier, later in itertools.pairwise(hits))
    for hit in hits:
        assert hit.distance_km == pytest.approx(haversine_km(*here, hit.latitude, hit.longitude), rel=1e-9)


def test_radius_filter_keeps_only_nearby_places(backend_settings: Settings) -> None:
    soho = (40.7240, -74.0020)
    with ItemIndex.open(backend_settings, items_frame(), embedder=CountingEmbedder()) as index:
        hits = index.search(category_vector("Coffee Shop"), 6, near=soho, radius_km=2.0)
    assert {hit.item_id for hit in hits} == {"cafe-soho", "cafe-village", "bar-soho"}
    assert hits[0].category == "Coffee Shop"
    assert all(hit.distance_km is not None and hit.distance_km <= 2.0 for hit in hits)


def test_bad_queries_name_what_is_wrong(backend_settings: Settings) -> None:
    with ItemIndex.open(backend_settings, items_frame(), embedder=CountingEmbedder()) as index:
        with pytest.raises(ValueError, match="radius_km needs near"):
            index.search(category_vector("Bar"), 3, radius_km=1.0)
        with pytest.raises(ValueError, match="k must be a positive integer"):
            index.search(category_vector("Bar"), 0)
        with pytest.raises(ValueError, match="dimension"):
            index.search(np.ones(3), 3)
        with pytest.raises(ValueError, match="non-empty string"):
            index.search_text("  ", 3)


def test_ids_with_the_separator_are_refused(settings: Settings) -> None:
    items = items_frame()
    items.loc[0, "item_id"] = "a|b"
    with pytest.raises(ValueError, match="must not contain"):
        ItemIndex.open(settings, items, embedder=CountingEmbedder())


def test_text_search_with_the_real_encoder(settings: Settings) -> None:
    with ItemIndex.open(settings, items_frame()) as index:
        hits = index.search_text("a cup of coffee", 2)
        beers = index.search_text("pub with beer on tap", 1)
    assert [hit.category for hit in hits] == ["Coffee Shop", "Coffee Shop"]
    assert beers[0].category == "Bar"
