"""Sources: every reader turns its format into the same Articles, and every problem into a Failure."""

from __future__ import annotations

import csv
import functools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from index.articles import Article, Failure
from index.sources import ReadLimits, SourcesFileError, SourceSpec, load_sources, read_source
from index.sources.feed import read_feed
from index.sources.fields import article_from_record
from index.sources.folder import markdown_to_text, read_folder
from index.sources.web import read_pages

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, so connecting is refused at once


def folder(path: Path, **options: object) -> SourceSpec:
    return SourceSpec(name="lake", kind="folder", path=path, **options)


def split(items: Iterator[Article | Failure]) -> tuple[dict[str, Article], list[Failure]]:
    """Articles by URL, and the failures in order."""
    articles: dict[str, Article] = {}
    failures: list[Failure] = []
    for item in items:
        if isinstance(item, Article):
            articles[item.url] = item
        else:
            failures.append(item)
    return articles, failures


# --- field mapping -----------------------------------------------------------------------------


def test_spec_fields_name_the_records_own_keys_first() -> None:
    spec = folder(FIXTURES, fields={"text": ("story",), "title": ("heading",), "published": ("filed_at",)})
    record = {"permalink": "x", "heading": "Ferry vote", "story": "The ferry vote passed.",
              "text": "not this", "filed_at": "2022-01-10 08:00", "href": "https://lakeside.example/vote"}

    article = article_from_record(record, spec, "file:///fallback")

    assert isinstance(article, Article)
    assert article.text == "The ferry vote passed."
    assert article.title == "Ferry vote"
    assert article.url == "https://lakeside.example/vote"
    assert article.published == datetime(2022, 1, 10, 8, 0, tzinfo=UTC)
    assert article.outlet == "lakeside.example"
    assert article.source == "lake"


def test_outlet_falls_back_to_the_spec_then_the_host() -> None:
    record = {"url": "https://www.herald.example/a", "text": "Some text."}

    with_spec = article_from_record(record, folder(FIXTURES, outlet="Lakeside Herald"), "")
    without = article_from_record(record, folder(FIXTURES), "")

    assert isinstance(with_spec, Article) and with_spec.outlet == "Lakeside Herald"
    assert isinstance(without, Article) and without.outlet == "herald.example"


def test_a_record_without_text_is_a_reason_not_an_article() -> None:
    reason = article_from_record({"title": "Only a title", "text": "  "}, folder(FIXTURES), "file:///x")

    assert isinstance(reason, str) and reason.startswith("no text")


def test_a_long_untitled_text_gets_a_trimmed_title() -> None:
    text = "word " * 60
    article = article_from_record({"text": text}, folder(FIXTURES), "file:///x")

    assert isinstance(article, Article)
    assert article.title.endswith("…") and len(article.title) <= 121
    assert article.text == text.strip()


# --- folder: JSON lines, JSON, CSV ---------------------------------------------------------------


def test_jsonl_alternative_names_map_and_bad_lines_are_reported() -> None:
    path = FIXTURES / "folder" / "mapped.jsonl"
    articles, failures = split(read_folder(folder(path)))

    assert list(articles) == ["https://lakeside.example/talks-open", "https://lakeside.example/quotas",
                              "https://lakeside.example/untitled"]
    opening = articles["https://lakeside.example/talks-open"]
    assert opening.title == "Lakeside talks open with a ferry pledge"
    assert opening.text.startswith("Delegates at the Lakeside talks agreed")  # the body beats the summary
    assert opening.text.endswith('"We will not let the lake divide us," the chair said.')
    assert opening.published == datetime(2022, 1, 10, 8, 30, tzinfo=UTC)
    assert opening.outlet == "lakeside.example"
    assert [(f.item, f.reason.split(":")[0]) for f in failures] == [
        (f"{path}:3", "not valid JSON"),
        (f"{path}:5", "no text (looked for text, body, content, article, summary)"),
    ]


def test_entities_and_stray_tags_are_cleaned() -> None:
    articles, _ = split(read_folder(folder(FIXTURES / "folder" / "mapped.jsonl")))
    quotas = articles["https://lakeside.example/quotas"]

    assert quotas.title == "Fishing quotas & the north shore"
    assert quotas.text == "The north shore delegation asked for a larger perch quota & more inspectors."


def test_an_untitled_record_takes_its_first_line_as_title() -> None:
    articles, _ = split(read_folder(folder(FIXTURES / "folder" / "mapped.jsonl")))
    untitled = articles["https://lakeside.example/untitled"]

    assert untitled.title.startswith("Negotiators spent the third day of the Lakeside talks")
    assert "A second paragraph" not in untitled.title
    assert untitled.published == datetime(2022, 1, 12, tzinfo=UTC)


def test_json_list_with_unix_time_and_a_record_without_link() -> None:
    path = FIXTURES / "folder" / "list.json"
    articles, failures = split(read_folder(folder(path)))

    assert failures == []
    briefing = articles["https://lakeside.example/briefing"]
    assert briefing.outlet == "Lakeside Herald"
    assert briefing.published == datetime.fromtimestamp(1642000000, UTC)
    assert articles[f"{path.resolve().as_uri()}#2"].text.startswith("A note about the ferry timetable")


def test_csv_with_a_huge_multiline_quoted_field(tmp_path: Path) -> None:
    body = "\n".join(f"Paragraph {n} of the Lakeside talks transcript, quoted, with \"quotes\"." for n in range(4000))
    assert len(body) > 200_000
    path = tmp_path / "releases.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["link", "headline", "date", "location", "summary", "body"])
        writer.writerow(["https://council.example/transcript", "Transcript", "2022-01-21T17:30:00Z",
                         "Pavilion", "A short summary.", body])
        writer.writerow(["", "Second release", "2022-01-22", "Pavilion", "Only a summary here.", ""])

    articles, failures = split(read_folder(folder(path)))

    assert failures == []
    transcript = articles["https://council.example/transcript"]
    assert transcript.text == body
    assert transcript.published == datetime(2022, 1, 21, 17, 30, tzinfo=UTC)
    assert articles[f"{path.resolve().as_uri()}#2"].text == "Only a summary here."


# --- folder: markdown, text, HTML, and the folder walk ----------------------------------------------


def test_markdown_with_front_matter() -> None:
    path = FIXTURES / "folder" / "briefing.md"
    [article] = read_folder(folder(path))

    assert isinstance(article, Article)
    assert article.title == "Statement by the Lakeside Mediator on the Third Round"  # YAML "\_" is a no-break space
    assert article.url == "https://mediator.example/statements/third-round/"
    assert article.published == datetime(2022, 1, 14, 16, 45, tzinfo=timezone(timedelta(hours=-5)))
    assert article.text == (
        "Lakeside Pavilion\nNorth Shore\n\n"
        "Opening remarks\n\n"
        "THE MEDIATOR: Good afternoon. Both delegations returned to the table today and agreed to meet again "
        "next week.\n\n"
        "We discussed the ferry timetable and the perch quota; no decision was taken on the lighthouse_budget.\n\n"
        "- The ferry keeps its winter schedule until the spring thaw.\n"
        "- Inspectors will be shared."
    )


def test_markdown_keeps_literal_markers_and_snake_case() -> None:
    assert markdown_to_text(r"Costs rose 5 \* 2 and file_name_here stayed; _quiet_ words.") == (
        "Costs rose 5 * 2 and file_name_here stayed; quiet words."
    )


def test_markdown_without_front_matter_takes_its_heading_as_title(tmp_path: Path) -> None:
    path = tmp_path / "diary.md"
    path.write_text("# Lakeside *diary*\nThe first entry\nwraps onto a second line.\n", encoding="utf-8")

    [article] = read_folder(folder(path))

    assert isinstance(article, Article)
    assert (article.title, article.text) == ("Lakeside diary", "The first entry wraps onto a second line.")


def test_text_without_front_matter_takes_its_first_line_as_title() -> None:
    path = FIXTURES / "folder" / "notes.txt"
    [article] = read_folder(folder(path, outlet="Council notes"))

    assert isinstance(article, Article)
    assert article.title == "Lakeside talks: notes from the second evening"
    assert article.text == "The delegations dined together at the boathouse.\nNobody mentioned the lighthouse."
    assert article.url == path.resolve().as_uri()
    assert article.outlet == "Council notes"
    assert article.published is None


def test_html_page_uses_its_metadata() -> None:
    [article] = read_folder(folder(FIXTURES / "folder" / "page.html"))

    assert isinstance(article, Article)
    assert article.url == "https://herald.example/2022/01/20/ferry-deal"
    assert article.title == "Ferry deal reached at Lakeside talks"
    assert article.outlet == "Lakeside Herald"
    assert article.published is not None and article.published.date().isoformat() == "2022-01-20"
    assert article.published.tzinfo is not None
    assert "“This is a good day for everyone who crosses the lake,” the mediator" in article.text
    assert not article.text.startswith("Ferry deal reached")  # the page's own heading is not repeated
    assert "Copyright" not in article.text and "Weather" not in article.text


def test_folder_walk_reads_every_known_suffix_in_order() -> None:
    articles, failures = split(read_source(folder(FIXTURES / "folder")))

    assert next(iter(articles)) == "https://mediator.example/statements/third-round/"  # briefing.md sorts first
    assert len(articles) == 1 + 2 + 3 + 1 + 1  # md, json list, jsonl, txt, html; ignored.dat is skipped
    assert len(failures) == 2
    assert all(article.source == "lake" for article in articles.values())


def test_broken_files_become_failures(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "b.md").write_text("---\ntitle: [unclosed\n---\nBody.\n", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes("Caf\xe9 au lac\n".encode("latin-1"))
    (tmp_path / "d.txt").write_text("Fine title\n\nFine body.\n", encoding="utf-8")

    articles, failures = split(read_folder(folder(tmp_path)))

    assert [article.title for article in articles.values()] == ["Fine title"]
    assert [(Path(f.item).name, f.reason.split(":")[0]) for f in failures] == [
        ("a.json", "not valid JSON"),
        ("b.md", "the front matter is not valid YAML"),
        ("c.txt", "not UTF-8 text (invalid continuation byte at byte 3)"),
    ]


def test_a_missing_folder_is_one_failure(tmp_path: Path) -> None:
    items = list(read_folder(folder(tmp_path / "nowhere")))

    assert items == [Failure("lake", str(tmp_path / "nowhere"), "no such file or folder", whole=True)]


# --- feeds ---------------------------------------------------------------------------------------


def feed(path: Path | None = None, urls: tuple[str, ...] = (), **options: object) -> SourceSpec:
    return SourceSpec(name="council", kind="feed", path=path, urls=urls, **options)


def test_rss_full_text_summary_fallback_and_missing_text() -> None:
    articles, failures = split(read_feed(feed(FIXTURES / "feeds" / "lakeside.rss"), ReadLimits(fetch_timeout=2)))

    deal = articles["https://council.example/ferry-deal/"]
    assert deal.text == ("The council welcomed the ferry deal signed at the Lakeside talks.\n"
                         "“Every crossing matters,” the council secretary said. Stray markup is dropped.")
    assert deal.outlet == "Lakeside Council – Press Releases"
    assert deal.published == datetime(2022, 1, 20, 18, 5, tzinfo=UTC)
    envoy = articles[f"{UNREACHABLE}/quota-envoy/"]  # its page can't be fetched: the summary stands in
    assert envoy.text == "The council named an envoy for the perch quota talks."
    assert [(f.item, f.reason) for f in failures] == [(
        f"{UNREACHABLE}/gallery/",
        f"could not fetch {UNREACHABLE}/gallery/: connection refused, and the item has no summary",
    )]


def test_rss_without_fetching_uses_summaries() -> None:
    spec = feed(FIXTURES / "feeds" / "lakeside.rss", fetch_full_text=False, outlet="Council")
    articles, failures = split(read_feed(spec, ReadLimits(fetch_timeout=2)))

    assert articles[f"{UNREACHABLE}/quota-envoy/"].outlet == "Council"
    assert [f.reason for f in failures] == ["no text (looked for text, body, content, article, summary)"]


def test_atom_content_beats_summary_and_dates_are_utc() -> None:
    [article] = read_feed(feed(FIXTURES / "feeds" / "lakeside.atom"), ReadLimits(fetch_timeout=2))

    assert isinstance(article, Article)
    assert article.url == "https://gazette.example/lighthouse-budget"
    assert article.text == "The lighthouse budget is the last open question at the Lakeside talks."
    assert article.outlet == "North Shore Gazette"
    assert article.published == datetime(2022, 1, 25, 9, 30, tzinfo=UTC)


def test_a_malformed_feed_is_a_failure() -> None:
    path = FIXTURES / "feeds" / "broken.rss"
    [failure] = read_feed(feed(path), ReadLimits(fetch_timeout=2))

    assert isinstance(failure, Failure)
    assert failure.item == str(path)
    assert failure.reason.startswith("not a readable RSS or Atom feed")


def test_snapshots_yield_each_item_once_in_its_newest_version() -> None:
    articles, failures = split(read_feed(feed(FIXTURES / "snapshots"), ReadLimits(fetch_timeout=2)))

    assert failures == []
    assert sorted(articles) == ["https://council.example/agenda/", "https://council.example/round-three/",
                                "https://council.example/round-two/"]
    assert articles["https://council.example/round-two/"].text == (
        "Round two ended without agreement, but both sides will return next week."
    )


def test_an_unreachable_feed_url_is_a_failure() -> None:
    items = list(read_source(feed(urls=(f"{UNREACHABLE}/feed.rss",)), ReadLimits(fetch_timeout=2)))

    assert items == [Failure("council", f"{UNREACHABLE}/feed.rss",
                             f"could not fetch {UNREACHABLE}/feed.rss: connection refused", whole=True)]


@pytest.fixture
def local_site(tmp_path: Path) -> Iterator[str]:
    """A throwaway HTTP server on loopback serving tmp_path, so fetching can be tested offline."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetched_feed_items_get_their_pages_full_text(tmp_path: Path, local_site: str) -> None:
    (tmp_path / "page.html").write_bytes((FIXTURES / "folder" / "page.html").read_bytes())
    (tmp_path / "feed.rss").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Herald</title>'
        f"<item><title>Ferry deal</title><link>{local_site}/page.html</link>"
        "<description>Teaser only.</description></item></channel></rss>",
        encoding="utf-8",
    )

    [article] = read_feed(feed(urls=(f"{local_site}/feed.rss",)), ReadLimits(fetch_timeout=5))

    assert isinstance(article, Article)
    assert article.url == f"{local_site}/page.html"
    assert article.title == "Ferry deal"
    assert article.outlet == "Herald"
    assert "every hour until the spring thaw" in article.text


# --- web pages -----------------------------------------------------------------------------------


def test_pages_from_urls_and_saved_files(tmp_path: Path, local_site: str) -> None:
    (tmp_path / "page.html").write_bytes((FIXTURES / "folder" / "page.html").read_bytes())
    spec = SourceSpec(name="pages", kind="url", path=FIXTURES / "folder",
                      urls=(f"{local_site}/page.html", f"{UNREACHABLE}/x", f"{local_site}/missing.html"))

    items = list(read_pages(spec, ReadLimits(fetch_timeout=5)))

    assert [item.url for item in items if isinstance(item, Article)] == [
        "https://herald.example/2022/01/20/ferry-deal",  # the saved copy (only .html from the folder)
        "https://herald.example/2022/01/20/ferry-deal",  # the served copy names its canonical link too
    ]
    assert [(f.item, f.reason) for f in items if isinstance(f, Failure)] == [
        (f"{UNREACHABLE}/x", f"could not fetch {UNREACHABLE}/x: connection refused"),
        (f"{local_site}/missing.html", f"could not fetch {local_site}/missing.html: HTTP 404 File not found"),
    ]


# --- the sources file ----------------------------------------------------------------------------


def write_sources(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_relative_paths_resolve_against_the_sources_file(tmp_path: Path) -> None:
    path = write_sources(tmp_path, """
[[source]]
name = "notes"
kind = "folder"
path = "corpus/notes"
outlet = "Council"
[source.fields]
text = "story"
title = ["heading", "name"]

[[source]]
name = "council"
kind = "feed"
url = "https://council.example/feed"
fetch_full_text = false
""")

    notes, council = load_sources(path)

    assert notes.path == tmp_path.resolve() / "corpus" / "notes"
    assert notes.fields == {"text": ("story",), "title": ("heading", "name")}
    assert notes.outlet == "Council"
    assert council.urls == ("https://council.example/feed",) and council.path is None
    assert council.fetch_full_text is False


@pytest.mark.parametrize(("body", "message"), [
    ('[[source]]\nname = "a"\nkind = "ftp"\npath = "x"\n', "kind must be one of folder, feed, url, not 'ftp'"),
    ('[[source]]\nname = "a"\nkind = "folder"\n', "a folder source needs a path"),
    ('[[source]]\nname = "a"\nkind = "url"\n', "a url source needs a url or a path"),
    ('[[source]]\nname = "a"\nkind = "folder"\npath = "x"\n[[source]]\nname = "a"\nkind = "folder"\npath = "y"\n',
     "the name 'a' is used twice"),
    ('[[source]]\nkind = "folder"\npath = "x"\n', "every source needs a name"),
    ("title = 'no sources'\n", "lists no [[source]]"),
    ("[[source]\n", "is not valid TOML"),
])
def test_bad_sources_files_say_what_is_wrong(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(SourcesFileError) as caught:
        load_sources(write_sources(tmp_path, body))

    assert message in str(caught.value)


def test_a_missing_sources_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(SourcesFileError, match="does not exist"):
        load_sources(tmp_path / "absent.toml")
