"""Folder sources: every readable file under a folder (or one file), dispatched on its suffix.

One broken file or record must never stop the rest of a corpus from indexing, so every problem is
yielded as a ``Failure`` naming the file (and line or row) and the reason, and reading goes on.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import frontmatter
import trafilatura
import yaml

from index.articles import Article, Failure
from index.sources import DEFAULT_LIMITS, ReadLimits, SourceSpec
from index.sources.fields import DEFAULT_FIELDS, field_names, record_items

Item = Article | Failure
Reader = Callable[[Path, SourceSpec, ReadLimits], Iterator[Item]]

HTML_SUFFIXES = (".html", ".htm")

LOOP = "the path loops back on itself (symlink loop)"
EMPTY = "the file is empty"
TOO_DEEP = "nested too deeply to read (brackets inside brackets thousands deep)"

# Real exports hold multi-megabyte quoted fields; the csv module's default cap is 128 KB.
CSV_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)
csv.field_size_limit(CSV_FIELD_LIMIT)

_HARD_BREAK = re.compile(r"((?<! ) {2,}|\\)$")  # a run is tried once, from its start
_BLOCK_START = re.compile(r"^\s*([-*+]\s|\d+[.)]\s|#{1,6}\s|>)")
_LINK = re.compile(r"!?\[([^\[\]]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_HEADING = re.compile(r"^[ \t]*#{1,6}(?:[ \t]+(.*))?$", re.MULTILINE)  # closing #s: rstripped, not matched
_STAR_BULLET = re.compile(r"^([ \t]*)\*(?=[ \t])", re.MULTILINE)
# Converted pages balance their asterisks badly ("**Bold: **text"), so every unescaped one goes.
_STARS = re.compile(r"(?<!\\)\*+")
# Emphasis holds no underscore but inside a word (snake_case), so each opener looks only as far as the next.
_UNDERSCORES = re.compile(r"(?<![\\\w])(_{1,3})(?=\S)((?:(?!\n\s*\n)(?:[^_]|(?<=\w)_(?=\w)))+?)(?<=[^\s\\])\1(?!\w)",
                          re.DOTALL)
_RULE = re.compile(r"^[ \t]*([-*_=])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: any ASCII punctuation can be escaped


def read_folder(spec: SourceSpec, suffixes: Iterable[str] | None = None,
                limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Yield the articles of every known file under ``spec.path`` (only ``suffixes``, if given)."""
    root = spec.path
    problem = path_problem(root)
    if root is None or problem is not None:
        yield Failure(spec.name, str(root), problem or "no such file or folder", whole=True)
        return
    wanted = set(suffixes) if suffixes is not None else set(READERS)
    if root.is_file() and root.suffix.lower() not in wanted:
        yield Failure(spec.name, str(root), f"cannot read {root.suffix or 'suffix-less'} files", whole=True)
        return
    walk = walk_folder(root)
    for skipped in walk.skipped:
        yield Failure(spec.name, str(skipped.path), skipped.reason, whole=skipped.may_hide_files)
    for path in walk.files:
        suffix = path.suffix.lower()
        if suffix in wanted and suffix in READERS:
            yield from _read_file(READERS[suffix], path, spec, limits)


def path_problem(path: Path | None) -> str | None:
    """Why ``path`` cannot be read at all (missing, its links loop…), or None."""
    if path is None:
        return "no such file or folder"
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return LOOP
        return "no such file or folder" if exc.errno in (errno.ENOENT, errno.ENOTDIR) else str(exc.strerror or exc)
    return None


@dataclass(frozen=True)
class Skipped:
    """An entry of a folder that was not read, and why; ``may_hide_files`` unless it only repeats a folder."""

    path: Path
    reason: str
    may_hide_files: bool


@dataclass
class Walk:
    """A folder's files in sorted order, and what was skipped on the way."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def walk_folder(root: Path) -> Walk:
    """Every file under ``root`` (or ``root`` itself), following links but never into a folder they came from.

    Hidden entries (.git…) are skipped. A link back to an enclosing folder is a loop, reported once and
    not followed; a folder reached twice through links is read once.
    """
    walk = Walk()
    if root.is_file():
        walk.files.append(root)
        return walk
    seen = {_identity(root)}
    stack: list[tuple[Path, frozenset[tuple[int, int]]]] = [(root, frozenset(seen))]
    while stack:
        folder, enclosing = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            walk.skipped.append(Skipped(folder, f"could not read the folder: {exc.strerror or exc}", True))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = folder / entry.name
            try:
                if entry.is_dir():
                    identity = _identity(path)
                    if identity in enclosing:
                        walk.skipped.append(Skipped(path, LOOP, False))
                    elif identity not in seen:
                        seen.add(identity)
                        stack.append((path, enclosing | {identity}))
                elif entry.is_file():
                    walk.files.append(path)
                elif entry.is_symlink():
                    walk.skipped.append(Skipped(path, "the link points to nothing (broken symlink)", True))
            except OSError as exc:
                reason = LOOP if exc.errno == errno.ELOOP else f"could not read it: {exc.strerror or exc}"
                walk.skipped.append(Skipped(path, reason, exc.errno != errno.ELOOP))
    walk.files.sort()
    walk.skipped.sort(key=lambda skipped: skipped.path)
    return walk


def _identity(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_dev, status.st_ino


def files_under(root: Path) -> list[Path]:
    """``root`` itself if it is a file, else its files in sorted order, skipping hidden ones and link loops."""
    return walk_folder(root).files


def _read_file(reader: Reader, path: Path, spec: SourceSpec, limits: ReadLimits) -> Iterator[Item]:
    """One file within the size limit, and not empty, through its reader."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield Failure(spec.name, str(path), f"could not read the file: {exc.strerror or exc}", whole=True)
        return
    if size > limits.file_max_bytes:
        limit = _megabytes(limits.file_max_bytes)
        reason = f"the file is {_megabytes(size)}, over the {limit} limit (PARLEY_MAX_FILE_MB)"
        yield Failure(spec.name, str(path), reason, whole=True)
    elif size == 0:
        yield Failure(spec.name, str(path), EMPTY, whole=True)
    else:
        yield from _guarded(reader, path, spec, limits)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f}".removesuffix(".0") + " MB"


def _guarded(reader: Reader, path: Path, spec: SourceSpec, limits: ReadLimits) -> Iterator[Item]:
    """Turn whatever goes wrong inside one file into a Failure for that file."""
    try:
        yield from reader(path, spec, limits)
    except UnicodeDecodeError as exc:
        yield Failure(spec.name, str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})", whole=True)
    except json.JSONDecodeError as exc:
        yield Failure(spec.name, str(path), f"not valid JSON: {_json_problem(exc)} at line {exc.lineno}", whole=True)
    except yaml.YAMLError as exc:
        yield Failure(spec.name, str(path), f"the front matter is not valid YAML: {_yaml_problem(exc)}", whole=True)
    except csv.Error as exc:
        yield Failure(spec.name, str(path), f"not valid CSV: {exc}", whole=True)
    except OSError as exc:
        yield Failure(spec.name, str(path), f"could not read the file: {exc.strerror or exc}", whole=True)
    except RecursionError:
        yield Failure(spec.name, str(path), TOO_DEEP, whole=True)
    except Exception as exc:  # a parser's surprise must not stop the rest of the corpus
        reason = f"could not read the file: {type(exc).__name__}: {_first_line(exc)}"
        yield Failure(spec.name, str(path), reason, whole=True)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().split("\n", 1)[0]


def _json_problem(exc: json.JSONDecodeError) -> str:
    return exc.msg.removesuffix(" at")  # "Unterminated string starting at", then where


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What the YAML parser found wrong, and on which line, rather than what it was doing at the time."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
        mark = exc.problem_mark
        return exc.problem + (f" (line {mark.line + 1})" if mark is not None else "")
    return _first_line(exc)


def read_jsonl(path: Path, spec: SourceSpec, limits: ReadLimits) -> Iterator[Item]:
    """One JSON object a line; a bad line (not JSON, not UTF-8, too deep) is reported and the others still read."""
    uri = path.resolve().as_uri()
    records = 0
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            item = f"{path}:{number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                records += 1
                yield Failure(spec.name, item, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
                continue
            if not line.strip():
                continue
            records += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Failure(spec.name, item, f"not valid JSON: {_json_problem(exc)} at column {exc.colno}")
                continue
            except RecursionError:
                yield Failure(spec.name, item, TOO_DEEP)
                continue
            if not isinstance(record, dict):
                yield Failure(spec.name, item, "not a JSON object")
                continue
            yield from record_items(record, spec, item, f"{uri}#{number}", limits)
    if not records:
        yield Failure(spec.name, str(path), EMPTY, whole=True)


def read_json(path: Path, spec: SourceSpec, limits: ReadLimits) -> Iterator[Item]:
    """A JSON file holds one object or a list of them."""
    text, uri = path.read_text(encoding="utf-8-sig"), path.resolve().as_uri()
    if not text.strip():
        yield Failure(spec.name, str(path), EMPTY, whole=True)
        return
    data = json.loads(text)
    if isinstance(data, dict):
        yield from record_items(data, spec, str(path), uri, limits)
        return
    if not isinstance(data, list):
        yield Failure(spec.name, str(path), "expected a JSON object or a list of objects", whole=True)
        return
    if not data:
        yield Failure(spec.name, str(path), "the file holds no records (an empty list)", whole=True)
    for number, record in enumerate(data, start=1):
        item = f"{path}[{number}]"
        if isinstance(record, dict):
            yield from record_items(record, spec, item, f"{uri}#{number}", limits)
        else:
            yield Failure(spec.name, item, "not a JSON object")


def read_csv(path: Path, spec: SourceSpec, limits: ReadLimits) -> Iterator[Item]:
    """A CSV file with a header row; each row is a record.

    The csv module reads a quote left open as one field running on to the next quote or the end of the
    file, taking the rows between with it; such a row is reported, never indexed.
    """
    uri = path.resolve().as_uri()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = _Lines(handle)
        rows = csv.reader(lines)
        header = next((row for row in rows if any(cell.strip() for cell in row)), None)
        if header is None:
            yield Failure(spec.name, str(path), EMPTY, whole=True)
            return
        if not _names_fields(header, spec):
            reason = "the CSV has no header row naming its fields (url, title, text, …)"
            yield Failure(spec.name, str(path), reason, whole=True)
            return
        lines.take()
        number = 0
        for row in rows:
            first, raw = lines.take()
            if not row:
                continue
            number += 1
            item = f"{path}:row {number}"
            if lines.ended:
                reason = f"unterminated quote at row {number}: rows after it could not be read"
                yield Failure(spec.name, item, reason, whole=True)
                return
            if len(raw) > 1 and _breaks_quoting(raw):
                reason = (f"unterminated quote at row {number}: lines {first}–{first + len(raw) - 1} ran together "
                          "into one row and could not be read")
                yield Failure(spec.name, item, reason, whole=True)
                continue
            yield from record_items(dict(zip(header, row, strict=False)), spec, item, f"{uri}#{number}", limits)


class _Lines:
    """A file's lines as the csv reader takes them, remembering the current record's lines and the file's end.

    The reader completes a row only at a line's end, unless a quote is still open when the file ends.
    """

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.record: list[str] = []
        self.first = 1
        self.ended = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline()
        if not line:
            self.ended = True
            raise StopIteration
        self.record.append(line)
        return line

    def take(self) -> tuple[int, list[str]]:
        """The first line number and the lines of the row just read; the next row starts after them."""
        first, record = self.first, self.record
        self.first, self.record = first + len(record), []
        return first, record


def _names_fields(header: list[str], spec: SourceSpec) -> bool:
    """Whether a header row names fields we read, and holds no value (a link, a sentence): else it is data."""
    known = {name.lower() for ours in DEFAULT_FIELDS for name in field_names(spec, ours)}
    cells = [cell.strip().lower() for cell in header]
    return any(cell in known for cell in cells) and not any("://" in cell or len(cell) > 64 for cell in cells)


def _breaks_quoting(lines: list[str]) -> bool:
    """Whether a row over several lines only holds together by misreading a quote (a quote closes mid-field)."""
    try:
        list(csv.reader(lines, strict=True))
    except csv.Error:
        return True
    return False


def read_text_file(path: Path, spec: SourceSpec, limits: ReadLimits) -> Iterator[Item]:
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
    yield from record_items(record, spec, str(path), path.resolve().as_uri(), limits)


def markdown_to_text(markdown: str) -> str:
    """Readable text from markdown: soft-wrapped lines joined; emphasis, links, # and rules dropped."""
    text = _unwrap(_RULE.sub("", markdown.replace("\r\n", "\n")))
    text = _LINK.sub(r"\1", text)
    text = _HEADING.sub(lambda heading: (heading[1] or "").rstrip(" \t#"), text)
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


def read_html_file(path: Path, spec: SourceSpec, limits: ReadLimits) -> Iterator[Item]:
    """A saved web page; its own canonical link, if it has one, beats the file's URI."""
    yield from page_items(path.read_bytes(), spec, str(path), path.resolve().as_uri(), limits)


def page_items(page: bytes | str, spec: SourceSpec, item: str, url: str,
               limits: ReadLimits = DEFAULT_LIMITS) -> list[Item]:
    """A web page's article followed by its notes, or a Failure saying why the page has none."""
    record = html_record(page, url)
    if not record.get("text"):
        return [Failure(spec.name, item, "found no main text in the page", whole=True)]
    return record_items(record, spec, item, url, limits)


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
