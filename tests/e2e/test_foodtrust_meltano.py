"""tap-foodtrust-trace through Meltano into PostgreSQL and DuckDB: exact row counts,
a second run that leaves them unchanged (keys keep per-trace membership), and the
typed columns arriving typed (timestamps, dates, nested objects, numeric quantities)."""

from __future__ import annotations

import psycopg
import pytest

from sandbox.foodtrust import DEMO_COUNTS, SEED_PRODUCT_ID, FoodTrustApp
from tests.meltano_run import MeltanoProject
from tests.warehouse import PG_DSN, duckdb_readonly

pytestmark = pytest.mark.e2e

EXPECTED = DEMO_COUNTS
FACTORY = "urn:ibm:ift:location:loc:1234567890123.plant-1"  # shared by 4 traces
TRANSFORM_EVENT = "urn:uuid:7d87bbfd-e9b0-49ee-9c04-d2938f6138f8"


@pytest.fixture
def tap_settings(serve):
    server = serve(FoodTrustApp())
    return server.app.demo_config()


def _column_types(conn, query: str, schema: str) -> dict[tuple[str, str], str]:
    rows = conn.execute(query, [schema]).fetchall()
    return {(table, column): kind for table, column, kind in rows}


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

    with psycopg.connect(PG_DSN) as conn:
        types = _column_types(
            conn,
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = %s",
            pg_schema,
        )
        assert types[("events", "time")].startswith("timestamp")
        assert types[("payloads", "time")].startswith("timestamp")
        assert types[("product_instances", "sell_by_date")] == "date"
        assert types[("facilities", "address")] == "jsonb"
        assert types[("events", "product_instances")] == "jsonb"
        output = "product_instances->'outputs'->0"
        quantity, unit = conn.execute(
            f"SELECT {output}->'quantity', {output}->>'unit' FROM \"{pg_schema}\".events"
            " WHERE trace_product_id = %s AND event_id = %s",
            [SEED_PRODUCT_ID, TRANSFORM_EVENT],
        ).fetchone()
        assert (quantity, unit) == (4800, "KGM")
        (factory_rows,) = conn.execute(
            f'SELECT count(*) FROM "{pg_schema}".facilities WHERE facility_id = %s', [FACTORY]
        ).fetchone()
        assert factory_rows == 4  # one row per trace it belongs to


def test_duckdb_exact_counts_and_idempotent_rerun(tmp_path, tap_settings):
    project = MeltanoProject(tmp_path)
    path = tmp_path / "foodtrust.duckdb"
    first = project.load_duckdb("tap-foodtrust-trace", path, tap_settings=tap_settings)
    assert first == EXPECTED
    second = project.load_duckdb("tap-foodtrust-trace", path, tap_settings=tap_settings)
    assert second == EXPECTED

    with duckdb_readonly(path) as conn:
        types = _column_types(
            conn,
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = ?",
            "main_load",
        )
        assert types[("events", "time")] == "TIMESTAMP"
        assert types[("facilities", "address")] == "JSON"
        (city,) = conn.execute(
            "SELECT address->>'city' FROM main_load.facilities"
            " WHERE trace_product_id = ? AND type = 'STORE'",
            [SEED_PRODUCT_ID],
        ).fetchone()
        assert city == "Durham"
