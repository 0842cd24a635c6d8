"""The sentence model's vector of every sentence of a version, computed when the version is written.

Reranking compares the question with the best sentences of its candidates (``sentence_meaning``).
Encoding them for each question took most of an answer's time; stored, they are a lookup. Each passage's
vectors are kept in the store with the spans they were read from, so a reindex encodes only new passages
(or ones the sentence rules now split otherwise), and a crash keeps what was encoded. A version saves them
in its sentences' row order (``SentenceWords``) as float16, memory-mapped when served.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from index.embed import OnnxEmbedder
    from index.sentences import Spans
    from index.store import Store

FILE = "sentence_vectors.npy"
READ_CHARS = 400  # of a sentence the model reads: a longer one is a list or a table, not one statement
#: Sentences a call: one, as the question is. The int8 model quantizes its activations per call, so in a batch
#: a sentence's vector would depend on the sentences beside it; alone it is the same in every reindex and reread.
ENCODE_BATCH = 1
STORE_BATCH = 256  # passages encoded and committed together


@dataclass(frozen=True)
class SentenceVectors:
    """Sentence ``s``'s vector by the sentence model ``model`` is ``matrix[s]`` (rows as ``SentenceWords``)."""

    model: str
    matrix: np.ndarray  # float16, (sentences, dim)

    def of(self, sentences: Sequence[int]) -> np.ndarray:
        """The vectors of these sentences, as float32 rows."""
        return np.asarray(self.matrix[np.asarray(sentences, dtype=np.int64)], dtype=np.float32)

    def save(self, folder: Path) -> None:
        np.save(folder / FILE, self.matrix.astype(np.float16))

    @classmethod
    def load(cls, folder: Path, model: str) -> SentenceVectors | None:
        """The vectors a version saved (memory-mapped), or None when it was written without a sentence model."""
        path = folder / FILE
        return cls(model, np.load(path, mmap_mode="r")) if model and path.exists() else None


def sentence_text(passage: str, span: tuple[int, int]) -> str:
    """What the sentence model reads of one sentence, here and when a question rereads it live."""
    return passage[span[0]:span[1]][:READ_CHARS]


def embed_sentences(store: Store, model: str, reader: OnnxEmbedder, ids: list[int], passages: list[str],
                    spans: list[Spans], started: Callable[[int], None],
                    progress: Callable[[int], None]) -> SentenceVectors:
    """Every sentence's vector for the passages ``ids`` (texts ``passages``, sentences ``spans``: the version's,
    ``sentences.passage_sentences``), encoding only those the store lacks for these spans; ``started``
    hears how many sentences will be encoded and ``progress`` each batch."""
    keys = [json.dumps(found) for found in spans]
    kept = store.sentence_vectors(model, ids)
    todo = [row for row, pid in enumerate(ids) if kept.get(pid, ("",))[0] != keys[row]]
    started(sum(len(spans[row]) for row in todo))
    for at in range(0, len(todo), STORE_BATCH):
        rows = todo[at:at + STORE_BATCH]
        vectors = reader.encode([sentence_text(passages[row], span) for row in rows for span in spans[row]],
                                batch_size=ENCODE_BATCH, progress=progress).astype(np.float16)
        saved, offset = [], 0
        for row in rows:
            count = len(spans[row])
            saved.append((ids[row], keys[row], vectors[offset:offset + count].tobytes()))
            offset += count
        store.save_sentence_vectors(model, saved)
        kept.update((pid, (key, blob)) for pid, key, blob in saved)
    matrix = np.frombuffer(b"".join(kept[pid][1] for pid in ids), dtype=np.float16).reshape(-1, reader.dim)
    return SentenceVectors(model, matrix)
