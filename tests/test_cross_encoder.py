"""The optional cross-encoder (PARLEY_RERANKER): the answer follows its order; a wrong model is refused."""

from __future__ import annotations

import logging

import pytest
import torch
from sentence_transformers import CrossEncoder

from config.settings import DEFAULT_MODEL
from index.cross_encoder import CrossEncoderReranker
from index.embed import ModelError, resolve_model
from index.ranking import Weights
from index.search import Searcher

QUESTION = "What did the NATO-Russia Council discuss in Brussels?"


@pytest.fixture(scope="module")
def cross_encoder_dir(tmp_path_factory):
    """A cross-encoder made of the embedding model and a seeded, untrained scoring head.

    No trained cross-encoder ships offline, so its order is arbitrary: but it is fixed and it
    differs from Parley's own, which is what a test of "the answer follows it" needs.
    """
    torch.manual_seed(7)
    model = CrossEncoder(resolve_model(DEFAULT_MODEL), num_labels=1, device="cpu")
    folder = tmp_path_factory.mktemp("cross-encoder")
    model.save(str(folder))
    return folder


def test_the_first_quote_is_the_one_the_cross_encoder_rates_best(indexed_dir, cross_encoder_dir, monkeypatch):
    searcher = Searcher(indexed_dir, reranker=str(cross_encoder_dir))
    reranker = searcher.ranker().cross_encoder
    assert isinstance(reranker, CrossEncoderReranker)
    calls = []
    real_scores = reranker.scores

    def recorded(question, texts):
        scores = real_scores(question, texts)
        calls.append((question, texts, scores))
        return scores

    monkeypatch.setattr(reranker, "scores", recorded)
    answer = searcher.ask(QUESTION, k=3)
    question, texts, scores = calls[-1]
    assert question == QUESTION and 1 < len(texts) <= Weights().cross_encode_top
    best, first = texts[int(scores.argmax())], answer.quotes[0]
    assert best.startswith(f"{first.title}. ")  # each candidate is read as its title, then the quote's heart
    assert best.removeprefix(f"{first.title}. ") in first.text
    plain = Searcher(indexed_dir).ask(QUESTION, k=3)
    assert plain.quotes[0].url != first.url  # this seed's head disagrees with Parley's own order


def test_the_cross_encoder_never_decides_what_is_covered(indexed_dir, cross_encoder_dir):
    searcher = Searcher(indexed_dir, reranker=str(cross_encoder_dir))
    assert not searcher.ask("How long should I boil an egg for a runny yolk?").answered
    assert searcher.ask(QUESTION).answered


def test_an_embedding_model_is_refused_as_a_cross_encoder_and_answers_go_on(indexed_dir, caplog):
    with pytest.raises(ModelError, match="PARLEY_RERANKER.*not a cross-encoder"):
        CrossEncoderReranker(DEFAULT_MODEL)  # it would load, with a random head: noise, not an order
    with caplog.at_level(logging.WARNING):
        searcher = Searcher(indexed_dir, reranker=DEFAULT_MODEL)
        assert searcher.ranker().cross_encoder is None
        assert searcher.ask(QUESTION).answered
    assert any(record.message.startswith("cross-encoder unusable") for record in caplog.records)
