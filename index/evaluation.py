"""``parley eval``: the metrics of ``shared/eval/score.py``, overall and by question kind.

Scoring follows score.py exactly (first 5 quotes, first 600 characters of each, aliases matched
case-folded with quotes and dashes unified) so numbers agree; on top, results are broken down
by the items' ``style``, ``register`` (formal or chat), ``source_set`` and unanswerable ``kind``,
"not covered" answers are counted by reason, and every miss is written with the quote shown first.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

QUOTE_CHARS = 600
MAX_QUOTES = 5
GROUPS = ("style", "register", "source_set", "kind")  # the items' fields results are broken down by
#: The dev questions beside a checkout (``../shared/eval/dev.jsonl``): the benchmarks' default.
DEV_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"
TRAIN_QUESTIONS = DEV_QUESTIONS.with_name("train.jsonl")  # what the fitting benchmarks fit on
_UNIFY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": "-", "\u00a0": " "})


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).translate(_UNIFY)).strip().casefold()


def hit_rank(item: dict, answer: dict) -> int | None:
    """Rank (1-based) of the first quote containing an alias, or None."""
    aliases = [normalise(alias) for alias in item.get("answers", [])]
    for rank, quote in enumerate((answer.get("quotes") or [])[:MAX_QUOTES], start=1):
        text = normalise(str(quote.get("text", ""))[:QUOTE_CHARS])
        if any(alias in text for alias in aliases):
            return rank
    return None


def metrics(pairs: list[tuple[dict, dict]]) -> dict:
    """hit@1/3/5, MRR@5, false abstention, abstention accuracy and overall, as score.py computes them."""
    answerable = [(q, a) for q, a in pairs if not q.get("unanswerable")]
    unanswerable = [(q, a) for q, a in pairs if q.get("unanswerable")]
    ranks = [hit_rank(q, a) if a.get("answered") else None for q, a in answerable]
    n = len(answerable)
    right_abstentions = sum(1 for _, a in unanswerable if not a.get("answered"))

    def share(count: float, total: int) -> float | None:
        return round(count / total, 4) if total else None

    return {
        "answerable": n, "unanswerable": len(unanswerable),
        "hit@1": share(sum(1 for r in ranks if r and r <= 1), n),
        "hit@3": share(sum(1 for r in ranks if r and r <= 3), n),
        "hit@5": share(sum(1 for r in ranks if r and r <= 5), n),
        "mrr@5": share(sum(1 / r for r in ranks if r), n),
        "false_abstention": share(sum(1 for _, a in answerable if not a.get("answered")), n),
        "abstention_accuracy": share(right_abstentions, len(unanswerable)),
        "overall": share(sum(1 for r in ranks if r and r <= 3) + right_abstentions, len(pairs)),
    }


def evaluate(searcher, items: list[dict], k: int = 5, misses_path: Path | None = None) -> dict:
    """Answer every question and score the answers."""
    pairs, latencies = [], []
    for item in items:
        started = time.perf_counter()
        answer = searcher.ask(item["question"], k=k).to_dict()
        latencies.append(time.perf_counter() - started)
        pairs.append((item, answer))
    return report(pairs, latencies, misses_path)


def report(pairs: list[tuple[dict, dict]], latencies: list[float], misses_path: Path | None = None) -> dict:
    """score.py's metrics of the answers, overall and by group, with refusals by reason, latency, each
    question's outcome (``items``) and misses."""
    result = {"overall": metrics(pairs), **{f"by_{key}": _grouped(pairs, key) for key in GROUPS},
              "refusals": refusals(pairs),
              "latency_ms": {"p50": round(1000 * percentile(latencies, 50), 1),
                             "p95": round(1000 * percentile(latencies, 95), 1)}}
    outcomes = [outcome(item, answer) for item, answer in pairs]
    result["items"] = {str(item.get("id")): found for (item, _), found in zip(pairs, outcomes, strict=True)}
    misses = [_miss(q, a) for (q, a), found in zip(pairs, outcomes, strict=True) if _missed(found)]
    result["misses"] = [miss["id"] for miss in misses]
    if misses_path:
        misses_path.write_text("".join(json.dumps(miss) + "\n" for miss in misses), encoding="utf-8")
    return result


def outcome(item: dict, answer: dict) -> dict:
    """One question's result, kept per question so two runs can be compared (``moved``): whether it is
    answerable, the rank of its first answering quote (None: none of the first five) and its "not covered"
    reason (None: answered)."""
    answered = bool(answer.get("answered"))
    return {"answerable": not item.get("unanswerable"), "rank": hit_rank(item, answer) if answered else None,
            "refused": None if answered else answer.get("reason", "-")}


def moved(before: dict[str, dict], after: dict[str, dict]) -> list[tuple[str, dict, dict]]:
    """The questions in both runs' ``items`` whose outcome differs, as (id, before, after), in ``before``'s order.

    A ranking change is kept for what many questions share, never for one or two: this says which moved.
    """
    return [(key, was, after[key]) for key, was in before.items() if key in after and after[key] != was]


def _missed(found: dict) -> bool:
    """An answered unanswerable question, or an answerable one not answered in the first three quotes."""
    if not found["answerable"]:
        return found["refused"] is None
    return found["rank"] is None or found["rank"] > 3


def _miss(item: dict, answer: dict) -> dict:
    first = (answer.get("quotes") or [{}])[0]
    return {"id": item.get("id"), "question": item["question"], "expected": item.get("answers"),
            "evidence": item.get("evidence"), "expected_url": item.get("url"), "answered": answer.get("answered"),
            "rank": hit_rank(item, answer), "first_quote": first.get("text"), "first_url": first.get("url"),
            "first_score": first.get("score")}


def refusals(pairs: list[tuple[dict, dict]]) -> dict[str, dict[str, int]]:
    """How many "not covered" answers each reason gave, to answerable questions (wrongly) and unanswerable ones."""
    counts: dict[str, Counter] = {"answerable": Counter(), "unanswerable": Counter()}
    for item, answer in pairs:
        if not answer.get("answered"):
            counts["unanswerable" if item.get("unanswerable") else "answerable"][answer.get("reason", "-")] += 1
    return {side: dict(counter.most_common()) for side, counter in counts.items()}


def _grouped(pairs: list[tuple[dict, dict]], key: str) -> dict[str, dict]:
    groups: dict[str, list] = defaultdict(list)
    for item, answer in pairs:
        groups[str(item.get(key) or ("unanswerable" if item.get("unanswerable") else "-"))].append((item, answer))
    return {name: metrics(group) for name, group in sorted(groups.items())}


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (0 for no values): what the benchmarks and ``eval`` report."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


#: What the timing benchmarks ask when no questions file is beside the checkout.
FALLBACK_QUESTIONS = ("What did Russia demand?", "When does the NATO-Russia Council meet?",
                      "Who led the US delegation?", "What did Blinken say after meeting Lavrov?")


def question_texts(path: Path) -> list[str]:
    """The questions of a JSON-lines file, or ``FALLBACK_QUESTIONS`` when there is none."""
    return [item["question"] for item in load_questions(path)] if path.exists() else list(FALLBACK_QUESTIONS)


class QuestionsFileError(ValueError):
    """A questions file that can't be read, said in one line that names the file (and the line)."""


def load_questions(path: Path, plain: bool = False) -> list[dict]:
    """The items of a JSON-lines questions file, blank lines skipped; with ``plain`` a line that is no JSON
    object is a question itself, its id its line number (what ``parley ask --questions`` takes)."""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        raise QuestionsFileError(f"cannot read the questions file {path}: {error.strerror or error}") from None
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            item = None
        if not isinstance(item, dict):
            if not plain:
                raise QuestionsFileError(f"{path}, line {number}: not a JSON object such as "
                                         '{"id": "q1", "question": "…", "answers": ["…"]}')
            item = {"id": number, "question": line.strip()}
        items.append(item)
    return items


def format_report(result: dict) -> str:
    """A plain-text table: overall, then by style and by source set."""
    columns = ["hit@1", "hit@3", "hit@5", "mrr@5", "false_abstention", "abstention_accuracy", "overall"]
    lines = [f"{'':24}{'n':>5}" + "".join(f"{c[:10]:>11}" for c in columns)]

    def row(name: str, m: dict) -> str:
        cells = "".join(f"{'-' if m[c] is None else m[c]:>11}" for c in columns)
        return f"{name[:24]:24}{m['answerable'] + m['unanswerable']:>5}{cells}"

    lines.append(row("overall", result["overall"]))
    for title in (f"by_{key}" for key in GROUPS):
        groups = {name: m for name, m in result[title].items() if name != "-"}
        if groups:
            lines.append(title.replace("_", " ") + ":")
            lines += [row("  " + name, m) for name, m in groups.items()]
    for side, reasons in result["refusals"].items():
        if reasons:
            lines.append(f"not covered, {side}: " + ", ".join(f"{reason} {n}" for reason, n in reasons.items()))
    lines.append(f"latency p50 {result['latency_ms']['p50']} ms, p95 {result['latency_ms']['p95']} ms")
    lines.append("missed: " + " ".join(result["misses"]))
    return "\n".join(lines)
