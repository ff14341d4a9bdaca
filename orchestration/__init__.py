"""Scale-out of the Meltano pipelines on Dagster: one partitioned job per way of splitting a
tap, each partition a `meltano run` with its own state id (see README, "Scaling out")."""
