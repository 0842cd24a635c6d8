"""👍 and 👎 on answers, in the bot's state database, where every replica can write them.

Earlier versions kept them in the index store, which replicas only read; ``adopt`` moves those over once.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

from sqlalchemy import Engine, case, func, insert, select

from bot.state.db import feedback
from index.store import Store


def add(engine: Engine, platform: str, user: str, question: str, quotes: list[dict], vote: int) -> None:
    with engine.begin() as db:
        db.execute(insert(feedback).values(at=time.time(), platform=platform, user=user, question=question,
                                           quotes=json.dumps(quotes), vote=vote))


def counts(engine: Engine) -> dict[str, int]:
    """How many 👍 and 👎 there are, as ``status`` shows them."""
    with engine.connect() as db:
        up, down = db.execute(select(func.coalesce(func.sum(case((feedback.c.vote > 0, 1), else_=0)), 0),
                                     func.coalesce(func.sum(case((feedback.c.vote < 0, 1), else_=0)), 0))).one()
    return {"up": int(up), "down": int(down)}


def adopt(engine: Engine, store: Store) -> int:
    """Copy the votes an earlier Parley kept in the index store, when this database has none yet; how many."""
    with engine.begin() as db:
        if db.execute(select(feedback.c.id).limit(1)).first() is not None:
            return 0
        rows = [{**row, "at": datetime.fromisoformat(row["at"]).timestamp()} for row in store.older_feedback()]
        if rows:
            db.execute(insert(feedback), rows)
    return len(rows)
