"""tap-usaspending-download through Meltano into PostgreSQL and DuckDB: exact rows
per table, and a second (incremental) run that upserts without duplicates."""

from __future__ import annotations

import pytest

from sandbox.usaspending import NEW_COLUMN, USAspendingApp
from tests.meltano_run import MeltanoProject
from tests.warehouse import PG_DSN, duckdb_readonly

pytestmark = pytest.mark.e2e


@pytest.fixture
def usa(serve):
    # Jobs finish at once: Meltano passes whole-second poll intervals only, and the
    # waiting is the taps' own tests' business.
    return serve(USAspendingApp(job_seconds=0))


def sandbox_settings(app, tmp_path):
    return {
        **app.demo_config(),
        "window_days": 5000,  # one window per run
        "journal_path": str(tmp_path / "journal.json"),
    }


def expected(app):
    return {
        "contracts_prime_transactions": 300,
        "assistance_prime_transactions": 200,
        "contracts_prime_award_summaries": len(app.data["contract_awards"]),
        "assistance_prime_award_summaries": len(app.data["assistance_awards"]),
        "contracts_subawards": 40,
        "assistance_subawards": 30,
    }


def test_postgres(tmp_path, pg_schema, usa):
    project = MeltanoProject(tmp_path)
    settings = sandbox_settings(usa.app, tmp_path)
    want = expected(usa.app)
    assert (
        project.load_postgres("tap-usaspending-download", schema=pg_schema, tap_settings=settings)
        == want
    )
    assert (
        project.load_postgres("tap-usaspending-download", schema=pg_schema, tap_settings=settings)
        == want
    )
    import psycopg

    with psycopg.connect(PG_DSN) as conn:
        types = dict(
            conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = 'contracts_prime_transactions'",
                (pg_schema,),
            ).fetchall()
        )
        new_column = conn.execute(
            f"select count(*) from {pg_schema}.contracts_prime_transactions "
            "where _extra ->> 'extra_column_from_api' = 'new in a later release'"
        ).fetchone()[0]
        sql_null = conn.execute(
            f"select count(*) from {pg_schema}.contracts_prime_transactions where _extra is null"
        ).fetchone()[0]
        # No offset in the file (timestamp without time zone): UTC, so no shift on the way.
        sam_at_eight = conn.execute(
            f"select count(*) from {pg_schema}.contracts_subawards"
            " where subaward_sam_report_last_modified_date::time = '08:00:00.125'"
        ).fetchone()[0]
    assert types["federal_action_obligation"] == "numeric"
    assert types["action_date"] == "date"
    assert types["last_modified_date"].startswith("timestamp")
    assert (
        types["contract_award_unique_key"].startswith("character varying")
        or types["contract_award_unique_key"] == "text"
    )
    filled = sum(1 for row in usa.app.data["contract_tx"] if row[NEW_COLUMN])
    assert new_column == filled == 253  # the column the schema lacks is kept, and reachable
    assert sam_at_eight == 40
    # Rows whose new column is empty: the tap emits no _extra, so SQL NULL as in DuckDB
    # (not JSON null: loaders/target-postgres-plus).
    assert sql_null == 300 - 253


def test_duckdb(tmp_path, usa):
    project = MeltanoProject(tmp_path)
    settings = sandbox_settings(usa.app, tmp_path)
    path = tmp_path / "usa.duckdb"
    want = expected(usa.app)
    assert project.load_duckdb("tap-usaspending-download", path, tap_settings=settings) == want
    assert project.load_duckdb("tap-usaspending-download", path, tap_settings=settings) == want
    with duckdb_readonly(path) as conn:
        no_extra = conn.execute(
            "select count(*) from main_load.contracts_prime_transactions where _extra is null"
        ).fetchone()[0]
    assert no_extra == 300 - 253  # rows whose new column is empty carry no _extra
