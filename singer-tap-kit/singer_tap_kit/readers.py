"""Streaming readers for downloaded files (CSV members of a zip, JSON Lines): row by row
from disk, so memory stays flat whatever the size. Damage is a ``CorruptFileError``."""

from __future__ import annotations

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

from singer_tap_kit.errors import CorruptFileError

csv.field_size_limit(16 * 1024 * 1024)
_PART = re.compile(r"_(\d+)\.csv$", re.IGNORECASE)
decode_json = msgspec.json.Decoder().decode  # several times faster than json.loads
decode_json_object = msgspec.json.Decoder(dict).decode  # anything else: a ValidationError


def zip_csv_members(
    path: Path, wanted: t.Callable[[str], bool], label: str
) -> t.Iterator[tuple[str, t.Iterator[list[str]]]]:
    """``(member name, csv reader)`` for each wanted CSV member, parts (``_1.csv``,
    ``_2.csv`` ...) in order. A UTF-8 byte-order mark is dropped."""
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
                    yield name, _guarded(csv.reader(text), label, name)
            except _DAMAGED as exc:
                raise CorruptFileError(f"{label}: {name} in the zip is damaged ({exc})") from None


_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError)


def _guarded(reader: t.Iterator[list[str]], label: str, name: str) -> t.Iterator[list[str]]:
    # Rows are decompressed while the caller reads them: damage surfaces here.
    try:
        yield from reader
    except csv.Error as exc:
        raise CorruptFileError(f"{label}: {name} is not valid CSV ({exc})") from None
    except _DAMAGED as exc:
        raise CorruptFileError(f"{label}: {name} in the zip is damaged ({exc})") from None


def csv_records(
    reader: t.Iterator[list[str]], label: str
) -> tuple[list[str], t.Iterator[tuple[int, list[str]]]]:
    """The header and ``(line number, fields)`` of every record, each as wide as the header."""
    header = next(reader, None)
    if header is None:
        raise CorruptFileError(f"{label}: the CSV is empty (no header)")
    width = len(header)

    def records() -> t.Iterator[tuple[int, list[str]]]:
        for line, row in enumerate(reader, start=2):
            if len(row) != width:
                raise CorruptFileError(
                    f"{label}: CSV record {line} has {len(row)} fields, the header {width}"
                )
            yield line, row

    return header, records()


def jsonl_rows(path: Path, skip: int = 0, label: str = "") -> t.Iterator[tuple[int, dict]]:
    """``(line number, object)`` of every non-blank line after the first ``skip`` lines."""
    with path.open("rb") as handle:
        for number, line in enumerate(itertools.islice(handle, skip, None), start=skip + 1):
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
