"""Typed rows of the CSV members of a download zip, read as a stream (flat memory); each
typed column's converter is chosen once per file from the header.
"""

import datetime as dt
import logging
import typing as t
from decimal import Decimal
from itertools import repeat
from operator import is_, itemgetter
from pathlib import Path

import msgspec

from singer_bulk_export_kit.errors import CorruptFileError
from singer_bulk_export_kit.readers import csv_records, zip_csv_members
from singer_bulk_export_kit.streams import EXTRA_PROPERTY
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


def _money_json(value: str) -> msgspec.Raw:
    """The JSON number msgspec writes for ``_money(value)``, made once per distinct text:
    a Raw is copied as it is, where a Decimal is turned into text again on every row."""
    return msgspec.Raw(str(_money(value)).encode())


CONVERTERS: dict[str, t.Callable[[str], t.Any]] = {
    MONEY: _money,
    INT: int,
    DATE: _date,
    DATETIME: _datetime,
}
STRUCT_CONVERTERS = {**CONVERTERS, MONEY: _money_json}  # Structs are only ever encoded


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
    path: Path,
    kind: FileKind,
    reported: set[str],
    constants: dict[str, t.Any] | None = None,
    as_structs: bool = False,
    tally: dict[str, int] | None = None,
) -> t.Iterator[t.Any]:
    """Typed rows of every part of ``kind`` in the zip at ``path``, each with ``constants``
    added; unknown columns and unreadable values kept in ``_extra`` (``reported`` names
    each once a run). Dicts, or with ``as_structs`` msgspec Structs of the same fields
    (no dict is built, and msgspec encodes them in C). Each part's record count goes into
    ``tally`` once it was read (``counts``)."""
    constants = constants or {}
    for member, reader in zip_csv_members(path, kind.matches, "The download"):
        header, records = csv_records(reader, member, tally)
        missing = [k for k in kind.key if k not in header]
        if missing:
            # A partition error: this download kind fails, the others go on.
            raise CorruptFileError(f"{member} lacks its key column(s) {missing}")
        unknown = [i for i, name in enumerate(header) if name not in kind.columns]
        if new := [header[i] for i in unknown if header[i] not in reported]:
            reported.update(new)
            logger.warning(
                "%s: the file has columns this tap's schema lacks, kept in _extra: %s",
                kind.stream,
                ", ".join(new),
            )
        known = [i for i, name in enumerate(header) if i not in unknown and name not in constants]
        names = [header[i] for i in known]
        known_cells = _cells(known) if len(known) < len(header) else None
        # A header naming a column twice keeps the last, as a dict does.
        structs = as_structs and len(set(names)) == len(names)
        make = (_struct_maker if structs else _dict_maker)(names, constants)
        converters = STRUCT_CONVERTERS if structs else CONVERTERS
        unreadable: list[str] = []  # once it holds a value, rows are checked for one
        memos = {type_: _Memo(convert, unreadable) for type_, convert in converters.items()}
        typed = [
            (j, memos[kind.columns[n]]) for j, n in enumerate(names) if kind.columns[n] in memos
        ]
        # Columns whose unreadable values were logged (once a run), as a set of plain names.
        warned = {name for name in names if f"unreadable:{name}" in reported}
        for row in records:
            cells = row if known_cells is None else known_cells(row)
            values = list(map(_NONE_IF_EMPTY, cells, cells))
            for j, memo in typed:
                values[j] = memo[cells[j]]
            extra = {header[i]: row[i] for i in unknown if row[i]} if unknown else None
            # Not ``UNREADABLE in values``: Decimal's == asks an ABC, slowly, for each row.
            if unreadable and any(map(is_, values, repeat(UNREADABLE))):
                extra = extra or {}
                for j, _memo in typed:
                    if values[j] is not UNREADABLE:
                        continue
                    name = names[j]
                    values[j] = None
                    extra[name] = cells[j]  # never lost: the text as the file had it
                    if name not in warned:
                        warned.add(name)
                        reported.add(f"unreadable:{name}")
                        logger.warning(
                            "%s: %r in column %s is not a %s; the column is left empty "
                            "and the text kept in _extra.%s (logged once per column)",
                            kind.stream,
                            cells[j][:80],
                            name,
                            kind.columns[name],
                            name,
                        )
            yield make(values, extra or None)


_NONE_IF_EMPTY = {"": None}.get  # get(cell, cell): None for "", else the cell, in C


def _cells(positions: list[int]) -> t.Callable[[list[str]], t.Sequence[str]]:
    """``itemgetter(*positions)``, always a tuple."""
    if len(positions) > 1:
        return itemgetter(*positions)
    return lambda row: tuple(row[i] for i in positions)


def _dict_maker(
    names: list[str], constants: dict[str, t.Any]
) -> t.Callable[[list[t.Any], dict | None], dict[str, t.Any]]:
    def make(values: list[t.Any], extra: dict | None) -> dict[str, t.Any]:
        record = dict(zip(names, values, strict=True))
        if extra:
            record[EXTRA_PROPERTY] = extra
        record.update(constants)
        return record

    return make


def _struct_maker(
    names: list[str], constants: dict[str, t.Any]
) -> t.Callable[[list[t.Any], dict | None], msgspec.Struct]:
    """Structs whose fields are the file's columns, ``_extra`` (left out when unset) and
    the constants, encoded under those names."""
    fields = [f"c{i}" for i in range(len(names))] + ["extra"]
    fields += [f"k{i}" for i in range(len(constants))]
    row_type = msgspec.defstruct(
        "Row",
        [(field, t.Any) for field in fields],
        rename=dict(zip(fields, [*names, EXTRA_PROPERTY, *constants], strict=True)),
    )
    fixed = tuple(constants.values())

    def make(values: list[t.Any], extra: dict | None) -> msgspec.Struct:
        return row_type(*values, msgspec.UNSET if extra is None else extra, *fixed)

    return make
