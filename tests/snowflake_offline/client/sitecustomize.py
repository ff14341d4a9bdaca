"""Test-only client shim: send target-snowflake's connections to the local emulator.

Python imports ``sitecustomize`` at start-up from the first folder on ``sys.path`` that has
one; the offline tests put this folder there (``PYTHONPATH``) for target-snowflake alone,
together with ``SNOWFLAKE_OFFLINE_ENDPOINT=127.0.0.1:PORT``. Nothing is installed anywhere.

The target has no host or port settings and snowflake-sqlalchemy refuses them in its URL, so
every ``SnowflakeConnection`` gets the emulator's host and port, plain HTTP, and short
timeouts: the emulator answers what it cannot run with HTTP 500, which the connector would
otherwise retry for minutes. Written for the exact versions in ``PINS``; any other version
stops the target before it connects. See ../README.md for what this does not prove.
"""

from __future__ import annotations

import os
import sys

PINS = {
    "meltanolabs-target-snowflake": "0.20.4",
    "snowflake-connector-python": "4.8.1",
    "snowflake-sqlalchemy": "1.11.1",
}
TIMEOUT_SECONDS = 10


def _patch_connector(endpoint: str) -> None:
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    if find_spec("snowflake") is None or find_spec("snowflake.connector") is None:
        return  # an interpreter without the connector (a tap, Meltano): nothing to do
    try:
        found = {name: version(name) for name in PINS}
    except PackageNotFoundError:
        found = None
    if found != PINS:
        sys.exit(f"the offline Snowflake shim is written for {PINS}, found {found}")

    from snowflake.connector import connection

    host, _, port = endpoint.rpartition(":")
    original_init = connection.SnowflakeConnection.__init__

    def offline_init(self, *args, **kwargs):
        kwargs.update(
            host=host,
            port=int(port),
            protocol="http",
            login_timeout=TIMEOUT_SECONDS,
            network_timeout=TIMEOUT_SECONDS,
            socket_timeout=TIMEOUT_SECONDS,
        )
        original_init(self, *args, **kwargs)

    connection.SnowflakeConnection.__init__ = offline_init


if endpoint := os.environ.get("SNOWFLAKE_OFFLINE_ENDPOINT"):
    _patch_connector(endpoint)
