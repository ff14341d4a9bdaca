"""tap-scanalytics against the Scanalytics stand-in, over real sockets."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import stat
from pathlib import Path

import pytest
from tap_scanalytics.ratelimit import SlidingWindowLimiter

from sandbox.scanalytics import CLIENT_SECRET, PASSWORD, ScanalyticsApp
from tests.singer_run import run_tap

TAP = "tap-scanalytics"
WEEK_HOURS = 7 * 24 + 1  # the autumn week gains an hour


def secrets_absent(run, *values):
    text = run.stderr + json.dumps(run.messages)
    return all(value not in text for value in values)


def token_requests(app):
    return [
        dict(p.split("=", 1) for p in r.body.decode().split("&"))
        for r in app.requests_to(r"/o/token/")
    ]


def test_password_grant_exact_counts(scan, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts == {"whoami": 1, "deployments": 2, "arrays": 3, "visits": 3 * WEEK_HOURS}
    assert [t["grant_type"] for t in token_requests(scan.app)] == ["password"]
    assert {r["deployment_key"] for r in run.records["arrays"]} == {"DEP01", "DEP02"}
    assert run.records["whoami"][0]["_extra"] == {"lastLogin": "2024-11-01T10:00:00Z"}
    assert secrets_absent(run, PASSWORD, CLIENT_SECRET)


def test_dst_week_has_every_hour_once(scan, config):
    run = run_tap(TAP, {**config, "array_keys": ["1AMDJ"]})
    starts = [dt.datetime.fromisoformat(r["start"]) for r in run.records["visits"]]
    assert len(starts) == len(set(starts)) == WEEK_HOURS
    assert all(b - a == dt.timedelta(hours=1) for a, b in itertools.pairwise(starts))
    assert starts[0] == dt.datetime(2024, 11, 1, 5, tzinfo=dt.UTC)
    assert all(s.utcoffset() == dt.timedelta(0) for s in starts)


def test_spring_dst_week_and_daily_buckets(scan, config):
    spring = {
        **config,
        "start_date": "2024-03-08T06:00:00Z",
        "end_date": "2024-03-15T05:00:00Z",
        "array_keys": ["1AMDJ"],
    }
    hourly = run_tap(TAP, spring)
    assert hourly.counts["visits"] == 7 * 24 - 1
    daily = run_tap(TAP, {**spring, "bucket": "1d"})
    days = [dt.datetime.fromisoformat(r["start"]) for r in daily.records["visits"]]
    assert len(days) == 7
    assert days[3] - days[2] == dt.timedelta(hours=23)  # 10 March is 23 hours long


def test_client_credentials_grant_keeps_no_refresh_token(scan, config):
    settings = {k: v for k, v in config.items() if k not in ("username", "password")}
    run = run_tap(TAP, settings)
    assert run.returncode == 0, run.stderr
    assert [t["grant_type"] for t in token_requests(scan.app)] == ["client_credentials"]
    assert not os.path.exists(config["token_cache_path"])


def test_rotated_refresh_token_is_persisted_and_used_next_run(scan, config):
    first_token = scan.app.issue_refresh_token()
    settings = {k: v for k, v in config.items() if k not in ("username", "password")}
    settings["refresh_token"] = first_token
    first = run_tap(TAP, {**settings, "array_keys": ["1AMDJ"]})
    assert first.returncode == 0, first.stderr
    cache = config["token_cache_path"]
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    rotated = json.loads(Path(cache).read_text())["refresh_token"]
    assert rotated != first_token
    # The configured token is spent; the cached one must be used instead.
    second = run_tap(TAP, {**settings, "array_keys": ["1AMDJ"]})
    assert second.returncode == 0, second.stderr
    sent = [t.get("refresh_token") for t in token_requests(scan.app)]
    assert sent == [first_token, rotated]
    assert json.loads(Path(cache).read_text())["refresh_token"] not in (first_token, rotated)
    assert secrets_absent(second, first_token, rotated)


def test_reused_refresh_token_is_a_clear_error(scan, config):
    spent = scan.app.issue_refresh_token()
    scan.app.refresh_tokens.pop(spent)
    settings = {k: v for k, v in config.items() if k not in ("username", "password")}
    run = run_tap(TAP, {**settings, "refresh_token": spent})
    assert run.returncode == 1
    assert "refresh tokens work once" in run.stderr
    assert "Set a fresh refresh_token" in run.stderr
    assert spent not in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("change", "grant"),
    [
        ({"password": "wrong-password-77"}, "grant password"),
        (
            {"username": None, "password": None, "client_secret": "wrong-secret-77"},
            "grant client_credentials",
        ),
    ],
)
def test_bad_credentials_name_the_grant(scan, config, change, grant):
    settings = {k: v for k, v in {**config, **change}.items() if v is not None}
    run = run_tap(TAP, settings)
    assert run.returncode == 1
    assert grant in run.stderr
    assert "wrong-password-77" not in run.stderr and "wrong-secret-77" not in run.stderr
    assert "Traceback" not in run.stderr


def test_access_token_renewed_when_it_expires_mid_run(serve, tmp_path):
    app = serve(ScanalyticsApp(token_seconds=2)).app
    app.faults.status(r"/aggregate/", 429, retry_after=2, times=1)
    config = {
        **app.demo_config(),
        "start_date": "2024-11-01T05:00:00Z",
        "end_date": "2024-11-02T05:00:00Z",
        "token_cache_path": str(tmp_path / "t.json"),
    }
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    grants = [t["grant_type"] for t in token_requests(app)]
    assert grants[0] == "password" and "refresh_token" in grants[1:]
    assert run.counts["visits"] == 3 * 24


def test_a_401_renews_the_token_once(scan, config):
    scan.app.faults.status(r"/v1/deployment/list", 401, times=1)
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert len(token_requests(scan.app)) == 2


@pytest.mark.parametrize("in_body", [False, True], ids=["retry-after", "seconds-in-body"])
def test_server_rate_limit_is_waited_out(serve, tmp_path, in_body):
    app = serve(ScanalyticsApp(per_minute=4, minute_seconds=1.0)).app
    app.throttle_in_body = in_body
    config = {
        **app.demo_config(),
        "start_date": "2024-11-01T05:00:00Z",
        "end_date": "2024-11-02T05:00:00Z",
        "token_cache_path": str(tmp_path / "t.json"),
    }
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert app.throttled >= 1
    assert run.counts["visits"] == 3 * 24


def test_limiter_keeps_both_budgets_and_waits():
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    limiter = SlidingWindowLimiter([(3, 60.0), (5, 3600.0)], clock=lambda: now[0], sleep=sleep)
    stamps = []
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


def test_incremental_visits(scan, config):
    first = run_tap(TAP, {**config, "end_date": "2024-11-04T06:00:00Z"})
    second = run_tap(TAP, config, state=first.last_state)
    assert second.returncode == 0, second.stderr
    starts = sorted({r["start"] for r in second.records["visits"]})
    # From the bookmark's bucket (re-emitted, upserted by key) to the end of the week.
    assert starts[0] == "2024-11-04T05:00:00+00:00"
    assert len(starts) == 4 * 24 + 1


def test_unknown_array_is_named_and_others_sync(scan, config):
    run = run_tap(TAP, {**config, "array_keys": ["1AMDJ", "ZZZZZ", "3CZPL"]})
    assert run.returncode == 1
    assert "Unknown array key ZZZZZ" in run.stderr
    assert "1 array(s) failed" in run.stderr
    assert run.counts["visits"] == 2 * WEEK_HOURS
    assert "Traceback" not in run.stderr
