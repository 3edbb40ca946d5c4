"""What the interest encoder adds to the recommender: one command, one table.

``python -m retrieval.ablation --history H.csv.gz --test T.csv.gz --venues V.csv.gz --out results.json
[--variants none,frozen,finetuned] [--checkpoint DIR] [--budget-s S] [--limit N]``; runs of one variant each
are joined with ``python -m retrieval.ablation --merge a.json b.json c.json --out results.json``.

Each variant is fitted on the history and replayed on the test period by the evaluation harness
(``retrieval.evaluate``, unchanged metrics): **none** ranks without embeddings (no similar or context source, no
embedding features); **frozen** uses the packaged encoder for item vectors and the context source; **finetuned**
uses the contrastive encoder (``profiles.contrastive``), trained on the history only unless ``--checkpoint``
names one. For every test check-in it also records the true place's rank in each candidate source, so the table
shows candidate recall@50/100/200 for returns and discoveries by source, and the gain share of the embedding
features in the trained ranker.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from profiles.config import Settings, load_settings
from profiles.events import Event
from retrieval.evaluate import evaluate_recommender
from retrieval.features import SOURCES
from retrieval.metrics import DISCOVERY, RETURN, SPLITS
from retrieval.ranker import RankerConfig
from retrieval.recommender import PlaceRecommender

KS: tuple[int, ...] = (50, 100, 200)
VARIANTS: tuple[str, ...] = ("none", "frozen", "finetuned")
# Columns that exist only through the encoder: its similarities and the ranks of the sources built on it.
EMBEDDING_FEATURES: tuple[str, ...] = ("similarity", "context_similarity", "rank_similar", "rank_context")
# The context source's size when the encoder is used (tuned on the inner split).
CONTEXT_CANDIDATES = 100
ANY = "any"  # the true place within the top K of at least one source
# Proposed by at least one source under its configured limit, or (a discovery) by the discovery ranker's wider pool:
# what the recommender can rank at all.
PROPOSED = "proposed"


@dataclass
class SourceRecall:
    """Counts of test check-ins whose true place each source ranks within K, by return/discovery."""

    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPLITS, 0))
    hits: dict[str, dict[str, dict[int, int]]] = field(
        default_factory=lambda: {
            split: {source: dict.fromkeys(KS, 0) for source in (*SOURCES, ANY)} for split in SPLITS
        }
    )
    proposed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPLITS, 0))

    def add(self, ranks: np.ndarray, limits: np.ndarray, split: str, wider: bool = False) -> None:
        """One check-in: the true place's rank in each source (inf: not ranked), the sources' limits, and whether
        the discovery ranker's pool holds it."""
        self.totals[split] += 1
        self.proposed[split] += bool((ranks < limits).any()) or wider
        for k in KS:
            within = ranks < k
            for source, hit in zip(SOURCES, within.tolist(), strict=True):
                self.hits[split][source][k] += hit
            self.hits[split][ANY][k] += bool(within.any())

    def summary(self) -> dict[str, dict[str, Any]]:
        """Shares by split: ``proposed`` and, for each source and ``any``, ``{"@K": share}``."""
        out: dict[str, dict[str, Any]] = {}
        for split in SPLITS:
            total = max(self.totals[split], 1)
            out[split] = {
                "n": self.totals[split],
                PROPOSED: self.proposed[split] / total,
                **{source: {f"@{k}": self.hits[split][source][k] / total for k in KS} for source in (*SOURCES, ANY)},
            }
        return out


def variant(name: str, settings: Settings, checkpoint: Path | None) -> PlaceRecommender:
    """The recommender of one variant (see the module docstring)."""
    if name == "none":
        return PlaceRecommender(settings, RankerConfig.from_settings(settings, use_embeddings=False, context=0))
    models = settings.models.model_copy(update={"encoder_checkpoint": checkpoint if name == "finetuned" else None})
    tuned = settings.model_copy(update={"models": models})
    return PlaceRecommender(tuned, RankerConfig.from_settings(tuned, context=CONTEXT_CANDIDATES))


def gain_shares(recommender: PlaceRecommender) -> dict[str, float]:
    """Each embedding feature's share of the ranker's total gain, and their sum (``all``); the same sum for the
    discovery ranker (``discoverer``, 0 without one)."""

    def shares(gains: dict[str, float]) -> dict[str, float]:
        total = sum(gains.values()) or 1.0
        return {name: gains.get(name, 0.0) / total for name in EMBEDDING_FEATURES}

    ranker = shares(recommender.ranker.importances("gain"))
    discoverer = recommender.discoverer
    new_places = shares(discoverer.importances("gain")) if discoverer is not None else {}
    return {**ranker, "all": sum(ranker.values()), "discoverer": sum(new_places.values())}


def measure(
    recommender: PlaceRecommender,
    history: pd.DataFrame,
    test: pd.DataFrame,
    items: pd.DataFrame,
    limit: int | None = None,
    description: str = "",
) -> dict[str, Any]:
    """Fit and replay one recommender: the evaluation's metrics, candidate recall by source, gain shares, timings."""
    recall = SourceRecall()

    def inspect(event: Event, where: tuple[float, float], true_index: int, split: str) -> None:
        ranks = recommender.source_ranks(event.user_id, event.timestamp, *where)
        wide = recommender.discovery_ranks(event.user_id, event.timestamp, *where) if split == DISCOVERY else None
        wider = wide is not None and bool((wide.ranks[true_index] < wide.limits).any())
        recall.add(ranks.ranks[true_index], ranks.limits, split, wider)

    result = evaluate_recommender(
        recommender, history, test, items, limit, progress=True, description=description, inspect=inspect
    )
    return {
        "metrics": result.metrics,
        "candidate_recall": recall.summary(),
        "gain_shares": gain_shares(recommender),
        "fit_s": round(result.fit_seconds, 1),
        "replay_s": round(result.replay_seconds, 1),
    }


def format_table(results: dict[str, dict[str, Any]]) -> str:
    """The summary table of every variant, then candidate recall by source for each."""
    lines = [
        f"{'variant':<10}{'acc@10':>8}{'ret@10':>8}{'disc@10':>8}{'mrr':>8}{'prop.ret':>9}{'prop.disc':>10}"
        + "".join(f"{'disc@' + str(k):>9}" for k in KS)
        + f"{'emb.gain':>9}{'disc.gain':>10}"
    ]
    for name, result in results.items():
        metrics, recall = result["metrics"], result["candidate_recall"]
        lines.append(
            f"{name:<10}{metrics['all']['acc@10']:>8.4f}{metrics[RETURN]['acc@10']:>8.4f}"
            f"{metrics[DISCOVERY]['acc@10']:>8.4f}{metrics['all']['mrr']:>8.4f}"
            f"{recall[RETURN][PROPOSED]:>9.3f}{recall[DISCOVERY][PROPOSED]:>10.3f}"
            + "".join(f"{recall[DISCOVERY][ANY][f'@{k}']:>9.3f}" for k in KS)
            + f"{result['gain_shares']['all']:>9.3f}{result['gain_shares'].get('discoverer', 0.0):>10.3f}"
        )
    for name, result in results.items():
        recall = result["candidate_recall"]
        lines += ["", f"{name}: candidate recall by source (returns | discoveries)"]
        lines.append(
            f"{'source':<13}"
            + "".join(f"{'@' + str(k):>7}" for k in KS)
            + " |"
            + "".join(f"{'@' + str(k):>7}" for k in KS)
        )
        for source in (*SOURCES, ANY):
            cells = [recall[split][source][f"@{k}"] for split in (RETURN, DISCOVERY) for k in KS]
            lines.append(
                f"{source:<13}"
                + "".join(f"{cell:>7.3f}" for cell in cells[: len(KS)])
                + " |"
                + "".join(f"{cell:>7.3f}" for cell in cells[len(KS) :])
            )
    return "\n".join(lines)


def markdown(results: dict[str, dict[str, Any]]) -> str:
    """The summary as a Markdown table (the README's)."""
    header = ["ranker", "Acc@10", "return Acc@10", "discovery Acc@10", "MRR", "proposed: returns", "discoveries"]
    header += [f"discoveries @{k}" for k in KS] + ["embedding gain share: ranker", "discovery ranker"]
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    for name, result in results.items():
        metrics, recall = result["metrics"], result["candidate_recall"]
        cells = [
            f"{metrics['all']['acc@10']:.4f}",
            f"{metrics[RETURN]['acc@10']:.4f}",
            f"{metrics[DISCOVERY]['acc@10']:.4f}",
            f"{metrics['all']['mrr']:.4f}",
            f"{recall[RETURN][PROPOSED]:.1%}",
            f"{recall[DISCOVERY][PROPOSED]:.1%}",
            *(f"{recall[DISCOVERY][ANY][f'@{k}']:.1%}" for k in KS),
            f"{result['gain_shares']['all']:.1%}",
            f"{result['gain_shares'].get('discoverer', 0.0):.1%}",
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def merge(paths: Sequence[Path], out: Path) -> dict[str, Any]:
    """One report from the JSON of runs made one variant at a time (in parallel, say)."""
    runs = [json.loads(path.read_text()) for path in paths]
    variants = {name: result for run in runs for name, result in run["variants"].items()}
    payload = {"runs": [{key: value for key, value in run.items() if key != "variants"} for run in runs]}
    payload["variants"] = variants
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")
    return payload


def fine_tuned_checkpoint(history: pd.DataFrame, items: pd.DataFrame, settings: Settings, budget_s: float) -> Path:
    """The contrastive encoder trained on the history alone (cached by the pairs' digest)."""
    from profiles.contrastive import ContrastiveConfig, train_on_history  # torch loads only for this variant

    return train_on_history(history, items, settings, ContrastiveConfig(budget_s=budget_s))


def _variants(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names or any(name not in VARIANTS for name in names):
        raise argparse.ArgumentTypeError(f"variants are a comma-separated choice of {', '.join(VARIANTS)}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Load, fit and replay every variant, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m retrieval.ablation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=Path)
    parser.add_argument("--test", type=Path)
    parser.add_argument("--venues", type=Path)
    parser.add_argument("--merge", type=Path, nargs="+", help="only merge these results files into --out")
    parser.add_argument("--out", type=Path, required=True, help="where the results JSON goes")
    parser.add_argument("--variants", type=_variants, default=list(VARIANTS))
    parser.add_argument("--checkpoint", type=Path, default=None, help="a contrastive encoder folder to use")
    parser.add_argument("--budget-s", type=float, default=300.0, help="contrastive training budget when training")
    parser.add_argument("--limit", type=int, default=None, help="replay only the first N test check-ins")
    args = parser.parse_args(argv)
    if args.merge:
        merged = merge(args.merge, args.out)["variants"]
        print(f"{format_table(merged)}\n\n{markdown(merged)}")
        return 0
    if args.history is None or args.test is None or args.venues is None:
        parser.error("--history, --test and --venues are needed unless --merge is given")
    settings = load_settings()
    from profiles.loaders import load_nyc

    history, test = load_nyc(args.history, args.venues), load_nyc(args.test, args.venues)
    items = history.items
    if items is None:
        raise SystemExit(f"error: no catalogue loaded from {args.venues}")
    checkpoint, training_s = args.checkpoint, None
    if "finetuned" in args.variants and checkpoint is None:
        started = time.perf_counter()
        checkpoint = fine_tuned_checkpoint(history.events, items, settings, args.budget_s)
        training_s = round(time.perf_counter() - started, 1)
        print(f"contrastive encoder: {checkpoint} ({training_s} s)", file=sys.stderr)
    results = {
        name: measure(variant(name, settings, checkpoint), history.events, test.events, items, args.limit, name)
        for name in args.variants
    }
    print(f"{format_table(results)}\n\n{markdown(results)}")
    payload = {
        "history": str(args.history),
        "test": str(args.test),
        "limit": args.limit,
        "checkpoint": str(checkpoint) if checkpoint else None,
        "contrastive_training_s": training_s,
        "variants": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
