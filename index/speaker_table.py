"""Who speaks each sentence of every passage, computed when an index version is written.

``index.speakers`` reads a whole article (a transcript label carries across paragraphs, a pronoun
reaches back to the last named speaker), so each article is attributed once and the result is cut
onto its passages' sentences: the version's spans (``index.sentences.passage_sentences``, split once per
version by ``build`` and shared with ``index.sentence_words``), in the version's row numbering. Only sentences
with a speaker are kept, as flat arrays in ``speakers.npz``; a reindex rebuilds the file from the stored
articles without embedding anything.

From a row to its passage and article, as quotes do::

    version = searcher.version()              # index.search.Searcher: the served IndexVersion
    table = version.speakers                  # this module's SpeakerTable
    for spoken in table.by_speakers(["Lavrov"]):
        passage = searcher.store.passages_by_id([int(version.ids[spoken.row])])[int(version.ids[spoken.row])]
        sentence = passage.text[spoken.start:spoken.end]  # verbatim; passage.url, .outlet, .published, .doc_id
        in_article = (passage.start + spoken.start, passage.start + spoken.end)  # offsets in the article text
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from index import sentences as _sentences
from index import speakers as _speakers
from index.code_rules import digest
from index.sentences import Spans
from index.speakers import Attribution, attribute
from index.store import Store

FILE = "speakers.npz"
KINDS = ("words", "account")
_NOT_LETTERS = re.compile(r"[^a-z0-9 ]+")


#: A passage's spoken sentences: (start, end, name, role, kind) each.
Spoken = list[tuple[int, int, str, str, str]]


def rules() -> str:
    """Attribution's rules as written: a digest of the code that splits sentences and attributes them."""
    return digest((_sentences.__file__, _speakers.__file__, __file__))


@dataclass(frozen=True)
class SpokenSentence:
    """A sentence of the passage at ``row`` (``start:end`` of its text) and who speaks it."""

    row: int  # the passage's row in the version (the same row numbering as sentence_words / vectors)
    start: int  # offsets of the sentence in the passage text
    end: int
    speaker: str  # name as the text gives it, e.g. "Sergei Lavrov"
    role: str  # e.g. "Russian Foreign Minister", "" when none
    kind: str  # "words" (their own words: a label or a direct quote) or "account" (the outlet's paraphrase)


def normalise(name: str) -> str:
    """A name as compared: lower case, accents and punctuation dropped ("Jens Stoltenberg's" → "jens stoltenbergs")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(_NOT_LETTERS.sub("", plain.replace("-", " ")).split())


def same_person(asked: str, name: str) -> bool:
    """Whether a name asked for (normalised) is the speaker ``name`` (normalised): the same full name, or the
    same surname when either gives only a surname or both share the given name's initial."""
    if not asked or not name:
        return False
    if asked == name:
        return True
    asked_words, name_words = asked.split(), name.split()
    if asked_words[-1] != name_words[-1]:
        return False
    return len(asked_words) == 1 or len(name_words) == 1 or asked_words[0][0] == name_words[0][0]


@dataclass(frozen=True)
class SpeakerTable:
    """The spoken sentences sorted by row and start: sentence ``i`` is ``spans[i]`` of row ``rows[i]``, spoken by
    ``names[who[i]]`` (role ``roles[who[i]]``) as ``KINDS[kinds[i]]``."""

    rows: np.ndarray  # int64, one per spoken sentence
    spans: np.ndarray  # int32, (sentences, 2)
    who: np.ndarray  # int32, index into names/roles
    kinds: np.ndarray  # uint8, index into KINDS
    names: np.ndarray  # str, one per distinct (name, role)
    roles: np.ndarray  # str

    @classmethod
    def build(cls, found: Iterable[tuple[int, int, int, str, str, str]]) -> SpeakerTable:
        """From (row, start, end, name, role, kind) tuples, in any order."""
        people: dict[tuple[str, str], int] = {}
        ordered = sorted(found)
        who = [people.setdefault((name, role), len(people)) for _, _, _, name, role, _ in ordered]
        return cls(np.array([item[0] for item in ordered], dtype=np.int64),
                   np.array([item[1:3] for item in ordered], dtype=np.int32).reshape(-1, 2),
                   np.array(who, dtype=np.int32), np.array([KINDS.index(item[5]) for item in ordered], dtype=np.uint8),
                   np.array([name for name, _ in people] or [""], dtype=str),
                   np.array([role for _, role in people] or [""], dtype=str))

    @classmethod
    def empty(cls) -> SpeakerTable:
        return cls.build([])

    def save(self, folder: Path) -> None:
        np.savez(folder / FILE, rows=self.rows, spans=self.spans, who=self.who, kinds=self.kinds, names=self.names,
                 roles=self.roles)

    @classmethod
    def load(cls, version_dir: Path) -> SpeakerTable:
        """The table saved with the version in ``version_dir``."""
        with np.load(Path(version_dir) / FILE) as saved:
            return cls(saved["rows"], saved["spans"], saved["who"], saved["kinds"], saved["names"], saved["roles"])

    def of_row(self, row: int) -> list[SpokenSentence]:
        """The spoken sentences of one passage, in text order."""
        lo, hi = np.searchsorted(self.rows, [row, row + 1])
        return [self._sentence(i) for i in range(int(lo), int(hi))]

    def by_speakers(self, names: Iterable[str]) -> list[SpokenSentence]:
        """Every sentence spoken by one of ``names``, matched by normalised full name or surname ("Lavrov" and
        "Sergei Lavrov" find "Sergey Lavrov"), in row order."""
        people = self.people_named(names)
        if not people:
            return []
        chosen = np.flatnonzero(np.isin(self.who, np.fromiter(people, dtype=np.int32)))
        return [self._sentence(int(i)) for i in chosen]

    def people_named(self, names: Iterable[str]) -> set[int]:
        """The indexes (into ``names``/``roles``) of the speakers ``names`` match."""
        found = set()
        for wanted in (normalise(name) for name in names):
            if wanted:
                found |= {i for i in self.surnames.get(wanted.split()[-1], ())
                          if same_person(wanted, self._normalised[i])}
        return found

    def people_with_role(self, head: str, qualifiers: list[str]) -> set[int]:
        """The speakers whose role holds a word starting like ``head`` ("spokesman" finds "spokesperson") and a
        word starting like each of ``qualifiers`` ("kremlin", "russia" finds "Russian")."""
        stem = head[:6]
        return {i for i, words in enumerate(self._role_words)
                if any(word.startswith(stem) for word in words)
                and all(any(word.startswith(q) or (len(word) > 3 and q.startswith(word)) for word in words)
                        for q in qualifiers)}

    @cached_property
    def surnames(self) -> dict[str, set[int]]:
        """Each normalised surname (a name's last word) → the speakers with it."""
        found: dict[str, set[int]] = defaultdict(set)
        for i, name in enumerate(self._normalised):
            if name:
                found[name.split()[-1]].add(i)
        return dict(found)

    @cached_property
    def _normalised(self) -> list[str]:
        return [normalise(name) for name in self.names.tolist()]

    @cached_property
    def _role_words(self) -> list[list[str]]:
        return [normalise(role).split() for role in self.roles.tolist()]

    def speakers(self) -> dict[str, int]:
        """Every speaker name → how many sentences it speaks (the roles it comes with added together)."""
        counts: dict[str, int] = defaultdict(int)
        for index, count in enumerate(np.bincount(self.who, minlength=len(self.names)).tolist()):
            if count:
                counts[str(self.names[index])] += count
        return dict(counts)

    def row_speakers(self, rows: Sequence[int]) -> list[list[tuple[tuple[int, int], int, int]]]:
        """For each row, its spoken sentences as (span, speaker index, kind index): what the ranker reads."""
        result = []
        for row in rows:
            lo, hi = np.searchsorted(self.rows, [row, row + 1])
            result.append([((int(s), int(e)), int(w), int(k)) for (s, e), w, k in
                           zip(self.spans[lo:hi].tolist(), self.who[lo:hi].tolist(), self.kinds[lo:hi].tolist(),
                               strict=True)])
        return result

    def by_passage(self, ids: Sequence[int]) -> dict[int, Spoken]:
        """Every passage of this table's version (``ids``, in its row order) → its spoken sentences."""
        found: dict[int, Spoken] = {int(pid): [] for pid in ids}
        names, roles = self.names.tolist(), self.roles.tolist()
        for row, (start, end), who, kind in zip(self.rows.tolist(), self.spans.tolist(), self.who.tolist(),
                                                self.kinds.tolist(), strict=True):
            found[int(ids[row])].append((start, end, names[who], roles[who], KINDS[kind]))
        return found

    def at(self, row: int, span: tuple[int, int]) -> SpokenSentence | None:
        """Who speaks the sentence ``span`` of the passage at ``row``, or None."""
        return next((spoken for spoken in self.of_row(row) if (spoken.start, spoken.end) == tuple(span)), None)

    def _sentence(self, i: int) -> SpokenSentence:
        start, end = self.spans[i].tolist()
        person = int(self.who[i])
        return SpokenSentence(int(self.rows[i]), start, end, str(self.names[person]), str(self.roles[person]),
                              KINDS[int(self.kinds[i])])


def attribute_passages(store: Store, ids: Sequence[int], texts: Sequence[str],
                       sentences: Sequence[Spans], earlier: dict[int, Spoken] | None = None) -> SpeakerTable:
    """The speakers of every sentence (``sentences``, the version's spans) of the passages ``ids`` (texts
    ``texts``, in row order).

    Each article is attributed once over its full text (the revision the passage was cut from); a passage
    whose revision text is gone is attributed alone. A passage ``earlier`` holds (a version attributed by the
    same ``rules()`` served it: the same id is the same text of the same revision) keeps what it found.
    """
    earlier = earlier or {}
    found: list[tuple[int, int, int, str, str, str]] = []
    rows_by_article: dict[tuple[str, str], list[int]] = defaultdict(list)
    stored = store.passages_by_id(pid for pid in ids if int(pid) not in earlier)
    for row, pid in enumerate(ids):
        passage = stored.get(int(pid))
        if passage is not None:
            rows_by_article[(passage.doc_id, passage.content_hash)].append(row)
        else:
            found.extend((row, *spoken) for spoken in earlier.get(int(pid), []))
    for (doc_id, content_hash), rows in rows_by_article.items():
        first = stored[int(ids[rows[0]])]
        article = store.article_text(doc_id, content_hash)
        attributions = attribute(article, first.title) if article else []
        for row in rows:
            passage = stored[int(ids[row])]
            if article[passage.start:passage.end] == texts[row]:
                found.extend(_onto_passage(row, sentences[row], passage.start, attributions))
            else:
                found.extend(_onto_passage(row, sentences[row], 0, attribute(texts[row], passage.title)))
    return SpeakerTable.build(found)


def _onto_passage(row: int, sentences: Spans, offset: int,
                  attributions: list[Attribution]) -> list[tuple[int, int, int, str, str, str]]:
    """The attributed sentences of a passage at ``offset`` of the attributed text, on the passage's own sentence
    spans; a passage sentence takes the speaker of the article sentence holding most of it, if over half."""
    starts = [item.start for item in attributions]
    found = []
    for start, end in sentences:
        lo, hi = start + offset, end + offset
        at = max(0, bisect.bisect_right(starts, lo) - 1)
        best, shared = None, 0
        for item in attributions[at:at + 4]:
            overlap = min(hi, item.end) - max(lo, item.start)
            if overlap > shared:
                best, shared = item, overlap
        if best is not None and best.speaker is not None and best.kind in KINDS and 2 * shared > hi - lo:
            found.append((row, start, end, best.speaker.name, best.speaker.role or "", best.kind))
    return found
