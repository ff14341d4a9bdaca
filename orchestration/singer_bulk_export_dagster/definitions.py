"""Dagster code location: each tap's tables as partitioned multi-assets (one asset per
table, e.g. tap_scantrust/codes; one step per Mews entity type), read from the Meltano
project, with one job per tap. A step of a partition is one `meltano run` with its own
state id, through Dagster Pipes, on a Celery worker; Dagster brings backfills, retries,
run-concurrency limits and run logs.

    dagster definitions validate -m singer_bulk_export_dagster.definitions
    dagster job backfill -m singer_bulk_export_dagster.definitions -j tap_scantrust --noprompt --all
    dagster job launch -m singer_bulk_export_dagster.definitions -j tap_mews_exports
"""

# No `from __future__ import annotations`: Dagster reads the asset's annotations at runtime.
import os

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    Backoff,
    Definitions,
    EnvVar,
    PartitionedConfig,
    RetryPolicy,
    define_asset_job,
    multi_asset,
)
from dagster_celery import celery_executor

from singer_bulk_export_dagster.partitions import PartitionedTap, Step, partitioned_taps
from singer_bulk_export_dagster.project import load_project
from singer_bulk_export_dagster.resource import MeltanoResource
from singer_bulk_export_dagster.worker import CELERY_CONFIG

# A failed partition runs again after 30 s, then 60 s; a refused one does not.
RETRY = RetryPolicy(max_retries=2, delay=30, backoff=Backoff.EXPONENTIAL)
RESOURCE_VARIABLES = {
    "project_dir": "MELTANO_PROJECT_ROOT",
    "database_uri": "MELTANO_DATABASE_URI",
    "environment": "MELTANO_ENVIRONMENT",
    "meltano_bin": "SCALE_OUT_MELTANO",
    "loader": "SCALE_OUT_LOADER",
    "batch_root": "SCALE_OUT_BATCH_ROOT",
    "dead_run_seconds": "SCALE_OUT_DEAD_RUN_SECONDS",
    "worker": "SCALE_OUT_WORKER",
}


def step_assets(spec: PartitionedTap, step: Step) -> AssetsDefinition:
    @multi_asset(
        name=step.name,
        specs=[AssetSpec([spec.name, table]) for table in step.tables],
        partitions_def=spec.partitions,
        can_subset=True,  # a subset of tables runs only those streams
        retry_policy=RETRY,
        description=f"{spec.tap}: one `meltano run` per partition, one asset per table.",
    )
    def assets(context: AssetExecutionContext, meltano: MeltanoResource):
        yield from meltano.materialize(context, spec, step)

    return assets


def tap_job(spec: PartitionedTap, assets: list[AssetsDefinition]):
    if spec.partitions is None:
        return define_asset_job(spec.name, selection=assets, tags={"meltano/tap": spec.tap})
    # Run tags for the run-concurrency limits (dagster.yaml): per tap, one run per partition.
    config = PartitionedConfig(
        partitions_def=spec.partitions,
        run_config_for_partition_key_fn=lambda key: {},
        tags_for_partition_key_fn=lambda key: {
            "meltano/partition": f"{spec.tap}.{spec.suffix(key)}"
        },
    )
    return define_asset_job(
        spec.name, selection=assets, config=config, tags={"meltano/tap": spec.tap}
    )


def meltano_resource() -> MeltanoResource:
    """Each field from its variable where one is set (resolved on the worker)."""
    fields = {
        field: EnvVar.int(var) if field == "dead_run_seconds" else EnvVar(var)
        for field, var in RESOURCE_VARIABLES.items()
        if os.environ.get(var)
    }
    return MeltanoResource(**fields)


def build_definitions() -> Definitions:
    specs = partitioned_taps(load_project())
    assets = {spec.tap: [step_assets(spec, step) for step in spec.steps] for spec in specs}
    return Definitions(
        assets=[a for tap_assets in assets.values() for a in tap_assets],
        jobs=[tap_job(spec, assets[spec.tap]) for spec in specs],
        resources={"meltano": meltano_resource()},
        # Every step goes to a Celery worker through the broker (DAGSTER_CELERY_BROKER_URL).
        executor=celery_executor.configured(
            {"broker": {"env": "DAGSTER_CELERY_BROKER_URL"}, "config_source": CELERY_CONFIG}
        ),
    )


defs = build_definitions()
