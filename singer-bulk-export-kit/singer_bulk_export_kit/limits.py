"""Client-side rate limiting: one sliding window per budget (say per minute and per hour),
shared by every request of a run, which waits when a budget is spent instead of collecting
429s."""

import collections
import logging
import threading
import time
import typing as t
from dataclasses import KW_ONLY, dataclass, field

logger = logging.getLogger("singer_bulk_export_kit.limits")
QUIET_WAIT = 1.0  # shorter waits are routine pacing, not worth a log line


@dataclass(frozen=True)
class Budget:
    requests: int
    seconds: float
    label: str = ""  # e.g. "minute", for the log line


@dataclass(eq=False)
class SlidingWindowLimiter:
    """At most ``budget.requests`` calls in any ``budget.seconds``, for every budget."""

    budgets: t.Sequence[Budget]
    _: KW_ONLY
    clock: t.Callable[[], float] = time.monotonic
    sleep: t.Callable[[float], None] = time.sleep
    waited: float = field(default=0.0, init=False)  # total seconds spent waiting
    _calls: collections.deque[float] = field(default_factory=collections.deque, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        if not self.budgets or any(b.requests < 1 or b.seconds <= 0 for b in self.budgets):
            raise ValueError(f"every budget needs at least one request per window: {self.budgets}")
        self.budgets = tuple(self.budgets)
        self._longest = max(b.seconds for b in self.budgets)

    def acquire(self) -> None:
        """Block until one more request fits every budget, then count it."""
        while True:
            with self._lock:
                now = self.clock()
                while self._calls and now - self._calls[0] >= self._longest:
                    self._calls.popleft()
                pause, spent = self._pause(now)
                if pause <= 0:
                    self._calls.append(now)
                    return
            if pause >= QUIET_WAIT:
                per = spent.label or f"{spent.seconds:g} s"
                logger.info(
                    f"Request budget spent ({spent.requests} per {per}); waiting {pause:.0f} s "
                    "before the next request"
                )
            self.waited += pause
            self.sleep(pause)

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
