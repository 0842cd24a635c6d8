"""Channels' digest schedules and the last slot each posted, in SQLAlchemy Core.

A slot is claimed with one conditional UPDATE (``last_slot`` older than the slot), so it is posted
once even when the bot restarts or two processes run the schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, and_, delete, insert, or_, select, update

from bot.state.db import digests


@dataclass(frozen=True)
class Digest:
    """A channel's schedule: ``cadence`` daily or weekly (on ``weekday``, 0 = Monday) at ``at`` local time."""

    platform: str
    channel: str
    team: str
    cadence: str
    weekday: int | None
    at: str  # HH:MM
    timezone: str
    created_by: str
    last_slot: float | None  # Unix seconds of the slot last posted or skipped
    last_window_end: float | None  # the next digest covers coverage published since this


def _digest(row) -> Digest:
    return Digest(row.platform, row.channel, row.team, row.cadence, row.weekday, row.at, row.timezone,
                  row.created_by, row.last_slot, row.last_window_end)


def _key(platform: str, channel: str):
    return and_(digests.c.platform == platform, digests.c.channel == channel)


def save_digest(engine: Engine, digest: Digest) -> None:
    """Set (or replace) the channel's schedule; a replaced one keeps where its window ended."""
    with engine.begin() as db:
        old = db.execute(select(digests).where(_key(digest.platform, digest.channel))).first()
        if old is not None:
            db.execute(delete(digests).where(_key(digest.platform, digest.channel)))
        values = {**digest.__dict__}
        if old is not None and old.last_window_end is not None:
            values["last_window_end"] = old.last_window_end
        db.execute(insert(digests).values(**values))


def get_digest(engine: Engine, platform: str, channel: str) -> Digest | None:
    with engine.connect() as db:
        row = db.execute(select(digests).where(_key(platform, channel))).first()
    return _digest(row) if row is not None else None


def remove_digest(engine: Engine, platform: str, channel: str) -> bool:
    """Turn the channel's digest off; False when it had none."""
    with engine.begin() as db:
        return db.execute(delete(digests).where(_key(platform, channel))).rowcount > 0


def all_digests(engine: Engine) -> list[Digest]:
    with engine.connect() as db:
        return [_digest(row) for row in db.execute(select(digests).order_by(digests.c.platform, digests.c.channel))]


def claim_slot(engine: Engine, digest: Digest, slot: float, window_end: float | None) -> bool:
    """Mark ``slot`` done (and, when given, move the window's end); True for the one caller that did it."""
    values: dict = {"last_slot": slot}
    if window_end is not None:
        values["last_window_end"] = window_end
    with engine.begin() as db:
        claimed = db.execute(update(digests).where(
            _key(digest.platform, digest.channel),
            or_(digests.c.last_slot.is_(None), digests.c.last_slot < slot)).values(**values))
        return claimed.rowcount == 1
