"""SIGKILL `parley index` at random moments and check what the served version shows after each kill.

usage: python benchmarks/kill_reindex.py [--kills 13] [--seed 16] [--articles 30] [--max-seconds 900]

Builds a corpus of generated articles whose title, date and every sentence carry a revision number,
indexes it, times one run that changes half of them, then N times: gives a random half of the
articles a new revision (new title, date and text; now and then one article is dropped and a new
one added), starts `parley index` in a subprocess and SIGKILLs it (seeded) after a random delay
within the timed run's length, or the moment it has committed passages or begun writing a version.
After each kill it checks that the served version loads; that every served passage's title, date
and text, and every quote a long-running Searcher gives, come from one revision (the passage's
own); and that `parley status --json` shows no stale "running" run. Finally a clean run must
complete and serve the latest revision of everything.
Prints each kill's moment, then kills, checks passed, corruptions (must be 0) and time. Bounded by
--max-seconds; every temporary folder is removed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from index.search import Searcher
from index.versions import current_name, load_version

PARLEY = Path(sys.executable).parent / "parley"
REVISION = re.compile(r"revision (\d+)")
FIRST_DAY = date(2022, 1, 1)
TOPICS = ["missile limits", "military drills", "NATO enlargement", "troop withdrawals", "arms control",
          "sanctions", "security guarantees", "the Minsk agreements"]
CITIES = ["Geneva", "Brussels", "Vienna", "Moscow", "Washington"]
QUESTIONS = ["What did the envoys discuss about missile limits?", "Who met in Geneva about sanctions?",
             "What was said about NATO enlargement in Vienna?", "How long did the talks on military drills last?"]
#: When a kill comes: at a random moment (twice as often), or as soon as the run has committed a batch of
#: passages, or as soon as it starts writing the new version: the two moments a served version is most at risk.
TRIGGERS = ["random", "random", "committed", "staging"]
RUN_SECONDS = 300  # a `parley index` still running after this is killed and counted as hung


@dataclass
class Tally:
    kills: int = 0
    finished_first: int = 0
    checks: int = 0
    passed: int = 0
    corruptions: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        self.checks += 1
        if ok:
            self.passed += 1
        else:
            self.corruptions.append(what)


def article(number: int, revision: int) -> dict:
    """One article of about three passages; its title, date and every sentence name its revision."""
    rng = random.Random(number * 1000 + revision)
    topic = TOPICS[number % len(TOPICS)]
    sentences = [f"In revision {revision}, envoys of story {number} discussed {rng.choice(TOPICS)} in "
                 f"{rng.choice(CITIES)} for {rng.randint(2, 9)} hours." for _ in range(30)]
    return {"url": f"https://example.org/story/{number}", "title": f"Story {number}: {topic}, revision {revision}",
            "outlet": "Kill Wire", "published": (FIRST_DAY + timedelta(days=revision)).isoformat(),
            "text": " ".join(sentences)}


def write_corpus(folder: Path, revisions: dict[int, int]) -> None:
    with (folder / "news.jsonl").open("w") as handle:
        for number, revision in sorted(revisions.items()):
            handle.write(json.dumps(article(number, revision)) + "\n")


def parley(env: dict[str, str], *args: str, timeout: float = RUN_SECONDS) -> subprocess.CompletedProcess:
    return subprocess.run([str(PARLEY), *args], env=env, capture_output=True, text=True, timeout=timeout)


def passage_count(data_dir: Path) -> int:
    with sqlite3.connect(f"file:{data_dir / 'parley.sqlite3'}?mode=ro", uri=True) as db:
        return db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]


def staging_folders(data_dir: Path) -> set[tuple[str, int, int]]:
    """The ``versions/.N.tmp`` folders of versions being written, or left by a killed run (until the next
    run that completes prunes them); each with its inode and time, since a new run reuses the name."""
    found = set()
    for folder in (data_dir / "versions").glob(".*.tmp"):
        try:
            stat = folder.stat()
        except FileNotFoundError:  # switched or pruned meanwhile
            continue
        found.add((folder.name, stat.st_ino, stat.st_mtime_ns))
    return found


def kill_run(env: dict[str, str], data_dir: Path, trigger: str, delay: float) -> str | None:
    """Start `parley index` and SIGKILL it after ``delay`` seconds ("random"), as soon as it has committed
    passages ("committed") or as soon as it writes a version ("staging"); returns where in the run the kill
    landed, or None when the run finished first."""
    before = (current_name(data_dir), passage_count(data_dir))
    stale = staging_folders(data_dir)

    def writing() -> bool:
        return bool(staging_folders(data_dir) - stale)

    fired = {"random": lambda: False, "committed": lambda: passage_count(data_dir) > before[1],
             "staging": writing}[trigger]
    deadline = time.monotonic() + (delay if trigger == "random" else RUN_SECONDS)
    process = subprocess.Popen([str(PARLEY), "index", "--json"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    while process.poll() is None and not fired() and time.monotonic() < deadline:
        time.sleep(0.005)
    if process.poll() is not None:
        return None
    was_writing = writing()
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if current_name(data_dir) != before[0]:
        return "after the switch"
    if was_writing:
        return "while writing the version"
    committed = passage_count(data_dir) - before[1]
    return f"after {committed} passages were committed" if committed else "before any batch was committed"


def check_served(searcher: Searcher, tally: Tally, latest: dict[int, int] | None = None) -> None:
    """Every served passage and quote shows one revision: its title's, its date's and its text's."""
    try:
        version = load_version(searcher.data_dir)
    except Exception as exc:  # a version that does not load is the corruption this looks for
        tally.check(False, f"the served version does not load: {exc!r}")
        return
    tally.check(version is not None, "nothing is served")
    if version is None:
        return
    passages = searcher.store.passages_by_id(version.ids.tolist())
    tally.check(len(passages) == len(version.ids), f"{len(version.ids) - len(passages)} served passages are gone")
    for passage in passages.values():
        revision = int(REVISION.search(passage.title)[1])
        shown = {int(found) for found in REVISION.findall(passage.text)}
        day = passage.published.date() if passage.published else None
        article_text = searcher.store.article_text(passage.doc_id, passage.content_hash)
        tally.check(shown == {revision} and day == FIRST_DAY + timedelta(days=revision)
                    and article_text[passage.start:passage.end] == passage.text,
                    f"passage {passage.id}: title of revision {revision}, text of {sorted(shown)}, date {day}")
        if latest is not None:
            number = int(passage.url.rsplit("/", 1)[1])
            tally.check(latest.get(number) == revision, f"story {number} serves revision {revision} after a clean run")
    for question in QUESTIONS:
        for quote in searcher.ask(question, k=3).quotes:
            revision = int(REVISION.search(quote.title)[1])
            shown = {int(found) for found in REVISION.findall(quote.text)}
            tally.check(shown == {revision} and quote.published.date() == FIRST_DAY + timedelta(days=revision),
                        f"quote from {quote.url}: title of revision {revision}, text of {sorted(shown)}")


def check_status(env: dict[str, str], tally: Tally) -> None:
    result = parley(env, "status", "--json", timeout=120)
    status = json.loads(result.stdout) if result.returncode == 0 else {}
    last = status.get("last_run") or {}
    tally.check(result.returncode == 0 and last.get("status") != "running" and status.get("running") is None,
                f"`parley status` shows a stale run: {last.get('status')!r}, running {status.get('running')!r}")


def change(revisions: dict[int, int], rng: random.Random, next_number: list[int]) -> None:
    """A new revision for a random half of the articles; now and then one dropped and one added."""
    for number in rng.sample(sorted(revisions), len(revisions) // 2):
        revisions[number] += 1
    if rng.random() < 0.3:
        del revisions[rng.choice(sorted(revisions))]
        revisions[next_number[0]] = 1
        next_number[0] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--kills", type=int, default=13)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--max-seconds", type=float, default=900, help="stop starting new rounds after this")
    args = parser.parse_args()
    rng, tally, started = random.Random(args.seed), Tally(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="parley-kill-") as temp:
        folder, data_dir = Path(temp), Path(temp) / "data"
        (folder / "sources.toml").write_text('[[source]]\nname = "news"\nkind = "folder"\npath = "news.jsonl"\n')
        env = {**os.environ, "PARLEY_DATA_DIR": str(data_dir), "PARLEY_SOURCES": str(folder / "sources.toml")}
        revisions = dict.fromkeys(range(args.articles), 1)
        next_number = [args.articles]
        write_corpus(folder, revisions)
        first = time.perf_counter()
        result = parley(env, "index", "--json")
        if result.returncode != 0:
            print(result.stderr[-2000:])
            return 1
        print(f"first index: {json.loads(result.stdout)['passages_embedded']} passages in "
              f"{time.perf_counter() - first:.1f} s")
        searcher = Searcher(data_dir)  # one for the whole benchmark, like a running bot's
        check_served(searcher, tally)
        change(revisions, rng, next_number)
        write_corpus(folder, revisions)
        first = time.perf_counter()
        result = parley(env, "index", "--json")
        span = time.perf_counter() - first  # kills fall anywhere in a run like this one
        print(f"a run changing half the articles: {json.loads(result.stdout)['passages_embedded']} passages "
              f"in {span:.1f} s")
        check_served(searcher, tally)
        rounds = 0
        while tally.kills < args.kills and rounds < 3 * args.kills and time.perf_counter() - started < args.max_seconds:
            rounds += 1
            change(revisions, rng, next_number)
            write_corpus(folder, revisions)
            trigger, delay = rng.choice(TRIGGERS), rng.uniform(0.2, span)
            when = f"at {delay:.1f} s" if trigger == "random" else f"when {trigger}"
            moment = kill_run(env, data_dir, trigger, delay)
            if moment is None:
                tally.finished_first += 1
                print(f"round {rounds}: the run finished before the kill {when}")
            else:
                tally.kills += 1
                print(f"kill {tally.kills} {when}: {moment}")
            check_served(searcher, tally)
            check_status(env, tally)
        result = parley(env, "index", "--json")
        tally.check(result.returncode == 0, f"the clean run failed: {result.stderr[-500:]}")
        check_served(searcher, tally, latest=revisions)
        check_status(env, tally)
    for corruption in tally.corruptions[:20]:
        print(f"CORRUPTION: {corruption}")
    print(f"kills: {tally.kills} (and {tally.finished_first} runs that finished first); "
          f"checks passed: {tally.passed}/{tally.checks}; corruptions: {len(tally.corruptions)}; "
          f"time: {time.perf_counter() - started:.0f} s")
    return 1 if tally.corruptions else 0


if __name__ == "__main__":
    sys.exit(main())
