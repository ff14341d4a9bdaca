"""A small local journal of created jobs, written before any polling.

An API that refuses a second job while one is running, or whose jobs cost hours, must
not lose a job id when a run dies: the next run finds it here (and in the state) and
re-attaches. The file is JSON (group -> records of its unfinished jobs, in order),
replaced atomically, so a crash never leaves half a journal.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import typing as t
from pathlib import Path

Records = list[dict[str, t.Any]]


def default_journal_path(tap_name: str, *account_parts: str) -> Path:
    """``~/.cache/<tap>/journal-<hash>.json``, one per account (the hash hides secrets)."""
    digest = hashlib.sha256("|".join(account_parts).encode()).hexdigest()[:12]
    return Path(f"~/.cache/{tap_name}/journal-{digest}.json").expanduser()


class JobJournal:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    def read(self) -> dict[str, Records]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # a damaged journal must not block a run; the state is the other record
        jobs = data.get("jobs", data.get("exports", {})) if isinstance(data, dict) else {}
        # One record per group (older journals) or a list of them.
        return {k: v if isinstance(v, list) else [v] for k, v in jobs.items() if v}

    def get(self, group: str) -> Records:
        return self.read().get(group, [])

    def record(self, group: str, records: Records) -> None:
        """Replace the records of ``group`` (an empty list forgets them)."""
        jobs = self.read()
        if not records and group not in jobs:
            return
        if records:
            jobs[group] = records
        else:
            del jobs[group]
        self._write(jobs)

    def _write(self, jobs: dict[str, Records]) -> None:
        atomic_write_text(self.path, json.dumps({"jobs": jobs}, indent=2))


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` in one step (no reader ever sees half a file),
    durable on disk; ``mode`` (e.g. 0o600 for a secret) is set before anything is written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        if mode is not None:
            os.fchmod(handle, mode)
        with os.fdopen(handle, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
