"""loaders/target-postgres-plus, the `target-postgres` loader's executable: hand-written
Singer messages piped into its CLI in the Meltano venv, loaded into a fresh schema."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.warehouse import PG_DSN

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / ".meltano/loaders/target-postgres/venv/bin/target-postgres-plus"
EXTRACTED = "2026-01-02T03:04:05+00:00"
SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": ["string", "null"]},
        "_extra": {"type": ["object", "null"]},
    },
}


def target_config(schema: str, **extra) -> dict:
    import psycopg.conninfo

    dsn = psycopg.conninfo.conninfo_to_dict(PG_DSN)
    return {
        "host": dsn.get("host", "127.0.0.1"),
        "port": int(dsn.get("port", 5432)),
        "user": dsn.get("user", "postgres"),
        "password": dsn.get("password", ""),
        "database": dsn.get("dbname", "test"),
        "default_target_schema": schema,
        "add_record_metadata": True,
        **extra,
    }


def number(text: str) -> str:
    """A JSON number written as given (``json.dumps`` would go through a float)."""
    return f"@@number:{text}@@"


def dumps(value: object) -> str:
    return re.sub(r'"@@number:([-+.eE0-9]+)@@"', r"\1", json.dumps(value))


def record(row: dict) -> dict:
    return {"type": "RECORD", "stream": "items", "record": row, "time_extracted": EXTRACTED}


def write_batch_file(folder: Path, rows: list[dict], name: str = "items-0001.jsonl.gz") -> Path:
    path = folder / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as out:
        out.writelines(dumps(row) + "\n" for row in rows)
    return path


def batch(stream: str, *files: Path, compression: str = "gzip") -> dict:
    return {
        "type": "BATCH",
        "stream": stream,
        "encoding": {"format": "jsonl", "compression": compression},
        "manifest": [path.as_uri() for path in files],
    }


def run_target(
    tmp_path: Path,
    config: dict,
    messages: list[dict],
    ok: bool = True,
    command: tuple[str, ...] = (str(CLI),),
    env: dict[str, str] | None = None,
) -> str:
    """Runs the loader; returns its log (stderr)."""
    config_path = tmp_path / "target.json"
    config_path.write_text(json.dumps(config))
    stdin = "".join(dumps(m) + "\n" for m in messages)
    done = subprocess.run(
        [*command, "--config", str(config_path)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    assert (done.returncode == 0) is ok, done.stderr[-3000:]
    return done.stderr


@pytest.mark.parametrize(
    ("use_copy", "clean_up"), [(True, True), (False, False)], ids=["copy-cleanup", "insert-keep"]
)
def test_absent_object_is_sql_null_and_batch_rows_get_metadata(
    tmp_path, pg_schema, use_copy, clean_up
):
    batch_file = write_batch_file(
        tmp_path, [{"id": 3, "name": "c", "_extra": {"a": 3}}, {"id": 4, "name": "d"}]
    )
    messages = [
        {"type": "SCHEMA", "stream": "items", "schema": SCHEMA, "key_properties": ["id"]},
        record({"id": 1, "name": "a", "_extra": {"a": 1}}),
        record({"id": 2, "name": "b"}),  # no _extra: the taps leave an empty one out
        {
            "type": "BATCH",
            "stream": "items",
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "manifest": [batch_file.as_uri()],
        },
    ]
    config = target_config(pg_schema, use_copy=use_copy, clean_up_batch_files=clean_up)
    run_target(tmp_path, config, messages)

    import psycopg

    with psycopg.connect(PG_DSN) as conn:
        rows = conn.execute(
            "select id, _extra is null, _extra = 'null'::jsonb, _extra ->> 'a',"
            " _sdc_extracted_at is not null, _sdc_batched_at is not null,"
            " _sdc_received_at is not null, _sdc_extracted_at = %s::timestamptz"
            f' from "{pg_schema}".items order by id',
            (EXTRACTED,),
        ).fetchall()
    assert [row[:4] for row in rows] == [
        (1, False, False, "1"),
        (2, True, None, None),  # SQL NULL, not JSON null
        (3, False, False, "3"),
        (4, True, None, None),
    ]
    assert [row[4:7] for row in rows] == [(True, True, True)] * 4
    # RECORD rows carry the tap's extraction time; a BATCH message has none to carry.
    assert [row[7] for row in rows] == [True, True, False, False]
    assert batch_file.exists() is not clean_up


COPY_LOG = "loaded with COPY"
FALLBACK_LOG = "BATCH files loaded row by row, not with COPY"
# Every shape the fast path casts in SQL: the RECORD path is the reference.
RICH_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": ["string", "null"]},
        "code": {"type": ["string", "null"], "maxLength": 40},
        "amount": {"type": ["number", "null"]},
        "count": {"type": ["integer", "null"]},
        "flag": {"type": ["boolean", "null"]},
        "created": {"type": ["string", "null"], "format": "date-time"},
        "day": {"type": ["string", "null"], "format": "date"},
        "uid": {"type": ["string", "null"], "format": "uuid"},
        "payload": {"type": ["object", "null"]},
        "tags": {"type": ["array", "null"], "items": {"type": ["string", "null"]}},
        "lines": {"type": ["array", "null"], "items": {"type": "object"}},
        "_extra": {"type": ["object", "null"]},
    },
}
TRICKY = "back\\\\slash \\\\N \\\\. \"double\" 'single' line\nbreak\r\ttab \u0001 é 中文 😀 \u200b"
RICH_ROWS = [
    {
        "id": 1,
        "name": "first version, replaced by the later row of key 1",
        "amount": 1,
    },
    {
        "id": 2,
        "name": TRICKY,
        "code": "C:\\\\dir\\\\file",
        "amount": number("12.50"),
        "count": 9007199254740993,
        "flag": True,
        "created": "2026-01-02T03:04:05+02:00",
        "day": "2026-02-28",
        "uid": "6f1c9a3e-2b1d-4c6e-9f0a-1b2c3d4e5f60",
        "payload": {"a": {"b": [1, {"c": None}, number("2.50")]}, "s": TRICKY, "n": None},
        "tags": ["x", None, "y\\\\z", 'q"uote', ""],
        "lines": [{"sku": "é", "qty": number("1.250")}, None, {"sku": None}],
        "_extra": {"k": "v"},
    },
    {
        "id": 3,
        "name": None,
        "code": None,
        "amount": number("1e-7"),
        "count": -3,
        "flag": False,
        "created": "2026-01-02T03:04:05.123456Z",
        "day": None,
        "uid": None,
        "payload": None,  # JSON null: SQL NULL, as on the RECORD path
        "tags": [],
        "lines": None,
        "_extra": None,
    },
    {"id": 4},  # every optional property absent
    {
        "id": 1,
        "name": "last version of key 1",
        "amount": number("123456789012345678901234567890.125"),
        "created": "2026-06-30T23:59:59",
        "payload": {},
        "tags": ["only"],
        "lines": [],
    },
]


def _columns(conn, schema: str, table: str) -> list[tuple]:
    return conn.execute(
        "select column_name, data_type, udt_name, character_maximum_length"
        " from information_schema.columns where table_schema = %s and table_name = %s"
        " order by column_name",
        (schema, table),
    ).fetchall()


def _rows_as_text(conn, schema: str, table: str) -> list[tuple]:
    """Every column of the schema as PostgreSQL prints it: NULL stays None, JSON null
    is 'null', so the two are told apart."""
    names = ", ".join(f'"{name}"::text' for name in RICH_SCHEMA["properties"])
    return conn.execute(f'select {names} from "{schema}"."{table}" order by 1, 2, 3').fetchall()


# The loader's CLI proving which properties a file lacks whatever the schema's width,
# from a sample of one row (the rest found by the pass over the file): a property no
# row has is then a NULL constant in the MERGE, not a look-up per row.
PROVING_ABSENT_KEYS = (
    str(CLI.parent / "python"),
    "-c",
    "from target_postgres_plus import copy_batch, target;"
    " copy_batch.SAMPLE_ROWS = 1; copy_batch.MIN_ABSENT = 1; target.TargetPostgresPlus.cli()",
)


@pytest.mark.parametrize("keys", [["id"], []], ids=["upsert", "append-only"])
@pytest.mark.parametrize(
    "command", [(str(CLI),), PROVING_ABSENT_KEYS], ids=["cli", "absent-keys-proved"]
)
def test_batch_file_lands_the_rows_record_messages_land(tmp_path, pg_schema, keys, command):
    batch_file = write_batch_file(tmp_path, RICH_ROWS)
    messages = [
        *(
            {"type": "SCHEMA", "stream": stream, "schema": RICH_SCHEMA, "key_properties": keys}
            for stream in ("via_records", "via_batch")
        ),
        *({**record(row), "stream": "via_records"} for row in RICH_ROWS),
        batch("via_batch", batch_file),
    ]
    # As the project configures the loader (meltano.yml).
    config = target_config(pg_schema, use_copy=True, validate_records=False, batch_size_rows=50000)
    log = run_target(
        tmp_path, config, messages, command=command, env={"TARGET_POSTGRES_LOGLEVEL": "DEBUG"}
    )
    assert COPY_LOG in log and FALLBACK_LOG not in log and "keys=" in log

    import psycopg

    with psycopg.connect(PG_DSN) as conn:
        assert _columns(conn, pg_schema, "via_batch") == _columns(conn, pg_schema, "via_records")
        landed = _rows_as_text(conn, pg_schema, "via_batch")
        assert landed == _rows_as_text(conn, pg_schema, "via_records")
        metadata = conn.execute(
            "select count(*), count(_sdc_extracted_at), count(_sdc_received_at),"
            " count(_sdc_batched_at), count(_sdc_sequence), count(_sdc_sync_started_at),"
            " count(_sdc_table_version), count(_sdc_deleted_at)"
            f' from "{pg_schema}".via_batch'
        ).fetchone()
    # Not equal by accident (both empty, both NULL): the values themselves.
    by_id = {row[0]: row for row in landed}
    if keys:
        assert sorted(by_id) == ["1", "2", "3", "4"] and len(landed) == 4
        assert by_id["1"][1] == "last version of key 1"
    else:
        assert len(landed) == 5
    assert by_id["2"][1] == TRICKY
    assert json.loads(by_id["2"][9]) == {"a": {"b": [1, {"c": None}, 2.5]}, "s": TRICKY, "n": None}
    assert by_id["2"][10] == r'{x,NULL,"y\\\\z","q\"uote",""}'
    assert by_id["2"][6] == "2026-01-02 03:04:05"  # the column's type: timestamp
    assert by_id["3"][3] == "0.0000001" and by_id["3"][9] is None and by_id["3"][10] == "{}"
    # 0.8.1 hands every number column to psycopg as a Python float; BATCH rows match it.
    assert by_id["2"][3] == "12.5" and "123456789012345680000000000000" in {r[3] for r in landed}
    assert by_id["4"][9:] == (None, None, None, None)
    assert metadata == (len(landed),) * 6 + (0, 0)


# The loader's CLI, its server taken for one without MERGE (before PostgreSQL 15): BATCH
# upserts then fill the sink's staging table, as they do on such a server.
WITHOUT_MERGE = (
    str(CLI.parent / "python"),
    "-c",
    "import sys; from target_postgres_plus import target;"
    " target.MERGE_SINCE = (sys.maxsize,); target.TargetPostgresPlus.cli()",
)


@pytest.mark.parametrize(
    ("command", "phase"),
    [
        ((str(CLI),), "merge="),
        (PROVING_ABSENT_KEYS, "merge="),
        (WITHOUT_MERGE, "fill_staging="),
    ],
    ids=["merge", "merge-absent-keys-proved", "staging-without-merge"],
)
def test_batch_file_into_a_loaded_table_lands_the_rows_record_messages_land(
    tmp_path, pg_schema, command, phase
):
    """The first file lands in an empty table, the second one in the table it filled:
    matched keys updated, new ones inserted, as RECORD messages leave the same table."""
    import psycopg

    second = [
        {"id": 2, "name": "changed", "tags": ["new"], "payload": None, "flag": False},
        {"id": 3},  # every optional property now absent
        {"id": 5, "name": "new", "amount": number("0.1"), "lines": [{"qty": 1}]},
        {"id": 5, "name": "new, its last version", "amount": number("2.50")},
        {"id": 1, "name": "key 1 again", "amount": number("1e20")},
    ]
    files = [
        write_batch_file(tmp_path, rows, name)
        for rows, name in ((RICH_ROWS, "first.jsonl.gz"), (second, "second.jsonl.gz"))
    ]
    streams = ("via_records", "via_batch")
    schemas = [
        {"type": "SCHEMA", "stream": stream, "schema": RICH_SCHEMA, "key_properties": ["id"]}
        for stream in streams
    ]
    config = target_config(pg_schema, use_copy=True, validate_records=False, batch_size_rows=50000)
    debug = {"TARGET_POSTGRES_LOGLEVEL": "DEBUG"}  # the phases of each COPY load
    for rows, batch_file in zip((RICH_ROWS, second), files, strict=True):
        log = run_target(
            tmp_path,
            config,
            [
                *schemas,
                *({**record(r), "stream": "via_records"} for r in rows),
                batch("via_batch", batch_file),
            ],
            command=command,
            env=debug,
        )
        assert COPY_LOG in log and FALLBACK_LOG not in log and phase in log
        if rows is RICH_ROWS:
            # A column the stream does not send, with a default: rows inserted after
            # get it on either path, rows updated keep theirs.
            with psycopg.connect(PG_DSN) as conn:
                for stream in streams:
                    conn.execute(
                        f'alter table "{pg_schema}".{stream}'
                        " add column note text default 'added later'"
                    )
                    conn.execute(f'update "{pg_schema}".{stream} set note = id::text')

    with psycopg.connect(PG_DSN) as conn:
        landed = {}
        for stream in streams:
            landed[stream] = (
                _rows_as_text(conn, pg_schema, stream),
                conn.execute(f'select id, note from "{pg_schema}".{stream} order by id').fetchall(),
            )
        assert _columns(conn, pg_schema, "via_batch") == _columns(conn, pg_schema, "via_records")
    assert landed["via_batch"] == landed["via_records"]
    rows, notes = landed["via_batch"]
    by_id = {row[0]: row for row in rows}
    assert sorted(by_id) == ["1", "2", "3", "4", "5"] and len(rows) == 5
    assert by_id["1"][1:4] == ("key 1 again", None, "100000000000000000000")
    assert by_id["2"][1] == "changed" and by_id["2"][5] == "false" and by_id["2"][9] is None
    assert by_id["3"][1:] == (None,) * 12  # updated to absent, not left as it was
    assert by_id["5"][1] == "new, its last version" and by_id["5"][3] == "2.5"
    assert notes == [(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "added later")]


EDGE_NUMBERS = """
0 -0 0.0 -0.0 -0e0 1 -1 1.0 12.50 1.000 0.1 0.2 0.3 4.35 2.675 1e0 1E0 -1.5e-3 1e-7 1E-7
1.5E+3 1e-05 0.0001 0.00001 5e-324 2.5e-310 2.2250738585072014e-308 9007199254740991
9007199254740992 9007199254740993 -9007199254740993 1e15 999999999999999.9
9999999999999998 9999999999999999 1e16 10000000000000001 10000000000000002 -1e16 1.5e16
1e17 1e20 1e22 1e23 -1e23 32817981742500730 -3.281798174250073e+16 709361206012840000
1e300 1.7976931348623157e308 -1.7976931348623157e308 123456789012345678901234567890.125
3.141592653589793238462643383279 0.1000000000000000055511151231257827
"""


def _numbers() -> list[str]:
    """JSON numbers as a tap may write them: integers, negative zero, exponents, more
    digits than a float holds, and from 2^53 up the floats whose shortest decimal is an
    end of their rounding interval (PostgreSQL prints a longer one); then random ones."""
    import random
    import struct

    numbers = EDGE_NUMBERS.split()
    rng = random.Random(20260102)
    while len(numbers) < 3000:
        kind = len(numbers) % 6
        if kind == 0:  # any finite float
            number = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
            if number != number or abs(number) == float("inf"):
                continue
            numbers.append(repr(number))
        elif kind == 1:  # amounts in cents
            numbers.append(f"{rng.randrange(-(10**12), 10**12) / 100:.2f}")
        elif kind == 2:  # more digits than a float holds
            whole, fraction = rng.randrange(10 ** rng.randrange(1, 25)), rng.randrange(10**30)
            numbers.append(f"{rng.choice(['', '-'])}{whole}.{fraction}")
        elif kind == 3:  # exponents
            # (within a float's range: past it the COPY path hands the file to the SDK)
            exponent = f"{rng.choice('eE')}{rng.choice(['', '+', '-'])}{rng.randrange(290)}"
            numbers.append(f"{rng.randrange(1, 10 ** rng.randrange(1, 18))}{exponent}")
        elif kind == 4:  # large integers, many of them ends of a rounding interval
            numbers.append(
                str(rng.randrange(10 ** rng.randrange(1, 17)) * 10 ** rng.randrange(1, 25))
            )
        else:  # integral floats from 2^53 up
            numbers.append(repr(float(rng.randrange(2**53, 2**70))))
    return numbers


def test_batch_numbers_land_as_record_messages_land_them(tmp_path, pg_schema):
    """0.8.1 hands a number column's values to psycopg as Python floats, written as their
    repr; the COPY path's SQL reproduces that numeric (value and scale) for each number."""
    by_text = _load_numbers_both_ways(tmp_path, target_config(pg_schema))
    assert by_text["12.50"] == "12.5" and by_text["-0"] == "0.0" and by_text["1e15"].endswith(".0")
    # An end of the rounding interval, shorter than PostgreSQL's own digits of the float.
    assert by_text["1e23"] == "100000000000000000000000"
    assert by_text["32817981742500730"] == "32817981742500730"


def test_batch_numbers_do_not_depend_on_extra_float_digits(tmp_path, pg_schema):
    """float8::text is the shortest round-trip text only while extra_float_digits > 0: a
    loader role set to 0 (PostgreSQL 11's default) still lands the RECORD path's numbers."""
    import uuid

    import psycopg

    role = f"float_digits_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        try:
            conn.execute(f'ALTER ROLE "{role}" SET extra_float_digits = 0')
            conn.execute(f'GRANT USAGE, CREATE ON SCHEMA "{pg_schema}" TO "{role}"')
            config = target_config(pg_schema, user=role, password="unused")
            by_text = _load_numbers_both_ways(tmp_path, config)
            assert by_text["0.1"] == "0.1" and by_text["4.35"] == "4.35"
            assert by_text["2.2250738585072014e-308"].endswith("22250738585072014")
        finally:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def _load_numbers_both_ways(tmp_path, config) -> dict[str, str]:
    """Loads ``_numbers()`` as RECORD messages and as a BATCH file into two tables; asserts
    they land the same; each number's text as it landed."""
    numbers = _numbers()
    rows = [{"id": i, "amount": number(text)} for i, text in enumerate(numbers)]
    properties = {"id": {"type": "integer"}, "amount": {"type": ["number", "null"]}}
    schema = {"type": "object", "properties": properties}
    batch_file = write_batch_file(tmp_path, rows)
    messages = [
        *(
            {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]}
            for stream in ("via_records", "via_batch")
        ),
        *({**record(row), "stream": "via_records"} for row in rows),
        batch("via_batch", batch_file),
    ]
    config = {**config, "use_copy": True, "validate_records": False, "batch_size_rows": 50000}
    log = run_target(tmp_path, config, messages)
    assert COPY_LOG in log and FALLBACK_LOG not in log

    import psycopg

    with psycopg.connect(PG_DSN) as conn:
        landed = {
            stream: conn.execute(
                f'select id, amount::text from "{config["default_target_schema"]}".{stream}'
                " order by id"
            ).fetchall()
            for stream in ("via_records", "via_batch")
        }
    assert len(landed["via_batch"]) == len(numbers)
    differing = [
        (numbers[batch_row[0]], batch_row[1], record_row[1])
        for batch_row, record_row in zip(landed["via_batch"], landed["via_records"], strict=True)
        if batch_row != record_row
    ]
    assert not differing, differing[:10]
    return dict(zip(numbers, (text for _id, text in landed["via_batch"]), strict=True))


def test_the_upstream_private_names_the_loader_relies_on_are_unchanged():
    """target_postgres_plus/upstream.py: each private name of target-postgres and its
    singer-sdk the loader uses, fingerprinted; a release changing one fails here."""
    done = subprocess.run(
        [CLI.parent / "python", "-m", "target_postgres_plus.upstream"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_batch_rerun_upserts_without_duplicates(tmp_path, pg_schema):
    first = write_batch_file(tmp_path, RICH_ROWS, "first.jsonl")
    changed = [{"id": 2, "name": "changed", "tags": ["new"]}, {"id": 5, "name": "new"}]
    second = write_batch_file(tmp_path, changed, "second.jsonl.gz")
    schema_message = {
        "type": "SCHEMA",
        "stream": "items",
        "schema": RICH_SCHEMA,
        "key_properties": ["id"],
    }
    config = target_config(pg_schema, load_method="upsert", clean_up_batch_files=False)
    plain = batch("items", first, compression="none")
    run_target(tmp_path, config, [schema_message, plain])
    run_target(tmp_path, config, [schema_message, plain, batch("items", second)])

    import psycopg

    with psycopg.connect(PG_DSN) as conn:
        rows = conn.execute(
            f'select id, name, tags::text from "{pg_schema}".items order by id'
        ).fetchall()
    assert rows == [
        (1, "last version of key 1", "{only}"),
        (2, "changed", "{new}"),
        (3, None, "{}"),
        (4, None, None),
        (5, "new", None),
    ]


def test_unknown_shapes_and_refused_files_take_the_sdk_path(tmp_path, pg_schema):
    """A text column for booleans is a shape the fast path leaves alone (logged once);
    a \\u0000 PostgreSQL's jsonb refuses sends that file the SDK's way, which sanitises it."""
    mixed = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "value": {"type": ["string", "boolean"]}},
    }
    files = [
        write_batch_file(tmp_path, [{"id": 1, "value": True}], "mixed-1.jsonl.gz"),
        write_batch_file(tmp_path, [{"id": 2, "value": "two"}], "mixed-2.jsonl.gz"),
    ]
    nul = write_batch_file(tmp_path, [{"id": 1, "name": "a\u0000b"}], "nul.jsonl.gz")
    messages = [
        {"type": "SCHEMA", "stream": "mixed", "schema": mixed, "key_properties": ["id"]},
        batch("mixed", *files),
        {"type": "SCHEMA", "stream": "items", "schema": SCHEMA, "key_properties": ["id"]},
        batch("items", nul),
    ]
    config = target_config(pg_schema, sanitize_null_text_characters=True)
    log = run_target(tmp_path, config, messages)
    assert log.count(FALLBACK_LOG) == 1
    assert "COPY refused" in log

    import psycopg

    with psycopg.connect(PG_DSN) as conn:
        mixed_rows = conn.execute(
            f'select id, value, _sdc_batched_at is not null from "{pg_schema}".mixed order by id'
        ).fetchall()
        items = conn.execute(f'select id, name from "{pg_schema}".items').fetchall()
    assert [row[0] for row in mixed_rows] == [1, 2] and mixed_rows[1][1:] == ("two", True)
    assert items == [(1, "a\ufffdb")]


def test_clean_up_deletes_a_file_only_once_its_rows_are_committed(tmp_path, pg_schema):
    good = write_batch_file(tmp_path, [{"id": 1, "name": "a"}], "good.jsonl.gz")
    bad = write_batch_file(tmp_path, [{"id": 2, "name": "b"}, {"id": "x"}], "bad.jsonl.gz")
    messages = [
        {"type": "SCHEMA", "stream": "items", "schema": SCHEMA, "key_properties": ["id"]},
        batch("items", good, bad),
    ]
    run_target(tmp_path, target_config(pg_schema, clean_up_batch_files=True), messages, ok=False)

    import psycopg

    with psycopg.connect(PG_DSN) as conn:
        ids = conn.execute(f'select id from "{pg_schema}".items').fetchall()
    assert ids == [(1,)]
    assert not good.exists()
    assert bad.exists()  # its load failed and was rolled back: kept for a rerun
