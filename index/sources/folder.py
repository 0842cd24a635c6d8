"""Folder sources: every readable file under a folder (or one file), dispatched on its suffix.

One broken file or record must never stop the rest of a corpus from indexing, so every problem is
yielded as a ``Failure`` naming the file (and line or row) and the reason, and reading goes on.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import frontmatter
import trafilatura
import yaml

from index.articles import Article, Failure
from index.sources import DEFAULT_LIMITS, ReadLimits, SourceSpec
from index.sources.fields import record_item

Item = Article | Failure
Reader = Callable[[Path, SourceSpec], Iterator[Item]]

HTML_SUFFIXES = (".html", ".htm")

# Real exports hold multi-megabyte quoted fields; the csv module's default cap is 128 KB.
CSV_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)
csv.field_size_limit(CSV_FIELD_LIMIT)

_HARD_BREAK = re.compile(r"( {2,}|\\)$")
_BLOCK_START = re.compile(r"^\s*([-*+]\s|\d+[.)]\s|#{1,6}\s|>)")
_LINK = re.compile(r"!?\[([^\[\]]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_HEADING = re.compile(r"^[ \t]*#{1,6}(?:[ \t]+(.*?))?[ \t#]*$", re.MULTILINE)
_STAR_BULLET = re.compile(r"^([ \t]*)\*(?=[ \t])", re.MULTILINE)
# Converted pages balance their asterisks badly ("**Bold: **text"), so every unescaped one goes.
_STARS = re.compile(r"(?<!\\)\*+")
_UNDERSCORES = re.compile(r"(?<![\\\w])(_{1,3})(?=\S)((?:(?!\n\s*\n).)+?)(?<=[^\s\\])\1(?!\w)", re.DOTALL)
_RULE = re.compile(r"^[ \t]*([-*_=])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: any ASCII punctuation can be escaped


def read_folder(spec: SourceSpec, suffixes: Iterable[str] | None = None,
                limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Yield the articles of every known file under ``spec.path`` (only ``suffixes``, if given)."""
    root = spec.path
    if root is None or not root.exists():
        yield Failure(spec.name, str(root), "no such file or folder", whole=True)
        return
    wanted = set(suffixes) if suffixes is not None else set(READERS)
    if root.is_file() and root.suffix.lower() not in wanted:
        yield Failure(spec.name, str(root), f"cannot read {root.suffix or 'suffix-less'} files", whole=True)
        return
    for path in files_under(root):
        suffix = path.suffix.lower()
        if suffix in wanted and suffix in READERS:
            yield from _guarded(READERS[suffix], path, spec)


def files_under(root: Path) -> list[Path]:
    """``root`` itself if it is a file, else its files in sorted order, skipping hidden ones (.git…)."""
    if root.is_file():
        return [root]
    return sorted(
        path for path in root.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


def _guarded(reader: Reader, path: Path, spec: SourceSpec) -> Iterator[Item]:
    """Turn whatever goes wrong inside one file into a Failure for that file."""
    try:
        yield from reader(path, spec)
    except UnicodeDecodeError as exc:
        yield Failure(spec.name, str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})", whole=True)
    except json.JSONDecodeError as exc:
        yield Failure(spec.name, str(path), f"not valid JSON: {exc.msg} at line {exc.lineno}", whole=True)
    except yaml.YAMLError as exc:
        yield Failure(spec.name, str(path), f"the front matter is not valid YAML: {_first_line(exc)}", whole=True)
    except csv.Error as exc:
        yield Failure(spec.name, str(path), f"not valid CSV: {exc}", whole=True)
    except OSError as exc:
        yield Failure(spec.name, str(path), f"could not read the file: {exc.strerror or exc}", whole=True)
    except Exception as exc:  # a parser's surprise must not stop the rest of the corpus
        reason = f"could not read the file: {type(exc).__name__}: {_first_line(exc)}"
        yield Failure(spec.name, str(path), reason, whole=True)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().split("\n", 1)[0]


def read_jsonl(path: Path, spec: SourceSpec) -> Iterator[Item]:
    """One JSON object a line; a bad line is reported and the others still read."""
    uri = path.resolve().as_uri()
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            item = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Failure(spec.name, item, f"not valid JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(record, dict):
                yield Failure(spec.name, item, "not a JSON object")
                continue
            yield record_item(record, spec, item, f"{uri}#{number}")


def read_json(path: Path, spec: SourceSpec) -> Iterator[Item]:
    """A JSON file holds one object or a list of them."""
    data, uri = json.loads(path.read_text(encoding="utf-8-sig")), path.resolve().as_uri()
    if isinstance(data, dict):
        yield record_item(data, spec, str(path), uri)
        return
    if not isinstance(data, list):
        yield Failure(spec.name, str(path), "expected a JSON object or a list of objects", whole=True)
        return
    for number, record in enumerate(data, start=1):
        item = f"{path}[{number}]"
        if isinstance(record, dict):
            yield record_item(record, spec, item, f"{uri}#{number}")
        else:
            yield Failure(spec.name, item, "not a JSON object")


def read_csv(path: Path, spec: SourceSpec) -> Iterator[Item]:
    """A CSV file with a header row; each row is a record."""
    uri = path.resolve().as_uri()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=1):
            yield record_item(row, spec, f"{path}:row {number}", f"{uri}#{number}")


def read_text_file(path: Path, spec: SourceSpec) -> Iterator[Item]:
    """Markdown or plain text, with optional YAML front matter; else the first line is the title."""
    post = frontmatter.loads(path.read_text(encoding="utf-8-sig"))
    readable = markdown_to_text if path.suffix.lower() in (".md", ".markdown") else str
    record: dict[object, object] = dict(post.metadata)
    content = post.content
    if not post.metadata:
        title, _, rest = content.strip().partition("\n")
        record["title"] = readable(title)
        content = rest if rest.strip() else title
    record["text"] = readable(content)
    yield record_item(record, spec, str(path), path.resolve().as_uri())


def markdown_to_text(markdown: str) -> str:
    """Readable text from markdown: soft-wrapped lines joined; emphasis, links, # and rules dropped."""
    text = _unwrap(_RULE.sub("", markdown.replace("\r\n", "\n")))
    text = _LINK.sub(r"\1", text)
    text = _HEADING.sub(r"\1", text)
    text = _STARS.sub("", _STAR_BULLET.sub(r"\1-", text))
    text = _UNDERSCORES.sub(r"\2", text)
    return _ESCAPE.sub(r"\1", text)


def _unwrap(markdown: str) -> str:
    """Join a paragraph's soft-wrapped lines, so a quoted sentence is not cut by the file's line width.

    A line ending in two spaces or a backslash is a hard break; list items, headings and quotes
    start lines of their own, and nothing is joined onto a heading.
    """
    out: list[str] = []
    joining = False
    for line in markdown.split("\n"):
        content = _HARD_BREAK.sub("", line).rstrip()
        if not content.strip():
            out.append("")
        elif joining and not _BLOCK_START.match(line):
            out[-1] = f"{out[-1]} {content.strip()}"
        else:
            out.append(content)
        joining = bool(content.strip()) and not _HARD_BREAK.search(line) and not _HEADING.match(line)
    return "\n".join(out)


def read_html_file(path: Path, spec: SourceSpec) -> Iterator[Item]:
    """A saved web page; its own canonical link, if it has one, beats the file's URI."""
    yield article_from_page(path.read_bytes(), spec, str(path), path.resolve().as_uri())


def article_from_page(page: bytes | str, spec: SourceSpec, item: str, url: str) -> Item:
    """A web page's article: main text, with title, date, canonical link and site name if it has them."""
    record = html_record(page, url)
    if not record.get("text"):
        return Failure(spec.name, item, "found no main text in the page", whole=True)
    return record_item(record, spec, item, url)


def html_record(page: bytes | str, url: str | None = None) -> dict[str, object]:
    """Main text and metadata of a page as a record for the field mapping; empty if it has no main text."""
    document = trafilatura.bare_extraction(page, url=url, with_metadata=True, include_comments=False)
    if document is None:
        return {}
    data = document if isinstance(document, dict) else document.as_dict()
    title, text = data.get("title") or "", data.get("text") or ""
    first, _, rest = text.partition("\n")
    return {
        "url": data.get("url") or url,
        "title": title,
        "published": data.get("date"),
        "outlet": data.get("sitename"),
        # The page's own heading usually opens the main text; the title already says it.
        "text": rest if title and first.strip() == title.strip() and rest.strip() else text,
    }


READERS: dict[str, Reader] = {
    ".jsonl": read_jsonl,
    ".json": read_json,
    ".csv": read_csv,
    ".md": read_text_file,
    ".markdown": read_text_file,
    ".txt": read_text_file,
    **dict.fromkeys(HTML_SUFFIXES, read_html_file),
}
