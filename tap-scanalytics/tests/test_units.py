"""Pieces without a server: bucket rules, windows, local-time conversion, token cache."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from zoneinfo import ZoneInfo

import pytest
from tap_scanalytics import auth
from tap_scanalytics.auth import ScanalyticsAuthenticator, TokenCache
from tap_scanalytics.buckets import bucket_problem, to_utc, window_days, windows

from singer_bulk_export_kit.http import HttpClient, RetryPolicy

CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("bucket", "problem"),
    [
        ("1h", None),
        ("15m", None),
        ("6h", None),
        ("1d", None),
        ("7d", None),
        ("7m", "7m does not divide a day"),
        ("5h", "5h does not divide a day"),
        ("32d", "longer than the longest window"),
        ("0h", "use <number><m|h|d>"),
        ("1w", "use <number><m|h|d>"),
    ],
)
def test_bucket_rules(bucket, problem):
    found = bucket_problem(bucket)
    assert (found is None) if problem is None else (problem in found)


def test_window_days_hold_whole_buckets():
    assert [window_days(b) for b in ("1h", "15m", "1d", "7d", "31d")] == [31, 31, 31, 28, 31]


def test_windows_cover_the_range_on_local_midnights():
    since = dt.datetime(2024, 11, 1, 12, tzinfo=dt.UTC)  # 07:00 in Chicago
    until = dt.datetime(2024, 12, 5, 6, tzinfo=dt.UTC)  # local midnight exactly
    assert list(windows(since, until, CHICAGO, 31)) == [
        ("2024-11-01T00:00:00", "2024-12-02T00:00:00"),
        ("2024-12-02T00:00:00", "2024-12-05T00:00:00"),
    ]
    later = until + dt.timedelta(minutes=1)  # a started day is asked for whole
    assert list(windows(since, later, CHICAGO, 31))[-1][1] == "2024-12-06T00:00:00"
    assert list(windows(until, until, CHICAGO, 31)) == []


def test_to_utc_reads_the_repeated_hour_twice():
    local = ["2024-11-03T00:00:00", "2024-11-03T01:00:00", "2024-11-03T01:00:00"]
    local.append("2024-11-03T02:00:00")
    moments, previous = [], None
    for value in local:
        moments.append(previous := to_utc(value, CHICAGO, previous))
    assert [m.hour for m in moments] == [5, 6, 7, 8]
    assert to_utc("2024-11-03T01:00:00", CHICAGO, moments[1]).hour == 7  # a bucket's end
    assert to_utc("2024-11-03T01:00:00-06:00", CHICAGO, None).hour == 7


def test_token_cache_is_private_and_replaced_whole(tmp_path):
    path = tmp_path / "deep" / "token.json"
    cache = TokenCache(str(path), "configured")
    old_umask = os.umask(0)
    try:
        cache.write("first")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    inode = path.stat().st_ino
    cache.write("second")
    assert path.stat().st_ino != inode  # a new file renamed over the old one
    assert cache.read() == {
        "refresh_token": "second",
        "seeded_from": auth.fingerprint("configured"),
    }
    assert os.listdir(path.parent) == ["token.json"]


def test_token_cache_keeps_the_old_token_when_a_write_fails(tmp_path, monkeypatch):
    cache = TokenCache(str(tmp_path / "token.json"), None)
    cache.write("good")

    def broken_fsync(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)  # the write fails half way
    with pytest.raises(OSError, match="disk full"):
        cache.write("lost")
    monkeypatch.undo()
    assert cache.read()["refresh_token"] == "good"
    assert os.listdir(tmp_path) == ["token.json"]


def _authenticator(tmp_path, cached: dict | None, **settings) -> ScanalyticsAuthenticator:
    path = tmp_path / "token.json"
    if cached is not None:
        path.write_text(json.dumps(cached))
    config = {"api_url": "http://127.0.0.1:9", "client_id": "c", **settings}
    client = HttpClient(RetryPolicy(service="Scanalytics"))
    return ScanalyticsAuthenticator({**config, "token_cache_path": str(path)}, client)


def test_which_refresh_token_is_used(tmp_path):
    from_config = auth.fingerprint("configured")
    cached, cache = {"refresh_token": "cached"}, "token_cache_path"
    cases = [
        (None, {"refresh_token": "configured"}, "configured", "refresh_token"),
        (cached, {}, "cached", cache),
        (
            {"refresh_token": "cached"},
            {"refresh_token": "configured"},
            "cached",
            "token_cache_path",
        ),
        (
            {"refresh_token": "cached", "seeded_from": from_config},
            {"refresh_token": "configured"},
            "cached",
            "token_cache_path",
        ),
        (  # the user configured a new token since the cache was seeded
            {"refresh_token": "cached", "seeded_from": auth.fingerprint("older")},
            {"refresh_token": "configured"},
            "configured",
            "refresh_token",
        ),
        (
            {"refresh_token": "cached", "seeded_from": None},
            {"username": "u"},
            "cached",
            "token_cache_path",
        ),
    ]
    for on_disk, settings, token, source in cases:
        found = _authenticator(tmp_path, on_disk, **settings)
        assert (found.refresh_token, found.refresh_source, found.grant) == (
            token,
            source,
            "refresh_token",
        )
        (tmp_path / "token.json").unlink(missing_ok=True)
    assert _authenticator(tmp_path, None, username="u").grant == "password"
    assert _authenticator(tmp_path, None, client_secret="s").grant == "client_credentials"
