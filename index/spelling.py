"""Typos in a question, corrected to the words the sources use.

A misspelt word ("mid-Deember", "Stoltnberg", "Washinton's") is one no passage holds, or one that
only a stray typo in the sources holds ("Deparment", in one passage): BM25 loses it, the date reader
misses it, and the question seems to name something the sources never mention. Each such word
becomes the spelling one edit away (a letter dropped, added, changed, two swapped, or a space put
in) that the most passages hold, if that is many times more. Words the sources use are never
touched, nor short ones, which one edit turns into too many others, nor acronyms and brands
("HIMARS" is not "Hi Mars", nor "OpenAI" "Open Ai"), except names run together whose parts are
names the sources use ("BidenPutin", a hashtag or a dropped hyphen, is "Biden-Putin"). (Spelling
libraries check against a dictionary of whole words; the index keeps stemmed ones, so the
candidates are stemmed and looked up here.)
"""

from __future__ import annotations

import re
from collections.abc import Callable

from index.lexical import tokenize

MIN_LENGTH = 5  # letters; shorter words are left as typed
MAX_RESPELLED = 8  # unknown words looked at per question: past this it is not about the sources
STRAY = 2  # passages at most: a word this rare may be the sources' own typo…
STRAY_RATIO = 100  # …and gives way to a spelling one edit away that this many times more passages hold
_WORD = re.compile(rf"[^\W\d_]{{{MIN_LENGTH},}}")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")  # "BidenPutin", "NATORussia"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def correct(text: str, passages_with: Callable[[str], int], is_name: Callable[[str], bool] | None = None) -> str:
    """``text`` with each word that no passage holds replaced by its likeliest spelling, if one is near.

    ``passages_with`` counts the passages holding a stemmed token (``LexicalIndex.passages_with``);
    ``is_name`` says whether the sources write a stemmed token capitalised (names run together are split).
    """
    unknown = 0

    def respell(match: re.Match) -> str:
        nonlocal unknown
        word = match.group()
        tokens = tokenize(word)
        held = passages_with(tokens[0]) if tokens else 0
        if is_name and not held and not word[1:].islower():
            return _split_names(word, is_name)
        if not word[1:].islower() or not tokens or held > STRAY or unknown == MAX_RESPELLED:
            return word  # an acronym or a brand, a stopword, a word the sources use, or one too many
        unknown += 1
        return _respell(word, passages_with, held)

    return _WORD.sub(respell, text)


def _split_names(word: str, is_name: Callable[[str], bool]) -> str:
    """Names run together ("BlinkenLavrov") joined by hyphens, when every part is a name the sources use;
    else the word as typed (a brand, "OpenAI", stays whole)."""
    parts = _CAMEL.split(word)
    names = [tokenize(part) for part in parts]
    if len(parts) > 1 and all(len(tokens) == 1 and is_name(tokens[0]) for tokens in names):
        return "-".join(parts)
    return word


def _respell(word: str, passages_with: Callable[[str], int], typed: int) -> str:
    """The edit of ``word`` that the most passages hold, if more than hold the word as ``typed`` (× ``STRAY_RATIO``
    when some do: then it must be far likelier the typo is the question's than a real, rare word)."""
    best, held = word, typed * STRAY_RATIO
    for candidate in _edits(word.lower()):
        parts = tokenize(candidate)
        if len(parts) == len(candidate.split()):  # no part is a stopword
            count = min(passages_with(part) for part in parts)
            if count > held:
                best, held = candidate, count
    if best is word:
        return word
    return " ".join(part.capitalize() for part in best.split()) if word[0].isupper() else best


def _edits(word: str) -> list[str]:
    """Every string one edit from ``word``, in a fixed order (ties go to the first).

    A letter added comes first: a dropped letter is the commonest typo, and the stemmer makes many
    ties ("Deparment" → "Department" and "Departent" both stem to "depart").
    """
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return list(dict.fromkeys(
        [a + c + b for a, b in splits for c in _LETTERS]
        + [a + b[1:] for a, b in splits if b]
        + [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
        + [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
        + [f"{a} {b}" for a, b in splits if len(a) > 2 and len(b) > 2]))
