"""Ingestion: load event files, report and keep the rejects, preprocess, and store the result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from profiles.atomic import write_atomic
from profiles.config import Settings
from profiles.events import EVENT_COLUMNS
from profiles.loaders import LoadResult, load_any, write_rejects
from profiles.preprocessing import preprocess

EVENTS_FILE = "events.parquet"
ITEMS_FILE = "items.parquet"


@dataclass
class IngestReport:
    """What an ingest read, kept, rejected and wrote."""

    summary: dict[str, Any]
    collapsed: int
    stored_events: int
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
) -> IngestReport:
    """Load ``paths``, write rejects, preprocess, and store events and items under the state folder.

    New events are merged with those already stored (exact repeats dropped), so a second ingest adds to
    the profile instead of discarding it; ``replace=True`` starts over.
    """
    with tqdm(total=3, desc="ingest", unit="step", disable=not progress) as steps:
        steps.set_postfix_str("loading")
        loaded: LoadResult = load_any(paths, venues=venues)
        write_rejects(loaded.rejects, settings.rejects_file)
        events, items = loaded.events, loaded.items
        if not replace:
            events = _merged(read_events(settings), events, key=list(EVENT_COLUMNS))
            items = _merged(read_items(settings), items, key=["item_id"])
        steps.update()

        steps.set_postfix_str("preprocessing")
        prepared = preprocess(events, settings.preprocessing)
        steps.update()

        steps.set_postfix_str("writing")
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        outputs = [write_frame(prepared.events, settings.state_dir / EVENTS_FILE)]
        if items is not None:
            outputs.append(write_frame(items, settings.state_dir / ITEMS_FILE))
        steps.update()

    return IngestReport(
        summary=loaded.summary(),
        collapsed=prepared.collapsed,
        stored_events=len(prepared.events),
        rejects_file=settings.rejects_file,
        outputs=outputs,
    )


def read_events(settings: Settings) -> pd.DataFrame | None:
    """The stored, preprocessed events, or None before the first ingest."""
    path = settings.state_dir / EVENTS_FILE
    return pd.read_parquet(path) if path.is_file() else None


def read_items(settings: Settings) -> pd.DataFrame | None:
    """The stored item catalogue, or None when no ingest has brought one."""
    path = settings.state_dir / ITEMS_FILE
    return pd.read_parquet(path) if path.is_file() else None


def _merged(stored: pd.DataFrame | None, new: pd.DataFrame | None, key: list[str]) -> pd.DataFrame | None:
    if stored is None or new is None:
        return new if stored is None else stored
    # The newer row wins a repeated key (an updated catalogue entry); events repeat only as exact copies.
    combined = pd.concat([stored[list(new.columns)], new], ignore_index=True)
    return combined.drop_duplicates(subset=key, keep="last").reset_index(drop=True)


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame as Parquet atomically: readers see the old file or the new one, never half of one."""
    # Written beside and renamed, so an interrupted ingest leaves the previous state intact.
    return write_atomic(path, lambda partial: frame.to_parquet(partial, index=False))
