"""The vector index of a version: its kind chosen by size, an approximate one agreeing with exact search,
and an index of the older layout refused until a reindex rebuilds it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from bot.service import Parley
from config import load_settings
from config.settings import DEFAULT_MODEL
from index.build import reindex
from index.search import OutdatedIndex, Searcher
from index.sources import load_sources
from index.vectors import APPROXIMATE_FROM, MATRIX_FILE, Vectors, choose_kind
from tests.conftest import FIXTURES
from tests.older_layout import older_layout_copy

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["How do I connect Parley to Slack?", "Which settings change the ranking?",
             "How is a crash during a reindex handled?", "What does the cross-encoder do?",
             "Where are the embeddings stored?", "How are typos in a question corrected?"]


def test_the_index_kind_follows_the_size_unless_forced():
    assert choose_kind(10_000) == "flat"
    assert choose_kind(APPROXIMATE_FROM - 1) == "flat"
    assert choose_kind(APPROXIMATE_FROM) == "hnsw"
    assert choose_kind(1_000_000) == "hnsw"
    assert choose_kind(50, "ivfpq") == "ivfpq"
    assert choose_kind(1_000_000, "flat") == "flat"
    with pytest.raises(ValueError, match="hnsw"):
        choose_kind(10, "annoy")


def real_sentences(limit: int) -> list[str]:
    """Sentences of the project's own documentation: real English, a few hundred of them."""
    text = " ".join(path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n\n+", text) if len(s.split()) >= 6]
    return list(dict.fromkeys(sentences))[:limit]


def test_an_approximate_index_finds_nearly_the_same_nearest_passages_as_exact_search(embedder, tmp_path):
    texts = real_sentences(240)
    matrix = embedder.encode(texts)
    ids = np.arange(1000, 1000 + len(texts), dtype=np.int64)  # passage ids are not row numbers
    exact = Vectors.build(ids, matrix, "flat")
    for kind in ("hnsw", "ivfpq"):
        folder = tmp_path / kind
        folder.mkdir()
        Vectors.build(ids, matrix, kind).save(folder)
        approximate = Vectors.load(folder, ids)
        assert approximate.kind == kind and exact.kind == "flat"
        assert approximate.matrix.dtype == np.float16 and isinstance(approximate.matrix, np.memmap)
        for question in QUESTIONS:
            query = embedder.encode_query(question)
            truth = exact.nearest(query, 5)
            found = [pid for pid, _ in approximate.nearest(query, 5)]
            # Approximate search may swap a near-tie at the edge, never the best passage or most of the five.
            assert found[0] == truth[0][0] and len(set(found) & {pid for pid, _ in truth}) >= 4
            best, similarity = truth[0]
            assert similarity == pytest.approx(float(matrix[best - 1000] @ query), abs=2e-3)  # float16 rows


def test_a_version_of_the_older_layout_is_refused_until_reindexed(indexed_dir, tmp_path):
    data_dir = tmp_path / "data"
    # As the previous Parley wrote it: no saved vectors beside the FAISS index, and its layout in the signature.
    older_layout_copy(indexed_dir, data_dir, "sentence-words-4-titles-1", MATRIX_FILE)
    with pytest.raises(OutdatedIndex, match="parley index"):
        Searcher(data_dir, rerank=False).ask("Who led the US delegation?")
    report = reindex(data_dir, load_sources(FIXTURES / "corpus" / "sources.toml"), DEFAULT_MODEL)
    assert report.new_version and report.passages_embedded == 0
    searcher = Searcher(data_dir, rerank=False)
    answer = searcher.ask("Who led the US delegation?")
    assert searcher.version().vectors.kind == "flat"
    assert "Sherman" in (answer.quotes or answer.closest)[0].text


def test_the_vector_index_setting_rebuilds_the_version_with_that_kind(settings, monkeypatch):
    monkeypatch.setenv("PARLEY_VECTOR_INDEX", "hnsw")
    parley = Parley(load_settings(data_dir=settings.data_dir, sources=settings.sources))
    report = parley.reindex_now("test")
    assert report.new_version and report.passages_embedded == 0
    searcher = Searcher(settings.data_dir, rerank=False)
    assert searcher.version().vectors.kind == "hnsw"
    answer = searcher.ask("Who led the US delegation?")
    assert "Sherman" in (answer.quotes or answer.closest)[0].text
    assert not parley.reindex_now("test").new_version  # the same kind asked again: nothing to rebuild
