"""tap-usaspending-download through Meltano into PostgreSQL and DuckDB: exact rows
per table, and a second (incremental) run that upserts without duplicates."""

from __future__ import annotations

import pytest

from sandbox.usaspending import USAspendingApp
from tests.meltano_run import MeltanoProject
from tests.warehouse import PG_DSN

pytestmark = pytest.mark.e2e


@pytest.fixture
def usa(serve):
    return serve(USAspendingApp(job_seconds=0.2))


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
    settings = {**usa.app.demo_config(), "window_days": 5000}  # one window per run
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
    assert types["federal_action_obligation"] == "numeric"
    assert types["action_date"] == "date"
    assert types["last_modified_date"].startswith("timestamp")
    assert (
        types["contract_award_unique_key"].startswith("character varying")
        or types["contract_award_unique_key"] == "text"
    )
    assert new_column == 300  # the column the schema lacks is kept, and reachable


def test_duckdb(tmp_path, usa):
    project = MeltanoProject(tmp_path)
    settings = {**usa.app.demo_config(), "window_days": 5000}  # one window per run
    path = tmp_path / "usa.duckdb"
    want = expected(usa.app)
    assert project.load_duckdb("tap-usaspending-download", path, tap_settings=settings) == want
    assert project.load_duckdb("tap-usaspending-download", path, tap_settings=settings) == want
