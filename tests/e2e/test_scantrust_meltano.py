"""tap-scantrust through Meltano into PostgreSQL and DuckDB: exact counts, then an
incremental second run that adds the changed codes only (upserted, no duplicates)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from sandbox.scantrust import ScantrustApp
from tests.meltano_run import MeltanoProject, setting_env
from tests.warehouse import PG_DSN

pytestmark = pytest.mark.e2e

FIRST = {"codes": 400, "products": 5, "scans": 127}


@pytest.fixture
def scantrust(serve):
    # Jobs finish at once: Meltano passes whole-second poll intervals only, and the
    # waiting is the taps' own tests' business.
    return serve(ScantrustApp(job_seconds=0))


def settings(app):
    # Meltano's `decimal` setting kind cannot be serialised (Meltano 4.4), so the
    # interval settings are integers there: poll every second.
    return {**app.demo_config(), "poll_interval_seconds": 1}


def test_postgres_incremental(tmp_path, pg_schema, scantrust):
    project = MeltanoProject(tmp_path)
    app = scantrust.app
    assert (
        project.load_postgres("tap-scantrust", schema=pg_schema, tap_settings=settings(app))
        == FIRST
    )
    app.add_codes(102, 4, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))
    app.touch_codes(101, 3, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    second = project.load_postgres("tap-scantrust", schema=pg_schema, tap_settings=settings(app))
    assert second == {**FIRST, "codes": 404}
    creates = app.requests_to(r"/codes/download/$")
    assert sum("updated_at" in r.query for r in creates) == 3  # second run: changes only


def test_duckdb_incremental(tmp_path, scantrust):
    project = MeltanoProject(tmp_path)
    app = scantrust.app
    path = tmp_path / "scantrust.duckdb"
    assert project.load_duckdb("tap-scantrust", path, tap_settings=settings(app)) == FIRST
    app.add_codes(103, 2, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))
    second = project.load_duckdb("tap-scantrust", path, tap_settings=settings(app))
    assert second == {**FIRST, "codes": 402}


def test_postgres_flattened_scm_fields_keep_awkward_values(tmp_path, pg_schema, scantrust):
    """scm_fields are declared in the schema, so flattening (here the loader's) makes them
    columns; quotes, commas, newlines and non-ASCII characters arrive unchanged."""

    project = MeltanoProject(tmp_path)
    app = scantrust.app
    flatten = setting_env(
        "target-postgres", {"flattening_enabled": True, "flattening_max_depth": 1}
    )
    loaded_counts = project.load_postgres(
        "tap-scantrust", schema=pg_schema, tap_settings=settings(app), env=flatten
    )
    assert loaded_counts == FIRST
    expected = {c.extended_id: c.scm.get("farm_name") for c in app.codes[101]}
    assert any("\n" in v and '"' in v and "," in v for v in expected.values() if v)
    table = f'"{pg_schema}".codes'
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        loaded = dict(
            conn.execute(
                f"SELECT extended_id, scm__farm_name FROM {table} WHERE campaign_id = 101"
            ).fetchall()
        )
        markets = conn.execute(
            f"SELECT count(*) FROM {table} WHERE scm__intended_market IS NOT NULL"
        ).fetchone()[0]
    assert loaded == expected
    assert markets == sum(1 for c in app.codes[102] if c.scm.get("intended_market"))
