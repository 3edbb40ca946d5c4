"""Spatio-temporal context: each factor moves the right way, no look-ahead, queries, drift, JSON, bad input."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from profiles.config import ContextSettings, PreprocessingSettings
from profiles.context import (
    InterestContext,
    build_context,
    check_request,
    describe_hour,
    hour_gap,
    reason,
    rhythm_factor,
)
from profiles.geo import EARTH_RADIUS_KM, cell_of
from profiles.preferences import ActivePreference, Preference, PreferenceKind
from profiles.preprocessing import local_hour_of_week, preprocess
from profiles.snapshots import Snapshot, SnapshotColumns

AT = datetime(2012, 6, 2, 23, 30, tzinfo=UTC)  # Saturday 19:30 in New York
NOW_HOUR = 5 * 24 + 19
HERE = (40.7484, -73.9857)
SETTINGS = ContextSettings()
DIM = 4


def north_of(km: float) -> tuple[float, float]:
    return HERE[0] + math.degrees(km / EARTH_RADIUS_KM), HERE[1]


def snapshot(window: str, **fields: Any) -> Snapshot:
    """A snapshot like now in every way (just ended, same hour, right here) unless fields say otherwise."""
    lat, lon = fields.pop("place", HERE)
    end = AT - timedelta(days=fields.pop("age_days", 0.0))
    labels = fields.pop("labels", ["Bar"])
    values: dict[str, Any] = {
        "user_id": "ana",
        "window": window,
        "cell": cell_of(lat, lon, 8),
        "start": end - timedelta(hours=1),
        "end": end,
        "latitude": lat,
        "longitude": lon,
        "count": 1,
        "top_labels": labels,
        "label_weights": [1.0] * len(labels),
        "hour_of_week": NOW_HOUR,
        "hour_concentration": 1.0,
        "embedding": [1.0, 0.0, 0.0, 0.0],
    }
    values.update(fields)
    values["weight_sum"] = float(sum(values["label_weights"])) or 1.0
    return Snapshot(**values)


def weigh(snapshots: list[Snapshot], **options: Any) -> InterestContext:
    columns = SnapshotColumns.from_snapshots(snapshots)
    request: dict[str, Any] = {
        "user_id": "ana",
        "at": AT,
        "latitude": HERE[0],
        "longitude": HERE[1],
        "hour_of_week": NOW_HOUR,
        "settings": SETTINGS,
        "k": 8,
    }
    return build_context(columns, **{**request, **options})


def by_window(context: InterestContext) -> dict[str, Any]:
    return {entry.window: entry for entry in context.snapshots}


# ---- each factor -----------------------------------------------------------------------------------------------


def test_older_snapshots_weigh_less() -> None:
    context = weigh([snapshot(f"age{days}", age_days=days) for days in (0.0, 1.0, 14.0, 60.0)])
    assert [entry.window for entry in context.snapshots] == ["age0.0", "age1.0", "age14.0", "age60.0"]
    recency = [entry.recency for entry in context.snapshots]
    assert recency[0] == 1.0 and recency[2] == pytest.approx(0.5)  # the half-life
    assert recency == sorted(recency, reverse=True)
    assert context.snapshots[1].reason.startswith("yesterday")


def test_further_from_the_hour_weighs_less() -> None:
    hours = {"same": NOW_HOUR, "2h": NOW_HOUR + 2, "5h": NOW_HOUR - 5, "day": NOW_HOUR - 24 - 3, "far": 2.0}
    context = weigh([snapshot(name, hour_of_week=hour) for name, hour in hours.items()])
    entries = by_window(context)
    rhythm = [entries[name].rhythm for name in hours]
    assert rhythm[0] == pytest.approx(1.0) and rhythm == sorted(rhythm, reverse=True)
    assert [entry.window for entry in context.snapshots] == list(hours)
    assert "Saturday evening like now" in entries["same"].reason
    # The daily share still credits the same time on another day over a different time of day.
    assert entries["day"].rhythm > 0.1 > entries["far"].rhythm


def test_rhythm_wraps_around_the_week() -> None:
    assert hour_gap(1.0, [167.0, 85.0, 1.0]).tolist() == [2.0, 84.0, 0.0]
    late_sunday = rhythm_factor(hour_gap(0.5, [167.5]), [1.0], 3.0, 0.25)
    assert late_sunday[0] == pytest.approx(rhythm_factor([1.0], [1.0], 3.0, 0.25)[0])
    # A snapshot whose events are spread over the week says nothing about the hour: factor 1.
    assert rhythm_factor([84.0], [0.0], 3.0, 0.25)[0] == 1.0
    spread = weigh([snapshot("spread", hour_of_week=40.0, hour_concentration=0.2)])
    assert "at varied times" in spread.snapshots[0].reason


def test_further_away_weighs_less() -> None:
    places = {"here": 0.0, "near": 0.4, "walk": 2.0, "far": 6.0}
    context = weigh([snapshot(name, place=north_of(km)) for name, km in places.items()])
    entries = by_window(context)
    assert [entries[name].distance_km for name in places] == pytest.approx(list(places.values()), abs=1e-6)
    proximity = [entries[name].proximity for name in places]
    assert proximity == sorted(proximity, reverse=True)
    assert proximity[2] == pytest.approx(math.exp(-0.5))  # one bandwidth away
    assert "0.4 km away" in entries["near"].reason and "right here" in entries["here"].reason


def test_more_events_weigh_more() -> None:
    context = weigh([snapshot("one", count=1), snapshot("ten", count=10)])
    assert [entry.window for entry in context.snapshots] == ["ten", "one"]
    assert context.snapshots[0].mass == pytest.approx(math.log(11))


def test_weight_is_the_product_of_the_factors() -> None:
    context = weigh([snapshot("x", age_days=3, place=north_of(1.0), hour_of_week=NOW_HOUR + 4, count=3)])
    entry = context.snapshots[0]
    product = entry.recency * entry.rhythm * entry.proximity * entry.query_match * entry.mass
    assert entry.weight == pytest.approx(product)
    assert entry.share == 1.0 and entry.query_similarity is None and entry.query_match == 1.0


def test_far_and_old_snapshots_keep_their_order() -> None:
    # exp() of these weights underflows to 0; ranking on summed logs keeps them apart.
    context = weigh(
        [snapshot("a", age_days=4000, place=north_of(80)), snapshot("b", age_days=4000, place=north_of(90))]
    )
    assert [entry.window for entry in context.snapshots] == ["a", "b"]
    assert context.snapshots[0].weight == 0.0 and context.snapshots[0].share > context.snapshots[1].share


# ---- look-ahead, query, k ------------------------------------------------------------------------------------


def test_snapshots_after_at_are_left_out() -> None:
    past = snapshot("past", age_days=2)
    ongoing = snapshot("ongoing", age_days=-0.01)  # started before at, its last event after it
    future = snapshot("future", age_days=-3)
    context = weigh([past, ongoing, future])
    assert [entry.window for entry in context.snapshots] == ["past"]
    assert (context.considered, context.excluded_future) == (1, 2)
    only_future = weigh([future])
    assert only_future.snapshots == [] and only_future.note is not None and "end after" in only_future.note


def test_a_query_changes_the_ranking() -> None:
    bar = snapshot("bar", embedding=[1.0, 0.0, 0.0, 0.0], labels=["Bar"])
    jazz = snapshot("jazz", embedding=[0.0, 1.0, 0.0, 0.0], labels=["Jazz Club"], age_days=2)
    assert [entry.window for entry in weigh([bar, jazz]).snapshots] == ["bar", "jazz"]
    asked = weigh([bar, jazz], query="jazz", query_vector=[0.1, 1.0, 0.0, 0.0])
    assert [entry.window for entry in asked.snapshots] == ["jazz", "bar"]
    top = asked.snapshots[0]
    assert top.query_similarity == pytest.approx(1 / math.sqrt(1.01))
    assert top.reason.endswith("matches 'jazz'") and asked.snapshots[1].reason.endswith("unlike 'jazz'")
    with pytest.raises(ValueError, match="dimension"):
        weigh([bar], query="jazz", query_vector=[1.0, 0.0])


def test_top_k_and_the_blended_vector() -> None:
    snapshots = [
        snapshot(f"s{i}", age_days=i, embedding=list(np.eye(DIM)[i % DIM] + 0.1), count=1 + i) for i in range(6)
    ]
    context = weigh(snapshots, k=3)
    assert len(context.snapshots) == 3 and context.considered == 6
    shares = np.array([entry.share for entry in context.snapshots])
    assert shares.sum() == pytest.approx(1.0)
    blend = sum(share * np.array(entry.embedding) for share, entry in zip(shares, context.snapshots, strict=True))
    np.testing.assert_allclose(context.vector, blend / np.linalg.norm(blend), rtol=1e-6)
    assert np.linalg.norm(context.vector) == pytest.approx(1.0)


def test_drift_between_now_and_overall() -> None:
    office_days = [
        snapshot(f"office{i}", labels=["Office", "Coffee Shop"], label_weights=[3.0, 1.0], age_days=30 + i, count=4)
        for i in range(10)
    ]
    jazz_nights = [snapshot(f"jazz{i}", labels=["Jazz Club"], age_days=i / 4) for i in range(2)]
    context = weigh(office_days + jazz_nights, k=2)
    assert [label.label for label in context.labels_now] == ["Jazz Club"]
    assert [label.label for label in context.labels_overall] == ["Office", "Coffee Shop", "Jazz Club"]
    assert context.labels_overall[0].share == pytest.approx(30 / 42)
    assert context.emerging == [] and context.receding == ["Office", "Coffee Shop"]
    # A label too light to rank among the LABELS_SHOWN overall, but the whole of now, is emerging.
    habits = ["Office", "Coffee Shop", "Gym", "Bakery", "Park", "Library"]
    history = [snapshot(name, labels=[name], label_weights=[2.0], age_days=30) for name in habits]
    fresh = weigh([*history, snapshot("ramen", labels=["Ramen Restaurant"])], k=1)
    assert [label.label for label in fresh.labels_now] == ["Ramen Restaurant"]
    assert fresh.emerging == ["Ramen Restaurant"] and "Ramen Restaurant" not in fresh.receding


def test_stated_preferences_show_and_mute_their_labels() -> None:
    office_days = [snapshot(f"office{i}", labels=["Office", "Cocktail Bar"], age_days=30 + i) for i in range(3)]
    bar_nights = [snapshot(f"bar{i}", labels=["Cocktail Bar"], age_days=i / 4) for i in range(2)]
    context = weigh(office_days + bar_nights, k=2)
    muted = Preference(kind=PreferenceKind.MUTE_CATEGORY, target="Bar", label="bars")
    active = ActivePreference(**muted.model_dump(), id=7, since=context.at)
    steered = context.with_preferences([active], muted_labels=["cocktail bar"])
    assert steered.preferences == [active] and context.preferences == []
    assert [share.label for share in steered.labels_overall] == ["Office"]
    assert steered.labels_now == [] and "Cocktail Bar" not in steered.receding
    assert InterestContext.model_validate_json(steered.model_dump_json()).preferences == [active]


# ---- output ----------------------------------------------------------------------------------------------------


def test_json_leaves_vectors_out_unless_asked() -> None:
    context = weigh([snapshot("a"), snapshot("b", age_days=1)], query="bar", query_vector=[1.0, 0.0, 0.0, 0.0])
    text = context.model_dump_json()
    assert "embedding" not in text and '"vector"' not in text and "reason" in text
    parsed = InterestContext.model_validate_json(text)
    stripped = context.model_copy(
        update={
            "vector": [],
            "snapshots": [entry.model_copy(update={"embedding": []}) for entry in context.snapshots],
        }
    )
    assert parsed == stripped
    full = context.to_json(include_vectors=True)
    assert InterestContext.model_validate_json(full) == context
    assert context.to_json() == text


def test_unknown_user_gets_a_note() -> None:
    context = weigh([])
    assert context.snapshots == [] and context.vector == [] and context.note is not None
    assert "no profile" in context.note and context.now == "Saturday evening"
    assert InterestContext.model_validate_json(context.model_dump_json()) == context


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"at": datetime(2012, 6, 2, 19)}, "time zone"),
        ({"at": "2012-06-02T19:00Z"}, "datetime"),
        ({"latitude": 91.0}, "latitude"),
        ({"longitude": -180.5}, "longitude"),
        ({"latitude": float("nan")}, "latitude"),
        ({"longitude": True}, "longitude"),
        ({"k": 0}, "k must"),
    ],
)
def test_bad_requests(change: dict[str, Any], message: str) -> None:
    request: dict[str, Any] = {"at": AT, "latitude": HERE[0], "longitude": HERE[1], "k": 3, **change}
    with pytest.raises(ValueError, match=message):
        check_request(**request)
    with pytest.raises(ValueError, match=message):
        weigh([snapshot("a")], **request)


def test_reason_reads_like_a_sentence() -> None:
    text = reason(
        age_days=3.2,
        snapshot_hour=5 * 24 + 20,
        concentration=0.95,
        rhythm=0.9,
        distance_km=0.42,
        query="jazz",
        similarity=0.7,
    )
    assert text == "3 days ago · Saturday evening like now · 0.4 km away · matches 'jazz'"
    assert describe_hour(0) == "Monday night" and describe_hour(167.9) == "Sunday night"
    assert describe_hour(6 * 24 + 21) == "Sunday evening"


@pytest.mark.parametrize("zone", ["America/New_York", "auto"])
def test_local_hour_matches_preprocessing(zone: str) -> None:
    times = ["2012-03-11T06:59Z", "2012-03-11T07:01Z", "2012-06-02T23:30Z", "2012-11-04T05:30Z"]  # in time order
    frame = pd.DataFrame(
        {
            "user_id": "ana",
            "item_id": [f"i{n}" for n in range(len(times))],
            "timestamp": pd.to_datetime(times, utc=True),
            "latitude": HERE[0],
            "longitude": HERE[1],
            "action": "visit",
            "text": None,
            "category": None,
        }
    )
    expected = preprocess(frame, PreprocessingSettings(timezone=zone)).events["hour_of_week"].tolist()
    got = [local_hour_of_week(pd.Timestamp(when).to_pydatetime(), *HERE, zone) for when in times]
    assert got == expected
