"""Faults survived without loss or duplicates; bad input stopped with a clear message."""

from __future__ import annotations

from collections import Counter

import pytest
import requests

from sandbox.scantrust import CODES_ONLY_TOKEN, ScantrustApp
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
    assert "asking for a new link" in run.stderr


def test_expired_presigned_url_gets_a_new_link(scantrust, config):
    scantrust.app.link_ttl = -1  # every presigned URL is already expired
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "could not be downloaded after 3 attempts (HTTP 403 from the file host)" in run.stderr
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


def test_unknown_campaign_is_named_and_others_sync(scantrust, config):
    run = run_tap(TAP, {**config, "campaign_ids": [101, 999, 103]})
    assert run.returncode == 1
    assert codes_per_campaign(run) == {101: 240, 103: 30}
    assert "Campaign 999: the code search was refused" in run.stderr
    assert 'Invalid pk \\"999\\"' in run.stderr or 'Invalid pk "999"' in run.stderr
    assert "campaign sync(s) failed" in run.stderr
    assert "Traceback" not in run.stderr
    assert bookmarked_campaigns(run) == {101, 103}


def test_failed_search_task_is_a_clear_error(scantrust, config):
    scantrust.app.fail_next_jobs = 1  # the first task created: campaign 101
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "ended with status 'failed'" in run.stderr
    assert codes_per_campaign(run) == {102: 130, 103: 30}
    assert bookmarked_campaigns(run) == {102, 103}


def test_search_task_timeout_is_a_clear_error(serve):
    slow = serve(ScantrustApp(job_seconds=30))
    config = {**slow.app.demo_config(), "poll_interval_seconds": 0.1, "job_timeout_seconds": 0.5}
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "did not complete within job_timeout_seconds=0.5" in run.stderr
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
    assert "Scantrust refused the UAT token (HTTP 401)" in run.stderr
    assert "not-a-real-token-42" not in run.stderr
    assert "Traceback" not in run.stderr


def test_missing_permission_is_named(scantrust, config):
    run = run_tap(TAP, {**config, "uat_token": CODES_ONLY_TOKEN})
    assert run.returncode == 1
    assert "lacks the 'product_view' permission needed by the 'products' stream" in run.stderr
    assert CODES_ONLY_TOKEN not in run.stderr
    assert "Traceback" not in run.stderr


def test_missing_setting_is_a_config_error(scantrust):
    run = run_tap(TAP, {"api_url": scantrust.url, "campaign_ids": [101]})
    assert run.returncode == 1
    assert "uat_token" in run.stderr
    assert scantrust.app.requests == []
