"""Warm ``ask`` latency, with and without reranking, on an existing index.

usage: python benchmarks/ask_latency.py [QUESTIONS.jsonl] [--data-dir DIR] [--rounds N]
                                        [--query-model auto|same|…] (repeatable, to compare)
                                        [--reranker CROSS_ENCODER] (a third row: reranking with it)
                                        [--reread-live] (reranking rows reread sentences per question)

Questions default to ../shared/eval/dev.jsonl when it exists. Each row (a question encoder, with or
without reranking) runs in a fresh process, so its peak RSS is its own: it prints p50/p95/max in ms
and that peak, in MiB. Nothing is asserted (speed and memory goals are read here, not tested).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from config import load_settings
from index.evaluation import DEV_QUESTIONS, percentile, question_texts
from index.search import Searcher


def measure(searcher: Searcher, questions: list[str], rounds: int) -> list[list[float]]:
    """Milliseconds per question, one list per round over the questions.

    One question first loads the models and the index. The first round still meets every passage
    for the first time; later rounds find their pages in SQLite's cache and their shingles in the ranker's.
    """
    searcher.ask("warm up")
    timings = []
    for _ in range(rounds):
        timings.append([])
        for question in questions:
            started = time.perf_counter()
            searcher.ask(question, k=5)
            timings[-1].append((time.perf_counter() - started) * 1000)
    return timings


def run_row(data_dir: Path, questions: list[str], rounds: int, query_model: str, rerank: bool, reranker: str,
            topic: str, sentence_model: str, stored: bool) -> tuple[list[list[float]], str, float]:
    """One row, in a fresh process: its timings, its question encoder's class and its peak RSS in MiB."""
    searcher = Searcher(data_dir, rerank=rerank, query_model=query_model, reranker=reranker, topic=topic,
                        sentence_model=sentence_model, sentence_vectors=stored)
    timings = measure(searcher, questions, rounds)
    encoder = type(searcher.ranker().encoder).__name__
    return timings, encoder, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def line(label: str, timings: list[float]) -> str:
    return (f"{label:11} p50 {statistics.median(timings):6.1f} ms  p95 {percentile(timings, 95):6.1f} ms  "
            f"max {max(timings):6.1f} ms")


def main() -> None:
    settings = load_settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", nargs="?", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--query-model", action="append", dest="query_models",
                        help="question encoder (PARLEY_QUERY_MODEL); repeat to compare several")
    parser.add_argument("--reranker", default=settings.reranker,
                        help="cross-encoder (PARLEY_RERANKER) for a third row; default: the setting")
    parser.add_argument("--reread-live", action="store_true",
                        help="encode the leaders' sentences per question, not from the version's stored vectors")
    args = parser.parse_args()
    data_dir = args.data_dir or settings.data_dir
    questions = question_texts(args.questions)
    print(f"index: {data_dir}  questions: {len(questions)} × {args.rounds}")
    for query_model in args.query_models or [settings.query_model]:
        for rerank, reranker in [(False, ""), (True, ""), *([(True, args.reranker)] if args.reranker else [])]:
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as fresh:
                (first, *later), encoder, peak = fresh.submit(
                    run_row, data_dir, questions, args.rounds, query_model, rerank, reranker, settings.topic,
                    settings.sentence_model, not args.reread_live).result()
            setup = (f"query model {query_model:6} ({encoder:12}) "
                     f"rerank={'on ' if rerank else 'off'}{' + cross-encoder' if reranker else ''}"
                     f"{' (reread live)' if args.reread_live and rerank else ''}")
            print(f"{setup}  {line('first pass', first)}")
            if later:
                print(f"{setup}  {line('later', [ms for timings in later for ms in timings])}")
            print(f"{setup}  peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
