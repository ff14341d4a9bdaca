"""Download an export file to disk and read it line by line.

A file is streamed to a temporary file and its size checked against ``SizeInBytes``
and its last line for completeness before any row of it is emitted, so a dropped
connection or a truncated file is fetched again before a single row goes out. Rows
are then parsed once, while they are emitted; if a line further in is broken, the
caller retries the file and skips the lines it already emitted (``rows(skip=...)``),
so nothing is emitted twice and a half-emitted file never counts as done.
"""

from __future__ import annotations

import os
import re
import tempfile
import typing as t
from pathlib import Path

import msgspec
import requests

CHUNK = 1024 * 1024
# File URLs are pre-signed: their query string is a credential and never logged.
_SIGNED_URL = re.compile(r"(https?://[^\s'\"?]+)\?[^\s'\")]*")


class FileFetchError(Exception):
    """This attempt failed; a fresh URL may succeed."""


decode = msgspec.json.Decoder().decode


def without_signature(text: str) -> str:
    """``text`` with the query string of every URL in it removed."""
    return _SIGNED_URL.sub(r"\1?<signature hidden>", text)


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
        reason = without_signature(str(exc))
        raise FileFetchError(f"the transfer broke after {written} bytes ({reason})") from None
    except FileFetchError:
        path.unlink(missing_ok=True)
        raise
    if expected_size is not None and written != int(expected_size):
        path.unlink(missing_ok=True)
        raise FileFetchError(f"got {written} bytes, the export says {int(expected_size)}")
    if written and not _ends_with_complete_line(path):
        path.unlink(missing_ok=True)
        raise FileFetchError("the last JSON line is truncated")
    return path


def _ends_with_complete_line(path: Path) -> bool:
    """Whether the file's last line is whole JSON (read from the end, however long)."""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        block = 65536
        while True:
            handle.seek(max(0, size - block))
            tail = handle.read().rstrip(b"\r\n")
            if b"\n" in tail or block >= size:
                break
            block *= 4
    try:
        decode(tail.rsplit(b"\n", 1)[-1])  # the same parser that reads the rows
    except msgspec.DecodeError:
        return False
    return True


def rows(path: Path, skip: int = 0) -> t.Iterator[tuple[int, dict[str, t.Any]]]:
    """``(line number, row)`` of every non-blank line after the first ``skip`` lines."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if number <= skip or not line.strip():
                continue
            try:
                row = decode(line)  # msgspec: several times faster than json.loads
            except msgspec.DecodeError as exc:
                raise FileFetchError(f"line {number} is not valid JSON") from exc
            if not isinstance(row, dict):
                raise FileFetchError(f"line {number} is not a JSON object")
            yield number, row
