"""loaders/target-postgres-plus, the `target-postgres` loader's executable: hand-written
Singer messages piped into its CLI in the Meltano venv, loaded into a fresh schema."""

from __future__ import annotations

import gzip
import json
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


def record(row: dict) -> dict:
    return {"type": "RECORD", "stream": "items", "record": row, "time_extracted": EXTRACTED}


def write_batch_file(folder: Path, rows: list[dict]) -> Path:
    path = folder / "items-0001.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    return path


def run_target(tmp_path: Path, config: dict, messages: list[dict]) -> None:
    config_path = tmp_path / "target.json"
    config_path.write_text(json.dumps(config))
    stdin = "".join(json.dumps(m) + "\n" for m in messages)
    done = subprocess.run(
        [str(CLI), "--config", str(config_path)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]


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
