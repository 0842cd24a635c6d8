"""Fetching from hostile sites: only http and https, one deadline for a whole fetch, a size cap, and
feeds that are no feeds. Every site here is a real server on 127.0.0.1 (``hostile_site.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_site import CLAIMED_BYTES, CUT_BYTES, HUGE_BYTES, HostileSite, rss

from index.articles import Article, Failure
from index.sources import ReadLimits, SourceSpec, read_source

LIMITS = ReadLimits(fetch_timeout=5, fetch_max_bytes=1_000_000)
SECRET = "The private notes say the envoy will resign before the spring thaw."
REFUSED = "only http and https links are fetched"


def pages(*urls: str) -> SourceSpec:
    return SourceSpec(name="pages", kind="url", urls=urls)


def feed(path: Path | None = None, urls: tuple[str, ...] = ()) -> SourceSpec:
    return SourceSpec(name="council", kind="feed", path=path, urls=urls)


@pytest.fixture
def private(tmp_path: Path) -> Path:
    """A local file no source may read: its text must never become an article."""
    path = tmp_path / "private" / "notes.html"
    path.parent.mkdir()
    path.write_text(f"<html><head><title>Private notes</title></head><body><article><p>{SECRET} "
                    "Nobody outside the delegation has seen these notes, which run to several pages and "
                    "name every member of the team.</p></article></body></html>", encoding="utf-8")
    return path


@pytest.fixture
def site(private: Path) -> Iterator[HostileSite]:
    with HostileSite(private) as hostile:
        yield hostile


# --- only http and https -------------------------------------------------------------------------


def test_a_feed_item_linking_a_local_file_is_not_read(tmp_path: Path, private: Path) -> None:
    leaky = tmp_path / "leaky.rss"
    leaky.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Leaky</title>'
        f"<item><title>Notes</title><link>file://localhost{private}</link></item>"
        f"<item><title>More notes</title><link>file:{private}</link></item>"
        f"<item><title>Teaser</title><link>file:{private}?teaser</link><description>Teaser only.</description></item>"
        "</channel></rss>", encoding="utf-8")

    items = list(read_source(feed(leaky), LIMITS))

    assert [item.text for item in items if isinstance(item, Article)] == ["Teaser only."]  # the summary stands in
    assert [(f.item, f.reason) for f in items if isinstance(f, Failure)] == [
        (f"file://localhost{private}",
         f"could not fetch file://localhost{private}: {REFUSED}, and the item has no summary"),
        (f"file:{private}", f"could not fetch file:{private}: {REFUSED}, and the item has no summary"),
    ]


def test_a_url_source_with_a_file_url_is_refused(private: Path) -> None:
    url = private.as_uri()

    assert list(read_source(pages(url), LIMITS)) == [
        Failure("pages", url, f"could not fetch {url}: {REFUSED}", whole=True)]


@pytest.mark.parametrize("path", ["/redirect-file", "/redirect-ftp"])
def test_a_redirect_away_from_http_is_refused(site: HostileSite, path: str) -> None:
    url = site.url(path)
    target = site.private.as_uri() if path == "/redirect-file" else "ftp://127.0.0.1:9/notes.html"

    assert list(read_source(pages(url), LIMITS)) == [
        Failure("pages", url, f"could not fetch {url}: redirected to {target}; {REFUSED}", whole=True)]


# --- one deadline for the whole fetch, and a size cap --------------------------------------------


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-headers"])
def test_a_trickling_site_is_cut_off_at_the_deadline(site: HostileSite, path: str) -> None:
    url = site.url(path)  # a byte every 0.2 s for 8 s: no single read ever waits 1 s

    items = list(read_source(pages(url), ReadLimits(fetch_timeout=1)))

    assert items == [Failure("pages", url, f"could not fetch {url}: timed out after 1 s", whole=True)]
    assert not site.finished(path).is_set()  # the fetch gave up while the site was still trickling


@pytest.mark.parametrize("path", ["/huge", "/huge-unsized", "/huge-length"])
def test_a_response_over_the_size_cap_is_refused(site: HostileSite, path: str) -> None:
    url = site.url(path)  # 5 MB with and without a Content-Length, and a Content-Length of 50 MB
    assert LIMITS.fetch_max_bytes < min(HUGE_BYTES, CLAIMED_BYTES)

    assert list(read_source(pages(url), LIMITS)) == [
        Failure("pages", url, f"could not fetch {url}: larger than 1 MB", whole=True)]


def test_a_body_cut_short_says_so(site: HostileSite) -> None:
    url = site.url("/cut")
    got, declared = CUT_BYTES

    assert list(read_source(pages(url), LIMITS)) == [
        Failure("pages", url, f"could not fetch {url}: the connection closed after {got} of {declared} bytes",
                whole=True)]


# --- feeds that are no feeds ---------------------------------------------------------------------


@pytest.mark.parametrize(("path", "reason"), [
    ("/page.html", "not an RSS or Atom feed: the page is HTML"),
    ("/xhtml.html", "not an RSS or Atom feed: the page is HTML"),  # well-formed, so no parse error either
    ("/empty.rss", "the response is empty"),
])
def test_a_feed_url_that_serves_no_feed_is_a_failure(site: HostileSite, path: str, reason: str) -> None:
    url = site.url(path)

    assert list(read_source(feed(urls=(url,)), LIMITS)) == [Failure("council", url, reason, whole=True)]


def test_an_empty_feed_file_is_a_failure_but_a_feed_without_items_is_not(tmp_path: Path) -> None:
    empty, quiet = tmp_path / "empty.rss", tmp_path / "quiet.rss"
    empty.write_bytes(b"")
    quiet.write_bytes(rss("Quiet week", []))

    assert list(read_source(feed(empty), LIMITS)) == [
        Failure("council", str(empty), "the feed file is empty", whole=True)]
    assert list(read_source(feed(quiet), LIMITS)) == []


def test_a_feed_file_over_the_file_size_limit_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.rss"
    big.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title><item><title>Long</title>'
                   f"<link>https://herald.example/long</link><description>{'word ' * 400_000}</description>"
                   "</item></channel></rss>", encoding="utf-8")

    assert list(read_source(feed(big), ReadLimits(file_max_bytes=1_000_000))) == [
        Failure("council", str(big), "the file is 2 MB, over the 1 MB limit (PARLEY_MAX_FILE_MB)", whole=True)]


def test_the_good_page_and_feed_still_read(site: HostileSite) -> None:
    [page] = read_source(pages(site.url("/page.html")), LIMITS)
    [item] = read_source(feed(urls=(site.url("/feed.rss"),)), LIMITS)

    assert isinstance(page, Article) and "every hour until the spring thaw" in page.text
    assert isinstance(item, Article) and item.text == page.text


def test_a_long_feed_item_is_cut_and_the_cut_reported(tmp_path):
    limits = ReadLimits(fetch_timeout=5, article_max_chars=1_000)
    long_text = "".join(f"<p>Paragraph {n} says the envoys met again and talked for hours.</p>" for n in range(60))
    feed = tmp_path / "long.rss"
    feed.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>Long</title>'
                    f'<link>https://example.org/long</link><description><![CDATA[{long_text}]]></description>'
                    "</item></channel></rss>")
    items = list(read_source(SourceSpec(name="wire", kind="feed", path=feed), limits))
    [article] = [i for i in items if isinstance(i, Article)]
    [note] = [i for i in items if isinstance(i, Failure)]
    assert len(article.text) <= 1_000 and "cut" in note.reason and not note.whole
