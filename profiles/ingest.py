"""Ingestion: load event files, report and keep the rejects, and append the events to the event log."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from profiles.atomic import write_atomic
from profiles.clock import event_horizon
from profiles.config import PreprocessingSettings, Settings
from profiles.eventlog import EVENTS_DB, EventLog, events_from_frame, open_event_log
from profiles.events import Action, Event
from profiles.loaders import Limits, LoadResult, load_any, write_rejects
from profiles.preprocessing import collapse_repeats, preprocess

ITEMS_FILE = "items.parquet"
_ROW = "_admitted_row"  # an incoming row's position while it is compared with the stored ones (-1: stored)


@dataclass
class IngestReport:
    """What an ingest read, kept, rejected and wrote."""

    summary: dict[str, Any]
    collapsed: int
    stored_events: int
    added_events: int
    rejects_file: Path
    outputs: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A human-readable summary, one fact a line."""
        s = self.summary
        out = [
            f"rows read      {s['rows_read']:>9,}",
            f"loaded         {s['loaded']:>9,}",
            f"rejected       {s['rejected']:>9,}",
        ]
        out += [f"  {reason:<20} {count:>7,}" for reason, count in sorted(s["rejected_by_reason"].items())]
        out += [
            f"users          {s['users']:>9,}",
            f"items          {s['items']:>9,}",
            f"time span      {_day(s['first'])} … {_day(s['last'])}",
            f"collapsed      {self.collapsed:>9,}  (repeat visits to one place within the window)",
            f"added events   {self.added_events:>9,}",
            f"stored events  {self.stored_events:>9,}",
        ]
        if s["rejected"]:
            out.append(f"rejects written to {self.rejects_file}")
        return out


def _day(iso: str | None) -> str:
    return iso[:10] if iso else "-"


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    venues: Path | None = None,
    progress: bool = True,
    replace: bool = False,
    log: EventLog | None = None,
) -> IngestReport:
    """Load ``paths``, write rejects, and append the new events to the event log; store the catalogue.

    New events are added to those already stored (exact repeats once, repeat visits collapsed against the stored
    ones too), so a second ingest adds to the profile instead of discarding it; ``replace=True`` starts over
    (a new log generation: derived state rebuilds). ``log`` is the state folder's open log (opened here when
    not given).
    """
    with tqdm(total=3, desc="ingest", unit="step", disable=not progress) as steps:
        steps.set_postfix_str("loading")
        # Rows dated after the horizon are rejected here, so the append below (checking the same horizon) passes.
        horizon = event_horizon(settings.server.demo_now)
        limits = Limits(latest=horizon, max_decompressed_bytes=settings.data.max_decompressed_bytes)
        loaded: LoadResult = load_any(paths, venues=venues, limits=limits)
        write_rejects(loaded.rejects, settings.rejects_file)
        items = loaded.items
        if not replace:
            items = _merged(read_items(settings), items, key=["item_id"])
        steps.update()

        steps.set_postfix_str("collapsing")
        with _opened(settings, log) as events_log:
            if replace:
                events_log.reset()
            admitted = admit(events_log, loaded.events, settings.preprocessing)
            steps.update()

            steps.set_postfix_str("writing")
            outputs = []
            if items is not None:
                outputs.append(write_frame(items, settings.state_dir / ITEMS_FILE))
            result = events_log.append(events_from_frame(admitted.frame), horizon=horizon)
            outputs.append(getattr(events_log, "path", settings.state_dir))
            stored = events_log.count()
            steps.update()

    return IngestReport(
        summary=loaded.summary(),
        collapsed=admitted.collapsed,
        stored_events=stored,
        added_events=len(result.added),
        rejects_file=settings.rejects_file,
        outputs=outputs,
    )


@dataclass
class Admitted:
    """The new events that may be appended (``rows``: their positions in the input), and how many repeat visits
    were collapsed away."""

    frame: pd.DataFrame
    rows: list[int]
    collapsed: int


def admit(log: EventLog, events: pd.DataFrame, settings: PreprocessingSettings) -> Admitted:
    """The events of ``events`` worth appending: a visit that repeats the user's previous visit to the same place
    within ``collapse_window_minutes`` (checked against the stored ones too) is dropped. Other actions never
    collapse: a like right after a visit is feedback, not a repeat."""
    frame = events.reset_index(drop=True)
    frame = frame.assign(**{_ROW: np.arange(len(frame))})
    window = timedelta(minutes=settings.collapse_window_minutes)
    if not len(frame) or window <= timedelta(0):
        return Admitted(frame.drop(columns=_ROW), list(range(len(frame))), 0)
    stored = [
        {**logged.event.model_dump(), "action": logged.event.action.value, _ROW: -1}
        for user in sorted(set(frame["user_id"].astype(str)))
        if (logged := log.last(user)) is not None
    ]
    combined = frame
    if stored:
        # The user's last stored event is enough: collapsing only ever compares neighbours.
        combined = pd.concat([pd.DataFrame(stored), frame], ignore_index=True)
        combined["timestamp"] = pd.to_datetime(combined["timestamp"], utc=True)
    actions = combined["action"].fillna(Action.VISIT.value).astype(str)
    visits = combined[actions == Action.VISIT.value]
    repeats = visits.index.difference(collapse_repeats(visits, window).index)
    kept = combined[~combined.index.isin(repeats) & (combined[_ROW] >= 0).to_numpy()]
    rows = kept[_ROW].astype(int).tolist()
    return Admitted(kept.drop(columns=_ROW).reset_index(drop=True), rows, len(frame) - len(kept))


def admit_events(log: EventLog, events: Sequence[Event], settings: PreprocessingSettings) -> list[int]:
    """:func:`admit` for a few events at a time (a 👍, a POSTed batch): the same rule without building frames,
    which cost more than the rest of storing one event. Returns the positions of the events to append."""
    window = timedelta(minutes=settings.collapse_window_minutes)
    if window <= timedelta(0):
        return list(range(len(events)))
    previous: dict[str, Event | None] = {}  # each user's latest visit in time order, the stored one first
    for user in {event.user_id for event in events}:
        logged = log.last(user)
        previous[user] = logged.event if logged is not None and logged.event.action == Action.VISIT else None
    kept = []
    for row in sorted(range(len(events)), key=lambda row: events[row].timestamp):
        event = events[row]
        if event.action != Action.VISIT:
            kept.append(row)
            continue
        before = previous[event.user_id]
        if not (
            before is not None
            and before.item_id == event.item_id
            and timedelta(0) <= event.timestamp - before.timestamp <= window
        ):
            kept.append(row)
        previous[event.user_id] = event  # a chain of repeats collapses into its first, as collapse_repeats does
    return sorted(kept)


def read_events(settings: Settings, log: EventLog | None = None) -> pd.DataFrame | None:
    """The stored events, preprocessed (local time, hour of week, sessions, cells) and with their ``seq``, or None
    before the first ingest."""
    if log is None and not (settings.state_dir / EVENTS_DB).is_file():
        return None
    with _opened(settings, log) as events_log:
        frame = events_log.frame()
    if frame.empty:
        return None
    # Collapsing happened when the events were admitted; here only the derived columns are added.
    no_collapse = settings.preprocessing.model_copy(update={"collapse_window_minutes": 0.0})
    return preprocess(frame, no_collapse).events


def read_items(settings: Settings) -> pd.DataFrame | None:
    """The stored item catalogue, or None when no ingest has brought one."""
    path = settings.state_dir / ITEMS_FILE
    return pd.read_parquet(path) if path.is_file() else None


@contextmanager
def _opened(settings: Settings, log: EventLog | None) -> Iterator[EventLog]:
    """The given log, or the state folder's, opened for the block and closed after it."""
    if log is not None:
        yield log
        return
    with open_event_log(settings.state_dir) as opened:
        yield opened


def _merged(stored: pd.DataFrame | None, new: pd.DataFrame | None, key: list[str]) -> pd.DataFrame | None:
    if stored is None or new is None:
        return new if stored is None else stored
    # The newer row wins a repeated key (an updated catalogue entry).
    combined = pd.concat([stored[list(new.columns)], new], ignore_index=True)
    return combined.drop_duplicates(subset=key, keep="last").reset_index(drop=True)


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame as Parquet atomically: readers see the old file or the new one, never half of one."""
    # Written beside and renamed, so an interrupted ingest leaves the previous state intact.
    return write_atomic(path, lambda partial: frame.to_parquet(partial, index=False))
