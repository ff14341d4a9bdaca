"""tap-scanalytics through Meltano into PostgreSQL and DuckDB: exact rows, UTC bucket
starts across the autumn DST change, the rotated refresh token carried across runs, an
incremental second run from Meltano's state, and no secret in Meltano's output or state."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import psycopg
import pytest

from sandbox.scanalytics import CLIENT_SECRET, PASSWORD, ScanalyticsApp
from tests.meltano_run import MeltanoProject
from tests.warehouse import PG_DSN, duckdb_readonly, pg_counts

pytestmark = pytest.mark.e2e
WEEK_HOURS = 7 * 24 + 1  # Chicago, 1-8 November 2024: 3 November has 25 hours
WEEK = {"whoami": 1, "deployments": 2, "arrays": 3, "visits": 3 * WEEK_HOURS}
REPEATED_HOUR = [  # local 01:00 on 3 November happens twice
    dt.datetime(2024, 11, 3, 6, tzinfo=dt.UTC),
    dt.datetime(2024, 11, 3, 7, tzinfo=dt.UTC),
]


@pytest.fixture
def scan(serve):
    return serve(ScanalyticsApp())


def settings(app, tmp_path, end):
    return {
        **app.demo_config(),
        "start_date": "2024-11-01T05:00:00Z",
        "end_date": end,
        "token_cache_path": str(tmp_path / "token.json"),
    }


def utc(moment: dt.datetime) -> dt.datetime:
    """A loaded timestamp as UTC (the targets store UTC, some without a zone)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def assert_no_secret(app, *texts: str) -> None:
    secrets = {CLIENT_SECRET, PASSWORD, *app.issued}
    assert [s for s in secrets if any(s in text for text in texts)] == []


def test_postgres_incremental_with_rotation(tmp_path, pg_schema, scan):
    project = MeltanoProject(tmp_path / "m")
    first = settings(scan.app, tmp_path, "2024-11-04T06:00:00Z")
    run1 = project.load(
        "tap-scanalytics",
        "target-postgres",
        tap_settings=first,
        target_settings={"default_target_schema": pg_schema},
    )
    assert pg_counts(pg_schema)["visits"] == 3 * (3 * 24 + 1)
    cached = json.loads((tmp_path / "token.json").read_text())["refresh_token"]
    windows_before = len(scan.app.requests_to(r"/v1/aggregate/"))

    second = settings(scan.app, tmp_path, "2024-11-08T06:00:00Z")
    run2 = project.load(
        "tap-scanalytics",
        "target-postgres",
        tap_settings=second,
        target_settings={"default_target_schema": pg_schema},
    )
    assert pg_counts(pg_schema) == WEEK
    assert cached in scan.app.used_refresh_tokens  # run 2 used run 1's rotated token
    later = scan.app.requests_to(r"/v1/aggregate/")[windows_before:]
    assert {r.query["start"][0] for r in later} == {"2024-11-03T00:00:00"}  # from state
    with psycopg.connect(PG_DSN) as conn:
        per_array = conn.execute(
            f"SELECT array_key, count(DISTINCT start), min(start), max(start) "
            f'FROM "{pg_schema}".visits GROUP BY array_key ORDER BY array_key'
        ).fetchall()
        repeated = conn.execute(
            f'SELECT start FROM "{pg_schema}".visits WHERE array_key = %s '
            "AND start >= %s AND start <= %s ORDER BY start",
            ("1AMDJ", *(m.replace(tzinfo=None) for m in REPEATED_HOUR)),
        ).fetchall()
    assert [(row[1], utc(row[2]), utc(row[3])) for row in per_array] == [
        (
            WEEK_HOURS,
            dt.datetime(2024, 11, 1, 5, tzinfo=dt.UTC),
            dt.datetime(2024, 11, 8, 5, tzinfo=dt.UTC),
        )
    ] * 3
    assert [utc(row[0]) for row in repeated] == REPEATED_HOUR
    meltano_db = (tmp_path / "m" / "meltano.db").read_bytes().decode("latin-1")
    assert_no_secret(scan.app, run1.stdout + run1.stderr, run2.stdout + run2.stderr, meltano_db)


def test_duckdb(tmp_path, scan):
    project = MeltanoProject(tmp_path / "m")
    path = tmp_path / "scan.duckdb"
    week = settings(scan.app, tmp_path, "2024-11-08T06:00:00Z")
    assert project.load_duckdb("tap-scanalytics", path, tap_settings=week) == WEEK
    assert project.load_duckdb("tap-scanalytics", path, tap_settings=week) == WEEK
    with duckdb_readonly(path) as conn:
        starts = conn.execute(
            "SELECT DISTINCT start FROM main_load.visits WHERE array_key = '1AMDJ' ORDER BY 1"
        ).fetchall()
    moments = [utc(row[0]) for row in starts]
    assert len(moments) == WEEK_HOURS
    assert all(b - a == dt.timedelta(hours=1) for a, b in itertools.pairwise(moments))
    assert set(REPEATED_HOUR) <= set(moments)
