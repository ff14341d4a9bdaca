"""Declared row counts, checked once per job. A file cut at a row boundary (still being
written, a proxy, a provider bug) reads cleanly: only the count the provider declared for
it (Scantrust ``row_count``, USAspending ``total_rows``) shows the loss. The readers count
each file's records as they go (``csv_records(..., tally)``: the row number they keep
anyway), so the RECORD, BATCH, Struct and raw-line paths all hold the same count at no cost
per row. A shortfall or an excess fails the job's partition: its bookmark stays."""

from __future__ import annotations

import collections
import functools
import itertools
import logging
import typing as t

from singer_bulk_export_kit.errors import CorruptFileError, PartitionError
from singer_bulk_export_kit.readers import READ_ERRORS, csv_damage, zip_csv_members

if t.TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger("singer_bulk_export_kit.counts")
Tally = dict[str, int]  # records read per file of one job


class CountMismatchError(PartitionError):
    """A job's files held more or fewer rows than the provider declared."""


def check_count(job: str, service: str, field: str | None, answer: t.Any, tally: Tally) -> None:
    """Raise ``CountMismatchError`` unless the records in ``tally`` are what ``answer[field]``
    (the job's status answer) declares; a job none of whose files was read here is not
    checked. Where the provider declares nothing, that is said once, at INFO."""
    declared = answer.get(field) if field else None
    if declared is None:
        _no_count_declared(service, field)
        return
    if not tally:  # another stream reads its files
        return
    read = sum(tally.values())
    if not isinstance(declared, int) or isinstance(declared, bool) or declared < 0:
        raise CountMismatchError(f"{job}: {service} declared {field} {declared!r}, not a row count")
    if declared != read:
        what = "fewer" if read < declared else "more"
        raise CountMismatchError(
            f"{job}: {service} declared {declared:,} rows ({field}), its files held {read:,} "
            f"({what} than declared); the bookmark stays and the next run asks again"
        )


@functools.cache  # once a run
def _no_count_declared(service: str, field: str | None) -> None:
    where = f" ({field} missing)" if field else ""
    logger.info(
        f"{service} declares no row count for its files{where}: the rows read are not checked "
        "against one (the download checks still apply)"
    )


def count_csv_records(path: Path, tally: Tally, label: str) -> Tally:
    """Add to ``tally`` the records of each CSV member of the zip at ``path`` it does not
    hold yet (a provider's count may cover files no stream reads). An empty member (no
    header, as USAspending writes a file none of the requested columns belong to) holds
    none. Counted in C: no Python code runs per record."""
    counted = set(tally)
    wanted = lambda name: name.lower().endswith(".csv") and name not in counted  # noqa: E731
    for name, reader in zip_csv_members(path, wanted, label):
        counter = itertools.count()
        try:
            collections.deque(zip(reader, counter, strict=False), maxlen=0)  # counter: endless
        except READ_ERRORS as exc:
            raise CorruptFileError(csv_damage(f"{label}: {name}", exc)) from None
        tally[name] = max(0, next(counter) - 1)  # less the header
    return tally
