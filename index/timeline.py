"""A timeline: one speaker's or one party's statements in date order, one verbatim sentence each.

The sentences come from the version's speaker table (``index.speaker_table``, computed at index
time): a person's by name, a party's by ``index.parties`` (its listed people, and anyone whose role
holds its role words). Each is cut from its stored passage, so a line is always the source's own
words, and then:

1. **Copies.** One sentence carried by several articles (a wire story, a transcript quoted in the
   news) is one line, at its earliest date, naming the other outlets (``also``).
2. **Near-repeats.** The same speaker saying nearly the same line again the same day (a press
   conference and its readout, a story updated through the day) is shown once: the later sentence
   holds ``REPEAT_CONTAINMENT`` of the earlier one's content words, or the earlier holds as much of it
   (three content words at least).
3. **Topic** (``about``). A statement is kept when it is about the topic in words or in meaning:
   its own sentence holds at least ``ABOUT_WORDS`` of the topic's IDF-weighted words (BM25's
   tokens and IDF, so "guarantee" finds "guarantees" and common words weigh little), or the stored
   embedding of its passage is closer to the topic's than ``ABOUT_MEANING_TOP`` of the version's
   passages are (catching a paraphrase, "indivisibility of security" for "security guarantees").
   Words are read on the sentence because a speaker's passage often covers several subjects;
   meaning on the passage because it is stored (nothing is embedded but the topic) and one short
   sentence's embedding is noisy. The meaning threshold is a rank, not a fixed cosine, because a
   short topic's cosine with a passage runs low and varies widely from one topic to another
   ("security guarantees" against "Ukraine"). It filters instead of
   ranking: a timeline is ordered by date, and a cut-off list of the "best" statements would hide
   when positions changed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from index.lexical import tokenize
from index.parties import Parties, Who
from index.speaker_table import SpokenSentence, normalise
from index.store import Store
from index.summary import Window
from index.versions import IndexVersion

ABOUT_WORDS = 0.5  # share of the topic's IDF-weighted words the sentence itself holds
ABOUT_MEANING_TOP = 0.02  # the passage is closer to the topic than all but this share of the version's passages
ABOUT_SAMPLE = 20_000  # passages the meaning threshold is read on (every n-th, for a big version)
REPEAT_CONTAINMENT = 0.8  # share of a sentence's content words another one holds: the same line again
MIN_WORDS = 4  # shorter "statements" ("Thank you.", "Yes.") say nothing on their own
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})
_LABEL = re.compile(r"^[A-Z][^:\n]{0,120}:\s+")  # a transcript label opening the turn: "SECRETARY BLINKEN: "


@dataclass(frozen=True)
class Statement:
    """One line of a timeline: ``text`` is the sentence as the source has it; ``also`` the other outlets."""

    text: str
    speaker: str
    role: str
    kind: str  # "words" (their own words) or "account" (the outlet's report of what they said)
    url: str
    title: str
    outlet: str
    published: datetime | None
    doc_id: str
    passage_id: int
    also: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"date": self.published.date().isoformat() if self.published else None, "speaker": self.speaker,
                "role": self.role, "kind": self.kind, "text": self.text, "outlet": self.outlet, "title": self.title,
                "url": self.url, "also": list(self.also)}


@dataclass(frozen=True)
class Topic:
    """What ``about`` asks for: its words (BM25 tokens) and the embedding of the whole phrase."""

    text: str
    tokens: tuple[str, ...]
    vector: np.ndarray


def spoken_by(version: IndexVersion, parties: Parties, who: Who) -> list[SpokenSentence]:
    """The spoken sentences of a person (by name or surname), or of every speaker of a party; a listed person is
    named as the table lists them (``Parties.full_name``)."""
    table = version.speakers
    if who.party is None:
        spoken = table.by_speakers(who.names)
    else:
        people = {(name, role) for name, role in zip(table.names.tolist(), table.roles.tolist(), strict=True)
                  if name and parties.speaks_for(who.party, name, role)}
        spoken = [sentence for sentence in table.by_speakers({name for name, _ in people})
                  if (sentence.speaker, sentence.role) in people]
    names = {name: parties.full_name(name) for name in {sentence.speaker for sentence in spoken}}
    return [replace(sentence, speaker=names[sentence.speaker]) for sentence in spoken]


def build_timeline(version: IndexVersion, store: Store, spoken: Sequence[SpokenSentence], window: Window | None = None,
                   topic: Topic | None = None) -> list[Statement]:
    """The statements of ``spoken`` inside ``window`` (about ``topic``), copies and near-repeats merged, by date."""
    close = _close_rows(version, spoken, topic) if topic is not None else set()
    passages = store.passages_by_id({int(version.ids[s.row]) for s in spoken})
    found: list[tuple[tuple, Statement]] = []
    for sentence in spoken:
        passage = passages.get(int(version.ids[sentence.row]))
        if passage is None:
            continue
        text = _without_label(passage.text[sentence.start:sentence.end], sentence.speaker)
        if len(text.split()) < MIN_WORDS or (window is not None and not window.holds(passage.published)):
            continue
        if topic is not None and sentence.row not in close and not _holds_topic_words(version, text, topic):
            continue
        statement = Statement(text, sentence.speaker, sentence.role, sentence.kind, passage.url, passage.title,
                              passage.outlet, passage.published, passage.doc_id, passage.id)
        order = (passage.published is None, passage.published or datetime.max, passage.doc_id,
                 passage.start + sentence.start)
        found.append((order, statement))
    found.sort(key=lambda item: item[0])
    return _merge_repeats(_merge_copies([statement for _, statement in found]))


def _close_rows(version: IndexVersion, spoken: Sequence[SpokenSentence], topic: Topic) -> set[int]:
    """The rows of ``spoken`` whose passage is among the ``ABOUT_MEANING_TOP`` of the version closest to the topic."""
    rows = sorted({s.row for s in spoken})
    matrix = version.vectors.matrix
    if not rows or len(matrix) == 0:
        return set()
    sample = matrix[::max(1, len(matrix) // ABOUT_SAMPLE)].astype(np.float32) @ topic.vector.astype(np.float32)
    threshold = float(np.quantile(sample, 1 - ABOUT_MEANING_TOP))
    similarity = version.vectors.similarity(topic.vector, rows)
    return {row for row, score in zip(rows, np.asarray(similarity).tolist(), strict=True) if score >= threshold}


def _holds_topic_words(version: IndexVersion, text: str, topic: Topic) -> bool:
    """Whether the sentence holds ``ABOUT_WORDS`` of the topic's words, each weighted by its IDF."""
    if not topic.tokens:
        return False
    held = set(tokenize(text))
    weights = {token: version.lexical.idf(token) for token in topic.tokens}
    total = sum(weights.values())
    return total > 0 and sum(weight for token, weight in weights.items() if token in held) >= ABOUT_WORDS * total


def _without_label(text: str, speaker: str) -> str:
    """The sentence without the transcript label naming its speaker ("SECRETARY BLINKEN: "), which is no
    part of what they said; any other text is left as it is."""
    label = _LABEL.match(text)
    surname = normalise(speaker).split()[-1:] if speaker else []
    if label and surname and surname[0] in normalise(label.group()).split():
        return text[label.end():]
    return text


def _same_text(text: str) -> str:
    """A sentence as copies compare: case, quotation marks, spacing and closing punctuation ignored."""
    return " ".join(text.translate(_QUOTES).lower().split()).strip(" \"'.,;:!?…")


def _merge_copies(statements: list[Statement]) -> list[Statement]:
    """One line per sentence: the earliest copy, naming the other outlets that carried it."""
    first: dict[str, int] = {}
    merged: list[Statement] = []
    for statement in statements:
        key = _same_text(statement.text)
        at = first.get(key)
        if at is None:
            first[key] = len(merged)
            merged.append(statement)
        else:
            merged[at] = _with_outlet(merged[at], statement.outlet)
    return merged


def _merge_repeats(statements: list[Statement]) -> list[Statement]:
    """A speaker's near-repeat of a line already shown that day is folded into it.

    Lines are compared only with the same speaker's that day, and only with those sharing words with
    them (found through each day's word lists), so a day of long transcripts stays quick.
    """
    kept: list[Statement] = []
    days: dict[tuple, _Day] = {}
    for statement in statements:
        own = set(tokenize(statement.text))
        day = days.setdefault((statement.published.date() if statement.published else None,
                               normalise(statement.speaker)), _Day())
        repeat = day.repeat_of(own) if statement.published else None
        if repeat is None:
            day.add(len(kept), own)
            kept.append(statement)
        else:
            kept[repeat] = _with_outlet(kept[repeat], statement.outlet)
    return kept


@dataclass
class _Day:
    """The lines one speaker said one day: their positions in the timeline and content words, by word."""

    lines: list[tuple[int, set[str]]] = field(default_factory=list)
    by_word: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, at: int, words: set[str]) -> None:
        for word in words:
            self.by_word[word].append(len(self.lines))
        self.lines.append((at, words))

    def repeat_of(self, words: set[str]) -> int | None:
        """The timeline position of the first line this one nearly repeats (or that nearly repeats it)."""
        shared = Counter(line for word in words for line in self.by_word.get(word, ()))
        for line in sorted(shared):
            at, other = self.lines[line]
            smaller = min(len(words), len(other))
            if smaller >= 3 and shared[line] >= REPEAT_CONTAINMENT * smaller:
                return at
        return None


def _with_outlet(statement: Statement, outlet: str) -> Statement:
    if not outlet or outlet == statement.outlet or outlet in statement.also:
        return statement
    return replace(statement, also=(*statement.also, outlet))
