"""The Snapshot noun: one user's interests in one time window and one place cell.

Snapshots are built by ``profiles.profile`` (events aggregated per user, window and H3 cell) and kept in a
profile store. Their JSON form leaves the embedding out unless asked for it: it is large, and readers rarely
need it. :class:`SnapshotColumns` is the same data as arrays, for bulk writes and fast reads without one
pydantic object per snapshot.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from profiles.calendar import HOURS_PER_WEEK

ID_SEPARATOR = "|"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_epoch_us(moment: datetime) -> int:
    """Whole microseconds since 1970 (UTC): exact, and exactly comparable in SQL and Chroma filters."""
    return (moment - _EPOCH) // _MICROSECOND


def from_epoch_us(microseconds: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(microseconds))


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
    top_labels: list[str] = Field(default_factory=list, description="Leaf categories by weight, heaviest first.")
    label_weights: list[float] = Field(
        default_factory=list, description="The weight of each of top_labels, in the same order; empty when unknown."
    )
    hour_of_week: float = Field(
        0.0,
        ge=0,
        lt=HOURS_PER_WEEK,
        description="Circular mean local hour of the week of its events (Monday 0:00 is 0).",
    )
    hour_concentration: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Mean resultant length of its events' hours of the week: 1 all at one hour, 0 spread or unknown.",
    )
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
        if self.label_weights and len(self.label_weights) != len(self.top_labels):
            raise ValueError(f"{len(self.label_weights)} label_weights for {len(self.top_labels)} top_labels")
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


Strings = npt.NDArray[np.object_]


@dataclass(frozen=True)
class SnapshotColumns:
    """Many snapshots as columns: one array per Snapshot field (times as microseconds since 1970, UTC).

    What the bulk builder writes and what context() reads: a million snapshots as pydantic objects take minutes
    to validate, as arrays a fraction of a second. :meth:`validate` applies Snapshot's rules to whole columns.
    """

    user_id: Strings
    window: Strings
    cell: Strings
    start_us: npt.NDArray[np.int64]
    end_us: npt.NDArray[np.int64]
    latitude: npt.NDArray[np.float64]
    longitude: npt.NDArray[np.float64]
    count: npt.NDArray[np.int64]
    weight_sum: npt.NDArray[np.float64]
    hour_of_week: npt.NDArray[np.float64]
    hour_concentration: npt.NDArray[np.float64]
    top_labels: list[list[str]]
    label_weights: list[list[float]]
    embedding: npt.NDArray[np.float32]  # (n, dimension)

    def __len__(self) -> int:
        return len(self.user_id)

    @property
    def snapshot_id(self) -> list[str]:
        return [Snapshot.make_id(u, w, c) for u, w, c in zip(self.user_id, self.window, self.cell, strict=True)]

    @classmethod
    def from_snapshots(cls, snapshots: Sequence[Snapshot], vectors: npt.ArrayLike | None = None) -> SnapshotColumns:
        """Columns of ``snapshots``; ``vectors`` (one row each) replaces their embeddings when given."""
        if vectors is None:
            dimension = len(snapshots[0].embedding) if snapshots else 0
            vectors = np.array([s.embedding for s in snapshots], dtype=np.float32).reshape(len(snapshots), dimension)
        return cls(
            user_id=np.array([s.user_id for s in snapshots], dtype=object),
            window=np.array([s.window for s in snapshots], dtype=object),
            cell=np.array([s.cell for s in snapshots], dtype=object),
            start_us=np.array([to_epoch_us(s.start) for s in snapshots], dtype=np.int64),
            end_us=np.array([to_epoch_us(s.end) for s in snapshots], dtype=np.int64),
            latitude=np.array([s.latitude for s in snapshots], dtype=np.float64),
            longitude=np.array([s.longitude for s in snapshots], dtype=np.float64),
            count=np.array([s.count for s in snapshots], dtype=np.int64),
            weight_sum=np.array([s.weight_sum for s in snapshots], dtype=np.float64),
            hour_of_week=np.array([s.hour_of_week for s in snapshots], dtype=np.float64),
            hour_concentration=np.array([s.hour_concentration for s in snapshots], dtype=np.float64),
            top_labels=[list(s.top_labels) for s in snapshots],
            label_weights=[list(s.label_weights) for s in snapshots],
            embedding=np.asarray(vectors, dtype=np.float32),
        )

    def filled_label_weights(self) -> list[list[float]]:
        """label_weights, with weight_sum split evenly for snapshots stored without them."""
        return [
            weights if weights or not labels else [float(total) / len(labels)] * len(labels)
            for labels, weights, total in zip(
                self.top_labels, self.label_weights, self.weight_sum.tolist(), strict=True
            )
        ]

    def snapshot(self, row: int) -> Snapshot:
        """One row as a Snapshot (validated)."""
        return Snapshot(
            user_id=str(self.user_id[row]),
            window=str(self.window[row]),
            cell=str(self.cell[row]),
            start=from_epoch_us(self.start_us[row]),
            end=from_epoch_us(self.end_us[row]),
            latitude=float(self.latitude[row]),
            longitude=float(self.longitude[row]),
            count=int(self.count[row]),
            weight_sum=float(self.weight_sum[row]),
            top_labels=list(self.top_labels[row]),
            label_weights=list(self.label_weights[row]),
            hour_of_week=float(self.hour_of_week[row]),
            hour_concentration=float(self.hour_concentration[row]),
            embedding=self.embedding[row].tolist(),
        )

    def snapshots(self) -> list[Snapshot]:
        return [self.snapshot(row) for row in range(len(self))]

    def take(self, rows: npt.ArrayLike) -> SnapshotColumns:
        """The given rows (positions or a boolean mask), in that order."""
        index = np.arange(len(self))[np.asarray(rows)]
        return SnapshotColumns(
            user_id=self.user_id[index],
            window=self.window[index],
            cell=self.cell[index],
            start_us=self.start_us[index],
            end_us=self.end_us[index],
            latitude=self.latitude[index],
            longitude=self.longitude[index],
            count=self.count[index],
            weight_sum=self.weight_sum[index],
            hour_of_week=self.hour_of_week[index],
            hour_concentration=self.hour_concentration[index],
            top_labels=[self.top_labels[row] for row in index],
            label_weights=[self.label_weights[row] for row in index],
            embedding=self.embedding[index],
        )

    @classmethod
    def joined(cls, parts: Sequence[SnapshotColumns]) -> SnapshotColumns:
        """The rows of every part, part after part."""
        if not parts:
            raise ValueError("no snapshot columns to join")
        return cls(
            **{name: np.concatenate([getattr(part, name) for part in parts]) for name in _ARRAY_COLUMNS},
            top_labels=[labels for part in parts for labels in part.top_labels],
            label_weights=[weights for part in parts for weights in part.label_weights],
        )

    def validate(self) -> None:
        """Snapshot's rules over whole columns; a ValueError names the first offending snapshot."""
        size = len(self)
        arrays = {name: getattr(self, name) for name in _NUMERIC_COLUMNS + _TEXT_COLUMNS}
        for name, values in arrays.items():
            if np.shape(values) != (size,):
                raise ValueError(f"column {name} has shape {np.shape(values)}, expected ({size},)")
        if len(self.top_labels) != size or len(self.label_weights) != size:
            raise ValueError(f"top_labels and label_weights need {size} rows each")
        if self.embedding.ndim != 2 or self.embedding.shape[0] != size:
            raise ValueError(f"embedding has shape {self.embedding.shape}, expected ({size}, dimension)")
        checks: list[tuple[npt.NDArray[np.bool_], str]] = [
            (~np.isfinite(self.embedding).all(axis=1), "embedding has non-finite components (NaN or infinity)"),
            (self.end_us < self.start_us, "end is before start"),
            (~((self.latitude >= -90) & (self.latitude <= 90)), "latitude is not within [-90, 90]"),
            (~((self.longitude >= -180) & (self.longitude <= 180)), "longitude is not within [-180, 180]"),
            (self.count < 1, "count is below 1"),
            (~(self.weight_sum > 0), "weight_sum is not positive"),
            (~((self.hour_of_week >= 0) & (self.hour_of_week < HOURS_PER_WEEK)), "hour_of_week is not within [0, 168)"),
            (~((self.hour_concentration >= 0) & (self.hour_concentration <= 1)), "hour_concentration not in [0, 1]"),
        ]
        for name in _TEXT_COLUMNS:
            values = getattr(self, name)
            checks.append((np.fromiter((not isinstance(v, str) for v in values), bool, size), f"{name} is not text"))
            texts = values.astype(str)
            checks.append((np.char.str_len(texts) == 0, f"{name} is empty"))
            if name != "cell":
                checks.append((np.char.find(texts, ID_SEPARATOR) >= 0, f"{name} contains {ID_SEPARATOR!r}"))
        mismatched = [
            bool(weights) and len(weights) != len(labels)
            for labels, weights in zip(self.top_labels, self.label_weights, strict=True)
        ]
        checks.append((np.array(mismatched, dtype=bool), "label_weights and top_labels differ in length"))
        for bad, message in checks:
            if bad.any():
                row = int(np.argmax(bad))
                user, window, cell = self.user_id[row], self.window[row], self.cell[row]
                raise ValueError(f"snapshot {user!s}{ID_SEPARATOR}{window!s}{ID_SEPARATOR}{cell!s}: {message}")


_NUMERIC_COLUMNS = (
    "start_us",
    "end_us",
    "latitude",
    "longitude",
    "count",
    "weight_sum",
    "hour_of_week",
    "hour_concentration",
)
_TEXT_COLUMNS = ("user_id", "window", "cell")
_ARRAY_COLUMNS = (*_TEXT_COLUMNS, *_NUMERIC_COLUMNS, "embedding")
