"""Every passage's words, read once and kept with the version that serves it.

Reading words (tokenizing each passage for BM25 and each of its sentences for the sentence words) is
most of the work of writing a version. A passage id names one text of one article revision, so a new
version takes the words of every passage it serves again from the served version and reads only the
passages it lacks; the result is the same as reading them all.

The words are kept as flat arrays with their own vocabulary (a sentence's words may be ones BM25 never
saw in its passage: "U.S." read at a sentence's edge), row ``r`` as in the version's ``ids``.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from index import answer_types, lexical
from index import sentences as _sentences
from index.answer_types import is_caption
from index.code_rules import digest
from index.lexical import LexicalIndex, tokenize
from index.sentence_words import SentenceWords, names_among, ranges
from index.sentences import Spans, passage_sentences

FILE = "passage_words.npz"
EMPTY = "\u2205"  # the token of a passage with no words, so BM25 still has a row for it

def rules() -> str:
    """The reading rules as written: a digest of the code that splits and tokenizes, and the versions of the
    libraries it uses."""
    return digest((lexical.__file__, _sentences.__file__, answer_types.__file__, __file__), ("bm25s", "PyStemmer"))


@dataclass(frozen=True)
class PassageWords:
    """Row ``r`` holds the tokens ``tokens[token_starts[r]:token_starts[r + 1]]`` (its title and text, as BM25
    counts them) and the sentences ``first[r]:first[r + 1]``; sentence ``s`` spans ``spans[s]`` of the passage
    text, holds the words ``words[starts[s]:starts[s + 1]]`` (each once) and ``captions[s]`` says whether it is
    a photo caption. ``inner`` and ``capitalised`` hold, per row, every word used inside a sentence and those
    of them written with a capital (how the sources write a name). All ids index ``vocabulary``."""

    vocabulary: np.ndarray  # object (str)
    token_starts: np.ndarray  # int64, rows + 1
    tokens: np.ndarray  # int32
    first: np.ndarray  # int64, rows + 1
    spans: np.ndarray  # int32, (sentences, 2)
    captions: np.ndarray  # bool, one per sentence
    starts: np.ndarray  # int64, sentences + 1
    words: np.ndarray  # int32
    inner_starts: np.ndarray  # int64, rows + 1
    inner: np.ndarray  # int32
    capitalised_starts: np.ndarray  # int64, rows + 1
    capitalised: np.ndarray  # int32

    def __len__(self) -> int:
        return len(self.first) - 1

    @classmethod
    def read(cls, texts: Sequence[str], passages: Sequence[str]) -> PassageWords:
        """Tokenize ``texts`` (what BM25 indexes: title and passage) and ``passages`` (the passage texts) by their
        sentences (``passage_sentences``)."""
        sentences = [passage_sentences(text) for text in passages]
        known: dict[str, int] = {}  # word → id, as met: each word is kept once, as an id, while reading

        def ids(words: Sequence[str]) -> list[int]:
            return [known.setdefault(word, len(known)) for word in words]

        tokens, words, inner, capitals = array("i"), array("i"), array("i"), array("i")
        token_rows, sentence_rows, inner_rows, capital_rows, spans, captions = [0], [0], [0], [0], [], []
        for text, passage, found in zip(texts, passages, sentences, strict=True):
            tokens.extend(ids(tokenize(text) or [EMPTY]))
            token_rows.append(len(tokens))
            for start, end in found:
                spans.append((start, end))
                captions.append(is_caption(passage[start:end]))
                opening, _, rest = passage[start:end].strip().partition(" ")  # a first word is capitalised anyway
                used = ids(tokenize(rest))
                inner.extend(used)
                capitals.extend(ids(tokenize(" ".join(word for word in rest.split() if word[:1].isupper()))))
                words.extend(dict.fromkeys([*used, *ids(tokenize(opening))]))
                sentence_rows.append(len(words))
            inner_rows.append(len(inner))
            capital_rows.append(len(capitals))
        first = np.concatenate(([0], np.cumsum([len(found) for found in sentences])))
        return cls(np.array(list(known), dtype=object), _offsets(token_rows), _ids(tokens), first.astype(np.int64),
                   np.array(spans, dtype=np.int32).reshape(-1, 2), np.array(captions, dtype=bool),
                   _offsets(sentence_rows), _ids(words), _offsets(inner_rows), _ids(inner), _offsets(capital_rows),
                   _ids(capitals))

    @classmethod
    def reusing(cls, texts: Sequence[str], passages: Sequence[str], ids: Sequence[int],
                served: tuple[np.ndarray, PassageWords] | None) -> tuple[PassageWords, int]:
        """The words of the passages ``ids`` (texts as ``read`` takes them, in row order): those the served
        version (its ids in row order, its words) holds are taken from it, the others read; and how many were
        read."""
        served_ids, served_words = served or (np.zeros(0, dtype=np.int64), None)
        del served  # each copy below is let go once the next is made: a large corpus's words take a gigabyte
        rows = np.asarray(ids, dtype=np.int64)
        kept = np.isin(rows, served_ids) if served_words is not None else np.zeros(len(rows), dtype=bool)
        fresh = np.flatnonzero(~kept)
        read = cls.read([texts[row] for row in fresh], [passages[row] for row in fresh])
        if not kept.any():
            return read, len(fresh)
        position = {int(pid): row for row, pid in enumerate(served_ids.tolist())}
        taken = served_words.take(np.array([position[int(pid)] for pid in rows[kept]], dtype=np.int64))
        del served_words, position
        joined = cls.join([taken, read])
        del taken
        return joined.take(np.argsort(np.concatenate((np.flatnonzero(kept), fresh)), kind="stable")), len(fresh)

    def take(self, rows: np.ndarray) -> PassageWords:
        """These rows, in this order (the vocabulary unchanged)."""
        rows = np.asarray(rows, dtype=np.int64)
        token_starts, tokens = _take(self.token_starts, self.tokens, rows)
        first, chosen = _take(self.first, np.arange(len(self.spans)), rows)
        starts, words = _take(self.starts, self.words, chosen)
        inner_starts, inner = _take(self.inner_starts, self.inner, rows)
        capitalised_starts, capitalised = _take(self.capitalised_starts, self.capitalised, rows)
        return PassageWords(self.vocabulary, token_starts, tokens, first, self.spans[chosen], self.captions[chosen],
                            starts, words, inner_starts, inner, capitalised_starts, capitalised)

    @classmethod
    def join(cls, parts: Sequence[PassageWords]) -> PassageWords:
        """The rows of ``parts`` one after another, their ids moved onto the union of the words they use."""
        used = [np.unique(np.concatenate((part.tokens, part.words, part.inner, part.capitalised)))
                for part in parts]
        vocabulary = np.unique(np.concatenate([part.vocabulary[ids] for part, ids in zip(parts, used, strict=True)]))
        moved = []
        for part, ids in zip(parts, used, strict=True):
            onto = np.zeros(len(part.vocabulary), dtype=np.int32)
            onto[ids] = np.searchsorted(vocabulary, part.vocabulary[ids])
            moved.append(onto)

        def stacked(name: str) -> np.ndarray:
            return np.concatenate([getattr(part, name) for part in parts])

        def ids_of(name: str) -> np.ndarray:
            return np.concatenate([onto[getattr(part, name)] for part, onto in zip(parts, moved, strict=True)]
                                  ).astype(np.int32)

        return cls(vocabulary, _joined([part.token_starts for part in parts]), ids_of("tokens"),
                   _joined([part.first for part in parts]), stacked("spans").reshape(-1, 2), stacked("captions"),
                   _joined([part.starts for part in parts]), ids_of("words"),
                   _joined([part.inner_starts for part in parts]), ids_of("inner"),
                   _joined([part.capitalised_starts for part in parts]), ids_of("capitalised"))

    def sentences(self) -> list[Spans]:
        """Each row's sentence spans, as speakers and sentence vectors take them."""
        spans = [tuple(span) for span in self.spans.tolist()]
        bounds = self.first.tolist()
        return [spans[lo:hi] for lo, hi in zip(bounds, bounds[1:], strict=False)]

    def lexical(self) -> LexicalIndex:
        """The rows' BM25 index."""
        used, compact = np.unique(self.tokens, return_inverse=True)
        shared = np.array(range(len(used)), dtype=object)[compact]  # one int object an id, not one a token
        bounds = self.token_starts.tolist()
        documents = [shared[lo:hi].tolist() for lo, hi in zip(bounds, bounds[1:], strict=False)]
        del shared, compact
        return LexicalIndex.build(documents, dict(zip(self.vocabulary[used].tolist(), range(len(used)),
                                                         strict=True)))

    def sentence_words(self, vocabulary: dict[str, int]) -> SentenceWords:
        """The sentence words a question reads, in the ids of ``vocabulary`` (BM25's); other words are left out."""
        onto = np.array([vocabulary.get(word, -1) for word in self.vocabulary.tolist()], dtype=np.int64)
        mapped = onto[self.words]
        known = mapped >= 0
        owners = np.repeat(np.arange(len(self.spans)), np.diff(self.starts))
        starts = np.concatenate(([0], np.cumsum(np.bincount(owners[known], minlength=len(self.spans)))))
        inner, capitalised = onto[self.inner], onto[self.capitalised]
        return SentenceWords(self.first, self.spans, starts.astype(np.int64), mapped[known].astype(np.int32),
                             names_among(inner[inner >= 0], capitalised[capitalised >= 0], len(vocabulary)),
                             self.captions)

    def save(self, folder: Path) -> None:
        """Saved without pickles: the vocabulary as one line a word (words hold no spaces)."""
        arrays = {field.name: getattr(self, field.name) for field in fields(self)}
        arrays["vocabulary"] = np.frombuffer("\n".join(self.vocabulary.tolist()).encode(), dtype=np.uint8)
        np.savez(folder / FILE, **arrays)

    @classmethod
    def load(cls, folder: Path) -> PassageWords:
        with np.load(folder / FILE) as saved:
            arrays = {field.name: saved[field.name] for field in fields(cls)}
        lines = arrays["vocabulary"].tobytes().decode()
        arrays["vocabulary"] = np.array(lines.split("\n") if lines else [], dtype=object)
        return cls(**arrays)


def _offsets(bounds: list[int]) -> np.ndarray:
    return np.array(bounds, dtype=np.int64)


def _ids(read: array) -> np.ndarray:
    return np.frombuffer(read, dtype=np.int32).copy() if len(read) else np.zeros(0, dtype=np.int32)


def _take(starts: np.ndarray, values: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ragged rows ``rows`` of ``values`` (row ``r`` is ``values[starts[r]:starts[r + 1]]``) and their starts."""
    lo, hi = starts[rows], starts[rows + 1]
    return np.concatenate(([0], np.cumsum(hi - lo))).astype(np.int64), values[ranges(lo, hi)]


def _joined(starts: Sequence[np.ndarray]) -> np.ndarray:
    """Ragged starts of parts laid one after another."""
    offsets = np.cumsum([0, *(part[-1] for part in starts[:-1])])
    return np.concatenate([[0], *(part[1:] + offset for part, offset in zip(starts, offsets, strict=True))]
                          ).astype(np.int64)
