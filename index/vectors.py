"""The FAISS inner-product index (vectors are normalised, so inner product is cosine)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# One question is one matrix-vector product: a single thread does it in about 2 ms, while FAISS's
# OpenMP threads, contending with the encoder's, took 7 ms (measured on the shared corpus, 2 cores).
faiss.omp_set_num_threads(1)


def build_vectors(ids: np.ndarray, matrix: np.ndarray) -> faiss.Index:
    """An exact index whose FAISS ids are the passages' SQLite ids."""
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(matrix.shape[1]))
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(matrix, dtype=np.float32), ids.astype(np.int64))
    return index


def save_vectors(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_vectors(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))


def nearest(index: faiss.Index, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` passage ids closest to the query vector, with cosine similarities."""
    if index.ntotal == 0:
        return []
    scores, ids = index.search(query.reshape(1, -1).astype(np.float32), min(k, index.ntotal))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
