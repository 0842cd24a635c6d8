"""An optional cross-encoder that reorders the leading candidates (``PARLEY_RERANKER``).

A cross-encoder reads the question and a passage together, so it tells "Lavrov called the
concerns blatant lies" from "Lavrov met Blinken" far better than a bi-encoder's two separate
vectors. None ships inside a PyPI package, so none is on by default; users with internet (or a
downloaded folder) name one, e.g. ``cross-encoder/ms-marco-MiniLM-L-6-v2``. It only reorders:
which questions are "not covered" stays decided by the calibrated rules of ``ranking``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from index.embed import ModelError, load_model

log = logging.getLogger(__name__)


class CrossEncoderReranker:
    """Scores (question, text) pairs with a sentence-transformers ``CrossEncoder``; higher is better."""

    def __init__(self, name: str) -> None:
        self.name = name

        def build(location: str):
            from sentence_transformers import CrossEncoder

            return CrossEncoder(location, device="cpu", max_length=256)

        self._model = load_model(name, build, "PARLEY_RERANKER", "cross-encoder")
        architectures = self._model.model.config.architectures or []
        if not any(kind.endswith("ForSequenceClassification") for kind in architectures):
            # An embedding model loads too, with a randomly initialised head: its order would be noise.
            raise ModelError(f"setting PARLEY_RERANKER: {name!r} is not a cross-encoder "
                             f"(it has no trained classification head: {', '.join(architectures) or 'none'})")
        self._lock = threading.Lock()

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """One relevance score per text, in order."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.predict([(question, text) for text in texts], batch_size=32,
                                                  show_progress_bar=False), dtype=np.float32).reshape(len(texts))


@lru_cache(maxsize=2)
def load_cross_encoder(name: str) -> CrossEncoderReranker | None:
    """The process-wide cross-encoder for ``name``, or None (with a warning) when it cannot be used.

    A reranker that fails to load must not stop answering: the built-in rescoring still runs.
    """
    try:
        return CrossEncoderReranker(name)
    except ModelError as exc:
        log.warning("cross-encoder unusable, answering without it", extra={"reranker": name, "reason": str(exc)})
        return None
