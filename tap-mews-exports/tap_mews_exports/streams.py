"""One stream per Mews entity type, fed by that type's exports."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import typing as t
from functools import cached_property
from pathlib import Path

import requests
from singer_sdk import Stream

from tap_mews_exports import files
from tap_mews_exports.entity_types import STREAM_OF_ENTITY
from tap_mews_exports.errors import ExportError
from tap_mews_exports.schemas import schema_for
from tap_mews_exports.speed import CONFORMANCE, FastRecordMessages
from tap_mews_exports.windows import Window, posting_windows, updated_windows

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_mews_exports.exports import ExportCoordinator, ExportJob

FILE_ATTEMPTS = 4
logger = logging.getLogger("tap-mews-exports.streams")


class ExportStream(FastRecordMessages, Stream):
    """Rows of every file of each export window, bookmarked per window."""

    TYPE_CONFORMANCE_LEVEL = CONFORMANCE  # rows are typed by the tap already

    entity_type: str
    primary_keys = ("Id",)
    replication_key = "UpdatedUtc"
    is_sorted = False  # rows come in export order; the bookmark is the window end

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._known = set(self.schema["properties"])
        self._reported_extra: set[str] = set()

    @property
    def coordinator(self) -> ExportCoordinator:
        return self._tap.coordinator

    # -- planning ------------------------------------------------------------------
    def pending_records(self) -> list[dict[str, t.Any]]:
        """Exports earlier runs created and did not finish: the journal's (written
        first, so the newest) merged with the state's, one per window, oldest first."""
        from_state = self.stream_state.get("pending_exports")
        if from_state is None and self.stream_state.get("pending_export"):
            from_state = [self.stream_state["pending_export"]]  # older state layout
        covered = str(self.stream_state.get("replication_key_value") or "")
        by_window: dict[str, dict[str, t.Any]] = {}
        for record in [*(from_state or []), *self._tap.journal.get(self.entity_type)]:
            if isinstance(record, dict) and record.get("export_id") and record.get("window"):
                end = str(record["window"].get("end"))
                if end >= covered:  # a window before the bookmark is done (and gone)
                    by_window[end] = record
        return [by_window[end] for end in sorted(by_window)]

    def remember(self, records: list[dict[str, t.Any]]) -> None:
        """Record the unfinished exports in the state (and emit it) before polling."""
        self.stream_state.pop("pending_export", None)
        if records:
            self.stream_state["pending_exports"] = records
        else:
            self.stream_state.pop("pending_exports", None)
        self._write_state_message()

    def plan(self, after: Window | None = None) -> list[Window]:
        """Windows still to export, from the bookmark (or ``after`` a resumed window)."""
        start = after.end if after else self.stream_state.get("replication_key_value")
        start = start or self.config.get("start_date")
        if self.replication_key == "PostingDate":
            first = dt.date.fromisoformat(str(start)[:10])
            if after is not None:
                first += dt.timedelta(days=1)  # posting windows hold whole days
            return posting_windows(first, self.run_now.date())
        return updated_windows(start, self.run_now)

    @cached_property
    def run_now(self) -> dt.datetime:
        """'Now' of this run, fixed at its first use, so the run's windows are final."""
        return dt.datetime.now(dt.UTC)

    # -- syncing -------------------------------------------------------------------
    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        self._tap.start_exports()  # normally done up front by sync_all
        workdir = Path(tempfile.mkdtemp(prefix=f"tap-mews-{self.name}-"))
        try:
            while (job := self.coordinator.next_job(self.entity_type)) is not None:
                self.coordinator.wait(job)
                self.coordinator.fresh_files(job)
                yield from self._emit_files(job, workdir)
                self._window_done(job)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _emit_files(self, job: ExportJob, workdir: Path) -> t.Iterator[dict[str, t.Any]]:
        """Rows of every file in order. A failed file is fetched again from a fresh URL
        and resumed after its last emitted line; earlier files are never fetched again."""
        session = requests.Session()
        count = len(job.files)
        for index in range(count):
            emitted = 0  # lines of this file already on stdout (kept across attempts)
            for attempt in range(1, FILE_ATTEMPTS + 1):
                entry = job.files[index]
                try:
                    path = files.download(entry["Url"], entry.get("SizeInBytes"), workdir, session)
                    try:
                        for line_number, row in files.rows(path, skip=emitted):
                            yield row
                            emitted = line_number
                    finally:
                        path.unlink(missing_ok=True)
                    break
                except files.FileFetchError as exc:
                    if attempt == FILE_ATTEMPTS:
                        raise ExportError(
                            f"File {index + 1} of {count} of the {self.entity_type} export "
                            f"{job.export_id} failed {FILE_ATTEMPTS} times: {exc}"
                        ) from None
                    logger.warning(
                        "%s export %s file %d of %d: %s; fetching fresh URLs and retrying "
                        "that file%s",
                        self.entity_type,
                        job.export_id,
                        index + 1,
                        count,
                        exc,
                        f" after its first {emitted} lines, already emitted" if emitted else "",
                    )
                    fresh = self.coordinator.refresh_files(job)
                    if len(fresh) != count:
                        raise ExportError(
                            f"The {self.entity_type} export {job.export_id} changed its file "
                            "list between calls"
                        ) from None

    def _increment_stream_state(self, latest_record: dict, *, context: t.Any = None) -> None:
        """No per-record bookkeeping: the bookmark moves once per finished window."""

    def _window_done(self, job: ExportJob) -> None:
        """Every file of the window was emitted: move the bookmark to its end."""
        state = self.stream_state
        state.pop("progress_markers", None)  # the bookmark is the window, not a row value
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = job.window.end
        self.coordinator.done(job)  # forgets the export and emits the state

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        extra = {key: row.pop(key) for key in list(row) if key not in self._known}
        if extra:
            new = set(extra) - self._reported_extra
            if new:
                self._reported_extra |= new
                self.logger.warning(
                    "%s rows carry fields this tap does not declare: %s (kept in _extra)",
                    self.entity_type,
                    ", ".join(sorted(new)),
                )
            row["_extra"] = extra
        return row


def stream_class(entity_type: str) -> type[ExportStream]:
    """The stream class of one entity type (``OrderItem`` -> ``order_items``)."""
    attributes = {
        "name": STREAM_OF_ENTITY[entity_type],
        "entity_type": entity_type,
        "schema": schema_for(entity_type),
    }
    if entity_type == "LedgerEntry":
        attributes["replication_key"] = "PostingDate"
    return type(f"{entity_type}Stream", (ExportStream,), attributes)


STREAM_TYPES = [stream_class(entity) for entity in STREAM_OF_ENTITY]
