"""Scantrust's code search tasks: the codes stream's whole job lifecycle (with the kit).

``GET /api/v2/codes/download/?campaign=...&<filters>`` starts a search and answers
``document.key``; ``GET /api/v2/documents/{key}`` reports its ``status`` until
``complete``; ``.../get-download-link/`` then gives a single-use link to the zipped CSV.
Every window of every campaign is created up front and all are polled together; task
keys are journalled (and kept in the state) first, so a killed run re-attaches to them.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from singer_bulk_export_kit.jobs import Job, JobApi, JobRefusedError, JobStatus
from singer_bulk_export_kit.windows import TimeWindow, iso_utc, parse_instant, split_time
from tap_scantrust.errors import CampaignError

if t.TYPE_CHECKING:
    from tap_scantrust.client import ScantrustApi

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


def search_params(
    config: t.Mapping[str, t.Any], campaign_id: int, window: t.Mapping[str, t.Any]
) -> dict[str, t.Any]:
    """The search's query: campaign, the configured filters under the current API names,
    and the window as the ``updated_at`` range ``A,B`` (none when open)."""
    params: dict[str, t.Any] = {"campaign": campaign_id}
    for setting, name in (("activation_status", "status"), ("product_id", "products")):
        if config.get(setting) is not None:
            params[name] = config[setting]
    for key, value in (config.get("scm_filters") or {}).items():
        params[f"scm_{key}"] = value
    span = TimeWindow.from_dict(window)
    if span.start is not None:
        params["updated_at"] = f"{iso_utc(span.start)},{iso_utc(span.end)}"
    return params


def search_windows(
    config: t.Mapping[str, t.Any], now: dt.datetime, bookmark: str | None, resumed_end: str | None
) -> list[dict[str, t.Any]]:
    """Windows still to search: after the re-attached tasks (no overlap), else from the
    bookmark less the lookback, else from start_date (none: every code)."""
    step = dt.timedelta(days=float(config["window_days"]))
    if resumed_end:
        start = parse_instant(resumed_end)
        if start >= now:  # the re-attached tasks reach now: nothing after them
            return []
    elif bookmark:
        start = parse_instant(bookmark) - dt.timedelta(days=float(config["lookback_days"]))
    else:
        start = parse_instant(config["start_date"]) if config.get("start_date") else None
    return [window.as_dict() for window in split_time(start, now, step)]
