"""BATCH files of JSON Lines streamed into PostgreSQL with COPY: no Python per row.

Each file is decompressed a chunk at a time into a temporary one-column ``jsonb`` table
(``COPY ... FORMAT csv`` with control characters as quote and delimiter, so backslashes
and quotes in the JSON reach PostgreSQL untouched: JSON text holds no raw control
character). One statement then lands its rows, a column per schema property cast to the
type the column has: ``merge_rows`` (a ``MERGE``, PostgreSQL 15+) or ``insert_rows``
(append-only) write the target table straight from the raw one; ``fill_staging`` fills
the sink's staging table for its own upsert where ``MERGE`` is missing.

``plan_columns`` decides per column; what it does not know raises ``UnsupportedError`` and
the caller loads that file the SDK's way.
"""

from __future__ import annotations

import gzip
import typing as t
import uuid
from dataclasses import dataclass

from psycopg import sql
from sqlalchemy.dialects.postgresql import ARRAY, JSON
from sqlalchemy.engine.processors import to_float
from target_postgres.connector import NOTYPE, HexByteString

if t.TYPE_CHECKING:
    import psycopg
    import sqlalchemy

CHUNK_BYTES = 1 << 20
COMPRESSIONS = (None, "none", "gzip")
# Written by the SDK's _add_sdc_metadata_to_record on the RECORD path.
METADATA_COLUMNS = frozenset(
    {
        "_sdc_extracted_at",
        "_sdc_received_at",
        "_sdc_batched_at",
        "_sdc_deleted_at",
        "_sdc_sequence",
        "_sdc_table_version",
        "_sdc_sync_started_at",
    }
)
# The raw table's columns; a property of the same name would be ambiguous.
LINE, DOC = "_copy_batch_line", "_copy_batch_doc"
# Text columns take the JSON text of the value (doc ->> key); for these JSON types it is
# the same text the SDK path writes (a boolean would be "true" there but "t" here).
TEXT_JSON_TYPES = frozenset({"string", "integer", "null"})
# PostgreSQL types loaded as the text of the value, cast by the type's input function,
# as COPY does for the rows the SDK path writes.
CAST_CATEGORIES = frozenset("NBD")  # numeric, boolean, date/time
CAST_TYPES = frozenset({"uuid", "interval"})


class UnsupportedError(Exception):
    """The file or its schema takes the SDK's path; the message says why."""


@dataclass(frozen=True)
class PgColumn:
    """A column as PostgreSQL has it (format_type, pg_type name and category)."""

    type_sql: str
    type_name: str
    category: str
    element_name: str | None  # arrays: the element type's name


def check_encoding(encoding: t.Any) -> None:
    file_format = str(getattr(encoding.format, "value", encoding.format))
    if file_format != "jsonl":
        raise UnsupportedError(f"batch format {file_format}")
    if encoding.compression not in COMPRESSIONS:
        raise UnsupportedError(f"compression {encoding.compression}")


def table_columns(cursor: psycopg.Cursor, table: sql.Composable) -> dict[str, PgColumn]:
    """The columns of ``table`` (a quoted name) as PostgreSQL types them."""
    cursor.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), ty.typname, ty.typcategory,"
        " el.typname"
        " FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid"
        " LEFT JOIN pg_type el ON el.oid = ty.typelem AND ty.typcategory = 'A'"
        " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        (table.as_string(cursor),),
    )
    return {row[0]: PgColumn(*row[1:]) for row in cursor.fetchall()}


def _json_types(property_schema: dict[str, t.Any]) -> set[str] | None:
    types = property_schema.get("type")
    if isinstance(types, str):
        return {types}
    if isinstance(types, list):
        return set(types)
    return None  # anyOf and friends: not judged here


def _value_expression(
    key: str,
    column: PgColumn,
    sink_type: sqlalchemy.types.TypeEngine,
    property_schema: dict[str, t.Any],
    dialect: sqlalchemy.Dialect,
) -> sql.Composable:
    json_types = _json_types(property_schema)
    value = sql.SQL("{} -> {}").format(sql.Identifier(DOC), sql.Literal(key))
    text = sql.SQL("({} ->> {})").format(sql.Identifier(DOC), sql.Literal(key))
    cast_to = sql.SQL(column.type_sql)
    if isinstance(sink_type, NOTYPE | HexByteString):
        raise UnsupportedError(f"{key}: column type {type(sink_type).__name__}")
    if column.type_name in {"json", "jsonb"}:
        if not isinstance(sink_type, JSON):
            raise UnsupportedError(f"{key}: {column.type_name} column for {sink_type}")
        # The sink's JSON type says whether None is SQL NULL or JSON null; an absent
        # property is None on the SDK path too.
        if sink_type.none_as_null:
            expression = sql.SQL("NULLIF({}, 'null'::jsonb)").format(value)
        else:
            expression = sql.SQL("COALESCE({}, 'null'::jsonb)").format(value)
        return sql.SQL("{}::{}").format(expression, cast_to)
    if column.category == "A":
        if not isinstance(sink_type, ARRAY) or column.element_name is None:
            raise UnsupportedError(f"{key}: array column for {sink_type}")
        if column.element_name in {"json", "jsonb"}:
            element_type = getattr(sink_type, "item_type", None)
            if not isinstance(element_type, JSON):
                raise UnsupportedError(f"{key}: {column.type_sql} column for {sink_type}")
            null_element = "NULL" if element_type.none_as_null else "e"
            elements = sql.SQL(
                "(SELECT CASE WHEN e = 'null'::jsonb THEN {} ELSE e END AS e, i"
                " FROM jsonb_array_elements({}) WITH ORDINALITY AS a(e, i)) AS a"
            ).format(sql.SQL(null_element), value)
        elif column.element_name in {"text", "varchar", "bpchar"} or (
            column.element_name in CAST_TYPES
        ):
            items = property_schema.get("items")
            item_types = _json_types(items) if isinstance(items, dict) else None
            if item_types is None or not item_types <= TEXT_JSON_TYPES:
                raise UnsupportedError(f"{key}: text array for items of {item_types}")
            elements = sql.SQL("jsonb_array_elements_text({}) WITH ORDINALITY AS a(e, i)").format(
                value
            )
        else:
            raise UnsupportedError(f"{key}: array of {column.element_name}")
        # A value that is neither an array nor null goes through the array input and
        # fails there, as it would on the SDK path.
        return sql.SQL(
            "CASE jsonb_typeof({value}) WHEN 'array' THEN ARRAY(SELECT e FROM {elements}"
            " ORDER BY i)::{cast_to} WHEN 'null' THEN NULL"
            " ELSE {text}::{cast_to} END"
        ).format(value=value, elements=elements, text=text, cast_to=cast_to)
    if column.category == "S":
        if json_types is None or not json_types <= TEXT_JSON_TYPES:
            raise UnsupportedError(f"{key}: text column for JSON types {json_types}")
        # No explicit cast: assignment to varchar(n) fails on a long value as COPY does.
        return text
    if column.type_name == "numeric" and sink_type.bind_processor(dialect) is to_float:
        return sql.SQL("{}::{}").format(_through_python_float(text), cast_to)
    if column.category in CAST_CATEGORIES or column.type_name in CAST_TYPES:
        return sql.SQL("{}::{}").format(text, cast_to)
    raise UnsupportedError(f"{key}: column type {column.type_sql}")


def _through_python_float(text: sql.Composable) -> sql.Composable:
    """The numeric the SDK path lands for this JSON number: SQLAlchemy's DECIMAL hands
    psycopg a Python float (``to_float``), which it writes as ``repr``: the shortest
    round-trip digits (as PostgreSQL prints a float8), with ``.0`` on integral values
    under 1e16 (a numeric of scale 1)."""
    as_float = sql.SQL("{}::float8").format(text)
    return sql.SQL(
        "CASE WHEN {f} = trunc({f}) AND abs({f}) < 1e16 THEN round({f}::text::numeric, 1)"
        " ELSE {f}::text::numeric END"
    ).format(f=as_float)


def plan_columns(
    properties: dict[str, dict[str, t.Any]],
    columns: dict[str, PgColumn],
    sink_types: dict[str, sqlalchemy.types.TypeEngine],
    metadata: dict[str, t.Any] | None,
    dialect: sqlalchemy.Dialect,
) -> dict[str, sql.Composable]:
    """One SELECT expression over the raw table per schema property.

    ``metadata``: the ``_sdc_*`` values of this file (None: properties like any other).
    """
    planned: dict[str, sql.Composable] = {}
    for name, property_schema in properties.items():
        if name in {LINE, DOC}:
            raise UnsupportedError(f"property named {name}")
        if name not in columns:
            raise UnsupportedError(f"{name}: no such column")
        column = columns[name]
        if metadata is not None and name in METADATA_COLUMNS and name != "_sdc_deleted_at":
            value = metadata.get(name)
            planned[name] = (
                sql.SQL("NULL::{}").format(sql.SQL(column.type_sql))
                if value is None
                else sql.SQL("{}::{}").format(sql.Literal(str(value)), sql.SQL(column.type_sql))
            )
            continue
        planned[name] = _value_expression(name, column, sink_types[name], property_schema, dialect)
    return planned


def create_raw_table(cursor: psycopg.Cursor) -> str:
    name = f"raw_{uuid.uuid4().hex}"
    cursor.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE {} ({} bigint GENERATED ALWAYS AS IDENTITY, {} jsonb)"
            " ON COMMIT DROP"
        ).format(sql.Identifier(name), sql.Identifier(LINE), sql.Identifier(DOC))
    )
    return name


def copy_lines(cursor: psycopg.Cursor, raw_table: str, file: t.IO[bytes], compression) -> int:
    """Stream the JSON Lines of ``file`` into ``raw_table``; returns the rows copied."""
    statement = sql.SQL(
        "COPY {} ({}) FROM STDIN WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
    ).format(sql.Identifier(raw_table), sql.Identifier(DOC))
    source = gzip.GzipFile(fileobj=file, mode="rb") if compression == "gzip" else file
    with cursor.copy(statement) as copy:
        while chunk := source.read(CHUNK_BYTES):
            copy.write(chunk)
    return cursor.rowcount


def _rows(
    raw_table: str, planned: dict[str, sql.Composable], keys: t.Sequence[str]
) -> sql.Composable:
    """The typed rows of ``raw_table``, a column per planned property; with ``keys``, only
    the file's last row of each key, as the SDK path keeps the last record per key of a
    batch."""
    expressions = sql.SQL(", ").join(
        sql.SQL("{} AS {}").format(expression, sql.Identifier(name))
        for name, expression in planned.items()
    )
    raw = sql.Identifier(raw_table)
    doc_present = sql.SQL("{} IS NOT NULL").format(sql.Identifier(DOC))  # blank lines
    if not keys:
        return sql.SQL("SELECT {} FROM {} WHERE {}").format(expressions, raw, doc_present)
    # Sorted by key, a MERGE probes the target's key index in order: faster on a large
    # target than the same rows unsorted, so the sort stays for files without duplicates.
    return sql.SQL(
        "SELECT DISTINCT ON ({keys}) {expressions} FROM {raw} WHERE {present}"
        " ORDER BY {keys}, {line} DESC"
    ).format(
        keys=sql.SQL(", ").join(sql.Identifier(key) for key in keys),
        expressions=expressions,
        raw=raw,
        present=doc_present,
        line=sql.Identifier(LINE),
    )


def fill_staging(
    cursor: psycopg.Cursor,
    raw_table: str,
    staging_table: str,
    planned: dict[str, sql.Composable],
    keys: t.Sequence[str],
) -> None:
    """Insert the typed rows (the last of each of ``keys``) into the staging table."""
    names = sql.SQL(", ").join(sql.Identifier(name) for name in planned)
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) {}").format(
            sql.Identifier(staging_table), names, _rows(raw_table, planned, keys)
        )
    )


def insert_rows(
    cursor: psycopg.Cursor,
    raw_table: str,
    table: sql.Composable,
    planned: dict[str, sql.Composable],
) -> None:
    """Append the typed rows to ``table``: what an insert from the staging table lands."""
    names = sql.SQL(", ").join(sql.Identifier(name) for name in planned)
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) {}").format(table, names, _rows(raw_table, planned, ()))
    )


def merge_rows(
    cursor: psycopg.Cursor,
    raw_table: str,
    table: sql.Composable,
    planned: dict[str, sql.Composable],
    keys: t.Sequence[str],
) -> None:
    """Upsert the typed rows (the last of each key) into ``table`` in one ``MERGE``: the
    rows whose keys match are updated, the others inserted, the end state of the sink's
    update-then-insert from a staging table (same ``=`` join: a NULL key matches nothing)
    without writing, analysing and reading that table."""
    source, target = sql.Identifier("source"), sql.Identifier("target")
    matched = sql.SQL(" AND ").join(
        sql.SQL("{}.{} = {}.{}").format(target, sql.Identifier(key), source, sql.Identifier(key))
        for key in keys
    )
    names = [sql.Identifier(name) for name in planned]
    cursor.execute(
        sql.SQL(
            "MERGE INTO {table} AS {target} USING ({rows}) AS {source} ON {matched}"
            " WHEN MATCHED THEN UPDATE SET {assignments}"
            " WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({values})"
        ).format(
            table=table,
            target=target,
            rows=_rows(raw_table, planned, keys),
            source=source,
            matched=matched,
            assignments=sql.SQL(", ").join(
                sql.SQL("{} = {}.{}").format(name, source, name) for name in names
            ),
            names=sql.SQL(", ").join(names),
            values=sql.SQL(", ").join(sql.SQL("{}.{}").format(source, name) for name in names),
        )
    )


def drop_table(cursor: psycopg.Cursor, name: str) -> None:
    cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
