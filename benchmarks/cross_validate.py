"""score.py's metrics on train.jsonl with "not covered" fitted by fold: the train numbers the notes report.

usage: python benchmarks/cross_validate.py [--train FILE] [--data-dir DIR] [--folds 5] [--max-false 0.04]
                                           [--leaders N] [--json FILE]

``parley eval`` on train judges the shipped "not covered" model on the questions it was fitted on. Here,
for each fold (grouped by article, as every fit groups them), the learned rule is fitted on the other
folds (``fit_abstention.fit``, its threshold set there for at most ``--max-false`` of their answerable
questions wrongly refused) and the held-out questions are answered by the real ranker with that fold's
model, so each refusal keeps its reason. The ranking is the shipped table's; ``--leaders`` changes how many
leaders are reread, to judge that change with the rule refitted for it. Printed as ``parley eval`` prints:
overall, by style, register, source set and kind, refusals by reason.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from fit_abstention import FLOORS, LEARNED, fit, fitted_table, observe  # sibling scripts: benchmarks/ is on the path
from fit_ranker import article_folds

from config import load_settings
from index.evaluation import TRAIN_QUESTIONS, format_report, load_questions, report
from index.ranking import load_weights
from index.search import Searcher


def main() -> None:
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=TRAIN_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-false", type=float, default=0.04)
    parser.add_argument("--leaders", type=int, default=None, help="leaders reread (default: the shipped table's)")
    parser.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = parser.parse_args()
    data_dir = args.data_dir or settings.data_dir
    shipped = load_weights()
    shipped = replace(shipped, leaders=args.leaders) if args.leaders is not None else shipped
    rules = tuple(rule for rule in shipped.rules if rule not in (*FLOORS, LEARNED))
    train = load_questions(args.train)
    x, fixed, _ = observe(Searcher.from_settings(settings, data_dir=data_dir, weights=shipped), train, rules)
    answerable = np.array([not item.get("unanswerable") for item in train])
    folds = np.array(article_folds(train, args.folds))
    pairs, latencies = [], []
    for fold in range(args.folds):
        inside = folds != fold
        model, threshold = fit(x[inside], answerable[inside], fixed[inside], args.max_false)
        searcher = Searcher.from_settings(settings, data_dir=data_dir,
                                          weights=fitted_table(shipped, model, threshold, rules))
        for item, held in zip(train, folds == fold, strict=True):
            if held:
                started = time.perf_counter()
                pairs.append((item, searcher.ask(item["question"], k=5).to_dict()))
                latencies.append(time.perf_counter() - started)
    result = report(pairs, latencies)
    print(f"{args.train.name}, {args.folds} folds by article, \"not covered\" fitted per fold "
          f"(max-false {args.max_false}), {shipped.leaders} leaders")
    print(format_report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
