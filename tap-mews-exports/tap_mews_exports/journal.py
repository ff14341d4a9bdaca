"""A small local journal of created exports, written before any polling.

Mews refuses a new export while one of the same type is pending and cannot list
exports without their ids: a run that dies after creating one must leave its id
where the next run finds it. The journal is JSON (entity type -> the records of its
unfinished exports, oldest window first), replaced atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
import typing as t
from pathlib import Path


class ExportJournal:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    def read(self) -> dict[str, list[dict[str, t.Any]]]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # a damaged journal must not block a run; state is the other record
        exports = data.get("exports", {}) if isinstance(data, dict) else {}
        # One record per type (older journals) or a list of them.
        return {k: v if isinstance(v, list) else [v] for k, v in exports.items() if v}

    def get(self, entity_type: str) -> list[dict[str, t.Any]]:
        return self.read().get(entity_type, [])

    def record(self, entity_type: str, entries: list[dict[str, t.Any]]) -> None:
        """Replace the records of ``entity_type`` (an empty list forgets them)."""
        exports = self.read()
        if not entries and entity_type not in exports:
            return
        if entries:
            exports[entity_type] = entries
        else:
            del exports[entity_type]
        self._write(exports)

    def _write(self, exports: dict[str, t.Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".journal-")
        with os.fdopen(handle, "w") as out:
            json.dump({"exports": exports}, out, indent=2)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, self.path)
