"""What loading refuses or bounds: gzip bombs in bounded memory, over-long lines, and rejected rows cut short."""

from __future__ import annotations

import csv
import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from profiles.config import Settings
from profiles.ingest import ingest
from profiles.loaders import (
    MAX_LINE_CHARS,
    REJECT_TEXT_CHARS,
    DataError,
    Limits,
    Reject,
    forget_rejects,
    load_any,
    load_events,
    write_rejects,
)

HEADER = b"user_id,item_id,timestamp,latitude,longitude\n"
BOMB_BYTES = 50_000_000
LIMIT = 1024 * 1024


def bomb(path: Path, filler: bytes = b" " * 99 + b"\n") -> Path:
    """A valid gzip file of ~50 KB that inflates to 50 MB: a header, then blank lines the loader skips."""
    with gzip.open(path, "wb", compresslevel=9) as stream:
        stream.write(HEADER)
        block = filler * (1_000_000 // len(filler))
        for _ in range(BOMB_BYTES // len(block)):
            stream.write(block)
    return path


@pytest.mark.parametrize("name", ["events.csv.gz", "events.jsonl.gz", "dump.txt.gz", "checkins.csv.gz"])
def test_a_gzip_bomb_is_refused_in_bounded_memory(tmp_path: Path, name: str) -> None:
    path = bomb(tmp_path / name)
    assert path.stat().st_size < BOMB_BYTES / 100

    tracemalloc.start()
    try:
        with pytest.raises(DataError) as caught:
            load_any([path], limits=Limits(max_decompressed_bytes=LIMIT))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert str(caught.value) == (
        f"{path}: inflates to more than {LIMIT:,} bytes (data.max_decompressed_bytes); "
        "refused as a possible decompression bomb"
    )
    assert peak < 8 * LIMIT  # nowhere near the 50 MB it would inflate to


def test_the_setting_reaches_ingest(tmp_path: Path, settings: Settings) -> None:
    path = bomb(tmp_path / "events.csv.gz")
    limited = settings.model_copy(update={"data": settings.data.model_copy(update={"max_decompressed_bytes": LIMIT})})
    with pytest.raises(DataError, match="possible decompression bomb"):
        ingest([path], limited, progress=False)


def test_the_default_limit_lets_a_large_honest_file_through(tmp_path: Path) -> None:
    row = b"u1,cafe,2012-05-01T12:00:00Z,40.7,-74.0\n"
    with gzip.open(tmp_path / "events.csv.gz", "wb") as stream:
        stream.write(HEADER + row)
    assert len(load_any([tmp_path / "events.csv.gz"]).events) == 1
    with pytest.raises(DataError, match="inflates to more than 10 bytes"):
        load_any([tmp_path / "events.csv.gz"], limits=Limits(max_decompressed_bytes=10))


def test_a_line_longer_than_the_limit_refuses_the_file_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + b"x" * (MAX_LINE_CHARS * 3))
    with pytest.raises(DataError, match=f"line 2 is longer than {MAX_LINE_CHARS:,} characters"):
        load_events(path)


def test_rejected_rows_keep_file_line_reason_and_at_most_200_characters_of_text(tmp_path: Path) -> None:
    long_text = "secret " * 500
    record = {"user_id": "u1", "item_id": "i1", "timestamp": "yesterday", "latitude": 1, "longitude": 2}
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps({**record, "text": long_text}) + "\n" + json.dumps({**record, "user_id": [long_text]}))

    result = load_events(path)
    rejects_file = tmp_path / "rejects.csv"
    write_rejects(result.rejects, rejects_file)

    assert [(reject.line, reject.reason[:16]) for reject in result.rejects] == [
        (1, "unparseable time"),
        (2, "wrong type: user"),
    ]
    for reject in result.rejects:
        assert len(reject.raw) <= REJECT_TEXT_CHARS == 200 and len(reject.reason) <= REJECT_TEXT_CHARS
        assert reject.raw.endswith("…")
    with rejects_file.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["source", "line", "reason", "raw"]
    assert all(len(field) <= REJECT_TEXT_CHARS for row in rows for field in row[2:])
    assert Reject("f", 1, "r", "short").raw == "short"


def test_forgetting_a_user_drops_rows_whose_id_may_have_been_cut_off(tmp_path: Path) -> None:
    # The user id comes after 300 characters of text: the kept 200 cannot show it, so the row must go on forget.
    padding = "x" * 300
    rows = [
        f"{padding},u7,i1,yesterday,1,2",  # u7's, cut before the id
        "u8,i1,yesterday,1,2",  # u8's, short and whole
        "u7,i2,yesterday,1,2",  # u7's, whole
    ]
    rejects = [Reject("events.csv", line, "unparseable time", raw) for line, raw in enumerate(rows, start=2)]
    path = tmp_path / "rejects.csv"
    write_rejects(rejects, path)
    assert forget_rejects(path, "u7") == 2
    with path.open(newline="", encoding="utf-8") as stream:
        assert [row[-1] for row in csv.reader(stream)] == ["raw", "u8,i1,yesterday,1,2"]
