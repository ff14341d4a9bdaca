"""tap-usaspending-download through Meltano into PostgreSQL and DuckDB: exact rows
per table, and a second (incremental) run that upserts without duplicates."""

from __future__ import annotations

import pytest

from sandbox.usaspending import USAspendingApp
from tests.meltano_run import MeltanoProject

pytestmark = pytest.mark.e2e


@pytest.fixture
def usa(serve):
    return serve(USAspendingApp(job_seconds=0.2))


def expected(app):
    tx = [r for k in ("contract_tx", "assistance_tx") for r in app.data[k]]
    return {
        "contracts_prime_transactions": 300,
        "assistance_prime_transactions": 200,
        "contracts_prime_award_summaries": len(
            {r["contract_award_unique_key"] for r in tx if "contract_award_unique_key" in r}
        ),
        "assistance_prime_award_summaries": len(
            {r["assistance_award_unique_key"] for r in tx if "assistance_award_unique_key" in r}
        ),
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


def test_duckdb(tmp_path, usa):
    project = MeltanoProject(tmp_path)
    settings = {**usa.app.demo_config(), "window_days": 5000}  # one window per run
    path = tmp_path / "usa.duckdb"
    want = expected(usa.app)
    assert project.load_duckdb("tap-usaspending-download", path, tap_settings=settings) == want
    assert project.load_duckdb("tap-usaspending-download", path, tap_settings=settings) == want
