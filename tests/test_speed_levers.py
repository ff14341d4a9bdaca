"""The speed levers (msgspec writer, no recursive conformance, no per-record state
bookkeeping) must not change a single record: each async tap is run with them and
with the SDK's defaults (TAP_SDK_DEFAULTS=1), and the records compared, canonically
serialised, in order; the final bookmarks must match too."""

from __future__ import annotations

import json
import subprocess

import pytest

from sandbox.mews import MewsApp
from sandbox.scantrust import ScantrustApp
from sandbox.usaspending import USAspendingApp
from tests.singer_run import executable, run_tap

CASES = {
    "tap-scantrust": (lambda: ScantrustApp(job_seconds=0.1), {"poll_interval_seconds": 0.05}),
    "tap-mews-exports": (
        lambda: MewsApp(job_seconds=0.1),
        {"poll_interval_seconds": 0.05, "entity_types": ["OrderItem", "Customer", "LedgerEntry"]},
    ),
    "tap-usaspending-download": (
        lambda: USAspendingApp(job_seconds=0.1),
        {"poll_interval_seconds": 0.05, "window_days": 400},
    ),
}


# Columns whose value is the run's own clock (Scantrust's window end is "now").
RUN_TIME_COLUMNS = {"changed_before"}


def canonical(run):
    return [
        json.dumps(
            [m["stream"], {k: v for k, v in m["record"].items() if k not in RUN_TIME_COLUMNS}],
            sort_keys=True,
        )
        for m in run.messages
        if m["type"] == "RECORD"
    ]


def bookmarks(run):
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "replication_key_signpost"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip((run.last_state or {}).get("bookmarks"))


@pytest.mark.parametrize("tap", list(CASES))
def test_same_records_with_and_without_the_speed_levers(serve, tmp_path, tap):
    make_app, overrides = CASES[tap]
    fast_app, default_app = serve(make_app()).app, serve(make_app()).app
    fast = run_tap(
        tap, {**fast_app.demo_config(), **overrides, "journal_path": str(tmp_path / "a.json")}
    )
    default = run_tap(
        tap,
        {**default_app.demo_config(), **overrides, "journal_path": str(tmp_path / "b.json")},
        env={"TAP_SDK_DEFAULTS": "1"},
    )
    assert fast.returncode == 0, fast.stderr
    assert default.returncode == 0, default.stderr
    assert len(canonical(fast)) > 100
    assert canonical(fast) == canonical(default)
    assert bookmarks(fast).keys() == bookmarks(default).keys()


def _deselect(catalog, stream, field):
    """Select only ``stream``, without ``field``."""
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] == stream
            elif entry["tap_stream_id"] == stream and metadata["breadcrumb"] == [
                "properties",
                field,
            ]:
                metadata["metadata"]["selected"] = False
    return catalog


@pytest.mark.parametrize(
    ("tap", "stream", "field"),
    [
        ("tap-mews-exports", "customers", "Email"),
        ("tap-scantrust", "codes", "serial_number"),
        ("tap-usaspending-download", "contracts_prime_transactions", "recipient_name"),
    ],
)
def test_deselected_fields_are_still_removed(serve, tmp_path, tap, stream, field):
    """The fast path skips the SDK's deselection walk only when nothing is deselected."""
    make_app, overrides = CASES[tap]
    app = serve(make_app()).app
    config = {**app.demo_config(), **overrides, "journal_path": str(tmp_path / "j.json")}
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    discovered = subprocess.run(
        [executable(tap), "--config", str(config_path), "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    catalog = _deselect(json.loads(discovered.stdout), stream, field)
    run = run_tap(tap, config, catalog=catalog)
    assert run.returncode == 0, run.stderr
    records = run.records[stream]
    assert records
    assert all(field not in record for record in records)
    assert field not in run.schemas[stream]["schema"]["properties"]
