"""Every private name of the upstream loader (target-postgres 0.8.1 and its singer-sdk) this
package relies on, in one place, each fingerprinted as it was when the loader was written.

Only the ``==0.8.1`` pin guarded them before. ``python -m target_postgres_plus.upstream``
(run by ``tests/e2e/test_target_postgres_plus.py``) lists each one whose source changed and
exits 1; ``tests/test_private_names.py`` checks that the package names no other one.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import typing as t

from singer_sdk.helpers import _batch
from singer_sdk.sinks import Sink
from singer_sdk.sql import SQLConnector
from target_postgres.connector import PostgresConnector

# (owner, name): the start of the sha256 of its source in target-postgres 0.8.1 /
# singer-sdk 0.54.9.
UPSTREAM_PRIVATE_SOURCES: dict[tuple[t.Any, str], str] = {
    # the SDK's batch storage, a private module: how a BATCH file is opened
    (_batch, "StorageTarget"): "5f84f1d9706b6f1f",
    (_batch, "BaseBatchFileEncoding"): "7bb7394bd4dd1a82",
    # the connection ``_load_with_copy`` runs its transaction on
    (PostgresConnector, "_connect"): "f3b341fe39f60a13",
    (SQLConnector, "_connect"): "bb26a893305726d7",
    # the RECORD path's ``_sdc_*`` values, which the BATCH paths reproduce
    (Sink, "_add_sdc_metadata_to_record"): "0ac381cf306bfc0c",
}


def fingerprint(owner: t.Any, name: str) -> str:
    return hashlib.sha256(inspect.getsource(getattr(owner, name)).encode()).hexdigest()[:16]


def number_columns_bind_to_float() -> bool:
    """Whether a ``number`` column still hands psycopg a Python float through SQLAlchemy's
    ``to_float`` (``copy_batch`` reproduces that float's digits only for such a column,
    recognised by that function's identity)."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
    from sqlalchemy.engine.processors import to_float

    from target_postgres_plus.target import PostgresPlusConnector

    connector = PostgresPlusConnector({"sqlalchemy_url": "postgresql+psycopg://u@localhost/db"})
    number = connector.to_sql_type({"type": ["number", "null"]})
    return number.bind_processor(PGDialect_psycopg()) is to_float


def changes() -> list[str]:
    """What changed upstream since the loader was written (empty: nothing)."""
    changed = [
        f"{getattr(owner, '__name__', owner)}.{name}"
        for (owner, name), expected in UPSTREAM_PRIVATE_SOURCES.items()
        if fingerprint(owner, name) != expected
    ]
    if not number_columns_bind_to_float():
        changed.append("sqlalchemy.engine.processors.to_float (no longer a number's binder)")
    return changed


def declared_names() -> set[str]:
    """The private names listed above: attributes, and the private modules they are in."""
    modules = {
        owner.__name__.rsplit(".", 1)[-1]
        for owner, _name in UPSTREAM_PRIVATE_SOURCES
        if inspect.ismodule(owner)
    }
    return {name for _owner, name in UPSTREAM_PRIVATE_SOURCES} | modules


if __name__ == "__main__":
    if "--names" in sys.argv:
        print(" ".join(sorted(declared_names())))
        sys.exit(0)
    changed = changes()
    for change in changed:
        print(f"upstream changed {change}: check target_postgres_plus against it", file=sys.stderr)
    sys.exit(1 if changed else 0)
