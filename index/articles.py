"""The article every source produces, and the small normalisations all sources share."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property

from dateutil import parser as date_parser

_TAG = re.compile(r"<[^>]+>")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


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


def clean_text(raw: str) -> str:
    """Unescape entities, drop stray markup and tidy whitespace, keeping paragraph breaks."""
    text = _INVISIBLE.sub("", html.unescape(html.unescape(raw or "")))
    text = _TAG.sub(" ", text) if "<" in text and ">" in text else text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_title(raw: str) -> str:
    """A title is one line of clean text."""
    return " ".join(clean_text(raw).split())


def parse_published(value: object) -> datetime | None:
    """Read a date or timestamp in any common form as a timezone-aware datetime (UTC if none given)."""
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
    """ISO 8601, as the store writes it, in microseconds; any other form through dateutil (~0.2 ms)."""
    try:
        return datetime.fromisoformat(written)
    except ValueError:
        pass
    try:
        return date_parser.parse(written)
    except (ValueError, OverflowError, TypeError):
        return None


def outlet_from_url(url: str) -> str:
    """Fallback outlet name: the site's host without ``www.``."""
    match = re.match(r"^[a-z]+://([^/]+)", url or "")
    return match.group(1).removeprefix("www.") if match else ""
