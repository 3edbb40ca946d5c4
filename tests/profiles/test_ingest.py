"""Ingestion: rejects kept, events preprocessed and stored, later ingests adding rather than replacing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from profiles.config import PreprocessingSettings, Settings
from profiles.eventlog import open_event_log
from profiles.events import Action, Event
from profiles.ingest import admit, admit_events, ingest, read_events, read_items
from profiles.loaders import DataError

HEADER = "user_id,item_id,timestamp,latitude,longitude,action\n"


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
    return path


def test_ingest_stores_good_rows_and_writes_rejects(tmp_path: Path, settings: Settings) -> None:
    events = _write(
        tmp_path / "events.csv",
        [
            "u1,cafe,2012-05-01T12:00:00Z,40.73,-73.99,visit",
            "u1,cafe,2012-05-01T12:05:00Z,40.73,-73.99,visit",  # a repeat within 10 minutes: collapsed
            "u2,park,2012-05-02T15:00:00+02:00,40.78,-73.97,like",
            "u3,bar,2012-05-03T21:00:00Z,95.0,-73.99,visit",  # latitude out of range
        ],
    )
    report = ingest([events], settings, progress=False)

    assert report.summary["loaded"] == 3
    assert report.summary["rejected_by_reason"] == {"latitude out of range": 1}
    assert report.collapsed == 1
    assert report.stored_events == 2
    rejects = pd.read_csv(settings.rejects_file)
    assert rejects[["line", "reason"]].values.tolist() == [[5, "latitude out of range: 95.0"]]
    stored = read_events(settings)
    assert stored is not None
    assert stored["item_id"].tolist() == ["cafe", "park"]
    assert {"local_time", "hour_of_week", "session_id", "cell"} <= set(stored.columns)
    assert any(line.startswith("rejects written to") for line in report.lines())


def test_second_ingest_adds_to_what_is_stored(tmp_path: Path, settings: Settings) -> None:
    first = _write(tmp_path / "a.csv", ["u1,cafe,2012-05-01T12:00:00Z,40.73,-73.99,visit"])
    second = _write(
        tmp_path / "b.csv",
        ["u1,cafe,2012-05-01T12:00:00Z,40.73,-73.99,visit", "u2,park,2012-05-02T15:00:00Z,40.78,-73.97,visit"],
    )
    ingest([first], settings, progress=False)
    report = ingest([second], settings, progress=False)
    assert report.stored_events == 2  # the exact repeat is stored once

    ingest([first], settings, progress=False, replace=True)
    stored = read_events(settings)
    assert stored is not None and len(stored) == 1


def test_bad_file_leaves_stored_events_untouched(tmp_path: Path, settings: Settings) -> None:
    good = _write(tmp_path / "good.csv", ["u1,cafe,2012-05-01T12:00:00Z,40.73,-73.99,visit"])
    ingest([good], settings, progress=False)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        ingest([empty], settings, progress=False)
    stored = read_events(settings)
    assert stored is not None and stored["item_id"].tolist() == ["cafe"]


def test_nyc_folder_ingest(nyc_data_dir: Path, settings: Settings) -> None:
    report = ingest([nyc_data_dir], settings, progress=False)
    summary = report.summary
    assert (summary["rows_read"], summary["loaded"], summary["rejected"]) == (102_009, 102_009, 0)
    assert (summary["users"], summary["items"]) == (1_080, 4_973)
    assert (summary["first"][:10], summary["last"][:10]) == ("2012-04-03", "2012-12-23")
    assert report.collapsed == 52
    items = read_items(settings)
    assert items is not None and len(items) == 4_988


@pytest.mark.parametrize("seed", range(20))
def test_admitting_a_few_events_agrees_with_the_frame_path(tmp_path: Path, seed: int) -> None:
    """admit_events (a 👍 at a time) and admit (whole files) keep the same events on random batches."""
    rng = random.Random(seed)
    start = datetime(2012, 4, 7, 12, tzinfo=UTC)
    settings = PreprocessingSettings()

    def event(minute: int) -> Event:
        return Event(
            user_id=rng.choice("ab"),
            item_id=rng.choice(["p1", "p2"]),
            timestamp=start + timedelta(minutes=minute),
            latitude=40.7,
            longitude=-74.0,
            action=rng.choice([Action.VISIT, Action.VISIT, Action.LIKE]),
        )

    with open_event_log(tmp_path) as log:
        log.append([event(minute) for minute in sorted(rng.sample(range(0, 60), 4))])
        batch = [event(minute) for minute in sorted(rng.sample(range(60, 120), 8))]
        frame = pd.DataFrame([{**item.model_dump(), "action": item.action.value} for item in batch])
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
        assert admit_events(log, batch, settings) == admit(log, frame, settings).rows


def test_rows_after_the_horizon_or_out_of_range_become_rejects_not_a_crash(tmp_path: Path, settings: Settings) -> None:
    events = _write(
        tmp_path / "events.csv",
        [
            "u1,cafe,2012-05-01T12:00:00Z,40.73,-73.99,visit",
            "u1,cafe,2100-01-01T00:00:00Z,40.73,-73.99,visit",
            "u2,park,9999-12-31T23:00:00-12:00,40.78,-73.97,visit",
            "u2,park,2262-03-01T00:00:00Z,40.78,-73.97,visit",
        ],
    )
    report = ingest([events], settings, progress=False)

    assert report.stored_events == 1
    reasons = pd.read_csv(settings.rejects_file).set_index("line")["reason"].to_dict()
    assert reasons[3].startswith("timestamp in the future: '2100-01-01T00:00:00Z' is after ")
    assert reasons[4].startswith(("unparseable time", "timestamp out of range"))
    assert reasons[5].startswith("timestamp out of range: '2262-03-01T00:00:00Z'")


def test_a_demo_clock_ahead_of_the_machine_moves_the_horizon(tmp_path: Path, settings: Settings) -> None:
    ahead = datetime.now(UTC) + timedelta(days=10)
    events = _write(tmp_path / "events.csv", [f"u1,cafe,{ahead.isoformat()},40.73,-73.99,visit"])
    assert ingest([events], settings, progress=False).stored_events == 0
    demo = settings.model_copy(update={"server": settings.server.model_copy(update={"demo_now": ahead})})
    assert ingest([events], demo, progress=False).stored_events == 1
