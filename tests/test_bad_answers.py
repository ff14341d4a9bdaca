"""Answers that are not what an endpoint documents end in one line naming the provider,
the endpoint, the status and the content type with the first bytes (never a bare
``Expecting value``), and ``--test`` is a cheap check that creates no job. Real sockets to
the stand-ins; about 25 s in all."""

from __future__ import annotations

import typing as t

import pytest

from sandbox.foodtrust import SEED_PRODUCT_ID, FoodTrustApp
from sandbox.mews import MewsApp
from sandbox.scanalytics import ScanalyticsApp
from sandbox.scantrust import ScantrustApp
from sandbox.usaspending import USAspendingApp
from tests.singer_run import run_tap, selected_catalog

HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@pytest.fixture(autouse=True)
def own_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))


def selecting(tap: str, config: dict[str, t.Any], *streams: str) -> dict[str, t.Any]:
    """The tap's catalog with only ``streams`` selected."""
    from tests.test_input_validation import TAPS

    tap_class = next(cls for cls, _ in TAPS.values() if cls.name == tap)
    return selected_catalog(tap_class, config, *streams)


def error_lines(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    return [line.split("| ")[-1] for line in lines if "| ERROR" in line or "Traceback" in line]


@pytest.mark.parametrize(
    ("app_class", "tap", "stream", "path", "body", "kind", "expected"),
    [
        (
            ScantrustApp,
            "tap-scantrust",
            "products",
            r"/api/v2/products/",
            HTML,
            "text/html",
            "Scantrust answered GET {url}/api/v2/products/ with HTTP 200 (text/html) that is "
            "not JSON (Expecting value: line 1 column 1 (char 0)); it begins '<html><head>",
        ),
        (
            ScantrustApp,
            "tap-scantrust",
            "scans",
            r"/api/v2/dashboard/scans/",
            b'{"results": [{"scan": {"uuid": "a"',
            "application/json",
            "Scantrust answered GET {url}/api/v2/dashboard/scans/ with HTTP 200 "
            "(application/json) that is not JSON (Expecting",
        ),
        (
            ScantrustApp,
            "tap-scantrust",
            "products",
            r"/api/v2/products/",
            b'{"count": 0, "next": null}',
            "application/json",
            "Scantrust answered GET {url}/api/v2/products/ with HTTP 200 (application/json) "
            "that has no JSON array at $.results",
        ),
        (
            ScanalyticsApp,
            "tap-scanalytics",
            "visits",
            r"/visits/",
            b'[{"start": "2024-10-28T00:00:00", "vis\xffits": 3}]',
            "application/json",
            "Scanalytics answered GET {url}/v1/aggregate/",
        ),
        (
            ScanalyticsApp,
            "tap-scanalytics",
            "visits",
            r"/visits/",
            HTML,
            "text/html; charset=utf-8",
            "with HTTP 200 (text/html; charset=utf-8) that is not JSON",
        ),
    ],
    ids=[
        "scantrust-html",
        "scantrust-truncated",
        "scantrust-shape",
        "scanalytics-utf8",
        "scanalytics-html",
    ],
)
def test_a_bad_page_is_one_line_naming_provider_endpoint_and_body(
    serve, app_class, tap, stream, path, body, kind, expected
):
    server = serve(app_class())
    config = server.app.demo_config()
    server.app.faults.status(path, 200, payload=body, headers={"Content-Type": kind})
    run = run_tap(tap, config, catalog=selecting(tap, config, stream))
    assert run.returncode == 1
    [line] = error_lines(run.stderr)
    assert expected.format(url=server.url) in line
    if b"\xff" in body:
        assert "is not UTF-8 (invalid start byte at byte" in line
    assert "?" not in line.split(" with HTTP")[0]  # no query string (tokens, cursors)


def trace_run(serve, change: t.Callable[[FoodTrustApp], None]):
    server = serve(FoodTrustApp())
    change(server.app)
    return run_tap("tap-foodtrust-trace", server.app.demo_config())


def test_a_trace_answer_without_a_trace_fails_that_product_id(serve):
    def empty_answer(app: FoodTrustApp) -> None:
        app.faults.status(r"/traces", 200, payload={})

    run = trace_run(serve, empty_answer)
    assert run.returncode == 1
    assert run.counts["traces"] == 4  # the other four ids; before: 5 rows, one of them empty
    assert (
        f"The Trace API answer for {SEED_PRODUCT_ID} holds no trace object (keys: none); "
        "nothing of it was extracted." in run.stderr
    )
    assert "Traceback" not in run.stderr


def test_a_trace_without_its_events_fails_that_product_id(serve):
    run = trace_run(serve, lambda app: app.traces[SEED_PRODUCT_ID].pop("events"))
    assert run.returncode == 1
    assert run.counts["traces"] == 4 and run.counts["events"] == 16
    assert f"The trace of {SEED_PRODUCT_ID} lacks events (each an object in the" in run.stderr


def test_invalid_utf8_in_a_trace_is_an_error_not_a_replacement_character(serve):
    def bad_bytes(app: FoodTrustApp) -> None:
        body = b'{"%s": {"events": {"caf\xe9": {}}}}' % SEED_PRODUCT_ID.encode()
        app.faults.status(r"/traces", 200, payload=body)

    run = trace_run(serve, bad_bytes)
    assert run.returncode == 1
    assert run.counts["traces"] == 4
    assert "\ufffd" not in str(run.messages)
    assert "/ift/api/outbound/v1/traces with HTTP 200 (application/json) that is not UTF-8" in (
        run.stderr
    )


# What --test may ask each stand-in: reads only, never a job or an export.
CHECKS = [
    (ScantrustApp, "tap-scantrust", ["GET /api/v2/me/"]),
    (MewsApp, "tap-mews-exports", ["POST /api/connector/v1/exports/getAll"]),
    (ScanalyticsApp, "tap-scanalytics", ["POST /o/token/", "GET /v1/whoami"]),
    (USAspendingApp, "tap-usaspending-download", ["POST /api/v2/download/count/"]),
    (
        FoodTrustApp,
        "tap-foodtrust-trace",
        [
            "POST /identity/token",
            "POST /ift/api/identity-proxy/exchange_token/v1/organization/sandbox-org-0001",
            "GET /ift/api/outbound/v1/traces",
        ],
    ),
]


@pytest.mark.parametrize(("app_class", "tap", "calls"), CHECKS, ids=[c[1] for c in CHECKS])
def test_the_connection_test_makes_only_its_cheap_calls(serve, app_class, tap, calls):
    server = serve(app_class())
    run = run_tap(tap, server.app.demo_config(), args=["--test"])
    assert run.returncode == 0, run.stderr
    assert [f"{r.method} {r.path}" for r in server.app.requests] == calls
    assert run.messages == []
    assert "Connection test passed" in run.stderr
