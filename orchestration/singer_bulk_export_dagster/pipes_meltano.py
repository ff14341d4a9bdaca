"""The external side of a partition's Dagster Pipes session (started by MeltanoResource on
the worker): runs `meltano run`, sends every line it prints to the Dagster run log, and on
success reports one materialization per table with the rows the loader loaded, the state
id and the duration. Its outcome (exit code, refused or not) goes back as a custom message.

    python -m singer_bulk_export_dagster.pipes_meltano meltano run ...
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter, deque

from dagster_pipes import PipesContext, open_dagster_pipes

REFUSED = "pipeline is already running"  # Meltano's refusal of a second run of a state id


def loaded_rows(line: str, loader: str) -> tuple[str, int] | None:
    """(table, rows) from one of the loader's `record_count` METRIC lines."""
    _, found, payload = line.partition(f"{loader} METRIC: ")
    if not found:
        return None
    try:
        metric = json.loads(payload)
    except ValueError:
        return None
    if metric.get("metric") != "record_count":
        return None
    return metric["tags"]["stream"], int(metric["value"])


def run(pipes: PipesContext, command: list[str]) -> None:
    extras = pipes.extras
    rows: Counter[str] = Counter()
    tail: deque[str] = deque(maxlen=3)
    refused = False
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip()
            if line:
                pipes.log.info(line)
                tail.append(line)
                refused = refused or REFUSED in line
                if loaded := loaded_rows(line, extras["loader"]):
                    rows[loaded[0]] += loaded[1]
        code = process.wait()
    except KeyboardInterrupt:  # the run was stopped: SIGTERM lets Meltano mark its run failed
        process.terminate()
        process.wait()
        raise
    if code == 0:
        for table in extras["tables"]:
            pipes.report_asset_materialization(
                asset_key=f"{extras['asset_prefix']}/{table}",
                metadata={
                    "rows": {"raw_value": rows[table], "type": "int"},
                    "state_id": extras["state_id"],
                    "duration_seconds": {
                        "raw_value": round(time.monotonic() - started, 1),
                        "type": "float",
                    },
                },
            )
    pipes.report_custom_message({"exit_code": code, "refused": refused, "tail": list(tail)})


def main() -> int:
    with open_dagster_pipes() as pipes:
        run(pipes, sys.argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
