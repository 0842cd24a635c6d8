"""The admin report: the sources and how their last reindex went, and what people asked lately that the
sources did not answer, so gaps in the sources show.

``build_report`` is shared by ``parley report`` and Slack's App Home; each only renders it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import replies
from bot.state import questions
from bot.state.questions import DAY, QuestionStats, iso

if TYPE_CHECKING:
    from bot.service import Parley

MAX_FAILURES = 5  # listed per source; the count says how many in all


@dataclass
class Report:
    """What ``build_report`` found: per-source rows, the index, the last reindex and the question stats."""

    days: float
    since: float
    sources: list[dict]
    version: str | None
    articles: int
    passages: int
    last_run: dict | None
    running: dict | None
    feedback: dict[str, int]
    questions: QuestionStats

    def to_dict(self) -> dict:
        """The JSON of ``parley report --json``."""
        return {"days": self.days, "since": iso(self.since),
                "index": {"version": self.version, "articles": self.articles, "passages": self.passages},
                "sources": self.sources, "last_run": self.last_run, "running": self.running,
                "feedback": self.feedback, "questions": self.questions.to_dict()}


def build_report(parley: Parley, days: float = 7, now: float | None = None) -> Report:
    """The report over the last ``days`` days of questions (the sources as they are now); questions past
    their keeping time go first, so no report shows one however long it reaches back."""
    status = parley.status()
    now = time.time() if now is None else now
    questions.prune(parley.state, parley.settings.keep_questions_days, now)
    since = now - days * DAY
    sources = [{"name": row["name"], "kind": row["kind"], "articles": row["articles"], "passages": row["passages"],
                "last_indexed_at": row["last_indexed_at"], "last_status": row["last_status"],
                "failed": replies.failed_count(row["last_report"]),
                "failures": [{"item": failure["item"], "reason": failure["reason"]}
                             for failure in row["last_report"].get("failed", [])[:MAX_FAILURES]]}
               for row in status.sources]
    last_run = status.last_run and {key: status.last_run.get(key)
                                    for key in ("started_at", "finished_at", "started_by", "status")}
    return Report(days, since, sources, status.version, status.articles, status.passages, last_run, status.running,
                  status.feedback, questions.stats(parley.state, since))
