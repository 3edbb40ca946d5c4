"""InterestEncoder (a SentenceTransformer wrapper, its embedding cache cold) against a bare SentenceTransformer.

Both encode the same 10,000 distinct texts in one process, with the same weights, batch size, truncation length,
torch threads and normalisation. The wrapper goes through ``encode_cached`` with a fresh cache, so its figure
includes what the product pays on first sight of a text: hashing, the cache lookup and the SQLite write. The result
is printed and written to bench/results/encoder_throughput.json. Target: ratio (ours / SentenceTransformer) >= 0.9.
``--smoke`` runs a few dozen texts in seconds (after the model loads) and writes only where ``--output`` says.

    .venv/bin/python bench/encoder_throughput.py [--texts 10000] [--slices 10] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer

from profiles.config import load_settings
from profiles.encoder import EmbeddingCache, InterestEncoder, item_texts, usable_cores
from profiles.models import encoder_path

RESULT = Path(__file__).resolve().parent / "results" / "encoder_throughput.json"
TARGET_RATIO = 0.9
SMOKE_TEXTS, SMOKE_SLICES = 48, 2
# Appended round by round, so that cycling over the venues gives distinct texts of realistic lengths.
SUFFIXES = ["", " | open late", " | popular with locals", " | near the subway", " | good for groups", " | quiet"]
VOCABULARY = "coffee jazz bar museum park pizza bakery gallery rooftop sushi library gym market taco vinyl theatre"


def venue_texts(data_dir: Path) -> list[str] | None:
    """The distinct item texts of the NYC venues, or None when the data is not there."""
    path = data_dir / "venues.csv.gz"
    if not path.is_file():
        return None
    return list(dict.fromkeys(text for text in item_texts(pd.read_csv(path)) if text))


def synthetic_texts(count: int, seed: int = 0) -> list[str]:
    """Venue-like texts of varied length, for machines without the data."""
    rng = np.random.default_rng(seed)
    return [
        f"Place {index} | " + " ".join(rng.choice(VOCABULARY.split(), size=int(rng.integers(3, 40))))
        for index in range(count)
    ]


def distinct_texts(base: list[str], count: int) -> list[str]:
    """``count`` distinct texts, cycling over ``base`` with a different suffix each round."""
    texts: dict[str, None] = {}
    round_ = 0
    while len(texts) < count:
        suffix = SUFFIXES[round_ % len(SUFFIXES)] + (f" {round_}" if round_ >= len(SUFFIXES) else "")
        for text in base:
            texts.setdefault(text + suffix)
            if len(texts) == count:
                break
        round_ += 1
    return list(texts)


def measure(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[float, float, np.ndarray]:
    """Wall seconds, process CPU seconds and the output of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    output = encode(texts)
    return time.perf_counter() - wall, time.process_time() - cpu, output


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--slices", type=int, default=10, help="alternate the encoders over this many slices")
    parser.add_argument("--output", type=Path, help=f"result file (default {RESULT}; a temporary one with --smoke)")
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_TEXTS} texts in {SMOKE_SLICES} slices")
    args = parser.parse_args(argv)
    if args.smoke:
        args.texts, args.slices = SMOKE_TEXTS, SMOKE_SLICES
        if args.output is None:  # a smoke run never touches bench/results
            args.output = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "encoder_throughput.json"
    elif args.output is None:
        args.output = RESULT
    return args


def alternate(
    encoders: dict[str, Callable[[list[str]], np.ndarray]], texts: list[str], slices: int
) -> tuple[dict[str, float], dict[str, float], dict[str, np.ndarray]]:
    """Wall seconds, CPU seconds and outputs per encoder, alternating which goes first over strided slices.

    On a shared machine the load shifts within minutes: slices that each hold the whole length mix, run by both
    encoders in turn, give both the same conditions, where one run each would not.
    """
    wall = dict.fromkeys(encoders, 0.0)
    cpu = dict.fromkeys(encoders, 0.0)
    outputs: dict[str, list[np.ndarray]] = {name: [] for name in encoders}
    for index in range(slices):
        part = texts[index::slices]
        names = list(encoders) if index % 2 == 0 else list(reversed(encoders))
        for name in names:
            seconds, cpu_seconds, output = measure(encoders[name], part)
            wall[name] += seconds
            cpu[name] += cpu_seconds
            outputs[name].append(output)
    return wall, cpu, {name: np.vstack(parts) for name, parts in outputs.items()}


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    settings = load_settings()
    models = settings.models
    base = venue_texts(settings.data.dir)
    source = f"venues ({settings.data.dir})" if base else "synthetic"
    texts = distinct_texts(base or synthetic_texts(args.texts), args.texts)

    ours = InterestEncoder(models)  # also caps torch threads at the usable cores, for both encoders
    reference = SentenceTransformer(str(encoder_path(models)), device="cpu", local_files_only=True)
    reference.max_seq_length = models.encoder_max_length
    batch_size = models.encoder_batch_size
    with (
        tempfile.TemporaryDirectory(prefix="encoder-throughput-") as folder,
        EmbeddingCache(Path(folder) / "embeddings.sqlite") as cache,
    ):
        encoders: dict[str, Callable[[list[str]], np.ndarray]] = {
            # Every text is distinct and the cache starts empty: each call misses, encodes and stores.
            "interest_encoder": lambda batch: ours.encode_cached(batch, cache, batch_size=batch_size),
            "sentence_transformers": lambda batch: reference.encode(
                batch, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
            ),
        }
        # Warm-up on other texts, and without the cache, so that the measured texts stay unseen.
        warm_up = synthetic_texts(min(2 * batch_size, max(1, len(texts) // 4)), seed=1)
        ours.encode(warm_up, batch_size=batch_size)
        encoders["sentence_transformers"](warm_up)
        wall, cpu, outputs = alternate(encoders, texts, args.slices)
        if cache.count(ours.model_id) != len(texts):
            raise RuntimeError("the wrapper's cache was not cold: some texts were not encoded and stored")

    ours_rate = len(texts) / wall["interest_encoder"]
    reference_rate = len(texts) / wall["sentence_transformers"]
    ratio = ours_rate / reference_rate
    result = {
        "benchmark": "encoder_throughput",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "texts": len(texts),
        "source": source,
        "smoke": args.smoke,
        "mean_characters": float(np.mean([len(text) for text in texts])),
        "batch_size": batch_size,
        "max_length": models.encoder_max_length,
        "torch_threads": torch.get_num_threads(),
        "usable_cores": usable_cores(),
        "slices": args.slices,
        "interest_encoder_cache": "cold",
        "interest_encoder_texts_per_s": round(ours_rate, 1),
        "sentence_transformers_texts_per_s": round(reference_rate, 1),
        "ratio": round(ratio, 3),
        "cpu_time_ratio": round(cpu["sentence_transformers"] / cpu["interest_encoder"], 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "min_cosine_between_outputs": float(
            (outputs["interest_encoder"] * outputs["sentence_transformers"]).sum(axis=1).min()
        ),
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__,
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"{len(texts)} texts ({source}), batch {batch_size}, {torch.get_num_threads()} threads\n"
        f"InterestEncoder.encode (cold cache): {ours_rate:8.1f} texts/s\n"
        f"SentenceTransformer.encode: {reference_rate:8.1f} texts/s\n"
        f"ratio {ratio:.3f} (target >= {TARGET_RATIO}) {'ok' if ratio >= TARGET_RATIO else 'BELOW TARGET'}; "
        f"CPU-time ratio {result['cpu_time_ratio']:.3f}; min cosine {result['min_cosine_between_outputs']:.6f}\n"
        + f"written to {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
