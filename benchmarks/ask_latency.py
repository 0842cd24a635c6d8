"""Warm ``ask`` latency, with and without reranking, on an existing index.

usage: python benchmarks/ask_latency.py [QUESTIONS.jsonl] [--data-dir DIR] [--rounds N]
                                        [--query-model auto|same|…] (repeatable, to compare)

Questions default to ../shared/eval/dev.jsonl when it exists. Prints p50/p95/max in ms and the
process's peak memory; nothing is asserted (speed goals are read here, not tested).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

from config import load_settings
from index.evaluation import load_questions, percentile
from index.search import Searcher

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"
FALLBACK = ["What did Russia demand?", "When does the NATO-Russia Council meet?",
            "Who led the US delegation?", "What did Blinken say after meeting Lavrov?"]


def measure(searcher: Searcher, questions: list[str], rounds: int) -> list[float]:
    searcher.ask(questions[0])  # warm: model, index and caches loaded
    timings = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            searcher.ask(question, k=5)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", nargs="?", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--query-model", action="append", dest="query_models",
                        help="question encoder (PARLEY_QUERY_MODEL); repeat to compare several")
    args = parser.parse_args()
    settings = load_settings()
    data_dir = args.data_dir or settings.data_dir
    questions = ([item["question"] for item in load_questions(args.questions)]
                 if args.questions.exists() else FALLBACK)
    print(f"index: {data_dir}  questions: {len(questions)} × {args.rounds}")
    for query_model in args.query_models or [settings.query_model]:
        for rerank in (False, True):
            searcher = Searcher(data_dir, rerank=rerank, query_model=query_model)
            timings = measure(searcher, questions, args.rounds)
            print(f"query model {query_model:6} ({type(searcher.ranker().query_encoder).__name__:12}) "
                  f"rerank={'on ' if rerank else 'off'}  p50 {statistics.median(timings):6.1f} ms  "
                  f"p95 {percentile(timings, 95):6.1f} ms  max {max(timings):6.1f} ms")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
