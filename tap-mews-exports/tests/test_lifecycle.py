"""Export lifecycle against the Mews stand-in: file URLs that expire mid-download,
broken files resumed without duplicates, bookmarks per window, concurrent exports,
resuming from the state alone, and the pending-export wait giving up."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess

from tap_mews_exports.tap import TapMewsExports

from sandbox.mews import MewsApp
from tests.singer_run import executable, run_tap

TAP = "tap-mews-exports"


def single_export_config(app, tmp_path, *types):
    """No start_date: one export per type holding every entity (one window)."""
    config = {
        **app.demo_config(),
        "entity_types": list(types),
        "poll_interval_seconds": 0.05,
        "journal_path": str(tmp_path / "journal.json"),
    }
    config.pop("start_date")
    return config


def file_numbers(app):
    """(file number within its export, HTTP status) of every file request, in order."""
    return [(int(name.rsplit("-", 1)[1].split(".")[0]), status) for name, status in app.served]


def test_urls_expiring_mid_download_resume_with_the_file_that_failed(serve, tmp_path):
    app = serve(MewsApp(job_seconds=0.1, rows_per_file=25)).app
    app.expire_urls_after_downloads = 2  # every URL issued so far dies after two files
    run = run_tap(TAP, single_export_config(app, tmp_path, "OrderItem"))
    assert run.returncode == 0, run.stderr
    # files 1 and 2 are not fetched again; file 3 fails, gets a fresh URL, then 4 and 5
    assert file_numbers(app) == [(1, 200), (2, 200), (3, 403), (3, 200), (4, 200), (5, 200)]
    assert [r["Id"] for r in run.records["order_items"]] == [
        r["Id"] for r in app.entities["OrderItem"]
    ]
    assert "file 3 of 5: download failed (attempt 1 of 4): HTTP 403 from" in run.stderr
    assert "sig=" not in run.stderr  # the signed part of a file URL is never logged


def test_broken_line_mid_file_resumes_after_the_rows_already_emitted(serve, tmp_path):
    app = serve(MewsApp(job_seconds=0.1, rows_per_file=25)).app
    app.corrupt_next_downloads = 1  # line 14 of file 1 garbled, same size
    run = run_tap(TAP, single_export_config(app, tmp_path, "OrderItem"))
    assert run.returncode == 0, run.stderr
    assert file_numbers(app) == [(1, 200), (1, 200), (2, 200), (3, 200), (4, 200), (5, 200)]
    assert "line 14 is not valid JSON" in run.stderr
    assert "after its first 13 lines, already emitted" in run.stderr
    # exactly every row once, in file order: the 13 rows of the broken attempt are not repeated
    assert [r["Id"] for r in run.records["order_items"]] == [
        r["Id"] for r in app.entities["OrderItem"]
    ]


def test_bookmark_moves_only_after_every_file_of_a_window(serve, tmp_path):
    app = serve(MewsApp(job_seconds=0.05, rows_per_file=10)).app
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    first = app.matching("Payment", start, start + dt.timedelta(days=180))
    second = app.matching("Payment", start + dt.timedelta(days=180), start + dt.timedelta(days=360))
    first_files = math.ceil(len(first) / 10)
    assert len(second) > 10  # the second window has two files or more
    # After the first window's files and the second window's first file, the file host
    # answers 503 for good.
    app.file_outage_after_downloads = first_files + 1
    config = {
        **app.demo_config(),
        "entity_types": ["Payment"],
        "poll_interval_seconds": 0.05,
        "journal_path": str(tmp_path / "journal.json"),
    }
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "file 2 of" in run.stderr and "could not be downloaded after 4 attempts" in run.stderr
    assert "Failed entity type Payment: " in run.stderr
    assert "Traceback" not in run.stderr
    windows = [json.loads(r.body)["Filters"]["UpdatedUtc"] for r in app.requests_to(r"/add$")]
    bookmark = run.last_state["bookmarks"]["payments"]
    # the first window is done; the second was half emitted and is not counted
    assert bookmark["replication_key_value"] == windows[0]["EndUtc"]
    assert len(run.records["payments"]) == len(first) + 10
    # its export stays recorded for the next run
    assert bookmark["pending_jobs"][0]["window"]["start"] == windows[1]["StartUtc"]


def test_concurrent_exports_take_about_the_slowest_not_the_sum(serve, tmp_path):
    app = serve(MewsApp(job_seconds=2, rows_per_file=25)).app
    types = ["Company", "Bill", "Customer", "Payment"]
    config = {**single_export_config(app, tmp_path, *types), "poll_interval_seconds": 0.25}
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts == {"companies": 10, "bills": 30, "customers": 50, "payments": 60}
    adds = app.requests_to(r"/add$")
    polls = app.requests_to(r"/getAll$")
    assert len(adds) == 4 and max(a.at for a in adds) < polls[0].at  # all created up front
    assert sorted(json.loads(polls[0].body)["ExportIds"]) == sorted(app.exports)  # one call
    # Side by side, not one after the other: no file is read before every export exists.
    assert max(a.at for a in adds) < min(r.at for r in app.requests_to(r"/files/"))


def test_backfill_windows_of_all_types_run_side_by_side(serve, tmp_path):
    app = serve(MewsApp(job_seconds=1, rows_per_file=25)).app
    config = {
        **app.demo_config(),
        "entity_types": ["Company", "Bill", "Customer"],
        "poll_interval_seconds": 0.1,
        "journal_path": str(tmp_path / "journal.json"),
    }
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts == {"companies": 10, "bills": 30, "customers": 50}
    adds = [json.loads(r.body) for r in app.requests_to(r"/add$")]
    per_type = {kind: sum(a["EntityType"] == kind for a in adds) for kind in ("Company", "Bill")}
    windows = per_type["Company"]
    assert windows >= 5 and per_type["Bill"] == windows  # 2024-01-01 to now, 180 days each
    # 3 types x windows exports of 1 s each, side by side: the first poll already asks
    # after one export of each type (one type after the other: one export a poll).
    first_poll = json.loads(app.requests_to(r"/getAll$")[0].body)["ExportIds"]
    assert len(first_poll) == 3


def test_resume_from_the_state_alone(serve, tmp_path):
    app = serve(MewsApp(job_seconds=1)).app  # outlives the first run: killed at its STATE
    changed = app.update_entities("Company", 4, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    config = {
        **app.demo_config(),
        "entity_types": ["Company"],
        "start_date": (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat(),
        "poll_interval_seconds": 0.2,
        "journal_path": str(tmp_path / "first.json"),
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        [executable(TAP), "--config", str(tmp_path / "config.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    state = None
    for line in process.stdout:  # the state recording the export comes before any poll
        message = json.loads(line)
        if message["type"] == "STATE":
            state = message["value"]
            break
    process.kill()
    process.wait()
    process.stdout.close()
    [record] = state["bookmarks"]["companies"]["pending_jobs"]
    # another machine: a new journal, only the state knows the export
    run = run_tap(TAP, {**config, "journal_path": str(tmp_path / "second.json")}, state=state)
    assert run.returncode == 0, run.stderr
    assert f"Re-attached to export {record['id']} (Company, " in run.stderr
    adds = [json.loads(r.body) for r in app.requests_to(r"/add$")]
    starts = [a["Filters"]["UpdatedUtc"]["StartUtc"] for a in adds]
    assert starts.count(record["window"]["start"]) == 1  # not created again
    assert sorted(r["Id"] for r in run.records["companies"]) == sorted(changed)
    final = run.last_state["bookmarks"]["companies"]
    assert "pending_jobs" not in final
    assert final["replication_key_value"] >= record["window"]["end"]


def test_exports_are_recorded_in_state_and_journal_before_any_poll(serve, tmp_path):
    app = serve(MewsApp(job_seconds=60)).app
    config = single_export_config(app, tmp_path, "Company", "Bill")
    tap = TapMewsExports(config=config)
    tap.start_exports()  # what a sync does first: create every type's first export
    assert app.requests_to(r"/getAll$") == []
    journal = json.loads((tmp_path / "journal.json").read_text())["jobs"]
    for entity_type, stream in (("Company", "companies"), ("Bill", "bills")):
        [record] = tap.streams[stream].stream_state["pending_jobs"]
        assert journal[entity_type] == [record]
        assert record["id"] in app.exports


def test_pending_export_without_record_gives_up_at_the_timeout(
    serve, tmp_path, export_by_another_run
):
    app = serve(MewsApp(job_seconds=60)).app
    export_by_another_run(app, "Company")
    config = {
        **single_export_config(app, tmp_path, "Company"),
        "poll_interval_seconds": 0.3,
        "export_timeout_seconds": 1.5,
    }
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert run.stderr.count("Cannot create the export for Company") == 1  # warned once
    assert "trying again while polling, for up to 1.5 s" in run.stderr
    assert "could not create the export within 1.5 s" in run.stderr
    assert "Failed entity type Company: " in run.stderr
    assert "Traceback" not in run.stderr
    # the other run's, then ours once per poll interval until the timeout has passed
    tries = app.requests_to(r"/add$")[1:]
    # (a load can only make the span longer and the tries fewer: no upper bound on time)
    assert len(tries) <= 8
    assert tries[-1].at - tries[0].at >= 1.5
