"""A local journal of created jobs, written before any polling, so a run that dies does not
lose a job id (some APIs refuse a second job while one runs, some jobs cost hours): the next
run re-attaches. JSON (group -> records of its unfinished jobs), replaced atomically.
"""

import json
import os
import tempfile
import typing as t
from pathlib import Path

Records = list[dict[str, t.Any]]


class JobJournal:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    def read(self) -> dict[str, Records]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}  # none yet, or damaged: must not block a run (the state is the other copy)
        jobs = data.get("jobs") if isinstance(data, dict) else None
        jobs = jobs if isinstance(jobs, dict) else {}  # damaged: the state is the other copy
        return {k: v for k, v in jobs.items() if isinstance(v, list) and v}

    def get(self, group: str) -> Records:
        return self.read().get(group, [])

    def record(self, group: str, records: Records) -> None:
        """Replace the records of ``group`` (an empty list forgets them)."""
        jobs = self.read()
        if records:
            jobs[group] = records
        elif jobs.pop(group, None) is None:
            return  # nothing to forget: no write
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
