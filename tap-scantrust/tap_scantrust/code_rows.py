"""Read a code search result zip as a stream of typed rows.

The zip holds one CSV (double-quoted, with a header): the fixed columns, then one
column per SCM field of the campaign. The member is read through the zip's
decompressing stream, row by row, so memory stays flat whatever the row count.
"""

from __future__ import annotations

import csv
import io
import typing as t
import zipfile
import zlib
from pathlib import Path

from tap_scantrust.errors import CorruptFileError

FIXED_COLUMNS = (
    "extended_id",
    "serial_number",
    "brand",
    "product",
    "sku",
    "status",
    "blacklist_reason",
    "scm_updated_by",
    "scm_updated_at",
    "activated_by",
    "activated_at",
    "workorder_id",
)
csv.field_size_limit(16 * 1024 * 1024)


def read_codes(path: Path, campaign_id: int, changed_before: str) -> t.Iterator[dict[str, t.Any]]:
    """Typed code rows of the zip at ``path``: empty strings become null."""
    label = f"Campaign {campaign_id}"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CorruptFileError(f"{label}: the downloaded file is not a valid zip ({exc})") from exc
    with archive:
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
        if len(members) != 1:
            names = [m.filename for m in archive.infolist()]
            raise CorruptFileError(f"{label}: expected one CSV in the zip, found {names}")
        try:
            with archive.open(members[0]) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                yield from _rows(csv.reader(text), label, campaign_id, changed_before)
        except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError) as exc:
            raise CorruptFileError(f"{label}: the CSV in the zip is damaged ({exc})") from exc


def _rows(
    reader: t.Iterator[list[str]], label: str, campaign_id: int, changed_before: str
) -> t.Iterator[dict[str, t.Any]]:
    header = next(reader, None)
    if header is None:
        raise CorruptFileError(f"{label}: the CSV is empty (no header)")
    missing = [c for c in FIXED_COLUMNS if c not in header]
    if missing:
        raise CorruptFileError(
            f"{label}: the CSV header lacks the fixed columns {missing} (got {header[:15]})"
        )
    fixed = [(name, header.index(name)) for name in FIXED_COLUMNS]
    scm = [(name, i) for i, name in enumerate(header) if name not in FIXED_COLUMNS]
    width = len(header)
    for line, row in enumerate(reader, start=2):
        if len(row) != width:
            raise CorruptFileError(
                f"{label}: CSV record {line} has {len(row)} fields, the header {width}"
            )
        record: dict[str, t.Any] = {name: row[i] or None for name, i in fixed}
        record["campaign_id"] = campaign_id
        record["scm"] = {name: row[i] or None for name, i in scm}
        record["changed_before"] = changed_before
        yield record
