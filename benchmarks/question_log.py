"""What the question log and the admin report cost on an existing index.

usage: python benchmarks/question_log.py [QUESTIONS.jsonl] [--data-dir DIR] [--rows N] [--asked M]

Asks the first M questions (default 40; ../shared/eval/dev.jsonl when it exists) and three off-topic
ones for real replies, then logs N rows (default 20,000) cycling through them, spread over the last 30
days, into a state database of its own in a temporary folder (the data directory's is not touched).
Prints the time of one logged question (insert and prune) p50/p95 in ms, then of ``build_report`` and
of the admin's App Home view, its block count and JSON size. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.report import build_report
from bot.service import Parley
from bot.slack.home import home_view
from bot.state import questions
from config import load_settings
from index.evaluation import DEV_QUESTIONS, percentile, question_texts

#: Asked too, so the report has gaps to group.
OFF_TOPIC = ["What is the boiling point of mercury?", "Who won the 2018 World Cup?", "How do I bake sourdough bread?"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("questions", nargs="?", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--asked", type=int, default=40)
    args = parser.parse_args()
    texts = question_texts(args.questions)[:args.asked] + OFF_TOPIC
    with tempfile.TemporaryDirectory() as folder:
        overrides = {"database_url": f"sqlite:///{folder}/state.sqlite3"}
        if args.data_dir:
            overrides["data_dir"] = args.data_dir
        parley = Parley(load_settings(**overrides))
        asked = [(text, parley.ask(text)) for text in texts]
        unanswered = sum(not getattr(reply, "answered", False) for _, reply in asked)
        now, span = time.time(), 30 * questions.DAY
        timings = []
        for n in range(args.rows):
            text, reply = asked[n % len(asked)]
            started = time.perf_counter()
            questions.record(parley.state, text, reply, "slack", "channel", 30, at=now - span + span * n / args.rows)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"logged {args.rows:,} rows of {len(asked)} questions ({unanswered} not answered): "
              f"p50 {statistics.median(timings):.2f} ms, p95 {percentile(timings, 95):.2f} ms a question")
        started = time.perf_counter()
        report = build_report(parley, days=7)
        report_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        view = home_view(parley, "T0TEAM", "UADMIN", report).to_dict()
        view_ms = (time.perf_counter() - started) * 1000
        print(f"report over 7 days ({report.questions.asked:,} questions, {len(report.questions.not_covered)} "
              f"not-covered groups): {report_ms:.0f} ms; App Home view {view_ms:.0f} ms, "
              f"{len(view['blocks'])} blocks, {len(json.dumps(view)):,} bytes")


if __name__ == "__main__":
    main()
