"""Scale-out demo and measurement (bin/scale-demo): a Dagster run of N Mews entity types
(one asset and step each) on two Celery workers (each its own machine,
tests/local_cluster.py), against one `meltano run` of the same N types, both into
PostgreSQL with BATCH files through a local S3.
The Mews stand-in holds every export for T seconds, so wall / T shows what the fan-out buys.

    .venv/bin/python -m tests.scale_demo --job-seconds 60 --partitions 8
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from dagster import DagsterInstance, RunsFilter

from sandbox.core import start
from sandbox.mews import MewsApp
from singer_bulk_export_dagster.partitions import MEWS_ENTITY_TYPES
from singer_bulk_export_dagster.runner import private_sys_dir, setting_variables
from tests.local_cluster import BIN, REPO_ROOT, build_packages, local_cluster
from tests.warehouse import PG_DSN, pg_counts

JOB = "tap_mews_exports"
MELTANO_PIPELINE = ("tap-mews-exports", "target-postgres")


def backfill(cluster, instance: DagsterInstance) -> tuple[float, list[str]]:
    """Launch the Mews job (one step per entity type) through the queue; (wall, statuses)."""
    started = time.monotonic()
    cluster.launch(JOB)
    while True:
        runs = instance.get_runs(RunsFilter(job_name=JOB))
        if runs and all(run.is_finished for run in runs):
            return time.monotonic() - started, [run.status.value for run in runs]
        time.sleep(0.5)


def one_job(env: dict[str, str], entities: list[str], schema: str) -> float:
    """The same entity types in one `meltano run` (its own state id); wall seconds."""
    settings = {
        "entity_types": entities,
        "batch_config": {
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "storage": {"root": f"{env['SCALE_OUT_BATCH_ROOT']}/one-job"},
        },
    }
    started = time.monotonic()
    with private_sys_dir(REPO_ROOT) as sys_dir:
        subprocess.run(
            [str(BIN / "meltano"), "run", "--state-id-suffix=one-job", *MELTANO_PIPELINE],
            cwd=REPO_ROOT,
            env={
                **env,
                **setting_variables("tap-mews-exports", settings),
                "MELTANO_SYS_DIR_ROOT": str(sys_dir),
                "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            },
            check=True,
            capture_output=True,
        )
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job-seconds", type=float, default=60.0, help="T: export time")
    parser.add_argument("--partitions", type=int, default=8, help="N entity types")
    parser.add_argument("--concurrency", type=int, default=4, help="partitions per worker")
    args = parser.parse_args()
    entities = list(MEWS_ENTITY_TYPES[: args.partitions])
    mews = start(MewsApp(seed=1, job_seconds=args.job_seconds))
    settings = {
        "TAP_MEWS_EXPORTS_API_URL": mews.url,
        "TAP_MEWS_EXPORTS_POLL_INTERVAL_SECONDS": "1",
        "TAP_MEWS_EXPORTS_ENTITY_TYPES": json.dumps(entities),  # the Mews assets, everywhere
    }
    root = Path(tempfile.mkdtemp(prefix="scale-demo-"))
    try:
        with local_cluster(root, **settings) as cluster:
            print(f"Mews stand-in {mews.url}, T = {args.job_seconds:g} s, N = {len(entities)}")
            wheels = build_packages(root / "wheels")
            workers = ("worker-1", "worker-2")
            with ThreadPoolExecutor(2) as pool:
                machines = [
                    pool.submit(cluster.provision, n, wheels, ["tap-mews-exports"]) for n in workers
                ]
                [machine.result() for machine in machines]
            for name in workers:
                cluster.start_worker(name, args.concurrency)
            env = cluster.orchestrator_env
            os.environ.update(env)
            with DagsterInstance.get() as instance:
                cluster.start_daemon()
                cluster.wait_ready()
                wall_backfill, statuses = backfill(cluster, instance)
            print(f"backfill: runs {statuses}, rows {pg_counts(cluster.schema)}")
            one_schema = f"{cluster.schema}_one"
            try:
                wall_one = one_job(env, entities, one_schema)
                print(f"one job:  rows {pg_counts(one_schema)}")
            finally:
                with psycopg.connect(PG_DSN, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{one_schema}" CASCADE')
            states = subprocess.run(
                [str(BIN / "meltano"), "state", "list"],
                cwd=REPO_ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            print("state ids:", *states, sep="\n  ")
            t = args.job_seconds
            print(f"N = {len(entities)}, T = {t:g} s, 2 workers x {args.concurrency}")
            print(f"backfill wall {wall_backfill:.1f} s = {wall_backfill / t:.2f} T")
            print(f"one job  wall {wall_one:.1f} s = {wall_one / t:.2f} T")
            print(json.dumps({"backfill_T": wall_backfill / t, "one_job_T": wall_one / t}))
            return 0 if set(statuses) == {"SUCCESS"} else 1
    finally:
        mews.stop()


if __name__ == "__main__":
    sys.exit(main())
