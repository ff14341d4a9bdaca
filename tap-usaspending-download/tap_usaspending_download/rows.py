"""Read the CSV members of a download zip as streams of typed rows.

Members are read through the zip's decompressing stream (parts ``_1.csv``,
``_2.csv`` ... in order), a UTF-8 byte-order mark is stripped, and each value is
cast once by a converter chosen per column from the header: memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing as t
from decimal import Decimal
from pathlib import Path

from singer_tap_kit.readers import csv_records, zip_csv_members
from tap_usaspending_download.columns import DATE, DATETIME, INT, MONEY, FileKind
from tap_usaspending_download.errors import DownloadFileError

logger = logging.getLogger("tap-usaspending-download.rows")


def _money(value: str) -> Decimal:
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(value)
    return number


def _date(value: str) -> str:
    dt.date.fromisoformat(value[:10])  # a date, or a timestamp whose first 10 are one
    return value[:10]


def _datetime(value: str) -> str:
    """RFC 3339 in UTC, offset always written ("2024-03-01T12:00:00.123000+00:00").

    The files carry PostgreSQL/Spark text: "2024-03-01 12:00:00.123+00", "+0530", or no
    offset at all (a ``timestamp without time zone``, e.g. the subawards' SAM report
    date). USAspending keeps and writes its timestamps in UTC (Django ``TIME_ZONE`` and
    the Spark session zone are both UTC), so a value without an offset is read as UTC.
    """
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat()


CONVERTERS: dict[str, t.Callable[[str], t.Any]] = {
    MONEY: _money,
    INT: int,
    DATE: _date,
    DATETIME: _datetime,
}


def read_rows(path: Path, kind: FileKind, reported: set[str]) -> t.Iterator[dict[str, t.Any]]:
    """Rows of every part of ``kind`` in the zip at ``path``."""
    for member, reader in zip_csv_members(path, kind.matches, "The download"):
        header, records = csv_records(reader, member)
        yield from _Reader(kind, member, reported).rows(header, records)


class _Reader:
    """Typed rows of one CSV member; unknown columns and unreadable values kept in _extra."""

    def __init__(self, kind: FileKind, member: str, reported: set[str]) -> None:
        self.kind = kind
        self.member = member
        self.reported = reported  # shared by the stream: each name is logged once a run

    def rows(
        self, header: list[str], records: t.Iterator[tuple[int, list[str]]]
    ) -> t.Iterator[dict[str, t.Any]]:
        kind = self.kind
        missing = [k for k in kind.key if k not in header]
        if missing:
            raise DownloadFileError(f"{self.member} lacks its key column(s) {missing}")
        self._report_unknown([c for c in header if c not in kind.columns])
        # Precompiled per column: one lookup per file, not per value. Text columns (most
        # of them) are copied in one comprehension; only typed ones go through a converter.
        text: list[tuple[int, str]] = []
        plan: list[tuple[int, str, t.Callable[[str], t.Any]]] = []
        for i, name in enumerate(header):
            convert = CONVERTERS.get(kind.columns.get(name, ""))
            if convert is not None:
                plan.append((i, name, convert))
            elif name in kind.columns:
                text.append((i, name))
        extra = [(i, name) for i, name in enumerate(header) if name not in kind.columns]
        for _line, row in records:
            record: dict[str, t.Any] = {name: row[i] or None for i, name in text}
            # An empty cell is no value: never kept, so _extra stays true to its schema
            # (string values) and is left out when a row has nothing extra.
            kept: dict[str, str] = {name: row[i] for i, name in extra if row[i]}
            for i, name, convert in plan:
                value = row[i]
                if not value:
                    record[name] = None
                else:
                    try:
                        record[name] = convert(value)
                    except (ValueError, ArithmeticError):
                        record[name] = None
                        kept[name] = value  # never lost: the text as the file had it
                        self._report_unreadable(name, value)
            if kept:
                record["_extra"] = kept
            yield record

    def _report_unknown(self, names: list[str]) -> None:
        new = [n for n in names if n not in self.reported]
        if new:
            self.reported.update(new)
            logger.warning(
                "%s: the file has columns this tap's schema lacks, kept in _extra: %s",
                self.kind.stream,
                ", ".join(new),
            )

    def _report_unreadable(self, name: str, value: str) -> None:
        tag = f"unreadable:{name}"
        if tag not in self.reported:
            self.reported.add(tag)
            logger.warning(
                "%s: %r in column %s is not a %s; the column is left empty and the text "
                "kept in _extra.%s (logged once per column)",
                self.kind.stream,
                value[:80],
                name,
                self.kind.columns[name],
                name,
            )
