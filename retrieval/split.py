"""Split a check-in file in time: the last fraction of the TIME SPAN (not of the rows) becomes the test period.

``python -m retrieval.split --checkins C.csv.gz --test-fraction 0.1 --out-dir D`` writes ``D/history.csv.gz``
and ``D/test.csv.gz`` in the same format as the input, rows untouched, so the evaluation reads them with the
ordinary loader.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

TIME_COLUMN = "utc_time"
HISTORY_FILE = "history.csv.gz"
TEST_FILE = "test.csv.gz"


def split_by_time_span(
    checkins: pd.DataFrame, test_fraction: float, time_column: str = TIME_COLUMN
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """History (before the cutoff) and test (at or after it), cutoff = first + (1 - fraction) * span."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    if checkins.empty:
        raise ValueError("no check-ins to split")
    times = pd.to_datetime(checkins[time_column], utc=True)
    first, last = times.min(), times.max()
    cutoff = first + (last - first) * (1 - test_fraction)
    in_test = (times >= cutoff).to_numpy()
    return checkins.loc[~in_test], checkins.loc[in_test], cutoff


def main(argv: Sequence[str] | None = None) -> int:
    """Read, split, write, and say where the cut fell."""
    parser = argparse.ArgumentParser(prog="python -m retrieval.split", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkins", type=Path, required=True, help="check-ins in the NYC format")
    parser.add_argument("--test-fraction", type=float, default=0.1, help="share of the time span held out")
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args(argv)

    # Read as text so every value is written back exactly as it was read.
    checkins = pd.read_csv(args.checkins, dtype=str, keep_default_na=False)
    history, test, cutoff = split_by_time_span(checkins, args.test_fraction)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for frame, name in ((history, HISTORY_FILE), (test, TEST_FILE)):
        frame.to_csv(args.out_dir / name, index=False, compression="gzip")
    print(
        f"cutoff {cutoff.isoformat()}: history {len(history):,} rows, test {len(test):,} rows "
        f"({len(test) / len(checkins):.1%} of rows) in {args.out_dir}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
