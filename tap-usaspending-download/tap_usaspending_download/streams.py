"""One stream per file kind of a USAspending download (rows from the kit's job flow)."""

from __future__ import annotations

import datetime as dt
import typing as t

from singer_sdk import Stream
from singer_sdk import typing as th

from singer_bulk_export_kit.counts import count_csv_records
from singer_bulk_export_kit.record_form import RecordForm
from singer_bulk_export_kit.streams import JobStream, extra_property
from tap_usaspending_download.columns import DATE, DATETIME, INT, KINDS, MONEY, FileKind
from tap_usaspending_download.rows import read_rows

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from singer_bulk_export_kit.jobs import Job

_TYPES = {MONEY: th.NumberType, DATE: th.DateType, DATETIME: th.DateTimeType, INT: th.IntegerType}


def schema_of(kind: FileKind) -> dict[str, t.Any]:
    return th.PropertiesList(
        *(
            th.Property(name, _TYPES.get(type_, th.StringType), required=name in kind.key)
            for name, type_ in kind.columns.items()
        ),
        th.Property(
            "time_period_end",
            th.DateType,
            description="Last day of the time_period window whose download held the row "
            "(the bookmark).",
        ),
        extra_property(
            "Columns of the file this schema does not declare (new in the API), "
            "and any value that could not be read as its column's type, as the file's text. "
            "Empty cells are left out; a row with nothing extra has no _extra.",
            th.StringType,
        ),
    ).to_dict()


class DownloadFileStream(JobStream, Stream):
    kind: FileKind
    replication_key = "time_period_end"
    is_sorted = False  # bookmarks move per window, once the window was emitted in full
    declared_rows_field = "total_rows"  # the rows of every CSV in the download's zip

    @property
    def bookmark(self) -> str | None:
        """The last day this stream emitted in full (None before its first sync)."""
        return self.stream_state.get("replication_key_value")

    def first_day(self) -> dt.date:
        """The first day still to read: the bookmark's (read again), else start_date."""
        return dt.date.fromisoformat(str(self.bookmark or self.config["start_date"])[:10])

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        downloads = self.tap.downloads  # every download of the run, created up front
        first_day, bookmark = self.first_day().isoformat(), self.bookmark or ""
        reported: set[str] = set()  # columns logged (once a run: one sync per run)
        yield from self.job_rows(
            downloads.orchestrator,
            self.tap.download_of[self.name],
            self.stream_state,
            lambda job: self._rows_of(job, reported) if job.window["end"] >= first_day else (),
            # Its kind may start earlier for another stream: never move this one back.
            bookmark_of=lambda job: max(job.window["end"], bookmark),
            on_done=downloads.done,
        )

    def _rows_of(self, job: Job, reported: set[str]) -> t.Iterator[dict[str, t.Any]]:
        constants = {"time_period_end": job.window["end"]}
        path = self.tap.downloads.zip_of(job)
        tally = self.row_tally
        structs = self.record_form >= RecordForm.STRUCT
        yield from read_rows(path, self.kind, reported, constants, structs, tally)
        # total_rows covers every file of the zip: the others are counted once for its readers.
        counted = self.tap.downloads.rows_in.setdefault(str(job.id), {})
        counted.update(tally)
        tally.update(count_csv_records(path, counted, "The download"))


STREAM_TYPES = [
    type(
        "".join(part.title() for part in kind.stream.split("_")) + "Stream",
        (DownloadFileStream,),
        {"name": kind.stream, "kind": kind, "primary_keys": kind.key, "schema": schema_of(kind)},
    )
    for kind in KINDS
]
