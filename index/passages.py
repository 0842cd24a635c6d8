"""Cut an article into passages of whole sentences, each with its character offsets.

Passages aim at ``target`` words (110 by default: long enough to hold an answer with its
context, short enough that BM25 and the embedding stay focused) and never cut a sentence. A
degenerate "sentence" with no punctuation is split at word boundaries so no passage runs away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.sentences import sentence_spans

TARGET_WORDS = 110
MIN_WORDS = 50
MAX_WORDS = 150
_WORD = re.compile(r"\S+")


def searchable_text(title: str, text: str) -> str:
    """What the embedding and BM25 see of a passage: its article's title, then its own words."""
    return f"{title}. {text}"


@dataclass(frozen=True)
class Passage:
    """A slice of an article: ``text == article.text[start:end]``."""

    seq: int
    start: int
    end: int
    text: str


def split_passages(text: str, target: int = TARGET_WORDS, maximum: int = MAX_WORDS,
                   minimum: int = MIN_WORDS) -> list[Passage]:
    """Group consecutive sentences into passages of about ``target`` words."""
    units = [span for sentence in sentence_spans(text) for span in _cap_span(text, sentence, maximum)]
    groups: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    words = 0
    for start, end in units:
        count = len(_WORD.findall(text, start, end))
        if current and (words + count > maximum or words >= target):
            groups.append(current)
            current, words = [], 0
        current.append((start, end, count))
        words += count
    if current:
        if groups and words < minimum and sum(c for *_, c in groups[-1]) + words <= maximum:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return [Passage(seq, group[0][0], group[-1][1], text[group[0][0]:group[-1][1]])
            for seq, group in enumerate(groups)]


def _cap_span(text: str, span: tuple[int, int], maximum: int) -> list[tuple[int, int]]:
    """Split a span longer than ``maximum`` words at word boundaries; most spans pass unchanged."""
    if span[1] - span[0] <= 2 * maximum:  # k words take at least 2k - 1 characters: too short to split
        return [span]
    words = list(_WORD.finditer(text, span[0], span[1]))
    if len(words) <= maximum:
        return [span]
    return [(words[i].start(), words[min(i + maximum, len(words)) - 1].end())
            for i in range(0, len(words), maximum)]
