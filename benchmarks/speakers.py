"""Precision and coverage of ``index.speakers`` on a labelled sample of the shared corpus.

usage: python benchmarks/speakers.py [SAMPLE.json] [--data-dir DIR] [--show]

The sample (default ``tests/fixtures/speakers_sample.json``) holds ids only: a doc id, a sentence's
index in the article's cleaned text as ``index.sentences`` splits it, a hash of that sentence (a
changed article or splitter is reported, not scored), and the speaker a reader gave it (null when
the text does not say who speaks). The articles are read from the built index's store, read-only.

- precision: of the sentences given a speaker, the share given the right one;
- coverage: of the sentences that have a speaker, the share given the right one;
- kind: of the right speakers, the share with the right ``words``/``account``.

A speaker is right when its surname matches (``Antony J. Blinken`` is ``Antony Blinken``). Printed
overall, by set (labelled in turn: ``tuning``, ``held-out``, ``fresh``, ``final``, ``fresh-2``; each was labelled
before the rules saw it and measured once, then also used to improve them, so only a set's first
measurement is out of sample), by source and by form (the form read for precision, the labelled
form for coverage).
``--show`` lists every sentence scored wrong.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import time
from collections import defaultdict
from pathlib import Path

from index.sentences import sentence_spans
from index.speakers import attribute

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "speakers_sample.json"


def same_speaker(expected: str | None, got: str | None) -> bool:
    """Equal when both are None, or their last names match case-insensitively."""
    if expected is None or got is None:
        return expected is got
    return expected.split()[-1].lower() == got.split()[-1].lower()


def score(items: list[dict], store: Path, show: bool = False) -> dict:
    """Per group (all, source, form): given, right-of-given, labelled, right-of-labelled, right kind."""
    connection = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cache: dict[str, tuple[str, list]] = {}
    drift = 0
    for item in items:
        doc = item["doc_id"]
        if doc not in cache:
            row = connection.execute("SELECT r.title, r.text FROM article_revisions r JOIN articles a "
                                     "ON a.doc_id = r.doc_id AND a.content_hash = r.content_hash "
                                     "WHERE r.doc_id = ?", (doc,)).fetchone()
            cache[doc] = (row[1], attribute(row[1], row[0])) if row else ("", [])
        text, found = cache[doc]
        spans = sentence_spans(text)
        index = item["sentence"]
        if index >= len(spans) or len(found) != len(spans) or hashlib.sha1(
                text[spans[index][0]:spans[index][1]].encode()).hexdigest()[:10] != item["sha1"]:
            drift += 1
            continue
        got = found[index]
        got_name = got.speaker.name if got.speaker else None
        right = same_speaker(item["speaker"], got_name)
        groups = ["all", f"set:{item.get('set', 'tuning')}", f"source:{item['source']}"]
        for group in groups + ([f"form:{got.form}"] if got_name else []):
            if got_name:
                counts[group]["given"] += 1
                counts[group]["given_right"] += right
        for group in groups + ([f"form:{item['form']}"] if item["speaker"] else []):
            if item["speaker"]:
                counts[group]["labelled"] += 1
                counts[group]["labelled_right"] += right and got_name is not None
                counts[group]["kind_right"] += right and got_name is not None and got.kind == item["kind"]
        if show and not right:
            print(f"  {doc} #{index} [{item['source']}] expected {item['speaker']} ({item['kind']}), "
                  f"got {got_name} ({got.kind}/{got.form}): {text[spans[index][0]:spans[index][1]][:140]!r}")
    return {"counts": counts, "drift": drift}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sample", nargs="?", default=str(SAMPLE))
    parser.add_argument("--data-dir", default=".parley-shared", help="a built index of the shared corpus")
    parser.add_argument("--show", action="store_true", help="list the sentences scored wrong")
    args = parser.parse_args()
    items = json.loads(Path(args.sample).read_text())["items"]
    began = time.perf_counter()
    result = score(items, Path(args.data_dir) / "parley.sqlite3", args.show)
    seconds = time.perf_counter() - began
    counts = result["counts"]
    print(f"{len(items)} labelled sentences, {sum(1 for item in items if item['speaker'])} with a speaker; "
          f"{result['drift']} skipped as changed; {seconds:.1f} s")
    print(f"{'group':<22} {'precision':>15} {'coverage':>15} {'kind right':>15}")
    for group in sorted(counts, key=lambda name: (name != "all", not name.startswith("set:"), name)):
        row = counts[group]
        print(f"{group:<22} {_ratio(row['given_right'], row['given']):>15} "
              f"{_ratio(row['labelled_right'], row['labelled']):>15} "
              f"{_ratio(row['kind_right'], row['labelled_right']):>15}")


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f} ({part}/{whole})" if whole else "-"


if __name__ == "__main__":
    main()
