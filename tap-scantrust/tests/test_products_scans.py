"""products (limit/offset) and scans (cursor paging, incremental date windows)."""

from __future__ import annotations

from collections import Counter

from singer_sdk.testing import get_tap_test_class
from tap_scantrust.tap import TapScantrust

from sandbox.core import start
from sandbox.scantrust import ScantrustApp
from tests.singer_run import run_tap

TAP = "tap-scantrust"
_SERVER = start(ScantrustApp(job_seconds=0.1))  # the SDK suite is built at import time

TestTapScantrust = get_tap_test_class(
    tap_class=TapScantrust,
    config={**_SERVER.app.demo_config(), "poll_interval_seconds": 0.05},
)


def test_products_follow_offset_paging(scantrust, config):
    run = run_tap(TAP, config)
    assert [r["id"] for r in run.records["products"]] == [332, 333, 410, 411, 500]
    assert run.records["products"][0]["campaign"]["id"] == 101
    requests_ = scantrust.app.requests_to(r"/api/v2/products/")
    assert [r.query["offset"] for r in requests_] == [["0"]]


def test_scans_follow_next_unchanged_and_cover_every_campaign(scantrust, config):
    run = run_tap(TAP, config)
    scans = run.records["scans"]
    assert Counter(r["campaign_id"] for r in scans) == {101: 75, 102: 40, 103: 12}
    assert len({r["scan_uuid"] for r in scans}) == 127
    assert all(r["scanned_at"] == r["scan"]["datetime"] for r in scans)
    assert all(
        r.query["page_mode"] == ["cursor"] for r in scantrust.app.requests_to(r"/dashboard/scans/")
    )


def test_scans_small_pages_follow_the_cursor(scantrust, config, monkeypatch):
    # Ask for 10 per page through the SDK stream's page_size: 8 pages for campaign 101.
    from tap_scantrust import streams

    monkeypatch.setattr(streams.ScansStream, "page_size", 10)
    tap = TapScantrust(config={**config, "campaign_ids": [101]})
    rows = list(tap.streams["scans"].get_records({"campaign_id": 101}))
    assert len(rows) == 75
    pages = scantrust.app.requests_to(r"/dashboard/scans/")
    cursors = [r.query.get("cursor") for r in pages]
    assert cursors[0] is None
    assert len(cursors) == 8
    # Each `next` was followed as given: same query, the stand-in's opaque cursor added
    # (the stand-in refuses a cursor whose query changed).
    for page in pages[1:]:
        assert {k: v for k, v in page.query.items() if k != "cursor"} == pages[0].query
        assert page.query["cursor"][0] in scantrust.app.cursors


def test_products_page_through_limit_and_offset(scantrust, config, monkeypatch):
    from tap_scantrust import streams

    monkeypatch.setattr(streams.ProductsStream, "page_size", 2)
    tap = TapScantrust(config=config)
    rows = list(tap.streams["products"].get_records(None))
    assert [r["id"] for r in rows] == [332, 333, 410, 411, 500]
    pages = scantrust.app.requests_to(r"/api/v2/products/")
    assert [(r.query["limit"], r.query["offset"]) for r in pages] == [
        (["2"], ["0"]),
        (["2"], ["2"]),
        (["2"], ["4"]),
    ]


def test_scans_incremental_from_the_bookmark(scantrust, config, only):
    scans = only(config, "scans")
    first = run_tap(TAP, config, catalog=scans)
    second = run_tap(TAP, config, state=first.last_state, catalog=scans)
    assert second.returncode == 0, second.stderr
    # Only the latest scan per campaign (>= its bookmark) comes again, upserted by key.
    assert Counter(r["campaign_id"] for r in second.records["scans"]) == {101: 1, 102: 1, 103: 1}
    windows = [
        r.query["date_from"][0]
        for r in scantrust.app.requests_to(r"/dashboard/scans/")
        if "date_from" in r.query
    ]
    assert len(windows) >= 3


def test_scans_start_date_windows(scantrust, config, only):
    settings = {**config, "start_date": "2024-03-01T00:00:00Z", "window_days": 30}
    run = run_tap(TAP, settings, catalog=only(settings, "scans"))
    expected = sum(
        1
        for campaign in scantrust.app.scans.values()
        for scan in campaign
        if scan["scan"]["datetime"] >= "2024-03-01"
    )
    assert len(run.records["scans"]) == expected
    spans = {
        (r.query["date_from"][0], r.query["date_to"][0])
        for r in scantrust.app.requests_to(r"/dashboard/scans/")
        if r.query.get("campaign") == ["101"]
    }
    assert len(spans) > 10  # from March 2024 to now in 30-day windows
