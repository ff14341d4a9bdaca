"""Client-side rate limiting: one sliding window per budget (say per minute and per hour).

Every request of a run goes through one limiter, so the run stays inside each budget:
when one is spent it waits (and says how long when the wait is worth a line) instead
of collecting 429s.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import typing as t
from dataclasses import dataclass

logger = logging.getLogger("singer_tap_kit.limits")
QUIET_WAIT = 1.0  # shorter waits are routine pacing, not worth a log line


@dataclass(frozen=True)
class Budget:
    requests: int
    seconds: float
    label: str = ""  # e.g. "minute", for the log line

    def describe(self) -> str:
        return f"{self.requests} per {self.label or f'{self.seconds:g} s'}"


class SlidingWindowLimiter:
    """At most ``budget.requests`` calls in any ``budget.seconds``, for every budget."""

    def __init__(
        self,
        budgets: t.Sequence[Budget],
        *,
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        if not budgets or any(b.requests < 1 or b.seconds <= 0 for b in budgets):
            raise ValueError(f"every budget needs at least one request per window: {budgets}")
        self.budgets = tuple(budgets)
        self._longest = max(b.seconds for b in budgets)
        self._calls: collections.deque[float] = collections.deque()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting (for tests and the run summary)

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
                logger.info(
                    "Request budget spent (%s); waiting %.0f s before the next request",
                    spent.describe(),
                    pause,
                )
            self.waited += pause
            self._sleep(pause)

    def _pause(self, now: float) -> tuple[float, Budget]:
        """Seconds until the oldest call that fills a full budget leaves its window."""
        pause, spent = 0.0, self.budgets[0]
        for budget in self.budgets:
            inside = [c for c in self._calls if now - c < budget.seconds]
            if len(inside) >= budget.requests:
                wait = budget.seconds - (now - inside[len(inside) - budget.requests])
                if wait > pause:
                    pause, spent = wait, budget
        return pause, spent
