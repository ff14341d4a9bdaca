"""Read the CSV members of a download zip as streams of typed rows.

Members are read through the zip's decompressing stream (parts ``_1.csv``,
``_2.csv`` ... in order), a UTF-8 byte-order mark is stripped, and each value is
cast once by a converter chosen per column from the header: memory stays flat.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import typing as t
import zipfile
import zlib
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tap_usaspending_download.columns import DATE, DATETIME, INT, MONEY, FileKind
from tap_usaspending_download.errors import DownloadError

logger = logging.getLogger("tap-usaspending-download.rows")
csv.field_size_limit(16 * 1024 * 1024)
_PART = re.compile(r"_(\d+)\.csv$", re.IGNORECASE)


def _money(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def _int(value: str) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date(value: str) -> str | None:
    return value[:10] if value else None


def _datetime(value: str) -> str | None:
    if not value:
        return None
    # PostgreSQL writes "2024-03-01 12:00:00.123+00" style; make it ISO 8601.
    text = value.replace(" ", "T", 1)
    if re.search(r"[+-]\d\d$", text):
        text += ":00"
    return text


def _text(value: str) -> str | None:
    return value or None


CONVERTERS: dict[str, t.Callable[[str], t.Any]] = {
    MONEY: _money,
    INT: _int,
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
                    yield from _typed(csv.reader(text), kind, member, reported)
            except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError) as exc:
                raise DownloadError(f"{member} in the download is damaged ({exc})") from exc


def _typed(
    reader: t.Iterator[list[str]], kind: FileKind, member: str, reported: set[str]
) -> t.Iterator[dict[str, t.Any]]:
    header = next(reader, None)
    if header is None:
        return
    missing = [k for k in kind.key if k not in header]
    if missing:
        raise DownloadError(f"{member} lacks its key column(s) {missing}")
    unknown = [c for c in header if c not in kind.columns and c not in reported]
    if unknown:
        reported.update(unknown)
        logger.warning(
            "%s has columns this tap does not type, kept in _extra: %s",
            kind.stream,
            ", ".join(unknown),
        )
    # Precompiled per column: one lookup per file, not per value.
    plan = [
        (i, name, CONVERTERS.get(kind.columns[name], _text))
        for i, name in enumerate(header)
        if name in kind.columns
    ]
    extra = [(i, name) for i, name in enumerate(header) if name not in kind.columns]
    width = len(header)
    for row in reader:
        if len(row) != width:
            raise DownloadError(f"{member}: a row has {len(row)} fields, the header {width}")
        record = {name: convert(row[i]) for i, name, convert in plan}
        if extra:
            record["_extra"] = {name: row[i] or None for i, name in extra}
        yield record
