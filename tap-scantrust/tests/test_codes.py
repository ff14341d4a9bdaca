"""Codes through search tasks, single-use links and the S3 redirect, end to end over HTTP."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter

from sandbox.scantrust import CAMPAIGNS
from tests.singer_run import run_tap

TAP = "tap-scantrust"


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def per_campaign(records):
    return Counter(r["campaign_id"] for r in records)


def test_first_sync_exact_counts_per_campaign(scantrust, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    expected = {c: len(scantrust.app.matching_codes(c)) for c in CAMPAIGNS}
    assert expected == {101: 240, 102: 130, 103: 30}
    assert per_campaign(run.records["codes"]) == expected
    keys = [(r["extended_id"], r["campaign_id"]) for r in run.records["codes"]]
    assert len(keys) == len(set(keys))
    assert run.counts["products"] == 5
    assert per_campaign(run.records["scans"]) == {101: 75, 102: 40, 103: 12}


def test_csv_values_survive_quotes_commas_newlines_and_non_ascii(scantrust, config):
    run = run_tap(TAP, config)
    by_id = {r["extended_id"]: r for r in run.records["codes"]}
    odd = [
        c
        for c in scantrust.app.matching_codes(101)
        if any(ch in v for v in c.scm.values() for ch in '"\n,東é')
    ]
    assert odd, "the stand-in should hold awkward values"
    for code in odd:
        row = by_id[code.extended_id]
        for key in CAMPAIGNS[101][1]:
            assert row["scm"][key] == (code.scm.get(key) or None)
    sample = scantrust.app.matching_codes(102)[0]
    row = by_id[sample.extended_id]
    assert set(row["scm"]) == set(CAMPAIGNS[102][1])
    assert row["status"] in {"inactive", "active", "blacklisted"}
    assert row["serial_number"] == (sample.serial_number or None)
    assert row["activated_at"] == (sample.activated_at or None)


def test_schema_types_and_declared_scm_fields(config):
    run = run_tap(TAP, config)
    schema = run.schemas["codes"]
    assert schema["key_properties"] == ["extended_id", "campaign_id"]
    properties = schema["schema"]["properties"]
    assert properties["activated_at"]["format"] == "date-time"
    assert "string" in properties["status"]["type"]
    scm = properties["scm"]
    assert set(scm["properties"]) == {"farm_name", "intended_market"}
    assert scm["additionalProperties"] is True


def test_all_search_tasks_created_before_any_download(scantrust, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    creates = scantrust.app.requests_to(r"/api/v2/codes/download/$")
    links = scantrust.app.requests_to(r"/get-download-link/$")
    assert len(creates) == 3
    assert max(r.at for r in creates) < min(r.at for r in links)


def test_authorization_never_reaches_the_file_host(scantrust, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    s3_requests = scantrust.app.s3.requests_to(r"/scantrust-exports/")
    assert len(s3_requests) == 3
    assert all("authorization" not in r.headers for r in s3_requests)
    api_requests = scantrust.app.requests_to(r"/api/v2/documents/download/")
    assert all(r.headers["authorization"] == "UAT sandbox-uat-token" for r in api_requests)


def test_incremental_second_run_takes_only_changed_codes(scantrust, config):
    first = run_tap(TAP, config)
    state = first.last_state
    bookmarks = state["bookmarks"]["codes"]["partitions"]
    assert {p["context"]["campaign_id"] for p in bookmarks} == set(CAMPAIGNS)
    now = dt.datetime.now(dt.UTC)
    touched = scantrust.app.touch_codes(101, 7, now - dt.timedelta(minutes=5))
    added = scantrust.app.add_codes(102, 3, now - dt.timedelta(minutes=1))
    second = run_tap(TAP, config, state=state)
    assert second.returncode == 0, second.stderr
    assert per_campaign(second.records["codes"]) == {101: 7, 102: 3}
    assert {r["extended_id"] for r in second.records["codes"]} == set(touched) | set(added)
    creates = scantrust.app.requests_to(r"/codes/download/$")
    assert ["updated_at" in r.query for r in creates] == [False] * 3 + [True] * 3
    for request in creates[3:]:
        start, end = (parse(p) for p in request.query["updated_at"][0].split(","))
        assert end - start <= dt.timedelta(days=1, seconds=30)  # lookback_days=1 + the gap


def test_lookback_catches_changes_just_before_the_bookmark(scantrust, config):
    state = run_tap(TAP, config).last_state
    bookmark = state["bookmarks"]["codes"]["partitions"][0]["replication_key_value"]
    moment = parse(bookmark) - dt.timedelta(hours=12)
    touched = scantrust.app.touch_codes(101, 4, moment)
    without = run_tap(TAP, {**config, "lookback_days": 0}, state=state)
    assert "codes" not in without.records
    with_lookback = run_tap(TAP, {**config, "lookback_days": 1}, state=state)
    assert sorted(r["extended_id"] for r in with_lookback.records["codes"]) == sorted(touched)


def test_start_date_is_split_into_windows(scantrust, config):
    settings = {**config, "start_date": "2024-01-01T00:00:00Z", "window_days": 200}
    run = run_tap(TAP, settings)
    assert run.returncode == 0, run.stderr
    assert per_campaign(run.records["codes"]) == {101: 240, 102: 130, 103: 30}
    ranges = [
        r.query["updated_at"][0].split(",")
        for r in scantrust.app.requests_to(r"/codes/download/$")
        if r.query["campaign"] == ["101"]
    ]
    bounds = [
        [dt.datetime.fromisoformat(v.replace("Z", "+00:00")) for v in pair] for pair in ranges
    ]
    assert bounds[0][0] == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    days = (dt.datetime.now(dt.UTC) - bounds[0][0]).total_seconds() / 86400
    assert len(bounds) == math.ceil(days / 200)
    assert dt.datetime.now(dt.UTC) - bounds[-1][1] < dt.timedelta(minutes=1)
    for (start, end), (next_start, _) in itertools.pairwise(bounds):
        assert end - start <= dt.timedelta(days=200)
        assert next_start == end
