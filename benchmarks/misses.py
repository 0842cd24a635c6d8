"""Where the ranking loses the answers it misses: each question's first stage that no longer holds one.

usage: python benchmarks/misses.py [QUESTIONS.jsonl] [--data-dir DIR] [--no-rerank] [--list]

``recall.py`` measures the candidates; this follows each answerable question (default
``../shared/eval/train.jsonl``) on through the ranker, with "not covered" switched off (abstention is
judged by ``cross_validate.py``). An alias "is held" as ``score.py`` reads it (``index.evaluation``), and
each question counts in the first of these stages that holds one:

- ``first``: the first quote (hit@1);
- ``first five``: a later one of the first five quotes (hit@5);
- ``other sentence``: one of the five leading passages, but not the quote cut around its answering
  sentence (the sentence features chose another);
- ``dedup``: a candidate that dedup merged as a copy or dropped past its article's quota;
- ``ranked lower``: a candidate below the fifth quote;
- ``article only``: the question's own article is a candidate, but none of its candidate passages;
- ``not found``: none of these (``recall.py`` tells which generator could find it).

Counts are printed overall, by register and by source set; ``--list`` adds each stage's question ids.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

from config import load_settings
from index.evaluation import TRAIN_QUESTIONS, hit_rank, load_questions, normalise
from index.ranking import load_weights
from index.search import Searcher

STAGES = ("first", "first five", "other sentence", "dedup", "ranked lower", "article only", "not found")
LEADING = 5  # the quotes score.py reads


def stage(item: dict, searcher: Searcher, rerank: bool) -> str:
    """The first stage of ``STAGES`` that holds one of the item's aliases."""
    rank = hit_rank(item, searcher.ask(item["question"], k=LEADING).to_dict())
    if rank is not None:
        return "first" if rank == 1 else "first five"
    aliases = [normalise(alias) for alias in item["answers"]]

    def holds(candidate) -> bool:
        text = normalise(candidate.passage.text)
        return any(alias in text for alias in aliases)

    ranker = searcher.ranker()
    query = ranker.read(item["question"])
    leading = ranker.leading(query, rerank)
    if any(holds(c) for c in leading[:LEADING]):
        return "other sentence"
    candidates = ranker.rank(query, rerank)
    kept = {c.pid for c in leading}
    if any(holds(c) and c.pid not in kept for c in candidates[:ranker.weights.deduplicate_top]):
        return "dedup"
    if any(holds(c) for c in candidates):
        return "ranked lower"
    return "article only" if any(c.passage.url == item.get("url") for c in candidates) else "not found"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="?", type=Path, default=TRAIN_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--no-rerank", action="store_true", help="the fast path (PARLEY_RERANK=false)")
    parser.add_argument("--list", action="store_true", help="print each stage's question ids")
    args = parser.parse_args()
    started = time.perf_counter()
    settings = load_settings()
    rerank = not args.no_rerank
    searcher = Searcher.from_settings(settings, data_dir=args.data_dir or settings.data_dir, rerank=rerank,
                                      weights=replace(load_weights(), rules=()))
    items = [item for item in load_questions(args.questions) if not item.get("unanswerable")]
    stages = {item["id"]: stage(item, searcher, rerank) for item in items}
    groups: dict[str, list[dict]] = {"all": items}
    for field in ("register", "source_set"):
        for item in items:
            if item.get(field):
                groups.setdefault(str(item[field]), []).append(item)
    counts = {name: Counter(stages[item["id"]] for item in chosen) for name, chosen in groups.items()}
    print(f"{len(items)} answerable questions from {args.questions.name}, "
          f"{'every stage' if rerank else 'fast path'}, 'not covered' off\n")
    print(f"{'stage':16}" + "".join(f"{name[:11]:>12}" for name in groups))
    for name in STAGES:
        print(f"{name:16}" + "".join(f"{counts[group][name]:12d}" for group in groups))
    print(f"{'questions':16}" + "".join(f"{len(chosen):12d}" for chosen in groups.values()))
    if args.list:
        by_stage: dict[str, list[str]] = defaultdict(list)
        for question_id, name in stages.items():
            by_stage[name].append(question_id)
        for name in STAGES[1:]:
            print(f"\n{name}: {' '.join(by_stage[name])}")
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
