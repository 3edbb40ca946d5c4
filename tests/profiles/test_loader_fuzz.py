"""Arbitrary files through every loader: each either loads (every row accounted for, every event valid) or raises
the loaders' own DataError; nothing else escapes.

Each file costs one pass of the vectorised validator (~20 ms idle, ~75 ms on a loaded 2-core machine), so the suite
runs 250 files per format (~75 s loaded); ``make soak`` runs ten times as many (WHERENOW_FUZZ_SCALE=10: 10,000 files,
about 14 minutes on a loaded machine).
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profiles.events import EVENT_COLUMNS, Event
from profiles.loaders import NYC_CHECKINS_FILE, NYC_VENUES_FILE, DataError, Limits, LoadResult, load_any

EXAMPLES_PER_FORMAT = 250 * int(os.environ.get("WHERENOW_FUZZ_SCALE", "1"))
FUZZ = settings(
    max_examples=EXAMPLES_PER_FORMAT,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same files every run: a failure here is reproducible, not a flake
)
LIMITS = Limits(latest=datetime(2030, 1, 1, tzinfo=UTC), max_decompressed_bytes=64 * 1024)
VENUES = "venue_id,name,category,category_path,latitude,longitude\nv1,Cup,Cafe,Food > Cafe,40.7,-74.0\n"

# Pieces real and broken files are made of, so the generated files reach past the header checks.
fragments = st.sampled_from(
    [
        "u1",
        "v1",
        "",
        " ",
        "2012-04-03T18:00:09Z",
        "2012-04-03 18:00:09",
        "Tue Apr 03 18:00:09 +0000 2012",
        "9999-12-31T23:00:00-12:00",
        "2100-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "now",
        "today",
        "40.7",
        "-74.0",
        "91",
        "nan",
        "inf",
        "-0",
        "1e400",
        "visit",
        "LIKE",
        "teleport",
        '"',
        '""',
        "'",
        "\\",
        "\t",
        ",",
        "\r",
        "\r\n",
        "\n",
        "{",
        "}",
        "[",
        "]",
        "null",
        "true",
        "\ufeff",
        "\xe9",
    ]
) | st.text(max_size=12)


def delimited(separator: str, header: str | None) -> st.SearchStrategy[bytes]:
    line = st.lists(fragments, max_size=9).map(separator.join)
    body = st.lists(line, max_size=6).map("\n".join)
    text = body.map(lambda rows: f"{header}\n{rows}" if header is not None else rows)
    return st.one_of(text.map(lambda content: content.encode("utf-8", "surrogatepass")), st.binary(max_size=200))


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), fragments)
json_records = st.dictionaries(
    st.sampled_from([*EVENT_COLUMNS, "extra"]),
    st.recursive(
        json_scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=5,
    ),
    max_size=9,
)
jsonl_files = st.one_of(
    st.lists(st.one_of(json_records.map(json.dumps), st.lists(fragments, max_size=5).map("".join)), max_size=6)
    .map("\n".join)
    .map(lambda content: content.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def check(paths: list[Path]) -> None:
    try:
        result = load_any(paths, limits=LIMITS)
    except DataError:
        return
    assert isinstance(result, LoadResult)
    assert len(result.events) + len(result.rejects) == result.rows_read
    for row in result.events.to_dict("records"):
        Event(**row)


@FUZZ
@given(content=delimited(",", "user_id,item_id,timestamp,latitude,longitude,action,text,category"), gz=st.booleans())
def test_csv_events(folder: Path, content: bytes, gz: bool) -> None:
    path = folder / ("events.csv.gz" if gz else "events.csv")
    path.write_bytes(gzip.compress(content) if gz else content)
    check([path])


@FUZZ
@given(content=jsonl_files)
def test_json_lines(folder: Path, content: bytes) -> None:
    path = folder / "events.jsonl"
    path.write_bytes(content)
    check([path])


@FUZZ
@given(content=delimited("\t", None))
def test_tsmc_dump(folder: Path, content: bytes) -> None:
    path = folder / "dump.txt"
    path.write_bytes(content)
    check([path])


@FUZZ
@given(
    checkins=delimited(",", "user_id,venue_id,venue_category,latitude,longitude,utc_time"),
    venues=st.one_of(
        st.just(VENUES.encode()), delimited(",", "venue_id,name,category,category_path,latitude,longitude")
    ),
)
def test_nyc_folder(folder: Path, checkins: bytes, venues: bytes) -> None:
    nyc = folder / "nyc"
    nyc.mkdir(exist_ok=True)
    (nyc / NYC_CHECKINS_FILE).write_bytes(gzip.compress(checkins, compresslevel=1))
    (nyc / NYC_VENUES_FILE).write_bytes(gzip.compress(venues, compresslevel=1))
    check([nyc])
