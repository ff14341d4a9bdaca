"""End to end through Meltano on a scenario's generated export: ``meltano run tap
target-postgres`` in RECORD mode and in BATCH mode (each into its own schema, each
with a fresh system database so neither is incremental), and ``tap target-duckdb`` in
RECORD mode (target-duckdb 0.8.0 cannot read BATCH messages).

Figures: rows landed, wall of the whole ``meltano run`` (Meltano's start and the
tap's discovery included), rows/s. ``emitted`` in BATCH mode: the rows in the files
the tap wrote (the loader leaves them behind); in RECORD mode the caller compares
with the bench's own RECORD-mode run of the same tap on the same file.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import time
import typing as t
from pathlib import Path

from bench.batchfiles import batch_config, count_folder_rows
from bench.meltano_project import LoadTimeoutError, declares, meltano_run
from bench.scenarios import Scenario
from sandbox.core import start

MODES = ("postgres-record", "postgres-batch", "duckdb-record")


def meltano_loads(
    scenario: Scenario,
    rows: int,
    cache: Path,
    workdir: Path,
    modes: t.Sequence[str] = MODES,
    parallel: bool = False,
    timeout: float = 600,
) -> dict[str, dict[str, t.Any]]:
    """One load per mode, each against its own stand-in. ``parallel`` runs them side by
    side: quicker (the smoke test), but their timings are then meaningless."""
    files = scenario.export(rows, cache)
    if not parallel:
        return {mode: _load(scenario, files, rows, mode, workdir, timeout) for mode in modes}
    with concurrent.futures.ThreadPoolExecutor(len(modes)) as pool:
        futures = {m: pool.submit(_load, scenario, files, rows, m, workdir, timeout) for m in modes}
        return {mode: future.result() for mode, future in futures.items()}


def _load(
    scenario: Scenario, files: list[Path], rows: int, mode: str, workdir: Path, timeout: float
) -> dict[str, t.Any]:
    rundir = workdir / f"e2e-{scenario.name}-{rows}-{mode}"
    rundir.mkdir(parents=True, exist_ok=True)
    batches = rundir / "batches"
    with (
        start(scenario.app(files)) as server,
        _destination(mode, scenario, rundir) as (target, target_settings, landed_rows),
    ):
        settings = scenario.settings(server.app, rundir)
        settings["poll_interval_seconds"] = 1  # an integer setting in Meltano
        if mode.endswith("-batch"):
            if not declares(scenario.executable, "batch_config"):
                raise RuntimeError(
                    f"{scenario.executable} does not declare batch_config in its Meltano "
                    "plugin definition, so Meltano would drop TAP_X_BATCH_CONFIG"
                )
            settings["batch_config"] = batch_config(batches)
        timed_out = False
        began = time.perf_counter()
        try:
            meltano_run(
                rundir,
                scenario.executable,
                target,
                tap_settings=settings,
                target_settings=target_settings,
                env=_select(scenario.executable, scenario.stream),
                timeout=timeout,
            )
        except LoadTimeoutError:
            timed_out = True
        wall = time.perf_counter() - began
        landed = landed_rows()
    return {
        "rows": landed,
        "wall": wall,
        "rows_per_second": landed / wall if wall else 0.0,
        # BATCH mode: rows in the files the tap wrote (0: it wrote none)
        "emitted": count_folder_rows(batches, remove=True) if batches.exists() else None,
        "timed_out": timed_out,  # stopped after ``timeout`` s: rows is what had landed
    }


@contextlib.contextmanager
def _destination(
    mode: str, scenario: Scenario, rundir: Path
) -> t.Iterator[tuple[str, dict[str, t.Any], t.Callable[[], int]]]:
    """The loader, its settings, and how to count the stream's rows it landed."""
    from tests.warehouse import duckdb_counts, pg_counts

    if mode.startswith("duckdb"):
        path = rundir / "bench.duckdb"

        def landed() -> int:  # no file: the load stopped before the loader wrote one
            return duckdb_counts(path, "bench").get(scenario.stream, 0) if path.exists() else 0

        yield "target-duckdb", {"filepath": str(path), "default_target_schema": "bench"}, landed
        return
    schema = f"bench_{scenario.name}_{mode.split('-')[1]}_{os.getpid()}"
    with _pg_schema(schema):
        # The bench counts the rows in the BATCH files after the load, then deletes them.
        settings = {"default_target_schema": schema, "clean_up_batch_files": False}
        yield "target-postgres", settings, lambda: pg_counts(schema).get(scenario.stream, 0)


def _select(tap: str, stream: str) -> dict[str, str]:
    """Only the bench's stream (the ``select`` extra, overridden as Meltano reads it)."""
    return {f"{tap.upper().replace('-', '_')}__SELECT": json.dumps([f"{stream}.*"])}


@contextlib.contextmanager
def _pg_schema(name: str) -> t.Iterator[str]:
    """A PostgreSQL schema that exists for the block only."""
    import psycopg

    from tests.warehouse import PG_DSN

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            # A stopped loader's statement can outlive its client and hold the table.
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE pid <> pg_backend_pid() AND position(%s in query) > 0",
                (name,),
            )
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
