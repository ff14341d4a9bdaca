"""The real target-snowflake (Meltano's plugin venv) loads into a local Snowflake emulator.

One tap of each shape, tap-scantrust (zipped CSV) and tap-mews-exports (JSON Lines), both
piped into one target-snowflake run, configured as Meltano resolves it from the SNOWFLAKE_*
variables. RECORD mode, then BATCH mode (the SDK's ``batch_config``: gzipped JSON Lines files
under a local ``file://`` root, sent as BATCH messages). Each load lands exact row counts with
Snowflake column types; a rerun without state re-sends every row, new and changed ones
included, and is upserted on the key properties (no duplicates, changed rows updated).

The emulator is fakesnow plus a small SQL shim: tests/snowflake_offline/README.md says what
it rewrites and what these tests therefore do not prove.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import uuid

import pytest

from sandbox.mews import MewsApp
from sandbox.scantrust import ScantrustApp
from tests.meltano_run import MeltanoProject
from tests.singer_run import executable
from tests.snowflake_offline import TARGET, Emulator

pytestmark = pytest.mark.e2e

SCANTRUST = {"codes": 400, "products": 5, "scans": 127}
MEWS = {"customers": 50, "companies": 10}
KEYS = {
    "codes": "extended_id, campaign_id",
    "products": "id",
    "scans": "scan_uuid",
    "customers": "id",
    "companies": "id",
    "events": "id",
}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    running = Emulator.start(tmp_path_factory.mktemp("emulator") / "emulator.log")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def meltano_target_config(tmp_path_factory, emulator):
    """target-snowflake's config as Meltano resolves it from the SNOWFLAKE_* variables."""
    project = MeltanoProject(tmp_path_factory.mktemp("meltano"))
    env = emulator.target_env("OFFLINE")
    dumped = project.run_ok("invoke", "--dump=config", "target-snowflake", env=env)
    config = json.loads(dumped.stdout)
    assert (config["account"], config["database"], config["load_method"]) == (
        "offline",
        "OFFLINE",
        "upsert",
    )
    return config


@pytest.fixture
def warehouse(emulator, meltano_target_config):
    """A fresh database in the emulator, and the target's config for it."""
    database = f"T_{uuid.uuid4().hex[:10].upper()}"
    return emulator, database, {**meltano_target_config, "database": database}


def scantrust_settings(app):
    return {**app.demo_config(), "poll_interval_seconds": 0.1}


def mews_settings(app, journal):
    settings = {
        **app.demo_config(),
        "entity_types": ["Customer", "Company"],
        "poll_interval_seconds": 0.1,
        "journal_path": str(journal),
    }
    del settings["start_date"]  # one export per type holds everything
    return settings


def load(workdir, taps, warehouse, schema, mode):
    """``(tap-a; tap-b) | target-snowflake --config t.json``; ``taps`` maps each tap to its
    settings. In BATCH mode the taps write gzipped JSON Lines files under ``workdir`` and send
    BATCH messages instead of RECORDs."""
    emulator, database, target_config = warehouse
    workdir.mkdir(parents=True)
    commands = []
    for tap, settings in taps.items():
        config = dict(settings)
        if mode == "batch":
            config["batch_config"] = {
                "encoding": {"format": "jsonl", "compression": "gzip"},
                "storage": {"root": (workdir / "batches" / tap).as_uri()},
            }
        path = workdir / f"{tap}.json"
        path.write_text(json.dumps(config))
        commands.append([executable(tap), "--config", str(path)])
    target_config_path = workdir / "target.json"
    target_config_path.write_text(json.dumps({**target_config, "default_target_schema": schema}))
    messages = pipe(
        commands,
        [str(TARGET), "--config", str(target_config_path)],
        target_env={**os.environ, **emulator.target_env(database)},
        log=workdir / "stderr.log",
        emulator_log=emulator.log,
    )
    sent, not_sent = ("RECORD", "BATCH") if mode == "record" else ("BATCH", "RECORD")
    assert messages.get(sent) and not messages.get(not_sent), messages


def pipe(sources, target_args, *, target_env, log, emulator_log=None):
    """Run the sources at once and feed their output to the target, one source after the
    other (a target takes any number of streams). Returns {message type: count}."""
    counts: dict[str, int] = {}
    with log.open("w") as errors:
        taps = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors) for args in sources]
        target = subprocess.Popen(
            target_args,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=target_env,
        )
        try:
            for tap in taps:
                for line in tap.stdout:
                    kind = json.loads(line)["type"]
                    counts[kind] = counts.get(kind, 0) + 1
                    target.stdin.write(line)
            target.stdin.close()
        except BrokenPipeError:  # the target stopped early: its exit code and log say why
            for tap in taps:
                tap.kill()
        codes = [tap.wait(timeout=120) for tap in taps] + [target.wait(timeout=120)]
    if codes != [0] * len(codes):
        emulator_tail = emulator_log.read_text()[-3000:] if emulator_log else ""
        raise AssertionError(
            f"exit codes {codes} (taps, then the target)\n{log.read_text()[-4000:]}"
            f"\n--- emulator ---\n{emulator_tail}"
        )
    return counts


def loaded(warehouse, schema, tables):
    """({table: rows}, {table: duplicated keys}, {table: {column: type}}), in one query run."""
    emulator, database, _ = warehouse
    statements = [
        "select table_name, column_name, data_type from information_schema.columns"
        f" where table_schema = '{schema.upper()}'",
        *(f"select count(*) from {schema}.{table}" for table in tables),
        *(
            f"select count(*) from (select 1 from {schema}.{table}"
            f" group by {KEYS[table]} having count(*) > 1)"
            for table in tables
        ),
    ]
    columns, *results = emulator.query(database, *statements)
    types: dict[str, dict[str, str]] = {}
    for table, column, data_type in columns:
        types.setdefault(table.lower(), {})[column] = data_type
    numbers = [rows[0][0] for rows in results]
    counts = dict(zip(tables, numbers[: len(tables)], strict=True))
    duplicates = dict(zip(tables, numbers[len(tables) :], strict=True))
    assert sorted(types) == sorted(tables), f"tables in {schema}: {sorted(types)}"
    return counts, duplicates, types


@pytest.mark.parametrize("mode", ["record", "batch"])
def test_zipped_csv_and_json_lines_taps(tmp_path, serve, warehouse, mode):
    scantrust = serve(ScantrustApp(job_seconds=0.1)).app
    mews = serve(MewsApp(seed=1, job_seconds=0.1)).app
    schema = f"taps_{mode}"
    expected = {**SCANTRUST, **MEWS}

    def run(name):  # no state: every run sends every row
        taps = {
            "tap-scantrust": scantrust_settings(scantrust),
            "tap-mews-exports": mews_settings(mews, tmp_path / f"journal-{name}.json"),
        }
        load(tmp_path / name, taps, warehouse, schema, mode)

    run("first")
    counts, duplicates, types = loaded(warehouse, schema, expected)
    assert counts == expected
    codes, products, companies = types["codes"], types["products"], types["companies"]
    assert [codes[c] for c in ["CAMPAIGN_ID", "ACTIVATED_AT", "SCM", "SKU"]] == [
        "NUMBER",
        "TIMESTAMP_NTZ",
        "VARIANT",
        "TEXT",
    ]
    assert [products[c] for c in ["CODE_COUNT", "IS_ARCHIVED", "BRAND"]] == [
        "NUMBER",
        "BOOLEAN",
        "VARIANT",
    ]
    # Mews names are mixed case (CreatedUtc); Snowflake stores them upper case.
    assert [companies[c] for c in ["NUMBER", "CREATEDUTC", "ADDRESS", "ISACTIVE", "NAME"]] == [
        "NUMBER",
        "TIMESTAMP_NTZ",
        "VARIANT",
        "BOOLEAN",
        "TEXT",
    ]
    assert types["customers"]["CLASSIFICATIONS"] == "VARIANT"  # an array

    # Between the runs: 4 new codes, 4 customers changed. The rerun has no state, so it sends
    # every row again: MERGE inserts the new keys and updates the existing ones in place.
    scantrust.add_codes(102, 4, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))
    changed_at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    mews.update_entities("Customer", 4, changed_at)
    run("again")
    counts, duplicates, _ = loaded(warehouse, schema, expected)
    assert counts == {**expected, "codes": 404}
    assert duplicates == dict.fromkeys(expected, 0)
    emulator, database, _ = warehouse
    [[[changed]]] = emulator.query(
        database,
        f"select count(*) from {schema}.customers"
        f" where updatedutc = '{changed_at:%Y-%m-%d %H:%M:%S}'::timestamp_ntz",
    )
    assert changed == 4


def test_append_only_copies_every_row(tmp_path, warehouse):
    """load_method append-only takes the COPY path: a key sent twice lands twice (which the
    duplicate check above must see), and a JSON number lands as FLOAT."""
    emulator, database, target_config = warehouse
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "amount": {"type": ["number", "null"]},
            "seen_at": {"type": ["string", "null"], "format": "date-time"},
        },
    }
    records = [(1, 1.5), (2, 2.5), (2, 3.5)]
    lines = [{"type": "SCHEMA", "stream": "events", "schema": schema, "key_properties": ["id"]}]
    lines += [
        {
            "type": "RECORD",
            "stream": "events",
            "record": {"id": i, "amount": amount, "seen_at": "2024-05-01T10:00:00Z"},
        }
        for i, amount in records
    ]
    messages = tmp_path / "messages.jsonl"
    messages.write_text("".join(json.dumps(line) + "\n" for line in lines))
    config = tmp_path / "target.json"
    settings = {"default_target_schema": "appended", "load_method": "append-only"}
    config.write_text(json.dumps({**target_config, **settings}))
    pipe(
        [["cat", str(messages)]],
        [str(TARGET), "--config", str(config)],
        target_env={**os.environ, **emulator.target_env(database)},
        log=tmp_path / "stderr.log",
        emulator_log=emulator.log,
    )
    counts, duplicates, types = loaded(warehouse, "appended", {"events": 3})
    assert (counts, duplicates) == ({"events": 3}, {"events": 1})
    assert [types["events"][c] for c in ["ID", "AMOUNT", "SEEN_AT"]] == [
        "NUMBER",
        "FLOAT",
        "TIMESTAMP_NTZ",
    ]
    [amounts] = emulator.query(database, "select amount from appended.events order by amount")
    assert amounts == [[1.5], [2.5], [3.5]]
