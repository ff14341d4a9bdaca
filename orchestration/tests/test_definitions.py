"""The code location as read from the Meltano project: it validates with Dagster's CLI, each
tap's tables are its assets, and each partition maps to the settings and state id suffix of
its `meltano run`. Fast: nothing runs Meltano. Run from the repository root or this folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, MultiPartitionKey
from tap_mews_exports.entity_types import STREAM_OF_ENTITY

from singer_bulk_export_dagster.partitions import partitioned_taps
from singer_bulk_export_dagster.project import load_project
from singer_bulk_export_dagster.runner import select_variable, setting_variables

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def sandbox_env(monkeypatch):
    for name in ("TAP_SCANTRUST_CAMPAIGN_IDS", "TAP_MEWS_EXPORTS_ENTERPRISE_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MELTANO_PROJECT_ROOT", str(REPO_ROOT))
    monkeypatch.setenv("MELTANO_ENVIRONMENT", "sandbox")


def specs() -> dict:
    return {spec.tap: spec for spec in partitioned_taps(load_project())}


def test_definitions_validate_with_dagster_cli(tmp_path):
    dagster = str(Path(sys.executable).parent / "dagster")
    completed = subprocess.run(
        [dagster, "definitions", "validate", "-m", "singer_bulk_export_dagster.definitions"],
        cwd=tmp_path,  # no sys.path help: the installed package is the code location
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-2000:]
    assert "All code locations passed validation" in output


def test_each_table_is_an_asset_and_partitions_come_from_the_config():
    from singer_bulk_export_dagster.definitions import build_definitions

    defs = build_definitions()
    jobs = {job.name: job for job in defs.resolve_all_job_defs() if job.name.startswith("tap_")}
    assert sorted(jobs) == ["tap_mews_exports", "tap_scantrust", "tap_usaspending_download"]
    assert jobs["tap_scantrust"].partitions_def.get_partition_keys() == ["101", "102", "103"]
    # award kind x fiscal year, from the fiscal year of start_date (2024-01-01: FY2024)
    spending = jobs["tap_usaspending_download"].partitions_def.get_partition_keys()
    assert spending[:2] == ["contracts|2023-10-01", "contracts|2024-10-01"]
    assert jobs["tap_mews_exports"].partitions_def is None  # no enterprise_ids: one run
    assets = defs.resolve_asset_graph().get_all_asset_keys()
    assert AssetKey(["tap_scantrust", "codes"]) in assets
    # One asset and one step per configured Mews entity type.
    configured = load_project().environment_config["tap-mews-exports"]["entity_types"]
    steps = {a.op.name: a.keys for a in defs.assets if a.op.name.startswith("tap_mews")}
    tables = [STREAM_OF_ENTITY[entity] for entity in configured]
    assert steps == {f"tap_mews_exports_{t}": {AssetKey(["tap_mews_exports", t])} for t in tables}


def test_a_variable_sets_the_partition_list(monkeypatch):
    monkeypatch.setenv("TAP_SCANTRUST_CAMPAIGN_IDS", "[101, 104]")
    monkeypatch.setenv("TAP_SCANALYTICS_ARRAY_KEYS", '["A-1", "B-2"]')
    found = specs()
    assert found["tap-scantrust"].partitions.get_partition_keys() == ["101", "104"]
    assert found["tap-scanalytics"].partitions.get_partition_keys() == ["A-1", "B-2"]


def test_each_partition_gets_its_settings_tables_and_state_suffix(monkeypatch):
    found = specs()
    scantrust = found["tap-scantrust"]
    assert scantrust.suffix("101") == "campaign-101"
    assert setting_variables("tap-scantrust", scantrust.settings("101")) == {
        "TAP_SCANTRUST_CAMPAIGN_IDS": "[101]"
    }
    assert scantrust.steps[0].tables == ("codes", "products", "scans")
    mews = found["tap-mews-exports"]
    customers = next(step for step in mews.steps if step.tables == ("customers",))
    assert mews.suffix(None, customers) == "entity-Customer"
    assert mews.settings(None, customers) == {"entity_types": ["Customer"]}
    spending = found["tap-usaspending-download"]
    key = MultiPartitionKey({"award_kind": "grants", "fiscal_year": "2023-10-01"})
    assert spending.suffix(key) == "awards-grants-fy-2024"
    assert spending.suffix("grants|2023-10-01") == "awards-grants-fy-2024"  # as in run tags
    assert spending.settings(key) == {
        "filters": {"award_type_codes": ["02", "03", "04", "05"]},
        "start_date": "2023-10-01",
        "end_date": "2024-09-30",
    }
    assert select_variable("tap-scantrust", ["scans", "codes"]) == {
        "TAP_SCANTRUST__SELECT": '["codes.*", "scans.*"]'
    }
    monkeypatch.setenv("TAP_MEWS_EXPORTS_ENTERPRISE_IDS", '["e-1", "e-2"]')
    portfolio = specs()["tap-mews-exports"]
    bills = next(step for step in portfolio.steps if step.tables == ("bills",))
    assert portfolio.partitions.get_partition_keys() == ["e-1", "e-2"]
    assert portfolio.suffix("e-2", bills) == "entity-Bill-enterprise-e-2"
    assert portfolio.settings("e-2", bills) == {"entity_types": ["Bill"], "enterprise_ids": ["e-2"]}
