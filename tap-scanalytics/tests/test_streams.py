"""Streams and their shapes, tolerant parsing, and the unknown-array summary."""

from __future__ import annotations

import json
import subprocess

from sandbox.scanalytics import DEPLOYMENTS
from tests.singer_run import executable, run_tap

WEEK_HOURS = 7 * 24 + 1  # the autumn week of the config fixture gains an hour


def test_exact_counts_and_shapes(scan, config, h):
    run = run_tap(h.TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts == {"whoami": 1, "deployments": 2, "arrays": 3, "visits": 3 * WEEK_HOURS}
    assert run.records["whoami"] == [
        {
            "email": "analyst@example.com",
            "firstName": "Ana",
            "lastName": "Núñez",
            "timezone": "America/Chicago",
            "_extra": {"lastLogin": "2024-11-01T10:00:00Z"},  # undeclared, kept
        }
    ]
    first = run.records["deployments"][0]
    assert first["arrays"] == DEPLOYMENTS[0]["arrays"]  # nested unknown fields kept inline
    assert first["_extra"] == {"installedAt": "2023-05-01"}
    assert "_extra" not in run.records["deployments"][1]  # nothing undeclared: no noise
    assert run.records["arrays"] == [
        {
            "key": "1AMDJ",
            "name": "North entrance",
            "deployment_key": "DEP01",
            "deployment_timezone": "America/Chicago",
        },
        {
            "key": "2BXQK",
            "name": "Food court",
            "deployment_key": "DEP01",
            "deployment_timezone": "America/Chicago",
            "_extra": {"deviceCount": 14},
        },
        {
            "key": "3CZPL",
            "name": "Atrium",
            "deployment_key": "DEP02",
            "deployment_timezone": "America/New_York",
        },
    ]
    visit = run.records["visits"][0]
    assert set(visit) == {"array_key", "bucket", "start", "end", "visits", "timezone"}
    assert visit["start"] == "2024-11-01T05:00:00+00:00"
    assert visit["end"] == "2024-11-01T06:00:00+00:00"
    assert isinstance(visit["visits"], int)
    # The deployment list is asked once per stream, not again for the visits partitions.
    assert len(scan.app.requests_to(r"/v1/deployment/list")) == 2


def test_discovery_makes_no_request(scan, config, tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    found = subprocess.run(
        [executable("tap-scanalytics"), "--config", str(path), "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    streams = {s["tap_stream_id"] for s in json.loads(found.stdout)["streams"]}
    assert streams == {"whoami", "deployments", "arrays", "visits"}
    assert scan.app.requests == []


def test_unknown_array_is_named_and_others_sync(scan, config, h):
    run = run_tap(h.TAP, {**config, "array_keys": ["1AMDJ", "ZZZZZ", "3CZPL"]})
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if "| ERROR" in line]
    assert any("Unknown array key ZZZZZ (HTTP 404)" in line for line in errors)
    assert "Failed array ZZZZZ: Unknown array key ZZZZZ (HTTP 404)" in run.stderr
    assert "1 array(s) failed: ZZZZZ. The others synced" in run.stderr
    assert run.counts["visits"] == 2 * WEEK_HOURS
    assert {r["array_key"] for r in run.records["visits"]} == {"1AMDJ", "3CZPL"}
    assert "Traceback" not in run.stderr
    partitions = run.last_state["bookmarks"]["visits"]["partitions"]
    assert sorted(p["context"]["array_key"] for p in partitions) == ["1AMDJ", "3CZPL", "ZZZZZ"]
    unknown = [p for p in partitions if p["context"]["array_key"] == "ZZZZZ"]
    assert [p.get("replication_key_value") for p in unknown] == [None]


def test_unreadable_bucket_is_a_clear_error(scan, config, h):
    bad = [{"start": "yesterday-ish", "end": "2024-11-01T01:00:00", "visits": 3}]
    scan.app.faults.status(r"/v1/aggregate/1AMDJ/", 200, payload=bad)
    run = run_tap(h.TAP, {**config, "array_keys": ["1AMDJ"]})
    assert run.returncode == 1
    assert "Array 1AMDJ: a visits bucket from 2024-11-01T00:00:00 to" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_cut_connection_is_retried(scan, config, h):
    scan.app.faults.drop(r"/v1/aggregate/2BXQK/")
    quick = {"max_retry_wait_seconds": 0.1}  # the same retry, without a 1 s wait
    run = run_tap(h.TAP, {**config, **quick, "array_keys": ["2BXQK"]})
    assert run.returncode == 0, run.stderr
    assert "GET /v1/aggregate/2BXQK/visits/1h got connection dropped; retrying in 0.1 s" in (
        run.stderr
    )
    assert run.counts["visits"] == WEEK_HOURS
    assert len(scan.app.requests_to(r"/v1/aggregate/2BXQK/")) == 2
