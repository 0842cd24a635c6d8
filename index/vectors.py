"""Passage vectors: a FAISS index that finds the nearest rows, and the vectors themselves for the ranker.

Vectors are normalised, so inner product is cosine. Below ``APPROXIMATE_FROM`` passages the index is
exact (flat) over the float16 vectors the ranker reads (half the memory a float32 scan reads); from there
on it is approximate: HNSW over 8-bit codes (a graph walk reads a few thousand passages, not all), or,
where memory is shorter than time, IVF-PQ (a few bytes a passage). An approximate index's candidates
are rescored exactly. The vectors are saved beside it in row order as float16 ``.npy``, memory-mapped
when served: the ranker reads only its candidates' rows, and no index has to hold them.
FAISS ids are row numbers; ``Vectors.nearest`` turns them into passage ids.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

# One question is one matrix-vector product: a single thread does it sooner than FAISS's OpenMP threads,
# which contend with the encoder's.
faiss.omp_set_num_threads(1)

KINDS = ("flat", "hnsw", "ivfpq")
APPROXIMATE_FROM = 100_000  # passages: from here on an exact search costs more than an approximate one loses
INDEX_FILE = "vectors.faiss"
MATRIX_FILE = "vectors.npy"
HNSW_LINKS = 32  # neighbours of each node of the HNSW graph
HNSW_SEARCH = 256  # nodes an HNSW search keeps in view (at least the number of rows it returns)
PQ_BYTES = 48  # bytes a passage's IVF-PQ code takes (8 dimensions a byte for the 384 of the default model)
LISTS_PER_ROOT = 2  # IVF lists per square root of the passages: fewer train faster, more read less
PROBES = 32  # IVF lists a question reads
TRAIN_PER_LIST = 40  # training vectors per IVF list (FAISS asks for at least 39)
TRAIN_MAX = 100_000  # vectors an 8-bit code book is trained on
REFINE = {"flat": 1, "hnsw": 2, "ivfpq": 8}  # an index fetches this many times ``k`` rows, rescored to keep ``k``
ADD_BLOCK = 65_536  # rows converted to float32 at a time while an index is filled


def choose_kind(passages: int, requested: str = "auto") -> str:
    """The index kind for a version of ``passages`` passages: ``requested``, or by size for "auto"."""
    if requested == "auto":
        return "flat" if passages < APPROXIMATE_FROM else "hnsw"
    if requested not in KINDS:
        raise ValueError(f"unknown vector index {requested!r}: choose auto, {', '.join(KINDS)}")
    return requested


def build_index(matrix: np.ndarray, kind: str) -> faiss.Index:
    """A FAISS index of ``matrix``'s rows (float32, normalised) whose ids are the row numbers."""
    dim = matrix.shape[1]
    if kind == "flat":
        index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    elif kind == "hnsw":
        index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = HNSW_SEARCH
        index.train(_sample(matrix, TRAIN_MAX))
    else:
        lists = max(1, int(LISTS_PER_ROOT * np.sqrt(len(matrix))))
        bits = int(min(8, max(1, np.log2(len(matrix) / 4))))  # a code book needs more vectors than codes
        index = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, lists, _subquantizers(dim), bits,
                                 faiss.METRIC_INNER_PRODUCT)
        index.nprobe = min(lists, PROBES)
        with _all_cores():
            index.train(_sample(matrix, lists * TRAIN_PER_LIST))
    with _all_cores():
        for start in range(0, len(matrix), ADD_BLOCK):
            index.add(np.ascontiguousarray(matrix[start:start + ADD_BLOCK], dtype=np.float32))
    return index


def _sample(matrix: np.ndarray, size: int) -> np.ndarray:
    """Up to ``size`` rows of ``matrix`` drawn at random (the same ones every time), as float32."""
    rows = np.random.default_rng(0).choice(len(matrix), min(len(matrix), size), replace=False)
    return np.ascontiguousarray(matrix[np.sort(rows)], dtype=np.float32)


@contextmanager
def _all_cores() -> Iterator[None]:
    """Build with every core, then go back to one thread for questions."""
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


def _subquantizers(dim: int) -> int:
    """The largest count up to ``PQ_BYTES`` that divides ``dim`` (PQ splits a vector evenly)."""
    return next(m for m in range(min(PQ_BYTES, dim), 0, -1) if dim % m == 0)


@dataclass(frozen=True)
class Vectors:
    """A version's vectors: ``matrix`` (float16, row order) and ``index`` over its rows; ``ids`` are the rows'
    passage ids."""

    kind: str
    index: faiss.Index
    matrix: np.ndarray
    ids: np.ndarray

    @property
    def ntotal(self) -> int:
        return len(self.ids)

    def similarity(self, query: np.ndarray, rows: np.ndarray | list[int]) -> np.ndarray:
        """The exact cosine of ``query`` with each row of ``rows`` (float32)."""
        return self.matrix[np.asarray(rows, dtype=np.int64)].astype(np.float32) @ query.astype(np.float32)

    def nearest(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` passage ids closest to ``query``, best first, with their exact cosine similarities."""
        if self.ntotal == 0 or k <= 0:
            return []
        wanted = min(k * REFINE[self.kind], self.ntotal)
        _, found = self.index.search(query.reshape(1, -1).astype(np.float32), wanted)
        rows = found[0][found[0] >= 0]
        similarities = self.similarity(query, rows)
        best = np.argsort(-similarities, kind="stable")[:k]
        return [(int(self.ids[row]), float(s)) for row, s in zip(rows[best], similarities[best], strict=True)]

    def save(self, folder: Path) -> None:
        faiss.write_index(self.index, str(folder / INDEX_FILE))
        np.save(folder / MATRIX_FILE, self.matrix)

    @classmethod
    def build(cls, ids: np.ndarray, matrix: np.ndarray, kind: str = "auto") -> Vectors:
        """Index ``matrix`` (row ``r`` the vector of passage ``ids[r]``) with the kind its size calls for."""
        kind = choose_kind(len(ids), kind)
        return cls(kind, build_index(matrix, kind), matrix.astype(np.float16), ids.astype(np.int64))

    @classmethod
    def load(cls, folder: Path, ids: np.ndarray) -> Vectors:
        """The saved vectors, memory-mapped, and their index."""
        index = faiss.read_index(str(folder / INDEX_FILE))
        typed = faiss.downcast_index(index)  # a view of ``index``, which must outlive it
        kind = next(kind for kind, type_ in _TYPES.items() if isinstance(typed, type_))
        if kind == "hnsw":
            typed.hnsw.efSearch = HNSW_SEARCH
        return cls(kind, index, np.load(folder / MATRIX_FILE, mmap_mode="r"), ids)


_TYPES = {"flat": faiss.IndexScalarQuantizer, "hnsw": faiss.IndexHNSW, "ivfpq": faiss.IndexIVFPQ}

