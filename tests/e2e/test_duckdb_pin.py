"""target-duckdb 0.8.0 with duckdb 1.3+ drops the first row of every batch.

The project pins duckdb 1.2.2 in the loader's pip_url; this test pushes several
batches through the installed loader and checks that every row arrives.
"""

from __future__ import annotations

import json

import pytest

from tests.meltano_run import MeltanoProject, setting_env
from tests.warehouse import duckdb_counts

pytestmark = pytest.mark.e2e

ROWS = 2_345
BATCH = 500  # five batches, the last one partial


def singer_messages() -> str:
    schema = {
        "type": "SCHEMA",
        "stream": "pin_check",
        "key_properties": ["id"],
        "schema": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": ["string", "null"]}},
        },
    }
    lines = [json.dumps(schema)]
    lines += [
        json.dumps({"type": "RECORD", "stream": "pin_check", "record": {"id": i, "name": f"n{i}"}})
        for i in range(ROWS)
    ]
    lines.append(json.dumps({"type": "STATE", "value": {"done": True}}))
    return "\n".join(lines) + "\n"


def test_every_row_of_every_batch_is_loaded(tmp_path):
    project = MeltanoProject(tmp_path / "meltano")
    path = tmp_path / "pin.duckdb"
    env = setting_env(
        "target-duckdb",
        {"filepath": str(path), "default_target_schema": "pin", "batch_size_rows": BATCH},
    )
    completed = project.run("invoke", "target-duckdb", env=env, input=singer_messages())
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert duckdb_counts(path, "pin") == {"pin_check": ROWS}
