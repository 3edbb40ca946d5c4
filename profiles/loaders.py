"""Loaders that turn behaviour files into the one event frame (``EVENT_COLUMNS``) and a catalogue (``ITEM_COLUMNS``).

Formats: the Foursquare NYC folder (``checkins.csv.gz`` + ``venues.csv.gz``), the original TSMC2014 tab-separated
dump, and a generic CSV or JSON Lines file whose fields are the event columns. Every loader reads rows into string
columns, then hands them to one vectorised validator, so a bad row gets the same reason whatever its format. Bad rows
become ``Reject`` records (file, physical line, first reason, raw text); good rows still load. A file that cannot be
read at all (missing, empty, binary, not gzip, wrong header) raises ``DataError``.

The event frame: ``user_id``, ``item_id`` and ``action`` are pandas ``str``; ``timestamp`` is tz-aware UTC;
``latitude``/``longitude`` are float64; ``text``/``category`` are object columns holding ``str`` or ``None`` (so a
row converts straight into an ``Event``). Rows are sorted by time, stably.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from profiles.atomic import write_atomic
from profiles.events import EVENT_COLUMNS, ITEM_COLUMNS, REQUIRED_EVENT_COLUMNS, Action

NYC_CHECKIN_COLUMNS: tuple[str, ...] = ("user_id", "venue_id", "venue_category", "latitude", "longitude", "utc_time")
NYC_VENUE_COLUMNS: tuple[str, ...] = ("venue_id", "name", "category", "category_path", "latitude", "longitude")
NYC_CHECKINS_FILE = "checkins.csv.gz"
NYC_VENUES_FILE = "venues.csv.gz"
TSMC_FIELD_COUNT = 8
TSMC_TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"
ISO_TIME_FORMAT = "ISO8601"
CSV_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz")
JSONL_SUFFIXES: tuple[str, ...] = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
TSMC_SUFFIXES: tuple[str, ...] = (".txt", ".txt.gz")

# pandas' ISO 8601 parser reads a naive time as UTC when utc=True, so the offset is checked on the text. A time part
# is required before the offset, else the day of "2012-04-03" would pass for a "-03" offset.
# Plain [0-9] and no \s keep the pattern inside pyarrow's RE2 engine (pandas falls back to Python re otherwise).
_ZONE_SUFFIX = r"[T ][0-9]{2}(?::?[0-9]{2}){0,2}(?:[.,][0-9]+)? ?(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)$"
_NUMERIC_COLUMNS: tuple[str, ...] = ("latitude", "longitude")
_OPTIONAL_TEXT_COLUMNS: tuple[str, ...] = ("text", "category")
_LATIN1_FALLBACK = "wherenow.latin1-fallback"


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    # The original TSMC2014 dump mixes UTF-8 with stray latin-1 bytes ("Caf\xe9"); decode just those bytes as latin-1.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)


class DataError(Exception):
    """A file that cannot be loaded at all; the message names the file and what was wrong."""


@dataclass(frozen=True)
class Reject:
    """One row that was not loaded: file, 1-based physical line (header is line 1), first reason, raw text."""

    source: str
    line: int
    reason: str
    raw: str


def reject_kind(reason: str) -> str:
    """The kind of a reject reason, e.g. 'missing field' for 'missing field: latitude'."""
    if reason.startswith("duplicate of line"):
        return "duplicate row"
    return reason.split(":", 1)[0]


@dataclass
class LoadResult:
    """Loaded events, the catalogue when known, and what was refused."""

    events: pd.DataFrame
    items: pd.DataFrame | None
    rows_read: int
    rejects: list[Reject] = field(default_factory=list)

    def reject_counts(self) -> dict[str, int]:
        """Rejected rows by reason kind, most frequent first."""
        return dict(Counter(reject_kind(reject.reason) for reject in self.rejects).most_common())

    def summary(self) -> dict[str, Any]:
        """Counts and time span of the load, ready to print or log as JSON."""
        timestamps = self.events["timestamp"]
        return {
            "rows_read": self.rows_read,
            "loaded": len(self.events),
            "rejected": len(self.rejects),
            "rejected_by_reason": self.reject_counts(),
            "users": int(self.events["user_id"].nunique()),
            "items": int(self.events["item_id"].nunique()),
            "first": _iso_utc(timestamps.min()) if len(timestamps) else None,
            "last": _iso_utc(timestamps.max()) if len(timestamps) else None,
        }


def _iso_utc(moment: pd.Timestamp) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class _Table:
    """Rows as read from one file, before validation: string columns keyed by event column."""

    source: str
    lines: list[str]
    first_lines: list[int]
    last_lines: list[int]
    columns: dict[str, np.ndarray]
    labels: dict[str, str]
    rejects: list[Reject]
    rows_read: int

    def raw(self, row: int) -> str:
        return "".join(self.lines[self.first_lines[row] - 1 : self.last_lines[row]]).rstrip("\r\n")


# Reading ----------------------------------------------------------------------------------------------------------


def _read_lines(path: Path) -> list[str]:
    """The file's physical lines (newlines kept), gunzipped and decoded; DataError when it is not readable text."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read: {error.strerror}") from None
    if path.name.lower().endswith(".gz") or data.startswith(b"\x1f\x8b"):
        try:
            data = gzip.decompress(data)
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise DataError(f"{path}: not a valid gzip file ({error})") from None
    if not data.strip():
        raise DataError(f"{path}: file is empty")
    if b"\x00" in data:
        raise DataError(f"{path}: binary data, not a text file")
    text = data.decode("utf-8", errors=_LATIN1_FALLBACK).removeprefix("\ufeff")
    # newline="" splits on \n, \r\n and \r without translating them, as the csv module expects.
    return list(io.StringIO(text, newline=""))


def _is_blank(fields: list[str]) -> bool:
    return not fields or (len(fields) == 1 and not fields[0].strip())


def _read_delimited(
    path: Path,
    lines: list[str],
    reader: Any,
    names: Sequence[str | None],
    labels: dict[str, str],
    first_line: int,
) -> _Table:
    """Split rows from a csv reader into columns; ``names`` maps each field position to an event column (or None)."""
    source = str(path)
    expected = len(names)
    kept = [(position, name) for position, name in enumerate(names) if name is not None]
    rows: list[list[str]] = []
    first_lines: list[int] = []
    last_lines: list[int] = []
    rejects: list[Reject] = []
    rows_read = 0
    previous = first_line - 1
    try:
        for fields in reader:
            start, previous = previous + 1, reader.line_num
            if len(fields) != expected:
                if _is_blank(fields):
                    continue
                rows_read += 1
                raw = "".join(lines[start - 1 : previous]).rstrip("\r\n")
                reason = f"wrong number of fields: expected {expected}, found {len(fields)}"
                rejects.append(Reject(source, start, reason, raw))
                continue
            rows_read += 1
            rows.append(fields)
            first_lines.append(start)
            last_lines.append(previous)
    except csv.Error as error:
        raise DataError(f"{path}: not a readable delimited file near line {reader.line_num}: {error}") from None
    values = _as_matrix(rows, expected)
    columns = {name: values[:, position] for position, name in kept}
    return _Table(source, lines, first_lines, last_lines, columns, labels, rejects, rows_read)


def _as_matrix(rows: list[list[Any]], width: int) -> np.ndarray:
    # A 2-D object array splits rows into columns several times faster than zip(*rows).
    return np.array(rows, dtype=object) if rows else np.empty((0, width), dtype=object)


def _read_csv(path: Path, required: Sequence[str], rename: dict[str, str]) -> _Table:
    """A CSV file with a header; ``rename`` maps file columns to event columns, ``required`` must all be present."""
    lines = _read_lines(path)
    reader = csv.reader(lines)
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as error:
        raise DataError(f"{path}: not a readable CSV header: {error}") from None
    missing = [name for name in required if name not in header]
    if missing:
        raise DataError(
            f"{path}: header lacks required columns {', '.join(missing)} (found: {', '.join(header) or 'nothing'})"
        )
    names = [rename.get(name) for name in header]
    labels = {event_column: file_column for file_column, event_column in rename.items()}
    table = _read_delimited(path, lines, reader, names, labels, first_line=reader.line_num + 1)
    if table.rows_read == 0:
        raise DataError(f"{path}: no data rows after the header")
    return table


def _json_value(value: Any, column: str) -> str | None:
    """A JSON scalar as the text a CSV would hold; ValueError for a list, object or boolean."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    expected = "a number" if column in _NUMERIC_COLUMNS else "a string"
    raise ValueError(f"wrong type: {column} {json.dumps(value)} is not {expected}")


def _read_jsonl(path: Path) -> _Table:
    """A JSON Lines file: one object per line, keys named as the event columns."""
    source = str(path)
    lines = _read_lines(path)
    rows: list[list[str | None]] = []
    line_numbers: list[int] = []
    rejects: list[Reject] = []
    rows_read = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        rows_read += 1
        raw = line.rstrip("\r\n")
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise ValueError(f"malformed JSON: expected an object, found {type(record).__name__}")
            rows.append([_json_value(record.get(column), column) for column in EVENT_COLUMNS])
        except json.JSONDecodeError as error:
            rejects.append(Reject(source, number, f"malformed JSON: {error.msg} at column {error.colno}", raw))
            continue
        except ValueError as error:
            rejects.append(Reject(source, number, str(error), raw))
            continue
        line_numbers.append(number)
    if not rows and all(reject_kind(reject.reason) == "malformed JSON" for reject in rejects):
        raise DataError(f"{path}: not JSON Lines: no line holds a JSON object")
    values = _as_matrix(rows, len(EVENT_COLUMNS))
    columns = {column: values[:, position] for position, column in enumerate(EVENT_COLUMNS)}
    labels = {column: column for column in EVENT_COLUMNS}
    return _Table(source, lines, line_numbers, line_numbers, columns, labels, rejects, rows_read)


# Validation -------------------------------------------------------------------------------------------------------


def _validate(table: _Table, time_format: str, catalogue: pd.DataFrame | None) -> tuple[pd.DataFrame, list[Reject]]:
    """Check every row at once; return the good rows as an event frame and a reject per bad row (first reason)."""
    size = len(table.first_lines)
    column = {name: _clean(table.columns.get(name), size) for name in EVENT_COLUMNS}
    reasons = np.full(size, None, dtype=object)

    def flag(mask: pd.Series | np.ndarray, values: pd.Series, reason: Callable[[Any], str]) -> None:
        todo = np.asarray(mask, dtype=bool) & pd.isna(reasons)
        if todo.any():
            reasons[todo] = [reason(value) for value in values[todo].tolist()]

    def label(name: str) -> str:
        return table.labels.get(name, name)

    for name in REQUIRED_EVENT_COLUMNS:
        flag(column[name].isna(), column[name], lambda _, name=name: f"missing field: {label(name)}")

    numbers = {name: pd.to_numeric(column[name], errors="coerce").astype("float64") for name in _NUMERIC_COLUMNS}
    for name in _NUMERIC_COLUMNS:
        flag(
            column[name].notna() & numbers[name].isna(),
            column[name],
            lambda value, name=name: f"wrong type: {label(name)} {value!r} is not a number",
        )

    text_times = column["timestamp"]
    timestamps = pd.to_datetime(text_times, format=time_format, utc=True, errors="coerce")
    # pandas reads the words "now" and "today" as the current time whatever the format; in data they are garbage.
    timestamps = timestamps.mask(text_times.isin(["now", "today"]))
    flag(text_times.notna() & timestamps.isna(), text_times, lambda value: f"unparseable time: {value!r}")
    if time_format == ISO_TIME_FORMAT:
        naive = timestamps.notna() & ~text_times.str.contains(_ZONE_SUFFIX, regex=True, na=False)
        flag(naive, text_times, lambda value: f"timestamp without time zone: {value!r}")

    for name, limit in (("latitude", 90.0), ("longitude", 180.0)):
        flag(numbers[name].abs() > limit, numbers[name], lambda value, name=name: f"{name} out of range: {value}")

    actions = column["action"].str.lower()
    flag(
        actions.notna() & ~actions.isin([action.value for action in Action]),
        column["action"],
        lambda value: f"unknown action: {value!r}",
    )

    if catalogue is not None:
        items = column["item_id"]
        flag(items.notna() & ~items.isin(catalogue["item_id"]), items, lambda value: f"unknown item: {value}")

    _flag_duplicates(pd.DataFrame(column), table.first_lines, reasons)

    good = pd.isna(reasons)
    events = pd.DataFrame(
        {
            "user_id": column["user_id"][good],
            "item_id": column["item_id"][good],
            "timestamp": timestamps[good],
            "latitude": numbers["latitude"][good],
            "longitude": numbers["longitude"][good],
            "action": actions[good].fillna(Action.VISIT.value),
            **{name: _none_for_missing(column[name][good]) for name in _OPTIONAL_TEXT_COLUMNS},
        },
        columns=list(EVENT_COLUMNS),
    )
    bad = np.flatnonzero(~good)
    rejects = [Reject(table.source, table.first_lines[row], reasons[row], table.raw(row)) for row in bad]
    return events, rejects


def _clean(values: np.ndarray | None, size: int) -> pd.Series:
    """A column as stripped pandas strings, empty fields missing (NaN); an absent column is all missing."""
    series = pd.Series(values if values is not None else [None] * size, dtype="str").str.strip()
    return series.where(series != "")


def _none_for_missing(series: pd.Series) -> pd.Series:
    # Optional text stays None rather than NaN so a row converts straight into an Event.
    return series.astype(object).where(series.notna(), None)


def _flag_duplicates(frame: pd.DataFrame, first_lines: list[int], reasons: np.ndarray) -> None:
    """Mark exact repeats of an earlier row with that row's line (identical rows share every other reason)."""
    repeated = frame.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return
    group = frame[repeated]
    first_of_group = (
        group.assign(_line=np.asarray(first_lines)[repeated])
        .groupby(list(frame.columns), dropna=False, sort=False)["_line"]
        .transform("first")
        .to_numpy()
    )
    later = group.duplicated(keep="first").to_numpy()
    rows = np.flatnonzero(repeated)[later]
    for row, line in zip(rows, first_of_group[later], strict=True):
        if reasons[row] is None:
            reasons[row] = f"duplicate of line {line}"


def _finish(table: _Table, time_format: str, catalogue: pd.DataFrame | None) -> LoadResult:
    events, rejects = _validate(table, time_format, catalogue)
    events = events.sort_values("timestamp", kind="stable", ignore_index=True)
    rejects = sorted([*table.rejects, *rejects], key=lambda reject: reject.line)
    return LoadResult(events=events, items=catalogue, rows_read=table.rows_read, rejects=rejects)


# Public loaders ---------------------------------------------------------------------------------------------------


def load_venues(path: Path) -> pd.DataFrame:
    """The NYC ``venues.csv.gz`` catalogue as ``ITEM_COLUMNS`` (empty strings for missing text, float coordinates)."""
    lines = _read_lines(path)
    try:
        frame = pd.read_csv(io.StringIO("".join(lines)), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataError(f"{path}: not a readable CSV file: {error}") from None
    frame.columns = [str(name).strip() for name in frame.columns]
    missing = [name for name in NYC_VENUE_COLUMNS if name not in frame.columns]
    if missing:
        raise DataError(f"{path}: header lacks required columns {', '.join(missing)}")
    if frame.empty:
        raise DataError(f"{path}: no data rows after the header")
    items = frame.rename(columns={"venue_id": "item_id"}).reindex(columns=list(ITEM_COLUMNS), fill_value="")
    for name in ("latitude", "longitude"):
        coordinates = pd.to_numeric(items[name], errors="coerce")
        limit = 90.0 if name == "latitude" else 180.0
        bad = coordinates.isna() | (coordinates.abs() > limit)
        if bad.any():
            venue = items.loc[bad, "item_id"].iloc[0]
            raise DataError(f"{path}: venue {venue} has an invalid {name} {items.loc[bad, name].iloc[0]!r}")
        items[name] = coordinates.astype("float64")
    repeated = items["item_id"].duplicated()
    if repeated.any():
        raise DataError(f"{path}: venue {items.loc[repeated, 'item_id'].iloc[0]} is listed more than once")
    return items


def load_nyc(checkins: Path, venues: Path | None = None) -> LoadResult:
    """The Foursquare NYC check-ins, checked against the venue catalogue (all visits; ``venue_category`` → category)."""
    catalogue = load_venues(venues) if venues is not None else None
    rename = {
        "user_id": "user_id",
        "venue_id": "item_id",
        "venue_category": "category",
        "latitude": "latitude",
        "longitude": "longitude",
        "utc_time": "timestamp",
    }
    table = _read_csv(checkins, NYC_CHECKIN_COLUMNS, rename)
    return _finish(table, ISO_TIME_FORMAT, catalogue)


def load_tsmc2014(path: Path) -> LoadResult:
    """The original TSMC2014 tab-separated dump (no header); items are derived from the check-ins."""
    lines = _read_lines(path)
    names = ["user_id", "item_id", None, "category", "latitude", "longitude", None, "timestamp"]
    labels = {"user_id": "user id", "item_id": "venue id", "timestamp": "utc time"}
    # Venue names hold quotes; the dump has no quoting, so fields are plain tab-separated text.
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    table = _read_delimited(path, lines, reader, names, labels, first_line=1)
    if not table.first_lines:
        raise DataError(f"{path}: not the TSMC2014 format: no line has {TSMC_FIELD_COUNT} tab-separated fields")
    result = _finish(table, TSMC_TIME_FORMAT, None)
    result.items = _derive_items(result.events)
    return result


def _derive_items(events: pd.DataFrame) -> pd.DataFrame:
    """A catalogue from check-ins alone: each venue's most frequent category and median coordinates."""
    categories = (
        events.assign(category=events["category"].fillna(""))
        .groupby(["item_id", "category"], sort=False)
        .size()
        .rename("count")
        .reset_index()
        .sort_values("count", ascending=False, kind="stable")
        .drop_duplicates("item_id")
        .set_index("item_id")["category"]
    )
    coordinates = events.groupby("item_id", sort=True)[["latitude", "longitude"]].median()
    items = coordinates.join(categories).reset_index()
    return items.reindex(columns=list(ITEM_COLUMNS), fill_value="").astype({"category": "str"})


def load_events(path: Path, items: pd.DataFrame | None = None) -> LoadResult:
    """A generic CSV or JSON Lines file of events; ``items``, when given, is the catalogue item ids must be in."""
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        table = _read_csv(path, REQUIRED_EVENT_COLUMNS, {column: column for column in EVENT_COLUMNS})
    elif name.endswith(JSONL_SUFFIXES):
        table = _read_jsonl(path)
    else:
        expected = ", ".join(CSV_SUFFIXES + JSONL_SUFFIXES)
        raise DataError(f"{path}: unsupported file type; expected one of {expected}")
    return _finish(table, ISO_TIME_FORMAT, items)


def _first_line(path: Path) -> str:
    """The first line of a (possibly gzipped) file, or '' when it cannot be read; for format detection only."""
    try:
        with path.open("rb") as handle:
            head = handle.read(2)
        opener = gzip.open if head == b"\x1f\x8b" else open
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as stream:
            return stream.readline().lstrip("\ufeff")
    except (OSError, EOFError, zlib.error):
        return ""


def _is_nyc_checkins(path: Path) -> bool:
    header = next(csv.reader([_first_line(path)]), [])
    return tuple(name.strip() for name in header) == NYC_CHECKIN_COLUMNS


def _load_one(path: Path, venues: Path | None) -> LoadResult:
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        checkins, beside = path / NYC_CHECKINS_FILE, path / NYC_VENUES_FILE
        if not checkins.is_file() or not beside.is_file():
            raise DataError(f"{path}: folder lacks {NYC_CHECKINS_FILE} and {NYC_VENUES_FILE}")
        return load_nyc(checkins, venues or beside)
    if path.is_file() and _is_nyc_checkins(path):
        beside = path.parent / NYC_VENUES_FILE
        return load_nyc(path, venues or (beside if beside.is_file() else None))
    if path.name.lower().endswith(TSMC_SUFFIXES):
        return load_tsmc2014(path)
    return load_events(path, load_venues(venues) if venues is not None else None)


def load_any(paths: Sequence[Path], venues: Path | None = None) -> LoadResult:
    """Detect each path's format, load it, and concatenate the results (rejects keep their own file).

    A folder with ``checkins.csv.gz`` and ``venues.csv.gz``, or a file with the NYC check-in header, loads as NYC
    (catalogue from ``venues`` or a ``venues.csv.gz`` beside it); ``*.txt`` as TSMC2014; anything else as generic
    events, checked against ``venues`` when given.
    """
    if not paths:
        raise DataError("no input files given")
    results = [_load_one(Path(path), venues) for path in paths]
    if len(results) == 1:
        return results[0]
    events = pd.concat([result.events for result in results], ignore_index=True)
    catalogues = [result.items for result in results if result.items is not None]
    items = (
        pd.concat(catalogues, ignore_index=True).drop_duplicates("item_id", ignore_index=True) if catalogues else None
    )
    return LoadResult(
        events=events.sort_values("timestamp", kind="stable", ignore_index=True),
        items=items,
        rows_read=sum(result.rows_read for result in results),
        rejects=[reject for result in results for reject in result.rejects],
    )


def write_rejects(rejects: Sequence[Reject], path: Path) -> None:
    """Write rejects as CSV (source, line, reason, raw), creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["source", "line", "reason", "raw"])
        writer.writerows((reject.source, reject.line, reject.reason, reject.raw) for reject in rejects)


def forget_rejects(path: Path, user_id: str) -> int:
    """Drop the rejected rows that name ``user_id`` as one of their fields from the rejects file, durably; how many.

    A raw row's format varies (CSV, tab-separated, JSON), so any field equal to the id counts: dropping a report
    line too many is harmless, keeping a forgotten user's row is not.
    """
    if not path.is_file():
        return 0
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    if not rows:
        return 0
    header, body = rows[0], rows[1:]
    pattern = re.compile(rf"(?:^|[\s,;\t\"':{{}}\[\]]){re.escape(user_id)}(?:$|[\s,;\t\"':{{}}\[\]])")
    kept = [row for row in body if not (row and pattern.search(row[-1]))]
    if len(kept) == len(body):
        return 0

    def write(partial: Path) -> None:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(header)
            writer.writerows(kept)

    write_atomic(path, write)
    return len(body) - len(kept)
