"""What the Slack bot has already handled, in the bot's state database (``bot.state.db``).

Two facts survive a restart and are shared by every process on the same database:

* ``handled``: keys claimed once, e.g. ``message:{channel}:{ts}``. Slack delivers the same message
  as ``app_mention`` and ``message`` and retries events it thinks were lost; the first delivery to
  claim a message answers it and every other one finds the key taken (the primary key decides, in
  SQLite and PostgreSQL alike). Kept for two days, far longer than Slack's retries (minutes) and
  the 5 minutes a signed request can be replayed in. Also used for one vote per user per answer,
  and one answer per slash command or button click.
* ``threads``: the threads the bot answered, so a follow-up there is answered without a mention.
  Kept for 30 days.
"""

from __future__ import annotations

import hashlib
import time
from contextlib import suppress

from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.state.db import handled, threads

HANDLED_DAYS = 2
THREAD_DAYS = 30


class SlackMemory:
    """Claims and answered threads; each call is one short transaction."""

    def __init__(self, engine: Engine, clock=time.time) -> None:
        self._engine = engine
        self._clock = clock

    def claim(self, key: str) -> bool:
        """True for the first caller with ``key`` (in any process), False for every later one."""
        now = self._clock()
        with self._engine.begin() as db:
            db.execute(delete(handled).where(handled.c.at < now - HANDLED_DAYS * 86400))
        try:
            with self._engine.begin() as db:
                db.execute(insert(handled).values(key=key, at=now))
        except IntegrityError:
            return False
        return True

    def claim_request(self, kind: str, *identity: str) -> bool:
        """``claim`` for a request named by the fields that make it unique, e.g. a command's ``trigger_id``."""
        digest = hashlib.sha256("\x1f".join(identity).encode()).hexdigest()
        return self.claim(f"{kind}:{digest}")

    def remember_thread(self, channel: str, thread_ts: str) -> None:
        now = self._clock()
        known = and_(threads.c.channel == channel, threads.c.thread_ts == thread_ts)
        with self._engine.begin() as db:
            db.execute(delete(threads).where(threads.c.at < now - THREAD_DAYS * 86400))
            if db.execute(update(threads).where(known).values(at=now)).rowcount:
                return
        with suppress(IntegrityError), self._engine.begin() as db:  # another process may have just added it
            db.execute(insert(threads).values(channel=channel, thread_ts=thread_ts, at=now))

    def answered_thread(self, channel: str, thread_ts: str) -> bool:
        since = self._clock() - THREAD_DAYS * 86400
        with self._engine.connect() as db:
            return db.execute(select(threads.c.at).where(threads.c.channel == channel, threads.c.thread_ts == thread_ts,
                                                         threads.c.at >= since)).first() is not None
