"""Clean exits (issue 11 item 9, issue 12): a refused key in --test mode, an
unreachable host and a stopped run each end with one clear line and a non-zero exit."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time

import pytest
from tap_foodtrust_trace.tap import TapFoodTrustTrace

from sandbox.core import Request, Response, route
from sandbox.foodtrust import GENERATED_PRODUCT_IDS, SANDBOX_STATIC_TOKEN, FoodTrustApp
from singer_bulk_export_kit.errors import ServiceUnavailableError
from tests.singer_run import executable, run_tap

TAP = "tap-foodtrust-trace"
TRACE_PATH = r"/ift/api/outbound/v1/traces"


@pytest.fixture
def foodtrust(serve):
    return serve(FoodTrustApp())


def _closed_port() -> int:
    """A local port nothing listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "| ERROR " in line]


def test_wrong_api_key_in_test_mode_is_one_error_line(foodtrust):
    secret = "wrong-key-value-555"
    run = run_tap(
        TAP, {**foodtrust.app.demo_config(), "ibm_cloud_api_key": secret}, args=["--test"]
    )
    assert run.returncode == 1
    assert _error_lines(run.stderr) == [run.stderr.splitlines()[-1]]
    assert run.stderr.splitlines()[-1].endswith(
        "IBM Cloud IAM refused the credentials (HTTP 400: Provided API key could not be "
        "found.). Check ibm_cloud_api_key and organization_id."
    )
    assert "Traceback" not in run.stderr
    assert secret not in run.stderr
    assert foodtrust.app.requests_to(TRACE_PATH) == []


def test_api_url_on_a_closed_port_fails_within_ten_seconds(foodtrust):
    # The real thing, default settings: IAM answers, the exchange at api_url is refused.
    # The ten seconds are the waits the policy asked for (1, 2 and 4 s, +-25%), not the
    # wall clock, which a loaded machine stretches.
    api_url = f"http://127.0.0.1:{_closed_port()}"
    run = run_tap(TAP, {**foodtrust.app.demo_config(), "api_url": api_url})
    assert run.returncode == 1
    assert [round(wait / 2**n) for n, wait in enumerate(run.retry_waits)] == [1, 1, 1]
    assert sum(run.retry_waits) < 10
    exchange_url = f"{api_url}/ift/api/identity-proxy/exchange_token/v1/organization/"
    (error,) = _error_lines(run.stderr)
    assert f"Could not reach IBM Food Trust at {exchange_url}sandbox-org-0001: " in error
    assert "connection refused (4 tries over " in error
    retries = [line for line in run.stderr.splitlines() if "retrying in" in line]
    assert len(retries) == 3
    assert all("| WARNING " in line and "connection refused" in line for line in retries)
    assert "Traceback" not in run.stderr


def _sync_with_fake_time(config: dict) -> tuple[str, list[float]]:
    """Sync in process; the retry policy's clock moves only by the waits it sleeps."""
    tap = TapFoodTrustTrace(config=config)
    waits: list[float] = []
    tap.retry_policy.sleep, tap.retry_policy.clock = waits.append, lambda: sum(waits)
    with pytest.raises(ServiceUnavailableError) as raised:
        tap.sync_all()
    return str(raised.value), waits


@pytest.mark.parametrize("setting", ["iam_url", "api_url"])
def test_every_host_on_a_closed_port_gets_ten_seconds(foodtrust, setting):
    # In process with a fake clock: IAM (exchange config) and the Trace API (static
    # token) each get the kit's ten seconds for a refused host, then one line naming it.
    closed = f"http://127.0.0.1:{_closed_port()}"
    if setting == "iam_url":
        config = {**foodtrust.app.demo_config(), "iam_url": closed}
        expected = f"Could not reach IBM Cloud IAM at {closed}/identity/token: "
    else:
        config = {"api_url": closed, "ift_token": SANDBOX_STATIC_TOKEN}
        config["product_ids"] = list(GENERATED_PRODUCT_IDS)
        expected = f"Could not reach IBM Food Trust at {closed}{TRACE_PATH}: "
    message, waits = _sync_with_fake_time(config)
    assert message.startswith(expected)
    assert message.endswith(f"connection refused (4 tries over {sum(waits):.0f} s).")
    assert len(waits) == 3  # one host, not one wait series per product id
    assert sum(waits) < 10
    assert foodtrust.app.requests_to(TRACE_PATH) == []


class SlowFoodTrust(FoodTrustApp):
    """Holds the trace of one product id until released, so a test can stop the tap
    while it waits for it."""

    held_id = GENERATED_PRODUCT_IDS[1]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    @route("GET", TRACE_PATH)
    def trace(self, request: Request) -> Response:
        if request.arg("productId") == self.held_id:
            self.release.wait(timeout=30)
        return super().trace(request)


def test_sigterm_during_a_sync_writes_the_state_and_exits_143(serve, tmp_path):
    server = serve(SlowFoodTrust())
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(server.app.demo_config()))
    tap = subprocess.Popen(
        [executable(TAP), "--config", str(config_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while len(server.app.requests_to(TRACE_PATH)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)  # until the tap waits for the held (third) trace
        tap.send_signal(signal.SIGTERM)
        stdout, stderr = tap.communicate(timeout=20)
    finally:
        server.app.release.set()
        if tap.poll() is None:
            tap.kill()
    assert tap.returncode == 143, stderr
    messages = [json.loads(line) for line in stdout.splitlines()]
    traced = [
        m["record"]["trace_product_id"]
        for m in messages
        if m["type"] == "RECORD" and m["stream"] == "traces"
    ]
    assert traced == server.app.demo_config()["product_ids"][:2]
    assert messages[-1]["type"] == "STATE"
    partitions = messages[-1]["value"]["bookmarks"]["traces"]["partitions"]
    assert [p["context"]["trace_product_id"] for p in partitions] == traced
    assert _error_lines(stderr)[-1].endswith(
        "Stopped by SIGTERM: the state of finished windows was written; exiting 143"
    )
    assert "Traceback" not in stderr
