"""Dagster code location: one partitioned job per way of splitting a tap (Scantrust
campaigns, Mews entity types or enterprises, Scanalytics arrays, USAspending award kinds
and fiscal years), read from meltano.yml. Each partition is one `meltano run` with its own
state id; Dagster brings backfills, retries, run-concurrency limits and run logs.

    dagster definitions validate -f orchestration/definitions.py
    dagster job backfill -f orchestration/definitions.py -j scantrust_campaigns --noprompt --all
"""

# No `from __future__ import annotations`: Dagster reads the op's annotations at runtime.
import os
import sys
from pathlib import Path

from dagster import (
    Backoff,
    Definitions,
    JobDefinition,
    OpExecutionContext,
    PartitionedConfig,
    RetryPolicy,
    in_process_executor,
    job,
    op,
)

# `dagster ... -f orchestration/definitions.py` loads this file as a script.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orchestration.partitions import PartitionedTap, partitioned_taps
from orchestration.project import load_project
from orchestration.resource import MeltanoResource


def partitioned_job(spec: PartitionedTap, retry: RetryPolicy) -> JobDefinition:
    @op(name=f"{spec.name}_meltano_run", retry_policy=retry, description=spec.description)
    def meltano_run(context: OpExecutionContext, meltano: MeltanoResource) -> None:
        meltano.run_partition(context, spec)

    # Tags for run-concurrency limits (dagster.yaml): per tap, and one run per state id.
    config = PartitionedConfig(
        partitions_def=spec.partitions,
        run_config_for_partition_key_fn=lambda key: {},
        tags_for_partition_key_fn=lambda key: {
            "meltano/partition": f"{spec.tap}.{spec.suffix(key)}"
        },
    )

    @job(
        name=spec.name,
        description=spec.description,
        partitions_def=spec.partitions,
        config=config,
        tags={"meltano/tap": spec.tap},
        # One step per run: parallelism comes from many runs at once (the run queue's
        # limits), so each run skips the multiprocess executor's extra process.
        executor_def=in_process_executor,
    )
    def partitioned() -> None:
        meltano_run()

    return partitioned


def build_definitions() -> Definitions:
    project = load_project()
    meltano = MeltanoResource(
        project_dir=str(project.root),
        loader=os.environ.get("SCALE_OUT_LOADER", "target-postgres"),
        batch_root=os.environ.get("SCALE_OUT_BATCH_ROOT", ""),
        dead_run_seconds=int(os.environ.get("SCALE_OUT_DEAD_RUN_SECONDS", "20")),
    )
    # A failed partition is run again after the delay (doubling); a refused one is not.
    retry = RetryPolicy(
        max_retries=int(os.environ.get("SCALE_OUT_RETRIES", "2")),
        delay=float(os.environ.get("SCALE_OUT_RETRY_DELAY_SECONDS", "30")),
        backoff=Backoff.EXPONENTIAL,
    )
    return Definitions(
        jobs=[partitioned_job(spec, retry) for spec in partitioned_taps(project)],
        resources={"meltano": meltano},
    )


defs = build_definitions()
