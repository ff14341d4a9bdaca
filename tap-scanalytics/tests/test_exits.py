"""Clean exits: a refused login under --test, an unreachable host (token endpoint
included), a misspelled setting; each is one clear line, never a traceback."""

from __future__ import annotations

import dataclasses
import socket

import pytest
from tap_scanalytics.tap import TapScanalytics

from singer_bulk_export_kit.errors import ServiceUnavailableError
from tests.singer_run import run_tap


def errors(stderr: str) -> list[str]:
    """The message of every ERROR line."""
    return [line.rsplit("| ", 1)[1] for line in stderr.splitlines() if "| ERROR" in line]


def closed_port_url() -> str:
    """A local URL nothing listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_wrong_password_under_test_is_one_line_and_a_misspelling_is_named(scan, config, h):
    settings = {**config, "password": "wrong-password-77", "requests_per_minutes": 60}
    run = run_tap(h.TAP, settings, args=["--test"])
    assert run.returncode == 1
    assert errors(run.stderr) == [
        "Scanalytics refused the credentials username/password (grant password): "
        "HTTP 400 invalid_grant (Invalid credentials given.). Check them and client_id."
    ]
    assert (
        "Unknown setting 'requests_per_minutes' is ignored; did you mean 'requests_per_minute'?"
        in run.stderr
    )
    assert "Traceback" not in run.stderr and "wrong-password-77" not in run.stderr
    assert h.grants(scan.app) == ["password"]


def test_closed_port_is_one_line_naming_the_token_url(h, tmp_path):
    url = closed_port_url()
    settings = {
        "api_url": url,
        "client_id": "c",
        "client_secret": "s3cr3t-value",
        "token_cache_path": str(tmp_path / "t.json"),
        "max_retry_wait_seconds": 0,  # the same tries, without the waits
    }
    run = run_tap(h.TAP, settings, timeout=30)
    assert run.returncode == 1
    assert errors(run.stderr) == [
        f"Could not reach Scanalytics at {url}/o/token/: connection refused (6 tries over 0 s)."
    ]
    retries = [line for line in run.stderr.splitlines() if "got connection refused" in line]
    assert len(retries) == 5 and all("| WARNING" in line for line in retries)
    assert "the token request (grant client_credentials)" in retries[0]
    assert "Traceback" not in run.stderr and "s3cr3t-value" not in run.stderr


def test_closed_port_gives_up_within_about_ten_seconds(tmp_path):
    """The default waits, on a fake clock: the budget for refused connections holds."""
    url = closed_port_url()
    tap = TapScanalytics(
        config={
            "api_url": url,
            "client_id": "c",
            "client_secret": "sandbox-secret-42",
            "token_cache_path": str(tmp_path / "t.json"),
        }
    )
    waits: list[float] = []  # a clock that moves only by the policy's sleeps
    tap.retry_policy = dataclasses.replace(
        tap.retry_policy, clock=lambda: sum(waits), sleep=waits.append
    )
    with pytest.raises(ServiceUnavailableError) as refused:
        list(tap.streams["whoami"].get_records(None))
    assert f"Could not reach Scanalytics at {url}/o/token/: connection refused" in str(
        refused.value
    )
    # Waits of 1, 2 and 4 s (+-25% jitter) fit in the 10 s budget; the next 8 s do not.
    assert len(waits) == 3
    assert 5.25 <= sum(waits) <= 8.75
