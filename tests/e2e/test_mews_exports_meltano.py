"""tap-mews-exports through Meltano into PostgreSQL and DuckDB: exact counts, then an
incremental second run that upserts only the changed entities (no duplicates)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from sandbox.mews import MewsApp
from tests.meltano_run import MeltanoProject

pytestmark = pytest.mark.e2e

TYPES = ["Customer", "Company", "LedgerEntry"]
FIRST = {"customers": 50, "companies": 10, "ledger_entries": 80}


@pytest.fixture
def mews(serve):
    return serve(MewsApp(seed=1, job_seconds=0.2))


def settings(app, tmp_path):
    return {
        **app.demo_config(),
        "entity_types": TYPES,
        "poll_interval_seconds": 1,
        "journal_path": str(tmp_path / "journal.json"),
    }


def touch_after_first_run(app):
    # Windows end 5.5 minutes before now: mark the change just before the next run's end.
    at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5, seconds=31)
    app.update_entities("Customer", 4, at)
    time.sleep(2)
    return 4


def test_postgres_incremental(tmp_path, pg_schema, mews):
    project = MeltanoProject(tmp_path)
    app = mews.app
    cfg = settings(app, tmp_path)
    assert project.load_postgres("tap-mews-exports", schema=pg_schema, tap_settings=cfg) == FIRST
    touch_after_first_run(app)
    adds_before = len(app.requests_to(r"/exports/add$"))
    second = project.load_postgres("tap-mews-exports", schema=pg_schema, tap_settings=cfg)
    assert second == FIRST  # upserted by Id
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
