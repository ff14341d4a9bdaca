"""Shared pytest fixtures: sandbox servers on free ports and throwaway
PostgreSQL schemas. Loaded for every test by the root ``conftest.py``."""

from __future__ import annotations

import contextlib
import fcntl
import socket
import tempfile
import threading
import typing as t
import uuid
from pathlib import Path

import pytest

from sandbox.core import RunningServer, SandboxApp, start
from tests.warehouse import PG_DSN, pg_counts

__all__ = ["pg_counts", "pg_schema", "serve"]


FIXED_PORTS_LOCK = Path(tempfile.gettempdir()) / "bulk-export-taps-fixed-ports.lock"


@pytest.fixture(autouse=True)
def _fixed_ports_one_at_a_time(request: pytest.FixtureRequest) -> t.Iterator[None]:
    """Tests marked ``fixed_ports`` serve the stand-ins on the demo ports, which belong to
    the whole machine: they wait for each other (across xdist workers and checkouts)."""
    if request.node.get_closest_marker("fixed_ports") is None:
        yield
        return
    with FIXED_PORTS_LOCK.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


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
    stop_promptly(running)


def stop_promptly(servers: list[RunningServer]) -> None:
    """Stop ``servers`` (and their companions) without waiting on their poll loops.

    ``stop()`` returns once ``serve_forever`` next wakes from its 0.5 s select, which
    costs every test that serves a stand-in half a second per server. A connection to
    the listening socket wakes the loop at once; it sees the shutdown and exits.
    """
    stoppers = [threading.Thread(target=server.stop) for server in servers]
    for stopper in stoppers:
        stopper.start()
    addresses = [_address(url) for server in servers for url in _urls(server)]
    while any(stopper.is_alive() for stopper in stoppers):
        for address in addresses:
            with contextlib.suppress(OSError):  # already closed
                socket.create_connection(address, timeout=0.1).close()
        for stopper in stoppers:
            stopper.join(0.005)


def _urls(server: RunningServer) -> list[str]:
    return [server.url, *(url for c in server.companions for url in _urls(c))]


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


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
