"""One entity type failing does not sink the others (issue 11 item 2); an unknown export
status stops the run at once; state and journal written before the kit are still read."""

from __future__ import annotations

import datetime as dt
import json

from tap_mews_exports.entity_types import STREAM_OF_ENTITY
from tap_mews_exports.jobs import plan_windows
from tap_mews_exports.tap import TapMewsExports

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


def test_state_and_journal_written_before_the_kit_are_read(tmp_path):
    window = {"start": "2024-06-29T00:00:00Z", "end": "2024-12-26T00:00:00Z"}
    later = {"start": "2024-12-26T00:00:00Z", "end": "2025-06-24T00:00:00Z"}
    state = {
        "bookmarks": {
            "companies": {
                "replication_key": "UpdatedUtc",
                "replication_key_value": "2024-06-29T00:00:00Z",
                "pending_exports": [{"export_id": "A", "window": {**window, "by_posting_date": 0}}],
            },
            "bills": {"pending_export": {"export_id": "B", "window": window}},
        }
    }
    journal = tmp_path / "journal.json"
    journal.write_text(json.dumps({"exports": {"Company": {"export_id": "C", "window": later}}}))
    config = {
        "api_url": "http://127.0.0.1:9",
        "client_token": "x",
        "access_token": "y",
        "entity_types": ["Company", "Bill"],
        "journal_path": str(journal),
    }
    tap = TapMewsExports(config=config, state=state)
    companies, bills = tap.streams["companies"], tap.streams["bills"]
    assert [r.get("export_id") for r in companies.unfinished_records()] == ["A", "C"]
    assert [r.get("export_id") for r in bills.unfinished_records()] == ["B"]
    resumed = tap.orchestrator.resume("Company", companies.unfinished_records())
    assert [(job.id, job.window["end"]) for job in resumed] == [
        ("A", "2024-12-26T00:00:00Z"),
        ("C", "2025-06-24T00:00:00Z"),
    ]
    companies.remember([job.record() for job in resumed])  # the new layout replaces the old
    assert "pending_exports" not in companies.stream_state
    assert [r["id"] for r in companies.stream_state["pending_jobs"]] == ["A", "C"]


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
