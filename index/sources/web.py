"""Page sources: single web pages by URL, or saved pages in a file or folder."""

from __future__ import annotations

from collections.abc import Iterator

from index.articles import Article, Failure
from index.sources import ReadLimits, SourceSpec
from index.sources.fetch import FetchError, fetch
from index.sources.folder import HTML_SUFFIXES, page_items, read_folder


def read_pages(spec: SourceSpec, limits: ReadLimits) -> Iterator[Article | Failure]:
    """Yield the article of every saved page under ``spec.path``, then of every URL in ``spec.urls``."""
    if spec.path is not None:
        yield from read_folder(spec, suffixes=HTML_SUFFIXES, limits=limits)
    for url in spec.urls:
        yield from read_page(url, spec, limits)


def read_page(url: str, spec: SourceSpec, limits: ReadLimits) -> list[Article | Failure]:
    """One page fetched and extracted, with notes on what indexing it changed; an unreachable page is a
    Failure saying why."""
    try:
        page = fetch(url, limits)
    except FetchError as exc:
        return [Failure(spec.name, url, str(exc), whole=True)]
    return page_items(page, spec, url, url, limits)
