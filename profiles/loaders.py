"""Loaders that turn behaviour files into the one event frame (``EVENT_COLUMNS``) and a catalogue (``ITEM_COLUMNS``).

Formats: the Foursquare NYC folder (``checkins.csv.gz`` + ``venues.csv.gz``), the original TSMC2014 tab-separated
dump, and a generic CSV or JSON Lines file whose fields are the event columns. Files are read as a stream, line by
line through the gzip decoder, and validated in chunks of rows, so memory holds the loaded events and one chunk of
text, not the file; a gzip file that inflates past ``Limits.max_decompressed_bytes`` is refused as a possible
decompression bomb. Every loader reads rows into string columns, then hands them to one vectorised validator, so a
bad row gets the same reason whatever its format. Bad rows become ``Reject`` records (file, physical line, first
reason, raw text cut to ``REJECT_TEXT_CHARS``); good rows still load. A file that cannot be read at all (missing,
empty, binary, not gzip, too large when inflated, a line over ``MAX_LINE_CHARS``, wrong header) raises ``DataError``.

Times outside ``profiles.clock``'s representable range, and times after ``Limits.latest`` (the event horizon), are
rejected rows like any other bad value.

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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from profiles.atomic import write_atomic
from profiles.clock import EARLIEST, LATEST
from profiles.config import DataSettings
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
DEFAULT_MAX_DECOMPRESSED_BYTES: int = DataSettings.model_fields["max_decompressed_bytes"].default
# No real row comes near this; a longer "line" is a file of another kind, and reading it whole would be unbounded.
MAX_LINE_CHARS = 1024 * 1024
# A rejected row keeps this much of its raw text: enough to find and fix it, not a copy of the data.
REJECT_TEXT_CHARS = 200
_CHUNK_ROWS = 50_000  # rows validated at once: large enough to stay vectorised, small enough to keep text bounded
_READ_BYTES = 1024 * 1024

# pandas' ISO 8601 parser reads a naive time as UTC when utc=True, so the offset is checked on the text. A time part
# is required before the offset, else the day of "2012-04-03" would pass for a "-03" offset.
# Plain [0-9] and no \s keep the pattern inside pyarrow's RE2 engine (pandas falls back to Python re otherwise).
_ZONE_SUFFIX = r"[T ][0-9]{2}(?::?[0-9]{2}){0,2}(?:[.,][0-9]+)? ?(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)$"
_NUMERIC_COLUMNS: tuple[str, ...] = ("latitude", "longitude")
_OPTIONAL_TEXT_COLUMNS: tuple[str, ...] = ("text", "category")
_LATIN1_FALLBACK = "wherenow.latin1-fallback"
_TRUNCATED = "…"


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    # The original TSMC2014 dump mixes UTF-8 with stray latin-1 bytes ("Caf\xe9"); decode just those bytes as latin-1.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)


class DataError(Exception):
    """A file that cannot be loaded at all; the message names the file and what was wrong."""


@dataclass(frozen=True)
class Limits:
    """What a load accepts beyond the format itself."""

    latest: datetime | None = None
    """Events after this time are rejected rows (``profiles.clock.event_horizon``); None: only the range check."""
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES
    """A gzip file inflating past this many bytes is refused whole (``data.max_decompressed_bytes``)."""


def _cut(text: str) -> str:
    return text if len(text) <= REJECT_TEXT_CHARS else text[: REJECT_TEXT_CHARS - 1] + _TRUNCATED


@dataclass(frozen=True)
class Reject:
    """One row that was not loaded: file, 1-based physical line (header is line 1), first reason, raw text.

    Reason and raw text are cut to ``REJECT_TEXT_CHARS`` (ending in "…"): a report keeps what finds the row, no more.
    """

    source: str
    line: int
    reason: str
    raw: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", _cut(self.reason))
        object.__setattr__(self, "raw", _cut(self.raw))


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


# Reading ----------------------------------------------------------------------------------------------------------


class _Inflating(io.RawIOBase):
    """A gzip stream that stops with DataError once it has inflated more than ``limit`` bytes, or is not gzip."""

    def __init__(self, compressed: io.BufferedIOBase, path: Path, limit: int) -> None:
        self._gzip = gzip.GzipFile(fileobj=compressed, mode="rb")
        self._path, self._limit, self._total = path, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            count = self._gzip.readinto(buffer)
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise DataError(f"{self._path}: not a valid gzip file ({error})") from None
        self._total += count
        if self._total > self._limit:
            raise DataError(
                f"{self._path}: inflates to more than {self._limit:,} bytes (data.max_decompressed_bytes); "
                "refused as a possible decompression bomb"
            )
        return count


class _Lines:
    """The physical lines of a text stream (newlines kept), numbered from 1, read one at a time.

    DataError for binary data or a line over ``MAX_LINE_CHARS``. The lines read since the last :meth:`take` are
    kept, so that the row they make up can have its raw text; nothing older is held.
    """

    def __init__(self, stream: io.TextIOBase, path: Path) -> None:
        self._stream, self._path = stream, path
        self.number = 0
        self.content = False  # whether any line so far held more than white space
        self._kept: list[str] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self._stream.readline(MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_LINE_CHARS:
            raise DataError(f"{self._path}: line {self.number + 1} is longer than {MAX_LINE_CHARS:,} characters")
        if "\x00" in line:
            raise DataError(f"{self._path}: binary data, not a text file")
        if self.number == 0:
            line = line.removeprefix("\ufeff")
        self.number += 1
        self._kept.append(line)
        self.content = self.content or not line.isspace()
        return line

    def take(self) -> str:
        """The raw text of the lines read since the last call (one row), cut to ``REJECT_TEXT_CHARS``, without
        the final line break; those lines are then forgotten."""
        text = _cut("".join(self._kept).rstrip("\r\n"))
        self._kept.clear()
        return text

    def blank(self) -> bool:
        """Read to the end: whether the whole file held nothing but white space."""
        for _ in self:
            self._kept.clear()
        return not self.content


@contextmanager
def _open_lines(path: Path, limits: Limits) -> Iterator[_Lines]:
    """The file's lines, gunzipped (bounded) and decoded as they are read; DataError when it is not readable."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read: {error.strerror}") from None
    with handle:
        binary: io.BufferedIOBase = handle
        if path.name.lower().endswith(".gz") or handle.peek(2)[:2] == b"\x1f\x8b":
            binary = io.BufferedReader(_Inflating(handle, path, limits.max_decompressed_bytes), _READ_BYTES)
        # newline="" splits on \n, \r\n and \r without translating them, as the csv module expects.
        text = io.TextIOWrapper(binary, encoding="utf-8", errors=_LATIN1_FALLBACK, newline="")
        try:
            yield _Lines(text, path)
        except OSError as error:
            raise DataError(f"{path}: cannot read: {error}") from None


@dataclass
class _Table:
    """A chunk of rows as read from one file, before validation: string columns keyed by event column."""

    source: str
    first_lines: list[int]
    raws: list[str]  # each row's raw text, already cut to REJECT_TEXT_CHARS
    columns: dict[str, np.ndarray]
    labels: dict[str, str]
    rejects: list[Reject]
    rows_read: int

    def raw(self, row: int) -> str:
        return self.raws[row]


def _is_blank(fields: list[str]) -> bool:
    return not fields or (len(fields) == 1 and not fields[0].strip())


def _read_delimited(
    path: Path, lines: _Lines, reader: Any, names: Sequence[str | None], labels: dict[str, str]
) -> Iterator[_Table]:
    """Split rows from a csv reader into column chunks; ``names`` maps each field position to an event column (or
    None). Every ``_CHUNK_ROWS`` rows a chunk is handed on."""
    source = str(path)
    expected = len(names)
    kept = [(position, name) for position, name in enumerate(names) if name is not None]
    previous = lines.number

    def table(rows: list[list[str]], first: list[int], raws: list[str], rejects: list[Reject], read: int) -> _Table:
        values = _as_matrix(rows, expected)
        columns = {name: values[:, position] for position, name in kept}
        return _Table(source, first, raws, columns, labels, rejects, read)

    rows: list[list[str]] = []
    first_lines: list[int] = []
    raws: list[str] = []
    rejects: list[Reject] = []
    rows_read = 0
    try:
        for fields in reader:
            start, previous = previous + 1, lines.number
            raw = lines.take()
            if len(fields) != expected:
                if _is_blank(fields):
                    continue
                rows_read += 1
                reason = f"wrong number of fields: expected {expected}, found {len(fields)}"
                rejects.append(Reject(source, start, reason, raw))
            else:
                rows_read += 1
                rows.append(fields)
                first_lines.append(start)
                raws.append(raw)
            if rows_read >= _CHUNK_ROWS:
                yield table(rows, first_lines, raws, rejects, rows_read)
                rows, first_lines, raws, rejects, rows_read = [], [], [], [], 0
    except csv.Error as error:
        raise DataError(f"{path}: not a readable delimited file near line {lines.number}: {error}") from None
    yield table(rows, first_lines, raws, rejects, rows_read)


def _as_matrix(rows: list[list[Any]], width: int) -> np.ndarray:
    # A 2-D object array splits rows into columns several times faster than zip(*rows).
    matrix = np.empty((len(rows), width), dtype=object)
    if rows:
        matrix[:] = rows  # assigned, not np.array(rows): a row of sequences must not grow a third dimension
    return matrix


def _csv_header(path: Path, lines: _Lines, reader: Any, required: Sequence[str]) -> list[str]:
    """The header row of a CSV file, with every ``required`` column; DataError otherwise (or when it is empty)."""
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as error:
        raise DataError(f"{path}: not a readable CSV header: {error}") from None
    missing = [name for name in required if name not in header]
    if missing:
        if not lines.content and lines.blank():
            raise DataError(f"{path}: file is empty")
        raise DataError(
            f"{path}: header lacks required columns {', '.join(missing)} (found: {', '.join(header) or 'nothing'})"
        )
    return header


def _read_csv(path: Path, lines: _Lines, required: Sequence[str], rename: dict[str, str]) -> Iterator[_Table]:
    """A CSV file with a header; ``rename`` maps file columns to event columns, ``required`` must all be present."""
    reader = csv.reader(lines)
    header = _csv_header(path, lines, reader, required)
    names = [rename.get(name) for name in header]
    labels = {event_column: file_column for file_column, event_column in rename.items()}
    lines.take()
    rows_read = 0
    for table in _read_delimited(path, lines, reader, names, labels):
        rows_read += table.rows_read
        yield table
    if rows_read == 0:
        raise DataError(f"{path}: no data rows after the header")


def _json_value(value: Any, column: str) -> str | None:
    """A JSON scalar as the text a CSV would hold; ValueError for a list, object or boolean."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    expected = "a number" if column in _NUMERIC_COLUMNS else "a string"
    raise ValueError(f"wrong type: {column} {json.dumps(value)[:REJECT_TEXT_CHARS]} is not {expected}")


def _read_jsonl(path: Path, lines: _Lines) -> Iterator[_Table]:
    """A JSON Lines file: one object per line, keys named as the event columns."""
    source = str(path)
    labels = {column: column for column in EVENT_COLUMNS}
    rows: list[list[str | None]] = []
    line_numbers: list[int] = []
    raws: list[str] = []
    rejects: list[Reject] = []
    rows_read = 0
    only_malformed = True  # every non-blank line so far was malformed JSON (or JSON that is not an object)

    def table() -> _Table:
        values = _as_matrix(rows, len(EVENT_COLUMNS))
        columns = {column: values[:, position] for position, column in enumerate(EVENT_COLUMNS)}
        return _Table(source, line_numbers, raws, columns, labels, rejects, rows_read)

    for line in lines:
        number, raw = lines.number, lines.take()
        if not line.strip():
            continue
        rows_read += 1
        try:
            record = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as error:
            rejects.append(Reject(source, number, f"malformed JSON: {error.msg} at column {error.colno}", raw))
            continue
        except (ValueError, RecursionError) as error:  # a number too long to convert, nesting too deep
            rejects.append(Reject(source, number, f"malformed JSON: {error}", raw))
            continue
        try:
            if not isinstance(record, dict):
                raise ValueError(f"malformed JSON: expected an object, found {type(record).__name__}")
            rows.append([_json_value(record.get(column), column) for column in EVENT_COLUMNS])
        except ValueError as error:
            rejects.append(Reject(source, number, str(error), raw))
            only_malformed = only_malformed and reject_kind(str(error)) == "malformed JSON"
            continue
        only_malformed = False
        line_numbers.append(number)
        raws.append(raw)
        if rows_read >= _CHUNK_ROWS:
            yield table()
            rows, line_numbers, raws, rejects, rows_read = [], [], [], [], 0
    if not lines.content:
        raise DataError(f"{path}: file is empty")
    if only_malformed:
        raise DataError(f"{path}: not JSON Lines: no line holds a JSON object")
    yield table()


# Validation -------------------------------------------------------------------------------------------------------


class _Validator:
    """Validates one file's chunks in turn; exact repeats are found across chunks by a digest of each row."""

    def __init__(self, time_format: str, catalogue: pd.DataFrame | None, limits: Limits) -> None:
        self.time_format, self.catalogue, self.limits = time_format, catalogue, limits
        self.seen: dict[int, int] = {}  # 128-bit digest of a row's fields → the line it first appeared on
        self.events: list[pd.DataFrame] = []
        self.rejects: list[Reject] = []
        self.rows_read = 0

    def load(self, tables: Iterator[_Table]) -> tuple[pd.DataFrame, list[Reject], int]:
        """Validate every chunk; the good rows as one time-sorted event frame, the rejects by line, rows read."""
        for table in tables:
            self.rejects += table.rejects
            self.rows_read += table.rows_read
            if table.first_lines or not self.events:  # the first, even if empty, gives the frame its columns
                events, rejects = self._validate(table)
                self.events.append(events)
                self.rejects += rejects
        events = pd.concat(self.events, ignore_index=True) if len(self.events) > 1 else self.events[0]
        events = events.sort_values("timestamp", kind="stable", ignore_index=True)
        return events, sorted(self.rejects, key=lambda reject: reject.line), self.rows_read

    def _validate(self, table: _Table) -> tuple[pd.DataFrame, list[Reject]]:
        """Check every row at once; the good rows as an event frame and a reject per bad row (first reason)."""
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
        timestamps = _parse_times(text_times, self.time_format)
        flag(text_times.notna() & timestamps.isna(), text_times, lambda value: f"unparseable time: {value!r}")
        if self.time_format == ISO_TIME_FORMAT:
            naive = timestamps.notna() & ~text_times.str.contains(_ZONE_SUFFIX, regex=True, na=False)
            flag(naive, text_times, lambda value: f"timestamp without time zone: {value!r}")
        outside = (timestamps < EARLIEST) | (timestamps >= LATEST)
        flag(
            outside,
            text_times,
            lambda value: f"timestamp out of range: {value!r} is not within {EARLIEST:%Y-%m-%d} … {LATEST:%Y-%m-%d}",
        )
        if self.limits.latest is not None:
            latest = self.limits.latest
            flag(
                timestamps > latest,
                text_times,
                lambda value: f"timestamp in the future: {value!r} is after {latest.isoformat()}",
            )

        for name, limit in (("latitude", 90.0), ("longitude", 180.0)):
            flag(numbers[name].abs() > limit, numbers[name], lambda value, name=name: f"{name} out of range: {value}")

        actions = column["action"].str.lower()
        flag(
            actions.notna() & ~actions.isin([action.value for action in Action]),
            column["action"],
            lambda value: f"unknown action: {value!r}",
        )

        if self.catalogue is not None:
            items = column["item_id"]
            flag(items.notna() & ~items.isin(self.catalogue["item_id"]), items, lambda value: f"unknown item: {value}")

        self._flag_duplicates(pd.DataFrame(column), table.first_lines, reasons)

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

    def _flag_duplicates(self, frame: pd.DataFrame, first_lines: list[int], reasons: np.ndarray) -> None:
        """Mark exact repeats of an earlier row (in this chunk or an earlier one) with that row's line; identical
        rows share every other reason, so only rows without one are marked."""
        if frame.empty:
            return
        # Two independently keyed 64-bit hashes: one 128-bit digest per row, so a collision is not a concern.
        low = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        high = pd.util.hash_pandas_object(frame, index=False, hash_key="wherenow-dedupe!").to_numpy()
        seen = self.seen
        for row, (a, b, line) in enumerate(zip(low.tolist(), high.tolist(), first_lines, strict=True)):
            digest = (b << 64) | a
            first = seen.setdefault(digest, line)
            if first != line and reasons[row] is None:
                reasons[row] = f"duplicate of line {first}"


def _parse_times(text: pd.Series, time_format: str) -> pd.Series:
    """Times as UTC timestamps, NaT where the text is not one."""
    timestamps = pd.to_datetime(text, format=time_format, utc=True, errors="coerce")
    # pandas reads the words "now" and "today" as the current time whatever the format; in data they are garbage.
    return timestamps.mask(text.isin(["now", "today"]))


def _clean(values: np.ndarray | None, size: int) -> pd.Series:
    """A column as stripped pandas strings, empty fields missing (NaN); an absent column is all missing."""
    series = pd.Series(values if values is not None else [None] * size, dtype="str").str.strip()
    return series.where(series != "")


def _none_for_missing(series: pd.Series) -> pd.Series:
    # Optional text stays None rather than NaN so a row converts straight into an Event.
    return series.astype(object).where(series.notna(), None)


def _load(tables: Iterator[_Table], time_format: str, catalogue: pd.DataFrame | None, limits: Limits) -> LoadResult:
    events, rejects, rows_read = _Validator(time_format, catalogue, limits).load(tables)
    return LoadResult(events=events, items=catalogue, rows_read=rows_read, rejects=rejects)


# Public loaders ---------------------------------------------------------------------------------------------------


def load_venues(path: Path, limits: Limits | None = None) -> pd.DataFrame:
    """The NYC ``venues.csv.gz`` catalogue as ``ITEM_COLUMNS`` (empty strings for missing text, float coordinates)."""
    with _open_lines(path, limits or Limits()) as lines:
        reader = csv.reader(lines)
        header = _csv_header(path, lines, reader, NYC_VENUE_COLUMNS)
        if len(set(header)) != len(header):
            raise DataError(f"{path}: the header names a column more than once")
        rows = []
        try:
            for fields in reader:
                lines.take()  # the catalogue keeps fields, not raw text
                if _is_blank(fields):
                    continue
                if len(fields) > len(header):
                    raise DataError(
                        f"{path}: not a readable CSV file: line {lines.number} has {len(fields)} fields, "
                        f"the header {len(header)}"
                    )
                rows.append(fields + [""] * (len(header) - len(fields)))
        except csv.Error as error:
            raise DataError(f"{path}: not a readable CSV file near line {lines.number}: {error}") from None
    if not rows:
        raise DataError(f"{path}: no data rows after the header")
    frame = pd.DataFrame(_as_matrix(rows, len(header)), columns=header, dtype=str)
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


def load_nyc(checkins: Path, venues: Path | None = None, limits: Limits | None = None) -> LoadResult:
    """The Foursquare NYC check-ins, checked against the venue catalogue (all visits; ``venue_category`` → category)."""
    limits = limits or Limits()
    catalogue = load_venues(venues, limits) if venues is not None else None
    rename = {
        "user_id": "user_id",
        "venue_id": "item_id",
        "venue_category": "category",
        "latitude": "latitude",
        "longitude": "longitude",
        "utc_time": "timestamp",
    }
    with _open_lines(checkins, limits) as lines:
        tables = _read_csv(checkins, lines, NYC_CHECKIN_COLUMNS, rename)
        return _load(tables, ISO_TIME_FORMAT, catalogue, limits)


def load_tsmc2014(path: Path, limits: Limits | None = None) -> LoadResult:
    """The original TSMC2014 tab-separated dump (no header); items are derived from the check-ins."""
    limits = limits or Limits()
    names = ["user_id", "item_id", None, "category", "latitude", "longitude", None, "timestamp"]
    labels = {"user_id": "user id", "item_id": "venue id", "timestamp": "utc time"}
    with _open_lines(path, limits) as lines:
        # Venue names hold quotes; the dump has no quoting, so fields are plain tab-separated text.
        reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        result = _load(_read_tsmc(path, lines, reader, names, labels), TSMC_TIME_FORMAT, None, limits)
    result.items = _derive_items(result.events)
    return result


def _read_tsmc(
    path: Path, lines: _Lines, reader: Any, names: Sequence[str | None], labels: dict[str, str]
) -> Iterator[_Table]:
    rows = 0
    for table in _read_delimited(path, lines, reader, names, labels):
        rows += len(table.first_lines)
        yield table
    if not lines.content:
        raise DataError(f"{path}: file is empty")
    if rows == 0:
        raise DataError(f"{path}: not the TSMC2014 format: no line has {TSMC_FIELD_COUNT} tab-separated fields")


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


def load_events(path: Path, items: pd.DataFrame | None = None, limits: Limits | None = None) -> LoadResult:
    """A generic CSV or JSON Lines file of events; ``items``, when given, is the catalogue item ids must be in."""
    limits = limits or Limits()
    name = path.name.lower()
    if not name.endswith(CSV_SUFFIXES + JSONL_SUFFIXES):
        expected = ", ".join(CSV_SUFFIXES + JSONL_SUFFIXES)
        raise DataError(f"{path}: unsupported file type; expected one of {expected}")
    with _open_lines(path, limits) as lines:
        if name.endswith(CSV_SUFFIXES):
            tables = _read_csv(path, lines, REQUIRED_EVENT_COLUMNS, {column: column for column in EVENT_COLUMNS})
        else:
            tables = _read_jsonl(path, lines)
        return _load(tables, ISO_TIME_FORMAT, items, limits)


def _first_line(path: Path) -> str:
    """The first line of a (possibly gzipped) file, at most 64 KiB of it, or '' when it cannot be read; for format
    detection only."""
    try:
        with path.open("rb") as handle:
            head = handle.read(2)
        opener = gzip.open if head == b"\x1f\x8b" else open
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as stream:
            return stream.readline(64 * 1024).lstrip("\ufeff")
    except (OSError, EOFError, zlib.error):
        return ""


def _is_nyc_checkins(path: Path) -> bool:
    try:
        header = next(csv.reader([_first_line(path)]), [])
    except csv.Error:
        return False
    return tuple(name.strip() for name in header) == NYC_CHECKIN_COLUMNS


def _load_one(path: Path, venues: Path | None, limits: Limits) -> LoadResult:
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        checkins, beside = path / NYC_CHECKINS_FILE, path / NYC_VENUES_FILE
        if not checkins.is_file() or not beside.is_file():
            raise DataError(f"{path}: folder lacks {NYC_CHECKINS_FILE} and {NYC_VENUES_FILE}")
        return load_nyc(checkins, venues or beside, limits)
    if path.is_file() and _is_nyc_checkins(path):
        beside = path.parent / NYC_VENUES_FILE
        return load_nyc(path, venues or (beside if beside.is_file() else None), limits)
    if path.name.lower().endswith(TSMC_SUFFIXES):
        return load_tsmc2014(path, limits)
    return load_events(path, load_venues(venues, limits) if venues is not None else None, limits)


def load_any(paths: Sequence[Path], venues: Path | None = None, limits: Limits | None = None) -> LoadResult:
    """Detect each path's format, load it, and concatenate the results (rejects keep their own file).

    A folder with ``checkins.csv.gz`` and ``venues.csv.gz``, or a file with the NYC check-in header, loads as NYC
    (catalogue from ``venues`` or a ``venues.csv.gz`` beside it); ``*.txt`` as TSMC2014; anything else as generic
    events, checked against ``venues`` when given. ``limits``: the event horizon and the gzip inflation limit.
    """
    if not paths:
        raise DataError("no input files given")
    limits = limits or Limits()
    results = [_load_one(Path(path), venues, limits) for path in paths]
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
    line too many is harmless, keeping a forgotten user's row is not. For the same reason every row whose raw text
    was cut (``REJECT_TEXT_CHARS``) goes too: the id may have been in the part that was not kept.
    """
    if not path.is_file():
        return 0
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    if not rows:
        return 0
    header, body = rows[0], rows[1:]
    pattern = re.compile(rf"(?:^|[\s,;\t\"':{{}}\[\]]){re.escape(user_id)}(?:$|[\s,;\t\"':{{}}\[\]])")
    kept = [row for row in body if not (row and (pattern.search(row[-1]) or row[-1].endswith(_TRUNCATED)))]
    if len(kept) == len(body):
        return 0

    def write(partial: Path) -> None:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(header)
            writer.writerows(kept)

    write_atomic(path, write)
    return len(body) - len(kept)
