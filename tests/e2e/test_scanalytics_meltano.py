"""tap-scanalytics through Meltano into PostgreSQL and DuckDB: exact rows, the
rotated refresh token carried across runs, and an incremental second run."""

from __future__ import annotations

import json

import pytest

from sandbox.scanalytics import ScanalyticsApp
from tests.meltano_run import MeltanoProject

pytestmark = pytest.mark.e2e
WEEK = {"whoami": 1, "deployments": 2, "arrays": 3, "visits": 3 * (7 * 24 + 1)}


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


def test_postgres_incremental_with_rotation(tmp_path, pg_schema, scan):
    project = MeltanoProject(tmp_path / "m")
    first = settings(scan.app, tmp_path, "2024-11-04T06:00:00Z")
    counts = project.load_postgres("tap-scanalytics", schema=pg_schema, tap_settings=first)
    assert counts["visits"] == 3 * (3 * 24 + 1)
    cached = json.loads((tmp_path / "token.json").read_text())["refresh_token"]
    second = settings(scan.app, tmp_path, "2024-11-08T06:00:00Z")
    assert project.load_postgres("tap-scanalytics", schema=pg_schema, tap_settings=second) == WEEK
    assert cached in scan.app.used_refresh_tokens  # run 2 used run 1's rotated token


def test_duckdb(tmp_path, scan):
    project = MeltanoProject(tmp_path / "m")
    path = tmp_path / "scan.duckdb"
    week = settings(scan.app, tmp_path, "2024-11-08T06:00:00Z")
    assert project.load_duckdb("tap-scanalytics", path, tap_settings=week) == WEEK
    assert project.load_duckdb("tap-scanalytics", path, tap_settings=week) == WEEK
