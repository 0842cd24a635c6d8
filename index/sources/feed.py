"""Feed sources: RSS and Atom, from feed URLs and/or saved feed files (one file or a folder of them).

A folder usually holds successive snapshots of one feed: items appear, change and drop off between
them. Each item link is yielded once, in the version of the newest snapshot (files are read in
sorted order, so name them so that sorting puts the oldest first).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from index.articles import Article, Failure
from index.sources import ReadLimits, SourceSpec
from index.sources.fetch import FetchError, fetch
from index.sources.fields import record_items
from index.sources.folder import files_under, html_record

FEED_SUFFIXES = (".rss", ".xml", ".atom")
_HTML = re.compile(rb"<!doctype\s+html|<html[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class FeedItem:
    """One entry together with what the article needs from the feed around it."""

    link: str
    entry: feedparser.FeedParserDict
    feed_title: str


def read_feed(spec: SourceSpec, limits: ReadLimits) -> Iterator[Article | Failure]:
    """Yield each distinct item of the source's feeds as an article (its latest version)."""
    items: dict[str, FeedItem] = {}
    for document in feed_documents(spec, limits):
        if isinstance(document, Failure):
            yield document
            continue
        where, data = document
        parsed = feedparser.parse(io.BytesIO(data))  # a stream: raw bytes would first be tried as a file name
        problem = feed_problem(parsed, data)
        if problem:
            yield Failure(spec.name, where, problem, whole=True)
            continue
        feed_title = parsed.feed.get("title", "")
        for number, entry in enumerate(parsed.entries, start=1):
            link = entry.get("link") or entry.get("id")
            if link:
                items[link] = FeedItem(link, entry, feed_title)
            else:
                yield Failure(spec.name, f"{where}, item {number}", "the item has no link or id")
    for item in items.values():
        yield from article_from_item(item, spec, limits)


def feed_documents(spec: SourceSpec, limits: ReadLimits) -> Iterator[tuple[str, bytes] | Failure]:
    """The raw feeds: saved files first (in sorted order), then fetched URLs, each named for reports."""
    if spec.path is not None:
        yield from _feed_files(spec, limits)
    for url in spec.urls:
        try:
            data = fetch(url, limits)
        except FetchError as exc:
            yield Failure(spec.name, url, str(exc), whole=True)
            continue
        yield (url, data) if data.strip() else Failure(spec.name, url, "the response is empty", whole=True)


def _feed_files(spec: SourceSpec, limits: ReadLimits) -> Iterator[tuple[str, bytes] | Failure]:
    path = spec.path
    if path is None or not path.exists():
        yield Failure(spec.name, str(path), "no such feed file or folder", whole=True)
        return
    files = [path] if path.is_file() else [f for f in files_under(path) if f.suffix.lower() in FEED_SUFFIXES]
    for file in files:
        yield _feed_file(spec, file, limits)


def _feed_file(spec: SourceSpec, file: Path, limits: ReadLimits) -> tuple[str, bytes] | Failure:
    """One saved feed's bytes, or why not: unreadable, over the file size limit, or empty."""
    try:
        size = file.stat().st_size
        if size > limits.file_max_bytes:
            reason = (f"the file is {round(size / 1_000_000, 1):g} MB, "
                      f"over the {limits.file_max_bytes / 1_000_000:g} MB limit (PARLEY_MAX_FILE_MB)")
            return Failure(spec.name, str(file), reason, whole=True)
        data = file.read_bytes()
    except OSError as exc:
        return Failure(spec.name, str(file), f"could not read the file: {exc.strerror or exc}", whole=True)
    if not data.strip():
        return Failure(spec.name, str(file), "the feed file is empty", whole=True)
    return str(file), data


def feed_problem(parsed: feedparser.FeedParserDict, data: bytes) -> str | None:
    """Why a document is no usable feed, or None; feedparser names a version only when it found RSS or Atom."""
    if parsed.get("version"):
        if parsed.bozo and not parsed.entries:
            return f"not a readable RSS or Atom feed: {parsed.get('bozo_exception')}"
        return None
    if _HTML.search(data[:2048]):
        return "not an RSS or Atom feed: the page is HTML"
    if parsed.bozo:
        return f"not an RSS or Atom feed: {parsed.get('bozo_exception')}"
    return "not an RSS or Atom feed: it has no rss, feed or RDF element"


def article_from_item(item: FeedItem, spec: SourceSpec, limits: ReadLimits) -> list[Article | Failure]:
    """The article of one feed item (full text from the feed, else the item's page, else its summary) and
    notes on what indexing it changed."""
    try:
        text = item_text(item, spec, limits)
    except FetchError as exc:
        return [Failure(spec.name, item.link, f"{exc}, and the item has no summary")]
    record = {
        "url": item.link,
        "title": item.entry.get("title"),
        "published": published_from_entry(item.entry),
        "outlet": spec.outlet or item.feed_title,
        "text": text,
    }
    return record_items(record, spec, item.link, item.link, limits)


def item_text(item: FeedItem, spec: SourceSpec, limits: ReadLimits) -> str:
    """``content:encoded`` (or Atom content) when the feed carries it; raises FetchError only with no fallback."""
    contents = [part.get("value", "") for part in item.entry.get("content", [])]
    full = max(contents, key=len, default="")
    if full.strip():
        return full
    summary = item.entry.get("summary", "")
    if not spec.fetch_full_text:
        return summary
    try:
        page = fetch(item.link, limits)
    except FetchError:
        if summary.strip():
            return summary
        raise
    return str(html_record(page, item.link).get("text") or summary)


def published_from_entry(entry: feedparser.FeedParserDict) -> datetime | None:
    """feedparser normalises item dates to UTC ``struct_time``s; make them aware datetimes."""
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*stamp[:6], tzinfo=UTC) if stamp else None
