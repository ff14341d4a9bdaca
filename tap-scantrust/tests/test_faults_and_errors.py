"""Faults survived without loss or duplicates; bad input stopped with a clear message."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
import requests

from sandbox.scantrust import CODES_ONLY_TOKEN, TOKENS_WITHOUT, ScantrustApp
from tests.singer_run import run_tap

TAP = "tap-scantrust"
FULL = {101: 240, 102: 130, 103: 30}


def codes_per_campaign(run):
    return Counter(r["campaign_id"] for r in run.records.get("codes", []))


def assert_complete(run):
    assert run.returncode == 0, run.stderr
    assert codes_per_campaign(run) == FULL
    keys = [(r["extended_id"], r["campaign_id"]) for r in run.records["codes"]]
    assert len(keys) == len(set(keys))
    assert run.counts["products"] == 5
    assert run.counts["scans"] == 127


def bookmarked_campaigns(run):
    state = run.last_state or {}
    partitions = state.get("bookmarks", {}).get("codes", {}).get("partitions", [])
    return {p["context"]["campaign_id"] for p in partitions if p.get("replication_key_value")}


def test_a_download_link_works_once(scantrust, config):
    run_tap(TAP, config)  # creates documents
    key = next(iter(scantrust.app.documents))
    headers = {"Authorization": "UAT sandbox-uat-token"}
    link = requests.get(
        f"{scantrust.url}/api/v2/documents/{key}/get-download-link/", headers=headers, timeout=5
    ).json()["link"]
    first = requests.get(link, headers=headers, allow_redirects=False, timeout=5)
    assert first.status_code == 302
    second = requests.get(link, headers=headers, allow_redirects=False, timeout=5)
    assert second.status_code == 404
    assert "already used" in second.json()["detail"]
    refused = requests.get(first.headers["Location"], headers=headers, timeout=5)
    assert refused.status_code == 400  # presigned URL + Authorization header


def test_download_cut_midway_gets_a_new_link(scantrust, config):
    scantrust.app.s3.faults.drop(r"/scantrust-exports/", times=2)
    run = run_tap(TAP, config)
    assert_complete(run)
    assert len(scantrust.app.requests_to(r"/get-download-link/$")) == 5  # 3 + 2 retries
    assert "trying again with a fresh link" in run.stderr


def test_a_broken_transfer_resumes_from_the_break_with_a_fresh_link(scantrust, config):
    app = scantrust.app
    app.s3.faults.drop(r"/scantrust-exports/", times=1)
    run = run_tap(TAP, config)
    assert_complete(run)
    fetches = app.s3.requests_to(r"/scantrust-exports/")
    assert len(fetches) == 4  # campaign 101 twice (each time through a new one-time link)
    assert len({r.path for r in fetches}) == 4
    assert len(app.requests_to(r"/api/v2/documents/download/")) == 4
    size = app.s3.objects[fetches[0].path.rsplit("/", 1)[-1]][0].stat().st_size
    resumed = fetches[1].headers
    assert resumed["range"] == f"bytes={size // 2}-"  # only what was missing
    assert resumed["if-range"].startswith('"')
    assert all("range" not in r.headers for r in fetches[2:])
    assert f"trying again with a fresh link, resuming at byte {size // 2}" in run.stderr


def test_an_expired_link_is_replaced_by_a_fresh_one(scantrust, config):
    scantrust.app.expire_next_links = 1  # campaign 101's first presigned URL
    run = run_tap(TAP, config)
    assert_complete(run)
    assert "download failed (attempt 1 of 3): HTTP 403 from http://127.0.0.1:" in run.stderr
    assert len(scantrust.app.requests_to(r"/get-download-link/$")) == 4


def test_expired_presigned_url_gets_a_new_link(scantrust, config):
    scantrust.app.link_ttl = -1  # every presigned URL is already expired
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "could not be downloaded after 3 attempts (HTTP 403 from http://127.0.0.1:" in run.stderr
    assert "(an expired or used link?))" in run.stderr
    scantrust.app.link_ttl = 600
    again = run_tap(TAP, config)
    assert_complete(again)


@pytest.mark.parametrize(
    "arm",
    [
        lambda app: app.faults.status(r"/api/v2/documents/\w+$", 429, retry_after=1, times=2),
        lambda app: app.faults.status(
            r"/codes/download/$",
            429,
            payload={
                "detail": "Request was throttled. Expected available in 1 seconds.",
                "code": "throttled",
            },
            times=1,
        ),
        lambda app: app.faults.status(r"/codes/download/$", 503, times=2),
        lambda app: app.faults.status(r"/api/v2/products/", 502, times=1),
        lambda app: app.faults.drop(r"/api/v2/dashboard/scans/", times=1),
    ],
    ids=["429-retry-after", "429-body-seconds", "503-task", "502-products", "drop-scans"],
)
def test_transient_faults_are_retried_without_loss(scantrust, config, arm):
    arm(scantrust.app)
    run = run_tap(TAP, config)
    assert_complete(run)
    assert scantrust.app.faults.pending() == 0


@pytest.mark.parametrize(
    "fault",
    [
        {"retry_after": 2},
        {"payload": {"detail": "Request was throttled. Expected available in 2 seconds."}},
    ],
    ids=["retry-after-header", "seconds-in-body"],
)
def test_throttling_waits_as_long_as_the_api_says(scantrust, config, fault):
    # Exponential backoff alone would wait 1 s before the first retry.
    scantrust.app.faults.status(r"/codes/download/$", 429, times=1, **fault)
    run = run_tap(TAP, config)
    assert_complete(run)
    creates = scantrust.app.requests_to(r"/codes/download/$")
    assert len(creates) == 4
    assert run.retry_waits == [2.0]  # what the API said, not the backoff's 1 s
    assert creates[1].at - creates[0].at >= 2.0  # (a load can only make it longer)


def test_unknown_campaign_is_named_and_others_sync(scantrust, config):
    run = run_tap(TAP, {**config, "campaign_ids": [101, 999, 103]})
    assert run.returncode == 1
    assert codes_per_campaign(run) == {101: 240, 103: 30}
    assert "The code search task for campaign 999, the beginning to " in run.stderr
    assert "was refused: the code search was refused (Scantrust answered HTTP 400" in run.stderr
    assert 'Invalid pk \\"999\\"' in run.stderr or 'Invalid pk "999"' in run.stderr
    assert "2 campaign(s) failed: campaign 999, campaign 999 (scans)." in run.stderr
    assert "Traceback" not in run.stderr
    assert bookmarked_campaigns(run) == {101, 103}


def test_failed_search_task_is_a_clear_error(scantrust, config):
    scantrust.app.fail_next_jobs = 1  # the first task created: campaign 101
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "ended 'failed'; tried 1 time(s)" in run.stderr
    assert codes_per_campaign(run) == {102: 130, 103: 30}
    assert bookmarked_campaigns(run) == {102, 103}


def test_search_task_timeout_is_a_clear_error(serve):
    slow = serve(ScantrustApp(job_seconds=30))
    config = {**slow.app.demo_config(), "poll_interval_seconds": 0.1, "job_timeout_seconds": 0.5}
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "did not finish within 0.5 s (last status 'pending')" in run.stderr
    assert "codes" not in run.records
    assert bookmarked_campaigns(run) == set()


def test_corrupt_zip_is_a_clear_error_and_keeps_the_bookmark(scantrust, config):
    scantrust.app.corrupt_next_files = 1
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "Campaign 101: the downloaded file is not a valid zip" in run.stderr
    assert "Traceback" not in run.stderr
    assert codes_per_campaign(run) == {102: 130, 103: 30}
    assert bookmarked_campaigns(run) == {102, 103}


def test_csv_without_fixed_columns_is_a_clear_error(scantrust, config):
    scantrust.app.headerless_next_files = 1
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "the CSV header lacks the fixed columns ['extended_id', 'serial_number']" in run.stderr
    assert bookmarked_campaigns(run) == {102, 103}


def test_wrong_token_is_a_clear_error_without_the_token(scantrust, config):
    run = run_tap(TAP, {**config, "uat_token": "not-a-real-token-42"})
    assert run.returncode == 1
    assert (
        "Scantrust refused the UAT token (HTTP 401) for the 'codes' stream, which needs the "
        "'codes_view' permission" in run.stderr
    )
    assert "not-a-real-token-42" not in run.stderr
    assert "Traceback" not in run.stderr


def test_missing_permission_is_named(scantrust, config):
    run = run_tap(TAP, {**config, "uat_token": CODES_ONLY_TOKEN})
    assert run.returncode == 1
    assert "lacks the 'product_view' permission needed by the 'products' stream" in run.stderr
    assert CODES_ONLY_TOKEN not in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("permission", "stream"),
    [("codes_view", "codes"), ("product_view", "products"), ("scans_download", "scans")],
)
def test_each_missing_permission_is_named(scantrust, config, permission, stream):
    token = TOKENS_WITHOUT[permission]
    run = run_tap(TAP, {**config, "uat_token": token})
    assert run.returncode == 1
    assert (
        f"The UAT token lacks the '{permission}' permission needed by the '{stream}' stream "
        "(HTTP 403" in run.stderr
    )
    assert token not in run.stderr
    assert "Traceback" not in run.stderr
    assert stream not in run.records


def test_a_task_that_finished_during_a_slow_download_has_not_timed_out(serve):
    # 101 is ready first; its download takes 1.5 s, longer than job_timeout_seconds,
    # while 102's and 103's tasks finish. They must be polled, not declared timed out.
    server = serve(ScantrustApp(job_seconds=0.6, job_seconds_for={101: 0.2}))
    server.app.s3.delay_seconds = 1.5
    config = {**server.app.demo_config(), "poll_interval_seconds": 0.05, "job_timeout_seconds": 1}
    run = run_tap(TAP, config)
    assert_complete(run)
    assert "did not finish" not in run.stderr


def test_corrupt_file_on_an_incremental_run_keeps_the_old_bookmark(scantrust, config, only):
    codes = only(config, "codes")
    first = run_tap(TAP, config, catalog=codes)
    before = {
        p["context"]["campaign_id"]: p["replication_key_value"]
        for p in first.last_state["bookmarks"]["codes"]["partitions"]
    }
    scantrust.app.headerless_next_files = 1  # campaign 101's file this time
    # Bookmarks are whole seconds: a second run within the first's second could not move
    # them, so it starts once the clock is past them (under a second's wait).
    while dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") <= max(before.values()):
        time.sleep(0.05)
    second = run_tap(TAP, config, state=first.last_state, catalog=codes)
    assert second.returncode == 1
    assert "Campaign 101: the CSV header lacks the fixed columns" in second.stderr
    after = {
        p["context"]["campaign_id"]: p["replication_key_value"]
        for p in second.last_state["bookmarks"]["codes"]["partitions"]
    }
    assert after[101] == before[101]
    assert after[102] > before[102]
    assert after[103] > before[103]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"window_days": 0},
            "Setting window_days: 0 is not valid; expected a number greater than 0.",
        ),
        (
            {"lookback_days": -1},
            "Setting lookback_days: -1 is not valid; expected a number of at least 0.",
        ),
        ({"campaign_ids": []}, "campaign_ids: give at least one campaign id"),
        ({"campaign_ids": [101, 101]}, "campaign_ids: each campaign once"),
        ({"activation_status": 3}, "activation_status"),
        ({"scm_filters": {"scm_market": "zh"}}, "should be the bare SCM key"),
    ],
)
def test_unusable_settings_are_refused_before_any_request(scantrust, config, override, message):
    run = run_tap(TAP, {**config, **override})
    assert run.returncode == 1
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert scantrust.app.requests == []


def test_missing_setting_is_a_config_error(scantrust):
    run = run_tap(TAP, {"api_url": scantrust.url, "campaign_ids": [101]})
    assert run.returncode == 1
    assert "uat_token" in run.stderr
    assert scantrust.app.requests == []
