"""The export lifecycle: resume or create, poll together, re-create, fresh URLs.

Mews allows one Pending/Processing export per entity type. So the exports of every
selected type are created up front and polled with one ``exports/getAll`` call for
all of them, and as soon as every export of a type has succeeded the export of its
next window is created, while earlier windows are still being downloaded: wall time
is about the slowest type's chain of exports, not the sum over types. Each created
id is recorded (journal file and state) before any polling, so a run that dies
leaves it for the next run to resume.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import typing as t
from dataclasses import dataclass, field

from tap_mews_exports.errors import ExportError, MewsRequestError
from tap_mews_exports.windows import Window

if t.TYPE_CHECKING:
    from tap_mews_exports.client import MewsClient
    from tap_mews_exports.journal import ExportJournal

IN_FLIGHT = {"Pending", "Processing"}
RENEW_URLS_AFTER = 300.0  # file URLs live about 10 minutes: renew older ones before use
logger = logging.getLogger("tap-mews-exports.exports")

Planner = t.Callable[[str, Window | None], list[Window]]


@dataclass
class ExportJob:
    entity_type: str
    window: Window
    export_id: str | None = None
    status: str = "New"
    files: list[dict[str, t.Any]] = field(default_factory=list)
    files_at: float = 0.0  # when the file URLs were issued (monotonic)
    created_at: float = field(default_factory=time.monotonic)
    created_utc: str = ""
    attempts: int = 0

    def record(self) -> dict[str, t.Any]:
        return {
            "export_id": self.export_id,
            "window": self.window.as_dict(),
            "created_utc": self.created_utc,
        }


class ExportCoordinator:
    def __init__(
        self,
        client: MewsClient,
        journal: ExportJournal,
        *,
        poll_interval: float,
        timeout: float,
        max_attempts: int,
        scope: dict[str, t.Any],
        on_change: t.Callable[[str, list[dict[str, t.Any]]], None],
    ) -> None:
        self.client = client
        self.journal = journal
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.scope = scope
        self.on_change = on_change  # records a type's unfinished exports in the state
        self.jobs: dict[str, list[ExportJob]] = {}  # entity type -> exports, window order
        self.plans: dict[str, list[Window]] = {}  # entity type -> windows not yet created

    # -- starting ------------------------------------------------------------------
    def start(self, pending: dict[str, list[dict[str, t.Any]]], plan: Planner) -> None:
        """Resume the exports earlier runs recorded (``pending``: entity type -> records;
        one ``getAll`` for all), plan each type's remaining windows once (so a run
        always ends), and create the first missing export of every type."""
        resumed = []
        for entity_type, records in pending.items():
            jobs = [
                ExportJob(entity_type, Window.from_dict(r["window"]), r["export_id"])
                for r in records
                if r.get("export_id")
            ]
            for job in jobs:
                job.created_utc = next(
                    (r.get("created_utc", "") for r in records if r["export_id"] == job.export_id),
                    "",
                )
            self.jobs[entity_type] = jobs
            resumed += jobs
        self._poll(resumed)
        for job in resumed:
            if job.status in IN_FLIGHT or job.status == "Success":
                logger.info(
                    "Resuming %s export %s created by an earlier run (status %s)",
                    job.entity_type,
                    job.export_id,
                    job.status,
                )
            else:
                logger.info(
                    "The %s export %s of an earlier run is %s; creating a new one",
                    job.entity_type,
                    job.export_id,
                    job.status,
                )
                self._add(job)
        for entity_type in pending:
            jobs = self.jobs[entity_type]
            self.plans[entity_type] = plan(entity_type, jobs[-1].window if jobs else None)
        self._advance()

    def next_job(self, entity_type: str) -> ExportJob | None:
        """The oldest unfinished export of ``entity_type`` (None when all were emitted)."""
        self._advance()
        jobs = self.jobs.get(entity_type)
        return jobs[0] if jobs else None

    # -- creating ------------------------------------------------------------------
    def _advance(self) -> None:
        """Create the next window's export of every type whose exports all succeeded."""
        for entity_type, windows in self.plans.items():
            jobs = self.jobs.setdefault(entity_type, [])
            if windows and all(job.status == "Success" for job in jobs):
                job = ExportJob(entity_type, windows.pop(0))
                jobs.append(job)
                self._add(job)

    def _add(self, job: ExportJob) -> None:
        """Create (or re-create) ``job``'s export; if one of its type is pending and this
        run has no record of it, wait for it with backoff up to the timeout."""
        payload = {"EntityType": job.entity_type, **job.window.filters()}
        if self.scope:
            payload["Scope"] = self.scope
        deadline = time.monotonic() + self.timeout
        delay = max(self.poll_interval, 1.0)
        while True:
            try:
                answer = self.client.post("exports/add", payload)
                break
            except MewsRequestError as exc:
                message = exc.mews_message.lower()
                if "pending" not in message and "processing" not in message:
                    raise ExportError(
                        f"Mews refused to create the {job.entity_type} export: {exc.mews_message}"
                    ) from None
                if time.monotonic() + delay > deadline:
                    raise ExportError(
                        f"An earlier {job.entity_type} export is still pending and no record "
                        f"of its id was found; gave up after export_timeout_seconds="
                        f"{self.timeout:g}. Retry later."
                    ) from None
                logger.warning(
                    "An export of %s created elsewhere (no record of its id) is still pending; "
                    "waiting %.0f s before trying again",
                    job.entity_type,
                    delay,
                )
                time.sleep(delay)
                delay = min(delay * 2, 300)
        export = answer.get("Export") or {}
        job.export_id = export.get("Id")
        job.status = export.get("Status", "Pending")
        job.files = []
        job.created_at = time.monotonic()
        job.created_utc = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        job.attempts += 1
        if not job.export_id:
            raise ExportError(f"Mews created a {job.entity_type} export without an Id")
        # Durable before any polling: the next run resumes it if this one dies.
        self._changed(job.entity_type)
        logger.info("Created %s export %s (%s)", job.entity_type, job.export_id, job.window)

    def _recreate(self, job: ExportJob) -> None:
        if job.attempts >= self.max_attempts:
            raise ExportError(
                f"The {job.entity_type} export {job.export_id} ended {job.status} "
                f"{job.attempts} time(s); giving up (max_export_attempts)."
            )
        logger.warning(
            "The %s export %s ended %s; creating it again",
            job.entity_type,
            job.export_id,
            job.status,
        )
        self._add(job)

    # -- waiting -------------------------------------------------------------------
    def wait(self, job: ExportJob) -> ExportJob:
        """Poll every unfinished export together until ``job`` succeeds, re-creating
        Failed or Expired ones a bounded number of times."""
        while True:
            if job.status == "Success":
                return job
            if job.status in ("Failed", "Expired"):
                self._recreate(job)
                continue
            if time.monotonic() - job.created_at > self.timeout:
                raise ExportError(
                    f"The {job.entity_type} export {job.export_id} did not finish within "
                    f"export_timeout_seconds={self.timeout:g} (last status {job.status})."
                )
            time.sleep(self.poll_interval)
            everyone = [j for jobs in self.jobs.values() for j in jobs]
            self._poll([j for j in everyone if j.status in IN_FLIGHT])
            for other in everyone:  # other types' failures are retried now, not at their turn
                ended = other.status in ("Failed", "Expired")
                if other is not job and ended and other.attempts < self.max_attempts:
                    self._recreate(other)
            self._advance()

    def fresh_files(self, job: ExportJob) -> list[dict[str, t.Any]]:
        """The export's files, renewing their URLs if they were issued a while ago."""
        if time.monotonic() - job.files_at > RENEW_URLS_AFTER:
            return self.refresh_files(job)
        return job.files

    def refresh_files(self, job: ExportJob) -> list[dict[str, t.Any]]:
        """Fresh file URLs (they expire after about 10 minutes)."""
        self._poll([job])
        if job.status != "Success":
            raise ExportError(
                f"The {job.entity_type} export {job.export_id} is {job.status}; its files are gone."
            )
        return job.files

    def done(self, job: ExportJob) -> None:
        """Every file of ``job`` was emitted: forget it."""
        self.jobs[job.entity_type].remove(job)
        self._changed(job.entity_type)

    def _changed(self, entity_type: str) -> None:
        records = [j.record() for j in self.jobs.get(entity_type, []) if j.export_id]
        self.journal.record(entity_type, records)
        self.on_change(entity_type, records)

    def _poll(self, jobs: list[ExportJob]) -> None:
        ids = [j.export_id for j in jobs if j.export_id]
        if not ids:
            return
        answer = self.client.post("exports/getAll", {"ExportIds": ids})
        by_id = {e.get("Id"): e for e in answer.get("Exports") or []}
        for job in jobs:
            export = by_id.get(job.export_id)
            if export is None:
                job.status = "Expired"  # unknown to Mews any more: treat as gone
                continue
            job.status = export.get("Status", job.status)
            job.files = export.get("Files") or []
            job.files_at = time.monotonic()
