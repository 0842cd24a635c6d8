"""Which questions moved between two results: what a ranking change did, question by question.

usage: python benchmarks/moved.py BEFORE.json AFTER.json [--questions FILE.jsonl]

BEFORE and AFTER are what ``parley eval --json`` prints or ``cross_validate.py --json`` writes, run
before and after a change. A change is kept for a gain many questions share, never for one or two:
this counts the answerable questions whose first answering quote entered or left the first place and
the first three, the "not covered" answers gained and lost on both sides, and lists every question
that moved (with its style and register when ``--questions`` names the file they came from).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from index.evaluation import load_questions, moved


def placed(outcome: dict, k: int) -> bool:
    """Whether an answerable question's first answering quote is among the first ``k`` of an answer given."""
    return outcome["refused"] is None and outcome["rank"] is not None and outcome["rank"] <= k


def label(outcome: dict) -> str:
    if outcome["refused"] is not None:
        return f"not covered ({outcome['refused']})"
    if not outcome["answerable"]:
        return "answered"
    return f"#{outcome['rank']}" if outcome["rank"] else "not in the first five"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--questions", type=Path, default=None, help="the questions file, for style and register")
    args = parser.parse_args()
    before, after = (json.loads(path.read_text())["items"] for path in (args.before, args.after))
    fields = {str(item.get("id")): item for item in load_questions(args.questions)} if args.questions else {}
    moves = moved(before, after)
    answerable = [(was, now) for _, was, now in moves if was["answerable"]]
    print(f"{len(moves)} of {len(before.keys() & after.keys())} questions moved")
    for k in (1, 3):
        up = sum(placed(now, k) and not placed(was, k) for was, now in answerable)
        down = sum(placed(was, k) and not placed(now, k) for was, now in answerable)
        print(f"answerable, hit@{k}: {up} up, {down} down")
    for side, wanted in (("answerable", True), ("unanswerable", False)):
        pairs = [(was, now) for _, was, now in moves if was["answerable"] is wanted]
        gained = sum(now["refused"] is not None and was["refused"] is None for was, now in pairs)
        lost = sum(was["refused"] is not None and now["refused"] is None for was, now in pairs)
        print(f"{side}, not covered: {gained} more, {lost} fewer")
    for key, was, now in moves:
        item = fields.get(key, {})
        group = " ".join(str(item.get(name) or "") for name in ("register", "style")).strip()
        print(f"  {key:10} {group:24} {label(was)} -> {label(now)}")


if __name__ == "__main__":
    main()
