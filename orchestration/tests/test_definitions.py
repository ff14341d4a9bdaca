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

from singer_bulk_export_dagster.partitions import MEWS_ENTITY_TYPES, partitioned_taps
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
    keys = {name: job.partitions_def.get_partition_keys() for name, job in jobs.items()}
    assert keys["tap_scantrust"] == ["101", "102", "103"]
    configured = load_project().environment_config["tap-mews-exports"]["entity_types"]
    assert keys["tap_mews_exports"] == configured
    # award kind x fiscal year, from the fiscal year of start_date (2024-01-01: FY2024)
    assert keys["tap_usaspending_download"][:2] == ["contracts|2023-10-01", "contracts|2024-10-01"]
    assets = defs.resolve_asset_graph().get_all_asset_keys()
    assert AssetKey(["tap_scantrust", "codes"]) in assets
    mews_tables = {k.path[1] for k in assets if k.path[0] == "tap_mews_exports"}
    assert mews_tables == {
        *("order_items", "payments", "reservations", "customers", "companies", "bills"),
        *("availability_adjustments", "availability_blocks", "resource_blocks"),
        "ledger_entries",
    }


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
    assert scantrust.tables_of("101") == {"codes", "products", "scans"}
    mews = found["tap-mews-exports"]
    assert (mews.suffix("Customer"), mews.settings("Customer")) == (
        "entity-Customer",
        {"entity_types": ["Customer"]},
    )
    assert mews.tables_of("Customer") == {"customers"}
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
    key = MultiPartitionKey({"entity_type": "Bill", "enterprise": "e-2"})
    assert len(portfolio.partitions.get_partition_keys()) == 2 * len(MEWS_ENTITY_TYPES) + 2
    assert portfolio.suffix(key) == "entity-Bill-enterprise-e-2"
    assert portfolio.settings(key) == {"entity_types": ["Bill"], "enterprise_ids": ["e-2"]}
