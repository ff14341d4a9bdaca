"""The export lifecycle: create (or resume), poll together, re-create, fresh URLs.

Exports of every selected entity type are created up front and polled with one
``exports/getAll`` call for all of them, so wall time is about the slowest export.
Each created id is recorded (journal file and state) before any polling, so a run
that dies leaves it for the next run to resume.
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
logger = logging.getLogger("tap-mews-exports.exports")


@dataclass
class ExportJob:
    entity_type: str
    window: Window
    export_id: str | None = None
    status: str = "New"
    files: list[dict[str, t.Any]] = field(default_factory=list)
    created_at: float = field(default_factory=time.monotonic)
    attempts: int = 0

    def record(self) -> dict[str, t.Any]:
        return {
            "export_id": self.export_id,
            "window": self.window.as_dict(),
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
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
        on_created: t.Callable[[ExportJob], None],
    ) -> None:
        self.client = client
        self.journal = journal
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.scope = scope
        self.on_created = on_created  # records the id in the stream state
        self.jobs: dict[str, ExportJob] = {}  # entity type -> its current export

    # -- creating ------------------------------------------------------------------
    def resume(self, entity_type: str, record: dict[str, t.Any]) -> ExportJob | None:
        """Pick up an export a previous run created, if it is still usable."""
        job = ExportJob(entity_type, Window.from_dict(record["window"]), record["export_id"])
        self.jobs[entity_type] = job
        self._poll([job])
        if job.status in IN_FLIGHT or job.status == "Success":
            logger.info(
                "Resuming %s export %s created by an earlier run (status %s)",
                entity_type,
                job.export_id,
                job.status,
            )
            return job
        logger.info(
            "The %s export %s of an earlier run is %s; creating a new one",
            entity_type,
            job.export_id,
            job.status,
        )
        del self.jobs[entity_type]
        self.journal.clear(entity_type)
        return None

    def create(self, entity_type: str, window: Window) -> ExportJob:
        """Create an export; if one of this type is already pending, wait for it to end."""
        job = ExportJob(entity_type, window)
        self.jobs[entity_type] = job
        self._add(job)
        return job

    def _add(self, job: ExportJob) -> None:
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
                if "pending" not in exc.mews_message.lower() and "processing" not in (
                    exc.mews_message.lower()
                ):
                    raise ExportError(
                        f"Mews refused to create the {job.entity_type} export: {exc.mews_message}"
                    ) from exc
                if time.monotonic() + delay > deadline:
                    raise ExportError(
                        f"An earlier {job.entity_type} export is still pending and no record "
                        f"of its id was found; gave up after export_timeout_seconds="
                        f"{self.timeout:g}. Retry later."
                    ) from exc
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
        job.created_at = time.monotonic()
        job.attempts += 1
        if not job.export_id:
            raise ExportError(f"Mews created a {job.entity_type} export without an Id")
        # Durable before any polling: the next run resumes it if this one dies.
        self.journal.record(job.entity_type, job.record())
        self.on_created(job)
        logger.info("Created %s export %s (%s)", job.entity_type, job.export_id, job.window)

    # -- waiting -------------------------------------------------------------------
    def wait(self, job: ExportJob) -> ExportJob:
        """Poll every unfinished export together until ``job`` succeeds (re-creating
        a Failed or Expired one a bounded number of times)."""
        while True:
            if job.status == "Success":
                return job
            if job.status in ("Failed", "Expired"):
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
                continue
            if time.monotonic() - job.created_at > self.timeout:
                raise ExportError(
                    f"The {job.entity_type} export {job.export_id} did not finish within "
                    f"export_timeout_seconds={self.timeout:g} (last status {job.status})."
                )
            time.sleep(self.poll_interval)
            self._poll([j for j in self.jobs.values() if j.status in IN_FLIGHT | {"New"}])

    def refresh_files(self, job: ExportJob) -> list[dict[str, t.Any]]:
        """Fresh file URLs (they expire after about 10 minutes)."""
        self._poll([job])
        if job.status != "Success":
            raise ExportError(
                f"The {job.entity_type} export {job.export_id} is {job.status}; its files are gone."
            )
        return job.files

    def done(self, job: ExportJob) -> None:
        self.journal.clear(job.entity_type)
        self.jobs.pop(job.entity_type, None)

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
