"""One partition as one `meltano run`: its settings and BATCH storage through the
environment, its own state id, every output line into the Dagster run log."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import typing as t
from collections import deque
from pathlib import Path

REFUSED = "pipeline is already running"
STOP_GRACE_SECONDS = 30


class PartitionRefusedError(Exception):
    """Another run of the same state id is in flight (Meltano's guard)."""


class PartitionFailedError(Exception):
    """`meltano run` exited non-zero; the message holds its last lines."""


def setting_variables(plugin: str, settings: dict[str, t.Any]) -> dict[str, str]:
    """Environment variables that set ``plugin``'s settings (how Meltano reads them)."""
    prefix = plugin.upper().replace("-", "_")
    return {
        f"{prefix}_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
        for name, value in settings.items()
    }


def batch_config(root: str) -> dict[str, t.Any]:
    """The SDK's BATCH settings: gzipped JSON Lines files under ``root`` (e.g. s3://b/p).

    The S3 endpoint and credentials come from the standard AWS variables
    (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...), which both the tap and the loader read:
    nothing secret goes into the config or the state.
    """
    return {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": root.rstrip("/")},
    }


@contextlib.contextmanager
def private_sys_dir(project_root: Path) -> t.Iterator[Path]:
    """A `.meltano` of its own for one run: the project's installed plugins (and default
    system database), but its own `run/` directory.

    Meltano writes each plugin's config, catalog and state files to `.meltano/run/<plugin>/`;
    two partitions of one tap running at once in one project would overwrite each other's
    catalog there. MELTANO_SYS_DIR_ROOT points a run at this directory instead.
    """
    shared = project_root / ".meltano"
    private = Path(tempfile.mkdtemp(prefix="meltano-partition-"))
    try:
        for entry in shared.iterdir() if shared.is_dir() else []:
            if entry.name not in ("run", "logs"):
                (private / entry.name).symlink_to(entry)
        yield private
    finally:
        shutil.rmtree(private, ignore_errors=True)


def state_id(environment: str, tap: str, loader: str, suffix: str) -> str:
    return f"{environment}:{tap}-to-{loader}:{suffix}"


def run_meltano(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log: t.Callable[[str], None],
) -> None:
    """Run ``command``, logging each line; stop it (SIGTERM, then SIGKILL) if we are stopped.

    Raises PartitionRefusedError or PartitionFailedError on a non-zero exit.
    """
    tail: deque[str] = deque(maxlen=20)
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,  # its own process group: tap and loader stop with it
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip()
            if line:
                tail.append(line)
                log(line)
        returncode = process.wait()
    finally:
        if process.poll() is None:  # we were interrupted (run terminated, executor stopped)
            _stop(process)
    if returncode != 0:
        if any(REFUSED in line for line in tail):
            raise PartitionRefusedError(next(line for line in tail if REFUSED in line))
        raise PartitionFailedError(
            f"meltano run exited {returncode}: " + " | ".join(list(tail)[-3:])
        )


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM to Meltano lets it stop tap and loader and mark its run failed (so the
    partition can run again at once); whatever is left of the group is then killed."""
    process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_GRACE_SECONDS)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
