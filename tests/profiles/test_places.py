"""The place vocabulary: one definition of a category path's levels and of how a place is called, used everywhere."""

from __future__ import annotations

import pandas as pd
import pytest

from profiles import events, places
from profiles.events import Item
from profiles.insights import top_categories as insights_top_categories
from profiles.places import (
    CATEGORY_SEPARATOR,
    Place,
    PlaceAnswer,
    leaf_category,
    leaf_category_column,
    place_label,
    top_category,
    top_category_column,
    with_article,
)

PATHS = [
    "Dining and Drinking > Cafe > Coffee Shop",
    "Arts and Entertainment > Music Venue > Jazz and Blues Venue",
    "Residence > Home (private)",
    "Landmarks and Outdoors > Park",
]


@pytest.mark.parametrize(
    ("value", "top", "leaf"),
    [
        ("Dining and Drinking > Cafe > Coffee Shop", "Dining and Drinking", "Coffee Shop"),
        ("Landmarks and Outdoors > Park", "Landmarks and Outdoors", "Park"),
        ("Coffee Shop", "Coffee Shop", "Coffee Shop"),  # a bare category is its own top and leaf
        (" Residence > Home (private) ", "Residence", "Home (private)"),
        ("", "", ""),
    ],
)
def test_levels_of_a_category_path(value: str, top: str, leaf: str) -> None:
    assert top_category(value) == top and leaf_category(value) == leaf
    column = pd.Series([value, None, value], index=[7, 8, 9])
    assert top_category_column(column).tolist() == [top, "", top]
    assert leaf_category_column(column).index.tolist() == [7, 8, 9]


def test_an_unnamed_place_goes_by_its_category() -> None:
    assert place_label("Fat Cat", "Jazz Club") == "Fat Cat"
    assert place_label("  ", "Home (private)") == "a Home (private)"
    assert place_label("", "Office") == "an Office" == with_article("Office")
    assert place_label("", "") == places.UNNAMED_PLACE


def test_place_model() -> None:
    home = Place(item_id="h", name="", category="Home (private)", category_path=PATHS[2], latitude=40.7, longitude=-74)
    assert home.label == "a Home (private)" and home.top_category == "Residence"
    bare = Place(item_id="b", name="Joe", category="Coffee Shop", latitude=40.7, longitude=-74)
    assert bare.label == "Joe" and bare.top_category == "Coffee Shop"
    with pytest.raises(ValueError, match="frozen"):
        bare.name = "Jane"  # type: ignore[misc]
    assert "category_path" in home.model_dump()


def test_answers_keep_the_path_but_leave_it_out_of_their_json() -> None:
    fields = {"item_id": "h", "name": "", "category": "Home (private)", "latitude": 1.0, "longitude": 2.0}
    answer = PlaceAnswer(**fields, category_path=PATHS[2])
    assert answer.top_category == "Residence"
    assert list(answer.model_dump()) == ["item_id", "name", "category", "latitude", "longitude"]
    assert "category_path" not in answer.model_dump_json()


def test_every_top_level_category_is_the_same_definition() -> None:
    assert events.CATEGORY_SEPARATOR is CATEGORY_SEPARATOR  # still importable from profiles.events
    items = pd.DataFrame(
        {
            "item_id": list("ABCDE"),
            "name": ["Joe", "Fat Cat", "", "Union Square", "Bare"],
            "category": [path.split(CATEGORY_SEPARATOR)[-1] for path in PATHS] + ["Food Truck"],
            "category_path": [*PATHS, ""],
            "latitude": 40.7,
            "longitude": -74.0,
        }
    )
    pairs = zip(items["category_path"], items["category"], strict=True)
    expected = [top_category(path or category) for path, category in pairs]
    assert expected == [
        "Dining and Drinking",
        "Arts and Entertainment",
        "Residence",
        "Landmarks and Outdoors",
        "Food Truck",
    ]
    assert [Item(**row).top_category for row in items.to_dict("records")] == expected
    visits = pd.DataFrame({"item_id": list("ABCDE"), "category": ""})
    assert insights_top_categories(visits, items).tolist() == expected
