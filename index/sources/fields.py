"""Map one raw record (a JSON object, a CSV row, front matter…) onto our article fields.

Sources name the same thing differently (``link`` or ``url``, ``body`` or ``text``), so each of our
fields accepts a list of common names; a source's ``[source.fields]`` table puts its own names first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

from index.articles import (
    Article,
    Failure,
    clean_text,
    clean_title,
    cut_text,
    in_the_future,
    mostly_controls,
    outlet_from_url,
    parse_published,
    without_controls,
)
from index.sources import DEFAULT_LIMITS, ReadLimits, SourceSpec

DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "url": ("url", "link", "source_url", "href"),
    "title": ("title", "headline", "name"),
    "outlet": ("outlet", "source", "publisher", "site"),
    # The most precise names first: White House front matter has both a bare `date` and a `published_time`.
    "published": ("published", "published_time", "pubDate", "date", "datetime", "timestamp"),
    # `summary` last: when a record has a body too, the body is the text worth quoting.
    "text": ("text", "body", "content", "article", "summary"),
    # Only when a source maps it: a standfirst kept apart from the body (the Kremlin's `summary`),
    # put before the text so the lead that says who did what is quotable too.
    "lead": (),
}

TITLE_FROM_TEXT_LIMIT = 120
TITLE_LIMIT = 300  # every passage carries its title into BM25 and the model: a title is not a text
MAX_NESTING = 8  # lists in lists: a record's text is a paragraph, or a list of them, never a deep tree
MAX_PARTS = 100_000  # values read from one field: YAML aliases can make a small file name billions
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def field_names(spec: SourceSpec, ours: str) -> tuple[str, ...]:
    """The record keys to try for one of our fields: the source's own names, then the defaults."""
    return tuple(dict.fromkeys(spec.fields.get(ours, ()) + DEFAULT_FIELDS[ours]))


def pick(record: Mapping[object, object], names: tuple[str, ...]) -> object:
    """The first non-empty value under any of ``names``; keys match case-insensitively (CSV headers vary)."""
    lowered = {key.lower(): key for key in record if isinstance(key, str)}
    for name in names:
        key = name if name in record else lowered.get(name.lower())
        value = record.get(key) if key is not None else None
        if value is not None and value != "" and value != []:
            return value
    return None


class UnreadableValue(ValueError):
    """A field too deep or too big to read as text; the message is the reason."""


def as_text(value: object, max_chars: int = DEFAULT_LIMITS.article_max_chars) -> str:
    """Scalars as strings and lists as paragraphs; nested objects carry no readable text.

    Each value is read once, at most MAX_NESTING lists deep and MAX_PARTS values in all, and reading stops
    once ``max_chars`` are collected, so a small hostile record cannot take exponential time or memory.
    """
    parts: list[str] = []
    size, seen = 0, 0

    def collect(item: object, depth: int) -> None:
        nonlocal size, seen
        seen += 1
        if seen > MAX_PARTS:
            raise UnreadableValue(f"made of too many parts (over {MAX_PARTS:,})")
        if item is None or isinstance(item, (dict, bool)) or size > max_chars:
            return
        if not isinstance(item, (list, tuple)):
            part = str(item)
            if part:
                parts.append(part)
                size += len(part) + 2
            return
        if depth >= MAX_NESTING:
            raise UnreadableValue(f"nested too deeply (over {MAX_NESTING} levels of lists)")
        for child in item:
            collect(child, depth + 1)

    collect(value, 0)
    return "\n\n".join(parts)


def published_from(value: object) -> datetime | None:
    """Like ``parse_published``, but Unix timestamps (seconds or milliseconds) are read as such; a list is no date."""
    if isinstance(value, (list, tuple, dict)):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) in (10, 13):
        value = int(value.strip())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return parse_published(value)


def title_from_text(text: str) -> str:
    """A stand-in title for an untitled item: its first line, cut at a word near the limit."""
    return shortened(text.split("\n", 1)[0].strip(), TITLE_FROM_TEXT_LIMIT)


def shortened(line: str, limit: int) -> str:
    """``line`` if it fits in ``limit`` characters, else cut at a word and ended with "…"."""
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(" ,;:-") + "…"


def record_items(record: Mapping[object, object], spec: SourceSpec, item: str, fallback_url: str,
                 limits: ReadLimits = DEFAULT_LIMITS) -> list[Article | Failure]:
    """The article of one record followed by notes on what was changed to index it, or a Failure saying why not.

    A note is a Failure that is not ``whole``: the article is still indexed, and the report says what changed.
    """
    try:
        result = article_from_record(record, spec, fallback_url, limits.article_max_chars)
    except UnreadableValue as exc:
        return [Failure(spec.name, item, str(exc))]
    if isinstance(result, str):
        return [Failure(spec.name, item, result)]
    article, notes = result, []
    if len(article.text) > limits.article_max_chars:
        article = replace(article, text=cut_text(article.text, limits.article_max_chars))
        notes.append(f"text cut at {limits.article_max_chars:,} characters (PARLEY_MAX_ARTICLE_CHARS)")
    if article.published is not None and in_the_future(article.published):
        notes.append(f"the date {article.published:%Y-%m-%d} is in the future; indexed with no date")
        article = replace(article, published=None)
    return [article, *(Failure(spec.name, item, note) for note in notes)]


def article_from_record(record: Mapping[object, object], spec: SourceSpec, fallback_url: str,
                        max_chars: int = DEFAULT_LIMITS.article_max_chars) -> Article | str:
    """Build the article, or say why the record can't be one (a string reason).

    Raises UnreadableValue for a field too deep or too big to read. The text is read to a little past
    ``max_chars``; the caller cuts it at a break and says so.
    """
    raw = field_text(record, spec, "text", max_chars)
    if mostly_controls(raw):
        return "not text: mostly control characters"
    text = clean_text(raw)
    lead = clean_text(field_text(record, spec, "lead", max_chars)) if spec.fields.get("lead") else ""
    if lead and lead not in text:
        text = f"{lead}\n\n{text}" if text else lead
    if not text:
        return f"no text (looked for {', '.join(field_names(spec, 'text'))})"
    if not _LETTER_OR_DIGIT.search(text):
        return "not text: no letters or digits"
    url = without_controls(field_text(record, spec, "url", max_chars)).strip() or fallback_url
    title = shortened(clean_title(field_text(record, spec, "title", max_chars)), TITLE_LIMIT)
    title = title or title_from_text(text)
    outlet = clean_title(field_text(record, spec, "outlet", max_chars)) or spec.outlet
    return Article(
        url=url,
        title=title,
        text=text,
        source=spec.name,
        outlet=outlet or outlet_from_url(url),
        published=published_from(pick(record, field_names(spec, "published"))),
    )


def field_text(record: Mapping[object, object], spec: SourceSpec, ours: str, max_chars: int) -> str:
    """One of our fields as text; an UnreadableValue names the field."""
    try:
        return as_text(pick(record, field_names(spec, ours)), max_chars)
    except UnreadableValue as exc:
        raise UnreadableValue(f"the {ours} is {exc}") from None
