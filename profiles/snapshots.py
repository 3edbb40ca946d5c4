"""The Snapshot noun: one user's interests in one time window and one place cell.

Snapshots are built elsewhere (events aggregated per user, window and H3 cell) and kept in a profile store.
Their JSON form leaves the embedding out unless asked for it: it is large, and readers rarely need it.
"""

from __future__ import annotations

import contextlib
import json
import math
from datetime import UTC, datetime
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_SEPARATOR = "|"


class Snapshot(BaseModel):
    """What a user cared about during ``[start, end]`` in one cell, with the embedding that sums it up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    snapshot_id: str = Field(description="Always f'{user_id}|{window}|{cell}'; filled in when omitted.")
    user_id: str = Field(min_length=1)
    window: str = Field(min_length=1, description="A window label such as '2012-W14', or a session id.")
    cell: str = Field(min_length=1, description="H3 cell of the place.")
    start: datetime
    end: datetime
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    count: int = Field(ge=1, description="Events aggregated into this snapshot.")
    weight_sum: float = Field(
        gt=0, description="Sum of the event weights behind the embedding (defaults to count), for incremental means."
    )
    top_labels: list[str] = Field(default_factory=list, description="Most frequent categories, most frequent first.")
    # Excluded from pydantic serialisation so APIs and logs stay small; to_json(include_embedding=True) adds it.
    embedding: list[float] = Field(default_factory=list, exclude=True, repr=False)

    @staticmethod
    def make_id(user_id: str, window: str, cell: str) -> str:
        """The deterministic id of the snapshot for (user, window, cell)."""
        return ID_SEPARATOR.join((user_id, window, cell))

    @model_validator(mode="before")
    @classmethod
    def _fill_derived(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("weight_sum") is None and data.get("count") is not None:
            with contextlib.suppress(TypeError, ValueError):  # the count field reports a bad value itself
                data["weight_sum"] = float(data["count"])
        if isinstance(data.get("embedding"), np.ndarray):
            data["embedding"] = data["embedding"].tolist()
        if data.get("snapshot_id") is None and all(
            isinstance(data.get(key), str) for key in ("user_id", "window", "cell")
        ):
            data["snapshot_id"] = cls.make_id(data["user_id"], data["window"], data["cell"])
        return data

    @field_validator("user_id", "window")
    @classmethod
    def _no_separator(cls, value: str) -> str:
        # The separator inside a part would let two different snapshots share one id.
        if ID_SEPARATOR in value:
            raise ValueError(f"must not contain {ID_SEPARATOR!r}, it separates the parts of snapshot_id")
        return value

    @field_validator("start", "end")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("datetime has no time zone; give an offset such as Z or +02:00")
        return value.astimezone(UTC)

    @field_validator("embedding")
    @classmethod
    def _finite(cls, value: list[float]) -> list[float]:
        if not all(math.isfinite(component) for component in value):
            raise ValueError("embedding has non-finite components (NaN or infinity)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"end {self.end.isoformat()} is before start {self.start.isoformat()}")
        expected = self.make_id(self.user_id, self.window, self.cell)
        if self.snapshot_id != expected:
            raise ValueError(f"snapshot_id {self.snapshot_id!r} does not match user_id|window|cell {expected!r}")
        return self

    @property
    def vector(self) -> npt.NDArray[np.float32]:
        """The embedding as a float32 array (what the stores keep)."""
        return np.asarray(self.embedding, dtype=np.float32)

    def to_dict(self, *, include_embedding: bool = False) -> dict[str, Any]:
        """A JSON-ready dict; datetimes as ISO 8601 strings."""
        data = self.model_dump(mode="json")
        if include_embedding:
            data["embedding"] = list(self.embedding)
        return data

    def to_json(self, *, include_embedding: bool = False) -> str:
        """JSON text, without the embedding unless asked."""
        return json.dumps(self.to_dict(include_embedding=include_embedding), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> Snapshot:
        """Parse what to_json wrote (the embedding is empty when it was left out)."""
        return cls.model_validate_json(text)
