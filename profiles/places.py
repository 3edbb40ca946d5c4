"""The place vocabulary: one Place model, the levels of a category path, and how a place is called in a sentence.

A catalogue place has a leaf ``category`` ("Coffee Shop") and often a ``category_path`` from the top level down
("Dining and Drinking > Cafe > Coffee Shop"). Its top-level category is the first level of the path, or the
category itself when there is no path; every module that groups places by top-level category takes it from
:func:`top_category` (or its column form), so they all agree. Unnamed places — private homes in the check-in
data — go by their category in a sentence: "a Home (private)".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

# Between the levels of an item's category_path ("Dining and Drinking > Cafe > Coffee Shop").
CATEGORY_SEPARATOR = " > "
UNNAMED_PLACE = "an unnamed place"


def top_category(category_path_or_category: str) -> str:
    """The first level of a category path ('Dining and Drinking > Cafe' → 'Dining and Drinking').

    A bare category (no separator) is its own top level; '' stays ''.
    """
    return category_path_or_category.split(CATEGORY_SEPARATOR)[0].strip()


def leaf_category(category_path_or_category: str) -> str:
    """The last, most specific level of a category path ('Dining and Drinking > Cafe' → 'Cafe')."""
    return category_path_or_category.rsplit(CATEGORY_SEPARATOR, 1)[-1].strip()


def top_category_column(values: pd.Series) -> pd.Series:
    """:func:`top_category` of every value of a text column (missing values as ''), same index."""
    return _per_distinct(values, top_category)


def leaf_category_column(values: pd.Series) -> pd.Series:
    """:func:`leaf_category` of every value of a text column (missing values as ''), same index."""
    return _per_distinct(values, leaf_category)


def with_article(noun: str) -> str:
    """'a Bar', 'an Office': the noun with its indefinite article (by its first letter)."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def place_label(name: str, category: str) -> str:
    """What a sentence calls a place: its name, or 'a <category>' when it has none (homes in the data)."""
    name, category = name.strip(), category.strip()
    if name:
        return name
    return with_article(category) if category else UNNAMED_PLACE


class Place(BaseModel):
    """A catalogue place: the fields every place-shaped answer (search hits, recommendations) shares."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    name: str
    category: str
    category_path: str = ""
    latitude: float
    longitude: float

    @property
    def label(self) -> str:
        """Its name, or 'a <category>' for an unnamed place."""
        return place_label(self.name, self.category)

    @property
    def top_category(self) -> str:
        """The first level of its category path, or its category when it has no path."""
        return top_category(self.category_path or self.category)


class PlaceAnswer(Place):
    """A Place as the product's answers (search hits, recommendations, suggestions) serialise it: no category_path.

    Their JSON has never carried the path, and the HTTP API and the tools serve it as it is; the path is still
    accepted and kept, so :attr:`top_category` is right.
    """

    category_path: str = Field("", exclude=True)


def _per_distinct(values: pd.Series, level: Callable[[str], str]) -> pd.Series:
    """``level`` applied once per distinct value (events number in the hundreds of thousands, categories hundreds)."""
    codes, uniques = pd.factorize(values.fillna("").astype(str))
    mapped = np.array([level(str(value)) for value in uniques], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


__all__ = [
    "CATEGORY_SEPARATOR",
    "UNNAMED_PLACE",
    "Place",
    "PlaceAnswer",
    "leaf_category",
    "leaf_category_column",
    "place_label",
    "top_category",
    "top_category_column",
    "with_article",
]
