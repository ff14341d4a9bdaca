"""Visit aggregates: local-time windows of at most 31 days, UTC storage, daylight-saving
weeks with every bucket exactly once, incremental runs, bucket sizes."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
import requests

from sandbox.scanalytics import CLIENT_ID, CLIENT_SECRET
from tests.singer_run import run_tap

AUTUMN_WEEK_HOURS = 7 * 24 + 1  # Chicago, 2024-11-01..08 local: 3 November has 25 hours
SPRING = {"start_date": "2024-03-08T06:00:00Z", "end_date": "2024-03-15T05:00:00Z"}
AUTUMN_DAY = {"start_date": "2024-11-03T05:00:00Z", "end_date": "2024-11-04T06:00:00Z"}
LOCAL_MIDNIGHT = re.compile(r"\d{4}-\d\d-\d\dT00:00:00")


def starts(run) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(r["start"]) for r in run.records["visits"]]


def assert_contiguous(run, step: dt.timedelta) -> None:
    """Every bucket once, in order, back to back, stored in UTC."""
    rows = run.records["visits"]
    moments = starts(run)
    assert len(moments) == len(set(moments))
    assert all(b - a == step for a, b in itertools.pairwise(moments))
    assert all(m.utcoffset() == dt.timedelta(0) for m in moments)
    assert all(
        dt.datetime.fromisoformat(r["end"]) == dt.datetime.fromisoformat(r["start"]) + step
        for r in rows
    )


@pytest.fixture(params=[False, True], ids=["offset-times", "local-times"])
def times_without_offset(request, scan):
    """The API's bucket times either carry an offset or are local to `timezone`."""
    scan.app.naive_times = request.param
    return request.param


def test_autumn_week_has_every_hour_once(scan, config, h, times_without_offset):
    run = h.sync({**config, "array_keys": ["1AMDJ"]})
    assert run.returncode == 0, run.stderr
    assert len(run.records["visits"]) == AUTUMN_WEEK_HOURS
    assert_contiguous(run, dt.timedelta(hours=1))
    assert starts(run)[0] == dt.datetime(2024, 11, 1, 5, tzinfo=dt.UTC)
    # The repeated local hour 01:00 is two buckets, 06:00 and 07:00 UTC.
    assert {r["start"] for r in run.records["visits"]} >= {
        "2024-11-03T06:00:00+00:00",
        "2024-11-03T07:00:00+00:00",
    }


def test_spring_week_has_every_hour_once(scan, config, h, times_without_offset):
    run = h.sync({**config, **SPRING, "array_keys": ["1AMDJ"]})
    assert run.returncode == 0, run.stderr
    assert len(run.records["visits"]) == 7 * 24 - 1  # 10 March has 23 hours
    assert_contiguous(run, dt.timedelta(hours=1))


def test_quarter_hours_across_the_autumn_change(scan, config, h, times_without_offset):
    run = h.sync({**config, **AUTUMN_DAY, "bucket": "15m", "array_keys": ["1AMDJ"]})
    assert run.returncode == 0, run.stderr
    assert len(run.records["visits"]) == 25 * 4
    assert_contiguous(run, dt.timedelta(minutes=15))
    assert {r["bucket"] for r in run.records["visits"]} == {"15m"}


def test_quarter_hours_across_the_spring_change(scan, config, h, times_without_offset):
    spring_day = {"start_date": "2024-03-10T06:00:00Z", "end_date": "2024-03-11T05:00:00Z"}
    run = h.sync({**config, **spring_day, "bucket": "15m", "array_keys": ["1AMDJ"]})
    assert len(run.records["visits"]) == 23 * 4
    assert_contiguous(run, dt.timedelta(minutes=15))


def test_daily_buckets_follow_local_days(scan, config, h, times_without_offset):
    spring = h.sync({**config, **SPRING, "bucket": "1d", "array_keys": ["1AMDJ"]})
    days = starts(spring)
    assert len(days) == 7
    assert [b - a for a, b in itertools.pairwise(days)].count(dt.timedelta(hours=23)) == 1
    assert all(d.astimezone(dt.UTC).hour in (5, 6) for d in days)  # local midnights
    autumn = h.sync({**config, "bucket": "1d", "array_keys": ["1AMDJ"]})
    lengths = [
        dt.datetime.fromisoformat(r["end"]) - dt.datetime.fromisoformat(r["start"])
        for r in autumn.records["visits"]
    ]
    assert len(lengths) == 7 and lengths.count(dt.timedelta(hours=25)) == 1


def test_windows_are_local_times_of_at_most_31_days(scan, config, h):
    long_range = {"start_date": "2024-01-01T06:00:00Z", "end_date": "2024-04-15T05:00:00Z"}
    run = h.sync({**config, **long_range, "bucket": "1d", "array_keys": ["1AMDJ"]})
    assert run.returncode == 0, run.stderr
    assert run.counts["visits"] == 31 + 29 + 31 + 14  # 1 January to 14 April
    sent = [r.query for r in scan.app.requests_to(r"/v1/aggregate/1AMDJ/visits/1d")]
    assert [(q["start"][0], q["end"][0]) for q in sent] == [
        ("2024-01-01T00:00:00", "2024-02-01T00:00:00"),
        ("2024-02-01T00:00:00", "2024-03-03T00:00:00"),
        ("2024-03-03T00:00:00", "2024-04-03T00:00:00"),
        ("2024-04-03T00:00:00", "2024-04-15T00:00:00"),
    ]
    assert {q["timezone"][0] for q in sent} == {"America/Chicago"}
    assert all(LOCAL_MIDNIGHT.fullmatch(q["start"][0]) for q in sent)  # no offset


def test_stand_in_refuses_windows_longer_than_31_days(scan):
    token = requests.post(
        f"{scan.url}/o/token/",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=10,
    ).json()["access_token"]

    def visits(end: str) -> requests.Response:
        return requests.get(
            f"{scan.url}/v1/aggregate/1AMDJ/visits/1d",
            params={"start": "2024-01-01T00:00:00", "end": end, "timezone": "UTC"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    assert visits("2024-02-01T00:00:00").status_code == 200
    refused = visits("2024-02-01T00:00:01")
    assert refused.status_code == 400 and "31 days" in refused.json()["detail"]


def test_incremental_visits(scan, config, h):
    first = h.sync({**config, "end_date": "2024-11-04T06:00:00Z"})
    assert first.returncode == 0, first.stderr
    assert first.counts["visits"] == 3 * (3 * 24 + 1)
    bookmarks = {
        p["context"]["array_key"]: p["replication_key_value"]
        for p in first.last_state["bookmarks"]["visits"]["partitions"]
    }
    assert bookmarks == dict.fromkeys(["1AMDJ", "2BXQK", "3CZPL"], "2024-11-04T05:00:00+00:00")
    second = h.sync(config, state=first.last_state)
    assert second.returncode == 0, second.stderr
    per_array = {}
    for row in second.records["visits"]:
        per_array.setdefault(row["array_key"], []).append(row["start"])
    # From the bookmark's bucket (re-emitted, upserted by key) to the end of the week.
    for moments in per_array.values():
        assert moments[0] == "2024-11-04T05:00:00+00:00"
        assert len(moments) == 4 * 24 + 1
    sent = scan.app.requests_to(r"/v1/aggregate/")[-1].query
    assert sent["start"] == ["2024-11-03T00:00:00"]  # local midnight before the bookmark


def test_end_date_in_the_future_stops_at_now(scan, config, h):
    now = dt.datetime.now(dt.UTC)
    recent = {
        "start_date": (now - dt.timedelta(hours=5)).isoformat(),
        "end_date": (now + dt.timedelta(days=3)).isoformat(),
        "timezone": "UTC",
        "array_keys": ["1AMDJ"],
    }
    run = h.sync({**config, **recent})
    assert run.returncode == 0, run.stderr
    assert all(s <= now for s in starts(run))
    assert len(run.records["visits"]) == 5  # the hour in progress is the last one


@pytest.mark.parametrize(
    ("change", "args", "messages"),
    [
        (  # every problem of one configuration is named at once (one run, not four)
            {"bucket": "5h", "timezone": "Mars/Olympus", "password": None},
            [],
            [
                "bucket: 5h does not divide a day",
                "timezone: unknown IANA zone 'Mars/Olympus'",
                "password: required with username",
            ],
        ),
        ({"bucket": "hourly"}, ["--test"], ["bucket: use <number><m|h|d>"]),
    ],
    ids=["sync", "test"],
)
def test_bad_settings_are_refused_before_any_request(scan, config, h, change, args, messages):
    settings = {k: v for k, v in {**config, **change}.items() if v is not None}
    run = run_tap(h.TAP, settings, args=args)
    assert run.returncode == 1
    assert [m for m in messages if m not in run.stderr] == []
    assert "Traceback" not in run.stderr
    assert scan.app.requests == []
