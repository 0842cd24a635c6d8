"""Reading a question for what it asks, before retrieval.

Chat noise (mentions, greetings) is stripped and typos are corrected (``spelling``); dates
("on 10 January", "Dec 14", "mid-February", "last week"; "before the Jan 21 meeting": the days up
to it, when what the question asks about was said; "since Jan 10": from then on) become a
published-date window; outlets and sources named in the question ("the Kremlin", "per the State
Department", "CNN") become boosts; "latest" or "now" favour recent articles. All of these boost
rather than filter, so a question phrased loosely still finds its answer.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from index.answer_types import NOT_NAMES, asked_kinds
from index.articles import visible
from index.lexical import tokenize
from index.spelling import correct

_MENTION = re.compile(r"<[@#!][^>]*>|(?<!\w)@\w+")
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|yo|dear|ok|okay|please|pls|thanks|thank you)\b[\s,!.:-]*",
                       re.IGNORECASE)
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
_DAY_MONTH = re.compile(r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\b" + _YEAR, re.I)
_MONTH_DAY = re.compile(r"\b" + _MONTH + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b" + _YEAR, re.I)
_PART_MONTH = re.compile(r"\b(?P<part>early|mid|middle of|late|end of|beginning of|start of)[\s-]+" + _MONTH
                         + r"\b" + _YEAR, re.I)
_IN_MONTH = re.compile(r"\b(?:in|during|by|of|since)\s+" + _MONTH + r"\b" + _YEAR, re.I)
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I)
_RELATIVE = {"today": 1, "yesterday": 2, "this week": 7, "last week": 14, "past week": 7,
             "this month": 31, "last month": 62}
YEAR = re.compile(r"(?<![\w-])((?:19|20)\d\d)(?![\w-])")  # a four-digit year, not part of a name ("Resolve-2022")
# "before the Jan 21 meeting": what was said in the days up to it, not the reports of it.
_AHEAD = re.compile(r"\b(?:before|ahead of|prior to|in advance of|on the eve of|in the run-up to)\s+"
                    r"(?:(?:the|his|her|their|its|this|that)\s+)?$", re.I)
AHEAD = timedelta(days=10)  # what is said ahead of an event, in the days up to it (its day included)
_SINCE = re.compile(r"\bsince\s+(?:(?:the|his|her|their|its|this|that)\s+)?$", re.I)  # "since Jan 10": to now
_RECENT = re.compile(r"\b(latest|newest|most recent|recently|now|currently|today|so far)\b", re.I)
# A capitalised word inside the question (not its first word, nor a month or weekday): a name.
_NAME = re.compile(r"(?<!^)(?<![.!?:]\s)(?<![\"“'‘])\b[A-Z][\w'’-]*")
_NOT_NAME_TOKENS = frozenset(token for name in NOT_NAMES for token in tokenize(name))  # "January" is capitalised
_PARTS = {"early": (1, 10), "beginning of": (1, 10), "start of": (1, 10), "mid": (11, 20),
          "middle of": (11, 20), "late": (21, 31), "end of": (21, 31)}


@dataclass(frozen=True)
class Query:
    """A question as retrieval sees it; ``years`` are the four-digit years it names, ``kinds`` the
    kinds of answer it asks for (see ``answer_types``), ``words`` its stemmed words as BM25 sees them,
    ``names`` those of its words written capitalised inside it or by the sources (people, places, events),
    ``days`` the days it names as when something happened ("on Feb 7", not "ahead of Feb 7")."""

    text: str
    dates: list[tuple[datetime, datetime]] = field(default_factory=list)
    outlets: frozenset[str] = frozenset()
    recent: bool = False
    years: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    days: tuple[date, ...] = ()


def clean_question(text: str) -> str:
    """The question without invisible characters, mentions, greetings or surrounding whitespace."""
    text = _MENTION.sub(" ", visible(text or ""))
    previous = None
    while previous != text:
        previous, text = text, _GREETING.sub("", text)
    return " ".join(text.split())


def parse_query(question: str, reference: datetime | None = None, outlet_names: dict[str, str] | None = None,
                passages_with: Callable[[str], int] | None = None,
                is_name: Callable[[str], bool] | None = None) -> Query:
    """Read dates, outlets and recency out of a question.

    ``reference`` is the "now" that years and relative dates are read against (the newest
    article, for an archive); ``outlet_names`` maps squashed names and aliases (lower case,
    letters and digits only: "whitehouse") to outlets; ``passages_with`` (how many passages hold
    a token) lets typos be corrected to the sources' words first (``spelling``); ``is_name`` (whether
    the sources write a token capitalised) finds the names in a question typed in lower case.
    """
    text = clean_question(question)
    if passages_with is not None:
        text = correct(text, passages_with, is_name)
    if text and text[-1].isalnum():  # typed without its question mark, as chat often is:
        text += "?"  # the models read a question better with one
    reference = reference or datetime.now(UTC)
    years = tuple(int(year) for year in YEAR.findall(text))
    words = tuple(tokenize(text))
    written = [token for word in _NAME.findall(text) if word.lower() not in NOT_NAMES for token in tokenize(word)]
    known = [token for token in words if is_name(token) and token not in _NOT_NAME_TOKENS] if is_name else []
    windows, days = _dates(text, reference)
    return Query(text, windows, _outlets(text, outlet_names or {}), bool(_RECENT.search(text)),
                 years, asked_kinds(text), words, tuple(dict.fromkeys([*written, *known])), days)


def _dates(text: str, reference: datetime) -> tuple[list[tuple[datetime, datetime]], tuple[date, ...]]:
    """The date windows a question names, and the days among them it names as when something happened."""
    windows: list[tuple[datetime, datetime]] = []
    named: list[date] = []
    taken: list[tuple[int, int]] = []

    def free(match: re.Match) -> bool:
        return not any(match.start() < end and start < match.end() for start, end in taken)

    for pattern in (_DAY_MONTH, _MONTH_DAY):
        for match in pattern.finditer(text):
            day, month = int(match["day"]), _MONTHS[match["month"].lower()]
            year = _year(match["year"], month, reference)
            if 1 <= day <= calendar.monthrange(year, month)[1] and free(match):
                taken.append(match.span())
                moment = datetime(year, month, day, tzinfo=UTC)
                if _AHEAD.search(text[:match.start()]):
                    windows.append((moment - AHEAD, moment.replace(hour=23, minute=59)))
                elif _SINCE.search(text[:match.start()]):
                    windows.append((moment, max(moment, reference) + timedelta(days=1)))
                else:
                    windows.append((moment - timedelta(days=1), moment + timedelta(days=3)))
                    named.append(moment.date())
    for match in _PART_MONTH.finditer(text):
        if free(match):
            taken.append(match.span())
            month = _MONTHS[match["month"].lower()]
            year = _year(match["year"], month, reference)
            first, last = _PARTS[match["part"].lower()]
            last = min(last, calendar.monthrange(year, month)[1])
            windows.append((datetime(year, month, first, tzinfo=UTC),
                            datetime(year, month, last, tzinfo=UTC) + timedelta(days=2)))
    for match in [*_IN_MONTH.finditer(text), *_MONTH_YEAR.finditer(text)]:
        if free(match):
            taken.append(match.span())
            month = _MONTHS[match["month"].lower()]
            year = _year(match["year"], month, reference)
            end = datetime(year, month, calendar.monthrange(year, month)[1], tzinfo=UTC) + timedelta(days=2)
            if match.group().lower().startswith("since"):  # "the first meeting since July 2019": after it
                end = max(end, reference + timedelta(days=1))
            windows.append((datetime(year, month, 1, tzinfo=UTC), end))
    lowered = text.lower()
    for phrase, days in _RELATIVE.items():
        if re.search(rf"\b{phrase}\b", lowered):
            windows.append((reference - timedelta(days=days), reference + timedelta(days=1)))
    return windows, tuple(named)


def _year(written: str | None, month: int, reference: datetime) -> int:
    """The year written, else the latest year that does not put the month after ``reference``."""
    if written:
        return int(written)
    return reference.year if month <= reference.month else reference.year - 1


def _outlets(text: str, names: dict[str, str]) -> frozenset[str]:
    """Outlets whose squashed name equals a run of one to four words of the question."""
    words = [re.sub(r"[^a-z0-9]", "", word) for word in text.lower().split()]
    runs = {"".join(words[i:i + n]) for n in range(1, 5) for i in range(len(words) - n + 1)}
    return frozenset(outlet for name, outlet in names.items() if len(name) > 2 and name in runs)
