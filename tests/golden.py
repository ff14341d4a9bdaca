"""Golden output: a digest of every stream's records, to prove a refactoring changed
nothing a user would see.

``tests/golden/outputs.json`` holds, per tap and stream, the record count and the
sha256 of the records (canonical JSON, sorted, without the columns that carry the run's
own clock). ``tests/test_record_schemas.py`` compares every tap's sandbox run with it;
``pytest tests/test_record_schemas.py --update-golden`` rewrites it after an intended
change (say why in the commit).
"""

from __future__ import annotations

import hashlib
import json
import typing as t
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden" / "outputs.json"
# Columns whose value is the moment of the run (a window that ends "now").
RUN_CLOCK_COLUMNS = {
    "tap-scantrust": {"changed_before"},
    "tap-usaspending-download": {"time_period_end"},
}


def digests(tap: str, messages: t.Iterable[dict[str, t.Any]]) -> dict[str, dict[str, t.Any]]:
    """{stream: {"records": n, "sha256": ...}} of the RECORD messages."""
    clock = RUN_CLOCK_COLUMNS.get(tap, set())
    lines: dict[str, list[str]] = {}
    for message in messages:
        if message["type"] == "RECORD":
            record = {k: v for k, v in message["record"].items() if k not in clock}
            lines.setdefault(message["stream"], []).append(
                json.dumps(record, sort_keys=True, separators=(",", ":"))
            )
    return {
        stream: {
            "records": len(rows),
            "sha256": hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest(),
        }
        for stream, rows in sorted(lines.items())
    }


def load() -> dict[str, t.Any]:
    return json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}


def store(tap: str, value: dict[str, t.Any]) -> None:
    golden = load()
    golden[tap] = value
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(golden, indent=2, sort_keys=True) + "\n")
