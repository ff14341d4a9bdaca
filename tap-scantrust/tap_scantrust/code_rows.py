"""Typed code rows of a search result zip, read as a stream: a CSV of the fixed columns,
then one column per SCM field of the campaign (into ``scm``). Empty strings become null."""

from __future__ import annotations

import typing as t

from singer_bulk_export_kit.errors import CorruptFileError
from singer_bulk_export_kit.readers import csv_records, zip_csv_members
from tap_scantrust.schemas import codes_schema

if t.TYPE_CHECKING:
    from pathlib import Path

# The CSV's own columns: the typed ones but those the tap adds to each row.
ADDED = ("campaign_id", "scm", "changed_before")
FIXED_COLUMNS = tuple(name for name in codes_schema([])["properties"] if name not in ADDED)


def read_codes(
    path: Path, campaign_id: int, changed_before: str, tally: dict[str, int] | None = None
) -> t.Iterator[dict[str, t.Any]]:
    """The rows; each CSV's record count goes into ``tally`` once it was read (``counts``)."""
    label = f"Campaign {campaign_id}"
    members = 0
    for _name, reader in zip_csv_members(path, lambda n: n.lower().endswith(".csv"), label):
        members += 1
        header, records = csv_records(reader, label, tally)
        missing = [c for c in FIXED_COLUMNS if c not in header]
        if missing:
            raise CorruptFileError(
                f"{label}: the CSV header lacks the fixed columns {missing} (got {header[:15]})"
            )
        fixed = [(name, header.index(name)) for name in FIXED_COLUMNS]
        scm = [(name, i) for i, name in enumerate(header) if name not in FIXED_COLUMNS]
        for row in records:
            record: dict[str, t.Any] = {name: row[i] or None for name, i in fixed}
            record["campaign_id"] = campaign_id
            record["scm"] = {name: row[i] or None for name, i in scm}
            record["changed_before"] = changed_before
            yield record
    if not members:
        raise CorruptFileError(f"{label}: the downloaded zip holds no CSV")
