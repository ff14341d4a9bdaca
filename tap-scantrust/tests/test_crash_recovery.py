"""A run stopped while its search tasks are pending re-attaches to them next time.

Task keys go to the journal and to the campaign's state (``pending_jobs``) before any
polling. The next run polls those tasks instead of creating new ones for the same
windows (the stand-in records every request), a task the API no longer knows is
started again (logged), and every code is emitted exactly once over both runs.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter

import pytest

from sandbox.scantrust import ScantrustApp
from singer_bulk_export_kit.journal import JobJournal
from tests.singer_run import executable, run_tap

TAP = "tap-scantrust"
FULL = {101: 240, 102: 130, 103: 30}


def start_and_stop(config, tmp_path, sig):
    """Run the tap until every campaign's task key is in its STATE, then send ``sig``."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    out_path = tmp_path / "stopped.out"
    with out_path.open("w") as out, (tmp_path / "stopped.err").open("w") as err:
        process = subprocess.Popen(
            [executable(TAP), "--config", str(config_file)], stdout=out, stderr=err
        )
        deadline = time.monotonic() + 30
        while pending_keys(out_path).keys() != FULL.keys():
            assert process.poll() is None, (tmp_path / "stopped.err").read_text()
            assert time.monotonic() < deadline, "the tasks were never recorded"
            time.sleep(0.05)
        process.send_signal(sig)
        returncode = process.wait(timeout=30)
    messages = [json.loads(line) for line in out_path.read_text().splitlines() if line]
    return returncode, messages, (tmp_path / "stopped.err").read_text()


def pending_keys(out_path):
    """campaign -> task keys in the last STATE written so far."""
    states = [json.loads(line) for line in out_path.read_text().splitlines() if '"STATE"' in line]
    if not states:
        return {}
    partitions = states[-1]["value"]["bookmarks"].get("codes", {}).get("partitions", [])
    return {
        p["context"]["campaign_id"]: [job["id"] for job in p["pending_jobs"]]
        for p in partitions
        if p.get("pending_jobs")
    }


def codes_of(messages):
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == "codes"]


def first_window_creates(app):
    """Search tasks created for the first sync's open window (no updated_at range)."""
    return [r for r in app.requests_to(r"/codes/download/$") if "updated_at" not in r.query]


def finish_every_task(app):
    """The stopped run's tasks are done now, and new ones finish at once."""
    app.job_seconds = 0
    for document in app.documents.values():
        document.job_seconds = 0


@pytest.fixture
def slow(serve, tmp_path):
    """A stand-in whose tasks stay pending (until ``finish_every_task``), its tap config
    and the journal the config names."""
    app = serve(ScantrustApp(job_seconds=600)).app
    journal = tmp_path / "journal.json"
    config = {**app.demo_config(), "poll_interval_seconds": 0.05, "journal_path": str(journal)}
    return app, config, journal


def test_a_run_stopped_by_sigterm_reattaches_from_its_state(slow, tmp_path):
    app, config, journal = slow
    returncode, messages, stderr = start_and_stop(config, tmp_path, signal.SIGTERM)
    assert returncode == 143, stderr
    assert "Stopped by SIGTERM" in stderr
    assert "Traceback" not in stderr
    assert codes_of(messages) == []
    state = [m["value"] for m in messages if m["type"] == "STATE"][-1]
    keys = pending_keys(tmp_path / "stopped.out")
    assert sorted(k for ks in keys.values() for k in ks) == sorted(app.documents)
    assert len(first_window_creates(app)) == 3

    journal.unlink()  # the state alone is enough
    finish_every_task(app)
    second = run_tap(TAP, config, state=state)
    assert second.returncode == 0, second.stderr
    assert len(first_window_creates(app)) == 3  # no second task for those windows
    assert second.stderr.count("Re-attached to code search task") == 3
    codes = codes_of(second.messages)
    assert Counter(r["campaign_id"] for r in codes) == FULL
    assert len({(r["extended_id"], r["campaign_id"]) for r in codes}) == sum(FULL.values())
    # Only the gap since the stopped run is searched anew, from where its windows end.
    ends = {
        job["window"]["end"]
        for p in state["bookmarks"]["codes"]["partitions"]
        for job in p["pending_jobs"]
    }
    gaps = [r.query["updated_at"][0] for r in app.requests_to(r"/codes/download/$")[3:]]
    # (none when the rerun starts within the second the stopped run planned up to)
    assert len(gaps) in (0, 3)
    assert {gap.split(",")[0] for gap in gaps} <= ends
    final = second.last_state["bookmarks"]["codes"]["partitions"]
    assert all("pending_jobs" not in p for p in final)
    # Nothing left to re-attach to (no file at all when the rerun created no task).
    assert JobJournal(journal).read() == {}


def test_a_killed_run_reattaches_from_the_journal_and_restarts_a_forgotten_task(slow, tmp_path):
    app, config, journal = slow
    returncode, messages, _ = start_and_stop(config, tmp_path, signal.SIGKILL)
    assert returncode == -signal.SIGKILL
    recorded = json.loads(journal.read_text())["jobs"]
    assert set(recorded) == {"campaign 101", "campaign 102", "campaign 103"}
    forgotten = recorded["campaign 102"][0]["id"]
    del app.documents[forgotten]  # e.g. expired: the API answers 404 for it
    finish_every_task(app)

    second = run_tap(TAP, config)  # no state: the journal alone
    assert second.returncode == 0, second.stderr
    kept = [recorded[f"campaign {c}"][0]["id"] for c in (101, 103)]
    assert all(f"Re-attached to code search task {key} " in second.stderr for key in kept)
    assert f"Re-attached to code search task {forgotten} " not in second.stderr
    assert f"Code search task {forgotten} (campaign 102, the beginning to " in second.stderr
    assert "is no longer known to the API; creating it again" in second.stderr
    creates = first_window_creates(app)
    assert [r.query["campaign"] for r in creates] == [["101"], ["102"], ["103"], ["102"]]
    codes = codes_of(messages) + codes_of(second.messages)
    assert Counter(r["campaign_id"] for r in codes) == FULL
    assert len({(r["extended_id"], r["campaign_id"]) for r in codes}) == sum(FULL.values())
    assert json.loads(journal.read_text()) == {"jobs": {}}


def test_a_task_remembered_with_other_filters_is_searched_afresh(scantrust, config, only, tmp_path):
    from tap_scantrust.jobs import search_params

    journal = JobJournal(tmp_path / "journal.json")
    config = {**config, "campaign_ids": [103], "journal_path": str(journal.path)}
    window = {"start": None, "end": "2020-01-01T00:00:00Z"}  # past no bookmark: not done
    other = search_params({**config, "product_id": 7}, 103, window)  # an earlier filter
    journal.record("campaign 103", [{"id": "old-task", "window": window, "params": other}])
    run = run_tap(TAP, config, catalog=only(config, "codes"))
    assert run.returncode == 0, run.stderr
    assert (
        "Not re-attaching to code search task old-task (campaign 103, {'start': None, 'end': "
        "'2020-01-01T00:00:00Z'}): it asked other parameters than this run would"
    ) in run.stderr
    assert scantrust.app.requests_to(r"/documents/old-task") == []  # never polled
    assert run.counts["codes"] == FULL[103]  # every code, by a new search of its own
    assert json.loads(journal.path.read_text()) == {"jobs": {}}
