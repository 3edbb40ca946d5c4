"""The configuration object: sources, precedence, validation, and that nothing else reads the environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from profiles.config import ConfigError, load_settings

PROJECT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_embedded_product() -> None:
    settings = load_settings()
    assert settings.store.backend == "faiss"
    assert settings.llm.provider == "local"
    assert settings.preprocessing.timezone == "America/New_York"


def test_environment_overrides_nested_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHERENOW_CONTEXT__RECENCY_HALF_LIFE_DAYS", "3.5")
    monkeypatch.setenv("WHERENOW_STORE__BACKEND", "chroma")
    settings = load_settings()
    assert settings.context.recency_half_life_days == 3.5
    assert settings.store.backend == "chroma"


def test_toml_file_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "wherenow.toml"
    config.write_text('state_dir = "/tmp/x"\n[preprocessing]\nsession_gap_minutes = 90\nh3_resolution = 7\n')
    monkeypatch.setenv("WHERENOW_PREPROCESSING__H3_RESOLUTION", "9")
    settings = load_settings(config)
    assert settings.state_dir == Path("/tmp/x")
    assert settings.preprocessing.session_gap_minutes == 90
    assert settings.preprocessing.h3_resolution == 9


def test_config_file_named_in_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "other.toml"
    config.write_text('[llm]\nprovider = "openai"\nendpoint = "http://127.0.0.1:8080/v1"\n')
    monkeypatch.setenv("WHERENOW_CONFIG", str(config))
    assert load_settings().llm.provider == "openai"


def test_keyword_overrides_win_over_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHERENOW_STATE_DIR", "/from/env")
    assert load_settings(state_dir=Path("/from/code")).state_dir == Path("/from/code")


def test_missing_config_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("WHERENOW_STORE__BACKEND", "redis", "backend"),
        ("WHERENOW_PREPROCESSING__H3_RESOLUTION", "16", "h3_resolution"),
        ("WHERENOW_CONTEXT__RECENCY_HALF_LIFE_DAYS", "-1", "recency_half_life_days"),
    ],
)
def test_invalid_values_name_the_field(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=field):
        load_settings()


def test_unknown_keys_in_toml_are_rejected(tmp_path: Path) -> None:
    config = tmp_path / "typo.toml"
    config.write_text("[store]\nbakend = 'faiss'\n")
    with pytest.raises(ValidationError, match="bakend"):
        load_settings(config)


def test_no_other_module_reads_the_environment() -> None:
    reads = re.compile(r"os\.environ(?!\.setdefault)|os\.getenv|getenv\(")
    allowed = {PROJECT / "profiles" / "config.py"}
    offenders = [
        str(path.relative_to(PROJECT))
        for package in ("profiles", "retrieval", "assistant", "prompts")
        for path in (PROJECT / package).rglob("*.py")
        if path not in allowed and reads.search(path.read_text(encoding="utf-8"))
    ]
    offenders += ["app.py"] if reads.search((PROJECT / "app.py").read_text(encoding="utf-8")) else []
    assert offenders == []


def test_unknown_time_zone_is_rejected_when_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHERENOW_PREPROCESSING__TIMEZONE", "America/Gotham")
    with pytest.raises(ValidationError, match="unknown time zone 'America/Gotham'"):
        load_settings()
