"""Read the CSV members of a download zip as streams of typed rows.

Members are read through the zip's decompressing stream (parts ``_1.csv``,
``_2.csv`` ... in order), a UTF-8 byte-order mark is stripped, and each value is
cast once by a converter chosen per column from the header: memory stays flat.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import typing as t
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

from tap_usaspending_download.columns import DATE, DATETIME, INT, MONEY, FileKind
from tap_usaspending_download.errors import DownloadError

logger = logging.getLogger("tap-usaspending-download.rows")
csv.field_size_limit(16 * 1024 * 1024)
_PART = re.compile(r"_(\d+)\.csv$", re.IGNORECASE)
_SHORT_OFFSET = re.compile(r"[+-]\d\d$")


def _money(value: str) -> Decimal:
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(value)
    return number


def _date(value: str) -> str:
    dt.date.fromisoformat(value[:10])  # a date, or a timestamp whose first 10 are one
    return value[:10]


def _datetime(value: str) -> str:
    # PostgreSQL writes "2024-03-01 12:00:00.123+00" style; make it ISO 8601.
    text = value.replace(" ", "T", 1)
    if len(text) == 10:
        text += "T00:00:00"
    elif _SHORT_OFFSET.search(text):
        text += ":00"
    dt.datetime.fromisoformat(text)
    return text


CONVERTERS: dict[str, t.Callable[[str], t.Any]] = {
    MONEY: _money,
    INT: int,
    DATE: _date,
    DATETIME: _datetime,
}


def members_of(archive: zipfile.ZipFile, kind: FileKind) -> list[str]:
    names = [n for n in archive.namelist() if kind.matches(n)]
    return sorted(names, key=lambda n: (int(m.group(1)) if (m := _PART.search(n)) else 0, n))


def read_rows(path: Path, kind: FileKind, reported: set[str]) -> t.Iterator[dict[str, t.Any]]:
    """Rows of every part of ``kind`` in the zip at ``path``."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DownloadError(f"The downloaded file is not a valid zip ({exc})") from exc
    with archive:
        for member in members_of(archive, kind):
            try:
                with archive.open(member) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    yield from _Reader(kind, member, reported).rows(csv.reader(text))
            except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError) as exc:
                raise DownloadError(f"{member} in the download is damaged ({exc})") from exc


class _Reader:
    """Typed rows of one CSV member; unknown columns and unreadable values kept in _extra."""

    def __init__(self, kind: FileKind, member: str, reported: set[str]) -> None:
        self.kind = kind
        self.member = member
        self.reported = reported  # shared by the stream: each name is logged once a run

    def rows(self, reader: t.Iterator[list[str]]) -> t.Iterator[dict[str, t.Any]]:
        header = next(reader, None)
        if header is None:
            return
        kind = self.kind
        missing = [k for k in kind.key if k not in header]
        if missing:
            raise DownloadError(f"{self.member} lacks its key column(s) {missing}")
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
        width = len(header)
        for line, row in enumerate(reader, start=2):
            if len(row) != width:
                raise DownloadError(
                    f"{self.member}: record {line} has {len(row)} fields, the header {width}"
                )
            record: dict[str, t.Any] = {name: row[i] or None for i, name in text}
            kept: dict[str, str | None] = {name: row[i] or None for i, name in extra}
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
