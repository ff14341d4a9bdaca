"""meltanolabs-target-postgres 0.8.1 with two gaps closed.

1. An absent object property lands as SQL NULL. 0.8.1 fills every missing column with
   None, and its JSONB type writes None as JSON ``null``, so ``_extra IS NOT NULL`` matched
   every row, while DuckDB stores SQL NULL. Objects are mapped to
   ``JSONB(none_as_null=True)`` instead, which COPY, INSERT and upsert all honour.
2. Rows read from BATCH files get the ``_sdc_*`` metadata columns (when
   ``add_record_metadata`` is on). The SDK adds them only on the RECORD path, so BATCH rows
   were loaded with them NULL. BATCH messages carry no extraction time, so
   ``_sdc_extracted_at`` is the time the BATCH message reached the target.
   With ``clean_up_batch_files`` on, each local (``file://``) batch file is deleted once
   its rows are committed; remote files are left alone.

3. Upserts analyse the staging and target tables before merging, so PostgreSQL plans a
   hash join instead of a nested loop over two tables it thinks are empty.

Not closed: BATCH records are still not validated against the stream schema.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlparse

import sqlalchemy
from singer_sdk import typing as th
from sqlalchemy.dialects.postgresql import JSONB
from target_postgres.connector import PostgresConnector
from target_postgres.sinks import PostgresSink
from target_postgres.target import TargetPostgres

if t.TYPE_CHECKING:
    from singer_sdk.helpers._batch import BaseBatchFileEncoding


class PostgresPlusConnector(PostgresConnector):
    """Maps JSON objects to a JSONB that stores None as SQL NULL."""

    @cached_property
    def jsonschema_to_sql(self):
        to_sql = super().jsonschema_to_sql
        to_sql.register_type_handler("object", lambda _schema: JSONB(none_as_null=True))
        return to_sql


class PostgresPlusSink(PostgresSink):
    """Adds ``_sdc_*`` columns to BATCH rows and can delete loaded local batch files."""

    connector_class = PostgresPlusConnector

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        # Set only while a batch file is being loaded: the RECORD path adds metadata itself.
        self._batch_message: dict[str, t.Any] | None = None

    def process_batch_files(self, encoding: BaseBatchFileEncoding, files: t.Sequence[str]) -> None:
        received = {"time_extracted": dt.datetime.now(tz=dt.UTC).isoformat()}
        for url in files:
            self._batch_message = received
            try:
                # One file at a time: process_batch commits it before we may delete it.
                super().process_batch_files(encoding, [url])
            finally:
                self._batch_message = None
            if self.config.get("clean_up_batch_files"):
                _delete_local_file(url)

    def upsert(
        self,
        from_table: sqlalchemy.Table,
        to_table: sqlalchemy.Table,
        schema: dict[str, t.Any],
        join_keys: t.Sequence[str],
        connection: sqlalchemy.engine.Connection,
    ) -> int | None:
        # 0.8.1 joins a staging table that was never analysed: the planner takes it for a
        # row or two and picks a nested loop, rows x rows per batch (a 100k-row load of a
        # wide USAspending table never finished). Statistics first, then its merge.
        if not self.append_only:
            for table in (from_table, to_table):
                name = connection.dialect.identifier_preparer.format_table(table)
                connection.execute(sqlalchemy.text(f"ANALYZE {name}"))
        return super().upsert(from_table, to_table, schema, join_keys, connection)

    def process_batch(self, context: dict[str, t.Any]) -> None:
        if self._batch_message is not None and self.include_sdc_metadata_properties:
            for record in context["records"]:
                self._add_sdc_metadata_to_record(record, self._batch_message, context)
        super().process_batch(context)


def _delete_local_file(url: str) -> None:
    """Delete ``url`` if it names a local file (``file://``); ignore any other scheme."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        Path(unquote(parsed.path)).unlink(missing_ok=True)


class TargetPostgresPlus(TargetPostgres):
    """target-postgres 0.8.1 with the gaps above closed; same name and settings."""

    default_sink_class = PostgresPlusSink
    config_jsonschema = {
        **TargetPostgres.config_jsonschema,
        "properties": {
            **TargetPostgres.config_jsonschema["properties"],
            **th.PropertiesList(
                th.Property(
                    "clean_up_batch_files",
                    th.BooleanType,
                    default=False,
                    description="Delete local (file://) BATCH files once their rows are loaded.",
                ),
            ).to_dict()["properties"],
        },
    }


if __name__ == "__main__":
    TargetPostgresPlus.cli()
