"""The ``speaker`` feature: a question asking what someone said prefers the sentences that speaker spoke.

"What did Lavrov say about …", "according to Sullivan …", "what did the Kremlin spokesman say": the
question names the speaker of a speech verb (``_SPEECH``) or of "according to", by a surname the version's
speaker table knows, written as a name, or by a role ("Kremlin spokesman": each word in the speaker's role). A
candidate with a sentence that speaker speaks (their words, or the outlet's account of them) holding at
least ``speaker_coverage`` of its best sentence's share of the question's words gets ``speaker`` = 1 and
answers with that sentence; a sentence about them, spoken by someone else or by no one, gets nothing.
"""

from __future__ import annotations

import re

from index.lexical import tokenize
from index.query import Query
from index.ranking.candidates import Candidate
from index.ranking.weights import Weights
from index.speaker_table import SpeakerTable, normalise

_SPEECH = re.compile(r"(?:say|says|said|saying|tell|tells|told|warn\w*|describ\w*|call(?:s|ed)?|"
                     r"claim\w*|insist\w*|respon\w*|repl\w*|argu\w*|stress\w*|announc\w*|accus\w*|admit\w*|"
                     r"den(?:y|ied|ies)|cite[sd]?|vow\w*|promis\w*|urg\w*|suggest\w*|complain\w*|explain\w*|"
                     r"characteri[sz]\w*|compar\w*|predict\w*|recall\w*|reject\w*|dismiss\w*|comment\w*|"
                     r"remark\w*|spoke|speak\w*|put|react\w*|rebut\w*|pledg\w*|threaten\w*|assur\w*|"
                     r"blam\w*|defend\w*|demand\w*|ask\w*|propos\w*|rule[sd]?|"
                     r"acknowledg\w*|confirm\w*|signal\w*|mean|meant)")
_SOURCE_CUES = {"according", "per"}  # "according to Sullivan", "per a Kremlin aide"
_NAME_REACH = 5  # words between a speech verb and the name before it ("did Kremlin aide Yuri Ushakov describe")
_BETWEEN = {"did", "does", "do", "to", "a", "the", "also", "later", "then", "first", "again", "has", "had", "have",
            "would", "will", "was", "is"}  # words that may stand between a name and its speech verb
_ROLE_HEADS = ("spokes", "minister", "secretary", "ambassador", "adviser", "advisor", "envoy", "negotiator",
               "chancellor", "aide", "president", "premier")
_QUALIFIER_SKIPS = {"the", "a", "an", "of", "for", "and", "s", "top", "then", "former", "us", "uk", "eu", "un"}
_POSSESSIVE = re.compile(r"['’]s\b")


def named_speakers(query: Query, table: SpeakerTable) -> set[int]:
    """The speakers (indexes into ``table.names``) a question asks the words of: the one named just before a
    speech verb ("what did Lavrov say", "how did Kremlin aide Yuri Ushakov describe", "what Lavrov said") or
    just after "according to" or "per"; not the others it names ("what did Xi tell Putin" asks Xi's words)."""
    words = normalise(_POSSESSIVE.sub("", query.text)).split()
    names = {at for at, word in enumerate(words) if set(query.names).intersection(tokenize(word))}
    named: set[int] = set()
    for at, word in enumerate(words):
        if word in _SOURCE_CUES:
            named |= _first_named(words, range(at + 1, min(len(words), at + 1 + _NAME_REACH)), names, table)
        elif _SPEECH.fullmatch(word):
            named |= _first_named(words, range(at - 1, max(-1, at - 1 - _NAME_REACH), -1), names, table)
    return named


def _first_named(words: list[str], positions: range, names: set[int], table: SpeakerTable) -> set[int]:
    """The speakers named by the first run of name words at ``positions`` (by its surname, its last word), or
    by a role ("spokesman", with the two words before it that qualify it: "Kremlin spokesman"); empty when a
    word that is neither comes first (other than ``_BETWEEN``), or the name is no speaker's."""
    run: list[int] = []
    for at in positions:
        if at in names:
            run.append(at)
            continue
        if run:
            break
        word = words[at]
        if word.startswith(_ROLE_HEADS):
            qualifiers = [w for w in words[max(0, at - 2):at] if w not in _QUALIFIER_SKIPS and len(w) > 2]
            return table.people_with_role(word, qualifiers) if qualifiers else set()
        if word not in _BETWEEN:
            return set()
    return set(table.surnames.get(words[max(run)], ())) if run else set()


def prefer_spoken(candidates: list[Candidate], query: Query, table: SpeakerTable, weights: Weights) -> None:
    """Set ``speaker`` on each candidate; a candidate that gets it answers with its
    named speaker's best sentence, and its ``answering`` sentences become that speaker's alone, so rereading
    them for meaning keeps the answer theirs. That sentence must hold the kind of answer asked for when the
    passage's best one does ("by what date …"); the passage's word features stay its best sentence's, the
    evidence "not covered" weighs."""
    named = named_speakers(query, table)
    if not named:
        return
    for c, spoken in zip(candidates, table.row_speakers([c.row for c in candidates]), strict=True):
        theirs = {span for span, who, _ in spoken if who in named}
        sentences = c.answering
        best = sentences[0]
        floor = weights.speaker_coverage * best.coverage
        chosen = next((s for s in sentences if s.span in theirs and s.coverage > 0 and s.coverage >= floor
                       and (s.holds or not best.holds)), None)
        c.features["speaker"] = float(chosen is not None)
        if chosen is not None:
            c.answering = [chosen] + [s for s in sentences if s is not chosen and s.span in theirs]
            c.focus = chosen.span
