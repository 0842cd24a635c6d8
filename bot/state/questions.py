"""The question log: every question asked in a chat, how Parley answered it, and its votes.

It feeds the admin report (``bot.report``), which shows what people ask and what the sources do not
cover. Only what the report needs is kept: the words, the platform, the kind of channel, the
outcome and the headlines shown; never who asked. Rows older than ``keep_questions_days`` go.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, delete, func, select, update

from bot import replies
from bot.state.db import questions
from index.quotes import REASONS

MAX_TEXT_CHARS = 2000  # a question longer than Parley answers is kept cut, enough to recognise it
MAX_HEADLINES = 5  # per question group in the report
DAY = 86400
_NOT_WORDS = re.compile(r"[^\w]+")


def outcome(reply: object) -> tuple[bool, str | None, list[dict]]:
    """Whether ``reply`` answered, why not (a refusal code or the notice's kind), and the headlines it gave."""
    if isinstance(reply, replies.AnswerReply):
        shown = reply.quotes if reply.answered else reply.closest
        headlines = [{"title": quote.title, "outlet": quote.outlet, "url": quote.url} for quote in shown]
        reason = None if reply.answered else (reply.refusal.code if reply.refusal else "not-covered")
        return reply.answered, reason, headlines
    if isinstance(reply, replies.Notice):
        return False, reply.kind, []
    return False, type(reply).__name__.lower(), []


def record(engine: Engine, question: str, reply: object, platform: str, channel_kind: str,
           keep_days: float, at: float | None = None) -> int | None:
    """Store one question and how it was answered, prune rows older than ``keep_days``; the row id.

    A question with nothing visible in it (a bare mention) is not stored: it has nothing to learn from.
    """
    text = replies.visible(question or "").strip()[:MAX_TEXT_CHARS]
    if not text:
        return None
    at = time.time() if at is None else at
    answered, reason, headlines = outcome(reply)
    with engine.begin() as db:
        _delete_before(db, at - keep_days * DAY)
        return db.execute(questions.insert().values(
            asked_at=at, text=text, platform=platform, channel_kind=channel_kind, answered=answered,
            reason=reason, closest=json.dumps(headlines, ensure_ascii=False), up=0, down=0)).inserted_primary_key[0]


def prune(engine: Engine, keep_days: float, now: float | None = None) -> int:
    """Delete questions asked more than ``keep_days`` ago; how many went."""
    with engine.begin() as db:
        return _delete_before(db, (time.time() if now is None else now) - keep_days * DAY)


def _delete_before(db: Connection, cutoff: float) -> int:
    return db.execute(delete(questions).where(questions.c.asked_at < cutoff)).rowcount


def add_vote(engine: Engine, question_id: int, vote: int) -> None:
    """Count a 👍 (+1) or 👎 (-1) on the question's row (gone after pruning: then nothing to count)."""
    column = questions.c.up if vote > 0 else questions.c.down
    with engine.begin() as db:
        db.execute(update(questions).where(questions.c.id == question_id).values({column: column + 1}))


def normalised(text: str) -> str:
    """The words of a question, lower-cased, for grouping: "What did Russia demand?" = "what did russia demand"."""
    return " ".join(_NOT_WORDS.sub(" ", text.casefold()).split())


@dataclass
class QuestionGroup:
    """The same question (by its ``normalised`` words) asked one or more times in the window."""

    text: str  # as most recently asked
    first: float
    last: float
    times: int
    down: int
    reasons: list[str] = field(default_factory=list)
    closest: list[dict] = field(default_factory=list)  # the headlines Parley gave, most recent first

    def to_dict(self) -> dict:
        return {"text": self.text, "first": iso(self.first), "last": iso(self.last), "times": self.times,
                "down": self.down, "reasons": self.reasons, "closest": self.closest}


@dataclass
class QuestionStats:
    """What was asked since a moment: counts, and the questions the sources did not serve."""

    asked: int
    answered: int
    by_platform: dict[str, int]
    not_covered: list[QuestionGroup]
    voted_down: list[QuestionGroup]

    def to_dict(self) -> dict:
        return {"asked": self.asked, "answered": self.answered, "by_platform": self.by_platform,
                "not_covered": [group.to_dict() for group in self.not_covered],
                "voted_down": [group.to_dict() for group in self.voted_down]}


def stats(engine: Engine, since: float) -> QuestionStats:
    """Counts since ``since``; "not covered" answers and 👎'd answers grouped by question, most asked first."""
    with engine.connect() as db:
        by_platform = {platform: count for platform, count in db.execute(
            select(questions.c.platform, func.count()).where(questions.c.asked_at >= since)
            .group_by(questions.c.platform).order_by(questions.c.platform))}
        answered = db.execute(select(func.count()).where(questions.c.asked_at >= since,
                                                         questions.c.answered.is_(True))).scalar_one()
        gaps = db.execute(select(questions).where(
            questions.c.asked_at >= since, questions.c.answered.is_(False),
            questions.c.reason.in_([*REASONS, "not-covered"])).order_by(questions.c.asked_at)).mappings().all()
        disliked = db.execute(select(questions).where(questions.c.asked_at >= since, questions.c.down > 0)
                              .order_by(questions.c.asked_at)).mappings().all()
    return QuestionStats(sum(by_platform.values()), answered, by_platform, _grouped(gaps), _grouped(disliked))


def _grouped(rows) -> list[QuestionGroup]:
    """Rows (oldest first) merged by normalised text; the most asked, then the most recent, first."""
    groups: dict[str, QuestionGroup] = {}
    for row in rows:
        group = groups.setdefault(normalised(row["text"]), QuestionGroup(row["text"], row["asked_at"],
                                                                         row["asked_at"], 0, 0))
        group.text, group.last = row["text"], row["asked_at"]
        group.times += 1
        group.down += row["down"]
        if row["reason"] and row["reason"] not in group.reasons:
            group.reasons.append(row["reason"])
        group.closest = _distinct(json.loads(row["closest"] or "[]") + group.closest)[:MAX_HEADLINES]
    return sorted(groups.values(), key=lambda group: (-group.times, -group.last))


def _distinct(headlines: list[dict]) -> list[dict]:
    """Each article once (an answer may quote two passages of one), in order."""
    kept, seen = [], set()
    for headline in headlines:
        if headline["url"] not in seen:
            seen.add(headline["url"])
            kept.append(headline)
    return kept


def iso(moment: float) -> str:
    """Unix seconds as the report's ISO 8601 UTC time, to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
