"""An optional cross-encoder that reorders the leading candidates (``PARLEY_RERANKER``).

A cross-encoder reads the question and a passage together, so it tells "Lavrov called the
concerns blatant lies" from "Lavrov met Blinken" far better than a bi-encoder's two separate
vectors. None ships inside a PyPI package, so none is on by default; users with internet (or a
downloaded folder) name one, e.g. ``cross-encoder/ms-marco-MiniLM-L-6-v2``. It only reorders:
which questions are "not covered" stays decided by the calibrated rules of ``ranking``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.embed import ModelError, resolve_model

log = logging.getLogger(__name__)


class CrossEncoderReranker:
    """Scores (question, text) pairs with a sentence-transformers ``CrossEncoder``; higher is better."""

    def __init__(self, name: str) -> None:
        self.name = name
        location = resolve_model(name)
        if Path(location).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import CrossEncoder
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
            self._model = CrossEncoder(location, device="cpu", max_length=256)
        except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear line
            raise ModelError(f"setting PARLEY_RERANKER: could not load cross-encoder {name!r}: "
                             f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
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
