"""tap-foodtrust-trace through Meltano into PostgreSQL and DuckDB: exact row counts,
and a second run that leaves them unchanged (keys keep per-trace membership)."""

from __future__ import annotations

import pytest

from sandbox.foodtrust import FoodTrustApp
from tests.meltano_run import MeltanoProject

pytestmark = pytest.mark.e2e

EXPECTED = {
    "traces": 5,
    "events": 20,
    "facilities": 20,
    "payloads": 5,
    "product_instances": 15,
    "products": 10,
    "sequences": 40,
}


@pytest.fixture
def tap_settings(serve):
    server = serve(FoodTrustApp())
    return server.app.demo_config()


def test_postgres_exact_counts_and_idempotent_rerun(tmp_path, pg_schema, tap_settings):
    project = MeltanoProject(tmp_path)
    first = project.load_postgres(
        "tap-foodtrust-trace", schema=pg_schema, tap_settings=tap_settings
    )
    assert first == EXPECTED
    second = project.load_postgres(
        "tap-foodtrust-trace", schema=pg_schema, tap_settings=tap_settings
    )
    assert second == EXPECTED


def test_duckdb_exact_counts_and_idempotent_rerun(tmp_path, tap_settings):
    project = MeltanoProject(tmp_path)
    path = tmp_path / "foodtrust.duckdb"
    first = project.load_duckdb("tap-foodtrust-trace", path, tap_settings=tap_settings)
    assert first == EXPECTED
    second = project.load_duckdb("tap-foodtrust-trace", path, tap_settings=tap_settings)
    assert second == EXPECTED
