"""Feed sources: RSS and Atom, from feed URLs and/or saved feed files (one file or a folder of them).

A folder usually holds successive snapshots of one feed: items appear, change and drop off between
them. Each item link is yielded once, in the version of the newest snapshot (files are read in
sorted order, so name them so that sorting puts the oldest first).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import feedparser

from index.articles import Article, Failure
from index.sources import ReadLimits, SourceSpec
from index.sources.fetch import FetchError, fetch
from index.sources.fields import record_item
from index.sources.folder import files_under, html_record

FEED_SUFFIXES = (".rss", ".xml", ".atom")


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
        if parsed.bozo and not parsed.entries:
            reason = f"not a readable RSS or Atom feed: {parsed.get('bozo_exception')}"
            yield Failure(spec.name, where, reason, whole=True)
            continue
        feed_title = parsed.feed.get("title", "")
        for number, entry in enumerate(parsed.entries, start=1):
            link = entry.get("link") or entry.get("id")
            if link:
                items[link] = FeedItem(link, entry, feed_title)
            else:
                yield Failure(spec.name, f"{where}, item {number}", "the item has no link or id")
    for item in items.values():
        yield article_from_item(item, spec, limits)


def feed_documents(spec: SourceSpec, limits: ReadLimits) -> Iterator[tuple[str, bytes] | Failure]:
    """The raw feeds: saved files first (in sorted order), then fetched URLs, each named for reports."""
    if spec.path is not None:
        yield from _feed_files(spec)
    for url in spec.urls:
        try:
            yield url, fetch(url, limits)
        except FetchError as exc:
            yield Failure(spec.name, url, str(exc), whole=True)


def _feed_files(spec: SourceSpec) -> Iterator[tuple[str, bytes] | Failure]:
    path = spec.path
    if path is None or not path.exists():
        yield Failure(spec.name, str(path), "no such feed file or folder", whole=True)
        return
    files = [path] if path.is_file() else [f for f in files_under(path) if f.suffix.lower() in FEED_SUFFIXES]
    for file in files:
        try:
            yield str(file), file.read_bytes()
        except OSError as exc:
            yield Failure(spec.name, str(file), f"could not read the file: {exc.strerror or exc}", whole=True)


def article_from_item(item: FeedItem, spec: SourceSpec, limits: ReadLimits) -> Article | Failure:
    """The article of one feed item; full text from the feed, else the item's page, else its summary."""
    try:
        text = item_text(item, spec, limits)
    except FetchError as exc:
        return Failure(spec.name, item.link, f"{exc}, and the item has no summary")
    record = {
        "url": item.link,
        "title": item.entry.get("title"),
        "published": published_from_entry(item.entry),
        "outlet": spec.outlet or item.feed_title,
        "text": text,
    }
    return record_item(record, spec, item.link, item.link)


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
