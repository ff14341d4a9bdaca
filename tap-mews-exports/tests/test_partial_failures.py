"""One entity type failing does not sink the others (issue 11 item 2); an unknown export
status stops the run at once; exports remembered without their request are asked afresh."""

from __future__ import annotations

import datetime as dt
import json

from tap_mews_exports.entity_types import STREAM_OF_ENTITY
from tap_mews_exports.jobs import plan_windows

from sandbox.mews import ENTITY_COUNTS, MewsApp
from tests.singer_run import run_tap

TAP = "tap-mews-exports"
REFUSAL = "LedgerEntry exports are not enabled for this enterprise (code 4721)."


def test_a_refused_type_fails_alone_and_keeps_its_bookmark(mews, config):
    mews.app.refuse_exports["LedgerEntry"] = REFUSAL
    ledger_bookmark = {"replication_key": "PostingDate", "replication_key_value": "2025-01-01"}
    state = {"bookmarks": {"ledger_entries": dict(ledger_bookmark)}}
    run = run_tap(TAP, config, state=state)  # every entity type, LedgerEntry included
    assert run.returncode == 1
    others = {STREAM_OF_ENTITY[k]: n for k, n in ENTITY_COUNTS.items() if k != "LedgerEntry"}
    assert run.counts == others  # the nine other types synced completely
    bookmarks = run.last_state["bookmarks"]
    ledger = bookmarks["ledger_entries"]
    assert ledger["replication_key_value"] == "2025-01-01"
    assert "pending_jobs" not in ledger
    assert all(bookmarks[stream]["replication_key_value"] > "2026" for stream in others)
    summary = [line for line in run.stderr.splitlines() if "Failed entity type" in line]
    assert len(summary) == 1
    assert summary[0].endswith(
        "Failed entity type LedgerEntry: LedgerEntry, 2025-01-01 to 2025-06-29: "
        f"Mews refused the export: {REFUSAL}"
    )
    assert "1 entity type(s) failed: LedgerEntry." in run.stderr
    assert "Traceback" not in run.stderr
    kinds = [json.loads(r.body)["EntityType"] for r in mews.app.requests_to(r"/add$")]
    assert kinds.count("LedgerEntry") == 1  # refused once: no retry, no later window


def test_an_unknown_export_status_stops_the_run_at_once(serve, tmp_path):
    app = serve(MewsApp(job_seconds=60)).app
    app.unknown_status = "Queued"
    config = {
        **app.demo_config(),
        "entity_types": ["Company"],
        "poll_interval_seconds": 0.05,
        "journal_path": str(tmp_path / "journal.json"),
    }
    run = run_tap(TAP, config)  # export_timeout_seconds stays 7200
    assert run.returncode == 1
    assert (
        "reported the status 'Queued', which this tap does not know (known: Expired, Failed, "
        "Pending, Processing, Success)"
    ) in run.stderr
    assert len(app.requests_to(r"/getAll$")) == 1  # never polled again
    assert "Traceback" not in run.stderr


def test_exports_remembered_without_their_request_are_exported_afresh(mews, config):
    """Earlier releases kept no request (``params``) with an export: this run cannot tell
    whether one asked what it would (another enterprise?), so it asks afresh; the old keys
    go from the state."""
    window = {"start": None, "end": "2020-01-01T00:00:00Z"}
    state = {
        "bookmarks": {
            "companies": {"pending_exports": [{"export_id": "A", "window": window}]},
            "bills": {"pending_jobs": [{"id": "B", "window": window, "params": {}}]},
        }
    }
    config = {**config, "entity_types": ["Company", "Bill"]}
    del config["start_date"]
    run = run_tap(TAP, config, state=state)
    assert run.returncode == 0, run.stderr
    assert "Not re-attaching to export B (Bill, " in run.stderr
    assert "Re-attached" not in run.stderr and "Not re-attaching to export A" not in run.stderr
    assert run.counts == {"companies": ENTITY_COUNTS["Company"], "bills": ENTITY_COUNTS["Bill"]}
    bookmarks = run.last_state["bookmarks"]
    assert not any("pending" in key for entry in bookmarks.values() for key in entry)


def test_windows_follow_mews_rules():
    now = dt.datetime(2025, 1, 10, 12, 0, 30, 5, tzinfo=dt.UTC)
    config = {"start_date": "2024-01-01T00:00:00Z", "ledger_start_date": "2024-07-01"}
    updated = plan_windows("Company", resumed_end=None, bookmark=None, config=config, now=now)
    assert updated == [
        {"start": "2024-01-01T00:00:00Z", "end": "2024-06-29T00:00:00Z"},
        {"start": "2024-06-29T00:00:00Z", "end": "2024-12-26T00:00:00Z"},
        {"start": "2024-12-26T00:00:00Z", "end": "2025-01-10T11:55:00Z"},  # 5.5 min margin
    ]
    after = plan_windows(
        "Company", resumed_end="2025-01-10T11:55:00Z", bookmark=None, config=config, now=now
    )
    assert after == []  # nothing left after the window being resumed
    assert plan_windows("Company", resumed_end=None, bookmark=None, config={}, now=now) == [
        {"start": None, "end": "2025-01-10T11:55:00Z"}  # no start: one export of everything
    ]
    ledger = plan_windows("LedgerEntry", resumed_end=None, bookmark=None, config=config, now=now)
    assert ledger == [
        {"start": "2024-07-01", "end": "2024-12-27"},
        {"start": "2024-12-28", "end": "2025-01-10"},
    ]
    resumed = plan_windows(
        "LedgerEntry", resumed_end="2024-12-27", bookmark="2024-07-01", config=config, now=now
    )
    assert resumed == [{"start": "2024-12-28", "end": "2025-01-10"}]  # whole days, no overlap
