"""Recall of each candidate generator before ranking: where are the answers lost?

usage: python benchmarks/recall.py [QUESTIONS.jsonl] [--data-dir DIR] [--limit N]

For each answerable question (default ``../shared/eval/train.jsonl``), a passage "holds the answer" when
one of the item's aliases, normalised by ``index.evaluation.normalise``, occurs in the passage's text.
Reported is recall@K, K in 20, 50, 100, 200: the share of questions with at least one answer-holding
passage among a generator's top K, for

1. ``bm25``: BM25 over passages (title and text, as the version indexes them),
2. ``dense``: FAISS nearest passages to the question's vector,
3. ``fused``: ``ranking.candidates.gather`` as the ranker runs it, with ``candidates = rescore = K``,
4. ``title``: passages ranked by their title's cosine with the question (ties by the passage's own cosine),
5. ``sentence-bm25``: BM25 over every sentence of every passage (the version's sentence spans), a
   passage scoring its best sentence,
6. ``fused+sentence``: the fused top K/2, then the sentence-BM25 order until K distinct passages,

then the union of 1–5 (each at K, so up to 5K passages), the share of questions whose answer no passage
holds at all (what no retriever can find), and the fused generator's recall@50 by ``register``.
The question is read once (``Ranker.read``) and encoded once; nothing is written.
"""

from __future__ import annotations

import argparse
import bisect
import re
import time
from dataclasses import replace
from pathlib import Path

import bm25s
import numpy as np

from config import load_settings
from index.evaluation import TRAIN_QUESTIONS, load_questions, normalise
from index.lexical import tokenize
from index.ranking.candidates import gather
from index.search import Searcher

DEPTHS = (20, 50, 100, 200)
GENERATORS = ("bm25", "dense", "fused", "title", "sentence-bm25", "fused+sentence", "union 1-5")
REGISTER_DEPTH = 50


def answer_rows(texts: list[str]):
    """A function from a list of aliases to the set of rows whose normalised text holds one of them."""
    normalised = [normalise(text) for text in texts]
    joined = "\x00".join(normalised)
    starts, at = [], 0
    for text in normalised:
        starts.append(at)
        at += len(text) + 1

    def rows(aliases: list[str]) -> set[int]:
        found = set()
        for alias in {normalise(a) for a in aliases} - {""}:
            for match in re.finditer(re.escape(alias), joined):
                found.add(bisect.bisect_right(starts, match.start()) - 1)
        return found

    return rows


def sentence_index(version, texts: list[str]) -> tuple[bm25s.BM25, np.ndarray]:
    """BM25 over every sentence of every passage (row order), and each row's first sentence."""
    sentences = version.sentences
    spans = sentences.spans.tolist()
    first = sentences.first
    corpus = []
    for row, text in enumerate(texts):
        for start, end in spans[first[row]:first[row + 1]]:
            corpus.append(tokenize(text[start:end]) or ["\u2205"])
    model = bm25s.BM25()
    model.index(corpus, show_progress=False)
    return model, first[:-1].astype(np.int64)


def sentence_scores(model: bm25s.BM25, first: np.ndarray, words: tuple[str, ...]) -> np.ndarray:
    """Each passage's best sentence's BM25 score for the question's words."""
    tokens = [token for token in words if token in model.vocab_dict]
    if not tokens:
        return np.zeros(len(first), dtype=np.float32)
    return np.maximum.reduceat(model.get_scores(tokens), first)


def top_rows(scores: np.ndarray, k: int) -> list[int]:
    """Rows of the ``k`` highest positive scores, best first."""
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[scores[top] > 0]
    return top[np.argsort(-scores[top], kind="stable")].tolist()


def rankings(ranker, question: str, sentence_model, sentence_first) -> dict[str, dict[int, list[int]]]:
    """For each generator and depth, the rows it proposes for one question."""
    version, deepest = ranker.version, max(DEPTHS)
    query = ranker.read(question)
    qvec = ranker.encoder.encode_query(query.text)
    bm25 = top_rows(version.lexical.scores(query.words), deepest)
    dense = [ranker._rows[pid] for pid, _ in version.vectors.nearest(qvec, deepest)]
    cosine = version.vectors.matrix @ qvec
    titled = version.titles.similarity(qvec, list(range(len(version.ids))))
    title = np.lexsort((-cosine, -titled))[:deepest].tolist()
    sentence = top_rows(sentence_scores(sentence_model, sentence_first, query.words), deepest)
    out: dict[str, dict[int, list[int]]] = {name: {} for name in GENERATORS}
    for k in DEPTHS:
        weights = replace(ranker.weights, candidates=k, rescore=k)
        fused = [c.row for c in gather(version, ranker._rows, query.words, qvec, weights)]
        mixed = list(dict.fromkeys(fused[:k // 2]))
        for row in sentence:
            if len(mixed) >= k:
                break
            if row not in mixed:
                mixed.append(row)
        out["bm25"][k], out["dense"][k], out["fused"][k] = bm25[:k], dense[:k], fused[:k]
        out["title"][k], out["sentence-bm25"][k], out["fused+sentence"][k] = title[:k], sentence[:k], mixed
        out["union 1-5"][k] = list({*bm25[:k], *dense[:k], *fused[:k], *title[:k], *sentence[:k]})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="?", type=Path, default=TRAIN_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=0, help="only the first N answerable questions")
    args = parser.parse_args()
    started = time.perf_counter()
    items = [item for item in load_questions(args.questions) if not item.get("unanswerable")]
    items = items[:args.limit] if args.limit else items
    settings = load_settings()
    ranker = Searcher.from_settings(settings, data_dir=args.data_dir or settings.data_dir, rerank=False).ranker()
    texts = ranker.store.passage_texts(ranker.version.ids.tolist())
    holders = answer_rows(texts)
    print(f"{len(texts)} passages, {len(items)} answerable questions; loaded in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    built = time.perf_counter()
    sentence_model, sentence_first = sentence_index(ranker.version, texts)
    print(f"sentence BM25 over {int(ranker.version.sentences.first[-1])} sentences built in "
          f"{time.perf_counter() - built:.0f} s", flush=True)
    hits = {name: {k: [] for k in DEPTHS} for name in GENERATORS}
    unheld = 0
    asked = time.perf_counter()
    for item in items:
        held = holders(item["answers"])
        unheld += not held
        for name, by_depth in rankings(ranker, item["question"], sentence_model, sentence_first).items():
            for k, rows in by_depth.items():
                hits[name][k].append(bool(held.intersection(rows)))
    print(f"{len(items)} questions ranked in {time.perf_counter() - asked:.0f} s\n")
    count = max(1, len(items))
    print(f"{'generator':16}" + "".join(f"{'R@' + str(k):>8}" for k in DEPTHS))
    for name in GENERATORS:
        print(f"{name:16}" + "".join(f"{sum(hits[name][k]) / count:8.3f}" for k in DEPTHS))
    print(f"\nanswer held by no passage at all: {unheld}/{len(items)} = {unheld / count:.3f} "
          f"(recall can reach at most {1 - unheld / count:.3f})")
    print(f"fused recall@{REGISTER_DEPTH} by register:")
    for register in sorted({str(item.get("register")) for item in items}):
        chosen = [hit for item, hit in zip(items, hits["fused"][REGISTER_DEPTH], strict=True)
                  if str(item.get("register")) == register]
        print(f"  {register:10} {sum(chosen) / len(chosen):.3f}  (n={len(chosen)})")
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
