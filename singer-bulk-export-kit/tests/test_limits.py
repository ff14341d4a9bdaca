import pytest

from singer_bulk_export_kit.limits import Budget, SlidingWindowLimiter


def test_every_budget_is_kept(clock):
    limiter = SlidingWindowLimiter(
        [Budget(3, 10, "ten seconds"), Budget(5, 100, "hundred seconds")],
        clock=clock,
        sleep=clock.sleep,
    )
    stamps = []
    for _ in range(7):
        limiter.acquire()
        stamps.append(clock.now - 1000)
    # 3 at once, the 4th when the first leaves the 10 s window, the 6th when the first
    # leaves the 100 s window.
    assert stamps == [0, 0, 0, 10, 10, 100, 100]
    for i, stamp in enumerate(stamps):
        assert sum(1 for s in stamps[: i + 1] if stamp - s < 10) <= 3
        assert sum(1 for s in stamps[: i + 1] if stamp - s < 100) <= 5
    assert limiter.waited == 100


def test_a_budget_must_allow_a_request():
    with pytest.raises(ValueError):
        SlidingWindowLimiter([Budget(0, 10)])
