"""InterestEncoder.encode against SentenceTransformer.encode on the same 10,000 texts, in one process.

Both use the same weights, batch size, truncation length, torch threads and normalisation; the result is
printed and written to bench/results/encoder_throughput.json. Target: ratio (ours / SentenceTransformer) >= 0.9.

    .venv/bin/python bench/encoder_throughput.py [--texts 10000] [--slices 10]
    .venv/bin/python bench/encoder_throughput.py --smoke    # seconds: 16 synthetic texts, the same code path
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer

from profiles.config import load_settings
from profiles.encoder import InterestEncoder, item_texts, usable_cores
from profiles.models import encoder_path

RESULT = Path(__file__).resolve().parent / "results" / "encoder_throughput.json"
TARGET_RATIO = 0.9
# Appended round by round, so that cycling over the venues gives distinct texts of realistic lengths.
SUFFIXES = ["", " | open late", " | popular with locals", " | near the subway", " | good for groups", " | quiet"]
VOCABULARY = "coffee jazz bar museum park pizza bakery gallery rooftop sushi library gym market taco vinyl theatre"
# --smoke: the same code path in seconds (for the test suite), on synthetic texts only: the NYC data is not read.
SMOKE = {"texts": 16, "slices": 2}
SMOKE_RESULT = Path(tempfile.gettempdir()) / "wherenow-bench-smoke" / "encoder_throughput.json"


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--slices", type=int, default=10, help="alternate the encoders over this many slices")
    parser.add_argument("--output", type=Path, default=None, help=f"default {RESULT} ({SMOKE_RESULT} with --smoke)")
    parser.add_argument("--smoke", action="store_true", help=f"seconds-long run on {SMOKE}, synthetic; not judged")
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    args.output = args.output or (SMOKE_RESULT if args.smoke else RESULT)

    settings = load_settings()
    models = settings.models
    base = None if args.smoke else venue_texts(settings.data.dir)
    source = f"venues ({settings.data.dir})" if base else "synthetic"
    texts = distinct_texts(base or synthetic_texts(args.texts), args.texts)

    ours = InterestEncoder(models)  # also caps torch threads at the usable cores, for both encoders
    reference = SentenceTransformer(str(encoder_path(models)), device="cpu")
    reference.max_seq_length = models.encoder_max_length
    batch_size = models.encoder_batch_size
    encoders: dict[str, Callable[[list[str]], np.ndarray]] = {
        "interest_encoder": lambda batch: ours.encode(batch, batch_size=batch_size),
        "sentence_transformers": lambda batch: reference.encode(
            batch, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
        ),
    }
    for encode in encoders.values():
        encode(texts[: 2 * batch_size])  # warm-up

    # On a shared machine the load shifts within minutes: alternating over strided slices (each with the whole
    # length mix) gives both encoders the same conditions, where one run each would not.
    wall = dict.fromkeys(encoders, 0.0)
    cpu = dict.fromkeys(encoders, 0.0)
    outputs: dict[str, list[np.ndarray]] = {name: [] for name in encoders}
    for index in range(args.slices):
        part = texts[index :: args.slices]
        names = list(encoders) if index % 2 == 0 else list(reversed(encoders))
        for name in names:
            seconds, cpu_seconds, output = measure(encoders[name], part)
            wall[name] += seconds
            cpu[name] += cpu_seconds
            outputs[name].append(output)
    ours_rate = len(texts) / wall["interest_encoder"]
    reference_rate = len(texts) / wall["sentence_transformers"]
    ours_out, reference_out = (np.vstack(outputs[name]) for name in encoders)

    ratio = ours_rate / reference_rate
    result = {
        "benchmark": "encoder_throughput",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "texts": len(texts),
        "source": source,
        "mean_characters": float(np.mean([len(text) for text in texts])),
        "batch_size": batch_size,
        "max_length": models.encoder_max_length,
        "torch_threads": torch.get_num_threads(),
        "usable_cores": usable_cores(),
        "slices": args.slices,
        "interest_encoder_texts_per_s": round(ours_rate, 1),
        "sentence_transformers_texts_per_s": round(reference_rate, 1),
        "ratio": round(ratio, 3),
        "cpu_time_ratio": round(cpu["sentence_transformers"] / cpu["interest_encoder"], 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "smoke": args.smoke,
        "min_cosine_between_outputs": float((ours_out * reference_out).sum(axis=1).min()),
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
        f"InterestEncoder.encode:      {ours_rate:8.1f} texts/s\n"
        f"SentenceTransformer.encode:  {reference_rate:8.1f} texts/s\n"
        f"ratio {ratio:.3f} (target >= {TARGET_RATIO}) {'ok' if ratio >= TARGET_RATIO else 'BELOW TARGET'}; "
        f"CPU-time ratio {result['cpu_time_ratio']:.3f}; min cosine {result['min_cosine_between_outputs']:.6f}\n"
        f"written to {args.output}"
    )
    if args.smoke:
        print("smoke run: too few texts for a throughput figure, so the target is not judged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
