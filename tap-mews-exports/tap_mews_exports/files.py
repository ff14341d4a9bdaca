"""Download an export file to disk and read it line by line.

A file is streamed to a temporary file, its size checked against ``SizeInBytes``
and its last line checked for completeness before any row of it is emitted, so a
dropped connection or a truncated file is retried from that file and never counted
half-done.
"""

from __future__ import annotations

import json
import os
import tempfile
import typing as t
from pathlib import Path

import requests

CHUNK = 1024 * 1024


class FileFetchError(Exception):
    """This attempt failed; a fresh URL may succeed."""


def download(url: str, expected_size: int | None, workdir: Path, session: requests.Session) -> Path:
    handle, name = tempfile.mkstemp(dir=workdir, suffix=".jsonl")
    path = Path(name)
    written = 0
    try:
        with os.fdopen(handle, "wb") as out:
            response = session.get(url, stream=True, timeout=(10, 300))
            with response:
                if response.status_code != 200:
                    raise FileFetchError(f"HTTP {response.status_code} for the file URL")
                for chunk in response.iter_content(CHUNK):
                    out.write(chunk)
                    written += len(chunk)
    except requests.RequestException as exc:
        path.unlink(missing_ok=True)
        raise FileFetchError(f"the transfer broke after {written} bytes ({exc})") from exc
    except FileFetchError:
        path.unlink(missing_ok=True)
        raise
    if expected_size is not None and written != int(expected_size):
        path.unlink(missing_ok=True)
        raise FileFetchError(f"got {written} bytes, the export says {int(expected_size)}")
    if written and not _ends_with_complete_line(path):
        path.unlink(missing_ok=True)
        raise FileFetchError("the last JSON line is truncated")
    try:  # every line checked before the first row is emitted: never half a file
        for _ in rows(path):
            pass
    except FileFetchError:
        path.unlink(missing_ok=True)
        raise
    return path


def _ends_with_complete_line(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 65536))
        tail = handle.read().rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    try:
        json.loads(tail)
    except ValueError:
        return False
    return True


def rows(path: Path) -> t.Iterator[dict[str, t.Any]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise FileFetchError(f"line {number} is not valid JSON") from exc
