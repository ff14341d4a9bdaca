"""Shared pytest fixtures: sandbox servers on free ports and throwaway
PostgreSQL schemas. Loaded for every test by the root ``conftest.py``."""

from __future__ import annotations

import typing as t
import uuid

import pytest

from sandbox.core import RunningServer, SandboxApp, start
from tests.warehouse import PG_DSN, pg_counts

__all__ = ["pg_counts", "pg_schema", "serve"]


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
