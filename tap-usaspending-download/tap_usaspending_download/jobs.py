"""USAspending downloads: the file streams' whole job lifecycle (with the kit). Files are
cut at the row limit without a word, so each window is counted first and halved until it
fits; file names are kept before any polling, so a killed run re-attaches.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import typing as t
from collections import Counter
from pathlib import Path

from singer_bulk_export_kit.downloads import Download, download
from singer_bulk_export_kit.jobs import Job, JobApi, JobOrchestrator, JobStatus
from singer_bulk_export_kit.readers import zip_problem
from singer_bulk_export_kit.windows import DateWindow, split_dates
from tap_usaspending_download.client import USAspendingApi
from tap_usaspending_download.columns import request_columns
from tap_usaspending_download.errors import USAspendingError

if t.TYPE_CHECKING:
    from tap_usaspending_download.tap import TapUSAspendingDownload

logger = logging.getLogger("tap-usaspending-download.jobs")


class DownloadApi(JobApi):
    kind = "download"
    # Every documented status word: today's, then the 2017 design's.
    statuses = {
        "ready": JobStatus.PENDING,
        "running": JobStatus.RUNNING,
        "finished": JobStatus.COMPLETED,
        "failed": JobStatus.FAILED,
        "queued": JobStatus.PENDING,
        "complete": JobStatus.COMPLETED,
        "does_not_exist": JobStatus.EXPIRED,
    }

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
        rows_text = f"{rows:,} rows" if isinstance(rows, int) else ""
        size_text = f"{size:,} KB" if isinstance(size, int | float) else ""
        return ", ".join(filter(None, [rows_text, size_text]))

    def file_url(self, job: Job) -> str:
        # file_url today; the 2017 design's `url` (empty until the file is ready).
        url = job.info.get("file_url") or job.info.get("url")
        if not url:
            raise USAspendingError(f"The download {job.id} finished without a file URL")
        return str(url)


class Downloads:
    """Every download of the run (resumed or created up front, polled together), its zip."""

    def __init__(self, tap: TapUSAspendingDownload) -> None:
        self.config = config = tap.config
        self.api = USAspendingApi(config["api_url"], tap.retry_policy)
        self.readers = {  # the selected streams reading each download kind's zip
            group: [s for s in tap.file_streams if tap.download_of[s.name] == group]
            for group in dict.fromkeys(tap.download_of.values())
        }
        self.columns = {  # each download asks for its own streams' columns only
            group: request_columns(config.get("columns") or [], [s.kind for s in streams])
            for group, streams in self.readers.items()
        }
        self.rows_in: dict[str, dict[str, int]] = {}  # records per file of each zip (counts)
        self.workdir = tap.workdir
        self.jobs = DownloadApi(self.api)
        self.orchestrator = JobOrchestrator(
            self.jobs,
            poll_interval=float(config["poll_interval_seconds"]),
            timeout=float(config["job_timeout_seconds"]),
            max_attempts=int(config["download_attempts"]),
            journal=tap.journal,
            write_state=tap.file_streams[0].write_state_now,  # the whole state: any stream
        )
        # Every file kind the selected streams read must fit the row limit.
        self.levels = sorted({stream.kind.level for stream in tap.file_streams})
        self._read: Counter[str] = Counter()  # streams done with each job's zip
        self._zips: dict[str, Path] = {}
        self._fitting: dict[DateWindow, list[DateWindow]] = {}
        today = dt.datetime.now(dt.UTC).date()
        end = config.get("end_date")  # the windows' last day: end_date, never after today
        self.last_day = min(dt.date.fromisoformat(str(end)[:10]), today) if end else today
        for group, streams in self.readers.items():
            # Downloads ending on or before the last day every reader emitted are done.
            bookmarks = [stream.bookmark for stream in streams]
            self.orchestrator.plan(
                group,
                [stream.stream_state for stream in streams],
                bookmark=None if None in bookmarks else min(t.cast(list[str], bookmarks)),
                params_of=functools.partial(self.body, group),
                windows_after=functools.partial(self.windows, streams),
            )
        self.orchestrator.start()

    def windows(self, streams: list, resumed_end: str | None) -> list[dict[str, t.Any]]:
        """Windows still to download for ``streams``' kind, each fitting the row limit:
        after the re-attached ones, else from the earliest first day of its streams."""
        start = min(stream.first_day() for stream in streams)
        if resumed_end:
            start = dt.date.fromisoformat(resumed_end) + dt.timedelta(days=1)
        windows = split_dates(start, self.last_day, int(self.config["window_days"]))
        return [part.as_dict() for window in windows for part in self.fitting(window)]

    def body(self, group: str, window: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        """The request of ``group``'s download of one window (its identity, ``params_of``)."""
        columns = {"columns": self.columns[group]} if self.columns[group] else {}
        filters = time_period_filters(self.config, DateWindow.from_dict(window))
        return {"filters": filters, "file_format": "csv", **columns}

    def fitting(self, window: DateWindow) -> list[DateWindow]:
        """``window`` halved until each part fits the row limit of every file read."""
        if window in self._fitting:
            return self._fitting[window]
        over = [answer for level in self.levels if (answer := self._over(window, level))]
        parts = [window]
        if over:
            level, count, limit = over[0]
            if window.days == 1:
                raise USAspendingError(
                    f"{window.start.isoformat()} alone holds {count} {level} rows, over "
                    f"the download limit of {limit}: narrow the filters for that day."
                )
            logger.info("%s holds %s %s rows (limit %s): splitting", window, count, level, limit)
            first, second = window.halves()
            parts = self.fitting(first) + self.fitting(second)
        self._fitting[window] = parts
        return parts

    def _over(self, window: DateWindow, level: str) -> tuple[str, t.Any, t.Any] | None:
        """(level, count, limit) when ``window`` holds more ``level`` rows than a file may."""
        answer = count_answer(self.api, self.config, window, level)
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

    def zip_of(self, job: Job) -> Path:
        """The job's zip on disk, fetched once for every stream that reads it."""
        if str(job.id) not in self._zips:
            self._zips[str(job.id)] = download(
                Download(
                    label=f"{job.label} (download {job.id})",
                    link=lambda _attempt: self.jobs.file_url(job),
                    workdir=self.workdir,
                    suffix=".zip",
                    attempts=4,
                    check=zip_problem,  # a zip cut short without a Content-Length
                    max_wait=self.api.http.policy.max_wait,  # the tap's one cap on any wait
                )
            )
        return self._zips[str(job.id)]

    def done(self, job: Job) -> None:
        """One stream read the job's zip; the last of its kind's readers releases it."""
        self._read[str(job.id)] += 1
        if self._read[str(job.id)] >= len(self.readers[job.group]):
            path = self._zips.pop(str(job.id), None)
            if path is not None:
                path.unlink(missing_ok=True)
            self.orchestrator.finished(job)


def time_period_filters(config: t.Mapping[str, t.Any], window: DateWindow) -> dict[str, t.Any]:
    """The filters setting with the time_period of one window."""
    start, end = window.start.isoformat(), window.end.isoformat()
    period = {"start_date": start, "end_date": end, "date_type": config["date_type"]}
    return {**(config.get("filters") or {}), "time_period": [period]}


def count_answer(
    api: USAspendingApi, config: t.Mapping[str, t.Any], window: DateWindow, level: str
) -> dict[str, t.Any]:
    """``download/count`` of one window at one spending level (a read, no download)."""
    body = {"filters": time_period_filters(config, window), "spending_level": level}
    return api.call("POST", "/api/v2/download/count/", json=body) or {}


def _first(answer: t.Mapping[str, t.Any], *names: str) -> t.Any:
    return next((answer[n] for n in names if answer.get(n) is not None), None)
