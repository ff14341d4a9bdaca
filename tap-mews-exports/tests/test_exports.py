"""tap-mews-exports against the Mews stand-in, through real sockets."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import signal
import subprocess
import time

import pytest
from tap_mews_exports.entity_types import STREAM_OF_ENTITY

from sandbox.mews import CLIENT_TOKEN, ENTITY_COUNTS, MewsApp
from singer_bulk_export_kit.journal import JobJournal
from tests.singer_run import executable, run_tap

TAP = "tap-mews-exports"
ALL = {STREAM_OF_ENTITY[kind]: count for kind, count in ENTITY_COUNTS.items()}


def adds(app, kind=None):
    calls = app.requests_to(r"/exports/add$")
    return [c for c in calls if kind is None or json.loads(c.body)["EntityType"] == kind]


def test_exact_counts_per_entity_type(mews, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts == ALL
    # Mews declares file sizes (checked), no row counts: said once, not once per stream.
    assert run.stderr.count("Mews declares no row count for its files") == 1
    for stream, rows in run.records.items():
        assert len({r["Id"] for r in rows}) == len(rows), stream
    order_item = run.records["order_items"][0]
    assert set(order_item["Amount"]) >= {"Currency", "NetValue", "GrossValue", "TaxValues"}
    schema = run.schemas["order_items"]["schema"]["properties"]
    assert schema["UpdatedUtc"]["format"] == "date-time"
    assert "number" in schema["Amount"]["properties"]["NetValue"]["type"]
    assert run.schemas["ledger_entries"]["schema"]["properties"]["PostingDate"]["format"] == "date"
    # Availability adjustments' newer fields are declared, so none lands in _extra.
    adjustments = run.records["availability_adjustments"]
    extra = {key for r in adjustments for key in r.get("_extra", {})}
    assert extra == {"FieldAddedByMewsLater"}  # the stand-in's own test field only
    fields = ("IsActive", "PaxCounts", "FirstTimeUnitReleaseUtc")
    sent = {r["Id"]: [r[f] for f in fields] for r in mews.app.entities["AvailabilityAdjustment"]}
    assert {r["Id"]: [r[f] for f in fields] for r in adjustments} == sent
    assert sum(1 for values in sent.values() if values[1]) >= 1  # some carry PaxCounts
    adjustment_schema = run.schemas["availability_adjustments"]["schema"]
    assert "IsActive" in adjustment_schema["required"]


def test_unknown_fields_are_kept_and_logged_once(mews, config):
    run = run_tap(TAP, {**config, "entity_types": ["Company"]})
    kept = [r for r in run.records["companies"] if r.get("_extra")]
    assert [r["_extra"] for r in kept] == [{"FieldAddedByMewsLater": {"Note": "kept, not lost"}}]
    assert run.stderr.count("does not declare: FieldAddedByMewsLater") == 1


def test_exports_created_up_front_and_polled_together(mews, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    first_download = min(r.at for r in mews.app.requests_to(r"/files/"))
    early = [r for r in adds(mews.app) if r.at < first_download]
    assert {json.loads(r.body)["EntityType"] for r in early} == set(ENTITY_COUNTS)
    polled = [json.loads(r.body)["ExportIds"] for r in mews.app.requests_to(r"/getAll$")]
    assert max(len(ids) for ids in polled) >= 5  # one getAll for many exports


def test_windows_respect_180_days_and_five_minutes(mews, config):
    run_tap(TAP, {**config, "entity_types": ["Payment"]})
    windows = [json.loads(r.body)["Filters"]["UpdatedUtc"] for r in adds(mews.app)]
    bounds = [(parse(w["StartUtc"]), parse(w["EndUtc"])) for w in windows]
    assert bounds[0][0] == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for (start, end), (next_start, _) in itertools.pairwise(bounds):
        assert end - start <= dt.timedelta(days=180)
        assert next_start == end
    assert dt.datetime.now(dt.UTC) - bounds[-1][1] >= dt.timedelta(minutes=5)


def posting_windows_sent(app):
    bodies = [json.loads(r.body) for r in adds(app, "LedgerEntry")]
    return [body["Filters"]["LedgerEntryFilters"]["Posting"] for body in bodies]


def test_ledger_entries_use_posting_date_windows_inside_filters(mews, config):
    run = run_tap(TAP, {**config, "entity_types": ["LedgerEntry"]})
    assert run.returncode == 0, run.stderr
    assert run.counts == {"ledger_entries": 80}
    assert len({r["Id"] for r in run.records["ledger_entries"]}) == 80
    first = json.loads(adds(mews.app)[0].body)
    assert set(first) == {"ClientToken", "AccessToken", "Client", "EntityType", "Filters"}
    assert first["Filters"] == {
        "LedgerEntryFilters": {"Posting": {"Start": "2024-01-01", "End": "2024-06-28"}}
    }
    windows = posting_windows_sent(mews.app)
    today = dt.datetime.now(dt.UTC).date()
    assert len(windows) == -(-((today - dt.date(2024, 1, 1)).days + 1) // 180)  # whole days
    for earlier, later in itertools.pairwise(windows):
        gap = dt.date.fromisoformat(later["Start"]) - dt.date.fromisoformat(earlier["End"])
        assert gap == dt.timedelta(days=1)
    assert windows[-1]["End"] == today.isoformat()


def test_ledger_start_date_sets_the_first_posting_date_only(mews, config):
    del config["start_date"]
    settings = {"entity_types": ["LedgerEntry", "Company"], "ledger_start_date": "2024-07-01"}
    run = run_tap(TAP, {**config, **settings})
    assert run.returncode == 0, run.stderr
    posted = [r["Id"] for r in mews.app.entities["LedgerEntry"] if r["PostingDate"] >= "2024-07-01"]
    assert run.counts == {"ledger_entries": 35, "companies": 10}
    assert sorted(r["Id"] for r in run.records["ledger_entries"]) == sorted(posted)
    assert posting_windows_sent(mews.app)[0] == {"Start": "2024-07-01", "End": "2024-12-27"}
    [company] = [json.loads(r.body) for r in adds(mews.app, "Company")]
    assert "Filters" not in company  # no start_date: one export of every company


def test_ledger_entries_without_a_first_posting_date_is_a_clear_error(mews, config):
    del config["start_date"]
    run = run_tap(TAP, {**config, "entity_types": ["LedgerEntry"]})
    assert run.returncode == 1
    assert "ledger_entries (LedgerEntry) needs ledger_start_date (or start_date)" in run.stderr
    assert "Traceback" not in run.stderr
    assert mews.app.requests == []


def test_malformed_ledger_start_date_rejected_before_any_request(mews, config):
    run = run_tap(TAP, {**config, "ledger_start_date": "2024-13-01"})
    assert run.returncode == 1
    assert (
        'Setting ledger_start_date: "2024-13-01" is not valid; expected a date YYYY-MM-DD'
        in run.stderr
    )
    assert "Traceback" not in run.stderr
    assert mews.app.requests == []


def test_incremental_second_run(mews, config):
    first = run_tap(TAP, config)
    state = first.last_state
    # Changes younger than 5 minutes wait for a later run; pretend run 1 was 30 min ago.
    now = dt.datetime.now(dt.UTC)
    bookmark = (now - dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    state["bookmarks"]["order_items"]["replication_key_value"] = bookmark
    changed = mews.app.update_entities("OrderItem", 5, now - dt.timedelta(minutes=10))
    second = run_tap(TAP, config, state=state)
    assert second.returncode == 0, second.stderr
    assert {r["Id"] for r in second.records["order_items"]} == set(changed)
    assert sum(second.counts.values()) == 5
    later = [json.loads(r.body) for r in adds(mews.app, "OrderItem")][-1]
    assert later["Filters"]["UpdatedUtc"]["StartUtc"] == bookmark


def test_resume_export_created_by_a_killed_run(serve, tmp_path):
    slow = serve(MewsApp(job_seconds=1))  # outlives the first run: killed once it journals
    changed = slow.app.update_entities(
        "Company", 4, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    journal = tmp_path / "journal.json"
    config = {
        **slow.app.demo_config(),
        "entity_types": ["Company"],
        "start_date": (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat(),
        "poll_interval_seconds": 0.2,
        "journal_path": str(journal),
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        [executable(TAP), "--config", str(tmp_path / "config.json")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not journal.exists():
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    [entry] = json.loads(journal.read_text())["jobs"]["Company"]
    assert len(adds(slow.app)) == 1
    run = run_tap(TAP, config)  # no state: only the journal knows the export
    assert run.returncode == 0, run.stderr
    recorded, window = entry["id"], entry["window"]
    starts = [json.loads(r.body)["Filters"]["UpdatedUtc"]["StartUtc"] for r in adds(slow.app)]
    assert starts.count(window["start"]) == 1  # that window was resumed, not created again
    assert sorted(r["Id"] for r in run.records["companies"]) == sorted(changed)
    assert f"Re-attached to export {recorded} (Company, " in run.stderr
    assert json.loads(journal.read_text())["jobs"] == {}


class ForeignExportHeld(MewsApp):
    """The other run's export stays pending until this tap was refused twice: counted,
    not timed, so a slow start cannot find it finished already."""

    foreign_id: str | None = None

    def _status(self, export):
        if export.id == self.foreign_id and len(self.requests_to(r"/exports/add$")) < 3:
            return "Pending"
        return super()._status(export)


def test_pending_export_without_record_is_waited_for(serve, tmp_path, export_by_another_run):
    app = serve(ForeignExportHeld(job_seconds=0.2)).app
    export_by_another_run(app, "Company")
    (app.foreign_id,) = app.exports
    config = {
        **app.demo_config(),
        "entity_types": ["Company"],
        "poll_interval_seconds": 0.1,
        "journal_path": str(tmp_path / "j.json"),
    }
    del config["start_date"]  # one export: the wait is what is tested
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert "Cannot create the export for Company, " in run.stderr
    assert (
        "yet (an earlier Company export this run has no record of is still in flight: Export "
        "of entity type Company is already pending or processing.); trying again while polling"
    ) in run.stderr
    assert run.counts == {"companies": 10}


@pytest.mark.parametrize(
    "arm",
    [
        lambda app: app.faults.status(r"/files/", 403, times=1),
        lambda app: app.faults.drop(r"/files/", times=1),
        lambda app: setattr(app, "truncate_next_downloads", 1),
    ],
    ids=["expired-url-403", "connection-cut-mid-file", "truncated-last-line"],
)
def test_broken_file_is_fetched_again_from_fresh_urls(mews, config, arm):
    arm(mews.app)
    run = run_tap(TAP, {**config, "entity_types": ["OrderItem"]})
    assert run.returncode == 0, run.stderr
    assert run.counts == {"order_items": 120}
    assert len({r["Id"] for r in run.records["order_items"]}) == 120
    assert run.stderr.count("download failed (attempt 1 of 4)") == 1
    assert run.stderr.count("trying again with a fresh link") == 1


def test_failed_and_expired_exports_are_recreated(mews, config):
    mews.app.fail_next_exports = 1
    mews.app.expire_next_exports = 1
    run = run_tap(TAP, {**config, "entity_types": ["Company"]})
    assert run.returncode == 0, run.stderr
    assert run.counts == {"companies": 10}
    assert "ended 'Failed'; creating it again" in run.stderr
    assert "ended 'Expired'; creating it again" in run.stderr


def test_export_failing_too_often_is_a_clear_error(mews, config):
    mews.app.fail_next_exports = 5
    run = run_tap(TAP, {**config, "entity_types": ["Company"], "max_export_attempts": 2})
    assert run.returncode == 1
    assert "ended 'Failed'; tried 2 time(s)" in run.stderr
    assert "Failed entity type Company: " in run.stderr
    assert "Traceback" not in run.stderr


def test_rate_limited_requests_wait_and_succeed(serve, tmp_path):
    app = serve(MewsApp(job_seconds=0.1)).app
    # Throttled the way Mews throttles (429 with Retry-After), on the first two polls:
    # counted, not timed, so a slow machine cannot slip under a rate.
    app.faults.status(r"/exports/getAll", 429, retry_after=0.2, times=2)
    config = {
        **app.demo_config(),
        "entity_types": ["Company", "Bill"],
        "poll_interval_seconds": 0.05,
        "journal_path": str(tmp_path / "j.json"),
    }
    del config["start_date"]  # one export per type
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts == {"companies": 10, "bills": 30}
    assert run.stderr.count("got HTTP 429; retrying in 0.2 s") == 2


def test_bad_tokens_are_a_clear_error_without_the_tokens(mews, config):
    run = run_tap(TAP, {**config, "access_token": "WRONG-ACCESS-TOKEN-1234"})
    assert run.returncode == 1
    assert "invalid ClientToken/AccessToken" in run.stderr
    assert "WRONG-ACCESS-TOKEN-1234" not in run.stderr
    assert CLIENT_TOKEN not in run.stderr
    assert "Traceback" not in run.stderr


def test_unknown_entity_type_rejected_before_any_request(mews, config):
    run = run_tap(TAP, {**config, "entity_types": ["OrderItem", "Reservations"]})
    assert run.returncode == 1
    assert 'Setting entity_types.1: "Reservations" is not valid; expected one of' in run.stderr
    assert mews.app.requests == []


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_an_export_remembered_for_another_enterprise_is_exported_afresh(mews, config):
    from tap_mews_exports.jobs import export_request

    config = {**config, "entity_types": ["Company"]}
    del config["start_date"]  # one window, from the beginning
    window = {"start": None, "end": "2020-01-01T00:00:00Z"}
    other = export_request("Company", {"EnterpriseIds": ["another-hotel"]}, window)
    JobJournal(config["journal_path"]).record(
        "Company", [{"id": "old-export", "window": window, "params": other}]
    )
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert (
        "Not re-attaching to export old-export (Company, {'start': None, 'end': "
        "'2020-01-01T00:00:00Z'}): it asked other parameters than this run would"
    ) in run.stderr
    polled = [json.loads(r.body)["ExportIds"] for r in mews.app.requests_to(r"/getAll$")]
    assert polled and all("old-export" not in ids for ids in polled)
    assert [json.loads(r.body).get("Filters") for r in adds(mews.app)] == [None]  # one, fresh
    assert run.counts == {"companies": 10}
