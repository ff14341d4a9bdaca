"""Scale-out on a real multi-worker engine: a backfill of six USAspending partitions, and Mews
entity types (each its own asset and step), launched through Dagster's queue and daemon
(instance on PostgreSQL) onto two Celery workers over RabbitMQ, each worker its own machine
(tests/local_cluster.py); BATCH files through a local S3 into PostgreSQL, state in a shared
Meltano system database. Each partition is one `meltano run` with one state id.
"""

from __future__ import annotations

import json
import os
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from dagster import AssetKey, DagsterInstance, DagsterRun, RunsFilter, materialize

from sandbox.core import RunningServer, start
from sandbox.mews import MewsApp
from sandbox.usaspending import USAspendingApp
from tests import local_s3
from tests.local_cluster import BUCKET, REPO_ROOT, Cluster, build_packages, local_cluster
from tests.warehouse import PG_DSN, pg_counts

pytestmark = pytest.mark.e2e

JOB = "tap_mews_exports"
BACKFILL = {"Customer": "customers", "Company": "companies"}
ROWS = {"customers": 50, "companies": 10}
ENTITY_TYPES = [*BACKFILL, "Bill"]  # Bill: the partition whose worker is killed
WORKERS = ("worker-1", "worker-2")
SPENDING = "tap_usaspending_download"
# Award kinds times fiscal years: the stand-in's rows fall in FY2024 and FY2025.
SPENDING_PARTITIONS = [
    f"{kind}|{year}-10-01" for kind in ("contracts", "grants") for year in (2023, 2024, 2025)
]


def state_id(entity: str) -> str:
    return f"sandbox:tap-mews-exports-to-target-postgres:entity-{entity}"


@dataclass
class ScaleOut:
    cluster: Cluster
    instance: DagsterInstance
    mews: RunningServer
    spending: RunningServer

    def wait_for_runs(self, count: int, job: str = JOB, timeout: float = 300) -> list[DagsterRun]:
        """The job's ``count`` runs once all have finished (latest first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.instance.get_runs(RunsFilter(job_name=job))
            if len(runs) == count and all(run.is_finished for run in runs):
                return runs
            time.sleep(1)
        raise AssertionError(f"{count} runs of {JOB} did not finish")

    def messages(self, run_id: str) -> list[str]:
        return [entry.user_message or "" for entry in self.instance.all_logs(run_id)]

    def workers_named(self, run_id: str) -> dict[str, list[str]]:
        """Partition (state id suffix) -> the workers it ran on, in order, as its log says."""
        found: dict[str, list[str]] = {}
        for line in self.messages(run_id):
            if line.startswith("partition ") and " on worker " in line:
                partition, rest = line.removeprefix("partition ").split(" on worker ", 1)
                found.setdefault(partition, []).append(rest.split(":")[0])
        return found

    def exports_added(self, entity: str) -> int:
        added = self.mews.app.requests_to(r"/exports/add$")
        return sum(f'"{entity}"' in request.body.decode() for request in added)

    def state_ids(self) -> dict[str, list[str]]:
        """State id -> the streams its Singer bookmarks cover."""
        dsn = self.cluster.database_uri.replace("+psycopg", "")
        with psycopg.connect(dsn, autocommit=True) as conn:
            rows = conn.execute("SELECT state_id, completed_state FROM state").fetchall()
        states = {key: json.loads(v) if isinstance(v, str) else v for key, v in rows}
        return {key: sorted(v["singer_state"]["bookmarks"]) for key, v in states.items()}


@pytest.fixture
def scale_out(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[ScaleOut]:
    mews = start(MewsApp(seed=1, job_seconds=0.5))
    spending = start(USAspendingApp(job_seconds=0.5))
    settings = {
        "TAP_USASPENDING_DOWNLOAD_API_URL": spending.url,
        "TAP_USASPENDING_DOWNLOAD_WINDOW_DAYS": "5000",  # one window per partition
        "TAP_MEWS_EXPORTS_API_URL": mews.url,
        "TAP_MEWS_EXPORTS_POLL_INTERVAL_SECONDS": "1",
        "SCALE_OUT_DEAD_RUN_SECONDS": "5",
        "TAP_MEWS_EXPORTS_ENTITY_TYPES": json.dumps(ENTITY_TYPES),  # the assets, everywhere
    }
    try:
        with local_cluster(tmp_path_factory.mktemp("cluster"), **settings) as cluster:
            wheels = build_packages(cluster.root / "wheels")
            with ThreadPoolExecutor(len(WORKERS)) as pool:
                taps = ["tap-mews-exports", "tap-usaspending-download"]
                machines = [pool.submit(cluster.provision, n, wheels, taps) for n in WORKERS]
                [machine.result() for machine in machines]
            for name in WORKERS:
                # One slot each: a worker holds one step at a time, so two steps queued
                # together always go to both workers.
                cluster.start_worker(name, concurrency=1)
            with pytest.MonkeyPatch.context() as patch:
                for key, value in cluster.orchestrator_env.items():
                    patch.setenv(key, value)
                # The storage is created here, before the daemon and the CLI race to.
                with DagsterInstance.get() as instance:
                    cluster.start_daemon()
                    cluster.wait_ready()
                    yield ScaleOut(cluster, instance, mews, spending)
    finally:
        mews.stop()
        spending.stop()


def backfill_of_six_partitions_uses_both_workers(scale_out: ScaleOut) -> None:
    """`dagster job backfill`: one run per partition through the queue and the daemon."""
    scale_out.cluster.backfill(SPENDING, SPENDING_PARTITIONS)
    runs = scale_out.wait_for_runs(len(SPENDING_PARTITIONS), SPENDING)
    assert [run.status.value for run in runs] == ["SUCCESS"] * len(runs)
    ran_on = {}
    for run in runs:
        [(partition, names)] = scale_out.workers_named(run.run_id).items()
        ran_on[partition] = names
    suffixes = [f"awards-{p[: p.index('|')]}-fy-{int(p[-10:-6]) + 1}" for p in SPENDING_PARTITIONS]
    assert sorted(ran_on) == sorted(suffixes)
    assert all(len(names) == 1 for names in ran_on.values()), ran_on
    assert {names[0] for names in ran_on.values()} == set(WORKERS)
    data = scale_out.spending.app.data
    counts = pg_counts(scale_out.cluster.schema)
    assert {table: counts[table] for table in counts if "award" in table or "trans" in table} == {
        "contracts_prime_transactions": 300,
        "assistance_prime_transactions": 200,
        "contracts_prime_award_summaries": len(data["contract_awards"]),
        "assistance_prime_award_summaries": len(data["assistance_awards"]),
        "contracts_subawards": 40,
        "assistance_subawards": 30,
    }
    prefix = "sandbox:tap-usaspending-download-to-target-postgres:"
    spending_states = {key for key in scale_out.state_ids() if key.startswith(prefix)}
    assert spending_states == {prefix + suffix for suffix in suffixes}


def entity_types_spread_over_both_workers(scale_out: ScaleOut) -> None:
    scale_out.cluster.launch(JOB, [f"{JOB}_{table}" for table in BACKFILL.values()])
    [run] = scale_out.wait_for_runs(1)  # the first run of the Mews job
    assert run.status.value == "SUCCESS"
    ran_on = scale_out.workers_named(run.run_id)
    assert sorted(ran_on) == sorted(f"entity-{entity}" for entity in BACKFILL)
    assert all(len(names) == 1 for names in ran_on.values()), ran_on
    assert {names[0] for names in ran_on.values()} == set(WORKERS)
    assert {t: n for t, n in pg_counts(scale_out.cluster.schema).items() if t in ROWS} == ROWS
    # One state id per partition, holding its own stream's bookmark only.
    mews_states = {k: v for k, v in scale_out.state_ids().items() if "mews" in k}
    assert mews_states == {state_id(e): [table] for e, table in BACKFILL.items()}
    for entity, table in BACKFILL.items():
        event = scale_out.instance.get_latest_materialization_event(AssetKey([JOB, table]))
        metadata = event.asset_materialization.metadata
        assert (metadata["rows"].value, metadata["state_id"].value) == (
            ROWS[table],
            state_id(entity),
        )
    # The rows went through the local S3: BATCH files under each partition's prefix.
    keys = local_s3.object_keys(scale_out.cluster.env["AWS_ENDPOINT_URL"], BUCKET)
    mews_keys = [key for key in keys if key.split("/")[1] == "tap-mews-exports"]
    assert {key.split("/")[2] for key in mews_keys} == {f"entity-{e}" for e in BACKFILL}


def killed_worker_partition_retried_elsewhere_second_launch_refused(scale_out: ScaleOut) -> None:
    """While a partition runs on one worker, a second launch of it is refused (not retried).
    Then that worker dies with everything it runs: the broker hands the partition to the
    other worker, which waits until the dead run's heartbeat is silent, and loads every row
    once."""
    cluster, app = scale_out.cluster, scale_out.mews.app
    runs_before = len(scale_out.instance.get_runs(RunsFilter(job_name=JOB)))
    app.job_seconds = 20.0  # the first attempt waits on its export meanwhile
    cluster.launch(JOB, [f"{JOB}_bills"])
    deadline = time.monotonic() + 120
    while not (busy := meltano_runs_of("entity-Bill", cluster.root)) or not scale_out.exports_added(
        "Bill"
    ):
        assert time.monotonic() < deadline, "the Bill partition did not start"
        time.sleep(0.5)
    [first] = busy

    second = launch_here(scale_out, "bills")
    assert not second.success
    [failure] = [e for e in second.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "already running elsewhere" in failure.event_specific_data.error.message
    assert not [e for e in second.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]

    [victim] = [w for w in cluster.workers if w.name == first]
    victim.kill()
    app.job_seconds = 0.5
    run = scale_out.wait_for_runs(runs_before + 1)[0]
    assert run.status.value == "SUCCESS"
    [survivor] = set(WORKERS) - {first}
    assert scale_out.workers_named(run.run_id) == {"entity-Bill": [first, survivor]}
    assert any("its worker died" in line for line in scale_out.messages(run.run_id))
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        rows, ids = conn.execute(
            f'SELECT count(*), count(DISTINCT "Id") FROM "{cluster.schema}".bills'
        ).fetchone()
    assert (rows, ids) == (30, 30)
    assert scale_out.state_ids()[state_id("Bill")] == ["bills"]


def launch_here(scale_out: ScaleOut, table: str) -> t.Any:
    """The partition launched once more, from this machine (the repository's project)."""
    from singer_bulk_export_dagster.definitions import build_definitions
    from singer_bulk_export_dagster.resource import MeltanoResource

    [assets] = [a for a in build_definitions().assets if a.op.name == f"{JOB}_{table}"]
    resource = MeltanoResource(
        project_dir=str(REPO_ROOT),
        database_uri=scale_out.cluster.database_uri,
        dead_run_seconds=5,
        worker="test",
    )
    return materialize(
        [assets], resources={"meltano": resource}, instance=scale_out.instance, raise_on_error=False
    )


def meltano_runs_of(suffix: str, root: Path) -> list[str]:
    """The workers (by their directory under ``root``) running `meltano run` for ``suffix``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        is_meltano = any(part.endswith(b"/meltano") for part in command[:2])
        ours = f"--state-id-suffix={suffix}".encode() in command and cwd.is_relative_to(root)
        if is_meltano and ours:
            found.append(cwd.relative_to(root).parts[0])
    return found


def a_subset_of_tables_runs_only_their_streams(scale_out: ScaleOut) -> None:
    """One table of a USAspending partition, materialized on this machine: Meltano's
    `select` leaves the other streams out; only that table is materialized."""
    from singer_bulk_export_dagster.definitions import build_definitions
    from singer_bulk_export_dagster.resource import MeltanoResource

    [assets] = [a for a in build_definitions().assets if a.op.name == f"{SPENDING}_meltano_run"]
    table = AssetKey([SPENDING, "contracts_subawards"])
    result = materialize(
        [assets],
        selection=[table],
        partition_key="contracts|2025-10-01",  # FY2026: no rows, streams still named
        resources={"meltano": MeltanoResource(project_dir=str(REPO_ROOT), worker="test")},
        instance=scale_out.instance,
    )
    assert [m.asset_key for m in result.get_asset_materialization_events()] == [table]
    streams = {
        json.loads(line.split(" METRIC: ", 1)[1])["tags"].get("stream")
        for line in scale_out.messages(result.run_id)
        if "tap-usaspending-download METRIC: " in line
    }
    assert streams == {"contracts_subawards"}


def test_scale_out_on_two_workers(scale_out: ScaleOut):
    """One test over one cluster (its set-up is most of the cost, and xdist would otherwise
    start one cluster per worker it spreads the tests over); each phase asserts on its own."""
    backfill_of_six_partitions_uses_both_workers(scale_out)
    entity_types_spread_over_both_workers(scale_out)
    a_subset_of_tables_runs_only_their_streams(scale_out)
    killed_worker_partition_retried_elsewhere_second_launch_refused(scale_out)  # kills one
