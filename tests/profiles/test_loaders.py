"""Loaders: every kind of bad row beside good ones, per format; unreadable files; the real NYC numbers."""

from __future__ import annotations

import csv
import gzip
import time
from pathlib import Path

import pandas as pd
import pytest

from profiles.events import EVENT_COLUMNS, ITEM_COLUMNS, Event
from profiles.loaders import (
    DataError,
    LoadResult,
    Reject,
    load_any,
    load_events,
    load_nyc,
    load_tsmc2014,
    load_venues,
    write_rejects,
)

NYC_HEADER = "user_id,venue_id,venue_category,latitude,longitude,utc_time"
VENUES_CSV = "\n".join(
    [
        "venue_id,name,category,category_path,locality,region,latitude,longitude,description",
        'v1,Blue Cup,Coffee Shop,Dining and Drinking > Cafe > Coffee Shop,New York,NY,40.7,-74.0,"A cafe, on 5th."',
        "v2,,Bar,Dining and Drinking > Bar,,,40.71,-73.99,",
        "v3,Unused,Park,,,,40.8,-73.95,",
    ]
)

# Line numbers in the comments are physical lines; the header is line 1.
NYC_LINES = [
    NYC_HEADER,
    "1,v1,Coffee Shop,40.7,-74.0,2012-04-03T18:00:09Z",  # 2 good
    "2,v1,Coffee Shop,,-74.0,2012-04-03T18:01:00Z",  # 3
    "2,v1,Coffee Shop,40.7,-74.0,yesterday",  # 4
    "2,v1,Coffee Shop,123.0,-74.0,2012-04-03T18:02:00Z",  # 5
    "2,v1,Coffee Shop,40.7,-200.5,2012-04-03T18:03:00Z",  # 6
    "2,v1,Coffee Shop,abc,-74.0,2012-04-03T18:04:00Z",  # 7
    "2,nowhere,Coffee Shop,40.7,-74.0,2012-04-03T18:05:00Z",  # 8
    "3,v2,Bar,40.7",  # 9
    '3,v2,"Bar, Pub",40.71,-73.99,2012-04-04T10:00:00Z',  # 10 good, quoted comma
    "1,v1,Coffee Shop,40.7,-74.0,2012-04-03T18:00:09Z",  # 11
    "4,v2,Bar,40.7,-74.0,2012-04-05T10:00:00",  # 12
    '4,v2,"Bar',  # 13 good, a quoted field spanning two lines
    'with a newline",40.72,-73.98,2012-04-05T11:00:00Z',  # 14
    ",v1,Coffee Shop,40.7,-74.0,2012-04-05T12:00:00Z",  # 15
    "5,v2,,40.7,-74.0,2012-04-02T09:00:00Z",  # 16 good, earliest, no category
    "",
    "",
]
NYC_REJECTS = [
    (3, "missing field: latitude"),
    (4, "unparseable time: 'yesterday'"),
    (5, "latitude out of range: 123.0"),
    (6, "longitude out of range: -200.5"),
    (7, "wrong type: latitude 'abc' is not a number"),
    (8, "unknown item: nowhere"),
    (9, "wrong number of fields: expected 6, found 4"),
    (11, "duplicate of line 2"),
    (12, "timestamp without time zone: '2012-04-05T10:00:00'"),
    (15, "missing field: user_id"),
]

EVENTS_CSV_LINES = [
    "timestamp,user_id,item_id,latitude,longitude,action,text,category,note",
    '2012-04-03T18:00:00+02:00,u1,i1,52.5,13.4,view,"said ""hi"", left",Museum,x',  # 2 good
    "2012-04-03T19:00:00Z,u1,i1,52.5,13.4,,,,x",  # 3 good, defaults
    "2012-04-03T19:00:00Z,u1,i1,52.5,13.4,teleport,,,x",  # 4
    "2012-04-03T19:00:00Z,,i1,52.5,13.4,visit,,,x",  # 5
    "2012-04-03T19:00:00Z,u2,i9,52.5,13.4,visit,,,x",  # 6
    "2012-04-03 19:00:00,u2,i1,52.5,13.4,visit,,,x",  # 7
    "2012-02-30T10:00:00Z,u2,i1,52.5,13.4,visit,,,x",  # 8
    "2012-04-03T19:00:00Z,u2,i1,-91,13.4,visit,,,x",  # 9
    "2012-04-03T19:00:00Z,u2,i1,52.5,180.5,visit,,,x",  # 10
    "2012-04-03T19:00:00Z,u2,i1,52.5,east,visit,,,x",  # 11
    "2012-04-03T19:00:00Z,u2,i1,52.5,13.4,visit",  # 12
    "2012-04-03T19:00:00Z,u1,i1,52.5,13.4,,,,x",  # 13
    "2012-04-03T17:00:00Z,u3,i2,-33.9,151.2,LIKE,,Beach,x",  # 14 good
    "",
]
EVENTS_CSV_REJECTS = [
    (4, "unknown action: 'teleport'"),
    (5, "missing field: user_id"),
    (6, "unknown item: i9"),
    (7, "timestamp without time zone: '2012-04-03 19:00:00'"),
    (8, "unparseable time: '2012-02-30T10:00:00Z'"),
    (9, "latitude out of range: -91.0"),
    (10, "longitude out of range: 180.5"),
    (11, "wrong type: longitude 'east' is not a number"),
    (12, "wrong number of fields: expected 9, found 6"),
    (13, "duplicate of line 3"),
]

GOOD_JSON = (
    '{"user_id": "u1", "item_id": "i1", "timestamp": "2012-04-03T18:00:00Z", "latitude": 52.5, "longitude": 13.4'
)
EVENTS_JSONL_LINES = [
    GOOD_JSON + ', "action": "search", "text": "coffee near me"}',  # 1 good
    '{"user_id": "u1",',  # 2
    "[1, 2]",  # 3
    '{"user_id": ["u1"], "item_id": "i1", "timestamp": "2012-04-03T18:00:00Z", "latitude": 1, "longitude": 2}',  # 4
    '{"user_id": "u1", "item_id": "i1", "timestamp": "2012-04-03T18:00:00Z", "latitude": true, "longitude": 2}',  # 5
    '{"user_id": "u1", "item_id": "i1", "timestamp": "2012-04-03T18:00:00Z", "longitude": 2}',  # 6
    '{"user_id": "u1", "item_id": "i1", "timestamp": "2012-04-03T18:00:00Z", "latitude": 1, "longitude": null}',  # 7
    GOOD_JSON + ', "action": "purchase"}',  # 8
    '{"user_id": "u1", "item_id": "i1", "timestamp": "tomorrow", "latitude": 1, "longitude": 2}',  # 9
    '{"user_id": "u1", "item_id": "i1", "timestamp": "2012-04-03T18:00:00", "latitude": 1, "longitude": 2}',  # 10
    '{"user_id": "u1", "item_id": "i1", "timestamp": "2012-04-03T18:00:00Z", "latitude": 95, "longitude": 2}',  # 11
    # 12: line 1 again, keys in another order
    '{"text": "coffee near me", "action": "search", "longitude": 13.4, "latitude": 52.5, "timestamp":'
    ' "2012-04-03T18:00:00Z", "item_id": "i1", "user_id": "u1"}',
    '{"user_id": 7, "item_id": 42, "timestamp": "2012-04-03T17:00:00-04:00", "latitude": "40.7", "longitude": -74,'
    ' "category": "Bar", "extra": {"ignored": true}}',  # 13 good: numbers become text, offset becomes UTC
    '{"user_id": "u1", "item_id": "i1", "timestamp": "2012-04-03T18:00:00Z", "latitude": "abc", "longitude": 2}',  # 14
    '{"user_id": "u1", "item_id": "i9", "timestamp": "2012-04-03T18:00:00Z", "latitude": 1, "longitude": 2}',  # 15
    "",
    "   ",
]
EVENTS_JSONL_REJECTS = [
    (2, "malformed JSON: Expecting property name enclosed in double quotes at column 18"),
    (3, "malformed JSON: expected an object, found list"),
    (4, 'wrong type: user_id ["u1"] is not a string'),
    (5, "wrong type: latitude true is not a number"),
    (6, "missing field: latitude"),
    (7, "missing field: longitude"),
    (8, "unknown action: 'purchase'"),
    (9, "unparseable time: 'tomorrow'"),
    (10, "timestamp without time zone: '2012-04-03T18:00:00'"),
    (11, "latitude out of range: 95.0"),
    (12, "duplicate of line 1"),
    (14, "wrong type: latitude 'abc' is not a number"),
    (15, "unknown item: i9"),
]

TSMC_TIME = "Tue Apr 03 18:00:09 +0000 2012"
# The original dump mixes UTF-8 with stray latin-1 bytes: both spellings of "Café" must decode to the same text.
TSMC_LINES = [
    f"470\tv1\tc1\tCaf\xe9\t40.719810\t-74.002581\t-240\t{TSMC_TIME}".encode("latin-1"),  # 1 good
    b"471\tv1\tc1\tCaf\xc3\xa9\t40.719830\t-74.002500\t-240\tTue Apr 03 19:00:09 +0000 2012",  # 2 good
    b"472\tv1\tc2\tBakery\t40.719900\t-74.002400\t-240\tMon Apr 02 19:00:09 +0000 2012",  # 3 good, earliest
    b"473\tv2\tBar\t40.7",  # 4
    b"473\tv2\tc3\tBar\t40.7\t-74.0\t-240\t2012-04-03",  # 5
    f"473\tv2\tc3\tBar\t91.5\t-74.0\t-240\t{TSMC_TIME}".encode(),  # 6
    f"473\t\tc3\tBar\t40.7\t-74.0\t-240\t{TSMC_TIME}".encode(),  # 7
    f"470\tv1\tc1\tCaf\xe9\t40.719810\t-74.002581\t-240\t{TSMC_TIME}".encode("latin-1"),  # 8
    b'474\tv3\tc4\tMen\'s "Best" Store\t40.6\t-73.9\t-240\tWed Apr 04 01:00:00 +0000 2012',  # 9 good, bare quotes
    b"",
    b"",
]
TSMC_REJECTS = [
    (4, "wrong number of fields: expected 8, found 4"),
    (5, "unparseable time: '2012-04-03'"),
    (6, "latitude out of range: 91.5"),
    (7, "missing field: venue id"),
    (8, "duplicate of line 1"),
]


def write(path: Path, content: str | bytes) -> Path:
    """Write text or bytes, gzipped when the name ends in .gz."""
    data = content.encode() if isinstance(content, str) else content
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def nyc_folder(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    write(folder / "checkins.csv.gz", "\n".join(NYC_LINES))
    write(folder / "venues.csv.gz", VENUES_CSV)
    return folder


def catalogue(*item_ids: str) -> pd.DataFrame:
    return pd.DataFrame([{"item_id": item_id, "latitude": 0.0, "longitude": 0.0} for item_id in item_ids])


def assert_rejects(result: LoadResult, path: Path, lines: list[str], expected: list[tuple[int, str]]) -> None:
    assert [(reject.line, reject.reason) for reject in result.rejects] == expected
    assert {reject.source for reject in result.rejects} == {str(path)}
    for reject in result.rejects:
        assert reject.raw == lines[reject.line - 1]


def assert_event_frame(events: pd.DataFrame) -> None:
    assert tuple(events.columns) == EVENT_COLUMNS
    assert str(events["timestamp"].dtype) in {"datetime64[ns, UTC]", "datetime64[us, UTC]"}
    assert events["timestamp"].is_monotonic_increasing
    for name in ("user_id", "item_id", "action"):
        assert pd.api.types.is_string_dtype(events[name])
    for name in ("latitude", "longitude"):
        assert events[name].dtype == "float64"
    for row in events.to_dict("records"):
        Event(**row)  # every loaded row is a valid Event as it stands


def as_tuples(events: pd.DataFrame, *columns: str) -> list[tuple]:
    frame = events[list(columns)].astype({"timestamp": str}) if "timestamp" in columns else events[list(columns)]
    return [tuple(row) for row in frame.itertuples(index=False)]


def test_nyc_bad_rows_are_rejected_with_line_and_reason_and_good_rows_load(tmp_path: Path) -> None:
    folder = nyc_folder(tmp_path / "nyc")
    checkins = folder / "checkins.csv.gz"

    result = load_nyc(checkins, folder / "venues.csv.gz")

    assert_rejects(result, checkins, NYC_LINES, NYC_REJECTS)
    assert_event_frame(result.events)
    assert as_tuples(result.events, "user_id", "item_id", "timestamp", "latitude", "longitude", "category") == [
        ("5", "v2", "2012-04-02 09:00:00+00:00", 40.7, -74.0, None),
        ("1", "v1", "2012-04-03 18:00:09+00:00", 40.7, -74.0, "Coffee Shop"),
        ("3", "v2", "2012-04-04 10:00:00+00:00", 40.71, -73.99, "Bar, Pub"),
        ("4", "v2", "2012-04-05 11:00:00+00:00", 40.72, -73.98, "Bar\nwith a newline"),
    ]
    assert set(result.events["action"]) == {"visit"}
    assert result.events["text"].isna().all()
    assert result.summary() == {
        "rows_read": 14,
        "loaded": 4,
        "rejected": 10,
        "rejected_by_reason": {
            "missing field": 2,
            "unparseable time": 1,
            "latitude out of range": 1,
            "longitude out of range": 1,
            "wrong type": 1,
            "unknown item": 1,
            "wrong number of fields": 1,
            "duplicate row": 1,
            "timestamp without time zone": 1,
        },
        "users": 4,
        "items": 2,
        "first": "2012-04-02T09:00:00Z",
        "last": "2012-04-05T11:00:00Z",
    }


def test_nyc_reject_raw_text_keeps_a_multi_line_record_whole(tmp_path: Path) -> None:
    folder = tmp_path / "nyc"
    folder.mkdir()
    checkins = write(folder / "checkins.csv.gz", f'{NYC_HEADER}\n9,v1,"two\nlines",99.5,-74.0,2012-04-03T18:00:09Z\n')
    write(folder / "venues.csv.gz", VENUES_CSV)

    result = load_nyc(checkins, folder / "venues.csv.gz")

    assert result.rejects == [
        Reject(str(checkins), 2, "latitude out of range: 99.5", '9,v1,"two\nlines",99.5,-74.0,2012-04-03T18:00:09Z')
    ]


def test_load_venues_gives_the_item_columns(tmp_path: Path) -> None:
    items = load_venues(write(tmp_path / "venues.csv.gz", VENUES_CSV))

    assert tuple(items.columns) == ITEM_COLUMNS
    assert items["item_id"].tolist() == ["v1", "v2", "v3"]
    assert items.loc[0, "description"] == "A cafe, on 5th."
    assert items.loc[1, "name"] == ""
    assert items.loc[2, "category_path"] == ""
    assert items[["latitude", "longitude"]].dtypes.tolist() == ["float64", "float64"]


def test_generic_csv_bad_rows_are_rejected_and_good_rows_load(tmp_path: Path) -> None:
    path = write(tmp_path / "events.csv", "\n".join(EVENTS_CSV_LINES))

    result = load_events(path, items=catalogue("i1", "i2"))

    assert_rejects(result, path, EVENTS_CSV_LINES, EVENTS_CSV_REJECTS)
    assert_event_frame(result.events)
    assert as_tuples(result.events, *EVENT_COLUMNS) == [
        ("u1", "i1", "2012-04-03 16:00:00+00:00", 52.5, 13.4, "view", 'said "hi", left', "Museum"),
        ("u3", "i2", "2012-04-03 17:00:00+00:00", -33.9, 151.2, "like", None, "Beach"),
        ("u1", "i1", "2012-04-03 19:00:00+00:00", 52.5, 13.4, "visit", None, None),
    ]
    assert result.rows_read == 13
    assert result.items is not None


def test_generic_csv_without_catalogue_accepts_any_item(tmp_path: Path) -> None:
    path = write(tmp_path / "events.csv.gz", "\n".join(EVENTS_CSV_LINES))

    result = load_events(path)

    assert (6, "unknown item: i9") not in [(reject.line, reject.reason) for reject in result.rejects]
    assert "i9" in set(result.events["item_id"])
    assert result.items is None


def test_jsonl_bad_rows_are_rejected_and_good_rows_load(tmp_path: Path) -> None:
    path = write(tmp_path / "events.jsonl", "\n".join(EVENTS_JSONL_LINES))

    result = load_events(path, items=catalogue("i1", "42"))

    assert_rejects(result, path, EVENTS_JSONL_LINES, EVENTS_JSONL_REJECTS)
    assert_event_frame(result.events)
    assert as_tuples(result.events, *EVENT_COLUMNS) == [
        ("u1", "i1", "2012-04-03 18:00:00+00:00", 52.5, 13.4, "search", "coffee near me", None),
        ("7", "42", "2012-04-03 21:00:00+00:00", 40.7, -74.0, "visit", None, "Bar"),
    ]
    assert result.rows_read == 15
    assert result.reject_counts()["malformed JSON"] == 2


@pytest.mark.parametrize("name", ["events.ndjson", "events.jsonl.gz"])
def test_jsonl_suffixes(tmp_path: Path, name: str) -> None:
    result = load_events(write(tmp_path / name, EVENTS_JSONL_LINES[0]))

    assert len(result.events) == 1


def test_tsmc_bad_rows_are_rejected_and_items_are_derived(tmp_path: Path) -> None:
    path = write(tmp_path / "dataset_TSMC2014_NYC.txt", b"\r\n".join(TSMC_LINES))

    result = load_tsmc2014(path)

    lines = [line.decode("utf-8", errors="replace") for line in TSMC_LINES]
    assert [(reject.line, reject.reason) for reject in result.rejects] == TSMC_REJECTS
    assert [reject.raw for reject in result.rejects][:2] == lines[3:5]
    assert result.rejects[-1].raw == "470\tv1\tc1\tCafé\t40.719810\t-74.002581\t-240\t" + TSMC_TIME
    assert_event_frame(result.events)
    assert as_tuples(result.events, "user_id", "item_id", "timestamp", "category") == [
        ("472", "v1", "2012-04-02 19:00:09+00:00", "Bakery"),
        ("470", "v1", "2012-04-03 18:00:09+00:00", "Café"),
        ("471", "v1", "2012-04-03 19:00:09+00:00", "Café"),
        ("474", "v3", "2012-04-04 01:00:00+00:00", 'Men\'s "Best" Store'),
    ]
    assert result.items is not None
    assert tuple(result.items.columns) == ITEM_COLUMNS
    assert as_tuples(result.items, "item_id", "category", "latitude", "longitude") == [
        ("v1", "Café", 40.71983, -74.0025),
        ("v3", 'Men\'s "Best" Store', 40.6, -73.9),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "file is empty"),
        ("blank.csv", b"\n\n  \n", "file is empty"),
        ("empty.csv.gz", gzip.compress(b""), "file is empty"),
        ("header-only.csv", b"user_id,item_id,timestamp,latitude,longitude\n", "no data rows after the header"),
        ("wrong-header.csv", b"user,item,time\nu1,i1,2012-04-03T18:00:00Z\n", "header lacks required columns"),
        ("garbage.csv", bytes(range(256)) * 8, "binary data, not a text file"),
        ("plain.csv.gz", b"user_id,item_id\n", "not a valid gzip file"),
        ("garbage.jsonl", b"this is not json\nnor is this\n", "not JSON Lines"),
        ("events.parquet", b"PAR1", "unsupported file type"),
        ("other.txt", b"just some notes\nand more\n", "not the TSMC2014 format"),
    ],
)
def test_unreadable_files_raise_data_error_naming_the_file(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)  # as is: the gzip cases are already compressed, or deliberately not

    with pytest.raises(DataError) as caught:
        load_any([path])

    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_wrong_header_names_the_missing_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "events.csv", "user_id,item_id,timestamp\nu1,i1,2012-04-03T18:00:00Z\n")

    with pytest.raises(DataError, match="lacks required columns latitude, longitude"):
        load_events(path)


def test_nyc_checkins_with_a_wrong_header_raise(tmp_path: Path) -> None:
    venues = write(tmp_path / "venues.csv.gz", VENUES_CSV)
    checkins = write(tmp_path / "checkins.csv.gz", "user_id,venue_id,latitude,longitude\n1,v1,40.7,-74.0\n")

    with pytest.raises(DataError, match=f"{checkins}: header lacks required columns venue_category, utc_time"):
        load_nyc(checkins, venues)


def test_venues_with_a_bad_coordinate_raise(tmp_path: Path) -> None:
    venues = write(tmp_path / "venues.csv.gz", VENUES_CSV.replace("40.71,-73.99", "north,-73.99"))

    with pytest.raises(DataError, match=f"{venues}: venue v2 has an invalid latitude 'north'"):
        load_venues(venues)


@pytest.mark.parametrize("loader", [load_venues, load_tsmc2014, load_events, lambda path: load_nyc(path, path)])
def test_missing_file_raises_data_error(tmp_path: Path, loader) -> None:
    path = tmp_path / "absent.csv"

    with pytest.raises(DataError, match=f"{path}: file not found"):
        loader(path)


def test_load_any_folder_lacking_the_nyc_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=f"{tmp_path}: folder lacks checkins.csv.gz"):
        load_any([tmp_path])


def test_load_any_detects_each_format_and_concatenates(tmp_path: Path) -> None:
    folder = nyc_folder(tmp_path / "nyc")
    tsmc = write(tmp_path / "tsmc.txt", b"\n".join(TSMC_LINES))
    jsonl = write(tmp_path / "events.jsonl", "\n".join(EVENTS_JSONL_LINES))

    result = load_any([folder, tsmc, jsonl])

    assert result.rows_read == 14 + 9 + 15
    assert len(result.events) == 4 + 4 + 3  # no catalogue for the JSON file: its item i9 loads
    assert result.events["timestamp"].is_monotonic_increasing
    by_source = {
        source: [r.line for r in result.rejects if r.source == source] for source in {r.source for r in result.rejects}
    }
    assert by_source == {
        str(folder / "checkins.csv.gz"): [line for line, _ in NYC_REJECTS],
        str(tsmc): [line for line, _ in TSMC_REJECTS],
        str(jsonl): [line for line, _ in EVENTS_JSONL_REJECTS if line != 15],
    }
    assert result.items is not None
    assert set(result.items["item_id"]) == {"v1", "v2", "v3"}


def test_load_any_reads_a_checkins_file_with_venues_beside_it_or_given(tmp_path: Path) -> None:
    folder = nyc_folder(tmp_path / "nyc")
    renamed = write(tmp_path / "april.csv", "\n".join(NYC_LINES))

    beside = load_any([folder / "checkins.csv.gz"])
    given = load_any([renamed], venues=folder / "venues.csv.gz")
    alone = load_any([renamed])

    assert beside.summary() == given.summary()
    assert beside.summary()["loaded"] == 4
    assert alone.items is None
    assert "unknown item" not in alone.reject_counts()


def test_write_rejects_round_trips(tmp_path: Path) -> None:
    rejects = [
        Reject("in/a.csv", 3, "missing field: latitude", '2,v1,"Bar, Pub",,-74.0,2012-04-03T18:01:00Z'),
        Reject("in/b.jsonl", 12, "malformed JSON: Expecting value", '{"text": "two\nlines, "quoted""'),
    ]
    path = tmp_path / "state" / "deep" / "rejects.csv"

    write_rejects(rejects, path)

    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [Reject(row["source"], int(row["line"]), row["reason"], row["raw"]) for row in rows] == rejects
    assert list(rows[0]) == ["source", "line", "reason", "raw"]


def test_real_rejects_round_trip(tmp_path: Path) -> None:
    result = load_nyc(*(nyc_folder(tmp_path / "nyc") / name for name in ("checkins.csv.gz", "venues.csv.gz")))
    path = tmp_path / "rejects.csv"

    write_rejects(result.rejects, path)

    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [Reject(row["source"], int(row["line"]), row["reason"], row["raw"]) for row in rows] == result.rejects


@pytest.mark.slow
def test_real_nyc_data_loads_whole_and_fast(nyc_data_dir: Path) -> None:
    start = time.perf_counter()
    result = load_nyc(nyc_data_dir / "checkins.csv.gz", nyc_data_dir / "venues.csv.gz")
    seconds = time.perf_counter() - start

    assert result.summary() == {
        "rows_read": 102_009,
        "loaded": 102_009,
        "rejected": 0,
        "rejected_by_reason": {},
        "users": 1_080,
        "items": 4_973,
        "first": "2012-04-03T18:00:09Z",
        "last": "2012-12-23T19:14:38Z",
    }
    assert result.items is not None
    assert len(result.items) == 4_988
    assert tuple(result.events.columns) == EVENT_COLUMNS
    assert seconds < 5, f"loading the NYC files took {seconds:.1f} s"
