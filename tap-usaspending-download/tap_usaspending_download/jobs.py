"""USAspending downloads: the file streams' whole job lifecycle (with the kit).

``POST /api/v2/download/{awards|transactions}/`` starts a download and answers its
``file_name`` (the job id) and ``file_url``; ``GET /api/v2/download/status/?file_name=F``
reports ``status``, ``message``, ``total_rows``, ``total_size`` (KB) and
``seconds_elapsed`` until ``finished``.

USAspending cuts each file of a download at its row limit (500,000) without a word in
the file, so every window is counted first (``/api/v2/download/count/``, once per
spending level the selected streams read) and cut in halves until each part fits; a
single day still over the limit is an error naming the day.

Every part of every window, for each download kind the selected streams need, is
planned and created up front, then all are polled together (``JobOrchestrator``). File
names go to the journal and to the streams' state (``pending_downloads``) before any
polling: a run killed while waiting re-attaches to its downloads, and one the API no
longer knows (404, ``does_not_exist``) is requested again, logged. Each zip is fetched
once and removed when every selected stream of its kind read it.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing as t
from collections import Counter
from pathlib import Path

from singer_tap_kit.downloads import Download, download
from singer_tap_kit.jobs import Job, JobApi, JobOrchestrator, JobStatus
from singer_tap_kit.readers import zip_problem
from singer_tap_kit.windows import DateWindow, split_dates
from tap_usaspending_download.errors import RowLimitError, USAspendingError

if t.TYPE_CHECKING:
    from singer_tap_kit.jobs import Remember
    from singer_tap_kit.journal import JobJournal
    from tap_usaspending_download.client import USAspendingApi

PENDING = "pending_downloads"  # a stream's state key for its kind's unfinished downloads
# Every documented status word: today's, then the 2017 design's.
STATUSES = {
    "ready": JobStatus.PENDING,
    "running": JobStatus.RUNNING,
    "finished": JobStatus.COMPLETED,
    "failed": JobStatus.FAILED,
    "queued": JobStatus.PENDING,
    "complete": JobStatus.COMPLETED,
    "does_not_exist": JobStatus.EXPIRED,
}
FILE_ATTEMPTS = 4
logger = logging.getLogger("tap-usaspending-download.jobs")


class DownloadApi(JobApi):
    kind = "download"
    statuses = STATUSES

    def __init__(self, api: USAspendingApi) -> None:
        self.api = api

    def create(self, job: Job) -> str:
        answer = self.api.call("POST", f"/api/v2/download/{job.group}/", json=job.params) or {}
        if not answer.get("file_name"):
            raise USAspendingError(f"The {job.group} download request answered no file_name")
        return str(answer["file_name"])

    def poll(self, jobs: list[Job]) -> dict[str, t.Mapping[str, t.Any]]:
        answers = {}
        for job in jobs:
            answer = self.api.call(
                "GET", "/api/v2/download/status/", params={"file_name": job.id}, missing_ok=True
            )
            # A 404 (today) or does_not_exist (2017): unknown to the API, requested again.
            if answer is not None and self.word_of(answer) != "does_not_exist":
                answers[str(job.id)] = answer
        return answers

    def word_of(self, answer: t.Mapping[str, t.Any]) -> str:
        return str(answer.get("status", "")).lower()

    def progress(self, job: Job) -> str:
        rows, size = job.info.get("total_rows"), job.info.get("total_size")
        parts = [f"{rows:,} rows" if isinstance(rows, int) else ""]
        parts.append(f"{size:,} KB" if isinstance(size, int | float) else "")
        return ", ".join(part for part in parts if part)

    def file_url(self, job: Job) -> str:
        # file_url today; the 2017 design's `url` (empty until the file is ready).
        url = job.info.get("file_url") or job.info.get("url")
        if not url:
            raise USAspendingError(f"The download {job.id} finished without a file URL")
        return str(url)


class Downloads:
    """Plans every download of the run, creates them up front and hands out their zips."""

    def __init__(
        self,
        api: USAspendingApi,
        config: t.Mapping[str, t.Any],
        *,
        levels: t.Collection[str],
        columns: list[str] | None,
        run_date: dt.date,
        workdir: Path,
        journal: JobJournal | None,
        remember: Remember | None,
    ) -> None:
        self.api = api
        self.filters = dict(config.get("filters") or {})
        self.date_type = config["date_type"]
        self.window_days = int(config["window_days"])
        self.levels = frozenset(levels)
        self.columns = columns
        self.run_date = run_date
        self.workdir = workdir
        self.max_wait = api.http.policy.max_wait  # the tap's one cap on any wait
        self.jobs = DownloadApi(api)
        self.orchestrator = JobOrchestrator(
            self.jobs,
            poll_interval=float(config["poll_interval_seconds"]),
            timeout=float(config["job_timeout_seconds"]),
            max_attempts=int(config["download_attempts"]),
            journal=journal,
            remember=remember,
        )
        self.readers: Counter[str] = Counter()  # selected streams per download kind
        self._read: Counter[str] = Counter()  # streams done with each job's zip
        self._zips: dict[str, Path] = {}
        self._fitting: dict[DateWindow, list[DateWindow]] = {}

    # -- planning ------------------------------------------------------------------
    def plan(
        self, group: str, start: dt.date, covered: str | None, stored: list[dict[str, t.Any]]
    ) -> None:
        """Resume ``group``'s unfinished downloads, then plan windows from where they end.

        ``start`` is the first day still to read; ``covered`` the last day every reader
        of the group has emitted (downloads ending there or before are not resumed)."""
        resumed = self.orchestrator.resume(group, self._resumable(covered, stored))
        if resumed:
            start = dt.date.fromisoformat(resumed[-1].window["end"]) + dt.timedelta(days=1)
        for window in split_dates(start, self.run_date, self.window_days):
            for part in self.fitting(window):
                self.orchestrator.add(group, part.as_dict(), self.body(part))

    def start(self) -> None:
        self.orchestrator.start()
        under_way = sum(1 for jobs in self.orchestrator.groups.values() for job in jobs if job.id)
        logger.info("%d download(s) under way; polling them together", under_way)

    def body(self, window: DateWindow) -> dict[str, t.Any]:
        body: dict[str, t.Any] = {"filters": self.window_filters(window), "file_format": "csv"}
        if self.columns:
            body["columns"] = self.columns
        return body

    def window_filters(self, window: DateWindow) -> dict[str, t.Any]:
        period = {
            "start_date": window.start.isoformat(),
            "end_date": window.end.isoformat(),
            "date_type": self.date_type,
        }
        return {**self.filters, "time_period": [period]}

    def fitting(self, window: DateWindow) -> list[DateWindow]:
        """``window`` cut (in halves, recursively) until each part fits the row limit of
        every file the selected streams read (awards, transactions, subawards)."""
        if window not in self._fitting:
            over = [
                answer for level in sorted(self.levels) if (answer := self._over(window, level))
            ]
            if not over:
                self._fitting[window] = [window]
            else:
                level, count, limit = over[0]
                if window.days == 1:
                    raise RowLimitError(
                        f"{window.start.isoformat()} alone holds {count} {level} rows, over "
                        f"the download limit of {limit}: narrow the filters for that day."
                    )
                logger.info(
                    "%s holds %s %s rows (limit %s): splitting", window, count, level, limit
                )
                first, second = window.halves()
                self._fitting[window] = self.fitting(first) + self.fitting(second)
        return self._fitting[window]

    def _over(self, window: DateWindow, level: str) -> tuple[str, t.Any, t.Any] | None:
        """(level, count, limit) when ``window`` holds more ``level`` rows than a file may."""
        body = {"filters": self.window_filters(window), "spending_level": level}
        answer = self.api.call("POST", "/api/v2/download/count/", json=body) or {}
        # Current names first, then the transaction_* ones the API still sends.
        count = _first(answer, "calculated_count", "calculated_transaction_count")
        limit = _first(answer, "maximum_limit", "maximum_transaction_limit")
        over = _first(answer, "rows_gt_limit", "transaction_rows_gt_limit")
        if over is None and isinstance(count, int) and isinstance(limit, int):
            over = count > limit
        if over is None:
            raise USAspendingError(
                f"/api/v2/download/count/ answered without a row count: {answer}"
            )
        return (level, count, limit) if over else None

    def _resumable(
        self, covered: str | None, stored: list[dict[str, t.Any]]
    ) -> list[dict[str, t.Any]]:
        """Stored downloads still worth re-attaching to: past the bookmark, same request."""
        kept = []
        for record in stored:
            try:
                window = DateWindow.from_dict(record["window"])
            except (KeyError, TypeError, ValueError):
                continue
            if covered and window.end.isoformat() <= covered:
                continue  # emitted already (the run stopped before forgetting it)
            if record.get("params") != self.body(window):
                logger.info(
                    "Not re-attaching to download %s (%s): the filters or columns changed",
                    record.get("id"),
                    window,
                )
                continue
            kept.append(record)
        return kept

    # -- the files -----------------------------------------------------------------
    def zip_of(self, job: Job) -> Path:
        """The job's zip on disk, fetched once for every stream that reads it."""
        if job.id not in self._zips:
            self._zips[str(job.id)] = download(
                Download(
                    label=f"{job.label} (download {job.id})",
                    link=lambda _attempt: self.jobs.file_url(job),
                    workdir=self.workdir,
                    suffix=".zip",
                    attempts=FILE_ATTEMPTS,
                    check=zip_problem,  # a zip cut short without a Content-Length
                    max_wait=self.max_wait,
                )
            )
        return self._zips[str(job.id)]

    def done(self, job: Job) -> None:
        """One stream read the job's zip; the last of its kind's readers releases it."""
        self._read[str(job.id)] += 1
        if self._read[str(job.id)] >= self.readers[job.group]:
            path = self._zips.pop(str(job.id), None)
            if path is not None:
                path.unlink(missing_ok=True)
            self.orchestrator.finished(job)


def _first(answer: t.Mapping[str, t.Any], *names: str) -> t.Any:
    return next((answer[n] for n in names if answer.get(n) is not None), None)
