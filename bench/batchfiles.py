"""BATCH files: the setting that asks a tap for them, and the rows they hold."""

from __future__ import annotations

import gzip
import typing as t
from pathlib import Path
from urllib.parse import unquote, urlparse

BATCH_SIZE = 100_000  # rows per file: 1M rows -> 10 files


def batch_config(folder: Path, batch_size: int = BATCH_SIZE) -> dict[str, t.Any]:
    """The SDK's ``batch_config`` setting: gzip'd JSON Lines into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": folder.as_uri()},
        "batch_size": batch_size,
    }


def local_path(url: str) -> Path:
    parsed = urlparse(url)
    if parsed.scheme != "file":
        raise ValueError(f"the bench reads local BATCH files only, not {url}")
    return Path(unquote(parsed.path))


def count_rows(urls: t.Iterable[str], *, remove: bool = False) -> int:
    """Lines in the gzip'd JSON Lines files at ``urls`` (``file://``), optionally
    deleting each once counted (a loader may leave them behind)."""
    total = 0
    for url in urls:
        path = local_path(url)
        with gzip.open(path, "rb") as handle:
            total += sum(buffer.count(b"\n") for buffer in iter(lambda: handle.read(1 << 20), b""))
        if remove:
            path.unlink()
    return total


def count_folder_rows(folder: Path, *, remove: bool = False) -> int:
    """Rows in every ``*.gz`` file under ``folder``."""
    return count_rows((p.as_uri() for p in sorted(folder.rglob("*.gz"))), remove=remove)
