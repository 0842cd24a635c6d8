"""Watched questions and what each one already posted, in SQLAlchemy Core (SQLite or a server database).

A passage is claimed for a watch before it is posted: the unique ``(watch_id, passage_key)`` row is what
makes a restart, a second reindex or a second replica never post it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.state.db import watch_posts, watched_articles, watches


@dataclass(frozen=True)
class Watch:
    """One watched question in one channel."""

    id: int
    platform: str
    team: str
    channel: str
    question: str
    created_by: str
    created_at: float  # Unix seconds (UTC)


def _watch(row) -> Watch:
    return Watch(row.id, row.platform, row.team, row.channel, row.question, row.created_by, row.created_at)


def add_watch(engine: Engine, platform: str, team: str, channel: str, question: str, created_by: str,
              created_at: float) -> Watch:
    with engine.begin() as db:
        watch_id = db.execute(insert(watches).values(
            platform=platform, team=team, channel=channel, question=question, created_by=created_by,
            created_at=created_at, active=True)).inserted_primary_key[0]
    return Watch(watch_id, platform, team, channel, question, created_by, created_at)


def channel_watches(engine: Engine, platform: str, channel: str) -> list[Watch]:
    """The channel's active watches, oldest first."""
    with engine.connect() as db:
        rows = db.execute(select(watches).where(_in_channel(platform, channel), watches.c.active)
                          .order_by(watches.c.id))
        return [_watch(row) for row in rows]


def stop_watch(engine: Engine, platform: str, channel: str, watch_id: int) -> Watch | None:
    """Stop the channel's active watch ``watch_id``; None when the channel has no such watch."""
    with engine.begin() as db:
        row = db.execute(select(watches).where(_in_channel(platform, channel), watches.c.active,
                                               watches.c.id == watch_id)).first()
        if row is None:
            return None
        db.execute(update(watches).where(watches.c.id == watch_id).values(active=False))
    return _watch(row)


def active_watches(engine: Engine, platforms: Iterable[str]) -> list[Watch]:
    """Every active watch on these platforms, oldest first."""
    with engine.connect() as db:
        rows = db.execute(select(watches).where(watches.c.active, watches.c.platform.in_(list(platforms)))
                          .order_by(watches.c.id))
        return [_watch(row) for row in rows]


def claim_posts(engine: Engine, watch_id: int, keys: list[str], posted_at: float) -> list[str]:
    """Record ``keys`` as posted by the watch and return those no earlier post (or other process) had."""
    try:
        return _claim(engine, watch_id, keys, posted_at)
    except IntegrityError:  # another process claimed some of them meanwhile: it posts them
        return []


def _claim(engine: Engine, watch_id: int, keys: list[str], posted_at: float) -> list[str]:
    with engine.begin() as db:
        done = set(db.execute(select(watch_posts.c.passage_key).where(
            watch_posts.c.watch_id == watch_id, watch_posts.c.passage_key.in_(keys))).scalars())
        fresh = [key for key in dict.fromkeys(keys) if key not in done]
        if fresh:
            db.execute(insert(watch_posts), [{"watch_id": watch_id, "passage_key": key, "posted_at": posted_at}
                                             for key in fresh])
    return fresh


def unseen_articles(engine: Engine, doc_ids: set[str], seen_at: float) -> set[str]:
    """The articles of ``doc_ids`` the watches had not looked at, now recorded as seen (so a failure while
    posting skips them rather than posting them twice)."""
    with engine.begin() as db:
        seen = set(db.execute(select(watched_articles.c.doc_id)).scalars())
        fresh = doc_ids - seen
        if fresh:
            db.execute(insert(watched_articles), [{"doc_id": doc_id, "seen_at": seen_at} for doc_id in fresh])
    return fresh


def any_seen(engine: Engine) -> bool:
    with engine.connect() as db:
        return db.execute(select(watched_articles.c.doc_id).limit(1)).first() is not None


def _in_channel(platform: str, channel: str):
    return and_(watches.c.platform == platform, watches.c.channel == channel)
