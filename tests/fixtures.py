"""Shared pytest fixtures: sandbox servers on free ports and throwaway
PostgreSQL schemas. Loaded for every test by the root ``conftest.py``."""

from __future__ import annotations

import os
import typing as t
import uuid

import pytest

from sandbox.core import RunningServer, SandboxApp, start

PG_DSN = os.environ.get("TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=test")


@pytest.fixture
def serve() -> t.Iterator[t.Callable[[SandboxApp], RunningServer]]:
    """Start a stand-in on a free port; stopped when the test ends.

    ``server = serve(FoodTrustApp(job_seconds=0.2)); server.url``
    """
    running: list[RunningServer] = []

    def _serve(app: SandboxApp) -> RunningServer:
        server = start(app)
        running.append(server)
        return server

    yield _serve
    for server in running:
        server.stop()


@pytest.fixture
def pg_schema() -> t.Iterator[str]:
    """A fresh PostgreSQL schema name, dropped (with its tables) afterwards."""
    import psycopg  # a missing driver must fail the run, not skip the test

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def pg_counts(schema: str) -> dict[str, int]:
    """Row count of every table in ``schema``."""
    import psycopg

    counts = {}
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        for (table,) in tables:
            counts[table] = conn.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
    return counts
