"""Run SQL against the emulator with the real Snowflake connector; print the rows as JSON.

``python query.py PORT DATABASE SQL...`` (in the emulator's venv) prints one JSON list per
statement, its rows as lists. The tests read loaded tables through this, as a user would.
"""

from __future__ import annotations

import json
import sys

import snowflake.connector


def main(port: str, database: str, *statements: str) -> None:
    with snowflake.connector.connect(
        account="offline",
        user="offline",
        password="offline",
        database=database,
        host="127.0.0.1",
        port=int(port),
        protocol="http",
        network_timeout=5,
        login_timeout=5,
        session_parameters={"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
    ) as conn:
        cursor = conn.cursor()
        for sql in statements:
            print(json.dumps(cursor.execute(sql).fetchall(), default=str))


if __name__ == "__main__":
    main(*sys.argv[1:])
