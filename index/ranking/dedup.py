"""Stage 4, dedup: syndicated copies become one quote listing the other outlets; an article gives at most
``quotes_per_article`` quotes, never two sharing a sentence, chosen once the cross-encoder has reordered them.

Passages that differ but would answer with the same sentence are copies too: a wire photo caption runs
under a dozen stories and would otherwise take most of the places.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from index.quotes import Quote
from index.ranking.candidates import Candidate
from index.ranking.weights import Weights

_SQUASH = re.compile(r"[^a-z0-9]+")
T = TypeVar("T")


def deduplicate(ranked: list[Candidate], weights: Weights,
                shingles: Callable[[str], frozenset[str]]) -> list[Candidate]:
    """The leading ``deduplicate_top`` candidates without copies; each kept one lists its copies' outlets."""
    kept: list[tuple[Candidate, frozenset[str], str]] = []
    for c in ranked[:weights.deduplicate_top]:
        own, answering = shingles(c.passage.text), answering_sentence(c, weights.same_sentence_chars)
        twin = next((k for k, s, a in kept if jaccard(s, own) >= weights.duplicate_jaccard
                     or (answering and answering == a)), None)
        if twin is not None:
            if c.passage.outlet and c.passage.outlet != twin.passage.outlet and c.passage.outlet not in twin.also:
                twin.also.append(c.passage.outlet)
            continue
        kept.append((c, own, answering))
    return [c for c, _, _ in kept]


def per_article(ranked: list[T], most: int, article: Callable[[T], str] = lambda c: c.passage.doc_id) -> list[T]:
    """At most ``most`` candidates of one ``article``, the first ones: applied after the cross-encoder, so that it
    chooses which of a long transcript's passages answer (``fit_ranker`` replays it on candidates' indices)."""
    taken: Counter[str] = Counter()
    kept = []
    for c in ranked:
        key = article(c)
        taken[key] += 1
        if taken[key] <= most:
            kept.append(c)
    return kept


def answering_sentence(c: Candidate, shortest: int) -> str:
    """The candidate's answering sentence, whitespace squeezed; "" when too short to tell copies from
    chance ("Thank you." ends many transcripts)."""
    sentence = " ".join(c.passage.text[c.focus[0]:c.focus[1]].split())
    return sentence if len(sentence) >= shortest else ""


def overlap(a: Quote, b: Quote) -> bool:
    """Whether two quotes of one article share their answering sentence (their windows overlap)."""
    if a.doc_id != b.doc_id:
        return False
    return any(x.highlight and x.text[x.highlight[0]:x.highlight[1]] in y.text for x, y in ((a, b), (b, a)))


def shingles(text: str) -> frozenset[str]:
    """The passage's 4-word shingles, lower case, punctuation dropped."""
    words = _SQUASH.sub(" ", text.lower()).split()
    return frozenset(" ".join(words[i:i + 4]) for i in range(max(1, len(words) - 3)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
