"""Rate limits: the client-side sliding windows (both budgets, every stream) and the
server's 429s (Retry-After or the seconds in the body)."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging

import pytest
import requests
from tap_scanalytics.tap import TapScanalytics

from sandbox.scanalytics import ScanalyticsApp
from singer_bulk_export_kit.limits import Budget, SlidingWindowLimiter
from singer_bulk_export_kit.retry_after import retry_after_seconds as retry_after

ONE_DAY = {"start_date": "2024-11-01T05:00:00Z", "end_date": "2024-11-02T05:00:00Z"}


@pytest.mark.parametrize("in_body", [False, True], ids=["retry-after", "seconds-in-body"])
def test_server_rate_limit_is_waited_out(serve, tmp_path, h, in_body):
    app = serve(ScanalyticsApp(per_minute=4, minute_seconds=1.0)).app
    app.throttle_in_body = in_body
    config = {**app.demo_config(), **ONE_DAY, "token_cache_path": str(tmp_path / "t.json")}
    run = h.sync(config)
    assert run.returncode == 0, run.stderr
    assert app.throttled >= 1
    retries = [line for line in run.stderr.splitlines() if "got HTTP 429; retrying" in line]
    assert retries and all("WARNING" in line for line in retries)
    assert "retrying in 1.0 s (try 2 of 6)" in retries[0]  # the server's number, not a guess
    assert run.counts == {"whoami": 1, "deployments": 2, "arrays": 3, "visits": 3 * 24}


def most_in_any_window(stamps: list[float], window: float) -> int:
    return max(sum(1 for s in stamps if first <= s < first + window) for first in stamps)


def test_limiter_keeps_both_budgets_across_streams(serve, tmp_path, capsys, caplog):
    app = serve(ScanalyticsApp()).app
    config = {
        **app.demo_config(),
        "start_date": "2024-09-01T05:00:00Z",
        "end_date": "2024-11-08T06:00:00Z",  # 3 windows for each of 3 arrays
        "token_cache_path": str(tmp_path / "t.json"),
        "requests_per_minute": 3,
        "requests_per_hour": 5,
    }
    caplog.set_level(logging.INFO)
    tap = TapScanalytics(config=config)
    # The limiter's clock moves only by the waits it asks for: the real minute and hour,
    # no real waiting, and a loaded machine changes nothing.
    now = [0.0]
    waits: list[float] = []
    stamps: list[float] = []  # when each request was let through, on that clock
    limiter, acquire = tap.limiter, tap.limiter.acquire
    limiter.clock = lambda: now[0]
    limiter.sleep = lambda seconds: (waits.append(seconds), now.__setitem__(0, now[0] + seconds))
    limiter.acquire = lambda: (acquire(), stamps.append(now[0]))
    tap.sync_all()
    assert len(app.requests_to(r"^/v1/")) == 1 + 1 + 1 + 9  # whoami, deployments, arrays, visits
    # 3 a minute, then the hour's 5 are spent: the next hour, and so on.
    assert stamps == [0, 0, 0, 60, 60, 3600, 3600, 3600, 3660, 3660, 7200, 7200]
    assert waits == [60, 3540, 60, 3540]
    assert most_in_any_window(stamps, 60) <= 3 and most_in_any_window(stamps, 3600) <= 5
    logged = [r.getMessage() for r in caplog.records if "Request budget spent" in r.getMessage()]
    assert (
        logged
        == [
            "Request budget spent (3 per minute); waiting 60 s before the next request",
            "Request budget spent (5 per hour); waiting 3540 s before the next request",
        ]
        * 2
    )
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    visits = [m for m in out if m["type"] == "RECORD" and m["stream"] == "visits"]
    days = (dt.date(2024, 11, 8) - dt.date(2024, 9, 1)).days
    assert len(visits) == 3 * (days * 24 + 1)


def test_limiter_waits_for_the_hourly_budget_and_logs_it(caplog):
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = SlidingWindowLimiter(
        [Budget(3, 60.0, "minute"), Budget(5, 3600.0, "hour")], clock=lambda: now[0], sleep=sleep
    )
    stamps = []
    caplog.set_level(logging.INFO)
    for _ in range(7):
        limiter.acquire()
        stamps.append(now[0])
        now[0] += 1
    assert stamps[:3] == [0, 1, 2]
    assert stamps[3] == 60  # the minute budget
    assert stamps[5] == 3600  # the hour budget: waits rather than fails
    for i, start in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s - start < 60) <= 3
        assert sum(1 for s in stamps[i:] if s - start < 3600) <= 5
    assert "Request budget spent (5 per hour); waiting 3538 s" in caplog.text
    assert limiter.waited == pytest.approx(57 + 3538)


def _response(status: int, body: str, **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers.update(headers)
    return response


def test_retry_after_sources():
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    date = email.utils.format_datetime(soon, usegmt=True)
    drf = '{"detail": "Request was throttled. Expected available in 56 seconds."}'
    assert retry_after(_response(429, "{}", **{"Retry-After": "7"})) == 7
    assert 28 <= retry_after(_response(429, "{}", **{"Retry-After": date})) <= 30
    assert retry_after(_response(429, drf)) == 56
    assert retry_after(_response(429, '{"retry_after": 4.5}')) == 4.5
    assert retry_after(_response(429, "slow down")) is None
    assert retry_after(_response(200, drf)) is None  # not a throttle
