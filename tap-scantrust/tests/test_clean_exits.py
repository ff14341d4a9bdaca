"""Expected failures end with one clear line and exit 1: no traceback, no secret."""

from __future__ import annotations

import socket

from tests.singer_run import run_tap

TAP = "tap-scantrust"


def error_lines(stderr):
    return [line for line in stderr.splitlines() if "| ERROR " in line]


def test_connection_test_with_a_wrong_token_names_the_permission(scantrust, config):
    run = run_tap(TAP, {**config, "uat_token": "not-a-real-token-42"}, args=["--test"])
    assert run.returncode == 1
    [line] = error_lines(run.stderr)
    assert line.endswith(
        "Scantrust refused the UAT token (HTTP 401) for the 'codes' stream, which needs the "
        "'codes_view' permission: check uat_token (it is sent as 'Authorization: UAT <token>')."
    )
    assert "Traceback" not in run.stderr
    assert "not-a-real-token-42" not in run.stderr
    assert scantrust.app.requests_to(r"/codes/download/$") == []  # --test creates no task
    assert len(scantrust.app.requests_to(r"/api/v2/me/$")) == 1


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_host_fails_within_seconds_naming_the_url(config):
    url = f"http://127.0.0.1:{closed_port()}"
    run = run_tap(TAP, {**config, "api_url": url})
    assert run.returncode == 1
    # About 10 s of retries, not minutes: the waits asked for (1, 2, 4 s +-25%), not the
    # wall clock, which a loaded machine stretches.
    assert [round(wait / 2**n) for n, wait in enumerate(run.retry_waits)] == [1, 1, 1]
    assert sum(run.retry_waits) < 10
    [line] = error_lines(run.stderr)
    assert f"Could not reach Scantrust at {url}/api/v2/codes/download/: connection refused" in line
    retries = [line for line in run.stderr.splitlines() if "got connection refused" in line]
    assert retries
    assert all("| WARNING " in line for line in retries)
    assert "Traceback" not in run.stderr


def test_a_misspelt_setting_is_named_with_the_closest_known_one(scantrust, config):
    settings = {k: v for k, v in config.items() if k != "campaign_ids"}
    run = run_tap(TAP, {**settings, "campain_ids": [101]})
    assert run.returncode == 1
    assert "Unknown setting 'campain_ids' is ignored; did you mean 'campaign_ids'?" in run.stderr
    assert "Setting campaign_ids is required." in run.stderr
    assert "Traceback" not in run.stderr
    assert scantrust.app.requests == []
