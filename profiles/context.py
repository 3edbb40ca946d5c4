"""Spatio-temporal context: a user's snapshots weighed for a time, a place and optionally a query, with reasons.

Only snapshots whose last event is at or before ``at`` count (never look ahead). Each gets four factors in
(0, 1] and a mass (``ContextSettings`` holds the constants):

- recency   ``0.5 ** (age_days / recency_half_life_days)``, age since the snapshot's last event;
- rhythm    ``1 - R * (1 - K(gap))``: gap is the circular distance in hours between the local hour of the week
  now and the snapshot's mean hour, R the snapshot's hour_concentration (a snapshot spread over the week says
  little about the hour, so its factor tends to 1), and
  ``K = (vm(gap, 168) + s * vm(gap, 24)) / (1 + s)`` with the von Mises kernel
  ``vm(gap, P) = exp(kappa * (cos(2 pi gap / P) - 1))``, ``kappa = (P / (2 pi b))**2`` — near 0 a Gaussian of
  width b = rhythm_bandwidth_hours, periodic on the circle. The weekly term tells Saturday evening from Friday
  evening; the daily one (share s = rhythm_daily_share) still credits the same hour on another day;
- proximity ``exp(-d**2 / (2 * distance_bandwidth_km**2))``, d the haversine distance from (lat, lon);
- query     ``exp(query_sharpness * (cos - 1))``, cos between the query's embedding and the snapshot's; 1 without;
- mass      ``log(1 + count)``: more events, more evidence, with diminishing returns.

The weight is their product. A product, not a weighted sum, because each factor is a kernel asking "is this
snapshot like now on this axis?": the product is a joint similarity that a snapshot must earn on every axis
(last night's bar 30 km away does not outrank this afternoon's café round the corner by being recent, which a
sum allows), and it needs no mixing weights — scaling one factor changes no ranking. Scores are sums of logs,
so old or distant snapshots keep their order instead of all underflowing to zero.

The k heaviest snapshots make the context: their weights, normalised, give each one's share, the blended
interest vector (share-weighted mean of their embeddings, L2-normalised) and the interest labels now; the
labels overall come from all of the user's snapshots before ``at``, weighted by their events. Labels that
rank high now but not overall are the drift.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from itertools import chain
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, SerializationInfo, SerializerFunctionWrapHandler, model_serializer

# describe_hour is the calendar's; it stays importable from here, where callers have always found it.
from profiles.calendar import HOURS_PER_DAY, HOURS_PER_WEEK, age_phrase, describe_hour
from profiles.config import ContextSettings
from profiles.geo import FloatArray, haversine_km
from profiles.preferences import ActivePreference
from profiles.snapshots import Snapshot, SnapshotColumns, from_epoch_us, to_epoch_us

LABELS_SHOWN = 5
# The serialisation context key that keeps raw vectors in model_dump / model_dump_json.
INCLUDE_VECTORS = "include_vectors"
_VECTOR_FIELDS = ("embedding", "vector")
# Reasons: a rhythm factor this high reads "like now"; cosines this high "match" / "partly match" a query.
_LIKE_NOW = 0.5
_MATCHES, _PARTLY_MATCHES = 0.5, 0.3
_MICROSECONDS_PER_DAY = 86_400e6
# The rhythm factor is floored here before its log: a kernel that underflows to 0 must still rank, not be -inf.
_TINY = np.finfo(np.float64).tiny


class _WithoutVectors(BaseModel):
    """Serialises without raw vectors unless the serialisation context asks: ``context={INCLUDE_VECTORS: True}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_serializer(mode="wrap")
    def _drop_vectors(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not (info.context or {}).get(INCLUDE_VECTORS):
            for name in _VECTOR_FIELDS:
                data.pop(name, None)
        return data

    def to_json(self, *, include_vectors: bool = False) -> str:
        """JSON text; raw vectors only when asked."""
        return self.model_dump_json(context={INCLUDE_VECTORS: include_vectors})


class LabelShare(BaseModel):
    """An interest label and its share of the weight (shares of one list sum to 1 before truncation)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    share: float


class ContextSnapshot(_WithoutVectors):
    """One snapshot as context(): what it is, each factor of its weight, and why, in words."""

    snapshot_id: str
    window: str
    cell: str
    start: datetime
    end: datetime
    latitude: float
    longitude: float
    count: int
    hour_of_week: float
    top_labels: list[str]
    age_days: float = Field(description="Days from the snapshot's last event to the context's time.")
    hour_gap: float = Field(description="Circular hours between now's hour of the week and the snapshot's.")
    distance_km: float
    query_similarity: float | None = Field(description="Cosine of the query and the snapshot; None without a query.")
    recency: float
    rhythm: float
    proximity: float
    query_match: float = Field(description="The query factor; 1 without a query.")
    mass: float = Field(description="log(1 + count).")
    weight: float = Field(description="recency × rhythm × proximity × query_match × mass.")
    share: float = Field(description="This snapshot's part of the blended vector: weights normalised over the top k.")
    reason: str
    embedding: list[float] = Field(default_factory=list, repr=False)


class InterestContext(_WithoutVectors):
    """What context(user, at, lat, lon, query) found: weighted snapshots with reasons, the blend, and the drift."""

    user_id: str
    at: datetime
    latitude: float
    longitude: float
    hour_of_week: int = Field(description="Local hour of the week at (at, latitude, longitude); Monday 0:00 is 0.")
    now: str = Field(description="That hour in words, e.g. 'Saturday evening'.")
    query: str | None = None
    snapshots: list[ContextSnapshot] = Field(default_factory=list, description="The top k, heaviest first.")
    considered: int = Field(0, description="Snapshots before `at` that were weighed.")
    excluded_future: int = Field(0, description="Snapshots left out because they end after `at`.")
    labels_now: list[LabelShare] = Field(default_factory=list, description="Interests of the top k, by share.")
    labels_overall: list[LabelShare] = Field(default_factory=list, description="Interests of all snapshots before.")
    emerging: list[str] = Field(default_factory=list, description="In labels_now but not in labels_overall.")
    receding: list[str] = Field(default_factory=list, description="In labels_overall but not in labels_now.")
    note: str | None = Field(None, description="Why the context is empty, when it is.")
    vector: list[float] = Field(default_factory=list, repr=False, description="The blended interest vector.")
    preferences: list[ActivePreference] = Field(
        default_factory=list, description="The user's stated preferences in force (profiles.preferences)."
    )

    def with_preferences(self, active: Sequence[ActivePreference], muted_labels: Collection[str] = ()) -> Self:
        """This context with the user's stated preferences, and without the interest labels they muted (the
        leaf categories of a muted category): what the user said outranks what their past shows."""
        muted = {label.casefold() for label in muted_labels}

        def kept(shares: list[LabelShare]) -> list[LabelShare]:
            return [share for share in shares if share.label.casefold() not in muted]

        return self.model_copy(
            update={
                "preferences": list(active),
                "labels_now": kept(self.labels_now),
                "labels_overall": kept(self.labels_overall),
                "emerging": [label for label in self.emerging if label.casefold() not in muted],
                "receding": [label for label in self.receding if label.casefold() not in muted],
            }
        )


# ---- the request -------------------------------------------------------------------------------------------


def check_request(at: datetime, latitude: float, longitude: float, k: int) -> None:
    """ValueError with a clear message for a naive time, a position off the globe or a bad k."""
    if not isinstance(at, datetime):
        raise ValueError(f"at must be a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at {at.isoformat()} has no time zone; give an aware datetime such as datetime.now(UTC)")
    for name, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not -limit <= value <= limit:
            raise ValueError(f"{name} must be a number between -{limit} and {limit}, got {value!r}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


# ---- the factors -------------------------------------------------------------------------------------------


def log_recency(age_days: npt.ArrayLike, half_life_days: float) -> FloatArray:
    return -math.log(2) * np.asarray(age_days, dtype=np.float64) / half_life_days


def hour_gap(now: float, hours: npt.ArrayLike) -> FloatArray:
    """Circular distance in hours on the week, 0 to 84."""
    apart = np.mod(np.asarray(hours, dtype=np.float64) - now, HOURS_PER_WEEK)
    return np.minimum(apart, HOURS_PER_WEEK - apart)


def rhythm_factor(
    gap: npt.ArrayLike, concentration: npt.ArrayLike, bandwidth_hours: float, daily_share: float
) -> FloatArray:
    """1 - R (1 - K(gap)); K mixes a weekly and a daily von Mises kernel (see the module docstring)."""
    gap = np.asarray(gap, dtype=np.float64)

    def von_mises(period: int) -> FloatArray:
        kappa = (period / (2 * math.pi * bandwidth_hours)) ** 2
        return np.exp(kappa * (np.cos(2 * math.pi * gap / period) - 1))

    kernel = (von_mises(HOURS_PER_WEEK) + daily_share * von_mises(HOURS_PER_DAY)) / (1 + daily_share)
    return 1 - np.asarray(concentration, dtype=np.float64) * (1 - kernel)


def log_proximity(distance_km: npt.ArrayLike, bandwidth_km: float) -> FloatArray:
    return -0.5 * (np.asarray(distance_km, dtype=np.float64) / bandwidth_km) ** 2


def cosines(vectors: npt.ArrayLike, query: npt.ArrayLike) -> FloatArray:
    """Cosine of each row with the query (0 for a zero row)."""
    rows = np.asarray(vectors, dtype=np.float64)
    q = np.asarray(query, dtype=np.float64)
    if rows.shape[1:] != q.shape:
        raise ValueError(f"query vector dimension {q.shape} does not match the snapshots' {rows.shape[1:]}")
    norms = np.linalg.norm(rows, axis=1) * np.linalg.norm(q)
    return np.divide(rows @ q, norms, out=np.zeros(len(rows)), where=norms > 0)


# ---- the context -------------------------------------------------------------------------------------------


def build_context(
    snapshots: SnapshotColumns,
    *,
    user_id: str,
    at: datetime,
    latitude: float,
    longitude: float,
    hour_of_week: int,
    settings: ContextSettings,
    k: int,
    query: str | None = None,
    query_vector: npt.ArrayLike | None = None,
) -> InterestContext:
    """Weigh a user's snapshots for (at, place, query); see the module docstring for the formulas."""
    check_request(at, latitude, longitude, k)
    at_us = to_epoch_us(at)
    past = snapshots.end_us <= at_us
    request: dict[str, Any] = {
        "user_id": user_id,
        "at": at,
        "latitude": latitude,
        "longitude": longitude,
        "hour_of_week": hour_of_week,
        "now": describe_hour(hour_of_week),
        "query": query,
        "excluded_future": int((~past).sum()),
    }
    if not len(snapshots):
        return InterestContext(**request, note="no profile yet: no snapshots are stored for this user")
    if not past.any():
        return InterestContext(
            **request, note=f"no snapshots before {at.isoformat()}: all {len(snapshots)} end after it"
        )
    kept = snapshots if past.all() else snapshots.take(past)
    age = (at_us - kept.end_us) / _MICROSECONDS_PER_DAY
    gap = hour_gap(hour_of_week, kept.hour_of_week)
    rhythm = rhythm_factor(gap, kept.hour_concentration, settings.rhythm_bandwidth_hours, settings.rhythm_daily_share)
    distance = haversine_km(latitude, longitude, kept.latitude, kept.longitude)
    similarity = None if query_vector is None else cosines(kept.embedding, query_vector)
    log_query = 0.0 if similarity is None else settings.query_sharpness * (similarity - 1)
    mass = np.log1p(kept.count)
    logs = {
        "recency": log_recency(age, settings.recency_half_life_days),
        "rhythm": np.log(np.maximum(rhythm, _TINY)),
        "proximity": log_proximity(distance, settings.distance_bandwidth_km),
        "query_match": np.broadcast_to(log_query, age.shape),
    }
    score = sum(logs.values()) + np.log(mass)
    top = np.lexsort((-kept.end_us, -score))[:k]  # heaviest first; the newer of equals first
    shares = np.exp(score[top] - score[top].max())
    shares /= shares.sum()
    blend = shares @ kept.embedding[top].astype(np.float64)
    norm = float(np.linalg.norm(blend))
    now_labels = label_shares(kept.take(top), shares)
    overall = label_shares(kept, kept.weight_sum)
    now_names, overall_names = [x.label for x in now_labels], [x.label for x in overall]
    factors = {name: np.exp(values) for name, values in logs.items()}
    chosen = [
        ContextSnapshot(
            snapshot_id=Snapshot.make_id(kept.user_id[row], kept.window[row], kept.cell[row]),
            window=str(kept.window[row]),
            cell=str(kept.cell[row]),
            start=from_epoch_us(kept.start_us[row]),
            end=from_epoch_us(kept.end_us[row]),
            latitude=float(kept.latitude[row]),
            longitude=float(kept.longitude[row]),
            count=int(kept.count[row]),
            hour_of_week=float(kept.hour_of_week[row]),
            top_labels=list(kept.top_labels[row]),
            age_days=float(age[row]),
            hour_gap=float(gap[row]),
            distance_km=float(distance[row]),
            query_similarity=None if similarity is None else float(similarity[row]),
            recency=float(factors["recency"][row]),
            rhythm=float(rhythm[row]),
            proximity=float(factors["proximity"][row]),
            query_match=float(factors["query_match"][row]),
            mass=float(mass[row]),
            weight=float(np.exp(score[row])),
            share=float(share),
            reason=reason(
                age_days=float(age[row]),
                snapshot_hour=float(kept.hour_of_week[row]),
                concentration=float(kept.hour_concentration[row]),
                rhythm=float(rhythm[row]),
                distance_km=float(distance[row]),
                query=query,
                similarity=None if similarity is None else float(similarity[row]),
            ),
            embedding=kept.embedding[row].tolist(),
        )
        for row, share in zip(top.tolist(), shares.tolist(), strict=True)
    ]
    return InterestContext(
        **request,
        snapshots=chosen,
        considered=len(kept),
        labels_now=now_labels,
        labels_overall=overall,
        emerging=[name for name in now_names if name not in overall_names],
        receding=[name for name in overall_names if name not in now_names],
        vector=(blend / norm).tolist() if norm > 0 else [],
    )


def label_shares(snapshots: SnapshotColumns, row_weights: npt.ArrayLike) -> list[LabelShare]:
    """The LABELS_SHOWN labels with the most weight: each snapshot's row weight split by its label weights."""
    lengths = np.fromiter(map(len, snapshots.top_labels), dtype=np.intp, count=len(snapshots))
    if not lengths.sum():
        return []
    names = list(chain.from_iterable(snapshots.top_labels))
    weights = chain.from_iterable(snapshots.filled_label_weights())
    rows = np.repeat(np.arange(len(snapshots)), lengths)
    parts = np.fromiter(weights, dtype=np.float64, count=len(names)) / snapshots.weight_sum[rows]
    codes, labels = pd.factorize(pd.Series(names, dtype=object))
    totals = np.bincount(codes, parts * np.asarray(row_weights, dtype=np.float64)[rows])
    grand = float(totals.sum())
    ranked = sorted(zip(labels.tolist(), totals.tolist(), strict=True), key=lambda item: (-item[1], item[0]))
    return [LabelShare(label=label, share=total / grand) for label, total in ranked[:LABELS_SHOWN] if grand > 0]


# ---- words -------------------------------------------------------------------------------------------------


def reason(
    *,
    age_days: float,
    snapshot_hour: float,
    concentration: float,
    rhythm: float,
    distance_km: float,
    query: str | None,
    similarity: float | None,
) -> str:
    """'3 days ago · Saturday evening like now · 0.4 km away · matches 'jazz''."""
    if concentration < _LIKE_NOW:
        when = "at varied times"
    else:
        when = describe_hour(snapshot_hour) + (" like now" if rhythm >= _LIKE_NOW else "")
    parts = [age_phrase(timedelta(days=age_days)), when, _away(distance_km)]
    if query is not None and similarity is not None:
        if similarity >= _MATCHES:
            parts.append(f"matches {query!r}")
        elif similarity >= _PARTLY_MATCHES:
            parts.append(f"partly matches {query!r}")
        else:
            parts.append(f"unlike {query!r}")
    return " · ".join(parts)


def _away(distance_km: float) -> str:
    if distance_km < 0.05:
        return "right here"
    return f"{distance_km:.1f} km away" if distance_km < 10 else f"{distance_km:.0f} km away"
