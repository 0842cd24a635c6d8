"""Stage 3, priors: what the question names (dates, outlets, "latest") and what the sources are.

``date``, ``day``, ``outlet`` and ``recent`` come from the question; ``topic`` leans a short question to the
bot's subject ("what did Russia demand?" means its treaty drafts, not "domestic demand in basic
foods"); ``title`` finds the piece titled for what is asked ("Blinken's call with Lavrov" finds the
readout of the call); ``primary`` prefers an office's own record to a report of it when the two
score alike, scaled by how on topic the passage is (an office's other business is no primary source).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from index.query import Query
from index.ranking.candidates import Candidate
from index.ranking.weights import Weights

RECENT = timedelta(days=7)


def question_priors(c: Candidate, query: Query, last: datetime | None) -> None:
    """``date``, ``day``, ``outlet`` and ``recent``: 1.0 when the passage is what the question names, else 0.
    ``day`` is the named day itself, inside ``date``'s window: that day's record, not the reports of the days after."""
    published = c.passage.published
    c.features["date"] = float(bool(published and query.dates
                                    and any(start <= published <= end for start, end in query.dates)))
    c.features["day"] = float(bool(published and published.date() in query.days))
    c.features["outlet"] = float(bool(query.outlets and c.passage.outlet in query.outlets))
    c.features["recent"] = float(bool(query.recent and published and last and published >= last - RECENT))


def source_priors(c: Candidate, topical: float, title: float, primary: set[str], has_topic: bool,
                  weights: Weights) -> None:
    """``topic`` and ``title`` similarities, and ``primary`` for a source so marked."""
    c.features["topic"] = topical
    c.features["title"] = title
    c.features["primary"] = primary_share(c.passage.source, topical, primary, has_topic, weights)


def primary_share(source: str, topical: float, primary: set[str], has_topic: bool, weights: Weights) -> float:
    """1.0 for a primary source on topic, in proportion below ``primary_on_topic``; 0 for the others."""
    if source not in primary:
        return 0.0
    return min(1.0, topical / weights.primary_on_topic) if has_topic else 1.0
