"""The real source readers against a hostile web server on 127.0.0.1: does every bad input end in time
with a clear reason, and nothing else lost?

usage: python benchmarks/hostile_server.py

Serves the tests' hostile site (``tests/hostile_site.py``: trickles, floods, a lying Content-Length,
a cut body, redirects to file:// and ftp://, HTML and nothing where a feed should be, a 500, a feed
whose links are file:// URLs, and one good page and feed), reads each through ``read_source`` as a
feed or url source under a 2 s fetch limit and a 1 MB size cap, and prints a row a case: outcome
and seconds. A case is handled when it ends as expected (an article for the good ones; failures
with a reason and no article for the rest, and never the private file's text) within the fetch
limit and a second. Nothing is asserted; tests/test_fetch_limits.py asserts the reasons. The site's
trickles stop by themselves after 8 s, so a run ends even with readers that keep no deadline.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile_site import HostileSite  # noqa: E402

from index.articles import Article, Failure  # noqa: E402
from index.sources import ReadLimits, SourceSpec, read_source  # noqa: E402

LIMITS = ReadLimits(fetch_timeout=2.0, fetch_max_bytes=1_000_000)
SLACK_SECONDS = 1.0  # beyond the fetch limit, what parsing and extracting may add before a case counts as lost
SECRET = "The delegation's private notes: concede the perch quota on day three."


@dataclass(frozen=True)
class Case:
    """One hostile (or good) input: what it is, how it is read, and whether an article is the right outcome."""

    name: str
    kind: str  # feed | url
    target: str  # a path on the site, or a whole URL
    wants_article: bool = False


CASES = [
    Case("good page", "url", "/page.html", wants_article=True),
    Case("good feed", "feed", "/feed.rss", wants_article=True),
    Case("body: a byte every 0.2 s", "url", "/trickle-body"),
    Case("headers: a byte every 0.2 s", "url", "/trickle-headers"),
    Case("5 MB body", "url", "/huge"),
    Case("5 MB body, no Content-Length", "url", "/huge-unsized"),
    Case("Content-Length of 50 MB", "url", "/huge-length"),
    Case("connection closes mid-body", "url", "/cut"),
    Case("HTTP 500", "url", "/error"),
    Case("redirect to file://", "url", "/redirect-file"),
    Case("redirect to ftp://", "url", "/redirect-ftp"),
    Case("file:// page URL", "url", "file://"),
    Case("HTML where a feed should be", "feed", "/page.html"),
    Case("empty feed", "feed", "/empty.rss"),
    Case("feed linking file:// URLs", "feed", "/file-links.rss"),
]


def run_case(case: Case, site: HostileSite) -> tuple[str, float, bool]:
    """The case's outcome in words, its seconds, and whether it was handled."""
    url = site.private.as_uri() if case.target == "file://" else site.url(case.target)
    spec = SourceSpec(name=case.name, kind=case.kind, urls=(url,))
    start = time.monotonic()
    try:
        items = list(read_source(spec, LIMITS))
    except Exception as exc:  # a reader that raises loses the whole source: that is what this looks for
        return f"raised {type(exc).__name__}: {exc}", time.monotonic() - start, False
    seconds = time.monotonic() - start
    articles = [item for item in items if isinstance(item, Article)]
    failures = [item for item in items if isinstance(item, Failure)]
    leaked = any(SECRET in article.text for article in articles)
    if case.wants_article:
        handled = bool(articles) and not failures
    else:
        handled = not articles and bool(failures) and all(failure.reason for failure in failures)
    handled = handled and not leaked and seconds <= LIMITS.fetch_timeout + SLACK_SECONDS
    return describe(articles, failures, leaked), seconds, handled


def describe(articles: list[Article], failures: list[Failure], leaked: bool) -> str:
    """"article", or the failures' reason without the "could not fetch <url>: " every fetch failure starts with."""
    parts = [f"{len(articles)} article{'s' * (len(articles) != 1)}"] if articles else []
    reasons = sorted({failure.reason.split(": ", 1)[1] if failure.reason.startswith("could not fetch ")
                      else failure.reason for failure in failures})
    if failures:
        count = f"{len(failures)} failures" if len(failures) > 1 else "failure"
        parts.append(f"{count}: {'; '.join(reasons)}")
    if leaked:
        parts.append("THE PRIVATE FILE'S TEXT WAS READ")
    return ", ".join(parts) or "nothing"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        private = Path(folder) / "notes.html"
        private.write_text(f"<html><head><title>Private notes</title></head><body><article><p>{SECRET} "
                           "Only the delegation has seen these notes.</p></article></body></html>",
                           encoding="utf-8")
        with HostileSite(private) as site:
            print(f"fetch limit {LIMITS.fetch_timeout:g} s, size cap {LIMITS.fetch_max_bytes / 1_000_000:g} MB\n")
            print(f"{'case':<30} {'seconds':>7}  {'':<4} outcome")
            handled = 0
            for case in CASES:
                outcome, seconds, ok = run_case(case, site)
                handled += ok
                print(f"{case.name:<30} {seconds:7.2f}  {'ok' if ok else 'LOST':<4} {outcome}")
    print(f"\n{len(CASES)} inputs, {handled} handled with a clear reason, {len(CASES) - handled} lost")


if __name__ == "__main__":
    main()
