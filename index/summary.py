"""The latest summary: a few verbatim sentences that say what the newest coverage of the topic is.

It is extractive on purpose, so it can never say anything a source did not write:

1. **Window.** ``24h``, ``3d``, ``2w`` or a date, relative to now (or to ``--until``); an
   ``until`` date includes that whole day.
2. **Topic.** An article counts when its best passage is close enough to the topic. The
   passage vectors ``model`` stored at index time are reused, so only the topic is embedded here,
   by ``embedder``: that model or its ONNX copy (which serving uses, so it never loads PyTorch).
3. **Candidates.** The opening sentences (Lead-3) of the on-topic articles: news puts the point
   first. Datelines, fragments and sentences cut inside a quotation are skipped.
4. **Centrality.** Topic-biased LexRank over the candidates' embeddings: a sentence that other
   outlets' openings also say, and that is about the topic, ranks high. Links inside one
   article are ignored, so only other coverage counts as support.
5. **Syndication.** Near-identical sentences (one story run by several outlets, by meaning or
   by shared words) become one bullet, the earliest copy, whose ``also`` names the other outlets.
6. **Diversity.** Maximal marginal relevance picks 4–6 bullets, refusing any that says what a
   chosen one says; each is checked to be an exact slice of its stored article, then dated and
   shown in date order.

When the window holds no coverage of the topic (an archive read long after the fact) the
newest window of the same length that has coverage (on-topic articles from several outlets) is
summarised instead, and the result says so.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations

import numpy as np

from index.articles import parse_published
from index.embed import Embedder, OnnxEmbedder
from index.quotes import Quote
from index.sentences import sentence_spans
from index.store import Store

DEFAULT_SINCE = "24h"
TOPIC_MIN_SIMILARITY = 0.45    # best passage vs topic: coverage of the talks scores above it, markets news below
SENTENCE_MIN_SIMILARITY = 0.2  # a candidate sentence must still be about the topic, not boilerplate
MAX_ARTICLES = 40              # the most on-topic articles of the window: a summary reads at most 120 sentences
LEAD_SENTENCES = 3
LEAD_SCAN = 6                  # how far into an article to look for three sentences that read as sentences
POSITION_PRIOR = (1.0, 0.8, 0.6)
MIN_WORDS, MAX_WORDS = 8, 70
SYNDICATED_SIMILARITY = 0.9    # the same sentence, lightly edited by another outlet
REDUNDANT_SIMILARITY = 0.75    # a bullet this close to a chosen one says the same thing
MMR_LAMBDA = 0.5               # relevance and novelty weigh the same when picking
DAMPING = 0.5                  # half the walk follows similarity, half restarts at on-topic leads (biased LexRank)
MIN_BULLETS, MAX_BULLETS = 4, 6
STOP_BELOW = 0.2               # past MIN_BULLETS, stop when the next pick is this weak relative to the best
SQL_MARGIN = timedelta(days=1)  # stored times keep their own UTC offsets, so SQL bounds are padded

_SPAN = re.compile(r"^\s*(\d{1,5})\s*([hdw])\s*$", re.IGNORECASE)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*$")
_WORD = re.compile(r"\S+")
_TOKEN = re.compile(r"\w+")
# "Moscow — ", "(CNN) -- ", "KYIV -- ": a place or wire tag that says nothing about the story.
_DATELINE = re.compile(r"^(?:\([A-Z][\w .]{0,20}\)\s*(?:--|—|–)?\s*|[^\W\d][^\s—–]*(?:\s[^\s—–]+){0,3}\s(?:--|—|–)\s+)")
# Words that point back to an earlier sentence: a bullet opening with one does not stand alone.
_LEANS_BACK = {"but", "and", "or", "so", "yet", "also", "however", "he", "she", "they", "it", "its", "his", "her",
               "their", "this", "that", "these", "those"}


class WindowError(ValueError):
    """A ``--since``/``--until`` value that cannot be read, or a window that ends before it starts."""

    def __init__(self, option: str, value: str) -> None:
        super().__init__(f"{option}: {value!r}")
        self.option = option
        self.value = value


@dataclass(frozen=True)
class Window:
    """``[since, until)`` in UTC; ``last`` is the final moment inside it, as people read an end date."""

    since: datetime
    until: datetime

    @property
    def length(self) -> timedelta:
        return self.until - self.since

    @property
    def last(self) -> datetime:
        return self.until - timedelta(seconds=1)

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.since <= moment < self.until


@dataclass(frozen=True)
class Summary:
    """The bullets (date order) and the window they cover, which differs from ``asked`` on fallback."""

    asked: Window
    shown: Window
    bullets: list[Quote] = field(default_factory=list)

    @property
    def fell_back(self) -> bool:
        return self.shown != self.asked


@dataclass(eq=False)
class _Candidate:
    """One opening sentence: where it sits in its article and how it scores (compared by identity)."""

    index: int
    doc_id: str
    start: int
    end: int
    text: str
    position: int
    row: dict
    topic: float = 0.0
    centrality: float = 0.0
    members: list[_Candidate] = field(default_factory=list)


def parse_window(since: str | None, until: str | None, now: datetime | None = None) -> Window:
    """Read ``--since`` (a span back or a date) and ``--until`` (a date, inclusive) as a UTC window.

    A span counts back from ``until`` when one is given, else from now, so
    ``--since 3d --until 2022-01-14`` covers 12–14 January.
    """
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    end = _parse_until(until) if until and until.strip() else now
    text = (since or DEFAULT_SINCE).strip()
    span = _SPAN.match(text)
    if span:
        try:
            start = end - timedelta(**{_UNITS[span.group(2).lower()]: int(span.group(1))})
        except OverflowError:
            raise WindowError("since", text) from None
    else:
        start = _parse_moment(text, "since")
    if start >= end:
        raise WindowError("order", text)
    return Window(start, end)


def _parse_until(text: str) -> datetime:
    """A date ends at the next midnight (the whole day is in); a timestamp ends where it says."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return _parse_moment(text, "until")
    return datetime.combine(day + timedelta(days=1), time(), UTC)


def _parse_moment(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise WindowError(option, text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def summarize(store: Store, model: str, embedder: Embedder | OnnxEmbedder, topic: str, asked: Window) -> Summary:
    """The latest summary of ``topic`` in ``asked``, or in the newest window with coverage, from the passages
    ``model`` embedded; ``embedder`` encodes the topic and sentences in the same space."""
    topic_vector = embedder.encode_query(topic)
    relevant = _on_topic(store, model, topic_vector, asked)
    shown = asked
    if not relevant:
        end = _newest_covered_end(store, model, topic_vector, asked.length)
        if end is None:
            return Summary(asked, asked)
        shown = Window(end - asked.length, end)
        relevant = _on_topic(store, model, topic_vector, shown)
    candidates = _candidates(relevant[:MAX_ARTICLES])
    if not candidates:
        return Summary(asked, shown)
    vectors = embedder.encode([_embedding_text(c.text) for c in candidates])
    cosine = vectors @ vectors.T
    _score(candidates, cosine, vectors @ topic_vector)
    same = _sameness(candidates, cosine)
    picked = _pick(_merge_syndicated(candidates, same), same)
    bullets = [_bullet(group) for group in picked if _verbatim(store, group)]
    bullets.sort(key=lambda quote: (quote.published, quote.url))
    return Summary(asked, shown, bullets)


def _on_topic(store: Store, model: str, topic_vector: np.ndarray, window: Window) -> list[dict]:
    """Live articles of the window whose best passage is about the topic, most on-topic first."""
    rows = {row["doc_id"]: dict(row) for row in store.articles_between(window.since - SQL_MARGIN,
                                                                        window.until + SQL_MARGIN)}
    rows = {doc_id: row for doc_id, row in rows.items() if window.holds(parse_published(row["published"]))}
    if not rows:
        return []
    best = _best_similarity(store.passage_vectors(model, window.since - SQL_MARGIN, window.until + SQL_MARGIN),
                            topic_vector, wanted=rows.keys())
    relevant = [dict(rows[doc_id], topic=score) for doc_id, (score, *_) in best.items()
                if score >= TOPIC_MIN_SIMILARITY]
    return sorted(relevant, key=lambda row: -row["topic"])


def _newest_covered_end(store: Store, model: str, topic_vector: np.ndarray,
                        length: timedelta) -> datetime | None:
    """The end (a midnight) of the newest window of ``length`` that has coverage of the topic.

    Coverage means on-topic articles from two or more outlets, none carrying more than half of
    them: a story several outlets reported, not one outlet's stream of press releases near the
    topic. An index with no such window (a single source) gets its newest on-topic article's day.
    """
    best = _best_similarity(store.passage_vectors(model), topic_vector)
    found = sorted((moment, outlet) for score, published, outlet in best.values()
                   if score >= TOPIC_MIN_SIMILARITY and (moment := parse_published(published)))
    if not found:
        return None
    moments = [moment for moment, _ in found]
    ends = sorted({datetime.combine(moment.astimezone(UTC).date() + timedelta(days=1), time(), UTC)
                   for moment in moments}, reverse=True)
    for end in ends:
        outlets = Counter(outlet for _, outlet in found[bisect_left(moments, end - length):bisect_left(moments, end)])
        if len(outlets) >= 2 and 2 * max(outlets.values()) <= outlets.total():
            return end
    return ends[0]


def _best_similarity(rows: Iterable[tuple[str, str, str, bytes]], topic_vector: np.ndarray,
                     wanted: Iterable[str] | None = None, chunk: int = 4096) -> dict[str, tuple[float, str, str]]:
    """doc_id → (best passage similarity to the topic, published, outlet), a chunk of vectors at a time."""
    keep = set(wanted) if wanted is not None else None
    best: dict[str, tuple[float, str, str]] = {}
    batch: list[tuple[str, str, str, bytes]] = []

    def flush() -> None:
        vectors = np.frombuffer(b"".join(blob for *_, blob in batch), dtype=np.float32)
        scores = vectors.reshape(-1, len(topic_vector)) @ topic_vector
        for (doc_id, published, outlet, _), score in zip(batch, scores.tolist(), strict=True):
            if doc_id not in best or score > best[doc_id][0]:
                best[doc_id] = (score, published, outlet)
        batch.clear()

    for row in rows:
        if keep is None or row[0] in keep:
            batch.append(row)
            if len(batch) >= chunk:
                flush()
    if batch:
        flush()
    return best


def _candidates(articles: list[dict]) -> list[_Candidate]:
    """The first three sentences of each article that read as standalone sentences."""
    out: list[_Candidate] = []
    for row in articles:
        text = row["text"]
        kept = 0
        for start, end in sentence_spans(text)[:LEAD_SCAN]:
            sentence = text[start:end]
            if _reads_as_sentence(sentence):
                out.append(_Candidate(len(out), row["doc_id"], start, end, sentence, kept, row))
                kept += 1
                if kept == LEAD_SENTENCES:
                    break
    return out


def _reads_as_sentence(sentence: str) -> bool:
    """Whole, closed, standalone and of a readable length: no heading, half a quotation or "But he…"."""
    words = _WORD.findall(sentence)
    return (MIN_WORDS <= len(words) <= MAX_WORDS and bool(_ENDS_SENTENCE.search(sentence))
            and words[0].strip("\"'“‘(").lower() not in _LEANS_BACK
            and sentence.count('"') % 2 == 0 and sentence.count("“") == sentence.count("”"))


def _embedding_text(sentence: str) -> str:
    """The sentence without its dateline, which otherwise outweighs the story in the embedding."""
    return _DATELINE.sub("", sentence, count=1)


def _sameness(candidates: list[_Candidate], cosine: np.ndarray) -> np.ndarray:
    """How far two sentences say the same: the larger of their cosine and their word containment.

    Containment (shared words over the shorter sentence's words) catches the copies an
    embedding misses, such as one story under two different datelines.
    """
    words = [set(_TOKEN.findall(c.text.lower())) for c in candidates]
    same = cosine.copy()
    for i, j in combinations(range(len(candidates)), 2):
        shared = len(words[i] & words[j]) / max(1, min(len(words[i]), len(words[j])))
        same[i, j] = same[j, i] = max(same[i, j], shared)
    return same


def _score(candidates: list[_Candidate], cosine: np.ndarray, topic: np.ndarray) -> None:
    """Topic-biased LexRank: a random walk over sentence similarity that restarts at on-topic leads."""
    for candidate, score in zip(candidates, topic.tolist(), strict=True):
        candidate.topic = score
    prior = np.array([POSITION_PRIOR[c.position] for c in candidates])
    bias = np.clip(topic - SENTENCE_MIN_SIMILARITY, 0.0, None) * prior
    if bias.sum() <= 0:
        return
    bias /= bias.sum()
    docs = np.array([c.doc_id for c in candidates])
    links = np.clip(cosine, 0.0, None)
    links[docs[:, None] == docs[None, :]] = 0.0
    totals = links.sum(axis=1, keepdims=True)
    walk = np.divide(links, totals, out=np.zeros_like(links), where=totals > 0)
    dangling = totals[:, 0] == 0
    rank = bias.copy()
    for _ in range(100):
        following = DAMPING * (walk.T @ rank + rank[dangling].sum() * bias) + (1 - DAMPING) * bias
        settled = np.abs(following - rank).sum() < 1e-9
        rank = following
        if settled:
            break
    for candidate, score in zip(candidates, rank.tolist(), strict=True):
        candidate.centrality = score if candidate.topic >= SENTENCE_MIN_SIMILARITY else 0.0


def _merge_syndicated(candidates: list[_Candidate], same: np.ndarray) -> list[_Candidate]:
    """One candidate per story sentence: the earliest copy, carrying the later ones as ``members``."""
    heads: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (c.row["published"], -c.centrality)):
        head = next((h for h in heads if same[h.index, candidate.index] >= SYNDICATED_SIMILARITY), None)
        if head is None:
            heads.append(candidate)
        else:
            head.members.append(candidate)
            head.centrality = max(head.centrality, candidate.centrality)
    return heads


def _pick(groups: list[_Candidate], same: np.ndarray) -> list[_Candidate]:
    """Maximal marginal relevance: central, unlike every bullet already chosen, one per article first."""
    top = max((g.centrality for g in groups), default=0.0)
    if top <= 0:
        return []
    chosen: list[_Candidate] = []
    for per_article in (1, LEAD_SENTENCES):
        while len(chosen) < MAX_BULLETS:
            best, best_score = None, -np.inf
            for group in groups:
                if group in chosen or group.centrality <= 0:
                    continue
                if sum(c.doc_id == group.doc_id for c in chosen) >= per_article:
                    continue
                overlap = max((float(same[group.index, c.index]) for c in chosen), default=0.0)
                if overlap >= REDUNDANT_SIMILARITY:
                    continue
                score = MMR_LAMBDA * group.centrality / top - (1 - MMR_LAMBDA) * overlap
                if score > best_score:
                    best, best_score = group, score
            if best is None or (len(chosen) >= MIN_BULLETS and best.centrality / top < STOP_BELOW):
                break
            chosen.append(best)
        if len(chosen) >= MIN_BULLETS:
            break
    return chosen


def _verbatim(store: Store, group: _Candidate) -> bool:
    """The bullet is exactly the stored article's text at its offsets (guards a reindex in between)."""
    return store.article_text(group.doc_id)[group.start:group.end] == group.text


def _bullet(group: _Candidate) -> Quote:
    row = group.row
    outlets = [c.row["outlet"] for c in group.members if c.row["outlet"] and c.row["outlet"] != row["outlet"]]
    return Quote(text=group.text, url=row["url"], title=row["title"], outlet=row["outlet"],
                 published=parse_published(row["published"]), score=group.centrality, doc_id=group.doc_id,
                 also=tuple(dict.fromkeys(outlets)))
