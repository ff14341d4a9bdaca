"""The search task's status words and progress, without a network."""

from __future__ import annotations

import time

import pytest
from tap_scantrust.jobs import CodeSearchApi

from sandbox.scantrust import Document, ScantrustApp
from singer_bulk_export_kit.errors import UnknownJobStatusError
from singer_bulk_export_kit.jobs import Job, JobStatus


class Answers:
    """Stands in for ScantrustApi: one status answer per document key."""

    def __init__(self, answers):
        self.answers = answers

    def get(self, path, params=None, *, missing_ok=False):
        return self.answers.get(path.rsplit("/", 1)[-1])


def test_every_status_word_of_the_stand_in_is_mapped():
    app = ScantrustApp()
    words = set()
    # Job ages far from the stand-in's thresholds (half of job_seconds, job_seconds), so
    # a slow machine between here and its clock read cannot change a word.
    for elapsed, fail in [(0, False), (75, False), (200, False), (200, True)]:
        created = time.time() - elapsed
        document = Document("k", 101, {}, created, codes=[], fail=fail, job_seconds=100)
        words.add(app._status(document))
    assert words == {"pending", "processing", "complete", "failed"}
    api = CodeSearchApi(Answers({}))
    job = Job(group="campaign 101", window={}, id="k")
    assert [api.status_of(job, w) for w in ("pending", "processing", "complete", "failed")] == [
        JobStatus.PENDING,
        JobStatus.RUNNING,
        JobStatus.COMPLETED,
        JobStatus.FAILED,
    ]


def test_an_unknown_status_word_stops_at_once_naming_it():
    api = CodeSearchApi(Answers({}))
    job = Job(group="campaign 101", window={}, id="k1")
    with pytest.raises(UnknownJobStatusError, match=r"k1 \(campaign 101\).*'archived'"):
        api.status_of(job, api.word_of({"status": "Archived"}))


def test_poll_reports_rows_and_leaves_out_documents_the_api_forgot():
    api = CodeSearchApi(Answers({"k1": {"status": "complete", "row_count": 12345}}))
    jobs = [Job(group="campaign 101", window={}, id=key) for key in ("k1", "gone")]
    answers = api.poll(jobs)
    assert list(answers) == ["k1"]  # "gone": a 404, so the orchestrator starts it again
    jobs[0].info = dict(answers["k1"])
    assert api.progress(jobs[0]) == "12,345 rows"
    assert api.progress(jobs[1]) == ""
