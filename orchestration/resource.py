"""The Dagster resource that runs one partition with Meltano."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster import ConfigurableResource, Failure, OpExecutionContext
from sqlalchemy.exc import SQLAlchemyError

from orchestration.dead_runs import fail_dead_runs
from orchestration.partitions import PartitionedTap, PartitionError
from orchestration.project import load_project
from orchestration.runner import (
    PartitionFailedError,
    PartitionRefusedError,
    batch_config,
    private_sys_dir,
    run_meltano,
    setting_variables,
    state_id,
)


def default_meltano() -> str:
    beside = Path(sys.executable).with_name("meltano")
    return str(beside) if beside.exists() else (shutil.which("meltano") or "meltano")


class MeltanoResource(ConfigurableResource):
    """Where and how partitions run. Every field defaults from the environment, so the same
    code location runs on a laptop and on a cluster's workers."""

    project_dir: str = ""  # the Meltano project (default MELTANO_PROJECT_ROOT or this repo)
    meltano_bin: str = ""  # the meltano executable (default: beside this Python)
    loader: str = "target-postgres"
    batch_root: str = ""  # s3://bucket/prefix: BATCH files go through object storage
    dead_run_seconds: int = 20  # a run silent this long (no heartbeat) died: free its state id

    def run_partition(self, context: OpExecutionContext, spec: PartitionedTap) -> None:
        key = context.partition_key
        project = load_project(Path(self.project_dir) if self.project_dir else None)
        suffix = spec.suffix(key)
        state = state_id(project.environment, spec.tap, self.loader, suffix)
        try:
            settings = spec.settings(key)
            if self.batch_root:
                if not project.declares(spec.tap, "batch_config"):
                    raise PartitionError(
                        f"{spec.tap} does not declare the batch_config setting, so Meltano "
                        "cannot pass BATCH storage to it; declare it (kind: object) in its "
                        "plugin definition or unset SCALE_OUT_BATCH_ROOT"
                    )
                # One prefix per attempt: a retry never reads an earlier attempt's files.
                root = f"{self.batch_root.rstrip('/')}/{spec.tap}/{suffix}/"
                root += f"{context.run_id}-{context.retry_number}"
                settings = {**settings, "batch_config": batch_config(root)}
        except PartitionError as error:
            raise Failure(description=str(error), allow_retries=False) from None

        database_uri = os.environ.get("MELTANO_DATABASE_URI", "")
        try:
            if database_uri and fail_dead_runs(database_uri, state, self.dead_run_seconds):
                context.log.warning(f"{state}: an earlier run had died; marked it failed")
        except SQLAlchemyError as error:
            raise Failure(
                description="the Meltano system database (MELTANO_DATABASE_URI) is not "
                "reachable or not migrated (python -m orchestration.systemdb): "
                f"{type(error).__name__}"
            ) from None

        env = {
            **os.environ,
            "MELTANO_ENVIRONMENT": project.environment,
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            **setting_variables(spec.tap, settings),
        }
        command = [
            self.meltano_bin or default_meltano(),
            "run",
            f"--state-id-suffix={suffix}",
            spec.tap,
            self.loader,
        ]
        context.log.info(f"partition {key}: state id {state}")
        try:
            with private_sys_dir(project.root) as sys_dir:
                env["MELTANO_SYS_DIR_ROOT"] = str(sys_dir)
                run_meltano(command, cwd=project.root, env=env, log=context.log.info)
        except PartitionRefusedError as refused:
            raise Failure(
                description=f"{state} is already running elsewhere: {refused}",
                allow_retries=False,
            ) from None
        except PartitionFailedError as failed:
            raise Failure(description=f"{state}: {failed}") from None
