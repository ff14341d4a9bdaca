"""Row counts of loaded tables, in PostgreSQL and DuckDB.

Also a command for the demo: ``python -m tests.warehouse output/warehouse.duckdb``
prints one line per table with its row count.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PG_DSN = os.environ.get("TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=test")


def pg_counts(schema: str) -> dict[str, int]:
    """Row count of every table in PostgreSQL ``schema``."""
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        return {
            table: conn.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            for (table,) in tables
        }


def duckdb_readonly(path: Path):
    """A read-only connection to the DuckDB file ``path``.

    duckdb is imported here, not at module level, so that collecting the tests
    (``pytest -m "not e2e"``) works without it."""
    import duckdb

    return duckdb.connect(str(path), read_only=True)


def duckdb_counts(path: Path, schema: str | None = None) -> dict[str, int]:
    """Row count of every table in the DuckDB file (``schema.table`` keys without a schema)."""
    query = (
        "SELECT table_catalog, table_schema, table_name FROM information_schema.tables"
        " WHERE table_catalog = current_database()"
    )
    params: list[str] = []
    if schema is not None:
        query += " AND table_schema = ?"
        params.append(schema)
    with duckdb_readonly(path) as conn:
        rows = conn.execute(query + " ORDER BY 2, 3", params).fetchall()
        return {
            (table if schema else f"{table_schema}.{table}"): conn.execute(
                f'SELECT count(*) FROM "{catalog}"."{table_schema}"."{table}"'
            ).fetchone()[0]
            for catalog, table_schema, table in rows
        }


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).exists():
        print("usage: python -m tests.warehouse PATH.duckdb", file=sys.stderr)
        return 2
    counts = duckdb_counts(Path(argv[0]))
    width = max((len(name) for name in counts), default=10)
    print(f"{'table':<{width}}  rows")
    for name, count in counts.items():
        print(f"{name:<{width}}  {count:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
