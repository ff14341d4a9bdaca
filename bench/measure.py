"""Run a command with stdout piped to a counter (bytes discarded, like > /dev/null).

Reports the records of one stream, seconds from start to the last such record (or, in
BATCH mode, to the last BATCH message, the rows counted in the files it announced),
wall time, and the child's peak RSS (``wait4`` rusage, so the whole life of it).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import typing as t
from dataclasses import dataclass

from bench.batchfiles import count_rows


@dataclass
class Measurement:
    records: int  # RECORD messages, or rows in the announced BATCH files
    seconds: float  # start -> last record (or last BATCH message)
    wall: float
    peak_rss_mb: float
    returncode: int
    batch_files: int = 0

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def run(command: list[str], stream: str | None, env: dict[str, str] | None = None) -> Measurement:
    record_marker = b'"type":"RECORD"'
    batch_marker = b'"type":"BATCH"'
    stream_marker = f'"stream":"{stream}"'.encode() if stream else b""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        bufsize=1 << 20,
    )
    records, last, manifest = 0, start, []
    assert process.stdout is not None
    for line in process.stdout:
        compact = line.replace(b'": ', b'":')  # both json spacings
        if stream_marker not in compact:
            continue
        if record_marker in compact:
            records += 1
            last = time.perf_counter()
        elif batch_marker in compact:
            manifest += json.loads(line)["manifest"]
            last = time.perf_counter()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    # Counted after the clock stopped: reading the files back is not the tap's work.
    records += count_rows(manifest, remove=True)
    return Measurement(
        records, last - start, wall, usage.ru_maxrss / 1024, process.returncode, len(manifest)
    )


def select_only(catalog: dict[str, t.Any], stream: str) -> dict[str, t.Any]:
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] == stream
    return catalog
