"""Stage 2, sentence features: which sentence of each candidate answers, and how well.

A passage holding one sentence that answers beats one that is only vaguely on topic, so each
candidate's sentences are scored by the question's IDF-weighted words (partly counting a
neighbour's), by holding the kind of answer asked for (``answer_types``), and, for the leaders, by
the bi-encoder's similarity to the question.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from index.answer_types import CAPTION_ANSWERS, holds_answer
from index.query import Query
from index.ranking.candidates import Candidate
from index.ranking.weights import Weights

Held = list[tuple[tuple[int, int], set[int]]]  # a passage's sentences: (span, question word ids it holds)


class RankedSentence(NamedTuple):
    """One sentence of a candidate: ``rank`` orders them (coverage plus the answer-kind lift); ``order`` is its
    place in the passage. A named tuple: every candidate's every sentence is one, each question."""

    rank: float
    coverage: float
    holds: bool
    span: tuple[int, int]
    order: int


def read_sentences(candidates: list[Candidate], query: Query, lexical, sentence_words, passages: dict,
                   weights: Weights) -> None:
    """Set each candidate's passage, its sentences best first (all of them may answer, until ``speaker_feature``
    narrows them), focus and word features.

    Features: ``sentence_words`` and ``answer_kind`` of the best sentence (words most candidates share
    discounted), and ``words_held``, the best plain share of the question's words, which abstention weighs.
    """
    candidates[:] = [c for c in candidates if c.pid in passages]
    idf = {token: lexical.idf(token) for token in set(query.words)}
    plain = {lexical.vocabulary[token]: value for token, value in idf.items() if token in lexical.vocabulary}
    names = {lexical.vocabulary[name] for name in query.names if name in lexical.vocabulary}
    rows = [c.row for c in candidates]
    found = sentence_words.found(rows, set(plain))
    unheld = sum(value for token, value in idf.items() if token not in lexical.vocabulary)
    total = (sum(plain.values()) + unheld) or 1.0  # words no passage holds count against every sentence
    telling = discriminating(plain, found, weights.shared_word_discount)
    captions = sentence_words.captions_of(rows)
    shares = sentence_coverage(found, (telling, plain), total, weights.neighbour_share)
    for c, held, share, captioned in zip(candidates, found, shares, captions, strict=True):
        c.passage = passages[c.pid]
        c.sentences = c.answering = rank_sentences(c.passage.text, held, share[:, 0].tolist(), query, names,
                                                   captioned, weights)
        best = c.sentences[0]
        c.focus = best.span
        c.features.update(sentence_words=best.coverage, answer_kind=float(best.holds),
                          words_held=float(share[:, 1].max()))


Reading = Callable[[list[tuple[Candidate, RankedSentence]]], np.ndarray]  # sentences → their vectors


def reread_meaning(leaders: list[Candidate], qvec: np.ndarray, read: Reading, weights: Weights) -> None:
    """``sentence_meaning``: the bi-encoder similarity to the question of each leader's best sentences (their
    vectors by ``read``); the focus moves to the sentence best on meaning and words together."""
    owners = [(c, sentence) for c in leaders for sentence in c.answering[:weights.meaning_sentences]]
    if not owners:
        return
    vectors = read(owners)
    best: dict[int, float] = {}
    for (c, sentence), similarity in zip(owners, (vectors @ qvec).tolist(), strict=True):
        if similarity + sentence.rank > best.get(c.pid, -1.0):
            best[c.pid] = similarity + sentence.rank
            c.focus = sentence.span
            c.features["sentence_meaning"] = similarity


def rank_sentences(text: str, held: Held, coverages: list[float], query: Query, names: set[int],
                   captions: list[bool], weights: Weights) -> list[RankedSentence]:
    """Each sentence of a passage, best first, from its word ``coverages`` (``sentence_coverage``).

    The answer-kind lift goes only to sentences that share a word with the question and, when it names
    someone or something (``names``), that name one of them in themselves or the sentence before:
    "how did Ushakov describe the call?" is answered by a quote of Ushakov, not any quote. A photo caption
    keeps only ``caption_share`` of its coverage unless the question asks who or when: "Blinken greets
    Lavrov before their meeting, Friday, Jan. 21, 2022, in Geneva" holds the words of many questions and
    answers only those two.
    """
    scored = []
    discount = weights.caption_share if not CAPTION_ANSWERS.intersection(query.kinds) else 1.0
    for i, (coverage, ((start, end), _)) in enumerate(zip(coverages, held, strict=True)):
        if captions[i]:
            coverage *= discount
        named = not names or bool(names & held[i][1]) or (i > 0 and bool(names & held[i - 1][1]))
        holds = bool(coverage and named and holds_answer(text[start:end], query.kinds, query.text))
        scored.append(RankedSentence(coverage + (weights.answer_kind / weights.sentence_words
                                                 if holds and weights.sentence_words else 0.0),
                                     coverage, holds, (start, end), i))
    return sorted(scored, key=lambda s: (s.rank, s.coverage, s.span), reverse=True)


def discriminating(weights_by_word: dict[int, float], found: list[Held], discount: float) -> dict[int, float]:
    """The question words' IDF weights, less for words most candidates hold, for choosing sentences.

    The candidates were found for the question's topic, so the words they all share ("Blinken", "Lavrov",
    "Geneva") no longer tell them apart; the ones few hold do. A word's weight falls by ``discount`` × the
    share of candidates holding it, and the weight moves to the other words (the total is kept).
    """
    if not found:
        return weights_by_word
    held = Counter(word for sentences in found for word in set().union(*(words for _, words in sentences)))
    telling = {word: value * (1 - discount * held[word] / len(found)) for word, value in weights_by_word.items()}
    scale = sum(weights_by_word.values()) / (sum(telling.values()) or 1.0)
    return {word: value * scale for word, value in telling.items()}


def sentence_coverage(found: list[Held], tables: tuple[dict[int, float], ...], total: float,
                      neighbour_share: float) -> list[np.ndarray]:
    """For each passage, each sentence's share of the question's words weighted by each of ``tables`` (a
    column each), and a part of its better neighbour's: an answer often spans two sentences ("The council
    met in Brussels." "It sat for four hours."). One pass of array sums for every passage and table."""
    if not found:
        return []
    sizes = [len(held) for held in found]
    words = list(tables[0])
    column = {word: i for i, word in enumerate(words)}
    holds = np.zeros((sum(sizes), len(words)), dtype=bool)  # sentence × question word
    marks = [(i, column[word]) for i, (_, held) in enumerate(s for sentences in found for s in sentences)
             for word in held]
    if marks:
        holds[tuple(np.array(marks).T)] = True
    weights = np.array([[table[word] for table in tables] for word in words]).reshape(-1, len(tables))
    ends = np.cumsum(sizes)
    before = np.zeros((len(holds), len(tables)))
    before[1:] = (holds[:-1] & ~holds[1:]) @ weights
    before[ends[:-1]] = 0.0  # a passage's first sentence has no neighbour before it here
    after = np.zeros_like(before)
    after[:-1] = (holds[1:] & ~holds[:-1]) @ weights
    after[ends - 1] = 0.0  # nor its last one after it
    shares = (holds @ weights + neighbour_share * np.maximum(before, after)) / total
    return np.split(shares, ends[:-1])
