"""tap-mews-exports through Meltano into PostgreSQL and DuckDB: exact counts, then an
incremental second run that upserts only the changed entities (no duplicates)."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from sandbox.mews import MewsApp
from tests.meltano_run import MeltanoProject
from tests.warehouse import PG_DSN

pytestmark = pytest.mark.e2e

TYPES = ["Customer", "Company", "LedgerEntry"]
FIRST = {"customers": 50, "companies": 10, "ledger_entries": 80}


@pytest.fixture
def mews(serve):
    # Jobs finish at once: Meltano passes whole-second poll intervals only, and the
    # waiting is the taps' own tests' business.
    return serve(MewsApp(seed=1, job_seconds=0))


def settings(app, tmp_path):
    return {
        **app.demo_config(),
        "entity_types": TYPES,
        "poll_interval_seconds": 1,
        "journal_path": str(tmp_path / "journal.json"),
    }


# Each run's windows end 5.5 minutes before it starts (Mews wants EndUtc 5 minutes old).
WINDOW_END_LAG = dt.timedelta(minutes=5, seconds=30)


def touch_after_first_run(app):
    """Change 4 customers one second after the first run's last window end, so that only
    the next run's window holds the change. That window ends at its start minus the lag:
    wait (about never, the first run took longer) until it will reach the change."""
    adds = [json.loads(r.body) for r in app.requests_to(r"/exports/add$")]
    first_end = max(
        dt.datetime.fromisoformat(add["Filters"]["UpdatedUtc"]["EndUtc"])
        for add in adds
        if add["EntityType"] == "Customer"
    )
    at = first_end + dt.timedelta(seconds=1)
    while dt.datetime.now(dt.UTC) - WINDOW_END_LAG < at + dt.timedelta(seconds=1):
        time.sleep(0.05)
    app.update_entities("Customer", 4, at)
    return at


def customers_updated_at(schema, at):
    """Customer rows in PostgreSQL whose UpdatedUtc is ``at``."""
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        [(column,)] = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s"
            " AND table_name = 'customers' AND lower(column_name) = 'updatedutc'",
            (schema,),
        ).fetchall()
        query = f'SELECT count(*) FROM "{schema}".customers WHERE "{column}" = %s'
        return conn.execute(query, (at,)).fetchone()[0]


def test_postgres_incremental(tmp_path, pg_schema, mews):
    project = MeltanoProject(tmp_path)
    app = mews.app
    cfg = settings(app, tmp_path)
    assert project.load_postgres("tap-mews-exports", schema=pg_schema, tap_settings=cfg) == FIRST
    at = touch_after_first_run(app)
    assert customers_updated_at(pg_schema, at) == 0
    adds_before = len(app.requests_to(r"/exports/add$"))
    second = project.load_postgres("tap-mews-exports", schema=pg_schema, tap_settings=cfg)
    assert second == FIRST  # upserted by Id
    assert customers_updated_at(pg_schema, at) == 4  # the changed rows arrived
    # the second run exported one small window per type only
    bodies = [r.body[-160:] for r in app.requests_to(r"/exports/add$")[adds_before:]]
    assert len(bodies) == 3, bodies


def test_duckdb_incremental(tmp_path, mews):
    project = MeltanoProject(tmp_path)
    app = mews.app
    cfg = settings(app, tmp_path)
    path = tmp_path / "mews.duckdb"
    assert project.load_duckdb("tap-mews-exports", path, tap_settings=cfg) == FIRST
    touch_after_first_run(app)
    assert project.load_duckdb("tap-mews-exports", path, tap_settings=cfg) == FIRST
