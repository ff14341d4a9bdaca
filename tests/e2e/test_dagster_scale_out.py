"""Scale-out on Dagster (orchestration/): Mews entity types as partitions, each a
`meltano run` with its own state id in a shared PostgreSQL system database, BATCH files
through a local S3 (moto) into PostgreSQL.

One module-wide setup: the stand-in, the S3, a fresh system database (migrated once) and
warehouse schema, a Dagster instance; then a real backfill through Dagster's run queue and
daemon, and single partitions run in process against the same instance.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import typing as t
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from orchestration import local_s3
from orchestration.project import REPO_ROOT
from orchestration.systemdb import create_database, migrate
from sandbox.core import RunningServer, start
from sandbox.mews import MewsApp
from tests.warehouse import PG_DSN, pg_counts

pytestmark = pytest.mark.e2e

BACKFILL = {"Customer": "customers", "Company": "companies", "Payment": "payments"}
BACKFILL["Reservation"] = "reservations"
COUNTS = {"customers": 50, "companies": 10, "payments": 60, "reservations": 40}
JOB = "mews_entity_types"
BUCKET = "meltano-batches"
BIN = Path(sys.executable).parent


PARTITION_RUN = """
import json, sys
from dagster import DagsterInstance
from orchestration.definitions import build_definitions
job = build_definitions().get_job_def("mews_entity_types")
with DagsterInstance.get() as instance:
    result = job.execute_in_process(
        partition_key=sys.argv[1], instance=instance, raise_on_error=False
    )
events = [event.event_type_value for event in result.all_events]
print(json.dumps({"success": result.success, "run_id": result.run_id,
                  "retries": events.count("STEP_UP_FOR_RETRY")}))
"""


def finished_partition(process: subprocess.Popen[str]) -> dict[str, t.Any]:
    stdout, _ = process.communicate(timeout=180)
    return json.loads(stdout.strip().splitlines()[-1])


def state_id(entity: str) -> str:
    return f"sandbox:tap-mews-exports-to-target-postgres:entity-{entity}"


@dataclass
class ScaleOut:
    project: Path
    env: dict[str, str]
    mews: RunningServer
    endpoint: str
    schema: str
    database_uri: str  # the shared Meltano system database
    instance: t.Any  # DagsterInstance

    def job(self) -> t.Any:
        from orchestration.definitions import build_definitions

        return build_definitions().get_job_def(JOB)

    def run_partition(self, entity: str) -> t.Any:
        return self.job().execute_in_process(
            partition_key=entity, instance=self.instance, raise_on_error=False
        )

    def start_partition(self, entity: str) -> subprocess.Popen[str]:
        """The same in another process (two runs in one process can deadlock on the
        instance's storage); ``finished_partition`` reads its outcome."""
        return subprocess.Popen(
            [sys.executable, "-c", PARTITION_RUN, entity],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def meltano(self, *args: str) -> str:
        completed = subprocess.run(
            [str(BIN / "meltano"), *args],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return completed.stdout

    def bookmarks(self) -> dict[str, dict[str, t.Any]]:
        """State id -> the Singer bookmarks Meltano stored for it."""
        with psycopg.connect(self.database_uri.replace("+psycopg", ""), autocommit=True) as conn:
            rows = conn.execute("SELECT state_id, completed_state FROM state").fetchall()
        states = {key: json.loads(v) if isinstance(v, str) else v for key, v in rows}
        return {key: value["singer_state"]["bookmarks"] for key, value in states.items()}

    def exports_added(self, entity: str) -> int:
        return sum(
            f'"{entity}"' in r.body.decode() for r in self.mews.app.requests_to(r"/exports/add$")
        )


@pytest.fixture(scope="module")
def scale_out(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[ScaleOut]:
    from dagster import DagsterInstance

    tmp = tmp_path_factory.mktemp("scale-out")
    project = REPO_ROOT
    name = uuid.uuid4().hex[:10]
    database = f"meltano_{name}"
    database_uri = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    schema = f"t_{name}"
    home = tmp / "dagster"
    home.mkdir()
    shutil.copy(REPO_ROOT / "orchestration" / "dagster.yaml", home)
    s3_server, endpoint = local_s3.start(bucket=BUCKET)
    mews = start(MewsApp(seed=1, job_seconds=0.2))
    env = {
        **local_s3.aws_env(endpoint),
        "DAGSTER_HOME": str(home),
        "MELTANO_PROJECT_ROOT": str(project),
        "MELTANO_DATABASE_URI": database_uri,
        "MELTANO_ENVIRONMENT": "sandbox",
        "SCALE_OUT_BATCH_ROOT": f"s3://{BUCKET}/tests",
        "SCALE_OUT_MAX_RUNS": "4",
        "SCALE_OUT_RETRY_DELAY_SECONDS": "7",
        "SCALE_OUT_DEAD_RUN_SECONDS": "5",
        "TAP_MEWS_EXPORTS_API_URL": mews.url,
        "TAP_MEWS_EXPORTS_POLL_INTERVAL_SECONDS": "1",
        "TAP_MEWS_EXPORTS_ENTITY_TYPES": json.dumps([*BACKFILL, "Bill"]),
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
    }
    try:
        create_database(database_uri)
        migrate(database_uri, project)  # once, before partitions fan out
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            instance = DagsterInstance.get()  # creates the storage before any other process
            try:
                yield ScaleOut(
                    project, {**os.environ}, mews, endpoint, schema, database_uri, instance
                )
            finally:
                instance.dispose()
    finally:
        mews.stop()
        s3_server.stop()
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def backfill(scale_out: ScaleOut) -> list[t.Any]:
    """`dagster job backfill` of four partitions; the daemon runs them, four at once."""
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-f", "orchestration/definitions.py"],
        cwd=REPO_ROOT,
        env=scale_out.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        command = ["job", "backfill", "-f", "orchestration/definitions.py", "-j", JOB]
        subprocess.run(
            [str(BIN / "dagster"), *command, "--partitions", ",".join(BACKFILL), "--noprompt"],
            cwd=REPO_ROOT,
            env=scale_out.env,
            capture_output=True,
            check=True,
            timeout=120,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            runs = scale_out.instance.get_runs()
            if len(runs) == len(BACKFILL) and all(run.is_finished for run in runs):
                return runs
            time.sleep(1)
        raise AssertionError("the backfill did not finish in 180 s")
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)


def messages(instance: t.Any, run_id: str) -> list[str]:
    return [entry.message or "" for entry in instance.all_logs(run_id)]


def step_retries(result: t.Any) -> int:
    return sum(event.event_type_value == "STEP_UP_FOR_RETRY" for event in result.all_events)


def test_backfill_loads_every_partition_under_its_own_state_id(scale_out, backfill):
    assert sorted(run.tags["dagster/partition"] for run in backfill) == sorted(BACKFILL)
    assert [run.status.value for run in backfill] == ["SUCCESS"] * len(BACKFILL)
    assert pg_counts(scale_out.schema) == COUNTS
    listed = scale_out.meltano("state", "list").split()
    assert sorted(listed) == sorted(state_id(entity) for entity in BACKFILL)
    bookmarks = scale_out.bookmarks()  # each state id holds its own stream's bookmark only
    assert {state: list(marks) for state, marks in bookmarks.items()} == {
        state_id(entity): [table] for entity, table in BACKFILL.items()
    }
    # Rows went through the local S3: one BATCH file per partition, which the loader read.
    keys = local_s3.object_keys(scale_out.endpoint, BUCKET, "tests/tap-mews-exports/")
    assert sorted(key.split("/")[2] for key in keys) == sorted(f"entity-{e}" for e in BACKFILL)
    for run in backfill:
        log = messages(scale_out.instance, run.run_id)
        assert any("0 records, 1 batch manifests" in line for line in log)


def test_running_partition_refuses_a_second_run_and_survives_a_kill(scale_out, backfill):
    """While a partition runs, a second run of it is refused (not retried). Then the first
    is killed with SIGKILL, the whole `meltano run` (tap and loader too), mid-run: Dagster
    retries the step, the dead run's state id is freed, and every row arrives once."""
    app = scale_out.mews.app
    app.job_seconds = 12.0  # the first run waits on its export meanwhile
    first = scale_out.start_partition("Bill")
    try:
        deadline = time.monotonic() + 60
        while scale_out.exports_added("Bill") == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        second = scale_out.run_partition("Bill")
        os.killpg(meltano_process_of("entity-Bill", scale_out.project), signal.SIGKILL)
        outcome = finished_partition(first)
    finally:
        if first.poll() is None:
            first.kill()
        app.job_seconds = 0.2
    assert not second.success
    [failure] = [e for e in second.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "already running" in failure.event_specific_data.error.message
    assert step_retries(second) == 0  # refused, not retried

    assert outcome["success"]
    assert outcome["retries"] == 1
    log = messages(scale_out.instance, outcome["run_id"])
    assert any("an earlier run had died" in line for line in log)
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        rows, ids = conn.execute(
            f'SELECT count(*), count(DISTINCT "Id") FROM "{scale_out.schema}".bills'
        ).fetchone()
    assert (rows, ids) == (30, 30)


def test_later_run_extracts_only_what_changed(scale_out, backfill):
    app = scale_out.mews.app
    # Inside the next export window: Mews exports end at least 5 minutes before now.
    at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5, seconds=31)
    app.update_entities("Customer", 4, at)
    before = scale_out.exports_added("Customer")
    result = scale_out.run_partition("Customer")
    assert result.success
    assert scale_out.exports_added("Customer") == before + 1
    log = messages(scale_out.instance, result.run_id)
    extracted = [
        line for line in log if "tap-mews-exports METRIC" in line and "record_count" in line
    ]
    assert len(extracted) == 1 and '"value":4,' in extracted[0], extracted
    assert pg_counts(scale_out.schema)["customers"] == 50  # upserted by Id
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        changed = conn.execute(
            f'SELECT count(*) FROM "{scale_out.schema}".customers WHERE "UpdatedUtc" = %s', (at,)
        ).fetchone()[0]
    assert changed == 4


def meltano_process_of(suffix: str, project: Path) -> int:
    """The `meltano run` this test started for ``suffix`` (found by its command line)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if f"--state-id-suffix={suffix}".encode() in command and cwd == str(project):
            return int(entry.name)
    raise AssertionError(f"no meltano run for {suffix}")
