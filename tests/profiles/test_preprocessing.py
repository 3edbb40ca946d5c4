"""Preprocessing: repeat collapsing, local time across DST and zones, hour of week, sessions and cells."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from profiles.config import PreprocessingSettings
from profiles.events import EVENT_COLUMNS, Event
from profiles.geo import cell_of
from profiles.preprocessing import (
    FEATURE_COLUMNS,
    assign_sessions,
    collapse_repeats,
    event_features,
    hour_of_week,
    local_times,
    preprocess,
)

NYC = (40.7580, -73.9855)  # Times Square
TOKYO = (35.6812, 139.7671)  # Tokyo Station
MID_ATLANTIC = (30.0, -40.0)
START = datetime(2012, 4, 3, 18, 0, tzinfo=UTC)


def _frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """An events frame; each row names what differs from a visit by user u to item A at START in NYC."""
    defaults: dict[str, Any] = {
        "user_id": "u",
        "item_id": "A",
        "timestamp": START,
        "latitude": NYC[0],
        "longitude": NYC[1],
        "action": "visit",
        "text": None,
        "category": None,
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows], columns=list(EVENT_COLUMNS))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


def _at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def _utc(*stamps: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps), utc=True))


# --- collapse_repeats ---------------------------------------------------------------------------------------------

WINDOW = timedelta(minutes=10)


def test_collapse_keeps_the_earliest_of_a_repeat_within_the_window() -> None:
    events = _frame({"timestamp": _at(0), "text": "first"}, {"timestamp": _at(5), "text": "second"})
    kept = collapse_repeats(events, WINDOW)
    assert kept["text"].tolist() == ["first"]


def test_collapse_window_is_inclusive() -> None:
    events = _frame({"timestamp": _at(0)}, {"timestamp": _at(10)})
    assert len(collapse_repeats(events, WINDOW)) == 1


def test_collapse_leaves_a_repeat_beyond_the_window() -> None:
    events = _frame({"timestamp": _at(0)}, {"timestamp": START + WINDOW + timedelta(seconds=1)})
    assert len(collapse_repeats(events, WINDOW)) == 2


def test_collapse_only_counts_consecutive_events() -> None:
    events = _frame({"timestamp": _at(0)}, {"timestamp": _at(1), "item_id": "B"}, {"timestamp": _at(2)})
    assert collapse_repeats(events, WINDOW)["item_id"].tolist() == ["A", "B", "A"]


def test_collapse_follows_a_chain_of_repeats_into_its_first() -> None:
    events = _frame({"timestamp": _at(0)}, {"timestamp": _at(8)}, {"timestamp": _at(16)}, {"timestamp": _at(24)})
    assert collapse_repeats(events, WINDOW)["timestamp"].tolist() == [_at(0)]


def test_collapse_reads_each_users_own_stream() -> None:
    # v's visit between u's two visits neither breaks u's repeat nor is collapsed into it.
    events = _frame(
        {"user_id": "u", "timestamp": _at(0)},
        {"user_id": "v", "timestamp": _at(1)},
        {"user_id": "u", "timestamp": _at(2)},
        {"user_id": "v", "timestamp": _at(3), "item_id": "B"},
    )
    kept = collapse_repeats(events, WINDOW)
    assert list(zip(kept["user_id"], kept["timestamp"], strict=True)) == [("u", _at(0)), ("v", _at(1)), ("v", _at(3))]


def test_collapse_keeps_order_and_index_of_kept_rows() -> None:
    events = _frame({"timestamp": _at(0)}, {"timestamp": _at(1)}, {"timestamp": _at(2), "item_id": "B"})
    events.index = [10, 20, 30]
    assert collapse_repeats(events, WINDOW).index.tolist() == [10, 30]


def test_zero_window_disables_collapsing() -> None:
    events = _frame({"timestamp": _at(0)}, {"timestamp": _at(0)})
    assert len(collapse_repeats(events, timedelta(0))) == 2


def test_negative_window_is_an_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        collapse_repeats(_frame({}), timedelta(minutes=-1))


# --- local_times ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "wall", "offset"),
    [
        # Spring forward, 2012-03-11 07:00Z: 01:59:59 EST is followed by 03:00 EDT.
        ("2012-03-11T06:30:00Z", "2012-03-11 01:30:00", -300),
        ("2012-03-11T06:59:59Z", "2012-03-11 01:59:59", -300),
        ("2012-03-11T07:00:00Z", "2012-03-11 03:00:00", -240),
        # Fall back, 2012-11-04 06:00Z: 01:30 happens twice, first in EDT, then in EST.
        ("2012-11-04T05:30:00Z", "2012-11-04 01:30:00", -240),
        ("2012-11-04T06:30:00Z", "2012-11-04 01:30:00", -300),
        # The same UTC time of day is an hour later on the wall in summer.
        ("2012-03-10T12:30:00Z", "2012-03-10 07:30:00", -300),
        ("2012-03-12T12:30:00Z", "2012-03-12 08:30:00", -240),
    ],
)
def test_local_times_follow_new_york_dst(utc: str, wall: str, offset: int) -> None:
    local, offsets = local_times(_utc(utc), None, None, "America/New_York")
    assert local.iloc[0] == pd.Timestamp(wall)
    assert offsets.iloc[0] == offset


def test_local_times_are_naive_and_aligned_with_the_input() -> None:
    stamps = _utc("2012-07-01T12:00Z", "2012-12-01T12:00Z")
    stamps.index = [7, 3]
    local, offsets = local_times(stamps, None, None, "America/New_York")
    assert local.dt.tz is None
    assert local.index.tolist() == offsets.index.tolist() == [7, 3]
    assert offsets.tolist() == [-240, -300]


def test_auto_zone_looks_up_each_events_place() -> None:
    points = [NYC, TOKYO, MID_ATLANTIC, NYC, TOKYO]
    stamps = _utc(*["2012-07-01T12:00Z"] * len(points))
    local, offsets = local_times(stamps, [p[0] for p in points], [p[1] for p in points], "auto")
    assert offsets.tolist() == [-240, 540, 0, -240, 540]  # open sea falls back to UTC
    assert local.dt.hour.tolist() == [8, 21, 12, 8, 21]


def test_auto_zone_needs_coordinates() -> None:
    with pytest.raises(ValueError, match="auto"):
        local_times(_utc("2012-07-01T12:00Z"), None, None, "auto")


def test_unknown_zone_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        local_times(_utc("2012-07-01T12:00Z"), None, None, "Mars/Olympus_Mons")


def test_naive_timestamps_are_an_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_times(pd.Series(pd.to_datetime(["2012-07-01T12:00"])), None, None, "UTC")


# --- hour_of_week ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        ("2012-04-02 00:00:00", 0),  # Monday
        ("2012-04-02 00:59:59", 0),
        ("2012-04-02 01:00:00", 1),
        ("2012-04-03 00:00:00", 24),  # Tuesday
        ("2012-04-08 00:00:00", 144),  # Sunday
        ("2012-04-08 23:00:00", 167),
        ("2012-04-08 23:59:59", 167),
        ("2012-04-09 00:00:00", 0),  # Monday again
    ],
)
def test_hour_of_week_boundaries(wall: str, expected: int) -> None:
    assert hour_of_week(pd.Series(pd.to_datetime([wall]))).tolist() == [expected]


def test_hour_of_week_counts_local_not_utc_time() -> None:
    # Monday 00:00 in New York is Monday 04:00 UTC; Sunday 23:30 in New York is Monday 03:30 UTC.
    local, _ = local_times(_utc("2012-04-02T04:00Z", "2012-04-09T03:30Z"), None, None, "America/New_York")
    assert hour_of_week(local).tolist() == [0, 167]


# --- assign_sessions ------------------------------------------------------------------------------------------------

GAP = timedelta(hours=6)


def test_a_pause_of_exactly_the_gap_stays_in_the_session() -> None:
    events = _frame({"timestamp": START}, {"timestamp": START + GAP})
    assert assign_sessions(events, GAP).tolist() == ["u:0", "u:0"]


def test_a_pause_one_second_over_the_gap_starts_a_session() -> None:
    events = _frame({"timestamp": START}, {"timestamp": START + GAP + timedelta(seconds=1)})
    assert assign_sessions(events, GAP).tolist() == ["u:0", "u:1"]


def test_sessions_are_counted_per_user() -> None:
    # w's events fill u's long pause, which still splits u's sessions; each user counts from 0.
    events = _frame(
        {"user_id": "u", "timestamp": START},
        {"user_id": "w", "timestamp": START + timedelta(hours=4)},
        {"user_id": "w", "timestamp": START + timedelta(hours=8)},
        {"user_id": "u", "timestamp": START + timedelta(hours=10)},
        {"user_id": "w", "timestamp": START + timedelta(hours=20)},
    )
    assert assign_sessions(events, GAP).tolist() == ["u:0", "w:0", "w:0", "u:1", "w:1"]


def test_sessions_follow_time_not_row_order() -> None:
    events = _frame({"timestamp": START + 2 * GAP}, {"timestamp": START})
    events.index = [5, 5]  # duplicate labels must not confuse the write-back
    sessions = assign_sessions(events, GAP)
    assert sessions.tolist() == ["u:1", "u:0"]
    assert sessions.index.tolist() == [5, 5]


# --- preprocess -----------------------------------------------------------------------------------------------------


def test_preprocess_adds_features_sorted_with_a_fresh_index() -> None:
    events = _frame(
        {"timestamp": _at(30), "item_id": "B"},
        {"timestamp": _at(0)},
        {"timestamp": _at(5)},  # a repeat of A, collapsed
        {"timestamp": _at(1000), "user_id": "v", "latitude": TOKYO[0], "longitude": TOKYO[1]},
    )
    events.index = [9, 8, 7, 6]
    result = preprocess(events, PreprocessingSettings())

    assert result.collapsed == 1
    frame = result.events
    assert list(frame.columns) == [*EVENT_COLUMNS, *FEATURE_COLUMNS]
    assert frame.index.tolist() == [0, 1, 2]
    assert frame["timestamp"].tolist() == [_at(0), _at(30), _at(1000)]
    assert frame["item_id"].tolist() == ["A", "B", "A"]
    assert frame["session_id"].tolist() == ["u:0", "u:0", "v:0"]
    assert frame["utc_offset_minutes"].tolist() == [-240, -240, -240]  # a fixed zone ignores the Tokyo coordinates
    assert frame["local_time"].iloc[0] == pd.Timestamp("2012-04-03 14:00")
    assert frame["hour_of_week"].iloc[0] == 24 + 14  # Tuesday 14:00
    assert frame["cell"].iloc[2] == cell_of(*TOKYO, 8)


def test_preprocess_honours_the_settings() -> None:
    events = _frame(
        {"timestamp": _at(0)},
        {"timestamp": _at(5)},
        {"timestamp": _at(200), "latitude": TOKYO[0], "longitude": TOKYO[1]},
    )
    settings = PreprocessingSettings(
        timezone="auto", collapse_window_minutes=0, session_gap_minutes=60, h3_resolution=5
    )
    frame = preprocess(events, settings).events
    assert len(frame) == 3
    assert frame["utc_offset_minutes"].tolist() == [-240, -240, 540]
    assert frame["session_id"].tolist() == ["u:0", "u:0", "u:1"]
    assert frame["cell"].tolist() == [cell_of(*NYC, 5), cell_of(*NYC, 5), cell_of(*TOKYO, 5)]


def test_preprocess_of_no_events() -> None:
    result = preprocess(_frame({}).iloc[:0], PreprocessingSettings())
    assert result.collapsed == 0
    assert result.events.empty
    assert list(result.events.columns) == [*EVENT_COLUMNS, *FEATURE_COLUMNS]


def test_preprocess_rejects_missing_columns() -> None:
    with pytest.raises(ValueError, match="latitude"):
        preprocess(_frame({}).drop(columns="latitude"), PreprocessingSettings())


# --- event_features -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["America/New_York", "auto", "Asia/Tokyo"])
def test_event_features_match_the_frame_path(zone: str) -> None:
    events = [
        Event(user_id="u", item_id="A", timestamp="2012-03-11T06:30:00Z", latitude=NYC[0], longitude=NYC[1]),
        Event(user_id="u", item_id="B", timestamp="2012-11-04T05:30:00Z", latitude=NYC[0], longitude=NYC[1]),
        Event(user_id="v", item_id="C", timestamp="2012-07-01T23:59:59Z", latitude=TOKYO[0], longitude=TOKYO[1]),
        Event(
            user_id="w",
            item_id="D",
            timestamp="2012-07-02T00:00:00Z",
            latitude=MID_ATLANTIC[0],
            longitude=MID_ATLANTIC[1],
        ),
    ]
    settings = PreprocessingSettings(timezone=zone)
    frame = preprocess(pd.DataFrame([e.model_dump() for e in events]), settings).events
    assert sorted(frame["item_id"]) == [e.item_id for e in events]
    rows = {row.item_id: row for row in frame.itertuples(index=False)}
    for event in events:
        features, row = event_features(event, settings), rows[event.item_id]
        assert features == {
            "local_time": row.local_time,
            "utc_offset_minutes": row.utc_offset_minutes,
            "hour_of_week": row.hour_of_week,
            "cell": row.cell,
        }
        assert isinstance(features["local_time"], datetime)
        assert features["local_time"].tzinfo is None


# --- the real NYC data ----------------------------------------------------------------------------------------------


def _nyc_events(folder: Path) -> pd.DataFrame:
    raw = pd.read_csv(folder / "checkins.csv.gz", dtype={"user_id": str, "venue_id": str})
    events = raw.rename(columns={"venue_id": "item_id", "utc_time": "timestamp", "venue_category": "category"})
    events["timestamp"] = pd.to_datetime(events["timestamp"], utc=True)
    events["action"] = "visit"
    events["text"] = None
    return events[list(EVENT_COLUMNS)]


@pytest.mark.slow
def test_nyc_preprocessing(nyc_data_dir: Path) -> None:
    events = _nyc_events(nyc_data_dir)
    assert len(events) == 102_009

    started = time.perf_counter()
    result = preprocess(events, PreprocessingSettings())
    elapsed = time.perf_counter() - started

    # 52 pairs of consecutive same-venue check-ins in a user's stream lie within 10 minutes of each other.
    assert result.collapsed == 52
    assert len(result.events) == 101_957
    assert result.events["timestamp"].is_monotonic_increasing
    assert set(result.events["utc_offset_minutes"]) == {-240, -300}
    assert result.events["hour_of_week"].between(0, 167).all()
    # Measured at ~0.3 s; a per-row implementation would be far slower than this loose guard.
    assert elapsed < 15, f"preprocess took {elapsed:.1f} s"

    # Every NYC check-in lies in the New York zone, so the coordinate lookup must agree with the fixed zone.
    auto = preprocess(events, PreprocessingSettings(timezone="auto")).events
    pd.testing.assert_frame_equal(auto, result.events)
