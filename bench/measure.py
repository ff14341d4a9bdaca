"""Run a command with stdout piped to a counter (bytes discarded, like > /dev/null).

Reports the records of one stream, seconds from start to the last such record,
wall time, and the child's peak RSS (``wait4`` rusage, so the whole life of it).
"""

from __future__ import annotations

import os
import subprocess
import time
import typing as t
from dataclasses import dataclass


@dataclass
class Measurement:
    records: int
    seconds: float  # start -> last record
    wall: float
    peak_rss_mb: float
    returncode: int

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def run(command: list[str], stream: str | None, env: dict[str, str] | None = None) -> Measurement:
    marker = b'"type":"RECORD"'
    stream_marker = f'"stream":"{stream}"'.encode() if stream else b""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        bufsize=1 << 20,
    )
    records, last = 0, start
    assert process.stdout is not None
    for line in process.stdout:
        compact = line.replace(b'": ', b'":')  # both json spacings
        if marker in compact and stream_marker in compact:
            records += 1
            last = time.perf_counter()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(
        records,
        last - start,
        time.perf_counter() - start,
        usage.ru_maxrss / 1024,
        process.returncode,
    )


def select_only(catalog: dict[str, t.Any], stream: str) -> dict[str, t.Any]:
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] == stream
    return catalog
