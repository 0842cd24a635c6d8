"""Ranking: BM25 and FAISS candidates fused, rescored sentence by sentence, turned into quotes."""

from __future__ import annotations

import numpy as np

from index.lexical import tokenize
from index.quotes import MAX_QUOTE_CHARS, Quote, window
from index.sentences import sentence_spans
from index.store import StoredPassage
from index.vectors import nearest

CANDIDATES = 60
RRF_K = 60
ABSTAIN_BELOW = 0.0


def rank(question: str, version, store, embedder, k: int = 3, rerank: bool = True):
    """Answer ``question`` from one index version."""
    from index.query import clean_question
    from index.search import Answer

    query = clean_question(question)
    if not query:
        return Answer(question, False)
    qvec = embedder.encode_query(query)
    dense = nearest(version.vectors, qvec, CANDIDATES)
    lexical = version.lexical.scores(query)
    top_rows = np.argsort(-lexical)[:CANDIDATES]
    fused: dict[int, float] = {}
    for position, (pid, _) in enumerate(dense):
        fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + position + 1)
    for position, row in enumerate(top_rows):
        if lexical[row] <= 0:
            break
        pid = int(version.ids[row])
        fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + position + 1)
    ordered = sorted(fused, key=fused.get, reverse=True)
    passages = store.passages_by_id(ordered)
    quotes = [_quote(passages[pid], query, fused[pid]) for pid in ordered if pid in passages][:k]
    return Answer(question, bool(quotes), quotes)


def _quote(passage: StoredPassage, query: str, score: float) -> Quote:
    """The passage's best sentence by word overlap with the question, with context."""
    words = set(tokenize(query))
    spans = sentence_spans(passage.text)
    best = max(spans, key=lambda s: len(words & set(tokenize(passage.text[s[0]:s[1]]))), default=(0, 0))
    start, end = window(passage.text, best, MAX_QUOTE_CHARS)
    return Quote(passage.text[start:end], passage.url, passage.title, passage.outlet, passage.published,
                 score, (best[0] - start, best[1] - start), passage.doc_id, passage.id)
