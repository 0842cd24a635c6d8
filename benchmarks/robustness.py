"""How answers hold up when the dev questions are typed the way people type in chat.

usage: python benchmarks/robustness.py [QUESTIONS.jsonl] [--data-dir DIR] [--no-rerank]

Each row asks every question again, changed one way, and prints score.py's metrics and how many
answerable questions were refused: as written; lower case; after a mention and a greeting;
without the question mark; with a typo in the longest word (a middle letter dropped); with two
typos in random words of five letters or more (a letter dropped, swapped or changed; seeded, so
every run asks the same questions). Nothing is asserted: a person reads the drop from the first
row.
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable
from pathlib import Path

from config import load_settings
from index.evaluation import DEV_QUESTIONS, load_questions, metrics
from index.search import Searcher

SEED = 7


def longest_word_typo(question: str) -> str:
    words = question.split()
    i = max(range(len(words)), key=lambda j: len(re.sub(r"\W", "", words[j])))
    middle = len(words[i]) // 2
    words[i] = words[i][:middle] + words[i][middle + 1:]
    return " ".join(words)


def random_typos(count: int) -> Callable[[str], str]:
    rng = random.Random(SEED)

    def change(question: str) -> str:
        words = question.split()
        long_ones = [i for i, word in enumerate(words) if len(re.sub(r"\W", "", word)) >= 5]
        for i in rng.sample(long_ones, min(count, len(long_ones))):
            word, at = words[i], rng.randrange(1, len(words[i]) - 2)
            words[i] = rng.choice([word[:at] + word[at + 1:],  # dropped
                                   word[:at] + word[at + 1] + word[at] + word[at + 2:],  # swapped
                                   word[:at] + rng.choice("aeiourstn") + word[at + 1:]])  # changed
        return " ".join(words)

    return change


VARIANTS: list[tuple[str, Callable[[str], str]]] = [
    ("as written", lambda question: question),
    ("lower case", str.lower),
    ("after a mention and a greeting", lambda question: f"<@U0PARLEY> hey, {question}"),
    ("without the question mark", lambda question: question.rstrip("?")),
    ("a typo in the longest word", longest_word_typo),
    ("two random typos", random_typos(2)),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", nargs="?", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--no-rerank", action="store_true")
    args = parser.parse_args()
    items = load_questions(args.questions)
    settings = load_settings()
    searcher = Searcher.from_settings(settings, data_dir=args.data_dir or settings.data_dir,
                                      rerank=not args.no_rerank)
    print(f"{'questions':32} hit@1  hit@3  hit@5  MRR@5  refused  abstention accuracy")
    for row, change in VARIANTS:
        pairs = [(item, searcher.ask(change(item["question"]), k=5).to_dict()) for item in items]
        m = metrics(pairs)
        refused = sum(1 for item, answer in pairs if not item.get("unanswerable") and not answer["answered"])
        print(f"{row:32} {m['hit@1']:.3f}  {m['hit@3']:.3f}  {m['hit@5']:.3f}  {m['mrr@5']:.3f}  {refused:7}  "
              f"{m['abstention_accuracy']}", flush=True)


if __name__ == "__main__":
    main()
