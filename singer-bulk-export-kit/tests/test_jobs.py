"""The async job core against a scripted provider (no HTTP: the provider's calls are the
tap's business; the orchestration is the kit's)."""

from __future__ import annotations

import logging

import pytest

from singer_bulk_export_kit.errors import JobFailedError, UnknownJobStatusError
from singer_bulk_export_kit.jobs import (
    JobApi,
    JobBusyError,
    JobOrchestrator,
    JobRefusedError,
    JobStatus,
    unfinished_jobs,
)
from singer_bulk_export_kit.journal import JobJournal


class ScriptedApi(JobApi):
    """Each job runs for ``polls`` polls, then ends with ``outcome`` (per group)."""

    kind = "export"
    statuses = {
        "queued": JobStatus.PENDING,
        "working": JobStatus.RUNNING,
        "done": JobStatus.COMPLETED,
        "failed": JobStatus.FAILED,
    }

    def __init__(self, polls=1, outcomes=None, refuse=(), busy=0, journal=None):
        self.polls = polls
        self.outcomes = dict(outcomes or {})  # group -> list of final words, one per attempt
        self.refuse = set(refuse)
        self.busy = busy
        self.journal = journal
        self.created: list[tuple[str, dict]] = []
        self.poll_calls: list[list[str]] = []
        self.journal_at_first_poll = None
        self.seen: dict[str, int] = {}
        self.group_of: dict[str, str] = {}
        self.words: dict[str, str] = {}
        self.forgotten: set[str] = set()

    def create(self, job):
        if job.group in self.refuse:
            raise JobRefusedError(f"Invalid filters for {job.group}")
        if self.busy:
            self.busy -= 1
            raise JobBusyError("another export of this type is pending")
        job_id = f"job-{len(self.created) + 1}"
        self.created.append((job.group, job.window))
        self.group_of[job_id] = job.group
        return job_id

    def poll(self, jobs):
        if self.journal_at_first_poll is None and self.journal is not None:
            self.journal_at_first_poll = self.journal.read()
        self.poll_calls.append([job.id for job in jobs])
        answers = {}
        for job in jobs:
            if job.id in self.forgotten:
                continue
            if job.id in self.words:
                answers[job.id] = {"status": self.words[job.id], "rows": 5}
                continue
            count = self.seen[job.id] = self.seen.get(job.id, 0) + 1
            if count <= self.polls:
                answers[job.id] = {"status": "working", "rows": 10 * count}
                continue
            finals = self.outcomes.get(self.group_of.get(job.id, job.group), [])
            answers[job.id] = {"status": finals.pop(0) if finals else "done", "rows": 99}
        return answers

    def progress(self, job):
        return f"{job.info.get('rows', 0)} rows"


def plan(jobs, group, state, *, windows, params_of=lambda window: {}, bookmark=None):
    """Plan ``group`` as a tap does; returns where ``windows_after`` was asked to start."""
    asked = []
    jobs.plan(
        group,
        [state],
        bookmark=bookmark,
        params_of=params_of,
        windows_after=lambda end: asked.append(end) or windows,
    )
    return asked


def orchestrator(api, clock, **kwargs):
    kwargs.setdefault("poll_interval", 5)
    kwargs.setdefault("timeout", 3600)
    return JobOrchestrator(api, clock=clock, sleep=clock.sleep, **kwargs)


def test_all_jobs_are_created_up_front_and_polled_together(clock):
    api = ScriptedApi(polls=2)
    jobs = orchestrator(api, clock)
    for group in ("a", "b", "c"):
        jobs.add(group, {"start": "1", "end": "2"})
    jobs.start()
    assert len(api.created) == 3 and api.poll_calls == []
    for job in jobs.jobs("a") + jobs.jobs("b") + jobs.jobs("c"):
        assert jobs.wait(job).status is JobStatus.COMPLETED
    assert api.poll_calls[0] == ["job-1", "job-2", "job-3"]
    assert len(api.poll_calls) == 3  # the three jobs finished together
    assert clock.sleeps == [5, 5]


def test_an_unknown_status_is_an_error_at_once(clock):
    api = ScriptedApi(polls=0, outcomes={"a": ["archived"]})
    jobs = orchestrator(api, clock)
    job = jobs.add("a", {})
    jobs.start()
    with pytest.raises(UnknownJobStatusError) as caught:
        jobs.wait(job)
    assert "reported the status 'archived', which this tap does not know" in str(caught.value)
    assert "known: done, failed, queued, working" in str(caught.value)
    assert clock.sleeps == []


def test_a_failed_job_is_created_again_then_fails_its_group_only(clock):
    api = ScriptedApi(polls=0, outcomes={"a": ["failed", "failed"], "b": ["failed"]})
    jobs = orchestrator(api, clock, max_attempts=2)
    job_a, job_b = jobs.add("a", {}), jobs.add("b", {})
    jobs.start()
    assert jobs.wait(job_b).status is JobStatus.COMPLETED  # failed once, then done
    with pytest.raises(JobFailedError) as caught:
        jobs.wait(job_a)
    assert str(caught.value) == "a: export job-3 ended 'failed'; tried 2 time(s)"
    assert [group for group, _ in api.created] == ["a", "b", "a", "b"]


def test_a_refused_job_fails_its_group_and_the_others_go_on(clock, caplog):
    api = ScriptedApi(polls=1, refuse={"ledger"})
    jobs = orchestrator(api, clock)
    ledger, orders = jobs.add("ledger", {}), jobs.add("orders", {})
    later = jobs.add("ledger", {"start": "2", "end": "3"})
    jobs.start()
    with pytest.raises(JobFailedError, match="ledger: Invalid filters for ledger"):
        jobs.wait(ledger)
    with pytest.raises(JobFailedError, match="not run, an earlier window failed"):
        jobs.wait(later)
    assert jobs.wait(orders).status is JobStatus.COMPLETED


def test_job_ids_are_journalled_and_remembered_before_any_polling(clock, tmp_path):
    journal = JobJournal(tmp_path / "journal.json")
    state, written = {}, []
    api = ScriptedApi(polls=1, journal=journal)
    jobs = orchestrator(
        api, clock, journal=journal, write_state=lambda: written.append(dict(state))
    )
    window = {"start": "2024-01-01", "end": "2024-02-01"}
    plan(jobs, "a", state, windows=[window], params_of=lambda window: {"kind": "x"})
    jobs.start()
    [job] = jobs.jobs("a")
    jobs.wait(job)
    record = {
        "id": "job-1",
        "window": {"start": "2024-01-01", "end": "2024-02-01"},
        "params": {"kind": "x"},
        "created_utc": job.created_utc,
    }
    assert api.journal_at_first_poll == {"a": [record]}
    assert written == [{"pending_jobs": [record]}]  # emitted once, before any poll
    jobs.finished(job)  # its rows were emitted: forgotten
    assert journal.read() == {} and state == {}


def test_a_new_run_reattaches_and_replaces_a_job_the_api_forgot(clock, caplog):
    api = ScriptedApi(polls=1)
    api.words = {"old-1": "working"}
    api.forgotten = {"old-2"}
    jobs = orchestrator(api, clock)
    resumed = jobs.resume("a", [{"id": "old-1", "window": {"end": "1"}}])
    gone = jobs.resume("b", [{"id": "old-2", "window": {"end": "1"}}])
    with caplog.at_level(logging.INFO, "singer_bulk_export_kit.jobs"):
        jobs.start()
    assert resumed[0].id == "old-1" and resumed[0].status is JobStatus.RUNNING
    assert api.created == [("b", {"end": "1"})]  # only the forgotten one is created again
    assert gone[0].id == "job-1"
    messages = [r.getMessage() for r in caplog.records]
    assert (
        "Re-attached to export old-1 (a, the beginning to 1) created by an earlier run: "
        "working" in messages
    )
    assert (
        "Export old-2 (b, the beginning to 1) is no longer known to the API; creating it "
        "again" in messages
    )


def test_serial_groups_run_one_job_at_a_time(clock):
    api = ScriptedApi(polls=1)
    jobs = orchestrator(api, clock, serial_groups=True)
    first, second = jobs.add("a", {"end": "1"}), jobs.add("a", {"end": "2"})
    other = jobs.add("b", {"end": "1"})
    jobs.start()
    assert [group for group, _ in api.created] == ["a", "b"]
    jobs.wait(first)
    assert second.id is not None  # created as soon as the first one completed
    jobs.wait(second), jobs.wait(other)
    assert len(api.created) == 3


def test_a_job_past_its_deadline_fails_with_its_last_status(clock):
    api = ScriptedApi(polls=10**6)
    jobs = orchestrator(api, clock, timeout=60)
    job = jobs.add("a", {})
    jobs.start()
    with pytest.raises(JobFailedError) as caught:
        jobs.wait(job)
    assert str(caught.value) == "a: export job-1 did not finish within 60 s (last status 'working')"
    assert sum(clock.sleeps) == 60


def test_a_busy_api_is_asked_again_while_polling(clock):
    api = ScriptedApi(polls=0, busy=2)
    jobs = orchestrator(api, clock)
    job = jobs.add("a", {})
    jobs.start()
    assert jobs.wait(job).status is JobStatus.COMPLETED
    assert job.id == "job-1"


def test_while_jobs_wait_a_line_every_10_s_says_how_many_and_the_longest_wait(clock, caplog):
    api = ScriptedApi(polls=2)
    jobs = orchestrator(api, clock, poll_interval=25)  # longer than the 10 s between lines
    with caplog.at_level(logging.INFO, "singer_bulk_export_kit.jobs"):
        first = jobs.add("a", {})
        jobs.start()
        clock.sleep(4)
        jobs.add("b", {})  # created at once: the run has started
        jobs.wait(first)
    assert [r.getMessage() for r in caplog.records] == [
        "Created export job-1 for a",
        "1 export(s) under way; polling them together",
        "Created export job-2 for b",
        "Export job-1 (a): working",  # a status change: one line each
        "Export job-2 (b): working",
        "2 export(s) pending; the longest has waited 14 s: Export job-1 (a), working, 10 rows",
        "2 export(s) pending; the longest has waited 24 s: Export job-1 (a), working, 10 rows",
        "2 export(s) pending; the longest has waited 34 s: Export job-1 (a), working, 20 rows",
        "2 export(s) pending; the longest has waited 44 s: Export job-1 (a), working, 20 rows",
        "Export job-1 (a): done",
        "Export job-2 (b): done",
    ]
    assert clock.sleeps == [4, 10, 10, 5, 5, 10, 10]  # two polls 25 s apart, lines between


def test_short_jobs_wait_quietly(clock, caplog):
    jobs = orchestrator(ScriptedApi(polls=1), clock, poll_interval=5)
    job = jobs.add("a", {})
    jobs.start()
    with caplog.at_level(logging.INFO, "singer_bulk_export_kit.jobs"):
        caplog.clear()  # what start() said, if another test left the logger at INFO
        jobs.wait(job)
    assert [r.getMessage() for r in caplog.records] == [
        "Export job-1 (a): working",
        "Export job-1 (a): done",
    ]
    assert clock.sleeps == [5]


def test_only_remembered_jobs_past_the_bookmark_asking_the_same_are_reattached(
    clock, tmp_path, caplog
):
    def params_of(window):
        return {"filter": "x", "to": window["end"]}

    def old(job_id, end, **params):
        return {
            "id": job_id,
            "window": {"end": end},
            "params": {**params_of({"end": end}), **params},
        }

    journal = JobJournal(tmp_path / "journal.json")
    journal.record("a", [old("c", "2024-04-01")])  # the journal and the state are merged
    # The state of the previous release: read, then kept under pending_jobs.
    state = {"pending_downloads": [old("covered", "2024-02-01"), old("b", "2024-03-01")]}
    other_state = {"pending_jobs": [old("other", "2024-03-01", filter="y")]}
    api = ScriptedApi(polls=1)
    api.words = {"b": "working", "c": "working"}
    jobs = orchestrator(api, clock, journal=journal)
    later = {"start": "2024-04-01", "end": "2024-05-01"}
    with caplog.at_level(logging.INFO, "singer_bulk_export_kit.jobs"):
        after = plan(jobs, "a", state, windows=[later], params_of=params_of, bookmark="2024-02-01")
        assert after == ["2024-04-01"]  # new windows start after the last one kept
        after = plan(jobs, "b", other_state, windows=[{"end": "2024-03-01"}], params_of=params_of)
        assert after == [None]
        jobs.start()
    assert [job.id for job in jobs.jobs("a")] == ["b", "c", "job-1"]
    assert [job.id for job in jobs.jobs("b")] == ["job-2"]  # other filters: asked afresh
    assert api.created == [("a", later), ("b", {"end": "2024-03-01"})]
    assert "pending_downloads" not in state
    assert state["pending_jobs"] == [job.record() for job in jobs.jobs("a")]
    assert other_state["pending_jobs"] == [jobs.jobs("b")[0].record()]
    messages = [r.getMessage() for r in caplog.records]
    assert (
        "Not re-attaching to export other (b, {'end': '2024-03-01'}): it asked other "
        "parameters than this run would" in messages
    )
    assert sum("Re-attached to export" in message for message in messages) == 2


def test_unfinished_jobs_merge_state_and_journal_and_skip_covered_windows():
    state = {
        "pending_jobs": [
            {"id": "a", "window": {"start": "2024-01-01", "end": "2024-02-01"}},  # covered
            {"id": "b", "window": {"start": "2024-02-01", "end": "2024-03-01"}},
        ],
    }
    journal = [
        {"id": "b2", "window": {"start": "2024-02-01", "end": "2024-03-01"}},  # newer copy
        {"id": "c", "window": {"start": "2024-03-01", "end": "2024-04-01"}},
        {"window": {"end": "2024-05-01"}},  # no id: never created
    ]
    assert [r["id"] for r in unfinished_jobs([state], journal, "2024-02-01")] == ["b2", "c"]
    # A bookmark with an offset: compared as an instant, not as text.
    assert [r["id"] for r in unfinished_jobs([state], [], "2024-02-01T00:00:00+00:00")] == ["b"]


def test_a_failed_group_is_forgotten_so_the_next_run_starts_afresh(clock, tmp_path):
    journal = JobJournal(tmp_path / "journal.json")
    state = {}
    api = ScriptedApi(polls=1)
    jobs = orchestrator(api, clock, journal=journal)
    plan(jobs, "a", state, windows=[{"end": "1"}])
    jobs.start()
    [job] = jobs.jobs("a")
    assert journal.read() == {"a": [job.record()]} == {"a": state["pending_jobs"]}
    jobs.fail_group("a", "a: the file is damaged")
    assert journal.read() == {} and state == {}
    with pytest.raises(JobFailedError, match="the file is damaged"):
        jobs.wait(job)
