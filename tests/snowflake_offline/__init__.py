"""The offline Snowflake for tests: start the emulator, point target-snowflake at it, query it.

``Emulator.start()`` runs ``emulator.py`` (fakesnow's server plus the SQL shim) in its own
venv; ``emulator.target_env(database)`` is the environment that makes the real
target-snowflake CLI (Meltano's plugin venv) log in to it; ``emulator.query(...)`` reads
tables back through the real Snowflake connector. What the shim rewrites, and what these
tests therefore do not prove: README.md beside this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import typing as t
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EMULATOR_PYTHON = ROOT / ".meltano" / "fakesnow" / "venv" / "bin" / "python"
TARGET_VENV = ROOT / ".meltano" / "loaders" / "target-snowflake" / "venv"
TARGET = TARGET_VENV / "bin" / "target-snowflake"
CLIENT_SHIM = HERE / "client"


class Emulator:
    """A running emulator process on a free local port."""

    def __init__(self, process: subprocess.Popen[str], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    @classmethod
    def start(cls, log: Path) -> Emulator:
        for path, what in [
            (EMULATOR_PYTHON, "the emulator venv"),
            (TARGET_VENV, "target-snowflake"),
        ]:
            if not path.exists():
                raise RuntimeError(f"{what} is not installed ({path}); run bin/setup")
        with log.open("w") as stderr:
            process = subprocess.Popen(
                [str(EMULATOR_PYTHON), str(HERE / "emulator.py")],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env={**os.environ, "TMPDIR": str(log.parent)},  # fakesnow stages files there
            )
        line = process.stdout.readline() if process.stdout else ""  # "" if it died
        if not line.startswith("READY "):
            process.kill()
            raise RuntimeError(f"the emulator did not start: {line!r}\n{log.read_text()[-2000:]}")
        return cls(process, int(line.split()[1]), log)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def target_env(self, database: str) -> dict[str, str]:
        """Environment for target-snowflake (and Meltano's SNOWFLAKE_* settings)."""
        return {
            "SNOWFLAKE_ACCOUNT": "offline",
            "SNOWFLAKE_USER": "offline",
            "SNOWFLAKE_PASSWORD": "offline-password",
            "SNOWFLAKE_DATABASE": database,
            "SNOWFLAKE_WAREHOUSE": "",
            "SNOWFLAKE_ROLE": "",
            "SNOWFLAKE_PRIVATE_KEY": "",
            # The client shim: a sitecustomize that only this environment puts on the path.
            "SNOWFLAKE_OFFLINE_ENDPOINT": f"127.0.0.1:{self.port}",
            "PYTHONPATH": os.pathsep.join(
                [str(CLIENT_SHIM), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }

    def query(self, database: str, *statements: str) -> list[list[list[t.Any]]]:
        """Rows of each statement, read with the real Snowflake connector."""
        completed = subprocess.run(
            [str(EMULATOR_PYTHON), str(HERE / "query.py"), str(self.port), database, *statements],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if completed.returncode != 0:
            raise AssertionError(f"query failed: {completed.stderr[-3000:]}")
        return [json.loads(line) for line in completed.stdout.splitlines()]

    def counts(self, database: str, schema: str) -> dict[str, int]:
        """Row count of every table in ``schema`` (lower-case table names)."""
        [tables] = self.query(
            database,
            "select table_name from information_schema.tables"
            f" where table_schema = '{schema.upper()}' order by 1",
        )
        found = [name for [name] in tables]
        rows = self.query(database, *(f"select count(*) from {schema}.{name}" for name in found))
        return {name.lower(): result[0][0] for name, result in zip(found, rows, strict=True)}

    def column_types(self, database: str, schema: str, table: str) -> dict[str, str]:
        """Column name -> Snowflake data type, as information_schema reports them."""
        [rows] = self.query(
            database,
            "select column_name, data_type from information_schema.columns"
            f" where table_schema = '{schema.upper()}' and table_name = '{table.upper()}'",
        )
        return dict(rows)
