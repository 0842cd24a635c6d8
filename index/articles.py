"""The article every source produces, and the small normalisations all sources share."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

from dateutil import parser as date_parser

_TAG = re.compile(r"<[^<>]+>")  # no "<" inside: a stray "<" cannot make each later one scan to the end
# C0 and C1 controls that break a line become one; the rest (NUL, escape, bell…) carry nothing readable,
# and a lone surrogate (JSON's "\ud800") cannot even be stored.
_LINE_CONTROLS = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

_DATE_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))
MAX_DATE_CHARS = 100  # longer is prose, not a date, and dateutil's time grows with the text
FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class Article:
    """One document as the index stores it; ``text`` is what quotes are cut from, verbatim."""

    url: str
    title: str
    text: str
    source: str
    outlet: str = ""
    published: datetime | None = None

    @cached_property
    def doc_id(self) -> str:
        """Stable id: the same source and link always name the same article."""
        return hashlib.sha1(f"{self.source}\n{self.url}".encode()).hexdigest()[:16]

    @cached_property
    def content_hash(self) -> str:
        """Changes whenever anything a reader sees changes, so reindexing knows what to re-embed."""
        stamp = self.published.isoformat() if self.published else ""
        payload = "\x1f".join([self.title, self.outlet, stamp, self.text])
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Failure:
    """Something a source could not read; reported with its reason and skipped.

    ``whole`` marks a file, feed or page that could not be read at all: its articles are
    unknown this time, so none of the source's missing articles may be taken as removed.
    """

    source: str
    item: str
    reason: str
    whole: bool = False


_HIDDEN = frozenset({"Cc", "Cf", "Cs"})  # control and format characters, lone surrogates
_NOT_PLAIN = re.compile(r"[^\t\n\r\x20-\x7e]")  # all but printable ASCII, tab and line ends: the chars to look up


def visible(text: str) -> str:
    """``text`` without what a reader can't see but a screen or a tokenizer acts on.

    Format characters (zero-width, bidi overrides and isolates, BOM), lone surrogates and control characters
    go, so a quote or question shows and matches exactly what it says; tab, newline and carriage return stay,
    and a control that separates words (form feed, NEL) becomes a space so the words stay apart.
    """
    return _NOT_PLAIN.sub(_visible_char, text)


def _visible_char(match: re.Match[str]) -> str:
    char = match.group()
    return char if unicodedata.category(char) not in _HIDDEN else " " if char.isspace() else ""


def clean_text(raw: str) -> str:
    """Unescape entities, drop stray markup, controls and invisible characters, tidy whitespace, keep paragraphs.

    Invisible characters go so that a quote shows exactly what it says, and words match as typed.
    """
    text = visible(_LINE_CONTROLS.sub("\n", html.unescape(html.unescape(raw or ""))))
    text = _TAG.sub(" ", text) if "<" in text and ">" in text else text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def without_controls(raw: str) -> str:
    """``raw`` without control characters or lone surrogates, and otherwise unchanged (for links)."""
    return _CONTROLS.sub("", _LINE_CONTROLS.sub("", raw))


def mostly_controls(raw: str) -> bool:
    """Whether more than half of the visible characters are controls (NULs, a binary file): junk, not text."""
    dense = _WHITESPACE.sub("", raw)
    return len(dense) - len(_CONTROLS.sub("", dense)) > len(dense) / 2


def cut_text(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start, ended at a break in the last tenth before it.

    A paragraph break is preferred, then a sentence's end, then a space, so the cut splits no quotable sentence.
    """
    if len(text) <= limit:
        return text
    head, floor = text[:limit], limit - limit // 10
    paragraph = head.rfind("\n\n", floor)
    if paragraph > 0:
        return head[:paragraph].rstrip()
    sentences = [end.end() for end in _SENTENCE_END.finditer(head, floor)]
    if sentences:
        return head[:sentences[-1]]
    space = max(head.rfind(" ", floor), head.rfind("\n", floor))
    return (head[:space] if space > 0 else head).rstrip()


def clean_title(raw: str) -> str:
    """A title is one line of clean text."""
    return " ".join(clean_text(raw).split())


def parse_published(value: object) -> datetime | None:
    """A full date or timestamp in any common form, timezone-aware (UTC if none given); None for anything less.

    A partial date ("10", "Tuesday", "Jan 2022") is no date: completing it from today would invent one.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        moment = _read_date(str(value).strip())
        if moment is None:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read_date(written: str) -> datetime | None:
    """ISO 8601 (as the store writes it) directly, other forms through dateutil.

    dateutil fills a part the text leaves out from its ``default``; reading with two defaults that differ
    in year, month and day shows any part that was filled in, and then the date is refused.
    """
    if len(written) > MAX_DATE_CHARS:
        return None
    try:
        return datetime.fromisoformat(written)
    except ValueError:
        pass
    try:
        first, second = (date_parser.parse(written, default=default) for default in _DATE_DEFAULTS)
    except (ValueError, OverflowError, TypeError):
        return None
    return first if first.date() == second.date() else None


def in_the_future(moment: datetime) -> bool:
    """More than a day ahead of now: no time zone is that far ahead, so the date is wrong."""
    return moment > datetime.now(UTC) + FUTURE_SLACK


def outlet_from_url(url: str) -> str:
    """Fallback outlet name: the site's host without ``www.``."""
    match = re.match(r"^[a-z]+://([^/]+)", url or "")
    return match.group(1).removeprefix("www.") if match else ""
