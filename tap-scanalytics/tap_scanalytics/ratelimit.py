"""Client-side rate limiting: a sliding window per budget (per minute, per hour).

Every request of every stream goes through one limiter, so the run stays inside
both budgets; when a budget is spent it waits (and says how long) instead of
collecting 429s.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import typing as t

logger = logging.getLogger("tap-scanalytics.ratelimit")


class SlidingWindowLimiter:
    def __init__(
        self,
        budgets: list[tuple[int, float]],
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self.budgets = budgets  # [(requests, window seconds), ...]
        self._calls: collections.deque[float] = collections.deque()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                longest = max(window for _, window in self.budgets)
                while self._calls and now - self._calls[0] >= longest:
                    self._calls.popleft()
                pause = 0.0
                for limit, window in self.budgets:
                    inside = [c for c in self._calls if now - c < window]
                    if len(inside) >= limit:
                        pause = max(pause, window - (now - inside[len(inside) - limit]))
                if pause <= 0:
                    self._calls.append(now)
                    return
            if pause >= 5:
                logger.info("Request budget spent; waiting %.0f s before the next request", pause)
            self.waited += pause
            self._sleep(pause)
