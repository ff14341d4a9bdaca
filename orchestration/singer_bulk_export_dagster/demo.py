"""Scale-out demo and measurement (bin/scale-demo): a Dagster backfill of N Mews entity
types, four runs at a time, against one `meltano run` of the same N types, both into
PostgreSQL with BATCH files through a local S3. The Mews stand-in holds every export for
T seconds, so wall / T shows what the fan-out buys on this machine.

    .venv/bin/python -m orchestration.demo --job-seconds 20 --partitions 4
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from sandbox.core import start
from sandbox.mews import MewsApp
from singer_bulk_export_dagster import local_s3
from singer_bulk_export_dagster.overlay import batch_ready_project
from singer_bulk_export_dagster.partitions import MEWS_ENTITY_TYPES
from singer_bulk_export_dagster.project import REPO_ROOT
from singer_bulk_export_dagster.runner import private_sys_dir, setting_variables
from singer_bulk_export_dagster.systemdb import create_database, migrate

PG = "host=127.0.0.1 port=5432 user=postgres dbname=test"
BIN = Path(sys.executable).parent
JOB = "mews_entity_types"


def counts(schema: str) -> dict[str, int]:
    with psycopg.connect(PG, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
            (schema,),
        ).fetchall()
        return {
            name: conn.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]
            for (name,) in tables
        }


def backfill(env: dict[str, str], entities: list[str]) -> tuple[float, list[str]]:
    """Queue the backfill, let the daemon run it; (wall seconds, run statuses)."""
    from dagster import DagsterInstance

    instance = DagsterInstance.get()  # creates the storage before the daemon does
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-f", "orchestration/definitions.py"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started = time.monotonic()
    submitted = time.time()
    try:
        subprocess.run(
            [
                str(BIN / "dagster"),
                "job",
                "backfill",
                "-f",
                "orchestration/definitions.py",
                "-j",
                JOB,
                "--partitions",
                ",".join(entities),
                "--noprompt",
            ],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        while True:
            runs = instance.get_runs()
            if len(runs) == len(entities) and all(run.is_finished for run in runs):
                wall = time.monotonic() - started
                break
            time.sleep(0.5)
        records = instance.get_run_records()
        first_start = min(record.start_time for record in records)
        spans = sorted(record.end_time - record.start_time for record in records)
        print(
            f"backfill: first run started {first_start - submitted:.1f} s after submission;"
            f" runs took {spans[0]:.1f} to {spans[-1]:.1f} s each"
        )
        return wall, [run.status.value for run in runs]
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)
        instance.dispose()


def one_job(env: dict[str, str], project: Path, entities: list[str], batch_root: str) -> float:
    """The same entity types in one `meltano run` (its own state id); wall seconds."""
    settings = {
        "entity_types": entities,
        "journal_path": ".meltano/run/tap-mews-exports/journal-demo-one-job.json",
        "batch_config": {
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "storage": {"root": f"{batch_root}/one-job"},
        },
    }
    started = time.monotonic()
    with private_sys_dir(project) as sys_dir:
        subprocess.run(
            [
                str(BIN / "meltano"),
                "run",
                "--state-id-suffix=one-job",
                "tap-mews-exports",
                "target-postgres",
            ],
            cwd=project,
            env={
                **env,
                **setting_variables("tap-mews-exports", settings),
                "MELTANO_SYS_DIR_ROOT": str(sys_dir),
            },
            check=True,
            capture_output=True,
        )
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job-seconds", type=float, default=20.0, help="T: export time")
    parser.add_argument("--partitions", type=int, default=4, help="N entity types")
    parser.add_argument("--max-runs", type=int, default=4, help="runs at once")
    args = parser.parse_args()
    entities = list(MEWS_ENTITY_TYPES[: args.partitions])

    work = Path(tempfile.mkdtemp(prefix="scale-demo-"))
    s3_server, endpoint = local_s3.start(bucket="meltano-batches")
    mews = start(MewsApp(seed=1, job_seconds=args.job_seconds))
    name = uuid.uuid4().hex[:8]
    database_uri = f"postgresql+psycopg://postgres@127.0.0.1:5432/scale_demo_{name}"
    schemas = {"backfill": f"scale_demo_{name}_backfill", "one job": f"scale_demo_{name}_one"}
    try:
        project = batch_ready_project(work / "project")
        create_database(database_uri)
        migrate(database_uri, project)
        with psycopg.connect(PG, autocommit=True) as conn:
            for schema in schemas.values():
                conn.execute(f'CREATE SCHEMA "{schema}"')
        home = work / "dagster"
        home.mkdir()
        shutil.copy(REPO_ROOT / "orchestration" / "dagster.yaml", home)
        env = {
            **os.environ,
            **local_s3.aws_env(endpoint),
            "DAGSTER_HOME": str(home),
            "MELTANO_PROJECT_ROOT": str(project),
            "MELTANO_DATABASE_URI": database_uri,
            "MELTANO_ENVIRONMENT": "sandbox",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "SCALE_OUT_BATCH_ROOT": "s3://meltano-batches/demo",
            "SCALE_OUT_MAX_RUNS": str(args.max_runs),
            "TAP_MEWS_EXPORTS_API_URL": mews.url,
            "TAP_MEWS_EXPORTS_POLL_INTERVAL_SECONDS": "1",
            "TAP_MEWS_EXPORTS_ENTITY_TYPES": json.dumps(entities),
        }
        os.environ.update({k: env[k] for k in ("DAGSTER_HOME", "SCALE_OUT_MAX_RUNS")})
        print(
            f"Mews stand-in {mews.url}, export time T = {args.job_seconds:g} s; "
            f"local S3 {endpoint}; {len(entities)} partitions: {', '.join(entities)}"
        )

        env["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"] = schemas["backfill"]
        wall_backfill, statuses = backfill(env, entities)
        print(f"backfill: runs {statuses}, rows {counts(schemas['backfill'])}")
        env["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"] = schemas["one job"]
        wall_one = one_job(env, project, entities, "s3://meltano-batches/demo")
        print(f"one job:  rows {counts(schemas['one job'])}")
        states = subprocess.run(
            [str(BIN / "meltano"), "state", "list"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        print("state ids:", *states, sep="\n  ")
        print(f"batch files in S3: {len(local_s3.object_keys(endpoint, 'meltano-batches'))}")
        t = args.job_seconds
        print(f"N = {len(entities)}, T = {t:g} s")
        print(f"backfill wall {wall_backfill:.1f} s = {wall_backfill / t:.2f} T")
        print(f"one job  wall {wall_one:.1f} s = {wall_one / t:.2f} T")
        return 0 if set(statuses) == {"SUCCESS"} else 1
    finally:
        mews.stop()
        s3_server.stop()
        with psycopg.connect(PG, autocommit=True) as conn:
            for schema in schemas.values():
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'DROP DATABASE IF EXISTS "scale_demo_{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
