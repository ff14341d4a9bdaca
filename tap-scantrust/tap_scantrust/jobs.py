"""Scantrust's code search tasks: the codes stream's whole job lifecycle (with the kit).

``GET /api/v2/codes/download/?campaign=...&<filters>`` starts a search and answers
``document.key``; ``GET /api/v2/documents/{key}`` reports its ``status`` until
``complete``; ``.../get-download-link/`` then gives a single-use link to the zipped CSV.
Every window of every campaign is created up front and all are polled together; task
keys are journalled (and kept in the state) first, so a killed run re-attaches to them.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing as t

from singer_bulk_export_kit.jobs import Job, JobApi, JobOrchestrator, JobRefusedError, JobStatus
from singer_bulk_export_kit.streams import PENDING_JOBS
from singer_bulk_export_kit.windows import TimeWindow, iso_utc, parse_instant, split_time
from tap_scantrust.errors import CampaignError

if t.TYPE_CHECKING:
    from tap_scantrust.client import ScantrustApi

logger = logging.getLogger("tap-scantrust.jobs")
# Every status word of a search document: the seed's "complete", the stand-in's others.
STATUSES = {
    "pending": JobStatus.PENDING,
    "processing": JobStatus.RUNNING,
    "complete": JobStatus.COMPLETED,
    "failed": JobStatus.FAILED,
}


def group_of(campaign_id: int) -> str:
    return f"campaign {campaign_id}"


class CodeSearchApi(JobApi):
    kind = "code search task"
    statuses = STATUSES

    def __init__(self, api: ScantrustApi) -> None:
        self.api = api

    def create(self, job: Job) -> str:
        try:
            answer = self.api.get("/api/v2/codes/download/", job.params) or {}
        except CampaignError as exc:
            raise JobRefusedError(f"the code search was refused ({exc})") from None
        return str((answer.get("document") or {}).get("key") or "")

    def poll(self, jobs: list[Job]) -> dict[str, t.Mapping[str, t.Any]]:
        answers = {}
        for job in jobs:
            answer = self.api.get(f"/api/v2/documents/{job.id}", missing_ok=True)
            if answer is not None:  # a 404: the API no longer knows the task
                answers[str(job.id)] = answer
        return answers

    def word_of(self, answer: t.Mapping[str, t.Any]) -> str:
        return str(answer.get("status", "")).lower()

    def progress(self, job: Job) -> str:
        rows = job.info.get("row_count")
        return f"{rows:,} rows" if isinstance(rows, int) else ""

    def download_link(self, job: Job) -> str:
        """A fresh single-use link to the task's zip."""
        answer = self.api.get(f"/api/v2/documents/{job.id}/get-download-link/") or {}
        if not answer.get("link"):
            raise CampaignError(f"{job.label}: no download link for document {job.id}")
        return str(answer["link"])


class CodeSearches(JobOrchestrator):
    """Plans every campaign's windows, resumes an earlier run's tasks, creates the rest."""

    def __init__(self, api: ScantrustApi, config: t.Mapping[str, t.Any], **options: t.Any) -> None:
        super().__init__(
            CodeSearchApi(api),
            poll_interval=float(config["poll_interval_seconds"]),
            timeout=float(config["job_timeout_seconds"]),
            **options,  # journal, remember
        )
        self.config = config
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def plan(self, campaign_id: int, state: dict, journalled: list[dict[str, t.Any]]) -> None:
        """Resume the campaign's unfinished tasks, then plan windows from where they end."""
        group = group_of(campaign_id)
        bookmark = state.get("replication_key_value")
        stored = journalled or state.get(PENDING_JOBS) or []
        resumed = self.resume(group, self._resumable(campaign_id, bookmark, stored))
        resumed_end = resumed[-1].window["end"] if resumed else None
        for window in self._windows(bookmark, resumed_end):
            self.add(group, window.as_dict(), self.params(campaign_id, window))

    def start(self) -> None:
        super().start()
        created = sum(1 for jobs in self.groups.values() for job in jobs if job.id)
        logger.info("%d code search task(s) under way; polling them together", created)

    def params(self, campaign_id: int, window: TimeWindow) -> dict[str, t.Any]:
        """The search's query: campaign, the configured filters under the current API
        names, and the window as the ``updated_at`` range ``A,B`` (none when open)."""
        params: dict[str, t.Any] = {"campaign": campaign_id}
        if self.config.get("activation_status") is not None:
            params["status"] = self.config["activation_status"]
        if self.config.get("product_id") is not None:
            params["products"] = self.config["product_id"]
        for key, value in (self.config.get("scm_filters") or {}).items():
            params[f"scm_{key}"] = value
        if window.start is not None:
            params["updated_at"] = f"{iso_utc(window.start)},{iso_utc(window.end)}"
        return params

    def _windows(self, bookmark: str | None, resumed_end: str | None) -> list[TimeWindow]:
        step = dt.timedelta(days=float(self.config["window_days"]))
        if resumed_end:  # carry on after the tasks being re-attached to, without overlap
            start = parse_instant(resumed_end)
            return split_time(start, self.now, step) if start < self.now else []
        if bookmark:
            lookback = dt.timedelta(days=float(self.config["lookback_days"]))
            return split_time(parse_instant(bookmark) - lookback, self.now, step)
        first = self.config.get("start_date")  # none: every code, activated or not
        return split_time(parse_instant(first) if first else None, self.now, step)

    def _resumable(
        self, campaign_id: int, bookmark: str | None, stored: list[dict[str, t.Any]]
    ) -> list[dict[str, t.Any]]:
        """Stored tasks still worth re-attaching to: past the bookmark, same query."""
        kept = []
        for record in stored:
            try:
                window = TimeWindow.from_dict(record["window"])
            except (KeyError, TypeError, ValueError):
                continue
            if bookmark and window.end <= parse_instant(bookmark):
                continue  # emitted already (the run stopped before forgetting it)
            if record.get("params") != self.params(campaign_id, window):
                logger.info(
                    "Campaign %s: not re-attaching to search task %s, the filters changed",
                    campaign_id,
                    record.get("id"),
                )
                continue
            kept.append(record)
        return kept
