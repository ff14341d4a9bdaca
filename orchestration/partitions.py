"""The ways each tap splits into partitions: which keys, and for one key the tap settings
and the state id suffix of its `meltano run`.

Keys come from the Meltano project (the active environment's config or the setting's
variable), so adding a campaign to `campaign_ids` adds a partition.
"""

from __future__ import annotations

import datetime as dt
import os
import typing as t
from dataclasses import dataclass

from dagster import (
    PartitionsDefinition,
    StaticPartitionsDefinition,
    TimeWindowPartitionsDefinition,
)
from tap_mews_exports.entity_types import DEFAULT_ENTITY_TYPES

from orchestration.project import MeltanoProject

# Mews EntityType names the tap exports by default (all but LedgerEntry, which needs
# a posting date): one partition each. The tap's own list, so the two never drift.
MEWS_ENTITY_TYPES = tuple(DEFAULT_ENTITY_TYPES)
# USAspending award kinds (the groups of award_type_codes the API's downloads accept).
AWARD_KINDS = {
    "contracts": ("A", "B", "C", "D"),
    "idvs": ("IDV_A", "IDV_B", "IDV_B_A", "IDV_B_B", "IDV_B_C", "IDV_C", "IDV_D", "IDV_E"),
    "grants": ("02", "03", "04", "05"),
    "direct_payments": ("06", "10"),
    "loans": ("07", "08"),
    "other_assistance": ("09", "11"),
}
FIRST_FISCAL_YEAR = 2008  # USAspending's download data starts with FY2008


class PartitionError(Exception):
    """A partition that cannot run as configured (one line, shown in the run log)."""


@dataclass(frozen=True)
class PartitionedTap:
    name: str  # Dagster job name
    tap: str
    description: str
    partitions: PartitionsDefinition
    suffix: t.Callable[[str], str]  # key -> state id suffix
    settings: t.Callable[[str], dict[str, t.Any]]  # key -> tap settings of that partition


def partitioned_taps(project: MeltanoProject) -> list[PartitionedTap]:
    taps = [
        *_scantrust(project),
        *_mews(project),
        *_scanalytics(project),
        *_usaspending(project),
    ]
    return [spec for spec in taps if spec.tap in project.extractors]


def _keys(values: t.Any) -> list[str]:
    return [str(value) for value in values or []]


def _scantrust(project: MeltanoProject) -> list[PartitionedTap]:
    campaigns = _keys(project.setting("tap-scantrust", "campaign_ids"))
    if not campaigns:
        return []
    return [
        PartitionedTap(
            name="scantrust_campaigns",
            tap="tap-scantrust",
            description="tap-scantrust, one partition per campaign (campaign_ids).",
            partitions=StaticPartitionsDefinition(campaigns),
            suffix=lambda key: f"campaign-{key}",
            settings=lambda key: {"campaign_ids": [int(key)]},
        )
    ]


def _mews(project: MeltanoProject) -> list[PartitionedTap]:
    tap = "tap-mews-exports"
    types = _keys(project.setting(tap, "entity_types")) or list(MEWS_ENTITY_TYPES)
    enterprises = _keys(project.setting(tap, "enterprise_ids"))

    def journal(kind: str, key: str) -> str:
        # One export journal per partition: two partitions must not resume each other's exports.
        return f".meltano/run/{tap}/journal-{kind}-{key}.json"

    specs = [
        PartitionedTap(
            name="mews_entity_types",
            tap=tap,
            description="tap-mews-exports, one partition per entity type (entity_types).",
            partitions=StaticPartitionsDefinition(types),
            suffix=lambda key: f"entity-{key}",
            settings=lambda key: {"entity_types": [key], "journal_path": journal("entity", key)},
        )
    ]
    if enterprises:
        specs.append(
            PartitionedTap(
                name="mews_enterprises",
                tap=tap,
                description="tap-mews-exports, one partition per enterprise of a portfolio "
                "token (enterprise_ids).",
                partitions=StaticPartitionsDefinition(enterprises),
                suffix=lambda key: f"enterprise-{key}",
                settings=lambda key: {
                    "enterprise_ids": [key],
                    "journal_path": journal("enterprise", key),
                },
            )
        )
    return specs


def _scanalytics(project: MeltanoProject) -> list[PartitionedTap]:
    arrays = _keys(project.setting("tap-scanalytics", "array_keys"))
    if not arrays:  # by default the tap aggregates every array it finds: nothing to list
        return []
    return [
        PartitionedTap(
            name="scanalytics_arrays",
            tap="tap-scanalytics",
            description="tap-scanalytics, one partition per array (array_keys).",
            partitions=StaticPartitionsDefinition(arrays),
            suffix=lambda key: f"array-{key}",
            settings=lambda key: {"array_keys": [key]},
        )
    ]


def _usaspending(project: MeltanoProject) -> list[PartitionedTap]:
    tap = "tap-usaspending-download"
    filters = dict(project.setting(tap, "filters") or {})
    wanted = set(
        filters.get("award_type_codes") or [code for c in AWARD_KINDS.values() for code in c]
    )
    kinds = {
        kind: [code for code in codes if code in wanted]
        for kind, codes in AWARD_KINDS.items()
        if wanted.intersection(codes)
    }
    first_year = int(os.environ.get("SCALE_OUT_USASPENDING_FIRST_FY", FIRST_FISCAL_YEAR))

    def fiscal_year_settings(key: str) -> dict[str, t.Any]:
        if not project.declares(tap, "end_date"):
            raise PartitionError(
                f"{tap} has no end_date setting, so a fiscal year cannot be bounded; "
                "declare it in meltano/tap-usaspending-download.meltano.yml"
            )
        start = dt.date.fromisoformat(key)
        end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
        return {"start_date": start.isoformat(), "end_date": end.isoformat()}

    return [
        PartitionedTap(
            name="usaspending_award_kinds",
            tap=tap,
            description="tap-usaspending-download, one partition per award kind "
            "(award_type_codes group).",
            partitions=StaticPartitionsDefinition(list(kinds)),
            suffix=lambda key: f"awards-{key}",
            settings=lambda key: {"filters": {**filters, "award_type_codes": kinds[key]}},
        ),
        PartitionedTap(
            name="usaspending_fiscal_years",
            tap=tap,
            description="tap-usaspending-download, one partition per federal fiscal year "
            "(October to September), for backfills.",
            # A fiscal year starts on 1 October: the key is its first day (2023-10-01 is FY2024).
            partitions=TimeWindowPartitionsDefinition(
                cron_schedule="0 0 1 10 *",
                start=f"{first_year - 1}-10-01",
                fmt="%Y-%m-%d",
                end_offset=1,  # the fiscal year in progress too
            ),
            suffix=lambda key: f"fy-{int(key[:4]) + 1}",
            settings=fiscal_year_settings,
        ),
    ]
