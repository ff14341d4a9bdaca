"""meltanolabs-target-postgres 0.8.1 with its gaps closed.

1. An absent object property lands as SQL NULL. 0.8.1 fills every missing column with
   None, and its JSONB type writes None as JSON ``null``, so ``_extra IS NOT NULL`` matched
   every row, while DuckDB stores SQL NULL. Objects are mapped to
   ``JSONB(none_as_null=True)`` instead, which COPY, INSERT and upsert all honour.
2. BATCH files are loaded by PostgreSQL, not read back in Python (``copy_batch.py``): each
   JSON Lines file (gzip'd or not, wherever the SDK's storage can open it: ``file://``,
   ``s3://``) is streamed with COPY into a one-column ``jsonb`` table and cast column by
   column in SQL straight into the target: one ``MERGE`` for an upsert (the end state of
   the sink's update-then-insert, without a staging table to write, analyse and read
   back), one ``INSERT`` for an append; a server without ``MERGE`` (before PostgreSQL 15)
   fills the sink's staging table for its own upsert instead. Rows land as the SDK path
   lands them: same columns and types, JSON null vs SQL NULL as above, the last row of a
   key within a file wins. JIT compilation is off for the file's transaction (its
   estimates over the raw table, which has no statistics, made it compile every
   statement); each row's values are read once, and a property that no row of the file
   has (proved by one pass over it when a sample lacks many) is a NULL constant, not a
   look-up per row; at DEBUG, each file's seconds per phase are logged. What it does not know
   (another format or compression, flattening or stream maps, a column type such as bytea
   or an untyped property, a text column for booleans or numbers) takes the SDK's path,
   logged once at INFO; so does a file PostgreSQL refuses (e.g. ``\\u0000`` in a string,
   which ``jsonb`` cannot hold), with a warning.
3. Rows read from BATCH files get the ``_sdc_*`` metadata columns (when
   ``add_record_metadata`` is on), on either path. The SDK adds them only on the RECORD
   path. BATCH messages carry no extraction time, so ``_sdc_extracted_at`` is the time the
   BATCH message reached the target; ``_sdc_table_version`` is NULL (no version either).
   With ``clean_up_batch_files`` on, each local (``file://``) batch file is deleted once
   its rows are committed; remote files are left alone.
4. Upserts analyse the join keys of the staging table, and of the target while it is no
   larger than a batch, before merging, so PostgreSQL does not plan a nested loop over
   two tables it thinks are empty, and turn nested loops off when
   the target is no larger than the batch (a first load: a nested loop over a sequential
   scan of the target, which the INSERT fills as it scans, is quadratic); a BATCH file's
   ``MERGE``, whose source the planner takes for 200 rows, only while the target is no
   larger than a tenth of the file (its index probes beat hashing the whole file). The
   merge updates the existing rows before inserting the new ones, the reverse of 0.8.1's
   order, so it no longer rewrites every row it has just inserted; the end state is the
   same.

Not closed: BATCH records are still not validated against the stream schema.
"""

from __future__ import annotations

import datetime as dt
import time
import typing as t
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlparse

import psycopg
import sqlalchemy
from psycopg import sql
from singer_sdk import typing as th
from singer_sdk.helpers._batch import StorageTarget
from sqlalchemy.dialects.postgresql import JSONB
from target_postgres.connector import PostgresConnector
from target_postgres.sinks import PostgresSink
from target_postgres.target import TargetPostgres

from target_postgres_plus import copy_batch

if t.TYPE_CHECKING:
    from singer_sdk.helpers._batch import BaseBatchFileEncoding

JIT_SINCE = (11,)  # the first PostgreSQL with the jit setting
SHORTEST_FLOATS_SINCE = (12,)  # the first printing float8 as its shortest round-trip text
MERGE_SINCE = (15,)  # the first with MERGE


class PostgresPlusConnector(PostgresConnector):
    """Maps JSON objects to a JSONB that stores None as SQL NULL."""

    @cached_property
    def jsonschema_to_sql(self):
        to_sql = super().jsonschema_to_sql
        to_sql.register_type_handler("object", lambda _schema: JSONB(none_as_null=True))
        return to_sql


class PostgresPlusSink(PostgresSink):
    """Loads BATCH files with COPY, adds their ``_sdc_*`` columns, can delete them after."""

    connector_class = PostgresPlusConnector

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        # Set only while a batch file is loaded the SDK's way: the RECORD path adds
        # metadata itself.
        self._batch_message: dict[str, t.Any] | None = None
        self._fallbacks_logged: set[str] = set()

    def process_batch_files(self, encoding: BaseBatchFileEncoding, files: t.Sequence[str]) -> None:
        received = {"time_extracted": dt.datetime.now(tz=dt.UTC).isoformat()}
        for url in files:
            # One file at a time, each committed before it may be deleted.
            if not self._copy_batch_file(encoding, url, received["time_extracted"]):
                self._batch_message = received
                try:
                    super().process_batch_files(encoding, [url])
                finally:
                    self._batch_message = None
            if self.config.get("clean_up_batch_files"):
                _delete_local_file(url)

    def _copy_batch_file(
        self, encoding: BaseBatchFileEncoding, url: str, extracted_at: str
    ) -> bool:
        """Load ``url`` with COPY; False when it must take the SDK's path instead."""
        try:
            if self.config.get("flattening_enabled") or self.config.get("stream_maps"):
                raise copy_batch.UnsupportedError("flattening or stream maps configured")
            copy_batch.check_encoding(encoding)
            rows = self._load_with_copy(encoding, url, extracted_at)
        except copy_batch.UnsupportedError as reason:
            if str(reason) not in self._fallbacks_logged:
                self._fallbacks_logged.add(str(reason))
                self.logger.info(
                    "Stream %s: BATCH files loaded row by row, not with COPY: %s",
                    self.stream_name,
                    reason,
                )
            return False
        except (psycopg.DataError, sqlalchemy.exc.DataError) as error:
            # Rolled back; the SDK's path either manages (e.g. sanitising \u0000) or
            # raises the same refusal.
            self.logger.warning(
                "Stream %s: COPY refused %s (%s); loading it row by row",
                self.stream_name,
                url,
                str(error).splitlines()[0],
            )
            return False
        self.record_counter_metric.increment(rows)
        return True

    def _load_with_copy(self, encoding: BaseBatchFileEncoding, url: str, extracted_at: str) -> int:
        # The file is opened as the SDK opens it (its batch storage, else the URL's).
        storage = self.batch_config.storage if self.batch_config else None
        head, tail = StorageTarget.split_url(url)
        file_storage = storage or StorageTarget.from_url(head)
        sink_types = {
            name: self.connector.to_sql_type(schema)
            for name, schema in self.schema["properties"].items()
        }
        keys = () if self.append_only else tuple(self.key_properties)
        metadata = (
            self._batch_metadata(extracted_at) if self.include_sdc_metadata_properties else None
        )
        timer = _PhaseTimer()
        # One transaction per file, as process_batch has.
        with self.connector._connect() as connection, connection.begin():
            if connection.dialect.driver != "psycopg":
                raise copy_batch.UnsupportedError(f"driver {connection.dialect.driver}")
            cursor = connection.connection.cursor()
            server = connection.dialect.server_version_info
            if server >= JIT_SINCE:
                # The raw table has no statistics, so each statement's estimate passed
                # jit_above_cost, and compiling it cost 0.1-0.2 s of a 100k-row file.
                cursor.execute("SET LOCAL jit = off")
            if server >= SHORTEST_FLOATS_SINCE:
                # copy_batch reads a number's digits from float8::text, the shortest
                # round-trip text only while extra_float_digits > 0 (a role or database
                # may set 0): RECORD and BATCH rows would differ.
                cursor.execute("SET LOCAL extra_float_digits = 1")
            table = self.connector.prepare_table(
                full_table_name=self.full_table_name,
                schema=self.schema,
                primary_keys=self.key_properties,
                as_temp_table=False,
                connection=connection,
            )
            # Rows go straight from the raw table into the target (a MERGE for an upsert);
            # only a server without MERGE still fills a staging table for the sink's upsert.
            direct = not keys or server >= MERGE_SINCE
            if direct:
                target = _identifier(table)
                columns = copy_batch.table_columns(cursor, target)
            else:
                staging = self.connector.copy_table_structure(
                    full_table_name=self.temp_table_name,
                    from_table=table,
                    as_temp_table=True,
                    connection=connection,
                )
                columns = copy_batch.table_columns(cursor, sql.Identifier(staging.name))
            properties = self.schema["properties"]
            planned = copy_batch.plan_columns(
                properties, columns, sink_types, metadata, connection.dialect, keys=keys
            )
            if missing := set(keys) - set(planned.expressions):
                raise copy_batch.UnsupportedError(f"key properties {missing} not in the schema")
            if server < SHORTEST_FLOATS_SINCE and planned.row.reads_floats:
                raise copy_batch.UnsupportedError("numbers need PostgreSQL 12's float8 output")
            raw_table = copy_batch.create_raw_table(cursor)
            timer.lap("prepare")
            with file_storage.open(tail, mode="rb") as file:
                rows = copy_batch.copy_lines(cursor, raw_table, file, encoding.compression)
            timer.lap("copy")
            # A property no row of the file has is a NULL constant, not a look-up per row.
            present = copy_batch.present_keys(cursor, raw_table, planned.row.keys)
            if present is not None:
                planned = copy_batch.plan_columns(
                    properties, columns, sink_types, metadata, connection.dialect, present, keys
                )
            timer.lap("keys")
            if not keys:
                copy_batch.insert_rows(cursor, raw_table, target, planned)
                timer.lap("insert")
            elif direct:
                # The planner takes a MERGE's source (a DISTINCT ON over a raw jsonb
                # column) for 200 rows; without nested loops it hashed all 100k of them
                # against a 100k-row target (1.1 s, 0.8 s with index probes). Only a
                # (nearly) empty target needs them off.
                self._plan_join(table, keys, rows / 10, connection)
                timer.lap("plan")
                copy_batch.merge_rows(cursor, raw_table, target, planned, keys)
                timer.lap("merge")
            else:
                copy_batch.fill_staging(cursor, raw_table, staging.name, planned, keys)
                timer.lap("fill_staging")
                self.upsert(
                    from_table=staging,
                    to_table=table,
                    schema=self.schema,
                    join_keys=self.key_properties,
                    connection=connection,
                )
                self.connector.drop_table(table=staging, connection=connection)
                timer.lap("upsert")
            copy_batch.drop_table(cursor, raw_table)
        timer.lap("commit")
        self.logger.info("Stream %s: %d rows of %s loaded with COPY", self.stream_name, rows, url)
        self.logger.debug("Stream %s: seconds per phase of %s: %s", self.stream_name, url, timer)
        return rows

    def _batch_metadata(self, extracted_at: str) -> dict[str, t.Any]:
        """This file's ``_sdc_*`` values, as ``_add_sdc_metadata_to_record`` sets them for
        a BATCH message (no version, no extraction time: the message's arrival)."""
        now = dt.datetime.now(tz=dt.UTC).isoformat()
        return {
            "_sdc_extracted_at": extracted_at,
            "_sdc_received_at": now,
            "_sdc_batched_at": now,
            "_sdc_sequence": round(time.time() * 1000),
            "_sdc_table_version": None,
            "_sdc_sync_started_at": self.sync_started_at,
        }

    def upsert(
        self,
        from_table: sqlalchemy.Table,
        to_table: sqlalchemy.Table,
        schema: dict[str, t.Any],
        join_keys: t.Sequence[str],
        connection: sqlalchemy.engine.Connection,
    ) -> int | None:
        if self.append_only:
            return super().upsert(from_table, to_table, schema, join_keys, connection)
        self._plan_merge(from_table, to_table, join_keys, connection)
        # 0.8.1's merge, its two statements swapped: update the rows that exist, then
        # insert the new ones. Same end state, but the rows just inserted are not
        # rewritten by the update (on a first load, every row was written twice).
        join_condition = sqlalchemy.and_(
            *(from_table.columns[key] == to_table.columns[key] for key in join_keys)
        )
        connection.execute(
            sqlalchemy.update(to_table)
            .where(join_condition)
            .values({to_table.columns[c]: from_table.columns[c] for c in self.schema["properties"]})
        )
        new_rows = (
            sqlalchemy.select(from_table.columns)
            .select_from(from_table.outerjoin(to_table, join_condition))
            .where(sqlalchemy.and_(*(to_table.columns[key].is_(None) for key in join_keys)))
        )
        connection.execute(
            sqlalchemy.insert(to_table).from_select(names=from_table.columns, select=new_rows)
        )
        return None

    def _plan_merge(
        self,
        from_table: sqlalchemy.Table,
        to_table: sqlalchemy.Table,
        join_keys: t.Sequence[str],
        connection: sqlalchemy.engine.Connection,
    ) -> None:
        """Statistics for the planner, and hash joins when the target is small."""
        # 0.8.1 joins a staging table that was never analysed: the planner takes it for a
        # row or two and picks a nested loop, rows x rows per batch (a 100k-row load of a
        # wide USAspending table never finished). The join keys' statistics are what the
        # merge needs; the other columns (wide jsonb ones) cost most of a full ANALYZE.
        batch_rows = self._analyze(from_table, join_keys, connection)
        self._plan_join(to_table, join_keys, batch_rows, connection)

    def _plan_join(
        self,
        to_table: sqlalchemy.Table,
        join_keys: t.Sequence[str],
        small_target_rows: float,
        connection: sqlalchemy.engine.Connection,
    ) -> None:
        """Hash joins while ``to_table`` has no more than ``small_target_rows`` rows."""
        # The target's statistics, once it is larger than a batch, stay good: the planner
        # scales its row count by its current size, as the estimate below does. Sampling
        # it again on every batch cost more as it grew (1.9 s of a 3.5 s file at 300k).
        target_rows = self._estimated_rows(to_table, connection)
        if target_rows is None or target_rows <= small_target_rows:
            target_rows = self._analyze(to_table, join_keys, connection)
        # A small target (empty on a first load) still gets a nested loop over a
        # sequential scan of itself, and an INSERT's scan also reads the rows it has
        # just inserted: quadratic, a 100k-row first load never finished. Hash joins for
        # this transaction; a large target keeps its index probes.
        if target_rows <= small_target_rows:
            connection.execute(sqlalchemy.text("SET LOCAL enable_nestloop = off"))

    @staticmethod
    def _analyze(
        table: sqlalchemy.Table,
        columns: t.Sequence[str],
        connection: sqlalchemy.engine.Connection,
    ) -> float:
        """ANALYZE ``columns`` of ``table`` (all without any); its row count."""
        preparer = connection.dialect.identifier_preparer
        name = preparer.format_table(table)
        column_list = ", ".join(preparer.quote(column) for column in columns)
        connection.execute(
            sqlalchemy.text(f"ANALYZE {name} ({column_list})" if columns else f"ANALYZE {name}")
        )
        return connection.execute(
            sqlalchemy.text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"),
            {"name": name},
        ).scalar_one()

    @staticmethod
    def _estimated_rows(
        table: sqlalchemy.Table, connection: sqlalchemy.engine.Connection
    ) -> float | None:
        """The planner's row count of ``table``: its last ANALYZE's rows per page times
        its pages now; None if it was never analysed or was empty then."""
        name = connection.dialect.identifier_preparer.format_table(table)
        return connection.execute(
            sqlalchemy.text(
                "SELECT reltuples / relpages * (pg_relation_size(oid)"
                " / current_setting('block_size')::int)"
                " FROM pg_class WHERE oid = CAST(:name AS regclass)"
                " AND reltuples > 0 AND relpages > 0"
            ),
            {"name": name},
        ).scalar_one_or_none()

    def process_batch(self, context: dict[str, t.Any]) -> None:
        if self._batch_message is not None and self.include_sdc_metadata_properties:
            for record in context["records"]:
                self._add_sdc_metadata_to_record(record, self._batch_message, context)
        super().process_batch(context)


def _identifier(table: sqlalchemy.Table) -> sql.Composable:
    """``table``'s name, schema-qualified when it has a schema, quoted for psycopg."""
    return sql.Identifier(table.schema, table.name) if table.schema else sql.Identifier(table.name)


class _PhaseTimer(dict):
    """Seconds per phase of one file's load, for the DEBUG log."""

    def __init__(self) -> None:
        super().__init__()
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self[phase] = now - self._last
        self._last = now

    def __str__(self) -> str:
        return " ".join(f"{phase}={seconds:.3f}" for phase, seconds in self.items())


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
