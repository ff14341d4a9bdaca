"""What one partition's `meltano run` gets: its settings through the environment (how Meltano
reads them), its BATCH storage, its state id and a `.meltano/run` directory of its own."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import typing as t
from pathlib import Path


def setting_variables(plugin: str, settings: dict[str, t.Any]) -> dict[str, str]:
    """Environment variables that set ``plugin``'s settings."""
    prefix = plugin.upper().replace("-", "_")
    return {
        f"{prefix}_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
        for name, value in settings.items()
    }


def select_variable(plugin: str, tables: t.Iterable[str]) -> dict[str, str]:
    """Meltano's `select` extra as a variable: only these tables' streams run."""
    prefix = plugin.upper().replace("-", "_")
    return {f"{prefix}__SELECT": json.dumps([f"{table}.*" for table in sorted(tables)])}


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
    """A `.meltano` of its own for one run: the project's installed plugins, its own `run/`.

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
