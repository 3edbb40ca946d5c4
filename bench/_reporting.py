"""What every benchmark does at its end: write its JSON report and turn its verdict into an exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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
