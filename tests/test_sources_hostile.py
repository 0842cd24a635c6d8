"""Hostile files and records: each bad one is a Failure with a clear reason, and everything else still reads."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from config.settings import DEFAULT_MODEL
from index.articles import Article, Failure, clean_text
from index.build import reindex
from index.sources import ReadLimits, SourceSpec, load_sources
from index.sources.folder import read_folder
from tests.test_sources import folder, split

GOOD = "Envoys from both capitals met in Geneva and talked for eight hours about missiles."




def jsonl(path: Path, *lines: object) -> Path:
    """Write each line as is if it is a string, else as JSON."""
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


def record(n: int, text: str = GOOD, **fields: object) -> dict:
    return {"url": f"https://example.org/{n}", "title": f"Report {n}", "text": text, **fields}


def reasons(failures: list[Failure], base: Path) -> list[tuple[str, str, bool]]:
    """Each failure as (where, relative to ``base``; reason; whole)."""
    return [(f.item.removeprefix(f"{base}/"), f.reason, f.whole) for f in failures]


# --- item 4: nesting ---------------------------------------------------------------------------------


def test_deeply_nested_values_are_failures_and_a_too_deep_line_loses_only_itself(tmp_path: Path) -> None:
    twenty_deep = "[" * 20 + '"x"' + "]" * 20  # took 2**20 steps before; 40 levels took days
    path = jsonl(tmp_path / "news.jsonl",
                 record(1),
                 '{"url": "https://example.org/2", "text": ' + twenty_deep + "}",
                 '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}",  # too deep even for the JSON parser
                 record(4, [[["Eight levels", ["are still", "read."]]]]),
                 record(5))

    articles, failures = split(read_folder(folder(path)))

    assert sorted(articles) == ["https://example.org/1", "https://example.org/4", "https://example.org/5"]
    assert articles["https://example.org/4"].text == "Eight levels\n\nare still\n\nread."
    assert reasons(failures, tmp_path) == [
        ("news.jsonl:2", "the text is nested too deeply (over 8 levels of lists)", False),
        ("news.jsonl:3", "nested too deeply to read (brackets inside brackets thousands deep)", False),
    ]


def test_yaml_front_matter_cannot_nest_or_multiply_its_way_into_a_hang(tmp_path: Path) -> None:
    (tmp_path / "deep.md").write_text("---\noutlet: " + "[" * 20 + "x" + "]" * 20 + "\n---\nBody.\n")
    (tmp_path / "deeper.md").write_text("---\noutlet: " + "[" * 100_000 + "]" * 100_000 + "\n---\nBody.\n")
    # Four levels of twenty aliases name 160,000 copies of one value in a 200-byte file.
    for name, value in (("bomb.md", "''"), ("words.md", "Ferry talks resumed")):
        aliases = f"a0: &a0 [{value}]\n" + "".join(
            f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 20)}]\n" for level in range(1, 5))
        (tmp_path / name).write_text(f"---\n{aliases}title: *a4\n---\nBody.\n")

    articles, failures = split(read_folder(folder(tmp_path)))

    [words] = articles.values()
    assert words.title.startswith("Ferry talks resumed Ferry") and len(words.title) <= 301  # read to a limit, cut
    assert reasons(failures, tmp_path) == [
        ("bomb.md", "the title is made of too many parts (over 100,000)", False),
        ("deep.md", "the outlet is nested too deeply (over 8 levels of lists)", False),
        ("deeper.md", "the front matter is not valid YAML: exceeded maximum nesting depth (line 2)", True),
    ]


# --- item 6: sizes -----------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_skipped_and_said_so(tmp_path: Path) -> None:
    (tmp_path / "huge.txt").write_text("Prose\n" + "The talks went on. " * 130_000)  # 2.5 MB
    jsonl(tmp_path / "news.jsonl", record(1))

    articles, failures = split(read_folder(folder(tmp_path), limits=ReadLimits(file_max_bytes=1_000_000)))

    assert list(articles) == ["https://example.org/1"]
    assert reasons(failures, tmp_path) == [
        ("huge.txt", "the file is 2.5 MB, over the 1 MB limit (PARLEY_MAX_FILE_MB)", True),
    ]


def test_a_long_article_is_cut_at_a_paragraph_and_the_cut_reported(tmp_path: Path) -> None:
    paragraphs = [f"Paragraph {n} says the talks went on into the night. They ended at dawn." for n in range(60)]
    jsonl(tmp_path / "news.jsonl", record(1, "\n\n".join(paragraphs)), record(2))
    (tmp_path / "page.html").write_text(
        "<html><head><title>Long page</title></head><body><article><h1>Long page</h1>"
        + "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs) + "</article></body></html>")

    articles, failures = split(read_folder(folder(tmp_path), limits=ReadLimits(article_max_chars=1000)))

    long, page = articles["https://example.org/1"], articles[(tmp_path / "page.html").as_uri()]
    assert long.text == "\n\n".join(paragraphs[:13])  # 13 paragraphs fit in 1,000 characters, 14 do not
    assert page.text.startswith(paragraphs[0]) and len(page.text) <= 1000 and page.text.endswith("at dawn.")
    assert articles["https://example.org/2"].text == GOOD
    assert reasons(failures, tmp_path) == [
        ("news.jsonl:1", "text cut at 1,000 characters (PARLEY_MAX_ARTICLE_CHARS)", False),
        ("page.html", "text cut at 1,000 characters (PARLEY_MAX_ARTICLE_CHARS)", False),
    ]


# --- item 9: silent loss -------------------------------------------------------------------------------


def test_an_unterminated_csv_quote_is_reported_not_swallowed(tmp_path: Path) -> None:
    (tmp_path / "at_end.csv").write_text(
        "url,title,text\n"
        f"https://example.org/1,One,{GOOD}\n"
        'https://example.org/2,Two,"The quote opens here\n'
        "https://example.org/3,Three,and the rest of the file is swallowed.\n")
    (tmp_path / "mid.csv").write_text(
        "url,title,text\n"
        'https://example.org/4,Four,"A quote left open\n'
        'https://example.org/5,Five,"closes here" too soon\n'
        f"https://example.org/6,Six,{GOOD}\n")

    articles, failures = split(read_folder(folder(tmp_path)))

    assert sorted(articles) == ["https://example.org/1", "https://example.org/6"]
    assert reasons(failures, tmp_path) == [
        ("at_end.csv:row 2", "unterminated quote at row 2: rows after it could not be read", True),
        ("mid.csv:row 1", "unterminated quote at row 1: lines 2–3 ran together into one row and could not be read",
         True),
    ]


def test_a_csv_without_a_header_row_is_reported(tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text(f"https://example.org/1,Title,{GOOD}\nhttps://example.org/2,Two,{GOOD}\n")
    (tmp_path / "named.csv").write_text(f"Link,Headline,Body\nhttps://example.org/3,Three,{GOOD}\n")

    articles, failures = split(read_folder(folder(tmp_path)))

    assert list(articles) == ["https://example.org/3"]
    assert reasons(failures, tmp_path) == [
        ("rows.csv", "the CSV has no header row naming its fields (url, title, text, …)", True),
    ]


def test_a_line_that_is_not_utf8_loses_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(record(1)).encode() + b"\n"
                     + json.dumps(record(2, "Caf\u00e9 talks."), ensure_ascii=False).encode("latin-1") + b"\n"
                     + json.dumps(record(3), ensure_ascii=False).encode() + b"\n")

    articles, failures = split(read_folder(folder(path)))

    assert sorted(articles) == ["https://example.org/1", "https://example.org/3"]
    assert reasons(failures, tmp_path) == [
        ("news.jsonl:2", "not UTF-8 text (invalid continuation byte at byte 66)", False),
    ]


# --- item 10: empty files and garbage ------------------------------------------------------------------


def test_empty_files_and_junk_text_are_reported(tmp_path: Path) -> None:
    for name in ("a.jsonl", "b.csv", "c.json", "d.md"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "e.json").write_text("  \n")
    (tmp_path / "e.csv").write_text("\r\n\t\r\n")
    (tmp_path / "e.list.json").write_text("[]")
    (tmp_path / "f.txt").write_bytes(b"\x00" * 5000)
    (tmp_path / "g.txt").write_bytes(b"Title\n" + bytes(range(32)) * 100 + b"\nA few words.\n")
    jsonl(tmp_path / "h.jsonl", record(1, "\x00\x1b\x07" * 50 + "ok"), record(2), record(3, "<<< … >>> ---"))

    articles, failures = split(read_folder(folder(tmp_path)))

    assert list(articles) == ["https://example.org/2"]
    assert reasons(failures, tmp_path) == [
        ("a.jsonl", "the file is empty", True),
        ("b.csv", "the file is empty", True),
        ("c.json", "the file is empty", True),
        ("d.md", "the file is empty", True),
        ("e.csv", "the file is empty", True),
        ("e.json", "the file is empty", True),
        ("e.list.json", "the file holds no records (an empty list)", True),
        ("f.txt", "not text: mostly control characters", False),
        ("g.txt", "not text: mostly control characters", False),
        ("h.jsonl:1", "not text: mostly control characters", False),
        ("h.jsonl:3", "not text: no letters or digits", False),
    ]


def test_stray_controls_invisible_characters_and_lone_surrogates_are_dropped(tmp_path: Path) -> None:
    text = "\u202eTalks\u202c resumed\x00 in\u200b Geneva\x1b today\ufeff.\x0cA second\u2066 page\u2069."
    lone = '{"url": "https://example.org/\\ud800", "title": "Lone \\udfff", "text": "Stored \\ud800at last."}'
    path = jsonl(tmp_path / "news.jsonl", record(1, text), lone)

    first, second = read_folder(folder(path))

    assert clean_text(text) == "Talks resumed in Geneva today.\nA second page."
    assert isinstance(first, Article) and first.text == "Talks resumed in Geneva today.\nA second page."
    assert isinstance(second, Article)  # a lone surrogate cannot be encoded, so it could not be stored
    assert (second.url, second.title, second.text) == ("https://example.org/", "Lone", "Stored at last.")
    assert second.content_hash and second.doc_id


# --- item 11: dates --------------------------------------------------------------------------------------


def test_only_full_dates_are_dates_and_future_ones_are_reported(tmp_path: Path) -> None:
    written = {
        "10": None, "Tuesday": None, "Jan": None, "Jan 2022": None, "2022": None, "3000": None, "12:30": None,
        "10 January 2022": datetime(2022, 1, 10, tzinfo=UTC),
        "Jan 10, 2022": datetime(2022, 1, 10, tzinfo=UTC),
        "Mon, 10 Jan 2022 08:00:00 +0000": datetime(2022, 1, 10, 8, tzinfo=UTC),
        "2022-01-10T08:00:00Z": datetime(2022, 1, 10, 8, tzinfo=UTC),
        "1641801600": datetime(2022, 1, 10, 8, tzinfo=UTC),
        "2099-01-01": None,
    }
    path = jsonl(tmp_path / "news.jsonl", *(record(n, published=date) for n, date in enumerate(written)))

    articles, failures = split(read_folder(folder(path)))

    assert [article.published for article in articles.values()] == list(written.values())
    assert reasons(failures, tmp_path) == [
        (f"news.jsonl:{len(written)}", "the date 2099-01-01 is in the future; indexed with no date", False),
    ]


# --- item 12: symlink loops ----------------------------------------------------------------------------


def test_symlink_loops_inside_a_folder_are_skipped_and_linked_folders_read(tmp_path: Path) -> None:
    corpus, elsewhere = tmp_path / "corpus", tmp_path / "elsewhere"
    (corpus / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    jsonl(corpus / "sub" / "news.jsonl", record(1))
    jsonl(elsewhere / "more.jsonl", record(2))
    os.symlink(corpus, corpus / "sub" / "up")  # back to an enclosing folder: a loop
    os.symlink(corpus / "self", corpus / "self")  # a link to itself
    os.symlink(elsewhere, corpus / "linked")  # a linked folder outside: read like any other
    os.symlink(tmp_path / "gone", corpus / "dangling")

    articles, failures = split(read_folder(folder(corpus)))

    assert sorted(articles) == ["https://example.org/1", "https://example.org/2"]
    assert [(Path(f.item).relative_to(corpus).as_posix(), f.reason, f.whole) for f in failures] == [
        ("dangling", "the link points to nothing (broken symlink)", True),
        ("self", "the path loops back on itself (symlink loop)", False),
        ("sub/up", "the path loops back on itself (symlink loop)", False),
    ]


def test_a_source_path_that_loops_fails_that_source_and_the_rest_index(tmp_path: Path, embedder) -> None:
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    jsonl(tmp_path / "news.jsonl", record(1))
    toml = tmp_path / "sources.toml"
    toml.write_text('[[source]]\nname = "loop"\nkind = "folder"\npath = "loop"\n\n'
                    '[[source]]\nname = "news"\nkind = "folder"\npath = "news.jsonl"\n')

    report = reindex(tmp_path / "data", load_sources(toml), DEFAULT_MODEL)

    looping, news = report.sources
    assert [failure["reason"] for failure in looping.failed] == ["the path loops back on itself (symlink loop)"]
    assert looping.status == "failed"
    assert (news.new, news.failed, news.status) == (1, [], "ok")


def test_cut_and_future_dated_articles_are_indexed_and_counted(tmp_path: Path, embedder) -> None:
    paragraphs = [f"Paragraph {n} says the talks in Geneva went on into the night." for n in range(40)]
    jsonl(tmp_path / "news.jsonl", record(1, "\n\n".join(paragraphs)), record(2, published="2099-01-01"), record(3))
    spec = SourceSpec(name="news", kind="folder", path=tmp_path / "news.jsonl")

    report = reindex(tmp_path / "data", [spec], DEFAULT_MODEL, limits=ReadLimits(article_max_chars=1000))

    [news] = report.sources
    assert (news.new, news.status) == (3, "partial")
    assert [failure["reason"] for failure in news.failed] == [
        "text cut at 1,000 characters (PARLEY_MAX_ARTICLE_CHARS)",
        "the date 2099-01-01 is in the future; indexed with no date",
    ]
