"""Streaming readers for downloaded files (CSV members of a zip, JSON Lines): row by row
from disk, so memory stays flat whatever the size. Damage is a ``CorruptFileError``."""

import csv
import io
import itertools
import os
import re
import typing as t
import zipfile
import zlib
from pathlib import Path

import msgspec

from singer_bulk_export_kit.errors import CorruptFileError

csv.field_size_limit(16 * 1024 * 1024)
_PART = re.compile(r"_(\d+)\.csv$", re.IGNORECASE)
decode_json = msgspec.json.Decoder().decode  # several times faster than json.loads
decode_json_object = msgspec.json.Decoder(dict).decode  # anything else: a ValidationError
LineCheck = t.Callable[[bytes], bytes | None]  # a line to pass on as it is, or None


def zip_csv_members(
    path: Path, wanted: t.Callable[[str], bool], label: str
) -> t.Iterator[tuple[str, t.Iterator[list[str]]]]:
    """``(member name, csv reader)`` for each wanted CSV member, parts (``_1.csv``,
    ``_2.csv`` ...) in order. A UTF-8 byte-order mark is dropped. Damage found while the
    caller reads a member's rows is raised by ``csv_records``."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CorruptFileError(f"{label}: the downloaded file is not a valid zip ({exc})") from None
    with archive:
        names = sorted(
            (n for n in archive.namelist() if wanted(n)),
            key=lambda n: (int(m.group(1)) if (m := _PART.search(n)) else 0, n),
        )
        for name in names:
            try:
                with archive.open(name) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    yield name, csv.reader(text)
            except _DAMAGED as exc:
                raise CorruptFileError(f"{label}: {name} in the zip is damaged ({exc})") from None


_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError)
_READ_ERRORS = (csv.Error, *_DAMAGED)


def csv_records(
    reader: t.Iterator[list[str]], label: str, tally: dict[str, int] | None = None
) -> tuple[list[str], t.Iterator[list[str]]]:
    """The header and the fields of every record, each as wide as the header. Rows are
    decompressed while the caller reads them: damage surfaces here, as a CorruptFileError.
    Once every record was read, their number is added to ``tally[label]`` (``counts``)."""
    try:
        header = next(reader, None)
    except _READ_ERRORS as exc:
        raise CorruptFileError(_csv_damage(label, exc)) from None
    if header is None:
        raise CorruptFileError(f"{label}: the CSV is empty (no header)")
    width = len(header)

    def records() -> t.Iterator[list[str]]:
        number = 1  # the header's line
        try:  # one generator, not two: it runs for every row
            for number, row in enumerate(reader, start=2):
                if len(row) != width:
                    raise CorruptFileError(
                        f"{label}: CSV record {number} has {len(row)} fields, the header {width}"
                    )
                yield row
        except _READ_ERRORS as exc:
            raise CorruptFileError(_csv_damage(label, exc)) from None
        if tally is not None:  # the record number doubles as the count: no work per row
            tally[label] = tally.get(label, 0) + number - 1

    return header, records()


def _csv_damage(label: str, exc: Exception) -> str:
    what = "is not valid CSV" if isinstance(exc, csv.Error) else "is damaged in the zip"
    return f"{label}: the CSV {what} ({exc})"


class DeclaredObjectLines:
    """``lines(line)``: the line itself (ending in one newline) when it is a JSON object whose
    keys are all ``names``, else None. Such a line can go into a BATCH file as it is: msgspec
    checks its syntax without building its values (``Raw``), about twice as fast as decoding
    it to a dict, and the line is not encoded again."""

    def __init__(self, names: t.Iterable[str]) -> None:
        rename = {f"f{i}": name for i, name in enumerate(names)}
        fields = [(field, msgspec.Raw, msgspec.UNSET) for field in rename]
        struct = msgspec.defstruct(
            "DeclaredObject", fields, forbid_unknown_fields=True, rename=rename
        )
        self._check = msgspec.json.Decoder(struct).decode

    def __call__(self, line: bytes) -> bytes | None:
        try:
            self._check(line)  # a ValidationError (an undeclared key, not an object) too
        except msgspec.DecodeError:
            return None
        if not line.isascii():
            try:
                line.decode()  # Raw values are not checked for UTF-8; dict decoding is
            except UnicodeDecodeError:
                return None
        if line.endswith(b"}\n") and b"\r" not in line:
            return line
        # A carriage return between tokens would end the line for readers of the file.
        line = line.rstrip()
        return None if b"\r" in line else line + b"\n"


def jsonl_rows(
    path: Path, skip: int = 0, label: str = "", as_line: LineCheck | None = None
) -> t.Iterator[tuple[int, dict | bytes]]:
    """``(line number, object)`` of every non-blank line after the first ``skip`` lines; the
    line itself (bytes) instead where ``as_line`` returns it (``DeclaredObjectLines``)."""
    with path.open("rb") as handle:
        for number, line in enumerate(itertools.islice(handle, skip, None), start=skip + 1):
            if as_line is not None and (whole := as_line(line)) is not None:
                yield number, whole
                continue
            try:
                row = decode_json_object(line)
            except msgspec.ValidationError:
                raise CorruptFileError(f"{label}: line {number} is not a JSON object") from None
            except msgspec.DecodeError:
                if not line.strip():  # checked only here: blank lines are rare
                    continue
                raise CorruptFileError(f"{label}: line {number} is not valid JSON") from None
            yield number, row


def last_json_line_problem(path: Path) -> str | None:
    """Why the file's last line is not whole JSON (read from the end), or None."""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        if not size:
            return None
        block = 65536
        while True:
            handle.seek(max(0, size - block))
            tail = handle.read().rstrip(b"\r\n")
            if b"\n" in tail or block >= size:
                break
            block *= 4
    try:
        decode_json(tail.rsplit(b"\n", 1)[-1])
    except msgspec.DecodeError:
        return "the last JSON line is truncated"
    return None


def zip_problem(path: Path) -> str | None:
    """Why the file is not a whole zip (cut short without a length), or None."""
    return None if zipfile.is_zipfile(path) else "the bytes received are not a whole zip"
