"""What every benchmark shares: its latency summary, its JSON report and the exit status of its verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def percentiles(seconds: list[float], digits: int = 3) -> dict[str, Any]:
    """p50 and p99 in milliseconds, rounded to ``digits``, and the sample count (NaN for no samples)."""
    if not seconds:
        return {"p50_ms": float("nan"), "p99_ms": float("nan"), "n": 0}
    milliseconds = np.asarray(seconds) * 1e3
    return {
        "p50_ms": round(float(np.percentile(milliseconds, 50)), digits),
        "p99_ms": round(float(np.percentile(milliseconds, 99)), digits),
        "n": len(seconds),
    }


def write_report(output: Path, report: dict[str, Any]) -> None:
    """The report as indented JSON at ``output`` (its folder made when missing)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")


def exit_status(passed: bool, smoke: bool, not_judged_because: str) -> int:
    """0 when the target is met; a smoke run says why its target is not judged and passes when it ran."""
    if smoke:
        print(f"smoke run: {not_judged_because}, so the target is not judged")
        return 0
    return 0 if passed else 1
