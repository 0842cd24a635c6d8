"""Fit how a quote grows, ``quote_lean_after``, on train.jsonl by nested grouped cross-validation; check dev.

usage: python benchmarks/fit_quote.py [--train FILE] [--dev FILE] [--data-dir DIR] [--folds 5] [--leans 0 1 2 3]

A quote grows one sentence at a time from its answering sentence, taking the next one after unless the one
before holds more than ``quote_lean_after`` more of the question's words. The quote is not a ranking
feature, so ``fit_ranker``'s replay cannot vary it: here every answerable question is answered again by the
real ranker for each lean, on both paths (every stage, and ``PARLEY_RERANK=false``), with the rules off
(this ranks quotes; "not covered" does not read them). A question scores hit@1 + RR@5 on each path.
For each fold (grouped by article, as ``fit_ranker``'s), the lean best on the other folds is scored on it.
Printed: each lean's train and dev scores, each fold's choice and the held-out result. Nothing is written:
``weights.json`` records what was chosen and why.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from fit_ranker import article_folds  # a sibling script: benchmarks/ is on the path

from config import load_settings
from index.evaluation import DEV_QUESTIONS, TRAIN_QUESTIONS, hit_rank, load_questions, metrics
from index.ranking import load_weights
from index.search import Searcher

PATHS = {"every stage": True, "fast path": False}


def answers(items: list[dict], settings, data_dir: Path, lean: float) -> dict[str, list[dict]]:
    """Each path's answer (as ``parley ask --json`` gives it) to every question, at this lean."""
    weights = replace(load_weights(), rules=(), quote_lean_after=lean)
    found = {}
    for path, rerank in PATHS.items():
        searcher = Searcher.from_settings(settings, data_dir=data_dir, weights=weights, rerank=rerank)
        found[path] = [searcher.ask(item["question"], k=5).to_dict() for item in items]
    return found


def score(items: list[dict], found: dict[str, list[dict]], rows: list[int]) -> float:
    """hit@1 + RR@5 over these questions, summed over both paths."""
    ranks = [hit_rank(items[row], by_path[row]) for by_path in found.values() for row in rows]
    return sum((rank == 1) + (1 / rank if rank else 0.0) for rank in ranks)


def summary(items: list[dict], found: dict[str, list[dict]]) -> str:
    """score.py's hit@1 / hit@3 / hit@5 / MRR@5 on each path."""
    scores = {path: metrics(list(zip(items, by_path, strict=True))) for path, by_path in found.items()}
    return "; ".join(f"{path} {m['hit@1']:.3f} / {m['hit@3']:.3f} / {m['hit@5']:.3f} / {m['mrr@5']:.3f}"
                     for path, m in scores.items())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=Path, default=TRAIN_QUESTIONS)
    parser.add_argument("--dev", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--leans", type=float, nargs="+", default=[0.0, 1.0, 2.0, 3.0])
    args = parser.parse_args()
    settings = load_settings()
    data_dir = args.data_dir or settings.data_dir
    train = [item for item in load_questions(args.train) if not item.get("unanswerable")]
    dev = [item for item in load_questions(args.dev) if not item.get("unanswerable")]
    folds = article_folds(train, args.folds)
    on_train = {lean: answers(train, settings, data_dir, lean) for lean in args.leans}
    everyone = list(range(len(train)))
    for lean in args.leans:
        print(f"lean {lean:g}: train {summary(train, on_train[lean])} | "
              f"dev {summary(dev, answers(dev, settings, data_dir, lean))}")
    held_out = {path: [{}] * len(train) for path in PATHS}
    for fold in range(args.folds):
        rest = [row for row in everyone if folds[row] != fold]
        chosen = max(args.leans, key=lambda lean: score(train, on_train[lean], rest))
        print(f"fold {fold}: lean {chosen:g}")
        for path in PATHS:
            for row in everyone:
                if folds[row] == fold:
                    held_out[path][row] = on_train[chosen][path][row]
    print(f"held out: {summary(train, held_out)}")


if __name__ == "__main__":
    main()
