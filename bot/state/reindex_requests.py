"""Reindexes asked for in chat on a replica that does not reindex, handed to the one process that does.

Replicas share the data directory read-only, so only the reindex worker (``PARLEY_REINDEX_WORKER``) writes the
index. An admin's reindex on any replica becomes a row here; the worker claims it (one claim wins, as for
messages), runs it, and stores the reply, which the asking replica picks up and posts as if it had run it.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict

from sqlalchemy import Engine, insert, select, update

from bot import replies
from bot.state.db import reindex_requests as requests

_REPLIES = {"ReindexReply": replies.ReindexReply, "Notice": replies.Notice}


def request(engine: Engine, started_by: str) -> int:
    """A new request; its id."""
    with engine.begin() as db:
        added = db.execute(insert(requests).values(started_by=started_by, requested_at=time.time()))
        return added.inserted_primary_key[0]


def claim_next(engine: Engine) -> tuple[int, str] | None:
    """The oldest unclaimed request as (id, started_by), now claimed by the caller; None when there is none."""
    with engine.begin() as db:
        for request_id, started_by in db.execute(select(requests.c.id, requests.c.started_by)
                                                 .where(requests.c.claimed_at.is_(None)).order_by(requests.c.id)):
            claimed = db.execute(update(requests).where(requests.c.id == request_id, requests.c.claimed_at.is_(None))
                                 .values(claimed_at=time.time()))
            if claimed.rowcount == 1:
                return request_id, started_by
    return None


def finish(engine: Engine, request_id: int, reply: replies.ReindexReply | replies.Notice) -> None:
    outcome = json.dumps({"type": type(reply).__name__, "fields": asdict(reply)})
    with engine.begin() as db:
        db.execute(update(requests).where(requests.c.id == request_id).values(finished_at=time.time(), outcome=outcome))


def abandon_unfinished(engine: Engine) -> int:
    """Requests a worker claimed and never finished (it was stopped): reported as interrupted. Run at the worker's
    start, when no run of this worker can be in flight."""
    unfinished = (requests.c.claimed_at.is_not(None)) & (requests.c.finished_at.is_(None))
    with engine.begin() as db:
        ids = db.execute(select(requests.c.id).where(unfinished)).scalars().all()
    for request_id in ids:
        finish(engine, request_id, replies.reindex_failed_notice("the reindex worker stopped during the run"))
    return len(ids)


def outcome(engine: Engine, request_id: int) -> replies.ReindexReply | replies.Notice | None:
    """The reply of a finished request, or None while it waits or runs."""
    with engine.connect() as db:
        stored = db.execute(select(requests.c.outcome).where(requests.c.id == request_id)).scalar()
    if stored is None:
        return None
    data = json.loads(stored)
    return _REPLIES[data["type"]](**data["fields"])
