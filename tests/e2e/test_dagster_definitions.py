"""The Dagster code location (orchestration/definitions.py) as read from meltano.yml: it
validates with Dagster's CLI, and each partition maps to the settings and state id suffix
its `meltano run` gets. Fast: nothing runs Meltano."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.partitions import MEWS_ENTITY_TYPES, PartitionError, partitioned_taps
from orchestration.project import REPO_ROOT, load_project
from orchestration.runner import setting_variables

pytestmark = pytest.mark.e2e


@pytest.fixture
def sandbox_env(monkeypatch):
    for name in ("MELTANO_PROJECT_ROOT", "TAP_SCANTRUST_CAMPAIGN_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MELTANO_ENVIRONMENT", "sandbox")


def specs() -> dict[str, object]:
    return {spec.name: spec for spec in partitioned_taps(load_project())}


def test_definitions_validate_with_dagster_cli(sandbox_env, tmp_path):
    dagster = str(Path(sys.executable).parent / "dagster")
    completed = subprocess.run(
        [dagster, "definitions", "validate", "-f", "orchestration/definitions.py"],
        cwd=REPO_ROOT,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-2000:]
    assert "All code locations passed validation" in output


def test_partitions_come_from_the_environment_config(sandbox_env):
    from orchestration.definitions import build_definitions

    jobs = {job.name: job for job in build_definitions().resolve_all_job_defs()}
    keys = {name: job.partitions_def.get_partition_keys() for name, job in jobs.items()}
    assert keys["scantrust_campaigns"] == ["101", "102", "103"]
    configured = load_project().environment_config["tap-mews-exports"].get("entity_types")
    assert keys["mews_entity_types"] == (configured or list(MEWS_ENTITY_TYPES))
    assert keys["usaspending_award_kinds"] == ["contracts", "grants"]
    assert keys["usaspending_fiscal_years"][0] == "2007-10-01"  # FY2008
    assert "mews_enterprises" not in jobs and "scanalytics_arrays" not in jobs  # none set


def test_a_variable_sets_the_partition_list(sandbox_env, monkeypatch):
    monkeypatch.setenv("TAP_SCANTRUST_CAMPAIGN_IDS", "[101, 104]")
    monkeypatch.setenv("TAP_SCANALYTICS_ARRAY_KEYS", '["A-1", "B-2"]')
    found = specs()
    assert found["scantrust_campaigns"].partitions.get_partition_keys() == ["101", "104"]
    assert found["scanalytics_arrays"].partitions.get_partition_keys() == ["A-1", "B-2"]


def test_each_partition_gets_its_settings_and_state_suffix(sandbox_env):
    found = specs()
    scantrust = found["scantrust_campaigns"]
    assert scantrust.suffix("101") == "campaign-101"
    assert setting_variables("tap-scantrust", scantrust.settings("101")) == {
        "TAP_SCANTRUST_CAMPAIGN_IDS": "[101]"
    }
    mews = found["mews_entity_types"]
    assert mews.suffix("Customer") == "entity-Customer"
    assert mews.settings("Customer") == {
        "entity_types": ["Customer"],
        "journal_path": ".meltano/run/tap-mews-exports/journal-entity-Customer.json",
    }
    kinds = found["usaspending_award_kinds"]
    assert kinds.suffix("grants") == "awards-grants"
    assert kinds.settings("grants") == {"filters": {"award_type_codes": ["02", "03", "04", "05"]}}
    assert found["usaspending_fiscal_years"].suffix("2023-10-01") == "fy-2024"


def test_fiscal_year_is_bounded_only_with_an_end_date_setting(sandbox_env):
    years = specs()["usaspending_fiscal_years"]
    project = load_project()
    if project.declares("tap-usaspending-download", "end_date"):
        assert years.settings("2023-10-01") == {
            "start_date": "2023-10-01",
            "end_date": "2024-09-30",
        }
    else:
        with pytest.raises(PartitionError, match="no end_date setting"):
            years.settings("2023-10-01")
