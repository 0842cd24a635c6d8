"""Ablation of the ranking, one row per feature or rule of the weights table: each switched off alone.

usage: python benchmarks/ablation.py [QUESTIONS.jsonl] [--data-dir DIR] [--no-rerank] [--reranker NAME]

The first row is the shipped table (``index/ranking/weights.json``); every other row changes one
field of it (a feature's weight to 0, a shaping value to its neutral one, an abstention rule left
out) and prints score.py's metrics, so each part's row shows what it earns. The cross-encoder is
``PARLEY_RERANKER``'s unless ``--reranker`` names another ("" for none). Questions default to
../shared/eval/dev.jsonl; pass ../shared/eval/train.jsonl to ablate on train.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from config import load_settings
from index.evaluation import DEV_QUESTIONS, load_questions, metrics
from index.ranking import FEATURES, Weights, load_weights
from index.ranking.abstention import EVIDENCE
from index.search import Searcher


def rows(shipped: Weights) -> list[tuple[str, Weights]]:
    """(label, table) for the shipped table and each part switched off alone."""
    table = [("shipped", shipped)]
    table += [(f"- feature {name}", replace(shipped, **{name: 0.0})) for name in FEATURES]
    table += [
        ("- neighbour share", replace(shipped, neighbour_share=0.0)),
        ("- shared-word discount", replace(shipped, shared_word_discount=0.0)),
        ("- caption discount", replace(shipped, caption_share=1.0)),
        ("- copies merged", replace(shipped, duplicate_jaccard=1.01, same_sentence_chars=10**6)),
        ("- second quote per article", replace(shipped, quotes_per_article=1)),
    ]
    table += [(f"- rule {rule}", replace(shipped, rules=tuple(r for r in shipped.rules if r != rule)))
              for rule in shipped.rules]
    if "unlikely-answer" in shipped.rules:  # the learned rule's evidence, each weighed 0 (not refitted)
        table += [(f"- evidence {name}", replace(shipped, **{f"abstain_{name}": 0.0})) for name in EVIDENCE]
    return table


def main() -> None:
    settings = load_settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", nargs="?", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--no-rerank", action="store_true")
    parser.add_argument("--reranker", default=settings.reranker, help="the cross-encoder (default: PARLEY_RERANKER's)")
    args = parser.parse_args()
    items = load_questions(args.questions)
    data_dir = args.data_dir or settings.data_dir
    print(f"{'configuration':34} hit@1  hit@3  hit@5  MRR@5  false-nc  abst-acc")
    for label, weights in rows(load_weights()):
        searcher = Searcher.from_settings(settings, data_dir=data_dir, rerank=not args.no_rerank,
                                          reranker=args.reranker, weights=weights)
        m = metrics([(item, searcher.ask(item["question"], k=5).to_dict()) for item in items])
        print(f"{label:34} {m['hit@1']:.3f}  {m['hit@3']:.3f}  {m['hit@5']:.3f}  {m['mrr@5']:.3f}  "
              f"{m['false_abstention']:.3f}  {m['abstention_accuracy']}", flush=True)


if __name__ == "__main__":
    main()
