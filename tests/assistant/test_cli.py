"""The wherenow command line as a user meets it: summaries on stdout, one-line errors, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WHERENOW_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


def test_ingest_prints_the_summary(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = isolated / "events.jsonl"
    events.write_text(
        '{"user_id": "u1", "item_id": "cafe", "timestamp": "2012-05-01T12:00:00Z", "latitude": 40.7, '
        '"longitude": -74}\n'
        '{"user_id": "u1", "item_id": "cafe", "timestamp": "yesterday", "latitude": 40.7, "longitude": -74}\n'
    )
    assert main(["ingest", "--quiet", str(events)]) == 0
    out = capsys.readouterr().out
    assert "rows read              2" in out
    assert "unparseable time" in out
    assert (isolated / "state" / "rejects.csv").is_file()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["ingest", "--quiet", "missing.csv"], "missing.csv: file not found"),
        (["--config", "absent.toml", "ingest"], "absent.toml does not exist"),
    ],
)
def test_errors_are_one_line_without_traceback(
    isolated: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(isolated)
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_invalid_configuration_names_the_field(isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("WHERENOW_PREPROCESSING__SESSION_GAP_MINUTES", "soon")
    assert main(["ingest", "--quiet"]) == 2
    assert "preprocessing.session_gap_minutes" in capsys.readouterr().err


def test_installed_entry_point_ingests_the_nyc_folder(nyc_data_dir: Path, tmp_path: Path) -> None:
    environment = {**os.environ, "WHERENOW_STATE_DIR": str(tmp_path / "state")}
    wherenow = Path(sys.executable).with_name("wherenow")
    result = subprocess.run(
        [str(wherenow), "ingest", "--quiet", str(nyc_data_dir)], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr
    for expected in (
        "loaded           102,009",
        "rejected               0",
        "users              1,080",
        "items              4,973",
        "time span      2012-04-03 … 2012-12-23",
    ):
        assert expected in result.stdout


def test_profiles_context_and_forget_from_the_command_line(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    events = isolated / "events.csv"
    events.write_text(
        "user_id,item_id,timestamp,latitude,longitude,action,text,category\n"
        "u1,blue-note,2012-05-04T23:00:00Z,40.7308,-74.0005,visit,,Jazz Club\n"
        "u1,blue-note,2012-05-11T23:30:00Z,40.7308,-74.0005,like,,Jazz Club\n"
        "u2,gym,2012-05-05T12:00:00Z,40.7500,-73.9900,visit,,Gym\n"
    )
    assert main(["ingest", "--quiet", str(events)]) == 0
    assert main(["build-profiles", "--quiet"]) == 0
    assert "users 2" in capsys.readouterr().out

    arguments = ["context", "u1", "--at", "2012-05-18T19:30:00-04:00", "--lat", "40.73", "--lon", "-74.0"]
    assert main(arguments) == 0
    context = json.loads(capsys.readouterr().out)
    assert context["snapshots"] and context["snapshots"][0]["top_labels"] == ["Jazz Club"]

    assert main(["context", "u1", "--at", "yesterday", "--lat", "40.73", "--lon", "-74.0"]) == 2
    assert "--at 'yesterday' is not an ISO 8601 time" in capsys.readouterr().err

    saved = isolated / "state" / "recommender" / "fitted-before.pkl"  # stands for one holding u1's state
    saved.parent.mkdir()
    saved.write_bytes(b"state")
    assert main(["forget", "u1"]) == 0
    assert "2 events, 2 snapshots and 0 rejected rows removed" in capsys.readouterr().out
    assert not saved.exists()
    assert main(arguments) == 0
    assert json.loads(capsys.readouterr().out)["snapshots"] == []
