"""Answers asked back to back while a reindex runs beside them, as the bot runs one an admin or the schedule starts.

usage: python benchmarks/reindex_beside_answers.py [--data-dir .parley-shared] [--edited 300] [--in-thread]

Copies the index (built from ``config/shared-corpus.toml``) to a temporary folder, gives ``--edited`` news
stories a sentence more, then asks the dev questions one after another (every stage, cross-encoder on) while
the reindex takes them in: in a child process at a lower priority as the bot does (``bot.reindex_process``),
or with ``--in-thread`` in a thread of the answering process, as the bot did before. Prints p50 / p95 / max
ms of answers before the reindex and during it, and how long the reindex took. The copy is removed.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bot.reindex_process import reindex_in_child
from config import load_settings
from index.build import reindex
from index.evaluation import load_questions
from index.search import Searcher
from index.sources import load_sources

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
UPDATE = " Update: officials said later on Tuesday that they had received the reply and were studying it."


def edited_sources(folder: Path, edited: int) -> Path:
    """The shared corpus's sources, with ``edited`` random news stories (seeded) given one more sentence."""
    stories = (SHARED / "corpus" / "news.jsonl").read_text().splitlines()
    for row in random.Random(7).sample(range(len(stories)), edited):
        story = json.loads(stories[row])
        stories[row] = json.dumps({**story, "text": story.get("text", "") + UPDATE})
    (folder / "news.jsonl").write_text("\n".join(stories) + "\n")
    toml = (ROOT / "config" / "shared-corpus.toml").read_text()
    toml = toml.replace('"../../shared/corpus/news.jsonl"', f'"{folder / "news.jsonl"}"')
    (folder / "sources.toml").write_text(toml.replace('"../../shared/', f'"{SHARED}/'))
    return folder / "sources.toml"


def percentiles(timings: list[float]) -> str:
    p50, p95 = np.percentile(timings, [50, 95])
    return f"p50 {p50:6.1f}  p95 {p95:6.1f}  max {max(timings):7.1f} ms  ({len(timings)} answers)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".parley-shared")
    parser.add_argument("--edited", type=int, default=300)
    parser.add_argument("--in-thread", action="store_true", help="reindex in a thread of the answering process")
    args = parser.parse_args()
    settings = load_settings()
    questions = [item["question"] for item in load_questions(SHARED / "eval" / "dev.jsonl")]
    with tempfile.TemporaryDirectory(prefix="parley-beside-") as scratch:
        data = Path(scratch) / "data"
        shutil.copytree(args.data_dir, data)
        specs = load_sources(edited_sources(Path(scratch), args.edited))
        searcher = Searcher(data, rerank=True, reranker=settings.reranker, topic=settings.topic)

        def asked(count: int | None, until: threading.Event | None = None) -> list[float]:
            timings: list[float] = []
            while (count is None and not until.is_set()) or (count is not None and len(timings) < count):
                started = time.perf_counter()
                searcher.ask(questions[len(timings) % len(questions)])
                timings.append((time.perf_counter() - started) * 1000)
            return timings

        asked(len(questions))  # warm
        quiet = asked(len(questions))
        done, took = threading.Event(), []

        def run() -> None:
            started = time.perf_counter()
            options = {"started_by": "benchmark", "sentence_model": settings.sentence_model}
            if args.in_thread:
                report = reindex(data, specs, settings.model, **options)
            else:
                report = reindex_in_child(data, specs, settings.model, "WARNING", **options)
            took.append((time.perf_counter() - started, report.passages_embedded))
            done.set()

        threading.Thread(target=run, daemon=True).start()
        during = asked(None, done)
    where = "a thread of the answering process" if args.in_thread else "a child process at lower priority"
    print(f"{args.edited} stories edited; reindex in {where}: {took[0][1]} passages embedded in {took[0][0]:.0f} s")
    print(f"answers before the reindex  {percentiles(quiet)}")
    print(f"answers during the reindex  {percentiles(during)}")


if __name__ == "__main__":
    main()
