"""The nouns of behaviour data: an Event (who, what, when, where) and an Item (a place in the catalogue).

Bulk data travels as pandas frames whose columns are exactly these models' field names
(``EVENT_COLUMNS``, ``ITEM_COLUMNS``); single events travel as the models themselves.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from profiles.clock import representable

# CATEGORY_SEPARATOR lives with the place vocabulary; re-exported because callers import it from here.
from profiles.places import CATEGORY_SEPARATOR as CATEGORY_SEPARATOR
from profiles.places import top_category


class Action(StrEnum):
    """What the user did with the item."""

    VISIT = "visit"
    VIEW = "view"
    SEARCH = "search"
    LIKE = "like"
    DISLIKE = "dislike"
    # A stated preference and its undo (``profiles.preferences``): about the user, never a visit.
    PREFER = "prefer"
    UNPREFER = "unprefer"


# What the user did at a place: everything but the stated preferences.
BEHAVIOUR_ACTIONS: frozenset[Action] = frozenset(
    {Action.VISIT, Action.VIEW, Action.SEARCH, Action.LIKE, Action.DISLIKE}
)


class Event(BaseModel):
    """One behaviour event: who did what, with which item, when (UTC) and where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(min_length=1)
    item_id: str = Field(min_length=1)
    timestamp: datetime
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    action: Action = Action.VISIT
    text: str | None = None
    category: str | None = None

    @field_validator("timestamp")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        return representable(value, "timestamp")


class Item(BaseModel):
    """A place in the catalogue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: str = Field(min_length=1)
    name: str = ""
    category: str = ""
    category_path: str = ""
    description: str = ""
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)

    @property
    def top_category(self) -> str:
        """The first level of the category path (e.g. 'Dining and Drinking'), as ``profiles.places.top_category``."""
        return top_category(self.category_path or self.category)

    @property
    def text(self) -> str:
        """What the interest encoder reads for this item."""
        return " | ".join(part for part in (self.name, self.category_path or self.category, self.description) if part)


EVENT_COLUMNS: tuple[str, ...] = tuple(Event.model_fields)
REQUIRED_EVENT_COLUMNS: tuple[str, ...] = ("user_id", "item_id", "timestamp", "latitude", "longitude")
ITEM_COLUMNS: tuple[str, ...] = tuple(Item.model_fields)
