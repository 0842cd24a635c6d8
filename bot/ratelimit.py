"""A per-user sliding-window rate limit, so one user cannot queue the bot up for everyone."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimiter:
    """Allows ``per_minute`` calls per key in any 60-second window."""

    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._calls: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> int:
        """0 when the call may go ahead (and is counted), else the seconds to wait."""
        now = self._clock()
        with self._lock:
            calls = self._calls[key]
            while calls and now - calls[0] >= 60:
                calls.popleft()
            if len(calls) >= self.per_minute:
                return max(1, int(60 - (now - calls[0]) + 0.999))
            calls.append(now)
            return 0
