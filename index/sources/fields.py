"""Map one raw record (a JSON object, a CSV row, front matter…) onto our article fields.

Sources name the same thing differently (``link`` or ``url``, ``body`` or ``text``), so each of our
fields accepts a list of common names; a source's ``[source.fields]`` table puts its own names first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from index.articles import Article, Failure, clean_text, clean_title, outlet_from_url, parse_published
from index.sources import SourceSpec

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


def as_text(value: object) -> str:
    """Scalars as strings and lists as paragraphs; nested objects carry no readable text."""
    if value is None or isinstance(value, (dict, bool)):
        return ""
    if isinstance(value, (list, tuple)):
        return "\n\n".join(as_text(item) for item in value if as_text(item))
    return str(value)


def published_from(value: object) -> datetime | None:
    """Like ``parse_published``, but Unix timestamps (seconds or milliseconds) are read as such."""
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
    line = text.split("\n", 1)[0].strip()
    if len(line) <= TITLE_FROM_TEXT_LIMIT:
        return line
    cut = line[:TITLE_FROM_TEXT_LIMIT].rsplit(" ", 1)[0] or line[:TITLE_FROM_TEXT_LIMIT]
    return cut.rstrip(" ,;:-") + "…"


def record_item(record: Mapping[object, object], spec: SourceSpec, item: str, fallback_url: str) -> Article | Failure:
    """The article of one record, or a Failure naming where the record is (``item``)."""
    result = article_from_record(record, spec, fallback_url)
    return Failure(spec.name, item, result) if isinstance(result, str) else result


def article_from_record(record: Mapping[object, object], spec: SourceSpec, fallback_url: str) -> Article | str:
    """Build the article, or say why the record can't be one (a string reason, never an exception)."""
    text = clean_text(as_text(pick(record, field_names(spec, "text"))))
    lead = clean_text(as_text(pick(record, field_names(spec, "lead")))) if spec.fields.get("lead") else ""
    if lead and lead not in text:
        text = f"{lead}\n\n{text}" if text else lead
    if not text:
        return f"no text (looked for {', '.join(field_names(spec, 'text'))})"
    url = as_text(pick(record, field_names(spec, "url"))).strip() or fallback_url
    title = clean_title(as_text(pick(record, field_names(spec, "title")))) or title_from_text(text)
    outlet = clean_title(as_text(pick(record, field_names(spec, "outlet")))) or spec.outlet
    return Article(
        url=url,
        title=title,
        text=text,
        source=spec.name,
        outlet=outlet or outlet_from_url(url),
        published=published_from(pick(record, field_names(spec, "published"))),
    )
