"""BATCH files of JSON Lines streamed into PostgreSQL with COPY: no Python per row.

Each file is decompressed a chunk at a time into a temporary one-column ``jsonb`` table
(``COPY ... FORMAT csv`` with control characters as quote and delimiter, so backslashes
and quotes in the JSON reach PostgreSQL untouched: JSON text holds no raw control
character). One statement then lands its rows, a column per schema property cast to the
type the column has: ``merge_rows`` (a ``MERGE``, PostgreSQL 15+) or ``insert_rows``
(append-only) write the target table straight from the raw one; ``fill_staging`` fills
the sink's staging table for its own upsert where ``MERGE`` is missing.

``plan_columns`` decides per column; what it does not know raises ``UnsupportedError`` and
the caller loads that file the SDK's way. Each row's values are read from its ``jsonb``
once, in an inner ``SELECT`` the typed expressions read (``RowValues``), and a property
that ``present_keys`` proves no row of the file has is a NULL constant, not a look-up per
row: a wide schema whose rows fill a few of its columns (USAspending: 297 properties, 41
in a row) spent most of its ``MERGE`` looking up absent keys.
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
# The raw table's columns, and the inner SELECT's alias and its columns' prefix; a
# property of such a name would be ambiguous.
LINE, DOC = "_copy_batch_line", "_copy_batch_doc"
ROW, READ_PREFIX = "_copy_batch_row", "_copy_batch_read_"
# Rows sampled for the keys a file has, and the fewest properties missing from the sample
# worth a pass over the file to prove them absent: the pass (jsonb_object_keys of each
# row less the sampled keys) costs about what 25 look-ups of an absent key in each row
# do (0.2 s for a 100k-row USAspending file, whose rows have 41 keys).
SAMPLE_ROWS = 1000
MIN_ABSENT = 24
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


class RowValues:
    """What the typed expressions read of a raw row: a key's JSON value (``doc -> key``),
    its text (``doc ->> key``) or its number through a float. Each is a column of the
    inner ``SELECT``, computed once per row however often the expressions read it
    (PostgreSQL repeats a subexpression per reference); a key outside ``present`` (None:
    any key may be) is a NULL constant, as the look-up of an absent key gives.

    A key of ``outer`` (the table's key properties) is read in the outer ``SELECT``, from
    the document the inner one passes on, as before there was an inner one: over its
    columns, which have no statistics either, PostgreSQL took the ``DISTINCT ON`` of two
    keys for 40,000 rows, not 200, and hashed the whole target table instead of probing
    its key index (Scantrust: 0.6 s to 0.9 s a 100k-row file)."""

    def __init__(
        self, present: frozenset[str] | None = None, outer: t.Collection[str] = ()
    ) -> None:
        self.present = present
        self.outer = outer
        # (kind, key): the inner SELECT's column (None: read in the outer one), expression
        self.reads: dict[tuple[str, str], tuple[str | None, sql.Composable]] = {}

    @property
    def keys(self) -> set[str]:
        """The keys read from the rows."""
        return {key for _kind, key in self.reads}

    @property
    def reads_floats(self) -> bool:
        """Whether a key is read through a float (``float_digits``)."""
        return any(kind == "float" for kind, _key in self.reads)

    def _read(self, kind: str, key: str, expression: str, null: str) -> sql.Composable:
        if self.present is not None and key not in self.present:
            return sql.SQL(null)
        if key in self.outer:
            read = sql.SQL(expression).format(sql.Identifier(ROW, DOC), sql.Literal(key))
            self.reads[kind, key] = (None, read)
            return sql.SQL("({})").format(read)
        if (kind, key) not in self.reads:
            self.reads[kind, key] = (
                f"{READ_PREFIX}{len(self.reads)}",
                sql.SQL(expression).format(sql.Identifier(DOC), sql.Literal(key)),
            )
        return sql.Identifier(ROW, self.reads[kind, key][0])

    def value(self, key: str) -> sql.Composable:
        return self._read("value", key, "{} -> {}", "NULL::jsonb")

    def text(self, key: str) -> sql.Composable:
        return self._read("text", key, "{} ->> {}", "NULL::text")

    def float_digits(self, key: str) -> sql.Composable:
        """The number's float8 as PostgreSQL prints it, as a numeric."""
        return self._read("float", key, "({} ->> {})::float8::text::numeric", "NULL::numeric")


def _value_expression(
    key: str,
    column: PgColumn,
    sink_type: sqlalchemy.types.TypeEngine,
    property_schema: dict[str, t.Any],
    dialect: sqlalchemy.Dialect,
    row: RowValues,
) -> sql.Composable:
    json_types = _json_types(property_schema)
    cast_to = sql.SQL(column.type_sql)
    if isinstance(sink_type, NOTYPE | HexByteString):
        raise UnsupportedError(f"{key}: column type {type(sink_type).__name__}")
    if column.type_name in {"json", "jsonb"}:
        if not isinstance(sink_type, JSON):
            raise UnsupportedError(f"{key}: {column.type_name} column for {sink_type}")
        # The sink's JSON type says whether None is SQL NULL or JSON null; an absent
        # property is None on the SDK path too.
        value = row.value(key)
        if sink_type.none_as_null:
            expression = sql.SQL("NULLIF({}, 'null'::jsonb)").format(value)
        else:
            expression = sql.SQL("COALESCE({}, 'null'::jsonb)").format(value)
        return sql.SQL("{}::{}").format(expression, cast_to)
    if column.category == "A":
        if not isinstance(sink_type, ARRAY) or column.element_name is None:
            raise UnsupportedError(f"{key}: array column for {sink_type}")
        value = row.value(key)
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
        ).format(value=value, elements=elements, text=row.text(key), cast_to=cast_to)
    if column.category == "S":
        if json_types is None or not json_types <= TEXT_JSON_TYPES:
            raise UnsupportedError(f"{key}: text column for JSON types {json_types}")
        # No explicit cast: assignment to varchar(n) fails on a long value as COPY does.
        return row.text(key)
    if column.type_name == "numeric" and sink_type.bind_processor(dialect) is to_float:
        return sql.SQL("{}::{}").format(_through_python_float(row.float_digits(key)), cast_to)
    if column.category in CAST_CATEGORIES or column.type_name in CAST_TYPES:
        return sql.SQL("{}::{}").format(row.text(key), cast_to)
    raise UnsupportedError(f"{key}: column type {column.type_sql}")


def _through_python_float(digits: sql.Composable) -> sql.Composable:
    """The numeric the SDK path lands for this JSON number: SQLAlchemy's DECIMAL hands
    psycopg a Python float (``to_float``), which it writes as ``repr``: the shortest
    digits that round back to the float, with ``.0`` on integral values under 1e16 (a
    numeric of scale 1).

    ``digits``: PostgreSQL's digits of the float as a numeric (``RowValues.float_digits``,
    computed once per row). Its scale is 0 exactly when the float is integral (a fraction
    prints a digit after the point or a negative exponent, an integer none: ``-0`` is 0,
    ``1e+16`` is 10000000000000000); NaN and infinities have no scale and stay as they
    are. From 2^53 up they can be longer than Python's (``_python_digits``). The earlier
    form, ``f = trunc(f) AND abs(f) < 1e16`` on the float8, cast the text up to five
    times a row and missed those."""
    return sql.SQL(
        "CASE WHEN scale({n}) = 0 THEN round(CASE WHEN abs({n}) < {exact} THEN {n}"
        " ELSE {python} END, CASE WHEN abs({n}) < 1e16 THEN 1 ELSE 0 END) ELSE {n} END"
    ).format(n=digits, exact=sql.SQL(str(2**53)), python=_python_digits(digits))


def _python_digits(n: sql.Composable) -> sql.Composable:
    """Python's repr of the integral float whose PostgreSQL digits are ``n`` (2^53 or
    more), as a numeric.

    Both print the shortest decimal that rounds to the float, but PostgreSQL's lies
    strictly inside its rounding interval, while Python's may be one of the interval's
    ends, which round to it too when its mantissa is even (round half to even): for
    -32817981742500728 PostgreSQL prints -3.2817981742500728e+16, Python
    -3.281798174250073e+16; 1e23 is 9.999999999999999e+22 against 1e+23. From 2^53 up
    the ends are integers, and one shorter than ``n`` (of s significant digits, d in
    all) is a multiple of g = 10^(d - s + 1) less than the interval's width away: ``n``
    rounded to s - 1 digits (c), c - g or c + g. Two of them cannot both round to the
    float (one would be inside the interval, and PostgreSQL would have printed it), so
    the first that does is Python's; none does: ``n`` is. Below 2^53 the ends have 17
    digits or more and PostgreSQL's digits are Python's."""
    digits = sql.SQL("length(abs({})::text)").format(n)
    significant = sql.SQL("length(rtrim(abs({})::text, '0'))").format(n)
    c = sql.SQL("round({n}, {s} - 1 - {d})").format(n=n, s=significant, d=digits)
    g = sql.SQL("power(10::numeric, {d} - {s} + 1)").format(d=digits, s=significant)
    candidates = [c, sql.SQL("({} - {})").format(c, g), sql.SQL("({} + {})").format(c, g)]
    # A decimal past the largest float would fail its cast, not round to it.
    branches = sql.SQL(" ").join(
        sql.SQL(
            "WHEN {s} > 1 AND CASE WHEN abs({c}) < 1.7976931348623158e308"
            " THEN {c}::float8 = {n}::float8 ELSE false END THEN {c}"
        ).format(s=significant, c=candidate, n=n)
        for candidate in candidates
    )
    return sql.SQL("CASE {} ELSE {} END").format(branches, n)


@dataclass
class Plan:
    """The typed expression of each property, over the values they read of a row;
    ``constant``: the properties whose expression reads none (metadata, absent keys)."""

    expressions: dict[str, sql.Composable]
    row: RowValues
    constant: frozenset[str]


def plan_columns(
    properties: dict[str, dict[str, t.Any]],
    columns: dict[str, PgColumn],
    sink_types: dict[str, sqlalchemy.types.TypeEngine],
    metadata: dict[str, t.Any] | None,
    dialect: sqlalchemy.Dialect,
    present: frozenset[str] | None = None,
    keys: t.Collection[str] = (),
) -> Plan:
    """One SELECT expression per schema property.

    ``metadata``: the ``_sdc_*`` values of this file (None: properties like any other).
    ``present``: the keys the file's rows have (``present_keys``; None: any of them).
    ``keys``: the key properties (``RowValues``: read in the outer ``SELECT``).
    """
    row = RowValues(present, keys)
    planned: dict[str, sql.Composable] = {}
    constant: set[str] = set()
    for name, property_schema in properties.items():
        if name.startswith("_copy_batch_"):  # LINE, DOC, ROW, READ_PREFIX
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
            constant.add(name)
            continue
        reads = len(row.reads)  # a property reads its own key only
        planned[name] = _value_expression(
            name, column, sink_types[name], property_schema, dialect, row
        )
        if len(row.reads) == reads:
            constant.add(name)
    return Plan(planned, row, frozenset(constant))


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


def present_keys(cursor: psycopg.Cursor, raw_table: str, keys: set[str]) -> frozenset[str] | None:
    """Which of ``keys`` some row of ``raw_table`` has; None when too few of them are
    missing from a sample of its rows for a pass over all of them to pay."""
    doc, raw = sql.Identifier(DOC), sql.Identifier(raw_table)
    # A row that is not an object fails here, as the SDK path fails on it.
    cursor.execute(
        sql.SQL(
            "SELECT ARRAY(SELECT DISTINCT jsonb_object_keys({doc})"
            " FROM (SELECT {doc} FROM {raw} WHERE {doc} IS NOT NULL LIMIT {n}) AS sample)"
        ).format(doc=doc, raw=raw, n=sql.Literal(SAMPLE_ROWS))
    )
    sampled = cursor.fetchone()[0]
    if len(keys - set(sampled)) < MIN_ABSENT:
        return None
    cursor.execute(
        sql.SQL(
            "SELECT DISTINCT jsonb_object_keys({doc} - %s::text[]) FROM {raw}"
            " WHERE {doc} IS NOT NULL"
        ).format(doc=doc, raw=raw),
        (sampled,),
    )
    return frozenset(keys & {*sampled, *(other for (other,) in cursor.fetchall())})


def _rows(
    raw_table: str, plan: Plan, keys: t.Sequence[str], names: t.Iterable[str] | None = None
) -> sql.Composable:
    """The typed rows of ``raw_table``, a column per planned property (or per one of
    ``names``); with ``keys``, only the file's last row of each key, as the SDK path keeps
    the last record per key of a batch."""
    expressions = sql.SQL(", ").join(
        sql.SQL("{} AS {}").format(plan.expressions[name], sql.Identifier(name))
        for name in (plan.expressions if names is None else names)
    )
    line = sql.Identifier(LINE)
    # OFFSET 0: the inner SELECT is not merged into the outer one, which would copy each
    # read into every expression that uses it.
    inner = sql.SQL("SELECT {reads} FROM {raw} WHERE {doc} IS NOT NULL OFFSET 0").format(
        reads=sql.SQL(", ").join(
            [
                line,
                sql.Identifier(DOC),
                *(
                    sql.SQL("{} AS {}").format(expression, sql.Identifier(alias))
                    for alias, expression in plan.row.reads.values()
                    if alias is not None
                ),
            ]
        ),
        raw=sql.Identifier(raw_table),
        doc=sql.Identifier(DOC),  # NULL: a blank line
    )
    if not keys:
        return sql.SQL("SELECT {} FROM ({}) AS {}").format(expressions, inner, sql.Identifier(ROW))
    # Sorted by key, a MERGE probes the target's key index in order: faster on a large
    # target than the same rows unsorted, so the sort stays for files without duplicates.
    return sql.SQL(
        "SELECT DISTINCT ON ({keys}) {expressions} FROM ({inner}) AS {row}"
        " ORDER BY {keys}, {row}.{line} DESC"
    ).format(
        keys=sql.SQL(", ").join(sql.Identifier(key) for key in keys),
        expressions=expressions,
        inner=inner,
        row=sql.Identifier(ROW),
        line=line,
    )


def fill_staging(
    cursor: psycopg.Cursor,
    raw_table: str,
    staging_table: str,
    plan: Plan,
    keys: t.Sequence[str],
) -> None:
    """Insert the typed rows (the last of each of ``keys``) into the staging table."""
    names = sql.SQL(", ").join(sql.Identifier(name) for name in plan.expressions)
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) {}").format(
            sql.Identifier(staging_table), names, _rows(raw_table, plan, keys)
        )
    )


def insert_rows(
    cursor: psycopg.Cursor,
    raw_table: str,
    table: sql.Composable,
    plan: Plan,
) -> None:
    """Append the typed rows to ``table``: what an insert from the staging table lands."""
    names = sql.SQL(", ").join(sql.Identifier(name) for name in plan.expressions)
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) {}").format(table, names, _rows(raw_table, plan, ()))
    )


def merge_rows(
    cursor: psycopg.Cursor,
    raw_table: str,
    table: sql.Composable,
    plan: Plan,
    keys: t.Sequence[str],
) -> None:
    """Upsert the typed rows (the last of each key) into ``table`` in one ``MERGE``: the
    rows whose keys match are updated, the others inserted, the end state of the sink's
    update-then-insert from a staging table (same ``=`` join: a NULL key matches nothing)
    without writing, analysing and reading that table.

    A constant (a metadata value, a property no row has) is written as itself, not
    carried through the sort and the join as a column of every source row: most of a
    wide schema's columns are NULL constants when its rows fill a few of them."""
    source, target = sql.Identifier("source"), sql.Identifier("target")
    matched = sql.SQL(" AND ").join(
        sql.SQL("{}.{} = {}.{}").format(target, sql.Identifier(key), source, sql.Identifier(key))
        for key in keys
    )
    from_source = [name for name in plan.expressions if name not in plan.constant or name in keys]
    values = {
        name: sql.SQL("{}.{}").format(source, sql.Identifier(name))
        if name in from_source
        else plan.expressions[name]
        for name in plan.expressions
    }
    cursor.execute(
        sql.SQL(
            "MERGE INTO {table} AS {target} USING ({rows}) AS {source} ON {matched}"
            " WHEN MATCHED THEN UPDATE SET {assignments}"
            " WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({values})"
        ).format(
            table=table,
            target=target,
            rows=_rows(raw_table, plan, keys, from_source),
            source=source,
            matched=matched,
            assignments=sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(name), value)
                for name, value in values.items()
            ),
            names=sql.SQL(", ").join(sql.Identifier(name) for name in values),
            values=sql.SQL(", ").join(values.values()),
        )
    )


def drop_table(cursor: psycopg.Cursor, name: str) -> None:
    cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
