"""Declared row counts, checked once per job. A file cut at a row boundary (still being
written, a proxy, a provider bug) reads cleanly: only the count the provider declared for
it (Scantrust ``row_count``, USAspending ``total_rows``) shows the loss. The readers count
each file's records as they go (``csv_records(..., tally)``: the row number they keep
anyway), so the RECORD, BATCH, Struct and raw-line paths all hold the same count at no cost
per row. A shortfall or an excess fails the job's partition: its bookmark stays."""

from __future__ import annotations

import functools
import itertools
import logging
import typing as t
import zipfile
import zlib

from singer_bulk_export_kit.errors import CorruptFileError, PartitionError

if t.TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger("singer_bulk_export_kit.counts")
CHUNK_BYTES = 1024 * 1024
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
    hold yet (a provider's count may cover files no stream reads). Counted on the bytes, at
    about a tenth of the cost of parsing: line ends outside quotes, as RFC 4180 and
    PostgreSQL ``COPY ... CSV`` write them (a quote only ever within a quoted field, where
    it is doubled). An empty member (no header, as USAspending writes a file none of the
    requested columns belong to) holds none."""
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.lower().endswith(".csv") and name not in tally:
                    with archive.open(name) as raw:
                        tally[name] = max(0, _lines(raw) - 1)  # less the header
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise CorruptFileError(f"{label}: the zip is damaged ({exc})") from None
    return tally


def _lines(raw: t.BinaryIO) -> int:
    """CSV lines of ``raw``: newlines outside quotes (a quoted one is inside a value), and
    a last line without its newline."""
    lines, quoted, last = 0, 0, b"\n"
    while chunk := raw.read(CHUNK_BYTES):
        parts = chunk.split(b'"')  # text between quotes: outside, inside, outside ...
        lines += sum(map(bytes.count, parts[quoted::2], itertools.repeat(b"\n")))
        quoted ^= (len(parts) - 1) & 1
        last = chunk[-1:]
    return lines + (last != b"\n")
