"""One stream per Mews entity type, fed by that type's exports (``jobs.py``)."""

from __future__ import annotations

import functools
import logging
import tempfile
import typing as t
from pathlib import Path

from singer_sdk import Stream

from singer_bulk_export_kit.downloads import Download, download
from singer_bulk_export_kit.errors import CorruptFileError, JobFailedError
from singer_bulk_export_kit.readers import DeclaredObjectLines, jsonl_rows, last_json_line_problem
from singer_bulk_export_kit.record_form import RecordForm
from singer_bulk_export_kit.streams import ExtraFields, JobStream
from tap_mews_exports.entity_types import STREAM_OF_ENTITY
from tap_mews_exports.jobs import LEDGER, export_files
from tap_mews_exports.schemas import schema_for

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from singer_bulk_export_kit.jobs import Job

FILE_READINGS = 4  # a file broken mid-way is read again (from fresh URLs) this often
logger = logging.getLogger("tap-mews-exports.streams")


class ExportStream(JobStream, Stream):
    """Rows of every file of each export window, bookmarked per window."""

    entity_type: str
    primary_keys = ("Id",)
    is_sorted = False  # rows come in export order; the bookmark is the window end

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra = ExtraFields(self.schema["properties"], self.entity_type, self.logger)
        # In BATCH mode a line of declared fields only goes into the file as Mews wrote it.
        self.declared_lines = DeclaredObjectLines(self.schema["properties"])

    # -- syncing -------------------------------------------------------------------------
    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        self.tap.start_exports()  # done already by a sync; not by --test or a dry run
        prefix = f"tap-mews-{self.name}-"
        with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as workdir:
            yield from self.job_rows(
                self.tap.orchestrator,
                self.entity_type,
                self.stream_state,
                functools.partial(self._rows_of, workdir=Path(workdir)),
                bookmark_of=lambda job: str(job.window["end"]),
            )

    def _rows_of(self, job: Job, workdir: Path) -> t.Iterator[dict[str, t.Any]]:
        count = len(export_files(self.tap.orchestrator, job))
        for index in range(count):
            yield from self._file_rows(job, index, count, workdir)

    def _file_rows(
        self, job: Job, index: int, count: int, workdir: Path
    ) -> t.Iterator[dict[str, t.Any]]:
        """Rows of one file. A file broken mid-way (after its checks passed) is fetched
        again from fresh URLs and read on after the lines already emitted, so no row is
        emitted twice; earlier files are never fetched again."""
        label = f"{self.entity_type} export {job.id}, file {index + 1} of {count}"
        emitted = 0  # lines of this file already on stdout (kept across readings)
        as_line = self.declared_lines if self.record_form >= RecordForm.LINE else None
        for reading in range(1, FILE_READINGS + 1):
            entry = export_files(self.tap.orchestrator, job, fresh=reading > 1)[index]
            path = download(
                Download(
                    label=label,
                    link=functools.partial(self._file_url, job, index, count),
                    workdir=workdir,
                    suffix=".jsonl",
                    expected_size=entry.get("SizeInBytes"),
                    check=last_json_line_problem,
                )
            )
            try:
                for number, row in jsonl_rows(path, emitted, label, as_line):
                    yield row
                    emitted = number
                return
            except CorruptFileError as exc:
                if reading == FILE_READINGS:
                    raise
                logger.warning(
                    "%s; fetching fresh URLs and reading that file again%s",
                    exc,
                    f" after its first {emitted} lines, already emitted" if emitted else "",
                )
            finally:
                path.unlink(missing_ok=True)

    def _file_url(self, job: Job, index: int, count: int, attempt: int) -> str:
        """The file's URL for one download attempt: a retry asks Mews for fresh ones."""
        files = export_files(self.tap.orchestrator, job, fresh=attempt > 1)
        if len(files) != count:
            raise JobFailedError(f"{job.label}: export {job.id} changed its file list")
        return str(files[index]["Url"])

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        return self.extra.split(row)


def stream_class(entity_type: str) -> type[ExportStream]:
    """The stream class of one entity type (``OrderItem`` -> ``order_items``)."""
    attributes = {
        "name": STREAM_OF_ENTITY[entity_type],
        "entity_type": entity_type,
        "schema": schema_for(entity_type),
        "replication_key": "PostingDate" if entity_type == LEDGER else "UpdatedUtc",
    }
    return type(f"{entity_type}Stream", (ExportStream,), attributes)


STREAM_TYPES = [stream_class(entity) for entity in STREAM_OF_ENTITY]
