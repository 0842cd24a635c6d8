"""Answering a question: hybrid retrieval, rescoring, quote selection, abstention.

The searcher follows the served version: before each question it checks ``CURRENT`` and
loads a new version when a reindex switched it, so a long-running bot never restarts to see
new material and never sees half of a reindex.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.cross_encoder import load_cross_encoder
from index.embed import load_served_encoder, serving_encoder
from index.quotes import Answer
from index.ranking import Ranker, Weights
from index.sentence_reader import DEFAULT_SENTENCE_MODEL, load_sentence_reader
from index.store import Store
from index.versions import IndexVersion, built_by_older_rules, current_name, load_version, served_manifest

if TYPE_CHECKING:
    from config.settings import Settings


class NotIndexed(Exception):
    """Nothing has been indexed yet in this data directory."""


class OutdatedIndex(NotIndexed):
    """The served version was built by an older Parley; a reindex rebuilds it without embedding again."""


class Searcher:
    """Answers questions from the current index version of one data directory."""

    def __init__(self, data_dir: Path, rerank: bool = True, query_model: str = "auto", reranker: str = "",
                 topic: str = "", weights: Weights | None = None, sentence_model: str = DEFAULT_SENTENCE_MODEL,
                 sentence_vectors: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.store = Store(self.data_dir / "parley.sqlite3")
        self.rerank = rerank
        self.query_model = query_model
        self.reranker = reranker  # a cross-encoder's name or folder; "" for none
        self.topic = topic  # what the sources are about: ambiguous questions lean to it; "" for no lean
        self.weights = weights  # the ranking's table; None for the fitted one that ships
        self.sentence_model = sentence_model  # what rereads the leaders' sentences; "" for the question encoder
        self.sentence_vectors = sentence_vectors  # look the sentences' vectors up where stored; False: encode them
        self._version: IndexVersion | None = None
        self._ranker: Ranker | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Searcher:
        """The searcher the settings describe, as the bot serves it; ``overrides`` are what a benchmark varies
        (``weights``, ``rerank``, …), so everything else it measures is what is served."""
        served = {"data_dir": settings.data_dir, "rerank": settings.rerank, "query_model": settings.query_model,
                  "reranker": settings.reranker, "topic": settings.topic, "sentence_model": settings.sentence_model,
                  "sentence_vectors": settings.sentence_vectors}
        return cls(**{**served, **overrides})

    def version(self) -> IndexVersion:
        """The served version, reloaded when ``CURRENT`` has moved on."""
        name = current_name(self.data_dir)
        if name is None:
            raise NotIndexed(f"nothing is indexed in {self.data_dir} yet: run `parley index` first")
        with self._lock:
            if self._version is None or self._version.name != name:
                # Questions are read with today's word rules and files: a version with older ones, or missing
                # one of today's, is rebuilt by a reindex.
                try:
                    older = built_by_older_rules(served_manifest(self.data_dir, name) or {})
                    version = None if older else load_version(self.data_dir, name)
                except FileNotFoundError:
                    version = None
                if version is None:
                    raise OutdatedIndex(f"the index in {self.data_dir} was built by an older Parley: run "
                                        "`parley index` to rebuild it (passages are not embedded again)")
                self._version = version
                self._ranker = None
            return self._version

    def ranker(self) -> Ranker:
        """The ranker of the served version (built once per version: it caches outlets and dates).

        The first time, its encoder is loaded before the version's indexes: loading a model peaks in
        memory, and the indexes then reuse what it freed instead of adding to the peak.
        """
        if self._ranker is None:
            load_served_encoder(self.data_dir, self.query_model, self.rerank)
        version = self.version()
        with self._lock:
            if self._ranker is None or self._ranker.version is not version:
                # The questions' encoder is the model's ONNX copy where there is one, so serving never loads
                # PyTorch; reranking's sentences are reread by the sentence model, or by it when there is none.
                encoder = serving_encoder(version.manifest, self.query_model, self.rerank)
                cross_encoder = load_cross_encoder(self.reranker) if self.rerank and self.reranker else None
                reader = load_sentence_reader(self.sentence_model) if self.rerank and self.sentence_model else None
                stored = version.sentence_vectors  # the reader's own vectors, or it rereads per question
                if not self.sentence_vectors or reader is None or stored is None or stored.model != self.sentence_model:
                    stored = None
                self._ranker = Ranker(version, self.store, encoder, cross_encoder, self.topic, self.weights, reader,
                                      stored)
            return self._ranker

    def ask(self, question: str, k: int = 3) -> Answer:
        """The ``k`` best quotes for ``question``, or ``answered=False`` with the closest headlines."""
        return self.ranker().answer(question, k=k, rerank=self.rerank)
