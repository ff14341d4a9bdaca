"""Every record of every stream of every tap, checked against its own SCHEMA message with
formats enforced: what validating loaders (target-postgres, target-jsonl, singer-check-tap)
would refuse is caught here first, with exact counts per stream.

jsonschema checks ``date-time`` only when the optional rfc3339-validator is installed and
passes everything silently otherwise, so the two formats the taps use are checked here by
a few lines of our own: RFC 3339 date-times with an offset, and full dates.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import subprocess
import typing as t
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

from sandbox.foodtrust import DEMO_COUNTS, FoodTrustApp
from sandbox.mews import ENTITY_COUNTS, MewsApp
from sandbox.scanalytics import ScanalyticsApp
from sandbox.scantrust import ScantrustApp
from sandbox.usaspending import USAspendingApp
from tests import golden
from tests.singer_run import TapRun, executable, run_tap

_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def is_date_time(value: object) -> bool:
    """RFC 3339 ``date-time``: a calendar date, ``T``, a time and an offset (required)."""
    if not isinstance(value, str):
        return True  # the type is the "type" keyword's business
    if not _DATE_TIME.fullmatch(value):
        return False
    try:
        dt.datetime.fromisoformat(value.upper())  # a real day and time, offset in range
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    """RFC 3339 ``full-date``: YYYY-MM-DD, a real day."""
    if not isinstance(value, str):
        return True
    try:
        return bool(_DATE.fullmatch(value)) and bool(dt.date.fromisoformat(value))
    except ValueError:
        return False


def strict_format_checker() -> jsonschema.FormatChecker:
    """jsonschema's checkers, with date-time and date that cannot be silently skipped."""
    checker = jsonschema.FormatChecker()
    checker.checks("date-time")(is_date_time)
    checker.checks("date")(is_date)
    return checker


def schema_errors(run: TapRun) -> dict[tuple[str, str, str], tuple[int, str]]:
    """(stream, field, keyword) -> (records with it, the first message); {} when valid."""
    checker = strict_format_checker()
    validators = {}
    for stream, message in run.schemas.items():
        schema = message["schema"]
        cls = jsonschema.validators.validator_for(schema, jsonschema.Draft202012Validator)
        cls.check_schema(schema)
        validators[stream] = cls(schema, format_checker=checker)
    counts: Counter = Counter()
    first: dict[tuple[str, str, str], str] = {}
    for message in run.messages:
        if message["type"] != "RECORD":
            continue
        stream = message["stream"]
        validator = validators.get(stream)
        if validator is None:
            counts[(stream, "", "schema")] += 1
            first.setdefault((stream, "", "schema"), "RECORD without a SCHEMA before it")
            continue
        for error in validator.iter_errors(message["record"]):
            key = (stream, ".".join(str(p) for p in error.absolute_path), str(error.validator))
            counts[key] += 1
            first.setdefault(key, error.message)
    return {key: (n, first[key]) for key, n in counts.most_common()}


# -- the checker itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2024-08-25T06:00:30+00:00",
        "2024-08-25T06:00:30Z",
        "2024-08-25t06:00:30z",
        "2024-08-25T06:00:30.125000-04:00",
        "2024-02-29T23:59:59+05:30",
    ],
)
def test_date_time_with_an_offset_passes(value):
    assert strict_format_checker().conforms(value, "date-time")


@pytest.mark.parametrize(
    "value",
    [
        "2024-08-25T06:00:30",  # no offset: the issue's value
        "2024-08-25T06:00:30.125",
        "2024-08-25 06:00:30+00:00",  # space, not T
        "2024-08-25T06:00:30+0000",  # offset without its colon
        "2024-08-25T06:00:30+00",
        "2024-08-25",
        "2024-02-30T00:00:00Z",  # no such day
        "2024-08-25T24:00:00Z",
        "2024-08-25T06:00:30+24:00",
        "",
    ],
)
def test_date_time_without_an_offset_or_malformed_fails(value):
    assert not strict_format_checker().conforms(value, "date-time")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("2024-08", False),
        ("20240825", False),
        ("2024-08-25T00:00:00+00:00", False),
        ("2024-8-5", False),
    ],
)
def test_date_is_a_full_date(value, ok):
    assert strict_format_checker().conforms(value, "date") is ok


def test_the_issues_records_are_reported():
    """The two defects of the issue, as a tap emitted them, are both found."""
    schema = {
        "type": "object",
        "properties": {
            "last_modified_date": {"type": ["string", "null"], "format": "date-time"},
            "_extra": {"type": ["object", "null"], "additionalProperties": {"type": ["string"]}},
        },
    }
    records = [
        {"last_modified_date": "2024-08-25T06:00:30", "_extra": {"recipient_zip_4_code": None}},
        {"last_modified_date": "2024-08-25T06:00:30+00:00", "_extra": {"a": "b"}},
        {"last_modified_date": None},
    ]
    messages = [{"type": "SCHEMA", "stream": "s", "schema": schema, "key_properties": []}]
    messages += [{"type": "RECORD", "stream": "s", "record": r} for r in records]
    assert schema_errors(TapRun(0, "", messages)) == {
        ("s", "last_modified_date", "format"): (1, "'2024-08-25T06:00:30' is not a 'date-time'"),
        ("s", "_extra.recipient_zip_4_code", "type"): (1, "None is not of type 'string'"),
    }


# -- every tap, every stream -------------------------------------------------------------

FAST = {"poll_interval_seconds": 0.05}
CASES: dict[str, tuple[t.Callable[[], t.Any], dict[str, t.Any], dict[str, int]]] = {
    "tap-foodtrust-trace": (lambda: FoodTrustApp(job_seconds=0.1), {}, DEMO_COUNTS),
    "tap-scantrust": (
        lambda: ScantrustApp(job_seconds=0.1),
        FAST,
        {"codes": 400, "products": 5, "scans": 127},
    ),
    "tap-mews-exports": (
        lambda: MewsApp(job_seconds=0.1),
        {**FAST, "entity_types": list(ENTITY_COUNTS)},  # LedgerEntry too (start_date is set)
        {
            "order_items": 120,
            "payments": 60,
            "reservations": 40,
            "customers": 50,
            "companies": 10,
            "bills": 30,
            "availability_adjustments": 8,
            "availability_blocks": 6,
            "resource_blocks": 5,
            "ledger_entries": 80,
        },
    ),
    "tap-scanalytics": (
        lambda: ScanalyticsApp(job_seconds=0.1),
        {},
        {"whoami": 1, "deployments": 2, "arrays": 3, "visits": 1011},
    ),
    "tap-usaspending-download": (
        lambda: USAspendingApp(job_seconds=0.1),
        {**FAST, "window_days": 5000},  # one window: one download of each kind
        {
            "contracts_prime_award_summaries": 75,
            "assistance_prime_award_summaries": 67,
            "contracts_prime_transactions": 300,
            "assistance_prime_transactions": 200,
            "contracts_subawards": 40,
            "assistance_subawards": 30,
        },
    ),
}


JOURNALLED = {"tap-scantrust", "tap-mews-exports", "tap-usaspending-download"}


def batch_file_rows(message: dict[str, t.Any]) -> t.Iterator[dict[str, t.Any]]:
    """The rows of a BATCH message's files (gzip'd JSON Lines on local disk)."""
    assert message["encoding"] == {"format": "jsonl", "compression": "gzip"}
    for url in message["manifest"]:
        with gzip.open(urlparse(url).path) as handle:
            yield from (json.loads(line) for line in handle)


def catalog_with_every_stream_selected(tap: str, config_path: str) -> dict[str, t.Any]:
    discovered = subprocess.run(
        [executable(tap), "--config", config_path, "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    catalog = json.loads(discovered.stdout)
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = True
    return catalog


@pytest.mark.parametrize("tap", list(CASES))
def test_every_record_matches_its_schema(tap, serve, tmp_path, request):
    make_app, overrides, expected = CASES[tap]
    app = serve(make_app()).app
    config = {**app.demo_config(), **overrides}
    if tap in JOURNALLED:  # never the user's ~/.cache
        config["journal_path"] = str(tmp_path / "journal.json")
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    catalog = catalog_with_every_stream_selected(tap, str(config_path))
    assert {s["tap_stream_id"] for s in catalog["streams"]} == set(expected)

    run = run_tap(tap, config, catalog=catalog)

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.counts == expected
    assert set(run.schemas) == set(expected)
    errors = schema_errors(run)
    assert not errors, "\n".join(f"{n} x {key}, e.g. {text}" for key, (n, text) in errors.items())
    # The same run, record for record, as the golden output (tests/golden.py).
    if request.config.getoption("--update-golden"):
        golden.store(tap, golden.digests(tap, run.messages))
    assert golden.digests(tap, run.messages) == golden.load().get(tap), (
        "the records differ from tests/golden/outputs.json; if the change is intended, "
        "rerun with --update-golden"
    )

    # BATCH mode: the files hold exactly the rows RECORD mode emits, stream by stream.
    folder = tmp_path / "batches"
    batch_config = {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": folder.as_uri()},
        "batch_size": 50,
    }
    if tap in JOURNALLED:
        config["journal_path"] = str(tmp_path / "batch-journal.json")
    batched = run_tap(tap, {**config, "batch_config": batch_config}, catalog=catalog)
    assert batched.returncode == 0, batched.stderr[-3000:]
    assert batched.counts == {}  # no RECORD message at all
    rows = [
        {"type": "RECORD", "stream": message["stream"], "record": row}
        for message in batched.messages
        if message["type"] == "BATCH"
        for row in batch_file_rows(message)
    ]
    assert golden.digests(tap, rows) == golden.digests(tap, run.messages)


# -- the loader ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
TARGET_POSTGRES_PYTHON = ROOT / ".meltano/loaders/target-postgres/venv/bin/python"


def _plugin_blocks(node: t.Any, name: str) -> t.Iterator[dict[str, t.Any]]:
    if isinstance(node, dict):
        if node.get("name") == name:
            yield node
        for value in node.values():
            yield from _plugin_blocks(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _plugin_blocks(value, name)


def test_target_postgres_validation_is_off_only_where_this_module_guards_it():
    """The project's target-postgres skips record validation for speed, which is safe
    only because every tap is run through this module's stricter check; the end-to-end
    loads (tests.meltano_run.load_postgres) still run the loader's own check."""
    files = [ROOT / "meltano.yml", *sorted((ROOT / "meltano").glob("*.meltano.yml"))]
    blocks = [
        b for f in files for b in _plugin_blocks(yaml.safe_load(f.read_text()), "target-postgres")
    ]
    configured = [
        b["config"]["validate_records"]
        for b in blocks
        if "validate_records" in (b.get("config") or {})
    ]
    assert configured == [False]
    taps = {p.name.split(".")[0] for p in (ROOT / "meltano").glob("tap-*.meltano.yml")}
    assert taps == set(CASES)  # every extractor is checked here
    source = (ROOT / "tests" / "meltano_run.py").read_text()
    assert '"validate_records": True' in source


@pytest.mark.e2e
def test_target_postgres_validates_types_but_not_formats():
    """Why formats are checked above: target-postgres's validator (built as its sinks build
    it) refuses a wrong type but lets a date-time without an offset through."""
    probe = """
import json
from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks.core import JSONSchemaValidator
from target_postgres.sinks import PostgresSink
schema = {"type": "object", "properties": {
    "at": {"type": ["string", "null"], "format": "date-time"},
    "_extra": {"type": ["object", "null"], "additionalProperties": {"type": ["string"]}}}}
validator = JSONSchemaValidator(schema, validate_formats=PostgresSink.validate_field_string_format)
def refused(record):
    try:
        validator.validate(record)
    except InvalidRecord:
        return True
    return False
print(json.dumps([refused({"at": "2024-08-25T06:00:30"}), refused({"_extra": {"x": None}})]))
"""
    assert TARGET_POSTGRES_PYTHON.exists(), "run ./bin/setup (meltano install) first"
    done = subprocess.run(
        [str(TARGET_POSTGRES_PYTHON), "-c", probe], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [False, True]
