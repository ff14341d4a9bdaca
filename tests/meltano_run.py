"""Run Meltano commands of the root project in isolation.

Each call gets its own system database (so its own state) unless one is passed,
runs in the ``sandbox`` environment, and takes setting overrides as environment
variables (``TAP_FOODTRUST_TRACE_API_URL=...``), which is how Meltano reads them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import typing as t
from pathlib import Path

import yaml

from tests.singer_run import executable
from tests.warehouse import duckdb_counts, pg_counts

ROOT = Path(__file__).resolve().parent.parent


def meltano_executable() -> str:
    found = executable("meltano")
    if not shutil.which(found):
        raise RuntimeError("meltano is not installed; run the README's test command")
    return found


def project_extractors() -> list[str]:
    """Names of the project's extractors, from ``meltano/*.meltano.yml``."""
    names = []
    for path in sorted((ROOT / "meltano").glob("*.meltano.yml")):
        document = yaml.safe_load(path.read_text())
        names += [p["name"] for p in document.get("plugins", {}).get("extractors", [])]
    return names


def setting_env(plugin: str, settings: dict[str, t.Any]) -> dict[str, str]:
    """Environment variables that override ``plugin``'s settings."""
    prefix = plugin.upper().replace("-", "_")
    env = {}
    for key, value in settings.items():
        name = f"{prefix}_{key.upper()}"
        env[name] = value if isinstance(value, str) else json.dumps(value)
    return env


def private_sys_dir(path: Path) -> Path:
    """A Meltano system directory whose plugin folders link to the root's installed ones.

    Meltano writes each run's catalog and state to fixed paths under ``.meltano/run/PLUGIN/``;
    tests running side by side (or several people's runs in one clone) would overwrite
    each other's there. Each project gets its own ``run/`` and logs instead.
    """
    path.mkdir(parents=True, exist_ok=True)
    shared = ROOT / ".meltano"
    for entry in shared.iterdir() if shared.is_dir() else []:
        if (
            entry.is_dir()
            and entry.name not in ("run", "logs")
            and not (path / entry.name).exists()
        ):
            (path / entry.name).symlink_to(entry, target_is_directory=True)
    return path


class MeltanoProject:
    """The root Meltano project with a private system database (state) and a private
    ``.meltano`` in ``workdir``, sharing the installed plugins of the root's ``.meltano``."""

    def __init__(self, workdir: Path, environment: str = "sandbox") -> None:
        self.workdir = workdir
        self.environment = environment
        workdir.mkdir(parents=True, exist_ok=True)
        self.database_uri = f"sqlite:///{workdir / 'meltano.db'}"
        self.sys_dir = private_sys_dir(workdir / ".meltano")

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        timeout: float = 600,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {
            **os.environ,
            "MELTANO_DATABASE_URI": self.database_uri,
            "MELTANO_SYS_DIR_ROOT": str(self.sys_dir),
            "MELTANO_ENVIRONMENT": self.environment,
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            **(env or {}),
        }
        return subprocess.run(
            [meltano_executable(), *args],
            cwd=ROOT,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            input=input,
        )

    def run_ok(self, *args: str, **kwargs: t.Any) -> subprocess.CompletedProcess[str]:
        """Like ``run`` but fails with Meltano's own output when the exit is not 0."""
        completed = self.run(*args, **kwargs)
        if completed.returncode != 0:
            raise AssertionError(
                f"meltano {' '.join(args)} exited {completed.returncode}\n"
                f"--- stdout ---\n{completed.stdout[-4000:]}\n"
                f"--- stderr ---\n{completed.stderr[-8000:]}"
            )
        return completed

    def load(
        self,
        tap: str,
        target: str,
        *,
        tap_settings: dict[str, t.Any] | None = None,
        target_settings: dict[str, t.Any] | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        """``meltano run tap target`` with setting overrides; fails on a non-zero exit."""
        full_env = {
            **setting_env(tap, tap_settings or {}),
            **setting_env(target, target_settings or {}),
            **(env or {}),
        }
        return self.run_ok("run", tap, target, env=full_env, timeout=timeout)

    def load_postgres(
        self,
        tap: str,
        *,
        schema: str,
        tap_settings: dict[str, t.Any] | None = None,
        **kwargs: t.Any,
    ) -> dict[str, int]:
        """Load ``tap`` into PostgreSQL ``schema``; returns {table: row count}.

        With the loader's own record validation on (the SDK default, which the project
        turns off for speed): every tap's records must pass it."""
        self.load(
            tap,
            "target-postgres",
            tap_settings=tap_settings,
            target_settings={"default_target_schema": schema, "validate_records": True},
            **kwargs,
        )
        return pg_counts(schema)

    def load_duckdb(
        self,
        tap: str,
        path: Path,
        *,
        tap_settings: dict[str, t.Any] | None = None,
        schema: str = "main_load",
        **kwargs: t.Any,
    ) -> dict[str, int]:
        """Load ``tap`` into the DuckDB file ``path``; returns {table: row count}."""
        self.load(
            tap,
            "target-duckdb",
            tap_settings=tap_settings,
            target_settings={"filepath": str(path), "default_target_schema": schema},
            **kwargs,
        )
        return duckdb_counts(path, schema)
