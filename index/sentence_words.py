"""Every passage's sentences and their words, as a question reads them from an index version.

Rescoring asks, for each of a question's candidate passages, which of the question's words each
sentence holds. Splitting and stemming sixty passages for every question took most of the time of
an answer without reranking; here it is done once (``index.passage_words`` reads each passage's words
when a version is written) and kept as flat arrays (row ``r``'s sentences, each sentence's words as
BM25 vocabulary ids), so a question only looks its words up.

It also keeps how the sources write each word inside a sentence: one they nearly always capitalise
("Stoltenberg", "Geneva", "Kremlin") is a name, however the question was typed ("what did
stoltenberg say?": chat is often typed in lower case). And it marks the sentences that are photo
captions (``answer_types.is_caption``), which a question's rescoring would otherwise test one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE = "sentences.npz"
CAPITALISED = 0.8  # of a word's uses inside sentences, written with a capital: the word is a name…
CAPITALISED_SEEN = 3  # …once it is used at least this often


@dataclass(frozen=True)
class SentenceWords:
    """Row ``r``'s sentences are ``first[r]:first[r + 1]``; sentence ``s`` spans ``spans[s]`` of its
    passage's text and holds the vocabulary ids ``words[starts[s]:starts[s + 1]]``, each once, and
    ``captions[s]`` says whether it is a photo caption; ``names[i]`` says whether the sources capitalise
    the word of vocabulary id ``i`` inside sentences."""

    first: np.ndarray  # int64, rows + 1
    spans: np.ndarray  # int32, (sentences, 2)
    starts: np.ndarray  # int64, sentences + 1
    words: np.ndarray  # int32
    names: np.ndarray  # bool, one per vocabulary id
    captions: np.ndarray  # bool, one per sentence

    def save(self, folder: Path) -> None:
        np.savez(folder / FILE, first=self.first, spans=self.spans, starts=self.starts, words=self.words,
                 names=self.names, captions=self.captions)

    @classmethod
    def load(cls, folder: Path) -> SentenceWords:
        """The arrays saved with a version."""
        with np.load(folder / FILE) as saved:
            return cls(saved["first"], saved["spans"], saved["starts"], saved["words"], saved["names"],
                       saved["captions"])

    def is_name(self, word: int) -> bool:
        """Whether the sources capitalise the word of this vocabulary id inside sentences."""
        return 0 <= word < len(self.names) and bool(self.names[word])

    def found(self, rows: list[int], question: set[int]) -> list[list[tuple[tuple[int, int], set[int]]]]:
        """For each row, its sentences as (span, the ``question`` word ids the sentence holds).

        One pass of array lookups for all rows together: per-row numpy calls would cost what they save.
        """
        chosen = np.asarray(rows, dtype=np.int64)
        lo, hi = self.first[chosen], self.first[chosen + 1]
        sentences = ranges(lo, hi)
        positions = ranges(self.starts[sentences], self.starts[sentences + 1])
        owners = np.repeat(np.arange(len(sentences)), self.starts[sentences + 1] - self.starts[sentences])
        words = self.words[positions]
        hit = np.isin(words, np.fromiter(question, dtype=np.int32, count=len(question)))
        held: list[set[int]] = [set() for _ in range(len(sentences))]
        for owner, word in zip(owners[hit].tolist(), words[hit].tolist(), strict=True):
            held[owner].add(word)
        spans = [tuple(span) for span in self.spans[sentences].tolist()]
        result, at = [], 0
        for count in (hi - lo).tolist():
            result.append(list(zip(spans[at:at + count], held[at:at + count], strict=True)))
            at += count
        return result

    def captions_of(self, rows: list[int]) -> list[list[bool]]:
        """For each row, whether each of its sentences is a photo caption (in the order ``found`` gives)."""
        return [self.captions[self.first[row]:self.first[row + 1]].tolist() for row in rows]


def names_among(inner: np.ndarray, capitalised: np.ndarray, size: int) -> np.ndarray:
    """Which of ``size`` vocabulary ids are names: of a word's uses inside sentences (``inner``, ids with
    repeats), the sources nearly always capitalise it (``capitalised``, those uses written with a capital)."""
    seen = np.bincount(inner.astype(np.int64), minlength=size)
    written = np.bincount(capitalised.astype(np.int64), minlength=size)
    return (seen >= CAPITALISED_SEEN) & (written >= CAPITALISED * seen)


def ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``concatenate([arange(a, b) for a, b in zip(lo, hi)])`` without a Python loop."""
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return offsets + np.arange(total)
