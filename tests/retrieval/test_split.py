"""The time split holds out the last fraction of the time span, not of the rows, and keeps rows verbatim."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from retrieval.split import main, split_by_time_span

HEADER = "user_id,venue_id,venue_category,latitude,longitude,utc_time"


def _frame(hours: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [str(k) for k in range(len(hours))],
            "venue_id": "4a1",
            "venue_category": "Coffee Shop",
            "latitude": "40.719810",
            "longitude": "-74.002581",
            "utc_time": [f"2012-04-{1 + h // 24:02d}T{h % 24:02d}:00:00Z" for h in hours],
        }
    )


def test_the_cut_is_in_time_not_in_rows():
    # 100 hours in all: the last 10% of the span starts at hour 90, whatever the row counts.
    hours = [0] * 50 + list(range(1, 90)) + [90, 95, 100]
    history, test, cutoff = split_by_time_span(_frame(hours), 0.1)
    assert cutoff == pd.Timestamp("2012-04-04T18:00:00Z")
    assert len(test) == 3  # 3 of 142 rows: far fewer than 10% of the rows
    assert len(history) == len(hours) - 3
    assert pd.to_datetime(history["utc_time"]).max() < cutoff <= pd.to_datetime(test["utc_time"]).min()


def test_bad_fractions_are_refused():
    for fraction in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError):
            split_by_time_span(_frame([0, 1]), fraction)


def test_cli_writes_both_files_in_the_input_format(tmp_path):
    source = tmp_path / "checkins.csv.gz"
    _frame([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]).to_csv(source, index=False, compression="gzip")
    assert main(["--checkins", str(source), "--test-fraction", "0.25", "--out-dir", str(tmp_path / "out")]) == 0

    history = gzip.decompress((tmp_path / "out" / "history.csv.gz").read_bytes()).decode().splitlines()
    test = gzip.decompress((tmp_path / "out" / "test.csv.gz").read_bytes()).decode().splitlines()
    assert history[0] == test[0] == HEADER
    assert len(history) - 1 == 8  # hours 0..70; the cut is at hour 75
    assert [line.rsplit(",", 1)[1] for line in test[1:]] == [
        "2012-04-04T08:00:00Z",
        "2012-04-04T18:00:00Z",
        "2012-04-05T04:00:00Z",
    ]
    assert history[1] == "0,4a1,Coffee Shop,40.719810,-74.002581,2012-04-01T00:00:00Z"  # values verbatim
