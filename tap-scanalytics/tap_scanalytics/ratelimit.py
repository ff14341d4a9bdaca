"""Client-side rate limiting: a sliding window per budget (per minute, per hour).

Every request of every stream goes through one limiter, so the run stays inside
both budgets; when a budget is spent it waits (and says how long) instead of
collecting 429s or failing.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import typing as t

logger = logging.getLogger("tap-scanalytics.ratelimit")
QUIET_WAIT = 1.0  # shorter waits are routine pacing, not worth a log line


class SlidingWindowLimiter:
    def __init__(
        self,
        budgets: list[tuple[int, float, str]],
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self.budgets = budgets  # [(requests, window seconds, label), ...]
        self._longest = max(window for _, window, _ in budgets)
        self._calls: collections.deque[float] = collections.deque()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> None:
        """Block until one more request fits every budget, then count it."""
        while True:
            with self._lock:
                now = self._clock()
                while self._calls and now - self._calls[0] >= self._longest:
                    self._calls.popleft()
                pause, spent = self._pause(now)
                if pause <= 0:
                    self._calls.append(now)
                    return
            if pause >= QUIET_WAIT:
                limit, _, label = spent
                logger.info(
                    "Request budget spent (%d per %s); waiting %.0f s before the next request",
                    limit,
                    label,
                    pause,
                )
            self.waited += pause
            self._sleep(pause)

    def _pause(self, now: float) -> tuple[float, tuple[int, float, str]]:
        """Seconds until the oldest call that fills a full budget leaves its window."""
        pause, spent = 0.0, self.budgets[0]
        for budget in self.budgets:
            limit, window, _ = budget
            inside = [c for c in self._calls if now - c < window]
            if len(inside) >= limit:
                wait = window - (now - inside[len(inside) - limit])
                if wait > pause:
                    pause, spent = wait, budget
        return pause, spent
