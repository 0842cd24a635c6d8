"""Quotes and answers: the article's own words around the sentence that answers, within a length budget.

A quote is always a verbatim slice of the article text, cut at sentence boundaries, with the
answering sentence's offsets so each front end can mark it (bold in Slack and Discord).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from index.sentences import sentence_spans

MAX_QUOTE_CHARS = 600

#: Every refusal code, with what it means.
REASONS = {
    "nothing-found": "no passage shares the question's words or meaning",
    "unlikely-answer": "the evidence model judges an answer unlikely",
    "weak-evidence": "the best passages hold too little of the question",
    "far-in-meaning": "the passages share the question's words but not its meaning",
    "unmentioned-name": "the question names something no leading passage mentions",
    "year-outside-sources": "the year asked about is outside the sources and no leading passage names it",
    "dates-outside-sources": "no leading passage is from the dates asked about",
}


@dataclass(frozen=True)
class Refusal:
    """Why a question is "not covered": a code from ``REASONS`` and the detail for this question."""

    code: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{REASONS[self.code]}{f' ({self.detail})' if self.detail else ''}"


@dataclass(frozen=True)
class QuoteSpeaker:
    """Who speaks a quote's answering sentence: ``kind`` is ``words`` (their own words) or ``account`` (the
    outlet's paraphrase of what they said), as ``index.speakers`` reads it."""

    name: str
    role: str = ""
    kind: str = "words"

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "kind": self.kind}


@dataclass(frozen=True)
class Quote:
    """One sourced quote: ``text`` is verbatim; ``highlight`` marks the answering sentence in it, and ``speaker``
    says who speaks that sentence, when the article says."""

    text: str
    url: str
    title: str
    outlet: str
    published: datetime | None
    score: float
    highlight: tuple[int, int] | None = None
    doc_id: str = ""
    passage_id: int = 0
    also: tuple[str, ...] = field(default=())
    features: dict[str, float] = field(default_factory=dict, compare=False)  # the ranker's evidence, by name
    contributions: dict[str, float] = field(default_factory=dict, compare=False)  # weight × feature, by name
    speaker: QuoteSpeaker | None = None

    def to_dict(self, explain: bool = False) -> dict:
        """The JSON shape of ``parley ask --json`` (with the features and their contributions if ``explain``)."""
        data = {"text": self.text, "url": self.url, "title": self.title, "outlet": self.outlet,
                "published": self.published.date().isoformat() if self.published else None,
                "score": round(self.score, 4), "also": list(self.also),
                "speaker": self.speaker.to_dict() if self.speaker else None}
        if explain:
            data["features"] = {name: round(value, 4) for name, value in self.features.items()}
            data["contributions"] = {name: round(value, 4) for name, value in self.contributions.items()}
        return data


@dataclass(frozen=True)
class Answer:
    """What the index says to a question: quotes that answer, or an honest "not covered"."""

    question: str
    answered: bool
    quotes: list[Quote] = field(default_factory=list)
    closest: list[Quote] = field(default_factory=list)
    refusal: Refusal | None = None  # why it is "not covered"

    def to_dict(self, explain: bool = False) -> dict:
        data = {"question": self.question, "answered": self.answered,
                "quotes": [quote.to_dict(explain) for quote in self.quotes],
                "closest": [quote.to_dict(explain) for quote in self.closest]}
        if self.refusal is not None:
            data["reason"] = self.refusal.code
            data["reason_text"] = str(self.refusal)
        return data


def window(text: str, focus: tuple[int, int], limit: int = MAX_QUOTE_CHARS,
           weigh: Callable[[str], float] | None = None) -> tuple[int, int]:
    """The span of whole sentences around ``focus`` (a sentence span) that fits in ``limit`` chars.

    Context is added one sentence at a time. With ``weigh`` (how much of the question a sentence holds), it
    comes from the side whose next sentence weighs more, after on a tie: an answer often follows the sentence
    that sets it up, and a lead that restates the question sits before it. Without, the sides alternate,
    starting before (news often names the speaker there). A focus sentence longer than the limit is cut at
    the last word boundary that fits, the only case a quote ends mid-sentence.
    """
    spans = _sentences_near(text, focus, limit) or [focus]
    index = min(range(len(spans)), key=lambda i: abs(spans[i][0] - focus[0]))
    start, end = spans[index]
    if end - start > limit:
        cut = text.rfind(" ", start, start + limit)
        return start, cut if cut > start else start + limit
    weight = cache(lambda i: weigh(text[spans[i][0]:spans[i][1]])) if weigh else None  # only those reached
    before, after, turn_after = index - 1, index + 1, False
    while True:
        fits_before = before >= 0 and end - spans[before][0] <= limit
        fits_after = after < len(spans) and spans[after][1] - start <= limit
        if not (fits_before or fits_after):
            return start, end
        if fits_before and fits_after:
            take_after = weight(after) >= weight(before) if weight else turn_after
        else:
            take_after = fits_after
        if take_after:
            end, after = spans[after][1], after + 1
        else:
            start, before = spans[before][0], before - 1
        turn_after = not take_after


def _sentences_near(text: str, focus: tuple[int, int], limit: int) -> list[tuple[int, int]]:
    """The whole sentences within ``limit`` characters of ``focus``.

    Only this stretch can end up in the quote, and splitting it alone keeps a quote from a
    60,000-character transcript as quick as one from a short article.
    """
    low, high = max(0, focus[0] - limit), min(len(text), focus[1] + limit)
    spans = [(low + start, low + end) for start, end in sentence_spans(text[low:high])]
    if low > 0 and spans:
        spans = spans[1:]  # it may begin before ``low``
    if high < len(text) and spans:
        spans = spans[:-1]  # it may end after ``high``
    return spans
