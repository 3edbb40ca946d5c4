"""The catalogue as arrays: every score, feature row and history count is indexed by a place's catalogue position.

Leaf and top-level categories are coded once here, from ``profiles.places``' one definition of a category path's
levels, so the ranker's "taste" features and the recommender's reasons name categories the way the rest of the
product does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from profiles.places import Place, leaf_category_column, top_category_column

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Catalogue:
    """The items frame as arrays, in catalogue order: every score and feature row is indexed by these positions."""

    items: pd.DataFrame
    ids: npt.NDArray[np.object_]
    positions: dict[str, int]
    latitude: FloatArray
    longitude: FloatArray
    leaf: IntArray
    top: IntArray
    leaf_names: tuple[str, ...]
    top_names: tuple[str, ...]

    @classmethod
    def from_items(cls, items: pd.DataFrame) -> Catalogue:
        """Arrays of an ``ITEM_COLUMNS`` frame; leaf and top categories come from the category path."""
        frame = items.reset_index(drop=True)
        ids = frame["item_id"].astype(str)
        if ids.duplicated().any():
            raise ValueError(f"catalogue has duplicate item_id values, e.g. {sorted(ids[ids.duplicated()])[:5]}")
        path = _text_column(frame, "category_path")
        short = _text_column(frame, "category")
        levels = path.where(path != "", short)
        leaf_codes, leaf_names = pd.factorize(leaf_category_column(levels), sort=True)
        top_codes, top_names = pd.factorize(top_category_column(levels), sort=True)
        return cls(
            items=frame,
            ids=ids.to_numpy(dtype=object),
            positions={item_id: position for position, item_id in enumerate(ids)},
            latitude=frame["latitude"].to_numpy(dtype=np.float64),
            longitude=frame["longitude"].to_numpy(dtype=np.float64),
            leaf=leaf_codes.astype(np.intp),
            top=top_codes.astype(np.intp),
            leaf_names=tuple(str(name) for name in leaf_names),
            top_names=tuple(str(name) for name in top_names),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def leaf_name(self, position: int) -> str:
        """The leaf category of the place at ``position`` ('' when it has none)."""
        return self.leaf_names[self.leaf[position]]

    def category_name(self, position: int) -> str:
        """The category the place at ``position`` is shown with (its check-in category, '' when it has none)."""
        return self._text(position, "category").strip()

    def top_name(self, position: int) -> str:
        """The top-level category of the place at ``position`` ('' when it has none)."""
        return self.top_names[self.top[position]]

    def place(self, position: int) -> Place:
        """The place at ``position``: id, name, category, category path and coordinates as the items frame has them."""
        return Place(
            item_id=str(self.ids[position]),
            name=self._text(position, "name"),
            category=self._text(position, "category"),
            category_path=self._text(position, "category_path"),
            latitude=float(self.latitude[position]),
            longitude=float(self.longitude[position]),
        )

    def _text(self, position: int, name: str) -> str:
        """A text cell as written (not stripped), '' when the column is missing or the value is."""
        return self._texts[name][position]

    @cached_property
    def _texts(self) -> dict[str, tuple[str, ...]]:
        # Read once: a pandas cell lookup per reason was most of what explaining a recommendation cost. Computed on
        # first use, so catalogues pickled before it existed gain it too.
        return {name: tuple(_cell_text(value) for value in self._column(name)) for name in _PLACE_TEXTS}

    def _column(self, name: str) -> list[object]:
        return self.items[name].tolist() if name in self.items else [None] * len(self)


_PLACE_TEXTS = ("name", "category", "category_path")


def _cell_text(value: object) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[name].fillna("").astype(str).str.strip()
