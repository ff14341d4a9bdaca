"""A sliding-window limiter: at most N requests in any window of W seconds."""

from __future__ import annotations

import collections
import logging
import threading
import time

logger = logging.getLogger("tap-mews-exports.ratelimit")


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._calls: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until one more request fits; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = time.monotonic()
                while self._calls and now - self._calls[0] >= self.window:
                    self._calls.popleft()
                if len(self._calls) < self.limit:
                    self._calls.append(now)
                    if waited > 1:
                        logger.info(
                            "Waited %.1f s to stay within %d requests per %g s",
                            waited,
                            self.limit,
                            self.window,
                        )
                    return waited
                pause = self.window - (now - self._calls[0])
            time.sleep(pause)
            waited += pause
