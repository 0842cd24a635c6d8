"""Stage 5, abstention: whether the sources plausibly answer, and if not, the reason.

Each rule returns a ``Refusal`` (a stable code and a sentence a person can read) or None; the first
that refuses decides. ``parley eval`` counts refusals per code and ``parley ask --explain`` prints it.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from index.lexical import tokenize
from index.query import YEAR, Query
from index.quotes import Refusal
from index.ranking.candidates import Candidate
from index.ranking.weights import Weights
from index.spelling import MIN_LENGTH

DATE_LOOKBACK = timedelta(days=10)  # an event on a named day is announced up to this long before
WHOLE_MONTH = timedelta(days=14)  # a date window longer than this is a month named whole: no lookback
SPELLING = 0.8  # difflib ratio at which a passage's word counts as the name spelt another way

@dataclass(frozen=True)
class Coverage:
    """What the rules know of the sources: how many passages hold a word, the outlets' own words, the dates."""

    passages_with: object  # token → number of passages holding it
    outlet_words: set[str]
    first: datetime | None
    last: datetime | None


def refusal(query: Query, ranked: list[Candidate], coverage: Coverage, weights: Weights) -> Refusal | None:
    """The first rule that refuses, or None when the leading candidates plausibly answer."""
    if not ranked:
        return Refusal("nothing-found")
    texts = leading_texts(ranked, weights)
    for code in weights.rules:
        found = RULES[code](query, ranked, texts, coverage, weights)
        if found is not None:
            return found
    return None


_NUMBER = re.compile(r"\b\d[\d,.]*\b")
EVIDENCE = ("dense", "words", "names", "sentence_names", "numbers", "top", "relevance")  # what the learned rule weighs


def evidence(query: Query, ranked: list[Candidate], texts: list[str], coverage: Coverage) -> dict[str, float]:
    """How much of the question the leading candidates hold: the best passage similarity, the best sentence's
    share of its words, the share of its names the three leading passages hold and the share the first answer's
    own sentence holds (weighed against each other: an answer's passage names who the question asks about and
    its sentence gives the answer, where a sentence that merely repeats the names is no answer), the share of
    its numbers (not years; a day of the month is one, which passages seldom write, so this mostly tells a
    question naming a day) the passages hold, the top score, and the cross-encoder's best relevance. The
    learned rule weighs these."""
    leading = [_words(text) for text in texts[:3]]
    names = [name for name in query.names if name not in coverage.outlet_words]
    numbers = [n for n in _NUMBER.findall(query.text) if not YEAR.fullmatch(n)]
    first = ranked[0]
    answering = _words(first.passage.text[first.focus[0]:first.focus[1]])
    return {
        "dense": max(c.feature("dense") for c in ranked),
        "words": max(c.feature("words_held") for c in ranked),
        "names": sum(any(_mentions(words, name) for words in leading) for name in names) / len(names) if names else 1.0,
        "sentence_names": sum(_mentions(answering, name) for name in names) / len(names) if names else 1.0,
        "numbers": sum(any(n in text for text in texts[:3]) for n in numbers) / len(numbers) if numbers else 1.0,
        "top": ranked[0].score,
        "relevance": max((c.features["cross_encoder"] for c in ranked if "cross_encoder" in c.features), default=0.0),
    }


def answer_probability(facts: dict[str, float], weights: Weights) -> float:
    """The learned chance that the sources answer: a logistic model over ``EVIDENCE`` (fitted on train)."""
    z = weights.abstain_bias + sum(getattr(weights, f"abstain_{name}") * facts[name] for name in EVIDENCE)
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


def leading_texts(ranked: list[Candidate], weights: Weights) -> list[str]:
    """The leading passages as the rules read them, title included."""
    top = max(weights.name_check_top, weights.year_check_top, weights.date_check_top, 3)
    return [f"{c.passage.title} {c.passage.text}" for c in ranked[:top]]


def _unlikely(query, ranked, texts, coverage, weights) -> Refusal | None:
    """The learned rule: the evidence model's chance of an answer below ``abstain_at``. It was fitted with the
    cross-encoder's relevance, so where none was read the hand-set floors below stand in."""
    if not any("cross_encoder" in c.features for c in ranked):
        return (_weak_evidence(query, ranked, texts, coverage, weights)
                or _far_in_meaning(query, ranked, texts, coverage, weights))
    facts = evidence(query, ranked, texts, coverage)
    chance = answer_probability(facts, weights)
    if chance >= weights.abstain_at:
        return None
    weighed = ", ".join(f"{name} {facts[name]:.2f}" for name in EVIDENCE)
    return Refusal("unlikely-answer", f"{chance:.2f} < {weights.abstain_at:.2f}; {weighed}")


def _weak_evidence(query, ranked, texts, coverage, weights) -> Refusal | None:
    """Best dense + best sentence meaning (when reread) + best sentence words under a floor: each alone
    proved too noisy."""
    meaning = max(c.feature("sentence_meaning") for c in ranked)
    evidence = max(c.feature("dense") for c in ranked) + meaning + max(c.feature("words_held") for c in ranked)
    floor = weights.abstain_below if meaning else weights.abstain_below_no_rerank
    return Refusal("weak-evidence", f"{evidence:.2f} < {floor:.2f}") if evidence < floor else None


def _far_in_meaning(query, ranked, texts, coverage, weights) -> Refusal | None:
    """Words alone can't show an answer: "Who won the 2022 Super Bowl?" finds all its words in a TV listing."""
    meaning = max(c.feature("sentence_meaning") for c in ranked)
    dense = max(c.feature("dense") for c in ranked)
    far = (dense + meaning < weights.abstain_meaning_below) if meaning else (
        dense < weights.abstain_dense_below_no_rerank)
    return Refusal("far-in-meaning") if far else None


def _unmentioned_name(query, ranked, texts, coverage, weights) -> Refusal | None:
    """A name the sources rarely mention ("the Makiivka strike") that no leading passage holds, even spelt
    a little differently: the passages found are about something else. Not outlets (read as sources), nor
    names too short for spelling correction, which a typo easily makes."""
    rare = [name for name in query.names if len(name) >= MIN_LENGTH and name not in coverage.outlet_words
            and coverage.passages_with(name) <= weights.rare_name]
    leading = [_words(text) for text in texts[:weights.name_check_top]]
    missing = [name for name in rare if not any(_mentions(words, name) for words in leading)]
    return Refusal("unmentioned-name", missing[0]) if missing else None


def _year_outside(query, ranked, texts, coverage, weights) -> Refusal | None:
    """A year before the oldest article that none of the leading passages recounts, or a year after the
    newest that the first passage doesn't name (later years are only ever anticipated)."""
    earlier = [str(year) for year in query.years if coverage.first and year < coverage.first.year]
    later = [str(year) for year in query.years if coverage.last and year > coverage.last.year]
    for year in earlier:
        if not any(year in text for text in texts[:weights.year_check_top]):
            return Refusal("year-outside-sources", year)
    for year in later:
        if year not in texts[0]:
            return Refusal("year-outside-sources", year)
    return None


def _dates_outside(query, ranked, texts, coverage, weights) -> Refusal | None:
    """Dates named and no leading passage published then (or in the days before a named day, when an event is
    announced); a month before the oldest article must be named by a leading passage with its year."""
    if not query.dates:
        return None
    texts = texts[:weights.date_check_top]
    dated = [c.passage.published for c in ranked[:weights.date_check_top] if c.passage.published]
    for start, end in query.dates:
        if coverage.first and end < coverage.first:
            if _recounted(start, end, texts):
                return None
        elif any(start - (DATE_LOOKBACK if end - start <= WHOLE_MONTH else timedelta(0)) <= moment <= end
                 for moment in dated):
            return None
    return Refusal("dates-outside-sources")


RULES = {"unlikely-answer": _unlikely,
         "weak-evidence": _weak_evidence, "far-in-meaning": _far_in_meaning, "unmentioned-name": _unmentioned_name,
         "year-outside-sources": _year_outside, "dates-outside-sources": _dates_outside}


def _recounted(start: datetime, end: datetime, texts: list[str]) -> bool:
    """Whether one of ``texts`` names the month of a date window with its year ("June 2021")."""
    month = start + (end - start) / 2
    names = (f"{month:%B} {month.year}", f"{month:%B}, {month.year}", f"{month:%b}. {month.year}")
    return any(name in text for text in texts for name in names)


@lru_cache(maxsize=16)
def _words(text: str) -> frozenset[str]:
    """A text's stemmed words: the learned rule and the name rule read the same three passages."""
    return frozenset(tokenize(text))


def _mentions(words: frozenset[str], name: str) -> bool:
    """Whether a passage's words (title included) hold a stemmed name, or a word spelt nearly like it."""
    return name in words or bool(difflib.get_close_matches(name, words, n=1, cutoff=SPELLING))
