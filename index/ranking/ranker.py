"""The ranker: runs the stages in order over one index version.

0. The question is read (``query``), its typos first corrected to words the sources use (``spelling``).
1. ``candidates``: BM25 and FAISS candidates, fused.
2. ``sentence_features``: each candidate's answering sentence and its word features (``speaker_feature``: the
   sentences of a speaker the question names first); then the leaders' sentences reread by the bi-encoder
   (when reranking).
3. ``priors``: dates, outlets and "latest" named by the question count before the leaders are chosen;
   topic, title and primary source after: the passages' own evidence picks the leaders, these only reorder.
4. ``dedup``: copies merged; then the cross-encoder's relevance is added to the leading distinct candidates,
   which it reorders among themselves; then at most two quotes an article.
5. ``abstention``: "not covered", with its reason and the closest headlines, decided on that final order
   (the cross-encoder's relevance is part of its evidence).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

import numpy as np

from index.cross_encoder import CrossEncoderReranker
from index.embed import Embedder, OnnxEmbedder
from index.lexical import tokenize
from index.query import Query, parse_query
from index.quotes import MAX_QUOTE_CHARS, Answer, Quote, QuoteSpeaker, Refusal, window
from index.ranking import abstention, dedup, priors, sentence_features, speaker_feature
from index.ranking.candidates import Candidate, gather
from index.ranking.weights import Weights, load_weights
from index.sentence_vectors import ENCODE_BATCH, SentenceVectors, sentence_text
from index.sentence_words import SentenceWords
from index.store import StoredPassage

CROSS_ENCODE_CHARS = 300  # of whole sentences around the answering one, after the title
DEDUPLICATED_PASSAGES = 4096  # passages whose shingles are kept between questions
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def squash(name: str) -> str:
    """A name reduced to letters and digits: 'The White House' and 'whitehouse.gov' compare equal."""
    name = name.lower().removeprefix("the ").removeprefix("www.")
    name = re.sub(r"\.(com|org|net|gov|co\.uk|co|uk|ru|int)$", "", name)
    return _NON_ALNUM.sub("", name)


class Ranker:
    """Answers questions from one index version; built once per version (its lookups are cached)."""

    def __init__(self, version, store, encoder: Embedder | OnnxEmbedder,
                 cross_encoder: CrossEncoderReranker | None = None, topic: str = "", weights: Weights | None = None,
                 reader: OnnxEmbedder | None = None, sentence_vectors: SentenceVectors | None = None) -> None:
        self.version = version
        self.store = store
        self.encoder = encoder  # the passages' model or its ONNX copy: questions and topic
        self.reader = reader or encoder  # the bi-encoder that rereads the leaders' sentences (``sentence_reader``)
        self.sentence_vectors = sentence_vectors  # the reader's vectors of every sentence; None: read per question
        weights = weights or load_weights()
        if self.reader is encoder:  # the floors are fitted to the sentence model's similarities, higher than these
            weights = replace(weights, abstain_below=weights.abstain_below_encoder,
                              abstain_meaning_below=weights.abstain_meaning_below_encoder)
        self.weights = weights
        self.cross_encoder = cross_encoder
        names = store.outlet_names()
        self.outlets = {squash(name): outlet for name, outlet in names.items()}
        self.primary = store.primary_sources()
        self._has_topic = bool(topic)
        first, last = store.published_range()
        self.coverage = abstention.Coverage(version.lexical.passages_with,
                                            {token for name in (*names, *names.values()) for token in tokenize(name)},
                                            first, last)
        self._rows = {int(pid): row for row, pid in enumerate(version.ids.tolist())}
        # The topic's vector, once per version; each candidate's similarity to it is taken from its row.
        self._topic = self.encoder.encode_query(topic) if topic else None
        self._sentences: SentenceWords = version.sentences
        self._shingles = lru_cache(maxsize=DEDUPLICATED_PASSAGES)(dedup.shingles)

    def answer(self, question: str, k: int = 3, rerank: bool = True) -> Answer:
        """The ``k`` best quotes, or "not covered" with its reason and the closest headlines."""
        query = self.read(question)
        if not query.text:
            return Answer(question, False)
        ranked = self.leading(query, rerank)
        refused = abstention.refusal(query, ranked, self.coverage, self.weights)
        quotes: list[Quote] = []
        for c in ranked:
            quote = self._quote(c, query)
            if not any(dedup.overlap(quote, kept) for kept in quotes):
                quotes.append(quote)
            if len(quotes) == max(k, 3):
                break
        if not quotes or refused:
            return Answer(question, False, [], [replace(q, highlight=None, speaker=None) for q in quotes[:3]],
                          refused or Refusal("nothing-found"))
        return Answer(question, True, quotes[:k])

    def read(self, question: str) -> Query:
        """The question as retrieval reads it (typos corrected, dates, outlets, names)."""
        lexical = self.version.lexical
        return parse_query(question, self.coverage.last, self.outlets, lexical.passages_with,
                           lambda token: self._sentences.is_name(lexical.vocabulary.get(token, -1)))

    def rank(self, query: Query, rerank: bool = True) -> list[Candidate]:
        """Stages 1–3: the candidates with their features, best score first (no cross-encoder yet)."""
        w = self.weights
        lexical = self.version.lexical
        qvec = self.encoder.encode_query(query.text)  # per call: one Ranker serves concurrent questions
        candidates = gather(self.version, self._rows, query.words, qvec, w)
        passages = self.store.passages_by_id([c.pid for c in candidates])
        sentence_features.read_sentences(candidates, query, lexical, self._sentences, passages, w)
        if w.speaker:
            speaker_feature.prefer_spoken(candidates, query, self.version.speakers, w)
        for c in candidates:
            priors.question_priors(c, query, self.coverage.last)
            c.rescore(w)
        if rerank:
            leaders = sorted(candidates, key=lambda c: c.score, reverse=True)[:w.leaders]
            self.reread(leaders, query, qvec)
        rows = [c.row for c in candidates]
        titled = self.version.titles.similarity(qvec, rows)
        topics = (self.version.vectors.similarity(self._topic, rows) if self._topic is not None
                  else np.zeros(len(rows), dtype=np.float32))
        for c, topical, title in zip(candidates, topics.tolist(), titled.tolist(), strict=True):
            priors.source_priors(c, topical, title, self.primary, self._has_topic, w)
            c.rescore(w)
        return sorted(candidates, key=lambda c: c.score, reverse=True)

    def reread(self, leaders: list[Candidate], query: Query, qvec: np.ndarray) -> None:
        """``sentence_meaning`` of the leaders, by the sentence reader (the question encoded by it too)."""
        if self.reader is not self.encoder:
            qvec = self.reader.encode_query(query.text)
        sentence_features.reread_meaning(leaders, qvec, self._vectors_of, self.weights)

    def _vectors_of(self, owners: list[tuple[Candidate, sentence_features.RankedSentence]]) -> np.ndarray:
        """The reader's vectors of these candidates' sentences: stored with the version, or encoded now."""
        if self.sentence_vectors is not None:
            first = self._sentences.first
            return self.sentence_vectors.of([int(first[c.row]) + s.order for c, s in owners])
        return self.reader.encode([sentence_text(c.passage.text, s.span) for c, s in owners],
                                  batch_size=ENCODE_BATCH)

    def leading(self, query: Query, rerank: bool = True) -> list[Candidate]:
        """Stages 1–4 and the cross-encoder: the distinct leading candidates in their final order."""
        ranked = dedup.deduplicate(self.rank(query, rerank), self.weights, self._shingles)
        if rerank and self.cross_encoder is not None and self.weights.cross_encoder:
            top = self.weights.cross_encode_top
            self.cross_encode(query.text, ranked[:top])
            ranked[:top] = sorted(ranked[:top], key=lambda c: c.score, reverse=True)
        return dedup.per_article(ranked, self.weights.quotes_per_article)

    def cross_encode(self, question: str, leaders: list[Candidate]) -> None:
        """``cross_encoder``: the cross-encoder's relevance of each leader (its logit, clipped to ±10, over 10),
        read as its title and the sentences around its answering one, the heart of the quote it would give."""
        texts = []
        for c in leaders:
            start, end = window(c.passage.text, c.focus, CROSS_ENCODE_CHARS)
            texts.append(f"{c.passage.title}. {c.passage.text[start:end]}")
        for c, logit in zip(leaders, self.cross_encoder.scores(question, texts).tolist(), strict=True):
            c.features["cross_encoder"] = max(-10.0, min(10.0, logit)) / 10
            c.rescore(self.weights)

    def _quote(self, c: Candidate, query: Query) -> Quote:
        """The answering sentence with whole sentences of context from the article, ≤ 600 chars, grown toward
        the neighbour holding more of the question's words (read from the article, past the passage's ends)."""
        p: StoredPassage = c.passage
        article = self.store.article_text(p.doc_id, p.content_hash)
        if article[p.start:p.end] == p.text:
            text, offset = article, p.start
        else:  # its revision is gone (a store migrated while an older version served): the passage alone
            text, offset = p.text, 0
        focus = (c.focus[0] + offset, c.focus[1] + offset)
        words = set(query.words)
        start, end = window(text, focus, MAX_QUOTE_CHARS, lambda sentence: len(words.intersection(tokenize(sentence))))
        spoken = self.version.speakers.at(c.row, c.focus)
        return Quote(text[start:end], p.url, p.title, p.outlet, p.published, c.score,
                     (max(0, focus[0] - start), min(end, focus[1]) - start), p.doc_id, p.id, tuple(c.also),
                     dict(c.features), c.contributions(self.weights),
                     QuoteSpeaker(spoken.speaker, spoken.role, spoken.kind) if spoken else None)
