"""Ranking: a question's quotes from one index version, in stages, each a module with plain inputs and outputs.

``candidates`` (BM25 + FAISS) → ``sentence_features`` (the answering sentence, its words and meaning) →
``priors`` (dates, outlets, topic, titles, primary sources) → ``dedup`` (copies, per-article cap) →
``abstention`` ("not covered" and why), run in order by ``ranker``. A candidate's score is
Σ weight × feature over the table in ``weights`` (values, and how they were chosen, in ``weights.json``).
"""

from index.ranking.ranker import Ranker
from index.ranking.weights import FEATURES, Weights, load_weights

__all__ = ["FEATURES", "Ranker", "Weights", "load_weights"]
