"""What the Slack bot has already handled, in a small SQLite file next to the index.

Two facts survive a restart and are shared by every process on the same data directory:

* ``handled``: keys claimed once, e.g. ``message:{channel}:{ts}``. Slack delivers the same message
  as ``app_mention`` and ``message`` and retries events it thinks were lost; the first delivery to
  claim a message answers it and every other one finds the key taken. Kept for two days, far longer
  than Slack's retries (minutes) and the 5 minutes a signed request can be replayed in. Also used
  for one vote per user per answer, and one answer per slash command or button click.
* ``threads``: the threads the bot answered, so a follow-up there is answered without a mention.
  Kept for 30 days.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path

HANDLED_DAYS = 2
THREAD_DAYS = 30

SCHEMA = """
CREATE TABLE IF NOT EXISTS handled (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS threads (channel TEXT NOT NULL, thread_ts TEXT NOT NULL, at REAL NOT NULL,
                                    PRIMARY KEY (channel, thread_ts));
"""


class SlackMemory:
    """Claims and answered threads; one connection guarded by a lock (calls are tiny)."""

    def __init__(self, path: Path, clock=time.time) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._clock = clock

    def claim(self, key: str) -> bool:
        """True for the first caller with ``key`` (in any process), False for every later one."""
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM handled WHERE at < ?", (now - HANDLED_DAYS * 86400,))
            return self._db.execute("INSERT OR IGNORE INTO handled(key, at) VALUES(?, ?)",
                                    (key, now)).rowcount == 1

    def claim_request(self, kind: str, *identity: str) -> bool:
        """``claim`` for a request named by the fields that make it unique, e.g. a command's ``trigger_id``."""
        digest = hashlib.sha256("\x1f".join(identity).encode()).hexdigest()
        return self.claim(f"{kind}:{digest}")

    def remember_thread(self, channel: str, thread_ts: str) -> None:
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM threads WHERE at < ?", (now - THREAD_DAYS * 86400,))
            self._db.execute("INSERT OR REPLACE INTO threads(channel, thread_ts, at) VALUES(?, ?, ?)",
                             (channel, thread_ts, now))

    def answered_thread(self, channel: str, thread_ts: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM threads WHERE channel=? AND thread_ts=? AND at >= ?",
                                    (channel, thread_ts, self._clock() - THREAD_DAYS * 86400)).fetchone() is not None
