"""Stage 1, candidates: the top passages by BM25 (words) and by FAISS (meaning), each scored by both.

Fused by normalised score rather than by rank: a passage strong on both wins clearly. Every candidate's
``dense`` feature is its exact cosine from the saved vectors, however the FAISS index found it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from index.ranking.weights import Weights
from index.store import StoredPassage

if TYPE_CHECKING:
    from index.ranking.sentence_features import RankedSentence


@dataclass
class Candidate:
    """One passage on its way to becoming a quote: its features, and the sentence it would answer with."""

    pid: int
    row: int
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    passage: StoredPassage | None = None
    focus: tuple[int, int] = (0, 0)
    sentences: list[RankedSentence] = field(default_factory=list)  # all its sentences, best first: where quotes grow
    answering: list[RankedSentence] = field(default_factory=list)  # those it may answer with (a named speaker's)
    also: list[str] = field(default_factory=list)

    def feature(self, name: str) -> float:
        return self.features.get(name, 0.0)

    def contributions(self, weights: Weights) -> dict[str, float]:
        """Each feature's weighted share of the score (what ``parley ask --explain`` prints)."""
        table = weights.feature_weights
        return {name: table[name] * value for name, value in self.features.items() if name in table}

    def rescore(self, weights: Weights) -> float:
        """Set and return Σ weight × feature."""
        table = weights.feature_weights
        self.score = sum(table[name] * value for name, value in self.features.items() if name in table)
        return self.score


def gather(version, rows: dict[int, int], words: tuple[str, ...], qvec: np.ndarray,
           weights: Weights) -> list[Candidate]:
    """The ``weights.rescore`` best passages by fused score; each with its ``dense`` and ``lexical`` features.

    ``rows`` maps a passage id to its row.
    """
    found = {pid: Candidate(pid, rows[pid], {"dense": similarity, "lexical": 0.0})
             for pid, similarity in version.vectors.nearest(qvec, weights.candidates)}
    lexical = version.lexical.scores(words)
    if len(lexical) and lexical.max() > 0:
        top = np.argpartition(-lexical, min(weights.candidates, len(lexical) - 1))[:weights.candidates]
        top = top[lexical[top] > 0]
        similarities = version.vectors.similarity(qvec, top)  # words-only candidates get their cosine too
        for row, similarity in zip(top.tolist(), similarities.tolist(), strict=True):
            pid = int(version.ids[row])
            found.setdefault(pid, Candidate(pid, row, {"dense": similarity, "lexical": 0.0}))
        best = float(lexical.max())
        for c in found.values():  # and meaning-only candidates their BM25 score
            c.features["lexical"] = float(lexical[c.row]) / best
    for c in found.values():
        c.rescore(weights)
    return sorted(found.values(), key=lambda c: c.score, reverse=True)[:weights.rescore]
