"""Dagster code location for the bulk-export taps: each tap's tables as partitioned assets,
each partition a `meltano run` through Dagster Pipes on a Celery worker (see README.md)."""
