"""The download lifecycle on the kit: all downloads created up front and polled together,
every documented status word mapped, an unknown one an error at once, re-attaching
after a crash, and clean one-line failures."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest
from tap_usaspending_download.jobs import DownloadApi

from singer_bulk_export_kit.errors import UnknownJobStatusError
from singer_bulk_export_kit.jobs import Job, JobStatus
from singer_bulk_export_kit.journal import JobJournal
from tests.singer_run import executable, run_tap

TAP = "tap-usaspending-download"


def test_every_documented_status_word_is_mapped_and_an_unknown_one_is_an_error():
    api = DownloadApi(api=None)
    job = Job(group="awards", window={"start": "2024-01-01", "end": "2024-12-31"}, id="F.zip")
    words = {w: api.status_of(job, w) for w in ("ready", "running", "finished", "failed")}
    legacy = {w: api.status_of(job, w) for w in ("queued", "complete", "does_not_exist")}
    assert words == {
        "ready": JobStatus.PENDING,
        "running": JobStatus.RUNNING,
        "finished": JobStatus.COMPLETED,
        "failed": JobStatus.FAILED,
    }
    assert legacy == {
        "queued": JobStatus.PENDING,
        "complete": JobStatus.COMPLETED,
        "does_not_exist": JobStatus.EXPIRED,
    }
    with pytest.raises(UnknownJobStatusError, match="reported the status 'paused'"):
        api.status_of(job, "paused")


def test_progress_shows_rows_and_size():
    api = DownloadApi(api=None)
    job = Job(group="awards", window={}, id="F.zip", info={"total_rows": 12000})
    assert api.progress(job) == "12,000 rows"
    job.info = {"total_rows": 12000, "total_size": 1234.5, "status": "finished"}
    assert api.progress(job) == "12,000 rows, 1,234.5 KB"
    job.info = {"status": "running"}
    assert api.progress(job) == ""


def test_closed_port_fails_fast_naming_the_url_and_a_misspelled_setting_is_named(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {
        "api_url": f"http://127.0.0.1:{port}",
        "start_date": "2024-01-01",
        "window_dayz": 30,
        "journal_path": str(tmp_path / "journal.json"),
    }
    run = run_tap(TAP, config)
    assert run.returncode == 1
    # Fast: the waits asked for (1, 2, 4 s +-25%), not the wall clock, a load stretches.
    assert [round(wait / 2**n) for n, wait in enumerate(run.retry_waits)] == [1, 1, 1]
    last = run.stderr.strip().splitlines()[-1]
    assert re.search(
        f"Could not reach USAspending at http://127.0.0.1:{port}/api/v2/download/count/: "
        r"connection refused \(4 tries over \d+ s\)\.$",
        last,
    ), last
    assert run.stderr.count("WARNING") >= 3  # each retry, and the unknown setting
    assert "got connection refused; retrying in" in run.stderr
    assert "Unknown setting 'window_dayz' is ignored; did you mean 'window_days'?" in run.stderr
    assert "Traceback" not in run.stderr


def test_downloads_of_every_window_and_kind_are_created_before_the_first_poll(usa, config):
    run = run_tap(TAP, {**config, "window_days": 120})
    assert run.returncode == 0, run.stderr
    assert run.counts["contracts_prime_transactions"] == 300
    paths = [r.path for r in usa.app.requests]
    windows = paths.count("/api/v2/download/count/") // 3  # awards, transactions, subawards
    created = [i for i, p in enumerate(paths) if p.rstrip("/").endswith(("awards", "transactions"))]
    first_poll = paths.index("/api/v2/download/status/")
    assert windows == 9
    assert len(created) == 2 * windows  # one per window and download kind
    assert max(created) < first_poll
    assert f"{2 * windows} download(s) under way; polling them together" in run.stderr


def test_an_unknown_status_word_stops_the_run_at_once(usa, config):
    usa.app.job_seconds = 30
    usa.app.running_word = "paused"
    run = run_tap(TAP, {**config, "window_days": 5000})  # one download of each kind
    assert run.returncode == 1
    assert "reported the status 'paused', which this tap does not know (known: " in run.stderr
    assert len(usa.app.requests_to(r"/download/status/")) == 2  # one poll of both downloads
    assert usa.app.requests_to(r"/files/") == []
    assert "Traceback" not in run.stderr


def killed_while_waiting(usa, config, tmp_path):
    """Run the tap until it polls, then kill it (SIGKILL: nothing gets flushed)."""
    usa.app.job_seconds = 3600  # the downloads do not finish while the tap waits
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with (tmp_path / "stderr").open("w") as stderr:
        tap = subprocess.Popen(
            [executable(TAP), "--config", str(path)], stdout=subprocess.PIPE, stderr=stderr
        )
    deadline = time.monotonic() + 30
    while not usa.app.requests_to(r"/download/status/") and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(tap.pid, signal.SIGKILL)
    stdout, _ = tap.communicate(timeout=30)
    usa.app.job_seconds = 0.05  # now every download is finished
    states = [m["value"] for m in map(json.loads, stdout.splitlines()) if m["type"] == "STATE"]
    return states[-1] if states else None


@pytest.mark.parametrize("kept_in", ["journal", "state"])
def test_a_run_killed_while_waiting_reattaches_to_its_downloads(usa, config, tmp_path, kept_in):
    state = killed_while_waiting(usa, config, tmp_path)
    created = len(usa.app.requests_to(r"/download/(awards|transactions)/"))
    assert created == 2 * 3  # download kinds x windows of 400 days
    pending = state["bookmarks"]["contracts_prime_transactions"]["pending_jobs"]
    assert len(pending) == 3
    if kept_in == "state":
        os.remove(config["journal_path"])
    else:
        state = None
    run = run_tap(TAP, config, state=state)
    assert run.returncode == 0, run.stderr
    assert len(usa.app.requests_to(r"/download/(awards|transactions)/")) == created
    assert run.stderr.count("Re-attached to download") == created
    keys = [
        r["contract_transaction_unique_key"] for r in run.records["contracts_prime_transactions"]
    ]
    assert len(keys) == len(set(keys)) == 300  # every row exactly once
    assert run.counts["contracts_subawards"] == 40
    assert run.counts["assistance_prime_transactions"] == 200
    assert "pending_jobs" not in json.dumps(run.last_state)
    with open(config["journal_path"]) as journal:
        assert json.load(journal) == {"jobs": {}}


def test_end_date_bounds_the_windows(serve, tmp_path):
    from sandbox.usaspending import USAspendingApp

    app = serve(USAspendingApp(job_seconds=0.05)).app
    config = {
        **app.demo_config(),
        "poll_interval_seconds": 0.05,
        "start_date": "2024-01-01",
        "end_date": "2024-03-31",
        "window_days": 45,
        "journal_path": str(tmp_path / "journal.json"),
    }
    run = run_tap("tap-usaspending-download", config)
    assert run.returncode == 0, run.stderr
    periods = {
        (p["start_date"], p["end_date"])
        for request in app.requests_to(r"/download/count/")
        for p in json.loads(request.body)["filters"]["time_period"]
    }
    assert max(end for _, end in periods) == "2024-03-31"
    assert min(start for start, _ in periods) == "2024-01-01"
    state = run.last_state["bookmarks"]
    assert {b["replication_key_value"] for b in state.values() if b} == {"2024-03-31"}
    refused = run_tap("tap-usaspending-download", {**config, "end_date": "2023-12-31"})
    assert refused.returncode == 1
    assert "end_date: must not be before start_date" in refused.stderr


def test_a_download_remembered_with_other_columns_is_requested_afresh(usa, config):
    window = {"start": "2024-01-01", "end": "2025-02-03"}  # the first window this run plans
    period = {**window, "date_type": "last_modified_date"}
    other = {
        "filters": {**config["filters"], "time_period": [{**period}]},
        "file_format": "csv",
        "columns": ["award_id_piid"],  # an earlier run's columns setting
    }
    JobJournal(config["journal_path"]).record(
        "transactions", [{"id": "old.zip", "window": window, "params": other}]
    )
    run = run_tap(TAP, {**config, "window_days": 5000})  # one download of each kind
    assert run.returncode == 0, run.stderr
    assert (
        "Not re-attaching to download old.zip (transactions, {'start': '2024-01-01', 'end': "
        "'2025-02-03'}): it asked other parameters than this run would"
    ) in run.stderr
    polled = [n for r in usa.app.requests_to(r"/download/status/") for n in r.query["file_name"]]
    assert len(polled) >= 2 and "old.zip" not in polled
    assert len(usa.app.requests_to(r"/download/transactions/")) == 1  # asked afresh
    assert run.counts["contracts_prime_transactions"] == 300
