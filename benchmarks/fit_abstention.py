"""Fit "not covered" on train.jsonl: a logistic model over the leading candidates' evidence, by grouped k-fold CV.

usage: python benchmarks/fit_abstention.py [--train FILE] [--dev FILE] [--data-dir DIR] [--folds 5]
                                           [--reranker NAME] [--max-false 0.05] [--write]

Every train question (answerable or not) is answered once by the real ranker (``Ranker.leading``: the
distinct leading candidates, the cross-encoder's relevance included) with the shipped table
and the rules that have no fitted parts (names, dates, years); its evidence (``abstention.EVIDENCE``)
is recorded. For each fold, a logistic regression of "answerable" on the evidence is fitted on the
other folds, with the refusal threshold set there to the highest that wrongly refuses at most
``--max-false`` of their answerable questions; the held-out fold is then judged by it together with the
rules. Reported: cross-validated refusal rates (answerable wrongly, unanswerable rightly, by kind) for
the hand-set floors ("weak-evidence", "far-in-meaning") and for the learned rule in their place; then
dev. ``--write`` stores the model fitted on all of train in ``index/ranking/weights.json`` and swaps the
floors for it, when it refuses more unanswerable questions at no more than the allowed false rate; run
``make test`` after: a model calibrated on one corpus may refuse too much on another (the small test
corpora caught the first fit). The record keeps what a person added to it (why this limit, evidence tried).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
from fit_ranker import article_folds  # a sibling script: benchmarks/ is on the path when run
from sklearn.linear_model import LogisticRegression

from config import load_settings
from index.evaluation import DEV_QUESTIONS, TRAIN_QUESTIONS, load_questions
from index.ranking import Weights, load_weights
from index.ranking.abstention import EVIDENCE, evidence, leading_texts, refusal
from index.ranking.weights import WEIGHTS_FILE, save_weights
from index.search import Searcher

FLOORS = ("weak-evidence", "far-in-meaning")
LEARNED = "unlikely-answer"


def observe(searcher: Searcher, items: list[dict], rules: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per item: its evidence, whether the fixed rules refuse it, and whether the floors refuse it."""
    ranker = searcher.ranker()
    facts, fixed, floors = [], [], []
    for item in items:
        query = ranker.read(item["question"])
        ranked = ranker.leading(query) if query.text else []
        if not ranked:
            facts.append([0.0] * len(EVIDENCE))
            fixed.append(True)
            floors.append(True)
            continue
        facts.append([evidence(query, ranked, leading_texts(ranked, ranker.weights), ranker.coverage)[name]
                      for name in EVIDENCE])
        fixed.append(refusal(query, ranked, ranker.coverage, replace(ranker.weights, rules=rules)) is not None)
        floors.append(refusal(query, ranked, ranker.coverage, replace(ranker.weights, rules=FLOORS)) is not None)
    return np.array(facts), np.array(fixed), np.array(floors)


def fit(x: np.ndarray, answerable: np.ndarray, fixed: np.ndarray,
        max_false: float) -> tuple[LogisticRegression, float]:
    """The model, and the highest threshold at which it and the fixed rules together refuse at most
    ``max_false`` of the answerable items."""
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x, answerable)
    allowed = int(np.floor(max_false * answerable.sum())) - int((fixed & answerable).sum())
    chances = np.sort(model.predict_proba(x[answerable & ~fixed])[:, 1])
    if allowed < 0 or not len(chances):
        return model, 0.0
    return model, float(chances[allowed]) if allowed < len(chances) else 1.0


def fitted_table(shipped: Weights, model: LogisticRegression, threshold: float, rules: tuple[str, ...]) -> Weights:
    """``shipped`` with the learned rule (``model``, refusing below ``threshold``) before the fixed ``rules``."""
    coefficients = dict(zip(EVIDENCE, model.coef_[0].tolist(), strict=True))
    return replace(shipped, abstain_bias=round(float(model.intercept_[0]), 4), abstain_at=round(threshold, 4),
                   rules=(LEARNED, *rules),
                   **{f"abstain_{name}": round(value, 4) for name, value in coefficients.items()})


def rates(refused: np.ndarray, answerable: np.ndarray, items: list[dict]) -> dict:
    """Answerable wrongly refused, unanswerable rightly refused, and the latter by kind."""
    kinds = defaultdict(list)
    for item, was in zip(items, refused, strict=True):
        if item.get("unanswerable"):
            kinds[item.get("kind", "-")].append(bool(was))
    return {"false_not_covered": round(float(refused[answerable].mean()), 3),
            "unanswerable_refused": round(float(refused[~answerable].mean()), 3) if (~answerable).any() else None,
            "by_kind": {kind: f"{sum(v)}/{len(v)}" for kind, v in sorted(kinds.items())}}


def main() -> None:
    settings = load_settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=Path, default=TRAIN_QUESTIONS)
    parser.add_argument("--dev", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--reranker", default=settings.reranker, help="the cross-encoder (default: PARLEY_RERANKER's)")
    parser.add_argument("--max-false", type=float, default=0.05)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir or settings.data_dir
    shipped = load_weights()
    rules = tuple(rule for rule in shipped.rules if rule not in (*FLOORS, LEARNED))
    searcher = Searcher.from_settings(settings, data_dir=data_dir, weights=shipped, reranker=args.reranker)
    train = load_questions(args.train)
    x, fixed, floors = observe(searcher, train, rules)
    answerable = np.array([not item.get("unanswerable") for item in train])
    folds = np.array(article_folds(train, args.folds))
    learned = np.zeros(len(train), dtype=bool)
    for fold in range(args.folds):
        inside, held = folds != fold, folds == fold
        if not held.any() or len(set(answerable[inside])) < 2:
            continue  # an empty fold, or one side of the question missing from the others
        model, threshold = fit(x[inside], answerable[inside], fixed[inside], args.max_false)
        learned[held] = model.predict_proba(x[held])[:, 1] < threshold
    print("train, cross-validated:")
    print("  hand-set floors + rules:", json.dumps(rates(floors | fixed, answerable, train)))
    print("  learned rule + rules:   ", json.dumps(rates(learned | fixed, answerable, train)))
    print("  rules alone:            ", json.dumps(rates(fixed, answerable, train)))
    model, threshold = fit(x, answerable, fixed, args.max_false)
    coefficients = dict(zip(EVIDENCE, model.coef_[0].tolist(), strict=True))
    print("fitted on all of train:", {k: round(v, 3) for k, v in coefficients.items()},
          f"bias {model.intercept_[0]:.3f}, refuse below {threshold:.3f}")
    dev = load_questions(args.dev)
    dx, dfixed, dfloors = observe(searcher, dev, rules)
    dev_answerable = np.array([not item.get("unanswerable") for item in dev])
    dev_learned = model.predict_proba(dx)[:, 1] < threshold
    print("dev:")
    print("  hand-set floors + rules:", json.dumps(rates(dfloors | dfixed, dev_answerable, dev)))
    print("  learned rule + rules:   ", json.dumps(rates(dev_learned | dfixed, dev_answerable, dev)))
    cv_floors, cv_learned = rates(floors | fixed, answerable, train), rates(learned | fixed, answerable, train)
    dev_learned_rates = rates(dev_learned | dfixed, dev_answerable, dev)
    better = (cv_learned["false_not_covered"] <= args.max_false + 0.01
              and cv_learned["unanswerable_refused"] > cv_floors["unanswerable_refused"]
              and dev_learned_rates["false_not_covered"] <= args.max_false)
    if args.write and better:
        table = fitted_table(shipped, model, threshold, rules)
        record = json.loads(WEIGHTS_FILE.read_text())["fit"]
        record["abstention"] = {**record.get("abstention", {}),  # a person's notes on earlier fits stay
            "method": f"logistic regression over {', '.join(EVIDENCE)}; threshold for ≤ {args.max_false:.1%} "
                      "of answerable train questions refused", "folds": f"{args.folds}, grouped by article",
            "command": " ".join(["benchmarks/fit_abstention.py", *sys.argv[1:]]),
            "date": date.today().isoformat(), "cross_validated_train": {"floors": cv_floors, "learned": cv_learned}}
        save_weights(table, record)
        print("wrote index/ranking/weights.json")
    elif args.write:
        print("not written: the learned rule does not refuse more unanswerable questions within the false rate")


if __name__ == "__main__":
    main()
