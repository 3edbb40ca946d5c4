"""The interest encoder: texts to L2-normalised all-MiniLM-L6-v2 vectors, with an on-disk cache of past encodings."""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from tqdm.auto import tqdm

from profiles.config import ModelSettings
from profiles.models import ENCODER_DISTRIBUTION, encoder_path

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

Embeddings = npt.NDArray[np.float32]

_TEXT_SEPARATOR = " | "
# SQLite's bound-parameter limit is 32766 on current builds but 999 on old ones.
_SQL_BATCH = 900
# Weight files whose bytes identify a model folder's content.
_WEIGHT_PATTERNS = ("config.json", "*.safetensors", "*.bin")


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


def usable_cores() -> int:
    """CPU cores this process may run on (affinity-aware, so containers are not over-subscribed)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def text_key(text: str) -> bytes:
    """The cache key of a text: its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
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

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class InterestEncoder:
    """Mean-pooled, L2-normalised sentence embeddings from a BERT-family model, as SentenceTransformer computes them.

    The weights are the fine-tuned ``settings.encoder_checkpoint`` when that folder exists, else the frozen base
    encoder; the tokenizer is always the base encoder's. Loading reads local files only.
    """

    def __init__(self, settings: ModelSettings) -> None:
        base = encoder_path(settings)
        checkpoint = _usable_checkpoint(settings)
        # Imported here: torch and transformers take seconds to import, and an app start that reuses its indexes
        # never needs them.
        import torch
        from transformers import AutoModel, AutoTokenizer

        # More threads than cores only adds contention; torch may count cores the container cannot use.
        torch.set_num_threads(min(torch.get_num_threads(), usable_cores()))
        self.max_length = settings.encoder_max_length
        self.batch_size = settings.encoder_batch_size
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
        self.model = AutoModel.from_pretrained(checkpoint or base, local_files_only=True).eval()
        self.dim: int = int(self.model.config.hidden_size)
        self.model_id: str = _model_id(settings, base, checkpoint)

    def encode(self, texts: Sequence[str], batch_size: int | None = None, progress: bool = False) -> Embeddings:
        """One unit-length float32 row per text, in input order; repeated texts are encoded once."""
        unique = list(dict.fromkeys(texts))
        vectors = np.empty((len(unique), self.dim), dtype=np.float32)
        if unique:
            # Batching texts of similar token length wastes little compute on padding.
            lengths = self.tokenizer(unique, truncation=True, max_length=self.max_length, return_length=True)["length"]
            order = np.argsort(-np.asarray(lengths), kind="stable")
            size = batch_size or self.batch_size
            with self._torch.inference_mode():
                for start in tqdm(range(0, len(order), size), desc="encoding", unit="batch", disable=not progress):
                    rows = order[start : start + size]
                    vectors[rows] = self._embed([unique[row] for row in rows]).numpy()
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
        if missing:
            fresh = self.encode([by_key[key] for key in missing], batch_size=batch_size, progress=progress)
            new = dict(zip(missing, fresh, strict=True))
            cache.put_many(self.model_id, new)
            found.update(new)
        if not keys:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.stack([found[key] for key in keys])

    def encode_items(
        self, items: pd.DataFrame, cache: EmbeddingCache | None = None, progress: bool = False
    ) -> Embeddings:
        """One vector per item row, from ``item_texts``; through ``cache`` when given."""
        texts = item_texts(items)
        if cache is None:
            return self.encode(texts, progress=progress)
        return self.encode_cached(texts, cache, progress=progress)

    def _embed(self, batch: list[str]) -> torch.Tensor:
        inputs = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        hidden = self.model(**inputs).last_hidden_state
        mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return self._torch.nn.functional.normalize(pooled, p=2, dim=1)


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
