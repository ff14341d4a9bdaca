"""Stream building blocks: rows of completed jobs window by window (``JobStream``) and
``_extra``."""

from __future__ import annotations

import logging
import typing as t

from singer_sdk import typing as th

from singer_bulk_export_kit.counts import Tally, check_count
from singer_bulk_export_kit.downloads import DownloadError
from singer_bulk_export_kit.errors import PartitionError
from singer_bulk_export_kit.sdk_overrides import FastSync

if t.TYPE_CHECKING:
    from singer_bulk_export_kit.jobs import Job, JobOrchestrator

EXTRA_PROPERTY = "_extra"


def extra_property(description: str, values: th.JSONTypeHelper | bool = True) -> th.Property:
    """The ``_extra`` object: fields the API sent that the schema does not declare."""
    return th.Property(
        EXTRA_PROPERTY, th.ObjectType(additional_properties=values), description=description
    )


class ExtraFields:
    """Moves undeclared fields of a row into ``_extra``, left out when there are none (so
    warehouses show SQL NULL, not a JSON null). Each new field name is logged once a run."""

    def __init__(self, known: t.Iterable[str], label: str, logger: logging.Logger) -> None:
        self.known = set(known)
        self.label = label
        self.logger = logger
        self.reported: set[str] = set()

    def split(self, row: dict[str, t.Any]) -> dict[str, t.Any]:
        if row.keys() <= self.known:  # the usual case, checked in C
            return row
        extra = {key: row.pop(key) for key in [k for k in row if k not in self.known]}
        if new := extra.keys() - self.reported:
            self.reported |= new
            fields = ", ".join(sorted(new))
            self.logger.warning(
                f"{self.label} rows carry fields this tap does not declare: {fields} "
                f"(kept in {EXTRA_PROPERTY})"
            )
        row[EXTRA_PROPERTY] = extra
        return row


class JobStream(FastSync):
    """Stream mixin for rows that come from asynchronous jobs' files."""

    #: the field of a finished job's status answer that declares how many rows its files
    #: hold (None: the provider declares none). ``rows_of`` has its readers count the
    #: records of each file into ``row_tally``; ``job_rows`` compares (``counts``).
    declared_rows_field: str | None = None
    row_tally: Tally

    def job_rows(
        self,
        orchestrator: JobOrchestrator,
        group: str,
        state: dict,
        rows_of: t.Callable[[Job], t.Iterable[dict[str, t.Any]]],
        bookmark_of: t.Callable[[Job], str],
        on_done: t.Callable[[Job], None] | None = None,
    ) -> t.Iterator[dict[str, t.Any]]:
        """Rows of every job of ``group``, window after window; the bookmark in ``state``
        moves to ``bookmark_of(job)`` once all of a job's rows went out. On a failure it
        stays at the last whole window and the other groups go on."""
        done = on_done or orchestrator.finished
        try:
            for job in orchestrator.jobs(group):
                orchestrator.wait(job)
                self.row_tally = {}
                yield from rows_of(job)
                # Its files must hold the rows the provider declared, before the bookmark moves.
                named, service = orchestrator.api.named(job), self.tap.service_name
                check_count(named, service, self.declared_rows_field, job.info, self.row_tally)
                done(job)
                self.finish_window(state, bookmark_of(job))
        except PartitionError as exc:
            # Rows already emitted stay; the bookmark stays at the last whole window.
            state.pop("progress_markers", None)
            # A download that kept failing may work next run from the same finished job.
            orchestrator.fail_group(group, str(exc), forget=not isinstance(exc, DownloadError))
            self.tap.record_failure(group, str(exc))
