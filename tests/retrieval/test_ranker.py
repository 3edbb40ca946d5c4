"""RankerConfig: one definition of the recommender's tunables, overridable from the settings without code."""

from __future__ import annotations

from pathlib import Path

import pytest

from profiles.config import load_settings
from retrieval.ranker import RankerConfig


def test_defaults_follow_the_context_settings() -> None:
    config = RankerConfig.from_settings(load_settings(context={"recency_half_life_days": 3.0}))
    assert config.recency_half_life_hours == 72.0
    assert config == RankerConfig(recency_half_life_hours=72.0)


def test_environment_overrides_arrive_as_text_and_take_each_fields_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHERENOW_RANKER__NEGATIVES", "60")
    monkeypatch.setenv("WHERENOW_RANKER__LEARNING_RATE", "0.05")
    monkeypatch.setenv("WHERENOW_RANKER__USE_EMBEDDINGS", "false")
    config = RankerConfig.from_settings(load_settings())
    assert (config.negatives, config.learning_rate, config.use_embeddings) == (60, 0.05, False)
    assert isinstance(config.negatives, int)


def test_a_toml_ranker_group_is_read_and_keyword_overrides_win(tmp_path: Path) -> None:
    path = tmp_path / "wherenow.toml"
    path.write_text("[ranker]\nnegatives = 70\nhard_negatives = 30\ndiscovery_scale = 0\n")
    settings = load_settings(path)
    config = RankerConfig.from_settings(settings)
    assert (config.negatives, config.hard_negatives, config.discovery_scale) == (70, 30, 0.0)
    assert RankerConfig.from_settings(settings, negatives=40).negatives == 40


def test_the_new_place_offset_may_be_negative() -> None:
    config = RankerConfig.from_settings(load_settings(ranker={"new_place_offset": "-0.5"}))
    assert config.new_place_offset == -0.5


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"negative": 60}, "unknown ranker setting"),
        ({"negatives": "lots"}, "ranker.negatives: Input should be a valid integer"),
        ({"negatives": 10, "hard_negatives": 20}, "cannot exceed"),
        ({"discovery_from": 1.5}, "discovery_from must be in"),
        ({"peers": -1}, "must not be negative"),
        ({"new_place_offset": "inf"}, "new_place_offset must be a finite number"),
    ],
)
def test_a_bad_override_is_a_value_error_naming_it(overrides: dict[str, object], message: str) -> None:
    settings = load_settings(ranker=overrides)
    with pytest.raises(ValueError, match=message):
        RankerConfig.from_settings(settings)
