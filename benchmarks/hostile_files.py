"""Hostile files: about 200 malformed inputs of every kind, beside good records, through the real reindex.

usage: python benchmarks/hostile_files.py [--max-article-chars N] [--max-file-mb MB] [--keep]

Each input is a source of its own (one file, or a folder, or a link), so every failure is known to be
about it. Per kind it prints: inputs; handled (a bad input reported with a clear reason, an odd but
valid one indexed); lost (a good record neither indexed nor reported: must be 0); and the seconds the
reindex spent on the kind's sources, reading and embedding. Every input is written by the script,
seeded, and read from a temporary folder that is removed at the end (unless --keep). The article
limit defaults low, so that cut articles embed in seconds: what is measured is the reading.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from config.settings import DEFAULT_MODEL
from index.articles import Article
from index.build import ReindexReport, SourceReport, reindex
from index.sources import ReadLimits, SourceSpec, read_source
from index.store import Store

SEED = 16
WORDS = ("the", "delegations", "met", "again", "on", "tuesday", "and", "talked", "about", "ferry", "timetable",
         "lake", "quota", "envoy", "minister", "said", "geneva", "vienna", "talks", "ended", "at", "dawn")
# The generic fallback for an exception no reader expected: reported, but not a reason a person can act on.
UNCLEAR = re.compile(r"^could not read the file: [A-Z]\w*:|Traceback")


@dataclass
class Case:
    """One hostile input: how to write it, and what a correct reader makes of it."""

    kind: str
    name: str
    write: Callable[[Path], None]
    good: tuple[int, ...] = ()  # records a correct reader indexes (by number, in the URL)
    swallowed: tuple[int, ...] = ()  # good-looking records that may be unreadable, if the input says so
    reported: bool | None = True  # must it be reported (True), must it index quietly (False), or either (None)


def url(n: int) -> str:
    return f"https://hostile.example/{n}"


def sentence(rng: random.Random, words: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def prose(rng: random.Random, chars: int) -> str:
    """Paragraphs of seeded sentences, about ``chars`` long."""
    paragraph = " ".join(sentence(rng) for _ in range(6))
    return "\n\n".join([paragraph] * (chars // (len(paragraph) + 2) + 1))


def record(n: int, text: object = None, **fields: object) -> dict:
    return {"url": url(n), "title": f"Report {n}", "text": text or f"Report {n}: the ferry talks went on.", **fields}


def jsonl(*lines: object, newline: str = "\n", bom: bool = False) -> bytes:
    """Lines of JSON; a string line is written as it is."""
    body = newline.join(line if isinstance(line, str) else json.dumps(line) for line in lines) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + body.encode()


def csv_rows(*rows: str, newline: str = "\n") -> bytes:
    return ("url,title,text" + newline + newline.join(rows) + newline).encode()


def symlink_pair(path: Path) -> None:
    other = path.with_name(path.name + "-other")
    os.symlink(other, path)
    os.symlink(path, other)


def folder_with_links(path: Path, numbers: tuple[int, ...]) -> None:
    """Good records in a subfolder, a link from there back up to the folder, and a link to nothing."""
    (path / "sub").mkdir(parents=True)
    (path / "sub" / "news.jsonl").write_bytes(jsonl(*(record(n) for n in numbers)))
    os.symlink(path, path / "sub" / "up")
    os.symlink(path / "gone", path / "dangling")


def link_chain(path: Path, links: int) -> None:
    """Links to links, more than the system follows (40 on Linux), ending at a real file."""
    target = path.with_name(path.name + "-end.txt")
    target.write_text("Title\n\nThe end of the chain.\n")
    for k in range(links, 0, -1):
        link = path if k == 1 else path.with_name(f"{path.name}-{k}")
        os.symlink(target, link)
        target = link


def link_to_itself(path: Path) -> None:
    """A folder holding a link to "." (itself)."""
    path.mkdir()
    os.symlink(".", path / "here")


def deep_folders(path: Path, numbers: tuple[int, ...]) -> None:
    """A record two hundred folders down."""
    bottom = path.joinpath(*["d"] * 200)
    bottom.mkdir(parents=True)
    (bottom / "news.jsonl").write_bytes(jsonl(*(record(n) for n in numbers)))


def many_empty(path: Path, files: int) -> None:
    path.mkdir()
    for k in range(files):
        (path / f"{k:04d}.jsonl").touch()


class Cases:
    """Builds the list of cases; record numbers are unique across all of them."""

    def __init__(self) -> None:
        self.cases: list[Case] = []
        self.numbers = iter(range(1, 1_000_000))

    def file(self, kind: str, name: str, data: bytes, reported: bool | None = True) -> None:
        self.cases.append(Case(kind, name, lambda path: path.write_bytes(data), reported=reported))

    def records(self, kind: str, name: str, build: Callable[[list[int]], bytes], good: int, swallowed: int = 0,
                reported: bool | None = True) -> None:
        """A file of records: ``build`` gets the numbers of the good ones, then of the swallowed ones."""
        taken = [next(self.numbers) for _ in range(good + swallowed)]
        data = build(taken)
        self.cases.append(Case(kind, name, lambda path: path.write_bytes(data), tuple(taken[:good]),
                               tuple(taken[good:]), reported))

    def path(self, kind: str, name: str, write: Callable[[Path, tuple[int, ...]], None], good: int = 0,
             reported: bool | None = True) -> None:
        """Anything else at the source's path (links, folders): ``write`` gets the path and the good numbers."""
        taken = tuple(next(self.numbers) for _ in range(good))
        self.cases.append(Case(kind, name, lambda path: write(path, taken), taken, reported=reported))


def cases(rng: random.Random) -> list[Case]:
    """Every hostile input, about ten of each kind."""
    add = Cases()
    suffixes = (".txt", ".md", ".json", ".jsonl", ".csv", ".html", ".htm", ".markdown")
    for i in range(30):
        add.file("binary junk", f"junk{i}{suffixes[i % len(suffixes)]}", rng.randbytes(rng.choice((64, 4096, 200_000))))

    text = "Caf\u00e9 talks: the envoy \u201cwelcomed\u201d the d\u00e9l\u00e9gation \u2014 na\u00efve, \u00fcber."
    for i, (encoding, suffix) in enumerate((("latin-1", ".txt"), ("cp1252", ".md"), ("utf-16", ".txt"),
                                            ("utf-16-be", ".md"), ("utf-32", ".txt"), ("cp1252", ".csv"),
                                            ("shift_jis", ".txt"), ("utf-16", ".json"), ("utf-16", ".jsonl"),
                                            ("utf-16", ".csv"), ("latin-1", ".jsonl"))):
        as_json = json.dumps(record(0, text), ensure_ascii=False)
        data = {".csv": f"url,title,text\n{url(0)},T,{text}\n", ".json": as_json, ".jsonl": as_json}.get(
            suffix, f"Title\n\n{text}")
        add.file("wrong encoding", f"enc{i}{suffix}", data.encode(encoding, errors="replace"))
    latin = json.dumps(record(0, text), ensure_ascii=False).encode("latin-1", errors="replace") + b"\n"
    add.records("wrong encoding", "mixed.jsonl", lambda n: jsonl(record(n[0])) + latin + jsonl(record(n[1])), 2)

    listed = json.dumps([record(0, sentence(rng)) for _ in range(5)])
    for i, cut in enumerate((1, 10, 50, 100, 150, 200, 250, 300, 333, len(listed) - 1)):
        add.file("truncated JSON", f"cut{i}.json", listed[:cut].encode())
    for i in range(4):
        line = json.dumps(record(0))[:10 + 20 * i]
        add.records("truncated JSON", f"cut{i}.jsonl", lambda n, line=line: jsonl(record(n[0]), record(n[1]), line), 2)

    for i, size in enumerate((1_000_000, 3_000_000, 6_000_000)):
        one_line = prose(rng, size).replace("\n\n", " ")
        add.records("huge lines", f"line{i}.jsonl", lambda n, t=one_line: jsonl(record(n[0], t), record(n[1])), 2)
        add.records("huge lines", f"field{i}.csv", lambda n, t=one_line: csv_rows(f'{url(n[0])},Field,"{t}"'), 1)
        add.file("huge lines", f"line{i}.txt", f"One line\n{one_line}".encode())

    for i, trap in enumerate(("_a " * 300_000, "# " + "# " * 500_000 + "x", "#" + " " * 1_000_000 + "x",
                              "[a](" * 250_000, ">" + "<a " * 300_000, "\\" * 1_000_000)):
        add.file("regex traps", f"trap{i}.md", f"Trap {i}\n\n{trap}\n".encode(), reported=None)

    for i, depth in enumerate((9, 40, 1_000, 100_000)):
        deep = '{"text": ' + "[" * depth + '"x"' + "]" * depth + "}"
        add.records("deep nesting", f"deep{i}.jsonl", lambda n, deep=deep: jsonl(record(n[0]), deep, record(n[1])), 2)
    add.file("deep nesting", "deep.json", ("[" * 100_000 + "]" * 100_000).encode())
    add.file("deep nesting", "deep.md", ("---\ntitle: " + "[" * 40 + "x" + "]" * 40 + "\n---\nBody.\n").encode())
    add.file("deep nesting", "deeper.md", ("---\ntitle: " + "[" * 100_000 + "]" * 100_000 + "\n---\nBody.\n").encode())
    for i, leaf in enumerate(("''", "Ferry talks resumed")):  # seven levels of twenty aliases: 20**7 copies
        aliases = f"a0: &a0 [{leaf}]\n" + "".join(
            f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 20)}]\n" for level in range(1, 8))
        page = f"---\n{aliases}title: *a7\n---\nThe ferry talks resumed.\n"
        add.file("deep nesting", f"aliases{i}.md", page.encode(), reported=i == 0)

    for tag, newline in (("lf", "\n"), ("crlf", "\r\n")):
        add.records("BOM and CRLF", f"bom-{tag}.jsonl", lambda n, nl=newline: jsonl(
            record(n[0]), record(n[1]), newline=nl, bom=True), 2, reported=False)
        add.records("BOM and CRLF", f"bom-{tag}.csv", lambda n, nl=newline: b"\xef\xbb\xbf" + csv_rows(
            f"{url(n[0])},A,Some text.", f'{url(n[1])},B,"Two{nl}lines."', newline=nl), 2, reported=False)
        front = newline.join(("---", "title: Front matter", "---", "The ferry talks resumed."))
        add.file("BOM and CRLF", f"bom-{tag}.md", b"\xef\xbb\xbf" + front.encode(), reported=False)
        plain = newline.join(("Title", "", "The ferry talks resumed."))
        add.file("BOM and CRLF", f"bom-{tag}.txt", b"\xef\xbb\xbf" + plain.encode(), reported=False)
    add.records("BOM and CRLF", "bom.json", lambda n: b"\xef\xbb\xbf" + json.dumps(record(n[0])).encode(), 1,
                reported=False)

    for suffix in (".jsonl", ".csv", ".json", ".md", ".txt", ".html", ".markdown"):
        add.file("empty", f"empty{suffix}", b"")
    for i, (blank, suffix) in enumerate(((b"\n\n\n", ".jsonl"), (b"   ", ".json"), (b"\r\n\t\r\n", ".csv"))):
        add.file("empty", f"blank{i}{suffix}", blank)

    add.records("unterminated quote", "at-end.csv", lambda n: csv_rows(
        f"{url(n[0])},A,Fine.", f'{url(n[1])},B,"Opens here', f"{url(n[2])},C,and swallows the rest."), 1, 2)
    add.records("unterminated quote", "mid.csv", lambda n: csv_rows(
        f'{url(n[2])},A,"Open', f'{url(0)},B,"closes" early', f"{url(n[0])},C,Fine.", f"{url(n[1])},D,Fine."), 2, 1)
    add.records("unterminated quote", "title.csv", lambda n: csv_rows(
        f'{url(n[0])},"A title,Text.', f"{url(n[1])},B,Text.", f"{url(n[2])},C,Text."), 0, 3)
    add.records("unterminated quote", "many.csv", lambda n: csv_rows(
        *(f"{url(k)},T,Fine." for k in n[:3]), f'{url(n[3])},T,"Open', *(f"{url(k)},T,Lost?" for k in n[4:])), 3, 5)
    for i in range(3):
        add.records("unterminated quote", f"last{i}.csv", lambda n, i=i: csv_rows(
            f"{url(n[0])},A,Fine.", f"{url(n[1])},B,Fine.", f'{url(0)},C,"' + "x" * 10 ** (i + 1)), 2)

    add.records("no CSV header", "rows.csv", lambda n: "\n".join(f"{url(k)},Title,Text." for k in n).encode(), 0, 2)
    add.records("no CSV header", "numbers.csv", lambda n: ("1,2,3\n" + "\n".join(
        f"{url(k)},Title,Text." for k in n)).encode(), 0, 2)
    add.records("no CSV header", "named.csv", lambda n: f"Link,Headline,Body\n{url(n[0])},T,X.\n".encode(), 1,
                reported=False)

    for suffix in (".txt", ".md", ".html", ".csv"):
        add.file("NUL and controls", f"nul{suffix}", b"\x00" * 10_000)
    add.file("NUL and controls", "controls.txt", bytes(range(32)) * 300)
    add.records("NUL and controls", "nul.jsonl", lambda n: jsonl(record(0, "\x00" * 500), record(n[0])), 1)
    add.records("NUL and controls", "ansi.jsonl", lambda n: jsonl(record(0, "\x1b\x07\x00" * 200), record(n[0])), 1)
    add.records("NUL and controls", "bidi.jsonl", lambda n: jsonl(
        record(n[0], "\u202eTalks\u202c resumed\x00 in\u200b Geneva\u2066.\u2069"), record(n[1], "Ok\x0cpage two.")),
        2, reported=False)

    for i, date in enumerate(("10", "Tuesday", "Jan", "Jan 2022", "3000", "2099-01-01", "9999999999",
                              "10 January 2022", "Mon, 10 Jan 2022 08:00:00 +0000", "x" * 10_000, "2022-01",
                              "Q1 2022", "yesterday", "12:30", "10/01", "-1", "0", "2022-13-45", "Feb 30 2022",
                              "1e30")):
        add.records("dates", f"date{i}.jsonl", lambda n, d=date: jsonl(record(n[0], published=d)), 1,
                    reported=date in ("2099-01-01", "9999999999"))

    add.path("symlink loops", "self", lambda path, n: os.symlink(path, path))
    add.path("symlink loops", "pair", lambda path, n: symlink_pair(path))
    add.path("symlink loops", "folder", folder_with_links, good=2)
    add.path("symlink loops", "chain", lambda path, n: link_chain(path, 50))
    add.path("symlink loops", "dot", lambda path, n: link_to_itself(path))
    add.path("folders", "deep-folders", deep_folders, good=1, reported=False)
    add.path("folders", "many-empty", lambda path, n: many_empty(path, 1000))

    add.records("odd CSV", "header-only.csv", lambda n: b"url,title,text\n", 0, reported=None)
    add.records("odd CSV", "wide.csv", lambda n: ("url,title,text," + ",".join(f"c{k}" for k in range(10_000))
                                               + f"\n{url(n[0])},Wide,Fine.," + "x," * 10_000 + "\n").encode(), 1,
                reported=False)
    add.records("odd CSV", "ragged.csv", lambda n: csv_rows(f"{url(n[0])},A,Fine.,extra,cells",
                                                            f"{url(0)},B"), 1, reported=None)
    add.records("odd CSV", "nul-row.csv", lambda n: csv_rows(f"{url(n[0])},A,Fine.", f"{url(0)},B,\x00\x00\x00\x00",
                                                             f"{url(n[1])},C,Fine."), 2)
    add.records("odd CSV", "quoted-header.csv", lambda n: f'"url,title,text\n{url(n[0])},A,Fine.\n'.encode(), 0, 1)

    for i, megabytes in enumerate((30, 26)):
        add.file("30 MB prose", f"prose{i}.txt", f"Prose {i}\n\n{prose(rng, megabytes * 1_000_000)}".encode())
    add.records("30 MB prose", "prose.jsonl", lambda n: jsonl(record(n[0], prose(rng, 27_000_000))), 0, 1)
    add.records("30 MB prose", "long.md", lambda n: f"---\nurl: {url(n[0])}\n---\n{prose(rng, 5_000_000)}".encode(),
                1)

    for i, page in enumerate((
            "<html><body>" + "<div>" * 100_000 + "deep" + "</div>" * 100_000 + "</body></html>",
            "<html><head><script>" + "var x = 1;" * 10_000 + "</script></head><body></body></html>",
            "<html><body><p>" + "<" * 200_000 + "</p></body></html>",
            "<html><body><article>" + "".join(f"<p>{sentence(rng, 40)}</p>" for _ in range(20_000))
            + "</article></body></html>")):
        add.file("hostile HTML", f"page{i}.html", page.encode(), reported=None)

    for i, whole in enumerate(("42", '"a string"', "null", "true", "[]", "{}", "[1, 2]", '{"text": 5e999}')):
        add.file("odd records", f"whole{i}.json", whole.encode(), reported=None)
    for i, line in enumerate(("[1, 2, 3]", "42", '"a string"', "null", "true", '{"text": {"nested": "object"}}',
                              '{"text": ""}', '{"text": "\\u200b\\u200b"}', '{"text": "\\u0000\\u0000\\u0000"}',
                              '{"text": "\\ud800 \\udfff"}', '{"text": "<<< >>>"}', "{" * 30)):
        add.records("odd records", f"odd{i}.jsonl", lambda n, line=line: jsonl(record(n[0]), line), 1)
    add.records("odd records", "number.jsonl", lambda n: jsonl(record(n[0], 12345)), 1, reported=False)
    add.records("odd records", "listed-url.jsonl", lambda n: jsonl({"url": [url(n[0])], "text": "Listed."}), 1,
                reported=False)
    for i, page in enumerate(("---\ntitle: never closed\nThe ferry talks.\n", "---\ntitle: Only front matter\n---\n",
                              "---\ntitle: !!python/object:os.system echo\n---\nBody.\n",
                              "---\n\ttitle: tabs\n---\nBody.\n", "---\n- a list\n- not a mapping\n---\nBody.\n",
                              "---\ntitle: x\n---\n" + "\n" * 100_000)):
        add.file("front matter", f"front{i}.md", page.encode(), reported=None)
    for i, page in enumerate(("<html><body></body></html>", "<html><body><!-- only a comment --></body></html>",
                              "<frameset><frame src='a.html'></frameset>",
                              "<html><body><p title='" + "x" * 1_000_000 + "'>Hi</p></body></html>",
                              "<html><body><p>Unclosed <b><i><u> tags <p>everywhere",
                              "<?xml version='1.0'?><rss><channel><item>Not a page</item></channel></rss>")):
        add.file("hostile HTML", f"odd{i}.html", page.encode(), reported=None)
    return add.cases


def write_inputs(folder: Path, rng: random.Random) -> list[tuple[Case, SourceSpec]]:
    """Write every case into ``folder``; each becomes a folder source named for it."""
    written = []
    for number, case in enumerate(cases(rng)):
        path = folder / f"{number:03d}-{case.name}"
        case.write(path)
        written.append((case, SourceSpec(name=f"{number:03d}-{case.name}", kind="folder", path=path)))
    return written


def judge(case: Case, spec: SourceSpec, report: SourceReport, indexed: set[str]) -> tuple[bool, int]:
    """Whether the input was handled as it should be, and how many good records it lost."""
    ids = {n: Article(url=url(n), title="", text="", source=spec.name).doc_id for n in case.good + case.swallowed}
    reasons = [failure["reason"] for failure in report.failed]
    clear = bool(reasons) and not any(UNCLEAR.search(reason) for reason in reasons)
    good_indexed = all(ids[n] in indexed for n in case.good)
    lost = sum(ids[n] not in indexed for n in case.good)
    lost += 0 if clear else sum(ids[n] not in indexed for n in case.swallowed)
    expected = {True: clear, False: not reasons, None: clear or not reasons}[case.reported]
    return good_indexed and expected, lost


def seconds_to_read(spec: SourceSpec, limits: ReadLimits) -> float:
    """The reading alone, as the reindex does it before embedding."""
    started = time.perf_counter()
    for _ in read_source(spec, limits):
        pass
    return time.perf_counter() - started


def summarise(written: list[tuple[Case, SourceSpec]], report: ReindexReport, store: Store,
              reading: dict[str, float], verbose: bool) -> list[dict]:
    by_name = {source.name: source for source in report.sources}
    rows: dict[str, dict] = {}
    for case, spec in written:
        source = by_name[spec.name]
        handled, lost = judge(case, spec, source, set(store.article_hashes(spec.name)))
        row = rows.setdefault(case.kind, {"kind": case.kind, "inputs": 0, "handled": 0, "lost": 0, "read": 0.0,
                                          "seconds": 0.0, "details": []})
        row["inputs"] += 1
        row["handled"] += handled
        row["lost"] += lost
        row["read"] += reading[spec.name]
        row["seconds"] += source.seconds
        if not handled or verbose:
            mark = "" if handled else "NOT HANDLED "
            row["details"].append(f"{mark}{spec.name}: new {source.new}, {[f['reason'] for f in source.failed][:3]}")
    return list(rows.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-article-chars", type=int, default=20_000)
    parser.add_argument("--max-file-mb", type=float, default=25.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print where it is")
    parser.add_argument("--verbose", action="store_true", help="print what became of every input")
    options = parser.parse_args()
    logging.disable(logging.WARNING)  # every failure is counted below; the log would repeat each one
    limits = ReadLimits(file_max_bytes=int(options.max_file_mb * 1_000_000),
                        article_max_chars=options.max_article_chars)
    folder = Path(tempfile.mkdtemp(prefix="parley-hostile-"))
    try:
        started = time.perf_counter()
        (folder / "inputs").mkdir()
        written = write_inputs(folder / "inputs", random.Random(SEED))
        wrote = time.perf_counter() - started
        reading = {spec.name: seconds_to_read(spec, limits) for _, spec in written}
        report = reindex(folder / "data", [spec for _, spec in written], DEFAULT_MODEL, limits=limits)
        rows = summarise(written, report, Store(folder / "data" / "parley.sqlite3"), reading, options.verbose)
        print(f"{len(written)} inputs written in {wrote:.1f} s; reindex {report.seconds:.1f} s "
              f"(article limit {limits.article_max_chars:,} characters, file limit {options.max_file_mb:g} MB)\n")
        print(f"{'kind':20} {'inputs':>6} {'handled':>8} {'lost':>5} {'read s':>7} {'reindex s':>9}")
        total = {"kind": "all", **{key: sum(row[key] for row in rows)
                                   for key in ("inputs", "handled", "lost", "read", "seconds")}}
        for row in [*rows, total]:
            print(f"{row['kind']:20} {row['inputs']:6} {row['handled']:8} {row['lost']:5} {row['read']:7.2f} "
                  f"{row['seconds']:9.2f}")
        for row in rows:
            for line in row["details"]:
                print(f"  {line}")
    finally:
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
