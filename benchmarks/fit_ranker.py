"""Fit the ranking's feature weights on train.jsonl by grouped k-fold cross-validation, then check dev.

usage: python benchmarks/fit_ranker.py [--train FILE] [--dev FILE] [--data-dir DIR] [--folds 5]
                                      [--reranker NAME] [--shrink 0.008] [--dev-guard] [--only NAME ...] [--write]

1. Every train question is run once through the real stages up to the features (``candidates``,
   ``sentence_features``, ``priors``), with the bi-encoder rereading every candidate (its sentences'
   vectors are stored with the version), and each candidate's quote checked for the question's answer
   at both of its possible answering sentences (by words, and by words and meaning). Ranking under
   other weights is then replayed from this cache in microseconds: leaders chosen, meaning added,
   priors, the cross-encoder's reordering, per-article cap.
2. Folds are grouped by the evidence's article, so two questions on one article never sit on both
   sides. For each fold, weights are fitted on the others by coordinate ascent (each weight ×0, ×0.5,
   ×0.7, ×1.4, ×2 in turn, kept when the objective rises; ``leaders``, how many are reread, the same
   way in whole numbers) from the shipped table, and the fitted
   table is scored on the held-out fold by the real ranker (``Searcher``), not by the replay.
   ``--shrink`` charges the objective for each step away from the shipped table (``distance``), so a
   weight moves only for a gain many questions share, not for the few a fold happens to hold.
   ``--only speaker`` fits that one weight and keeps the others: how much one feature adds, alone.
   The cache reads the ``speaker`` feature as it is when on (the named speaker's sentence answers).
3. Reported: cross-validated train for the shipped and the fitted tables, on both paths and by group,
   then the fit on all of train checked on dev. ``--write`` saves that fit to ``index/ranking/weights.json``
   with its record, when its cross-validated score beats the shipped one's and dev does not fall.

The objective is MRR@5 + hit@1 on answerable questions, summed over the two paths one table serves: every
stage, and the fast path (``PARLEY_RERANK=false``, replayed with no rereading and no cross-encoder).
Abstention is left to its rules here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from config import load_settings
from index.evaluation import DEV_QUESTIONS, TRAIN_QUESTIONS, load_questions, metrics, normalise
from index.ranking import FEATURES, Weights, load_weights
from index.ranking.candidates import gather
from index.ranking.dedup import per_article
from index.ranking.priors import question_priors, source_priors
from index.ranking.sentence_features import read_sentences
from index.ranking.speaker_feature import prefer_spoken
from index.ranking.weights import WEIGHTS_FILE, save_weights
from index.search import Searcher

CROSS_READ = 15  # candidates the cross-encoder reads in the cache (it reads ``cross_encode_top`` when serving)
# the features that choose the leaders
LEADING = ("dense", "lexical", "sentence_words", "answer_kind", "date", "day", "outlet", "recent", "speaker")
STEPS = (0.0, 0.5, 0.7, 1.4, 2.0)
PATHS = {"every stage": True, "fast path": False}  # one table serves both: PARLEY_RERANK on and off
ROUNDS = 3
SHRINK = 0.008  # the objective charged per doubling away from the shipped table (the record says how it was chosen)
DROPPED = 3.0  # a weight set to 0 (or from 0) counts as this many doublings away
FREE = (*(name for name in FEATURES if name != "dense"), "leaders")  # dense stays as the scale


@dataclass
class Cached:
    """One question's candidates as arrays: features, article, and whether each answering sentence hits."""

    features: np.ndarray  # candidates × FEATURES (sentence_meaning, cross_encoder: 0 where not computed)
    crossed: np.ndarray  # whether the cross-encoder read it
    docs: list[str]
    hit_words: np.ndarray  # its quote at the sentence chosen by words holds the answer
    hit_meaning: np.ndarray  # its quote at the sentence chosen by words and meaning holds it


def article_folds(items: list[dict], folds: int) -> list[int]:
    """A fold for each item, the same for every item of one article (by the hash of its URL)."""
    return [int(hashlib.sha1(str(item.get("url") or item["id"]).encode()).hexdigest(), 16) % folds for item in items]


def cache_question(ranker, item: dict, weights: Weights) -> Cached | None:
    """Run the real stages up to the features for one question (None when nothing is found)."""
    lexical = ranker.version.lexical
    query = ranker.read(item["question"])
    qvec = ranker.encoder.encode_query(query.text)
    candidates = gather(ranker.version, ranker._rows, query.words, qvec, weights)
    passages = ranker.store.passages_by_id([c.pid for c in candidates])
    read_sentences(candidates, query, lexical, ranker._sentences, passages, weights)
    if not candidates:
        return None
    prefer_spoken(candidates, query, ranker.version.speakers, weights)
    for c in candidates:
        question_priors(c, query, ranker.coverage.last)
        c.rescore(weights)
    aliases = [normalise(alias) for alias in item["answers"]]

    def hits(c) -> bool:
        text = normalise(ranker._quote(c, query).text[:600])
        return any(alias in text for alias in aliases)

    by_words = [hits(c) for c in candidates]
    ranker.reread(candidates, query, qvec)  # all of them, so any number of leaders can be replayed
    rows = [c.row for c in candidates]
    titled = ranker.version.titles.similarity(qvec, rows)
    topics = (ranker.version.vectors.similarity(ranker._topic, rows) if ranker._topic is not None
              else np.zeros(len(rows), dtype=np.float32))
    for c, topical, title in zip(candidates, topics.tolist(), titled.tolist(), strict=True):
        source_priors(c, topical, title, ranker.primary, ranker._has_topic, weights)
    crossed: set[int] = set()
    if ranker.cross_encoder is not None:
        for c in candidates:
            c.rescore(replace(weights, cross_encoder=0.0))
        top = sorted(candidates, key=lambda c: c.score, reverse=True)[:CROSS_READ]
        ranker.cross_encode(query.text, top)
        crossed = {c.pid for c in top}
    return Cached(np.array([[c.feature(name) for name in FEATURES] for c in candidates], dtype=np.float64),
                  np.array([c.pid in crossed for c in candidates]),
                  [c.passage.doc_id for c in candidates], np.array(by_words), np.array([hits(c) for c in candidates]))


def replay_rank(cached: Cached, weights: Weights) -> int | None:
    """The rank (1–5) of the first quote holding the answer under ``weights``, replayed from the cache."""
    table = np.array([getattr(weights, name) for name in FEATURES])
    leading = np.array([name in LEADING for name in FEATURES])
    meaning, cross = FEATURES.index("sentence_meaning"), FEATURES.index("cross_encoder")
    before = cached.features[:, leading] @ table[leading]
    leaders = np.argsort(-before, kind="stable")[:weights.leaders]
    is_leader = np.zeros(len(before), dtype=bool)
    is_leader[leaders] = True
    features = cached.features.copy()
    features[~is_leader, meaning] = 0.0
    crossed = features[:, cross].copy()
    features[:, cross] = 0.0
    score = features @ table
    order = np.argsort(-score, kind="stable").tolist()
    if weights.cross_encoder:  # as the ranker does: the leading candidates, reordered among themselves
        top = order[:weights.cross_encode_top]
        relevance = np.where(cached.crossed[top], crossed[top], 0.0)
        order = [top[i] for i in np.argsort(-(score[top] + weights.cross_encoder * relevance), kind="stable")] + \
            order[weights.cross_encode_top:]
    order = per_article(order, weights.quotes_per_article, cached.docs.__getitem__)
    hit = np.where(is_leader, cached.hit_meaning, cached.hit_words)
    return next((shown for shown, i in enumerate(order[:5], start=1) if hit[i]), None)


def recall_at(cached: Cached, weights: Weights, depth: int) -> bool:
    """Whether one of the ``depth`` best candidates under ``weights`` (before the per-article cap) holds the answer."""
    score = cached.features @ np.array([getattr(weights, name) for name in FEATURES])
    top = np.argsort(-score, kind="stable")[:depth]
    return bool((cached.hit_words[top] | cached.hit_meaning[top]).any())


def objective(cache: list[Cached | None], weights: Weights) -> float:
    """MRR@5 + hit@1, summed over both paths one table serves: every stage, and the fast path
    (``PARLEY_RERANK=false``: no rereading, no cross-encoder, each quote at the sentence chosen by words)."""
    fast = replace(weights, cross_encoder=0.0, leaders=0)
    ranks = [replay_rank(c, w) if c is not None else None for c in cache for w in (weights, fast)]
    return sum(1 / r + (r == 1) for r in ranks if r) / max(1, len(ranks))


def distance(weights: Weights, start: Weights, free: tuple[str, ...] = FREE) -> float:
    """How far ``weights`` moved from ``start``: doublings or halvings (|log2 ratio|) summed over ``free``."""
    moved = 0.0
    for name in free:
        now, then = getattr(weights, name), getattr(start, name)
        if now != then:
            moved += DROPPED if 0 in (now, then) else abs(math.log2(now / then))
    return moved


def coordinate_ascent(cache: list[Cached | None], start: Weights, guard: list[Cached | None] | None = None,
                      free: tuple[str, ...] = FREE, shrink: float = SHRINK) -> Weights:
    """Each ``free`` weight scaled by each step in turn, kept when the objective less ``shrink`` × its
    ``distance`` from ``start`` rises (and, with a ``guard`` set of questions, the objective does not fall
    below the start's on them); a few rounds."""
    floor = objective(guard, start) if guard else 0.0

    def gain(weights: Weights) -> float:
        return objective(cache, weights) - shrink * distance(weights, start, free)

    best, best_score = start, gain(start)
    for _ in range(ROUNDS):
        improved = False
        for name in free:
            current = getattr(best, name)
            for step in STEPS:
                if isinstance(current, int):  # a count
                    value = round(current * step)
                else:
                    value = round(current * step if current else step * 0.1, 4)
                if value == current:
                    continue
                trial = replace(best, **{name: value})
                score = gain(trial)
                if score > best_score + 1e-9 and (not guard or objective(guard, trial) >= floor - 1e-9):
                    best, best_score, improved = trial, score, True
        if not improved:
            break
    return best


def real_metrics(searcher: Searcher, items: list[dict]) -> dict:
    """score.py's metrics of the real ranker ``searcher`` on ``items``."""
    return metrics([(item, searcher.ask(item["question"], k=5).to_dict()) for item in items])


def both(scores: dict[tuple[str, str], dict], table: str) -> float:
    """MRR@5 + hit@1 of one table, summed over the paths."""
    return sum(scores[table, path]["mrr@5"] + scores[table, path]["hit@1"] for path in PATHS)


def row(name: str, m: dict) -> str:
    return (f"{name:34} {m['hit@1']:.3f}  {m['hit@3']:.3f}  {m['hit@5']:.3f}  {m['mrr@5']:.3f}  "
            f"{m['false_abstention']:.3f}  {m['abstention_accuracy'] if m['abstention_accuracy'] is not None else '-'}")


def main() -> None:
    settings = load_settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=Path, default=TRAIN_QUESTIONS)
    parser.add_argument("--dev", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--reranker", default=settings.reranker,
                        help="the cross-encoder fitted too (default: PARLEY_RERANKER's; \"\" for none)")
    parser.add_argument("--shrink", type=float, default=SHRINK,
                        help="objective charged per doubling of a weight away from the shipped table (0: none)")
    parser.add_argument("--dev-guard", action="store_true",
                        help="keep a step only if it does not lower dev (replayed), as the method asks of a change")
    parser.add_argument("--only", nargs="+", choices=FREE, default=list(FREE), metavar="NAME",
                        help="fit only these weights (default: all but dense)")
    args = parser.parse_args()
    free = tuple(args.only)
    data_dir = args.data_dir or settings.data_dir
    shipped = load_weights()
    if not args.reranker:  # no cross-encoder read: its weight starts at 0
        shipped = replace(shipped, cross_encoder=0.0)
    train = load_questions(args.train)
    folds = article_folds(train, args.folds)

    def searcher(weights: Weights, rerank: bool = True) -> Searcher:
        """The served searcher with ``weights`` and the cross-encoder fitted, every stage or the fast path."""
        return Searcher.from_settings(settings, data_dir=data_dir, weights=weights, reranker=args.reranker,
                                      rerank=rerank)

    started = time.perf_counter()
    ranker = searcher(shipped).ranker()
    cache = [cache_question(ranker, item, shipped) if not item.get("unanswerable") else None for item in train]
    print(f"cached {len(train)} train questions in {time.perf_counter() - started:.0f} s", flush=True)
    answerable = [c for c in cache if c is not None] + [None] * sum(
        1 for item, c in zip(train, cache, strict=True) if c is None and not item.get("unanswerable"))
    for depth in (5, 20, shipped.rescore):
        found = sum(1 for c in answerable if c is not None and recall_at(c, shipped, depth))
        print(f"recall@{depth} (a candidate's quote holds the answer): {found / len(answerable):.3f}")
    dev = load_questions(args.dev)
    guard = [cache_question(ranker, item, shipped) if not item.get("unanswerable") else None
             for item in dev] if args.dev_guard else None
    pairs: dict[tuple[str, str], list] = {(table, path): [] for table in ("shipped", "fitted") for path in PATHS}
    header = f"{'':34} hit@1  hit@3  hit@5  MRR@5  false-nc  abst-acc"
    print(header)
    for fold in range(args.folds):
        inside = [c for c, f in zip(cache, folds, strict=True) if f != fold]
        held = [item for item, f in zip(train, folds, strict=True) if f == fold]
        fitted = coordinate_ascent(inside, shipped, guard, free, args.shrink)
        for table, weights in (("shipped", shipped), ("fitted", fitted)):
            for path, rerank in PATHS.items():
                served = searcher(weights, rerank)
                pairs[table, path] += [(item, served.ask(item["question"], k=5).to_dict()) for item in held]
        changed = {name: getattr(fitted, name) for name in FREE if getattr(fitted, name) != getattr(shipped, name)}
        print(f"fold {fold}: {len(held)} held out; fitted {changed}", flush=True)
    cv = {key: metrics(found) for key, found in pairs.items()}
    for path in PATHS:
        for table in ("shipped", "fitted"):
            print(row(f"train {path}, {table} ({args.folds}-fold)", cv[table, path]))
    for key in ("register", "style", "source_set"):
        for value in sorted({str(item.get(key)) for item, _ in pairs["fitted", "every stage"] if item.get(key)}):
            for table in ("shipped", "fitted"):
                chosen = [(i, a) for i, a in pairs[table, "every stage"] if str(i.get(key)) == value]
                print(row(f"  {key}={value}: {table}", metrics(chosen)))
    final = coordinate_ascent(cache, shipped, guard, free, args.shrink)
    dev_scores = {(table, path): real_metrics(searcher(weights, rerank), dev)
                  for table, weights in (("shipped", shipped), ("fitted", final)) for path, rerank in PATHS.items()}
    for (table, path), m in dev_scores.items():
        print(row(f"dev {path}, {'shipped' if table == 'shipped' else 'fit on all of train'}", m))
    print("fitted on all of train:", {name: getattr(final, name) for name in FREE})
    better = (both(cv, "fitted") > both(cv, "shipped") + 1e-9
              and both(dev_scores, "fitted") >= both(dev_scores, "shipped") - 1e-9)
    if args.write and better:
        record = {
            "method": f"coordinate ascent on {args.train.name} (steps {STEPS}, {ROUNDS} rounds) from the last table, "
                      f"each doubling away from it charged {args.shrink} of the objective"
                      + (", each step kept only if dev (replayed) does not fall" if args.dev_guard else ""),
            "objective": "MRR@5 + hit@1 on answerable questions, every stage and the fast path summed, replayed "
                         "from cached features",
            "folds": f"{args.folds}, grouped by the evidence's article URL",
            "date": date.today().isoformat(),
            "cross_validated_train": {f"{table}, {path}": m for (table, path), m in cv.items()},
            "dev": {f"{table}, {path}": m for (table, path), m in dev_scores.items()}}
        older = json.loads(WEIGHTS_FILE.read_text())["fit"]  # the other fits' parts (abstention, speaker, …) stay
        save_weights(final, {**older, **record})
        print("wrote index/ranking/weights.json")
    elif args.write:
        print("not written: the fit does not beat the shipped table on cross-validated train without losing dev")
    print(f"{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
