"""Mews exports: the tap's whole export lifecycle, on the kit's ``JobOrchestrator``.

``exports/add`` creates an export; ``exports/getAll`` reports every unfinished one in one
call, and a successful export's ``Files`` (pre-signed URLs that expire after about 10
minutes, so old ones are asked for again before use). Mews allows one Pending/Processing
export per entity type, so each type is a serial group; an ``add`` refused because an
export of that type (from elsewhere, or a run that left no record) is still in flight is
tried again while polling. Windows: ``UpdatedUtc`` ranges ending 5 minutes (and a margin)
before the run started; ledger entries by posting date (whole days). Both at most 180 days.
"""

from __future__ import annotations

import datetime as dt
import time
import typing as t

from singer_bulk_export_kit.errors import JobFailedError
from singer_bulk_export_kit.jobs import Job, JobApi, JobBusyError, JobRefusedError, JobStatus
from singer_bulk_export_kit.windows import parse_instant, split_dates, split_time
from tap_mews_exports.errors import MewsRequestError

if t.TYPE_CHECKING:
    from singer_bulk_export_kit.jobs import JobOrchestrator
    from tap_mews_exports.client import MewsClient

STATUSES = {
    "Pending": JobStatus.PENDING,
    "Processing": JobStatus.RUNNING,
    "Success": JobStatus.COMPLETED,
    "Failed": JobStatus.FAILED,
    "Expired": JobStatus.EXPIRED,
}
LEDGER = "LedgerEntry"  # exported by posting date, not UpdatedUtc
MAX_DAYS = 180
SAFETY_MARGIN = dt.timedelta(minutes=5, seconds=30)  # Mews: EndUtc at least 5 min ago
URLS_FRESH_FOR = 300.0  # file URLs live about 10 minutes: older ones are renewed first
RECEIVED_AT = "_received_at"  # when a status answer (and its file URLs) arrived


class ExportApi(JobApi):
    kind = "export"
    statuses = STATUSES

    def __init__(self, client: MewsClient) -> None:
        self.client = client

    def create(self, job: Job) -> str:
        try:
            answer = self.client.post("exports/add", job.params)  # see export_request
        except MewsRequestError as exc:
            words = exc.mews_message.lower()
            if exc.status == 400 and ("pending" in words or "processing" in words):
                raise JobBusyError(
                    f"an earlier {job.group} export this run has no record of is still "
                    f"in flight: {exc.mews_message}"
                ) from None
            raise JobRefusedError(f"Mews refused the export: {exc.mews_message}") from None
        return str((answer.get("Export") or {}).get("Id") or "")

    def poll(self, jobs: list[Job]) -> dict[str, t.Mapping[str, t.Any]]:
        answer = self.client.post("exports/getAll", {"ExportIds": [job.id for job in jobs]})
        received = time.monotonic()
        return {
            str(export["Id"]): {**export, RECEIVED_AT: received}
            for export in answer.get("Exports") or []
            if isinstance(export, dict) and export.get("Id")
        }

    def word_of(self, answer: t.Mapping[str, t.Any]) -> str:
        return str(answer.get("Status", ""))


def export_files(
    orchestrator: JobOrchestrator, job: Job, *, fresh: bool = False
) -> list[dict[str, t.Any]]:
    """A successful export's files; their URLs are asked for again when ``fresh`` or
    when they are older than ``URLS_FRESH_FOR``."""
    age = time.monotonic() - float(job.info.get(RECEIVED_AT, float("-inf")))
    if fresh or age > URLS_FRESH_FOR:
        orchestrator.refresh(job)
        if job.status is not JobStatus.COMPLETED:
            raise JobFailedError(f"{job.label}: export {job.id} is {job.word}; its files are gone")
    return list(job.info.get("Files") or [])


# -- planning --------------------------------------------------------------------------
def export_request(
    entity_type: str, scope: dict[str, t.Any], window: t.Mapping[str, t.Any]
) -> dict[str, t.Any]:
    """The ``exports/add`` body of one window: what the export is, so a remembered one is
    re-attached only when this run would ask the same. ``scope``: EnterpriseIds / ChainIds
    of a portfolio token."""
    request: dict[str, t.Any] = {"EntityType": entity_type}
    if entity_type == LEDGER:
        posting = {"Start": window["start"], "End": window["end"]}
        request["Filters"] = {"LedgerEntryFilters": {"Posting": posting}}
    elif window.get("start") is not None:  # no start: one export of everything
        updated = {"StartUtc": window["start"], "EndUtc": window["end"]}
        request["Filters"] = {"UpdatedUtc": updated}
    return {**request, "Scope": scope} if scope else request


def plan_windows(
    entity_type: str,
    resumed_end: str | None,
    *,
    bookmark: str | None,
    config: t.Mapping[str, t.Any],
    now: dt.datetime,
) -> list[dict[str, t.Any]]:
    """Windows still to export: after the windows being resumed, else from the bookmark,
    else from the configured start."""
    if entity_type == LEDGER:
        start = resumed_end or bookmark or config.get("ledger_start_date")
        first = dt.date.fromisoformat(str(start or config.get("start_date"))[:10])
        if resumed_end:
            first += dt.timedelta(days=1)  # posting windows hold whole days
        return [w.as_dict() for w in split_dates(first, now.date(), MAX_DAYS)]
    end = (now - SAFETY_MARGIN).replace(microsecond=0)
    start = resumed_end or bookmark or config.get("start_date")
    first = parse_instant(start) if start else None  # none: one export of everything
    if first and first >= end:
        return []
    return [w.as_dict() for w in split_time(first, end, dt.timedelta(days=MAX_DAYS))]
