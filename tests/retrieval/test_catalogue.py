"""The catalogue's lookups, and the place models the retrieval layer answers with: Place fields, JSON unchanged."""

from __future__ import annotations

import json
import pickle

import pandas as pd

from profiles.places import Place, top_category
from retrieval import features
from retrieval.catalogue import Catalogue
from retrieval.history import EventStream, HistoryState
from retrieval.item_index import PlaceHit
from retrieval.recommender import Recommendation

ITEMS = pd.DataFrame(
    {
        "item_id": ["A", "B", "C"],
        "name": ["Joe", "", float("nan")],
        "category": ["Coffee Shop", "Home (private)", "Park"],
        "category_path": ["Dining and Drinking > Cafe > Coffee Shop", "Residence > Home (private)", ""],
        "latitude": [40.730, 40.710, 40.736],
        "longitude": [-73.990, -73.950, -73.991],
    }
)


def test_catalogue_lookups_use_the_one_category_definition() -> None:
    catalogue = Catalogue.from_items(ITEMS)
    assert [catalogue.top_name(p) for p in range(3)] == ["Dining and Drinking", "Residence", "Park"]
    assert [catalogue.leaf_name(p) for p in range(3)] == ["Coffee Shop", "Home (private)", "Park"]
    for position, row in ITEMS.iterrows():
        assert catalogue.top_name(int(position)) == top_category(row["category_path"] or row["category"])


def test_catalogue_place() -> None:
    catalogue = Catalogue.from_items(ITEMS)
    home = catalogue.place(1)
    assert home == Place(
        item_id="B",
        name="",
        category="Home (private)",
        category_path="Residence > Home (private)",
        latitude=40.710,
        longitude=-73.950,
    )
    assert home.label == "a Home (private)" and home.top_category == "Residence"
    assert catalogue.place(2).name == ""  # a missing name is no name, not 'nan'
    bare = Catalogue.from_items(ITEMS.drop(columns=["category_path"]))
    assert bare.place(0).category_path == "" and bare.top_name(0) == "Coffee Shop"


def test_hits_and_recommendations_are_places_with_their_old_json() -> None:
    place = dict(Catalogue.from_items(ITEMS).place(1))
    hit = PlaceHit(**place, similarity=0.5, distance_km=1.2)
    recommendation = Recommendation(**place, distance_km=1.2, score=0.3, is_return=True, reasons=["near you"])
    assert isinstance(hit, Place) and isinstance(recommendation, Place)
    assert hit.top_category == recommendation.top_category == "Residence"
    assert hit.label == "a Home (private)"
    assert list(json.loads(hit.model_dump_json())) == [
        "item_id",
        "name",
        "category",
        "latitude",
        "longitude",
        "similarity",
        "distance_km",
    ]
    assert list(json.loads(recommendation.model_dump_json())) == [
        "item_id",
        "name",
        "category",
        "latitude",
        "longitude",
        "distance_km",
        "score",
        "is_return",
        "reasons",
    ]
    assert PlaceHit.model_validate_json(hit.model_dump_json()).similarity == 0.5


def test_moved_names_are_still_importable_from_features() -> None:
    # Saved recommenders (pickles) name these classes by retrieval.features.
    assert features.Catalogue is Catalogue
    assert features.HistoryState is HistoryState and features.EventStream is EventStream


def test_catalogue_place_texts_survive_pickling_and_missing_string_values() -> None:
    items = ITEMS.astype({"name": "string"})  # a missing value in a string column is pd.NA, not NaN
    catalogue = Catalogue.from_items(items)
    restored = pickle.loads(pickle.dumps(catalogue))  # saved recommenders pickle their catalogue
    assert [restored.place(p).name for p in range(3)] == ["Joe", "", ""]
    assert restored.place(0) == catalogue.place(0)
