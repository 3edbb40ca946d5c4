"""The interest encoder: texts to L2-normalised all-MiniLM-L6-v2 vectors, with an on-disk cache of past encodings."""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from profiles.calendar import HOURS_PER_WEEK, describe_hour
from profiles.closing import Closing
from profiles.config import ModelSettings
from profiles.models import ENCODER_DISTRIBUTION, encoder_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

Embeddings = npt.NDArray[np.float32]

_TEXT_SEPARATOR = " | "
# A context vector sums the last RECENT_PLACES distinct places and the hour of the week's phrase (intent_vector).
RECENT_PLACES = 3
HOUR_WEIGHT = 0.5
# The contrastive encoder's learnt last layer, a sentence-transformers Dense module saved as "<index>_Dense".
ADAPTER_GLOB = "*_Dense"
# Transformer, mean pooling, normalisation: the base encoder's modules, before any learnt layer.
_BASE_MODULES = 3
# SQLite's bound-parameter limit is 32766 on current builds but 999 on old ones.
_SQL_BATCH = 900
# Weight files whose bytes identify a model folder's content.
_WEIGHT_PATTERNS = ("config.json", "*.safetensors", "*.bin", f"{ADAPTER_GLOB}/*")
# A model folder with this file carries its own tokenizer (SentenceTransformer.save writes it; a bare
# save_pretrained of the transformer does not).
_TOKENIZER_FILE = "tokenizer_config.json"
# Up to this many texts are encoded on one thread: torch's intra-op threads spin-wait on each other, and while the
# local LLM holds a core one query took 320 ms on two threads against 51 ms on one (2-core machine, 20 queries).
FEW_TEXTS = 8


def item_texts(items: pd.DataFrame) -> list[str]:
    """What the encoder reads for each row of an item frame; the same string as ``Item.text``."""

    def column(name: str) -> pd.Series:
        # A missing column or a missing value is Item's default, the empty string.
        if name not in items:
            return pd.Series("", index=items.index, dtype=object)
        return items[name].fillna("").astype(str)

    # As in Item.text: the category path when there is one, else the category.
    path = column("category_path")
    category = path.where(path != "", column("category"))
    return [
        _TEXT_SEPARATOR.join(part for part in parts if part)
        for parts in zip(column("name"), category, column("description"), strict=True)
    ]


def hour_phrases() -> list[str]:
    """The phrase of every hour of the week ('Saturday evening'): the text of a context vector's time part."""
    return [describe_hour(hour) for hour in range(HOURS_PER_WEEK)]


def intent_weights(recent: int) -> npt.NDArray[np.float32]:
    """Weights of the last ``recent`` distinct places (latest first) in a context vector: 1, 1/2, 1/3, ..."""
    return (1.0 / np.arange(1, min(recent, RECENT_PLACES) + 1)).astype(np.float32)


def intent_vector(hour: Embeddings, recent: Embeddings) -> Embeddings:
    """The context vector of a moment: the unit sum of the hour's phrase vector (``describe_hour``), weighted
    ``HOUR_WEIGHT``, and the vectors of the last distinct places visited, latest first (``intent_weights``).

    Built from vectors the item index already holds, so a query encodes no text; contrastive training
    (``profiles.contrastive``) learns the encoder's last layer under this same sum.
    """
    recent = recent[:RECENT_PLACES]
    total = HOUR_WEIGHT * hour + intent_weights(len(recent)) @ recent
    norm = float(np.linalg.norm(total))
    return (total / norm if norm > 0 else total).astype(np.float32)


def usable_cores() -> int:
    """CPU cores this process may run on (affinity-aware, so containers are not over-subscribed)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def build_sentence_transformer(
    folder: Path, max_length: int, tokenizer_folder: Path | None = None, device: str = "cpu"
) -> SentenceTransformer:
    """A SentenceTransformer of ``folder``'s transformer, mean pooling and L2 normalisation, from local files only.

    The modules are built rather than read from the folder's ``modules.json``, so that a bare transformer folder (a
    ``save_pretrained`` checkpoint) and a SentenceTransformer folder give the same architecture. The tokenizer is the
    folder's own when it has one, else ``tokenizer_folder``'s.
    """
    from sentence_transformers import SentenceTransformer, models

    local = {"local_files_only": True}
    tokenizer = folder if (folder / _TOKENIZER_FILE).is_file() or tokenizer_folder is None else tokenizer_folder
    transformer = models.Transformer(
        str(folder),
        max_seq_length=max_length,
        model_kwargs=local,
        config_kwargs=local,
        processor_kwargs=local,
        # The tokenizer argument is deprecated: only passed for a folder that lacks one.
        **({} if tokenizer == folder else {"tokenizer_name_or_path": str(tokenizer)}),
    )
    pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    modules = [transformer, pooling, models.Normalize()]
    # A contrastive checkpoint adds its learnt layer over the unit vectors, and normalises again.
    modules += [models.Dense.load(str(path)) for path in sorted(folder.glob(ADAPTER_GLOB)) if path.is_dir()]
    if len(modules) > _BASE_MODULES:
        modules.append(models.Normalize())
    return SentenceTransformer(modules=modules, device=device)


def text_key(text: str) -> bytes:
    """The cache key of a text: its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache(Closing):
    """Embeddings by (model id, SHA-256 of the text) in one SQLite file; safe to share between processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Web handlers run in worker threads: one connection, shared under a lock.
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self._lock = threading.Lock()
        # WAL lets readers in other processes go on while one writes.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings ("
            " model_id TEXT NOT NULL, text_sha256 BLOB NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY (model_id, text_sha256)) WITHOUT ROWID"
        )
        self._db.commit()

    @classmethod
    def for_settings(cls, settings: ModelSettings) -> EmbeddingCache:
        """The cache in the configured models cache folder."""
        return cls(settings.cache_dir / "embeddings.sqlite")

    def get_many(self, model_id: str, keys: Iterable[bytes]) -> dict[bytes, Embeddings]:
        """The cached vectors among ``keys``; absent keys are simply missing from the result."""
        keys = list(keys)
        found: dict[bytes, Embeddings] = {}
        with self._lock:
            for start in range(0, len(keys), _SQL_BATCH):
                chunk = keys[start : start + _SQL_BATCH]
                rows = self._db.execute(
                    "SELECT text_sha256, vector FROM embeddings WHERE model_id = ? AND text_sha256 IN "
                    f"({','.join('?' * len(chunk))})",
                    [model_id, *chunk],
                )
                found.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in rows)
        return found

    def put_many(self, model_id: str, vectors: Mapping[bytes, Embeddings]) -> None:
        """Store vectors (as float32) under ``model_id``."""
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO embeddings (model_id, text_sha256, vector) VALUES (?, ?, ?)",
                ((model_id, key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in vectors.items()),
            )

    def count(self, model_id: str | None = None) -> int:
        """How many vectors are stored, for one model or all."""
        where, parameters = ("", ()) if model_id is None else (" WHERE model_id = ?", (model_id,))
        with self._lock:
            return self._db.execute(f"SELECT COUNT(*) FROM embeddings{where}", parameters).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()


@contextmanager
def _one_thread_if(few: bool) -> Iterator[None]:
    """torch on one intra-op thread for the block when ``few`` (the setting is the calling thread's own)."""
    if not few:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class InterestEncoder:
    """Sentence vectors from a ``SentenceTransformer`` (transformer → mean pooling → L2 norm) built from local folders.

    The weights are the fine-tuned ``settings.encoder_checkpoint`` when that folder exists, else the frozen base
    encoder; the tokenizer is the checkpoint's own when it saved one, else the base encoder's. Loading reads local
    files only, on CPU.
    """

    def __init__(self, settings: ModelSettings) -> None:
        base = encoder_path(settings)
        checkpoint = _usable_checkpoint(settings)
        # Imported here: torch takes seconds to import, and an app start that reuses its indexes never needs it.
        import torch

        # More threads than cores only adds contention; torch may count cores the container cannot use.
        torch.set_num_threads(min(torch.get_num_threads(), usable_cores()))
        self.max_length = settings.encoder_max_length
        self.batch_size = settings.encoder_batch_size
        self.model = build_sentence_transformer(checkpoint or base, self.max_length, tokenizer_folder=base)
        self.dim: int = int(self.model.get_embedding_dimension())
        self.model_id: str = _model_id(settings, base, checkpoint)
        # A contrastive checkpoint is the base encoder plus a learnt layer: its vectors are the base's, cached
        # under the base's id, through that layer (exactly what the whole model computes), so none is re-encoded.
        self._base_id = _model_id(settings, base, None) if len(self.model) > _BASE_MODULES else None

    def encode(self, texts: Sequence[str], batch_size: int | None = None, progress: bool = False) -> Embeddings:
        """One unit-length float32 row per text, in input order; repeated texts are encoded once."""
        unique = list(dict.fromkeys(texts))
        if not unique:
            return np.empty((0, self.dim), dtype=np.float32)
        # SentenceTransformer batches texts of similar length and restores the input order itself.
        with _one_thread_if(len(unique) <= FEW_TEXTS):
            vectors = self.model.encode(
                unique, batch_size=batch_size or self.batch_size, show_progress_bar=progress, convert_to_numpy=True
            ).astype(np.float32, copy=False)
        if len(unique) == len(texts):
            return vectors
        position = {text: row for row, text in enumerate(unique)}
        return vectors[[position[text] for text in texts]]

    def encode_cached(
        self, texts: Sequence[str], cache: EmbeddingCache, batch_size: int | None = None, progress: bool = False
    ) -> Embeddings:
        """Like ``encode``, but texts already in ``cache`` for this model are read, not encoded, and new ones stored."""
        keys = [text_key(text) for text in texts]
        by_key = dict(zip(keys, texts, strict=True))
        found = cache.get_many(self.model_id, by_key)
        missing = [key for key in by_key if key not in found]
        if missing and self._base_id is not None:
            base = cache.get_many(self._base_id, missing)
            if base:
                adapted = dict(zip(base, self.adapt(np.stack(list(base.values()))), strict=True))
                cache.put_many(self.model_id, adapted)
                found.update(adapted)
                missing = [key for key in missing if key not in found]
        if missing:
            fresh = self.encode([by_key[key] for key in missing], batch_size=batch_size, progress=progress)
            new = dict(zip(missing, fresh, strict=True))
            cache.put_many(self.model_id, new)
            found.update(new)
        if not keys:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.stack([found[key] for key in keys])

    def adapt(self, vectors: Embeddings) -> Embeddings:
        """Base encoder vectors through the checkpoint's learnt layer and the last normalisation (a contrastive
        checkpoint: what encoding their texts again would give)."""
        if self._base_id is None:
            raise ValueError("this encoder has no learnt layer over the base encoder's vectors")
        import torch

        features = {"sentence_embedding": torch.as_tensor(vectors)}
        with torch.inference_mode():
            for module in list(self.model)[_BASE_MODULES:]:
                features = module(features)
        return features["sentence_embedding"].numpy().astype(np.float32)

    def encode_items(
        self, items: pd.DataFrame, cache: EmbeddingCache | None = None, progress: bool = False
    ) -> Embeddings:
        """One vector per item row, from ``item_texts``; through ``cache`` when given."""
        texts = item_texts(items)
        if cache is None:
            return self.encode(texts, progress=progress)
        return self.encode_cached(texts, cache, progress=progress)


def _usable_checkpoint(settings: ModelSettings) -> Path | None:
    """The fine-tuned checkpoint folder when it holds a model, else None (the frozen encoder)."""
    checkpoint = settings.encoder_checkpoint
    if checkpoint is not None and not (checkpoint / "config.json").is_file():
        logger.warning("encoder checkpoint %s not found; using the frozen encoder", checkpoint)
        return None
    return checkpoint


def encoder_model_id(settings: ModelSettings) -> str:
    """The id of the embeddings the configured encoder would produce, without loading it."""
    return _model_id(settings, encoder_path(settings), _usable_checkpoint(settings))


def _model_id(settings: ModelSettings, base: Path, checkpoint: Path | None) -> str:
    """Names the weights and the truncation length, the two things an embedding depends on."""
    if settings.encoder == "packaged":
        # The installed version, not the pinned one: an upgraded package must not hit old vectors.
        name = f"{ENCODER_DISTRIBUTION}=={importlib.metadata.version(ENCODER_DISTRIBUTION)}"
    else:
        name = f"{base.name}@{_folder_digest(base)}"
    if checkpoint is not None:
        name += f"+checkpoint@{_folder_digest(checkpoint)}"
    return f"{name};max_length={settings.encoder_max_length}"


def _folder_digest(folder: Path) -> str:
    """A short SHA-256 over a model folder's config and weights, so a retrained checkpoint gets a new id."""
    digest = hashlib.sha256()
    for path in sorted({path for pattern in _WEIGHT_PATTERNS for path in folder.glob(pattern)}):
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:16]
