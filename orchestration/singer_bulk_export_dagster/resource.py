"""The Dagster resource that materializes one partition of a tap's tables with Meltano,
through Dagster Pipes, on whichever worker runs the step."""

from __future__ import annotations

import shutil
import socket
import sys
import typing as t
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    ConfigurableResource,
    Failure,
    PipesSubprocessClient,
)
from sqlalchemy.exc import SQLAlchemyError

from singer_bulk_export_dagster.dead_runs import earlier_run_died
from singer_bulk_export_dagster.partitions import PartitionedTap, PartitionError, Step
from singer_bulk_export_dagster.project import load_project
from singer_bulk_export_dagster.runner import (
    batch_config,
    private_sys_dir,
    select_variable,
    setting_variables,
    state_id,
)


def default_meltano() -> str:
    beside = Path(sys.executable).with_name("meltano")
    return str(beside) if beside.exists() else (shutil.which("meltano") or "meltano")


class MeltanoResource(ConfigurableResource):
    """Where and how partitions run. The definitions fill each field from its variable
    (EnvVar) where set, read on the worker that runs the step."""

    project_dir: str = ""  # MELTANO_PROJECT_ROOT: the Meltano project (default: working dir)
    database_uri: str = ""  # MELTANO_DATABASE_URI: the shared system database
    environment: str = ""  # MELTANO_ENVIRONMENT (default: the project's default)
    meltano_bin: str = ""  # SCALE_OUT_MELTANO: the meltano executable (default: beside Python)
    loader: str = "target-postgres"  # SCALE_OUT_LOADER
    batch_root: str = ""  # SCALE_OUT_BATCH_ROOT: s3://bucket/prefix for BATCH files
    dead_run_seconds: int = 20  # SCALE_OUT_DEAD_RUN_SECONDS: a run this silent has died
    worker: str = ""  # SCALE_OUT_WORKER: this worker's name in the logs (default: host name)

    def materialize(
        self, context: AssetExecutionContext, spec: PartitionedTap, step: Step
    ) -> t.Iterator:
        key = context.partition_key if context.has_partition_key else None
        project = load_project(Path(self.project_dir) if self.project_dir else None)
        environment = self.environment or project.environment
        tables = {asset.path[-1] for asset in context.selected_asset_keys}
        suffix = spec.suffix(key, step)
        state = state_id(environment, spec.tap, self.loader, suffix)
        worker = self.worker or socket.gethostname()
        context.log.info(f"partition {suffix} on worker {worker}: state id {state}")
        env = {"MELTANO_ENVIRONMENT": environment, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
        if self.database_uri:
            env["MELTANO_DATABASE_URI"] = self.database_uri
        try:
            settings = self.settings(context, spec.tap, spec.settings(key, step), suffix, worker)
            env.update(setting_variables(spec.tap, settings))
        except PartitionError as error:
            raise Failure(description=str(error), allow_retries=False) from None
        if tables != set(step.tables):
            env.update(select_variable(spec.tap, tables))
        force = self.earlier_run_died(context, state)
        command = [sys.executable, "-m", "singer_bulk_export_dagster.pipes_meltano"]
        command += [self.meltano_bin or default_meltano(), "run", f"--state-id-suffix={suffix}"]
        command += [*(["--force"] if force else []), spec.tap, self.loader]
        with private_sys_dir(project.root) as sys_dir:
            env["MELTANO_SYS_DIR_ROOT"] = str(sys_dir)
            invocation = PipesSubprocessClient(cwd=str(project.root)).run(
                context=context,
                command=command,
                env=env,
                extras={
                    "loader": self.loader,
                    "asset_prefix": spec.name,
                    "tables": sorted(tables),
                    "state_id": state,
                },
            )
        [outcome] = invocation.get_custom_messages() or [{"exit_code": -1, "tail": []}]
        if outcome["exit_code"]:
            last = " | ".join(outcome["tail"])
            if outcome.get("refused"):
                raise Failure(f"{state} is already running elsewhere: {last}", allow_retries=False)
            raise Failure(f"{state}: meltano run exited {outcome['exit_code']}: {last}")
        yield from invocation.get_results()

    def settings(
        self,
        context: AssetExecutionContext,
        tap: str,
        settings: dict[str, t.Any],
        suffix: str,
        worker: str,
    ) -> dict[str, t.Any]:
        project = load_project(Path(self.project_dir) if self.project_dir else None)
        if project.declares(tap, "journal_path"):
            # One export journal per partition: two must not resume each other's jobs.
            settings["journal_path"] = f".meltano/run/{tap}/journal-{suffix}.json"
        if self.batch_root:
            if not project.declares(tap, "batch_config"):
                raise PartitionError(
                    f"{tap} does not declare the batch_config setting; declare it "
                    "(kind: object) in its plugin definition or unset SCALE_OUT_BATCH_ROOT"
                )
            # One prefix per attempt: a retry never reads an earlier attempt's files.
            attempt = f"{context.run.run_id}-{context.retry_number}-{worker}"
            root = f"{self.batch_root.rstrip('/')}/{tap}/{suffix}/{attempt}"
            settings["batch_config"] = batch_config(root)
        return settings

    def earlier_run_died(self, context: AssetExecutionContext, state: str) -> bool:
        """True if a dead run still holds ``state`` (run with --force); refuse if alive."""
        if not self.database_uri:
            return False
        try:
            died = earlier_run_died(self.database_uri, state, self.dead_run_seconds)
        except SQLAlchemyError as error:
            raise Failure(
                description="the Meltano system database (MELTANO_DATABASE_URI) is not "
                "reachable or not migrated (python -m singer_bulk_export_dagster.systemdb): "
                f"{type(error).__name__}"
            ) from None
        if died is False:
            raise Failure(f"{state} is already running elsewhere", allow_retries=False)
        if died:
            context.log.warning(
                f"{state}: its earlier run stopped beating {self.dead_run_seconds} s ago "
                "(its worker died); running with --force"
            )
        return bool(died)
