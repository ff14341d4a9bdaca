"""Typed rows of the CSV members of a download zip, read as a stream (flat memory); each
typed column's converter is chosen once per file from the header.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing as t
from decimal import Decimal
from itertools import compress, repeat
from operator import getitem, is_, itemgetter, not_
from pathlib import Path

from singer_tap_kit.errors import CorruptFileError
from singer_tap_kit.readers import csv_records, zip_csv_members
from tap_usaspending_download.columns import DATE, DATETIME, INT, MONEY, FileKind

logger = logging.getLogger("tap-usaspending-download.rows")
UNREADABLE = object()  # what a column's converter makes of text that is not of its type
MEMO_SIZE = 16_384  # values remembered per type and file (a bound, so memory stays flat)


def _money(value: str) -> Decimal:
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(value)
    return number


def _date(value: str) -> str:
    dt.date.fromisoformat(value[:10])  # a date, or a timestamp whose first 10 are one
    return value[:10]


def _datetime(value: str) -> str:
    """RFC 3339 in UTC, offset always written, from PostgreSQL/Spark text ("... 12:00:00.1+00",
    "+0530", or no offset: USAspending's Django and Spark zones are both UTC)."""
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is dt.UTC and value[10:11] == " " and value[13:14] == value[16:17] == ":":
        # The usual "YYYY-MM-DD HH:MM:SS[.f]+00": what isoformat() would write, from the
        # text already checked (isoformat is most of this function's cost otherwise).
        fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
        return f"{value[:10]}T{value[11:19]}{fraction}+00:00"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat()


CONVERTERS: dict[str, t.Callable[[str], t.Any]] = {
    MONEY: _money,
    INT: int,
    DATE: _date,
    DATETIME: _datetime,
}


class _Memo(dict):
    """``memo[text]``: a cell's typed value (None if empty), converted once: dates, years
    and common amounts repeat from row to row, and a lookup costs less than a conversion.
    Text that is not of the type is added to ``unreadable``."""

    def __init__(self, convert: t.Callable[[str], t.Any], unreadable: list[str]) -> None:
        super().__init__({"": None})
        self.convert = convert
        self.unreadable = unreadable

    def __missing__(self, text: str) -> t.Any:
        try:
            value = self.convert(text)
        except (ValueError, ArithmeticError):
            value = UNREADABLE
            self.unreadable.append(text)
        if len(self) >= MEMO_SIZE:
            self.clear()
            self[""] = None
        self[text] = value
        return value


def read_rows(
    path: Path, kind: FileKind, reported: set[str], constants: dict[str, t.Any] | None = None
) -> t.Iterator[dict[str, t.Any]]:
    """Typed rows of every part of ``kind`` in the zip at ``path``, each with ``constants``
    added; unknown columns and unreadable values kept in ``_extra`` (``reported`` names
    each once a run)."""
    constants = constants or {}
    for member, reader in zip_csv_members(path, kind.matches, "The download"):
        header, records = csv_records(reader, member)
        missing = [k for k in kind.key if k not in header]
        if missing:
            # A partition error: this download kind fails, the others go on.
            raise CorruptFileError(f"{member} lacks its key column(s) {missing}")
        unknown = [name for name in header if name not in kind.columns]
        if new := [name for name in unknown if name not in reported]:
            reported.update(new)
            logger.warning(
                "%s: the file has columns this tap's schema lacks, kept in _extra: %s",
                kind.stream,
                ", ".join(new),
            )
        unreadable: list[str] = []  # once it holds a value, rows are checked for one
        memos = {type_: _Memo(convert, unreadable) for type_, convert in CONVERTERS.items()}
        positions = [i for i, name in enumerate(header) if kind.columns.get(name) in memos]
        names = [header[i] for i in positions]
        lookups = [memos[kind.columns[name]] for name in names]
        typed_cells = itemgetter(*positions) if len(positions) > 1 else _cells(positions)
        # Columns whose unreadable values were logged (once a run), as a set of plain names.
        warned = {name for name in names if f"unreadable:{name}" in reported}
        for row in records:
            # Whole-row work in C: every cell as text, empty ones None, then the typed ones.
            record = dict(zip(header, row, strict=True))
            if "" in row:
                record.update(zip(compress(header, map(not_, row)), repeat(None)))
            values = list(map(getitem, lookups, typed_cells(row)))
            record.update(zip(names, values, strict=True))
            extra = (
                {n: v for n in unknown if (v := record.pop(n, None)) is not None} if unknown else {}
            )
            # Not ``UNREADABLE in values``: Decimal's == asks an ABC, slowly, for each row.
            if unreadable and any(map(is_, values, repeat(UNREADABLE))):
                for i, name, value in zip(positions, names, values, strict=True):
                    if value is UNREADABLE:
                        record[name] = None
                        extra[name] = row[i]  # never lost: the text as the file had it
                        if name not in warned:
                            warned.add(name)
                            reported.add(f"unreadable:{name}")
                            logger.warning(
                                "%s: %r in column %s is not a %s; the column is left empty "
                                "and the text kept in _extra.%s (logged once per column)",
                                kind.stream,
                                row[i][:80],
                                name,
                                kind.columns[name],
                                name,
                            )
            if extra:
                record["_extra"] = extra
            record.update(constants)
            yield record


def _cells(positions: list[int]) -> t.Callable[[list[str]], tuple[str, ...]]:
    """``itemgetter(*positions)``, a tuple for fewer than two positions too."""
    return lambda row: tuple(row[i] for i in positions)
