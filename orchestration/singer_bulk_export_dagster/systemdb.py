"""Set up the shared Meltano system database once, before partitions fan out: create the
PostgreSQL database if it is missing and apply Meltano's migrations (two first runs at
the same time would race on them).

    export MELTANO_DATABASE_URI=postgresql+psycopg://user@host:5432/meltano
    python -m singer_bulk_export_dagster.systemdb
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from singer_bulk_export_dagster.project import project_root
from singer_bulk_export_dagster.resource import default_meltano


def create_database(database_uri: str) -> bool:
    """Create the PostgreSQL database of ``database_uri`` if missing; True if created."""
    url = make_url(database_uri)
    if not url.drivername.startswith("postgresql"):
        return False
    import psycopg

    admin = url.set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)
        ).fetchone()
        if exists:
            return False
        conn.execute(f'CREATE DATABASE "{url.database}"')
    return True


def migrate(database_uri: str, project: Path | None = None) -> None:
    """Apply Meltano's system database migrations."""
    subprocess.run(
        [default_meltano(), "upgrade", "database"],
        cwd=project or project_root(),
        env={
            **os.environ,
            "MELTANO_DATABASE_URI": database_uri,
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        check=True,
        capture_output=True,
        text=True,
    )


def main() -> int:
    database_uri = os.environ.get("MELTANO_DATABASE_URI", "")
    if not database_uri.startswith("postgresql"):
        print(
            "set MELTANO_DATABASE_URI=postgresql+psycopg://... (the shared system database)",
            file=sys.stderr,
        )
        return 2
    safe = make_url(database_uri).render_as_string(hide_password=True)
    if create_database(database_uri):
        print(f"created {safe}")
    try:
        migrate(database_uri)
    except subprocess.CalledProcessError as error:
        last = (error.stderr or "").strip().splitlines()[-1:] or ["no output"]
        print(f"meltano upgrade database failed: {last[0]}", file=sys.stderr)
        return 1
    print(f"migrated {safe}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
