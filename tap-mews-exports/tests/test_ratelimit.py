"""The client-side sliding-window limiter never lets more than N calls into a window."""

import time

from tap_mews_exports.ratelimit import SlidingWindowLimiter


def test_no_window_holds_more_than_the_limit():
    limiter = SlidingWindowLimiter(limit=3, window_seconds=0.3)
    stamps = []
    for _ in range(8):
        limiter.acquire()
        stamps.append(time.monotonic())
    for i, start in enumerate(stamps):
        inside = [s for s in stamps[i:] if s - start < 0.3 - 1e-3]
        assert len(inside) <= 3
