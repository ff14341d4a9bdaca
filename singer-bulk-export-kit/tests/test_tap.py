"""The tap base, through a real process: clean exits, unknown settings, partition
failures, and the exit code after a termination signal."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def run(config, *args, timeout=60):
    config_path = HERE / f".config-{time.monotonic_ns()}.json"
    config_path.write_text(json.dumps(config))
    try:
        return subprocess.run(
            [sys.executable, str(HERE / "example_tap.py"), "--config", str(config_path), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        config_path.unlink()


@pytest.fixture
def api(local_server):
    answers = {"status": 200}
    server = local_server(lambda request: (answers["status"], {}, b"{}"))
    server.answers = answers
    return server


@pytest.mark.parametrize("mode", [(), ("--test",)])
def test_an_expected_failure_is_one_line_and_exit_1(api, mode):
    api.answers["status"] = 401
    done = run({"api_url": api.url, "token": "hunter2"}, *mode)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "Acme refused the token (HTTP 401) for part 1" in done.stderr
    assert "hunter2" not in done.stderr + done.stdout


def test_a_bad_setting_in_test_mode_is_one_line(api):
    done = run({"api_url": api.url, "parts": [0]}, "--test")
    assert done.returncode == 1
    assert "parts: 0 is not a part" in done.stderr and "Traceback" not in done.stderr


def test_an_unreachable_host_is_one_line_naming_it(closed_port_url):
    done = run({"api_url": closed_port_url.split("/api")[0]})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"Could not reach Acme at {closed_port_url.split('/api')[0]}/x: connection refused" in (
        done.stderr
    )


def test_an_unknown_setting_is_named_with_the_closest_known_one(api):
    done = run({"api_url": api.url, "prats": [2]})
    assert done.returncode == 0, done.stderr
    assert "Unknown setting 'prats' is ignored; did you mean 'parts'?" in done.stderr


def test_failed_partitions_do_not_stop_the_others_and_the_run_ends_1(api):
    done = run({"api_url": api.url, "parts": [1, -5, 13, 2]})
    messages = [json.loads(line) for line in done.stdout.splitlines()]
    records = [m for m in messages if m["type"] == "RECORD" and m["stream"] == "things"]
    assert [r["record"]["id"] for r in records] == [1, 13, 2]
    assert done.returncode == 1
    assert "Failed part -5: Acme has no such part" in done.stderr
    assert "2 part(s) failed: -5, 13." in done.stderr
    assert "Traceback" not in done.stderr


def test_sigterm_writes_the_state_and_exits_143(api, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_url": api.url, "parts": [1, 2], "pause": 30}))
    process = subprocess.Popen(
        [sys.executable, str(HERE / "example_tap.py"), "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if '"RECORD"' in line and '"things"' in line:  # now pausing inside its partition
            break
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 143, err
    assert "Stopped by SIGTERM" in err
    # The last STATE (written at the signal, unless nothing changed since an earlier one)
    # holds the finished windows of the stream synced before.
    states = [json.loads(x) for x in [*lines, *out.splitlines()] if '"STATE"' in x]
    assert states, (lines, out, err[-2000:])
    assert states[-1]["value"]["bookmarks"]["rows"]["partitions"][0]["replication_key_value"]


def test_a_misspelt_required_setting_is_named_too(api):
    done = run({"api_ur": api.url})
    assert done.returncode == 1
    assert "Unknown setting 'api_ur' is ignored; did you mean 'api_url'?" in done.stderr
    assert "Traceback" not in done.stderr


def test_described_settings_take_title_and_description_from_the_table():
    from singer_sdk import typing as th

    from singer_bulk_export_kit.tap import described_settings

    setting = described_settings({"api_url": ("API URL", "Where the API is.")})
    assert setting("api_url", th.StringType, default="https://x", secret=True).to_dict() == {
        "api_url": {
            "type": ["string", "null"],
            "default": "https://x",
            "title": "API URL",
            "description": "Where the API is.",
            "secret": True,
            "writeOnly": True,
        }
    }
    with pytest.raises(KeyError):
        setting("undocumented", th.StringType)  # every setting needs its texts
