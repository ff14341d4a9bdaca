"""The ways each tap splits: its steps (one `meltano run` each) and its partitions.

A tap's tables are loaded by one step, except Mews: each entity type is one table, so each
is its own step (its own asset), all of them running at once on the workers. A tap's
partitions have none, one or two dimensions (Mews: enterprises of a portfolio token, when
set; USAspending: award kinds times fiscal years). A dimension maps its key to
tap settings and a state id suffix; the partition's settings and suffix join those of its
dimensions. Keys come from the Meltano project (the active environment's config or the
setting's variable), so adding a campaign to `campaign_ids` adds a partition.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass

from dagster import (
    MultiPartitionKey,
    MultiPartitionsDefinition,
    PartitionsDefinition,
    StaticPartitionsDefinition,
    TimeWindowPartitionsDefinition,
)
from tap_mews_exports.entity_types import DEFAULT_ENTITY_TYPES, STREAM_OF_ENTITY
from tap_scanalytics.streams import STREAM_TYPES as SCANALYTICS_STREAMS
from tap_scantrust.streams import STREAM_TYPES as SCANTRUST_STREAMS
from tap_usaspending_download.streams import STREAM_TYPES as USASPENDING_STREAMS

from singer_bulk_export_dagster.project import MeltanoProject

# Mews EntityType names the tap exports by default: the tap's own list, so the two never drift.
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
class Dimension:
    name: str
    partitions: PartitionsDefinition
    suffix: t.Callable[[str], str]  # key -> its part of the state id suffix
    settings: t.Callable[[str], dict[str, t.Any]]  # key -> tap settings


@dataclass(frozen=True)
class Step:
    """Tables loaded by one `meltano run` (one Dagster step): a tap's, or one Mews entity
    type's, whose table is its own asset and step (the entity type is the table)."""

    name: str  # op name
    tables: tuple[str, ...]
    settings: dict[str, t.Any]
    suffix: str  # its part of the state id suffix ("" for a whole tap)


@dataclass(frozen=True)
class PartitionedTap:
    tap: str
    steps: tuple[Step, ...]
    dimensions: tuple[Dimension, ...]  # none: unpartitioned

    @property
    def name(self) -> str:  # asset key prefix and job name: tap_scantrust
        return self.tap.replace("-", "_")

    @property
    def partitions(self) -> PartitionsDefinition | None:
        if len(self.dimensions) < 2:
            return self.dimensions[0].partitions if self.dimensions else None
        return MultiPartitionsDefinition({d.name: d.partitions for d in self.dimensions})

    def keys(self, key: str | MultiPartitionKey | None) -> list[tuple[Dimension, str]]:
        if len(self.dimensions) < 2:
            return [(self.dimensions[0], str(key))] if self.dimensions else []
        if not isinstance(key, MultiPartitionKey):  # "contracts|2023-10-01" in run tags
            key = t.cast(MultiPartitionsDefinition, self.partitions).get_partition_key_from_str(key)
        by_name = key.keys_by_dimension
        return [(d, by_name[d.name]) for d in self.dimensions]

    def suffix(self, key: str | MultiPartitionKey | None, step: Step | None = None) -> str:
        parts = [step.suffix] if step and step.suffix else []
        return "-".join(parts + [dimension.suffix(k) for dimension, k in self.keys(key)])

    def settings(self, key: str | MultiPartitionKey | None, step: Step | None = None) -> dict:
        merged: dict[str, t.Any] = dict(step.settings) if step else {}
        for dimension, k in self.keys(key):
            merged.update(dimension.settings(k))
        return merged


def _whole(tap: str, tables: t.Iterable[str]) -> tuple[Step, ...]:
    return (Step(f"{tap.replace('-', '_')}_meltano_run", tuple(tables), {}, ""),)


def partitioned_taps(project: MeltanoProject) -> list[PartitionedTap]:
    taps = [_scantrust(project), _mews(project), _scanalytics(project), _usaspending(project)]
    return [spec for spec in taps if spec and spec.tap in project.extractors]


def _keys(values: t.Any) -> list[str]:
    return [str(value) for value in values or []]


def _static(name: str, keys: list[str], **kwargs: t.Any) -> Dimension:
    return Dimension(name, StaticPartitionsDefinition(keys), **kwargs)


def _scantrust(project: MeltanoProject) -> PartitionedTap | None:
    campaigns = _keys(project.setting("tap-scantrust", "campaign_ids"))
    if not campaigns:
        return None
    campaign = _static(
        "campaign",
        campaigns,
        suffix=lambda key: f"campaign-{key}",
        settings=lambda key: {"campaign_ids": [int(key)]},
    )
    tables = (s.name for s in SCANTRUST_STREAMS)
    return PartitionedTap("tap-scantrust", _whole("tap-scantrust", tables), (campaign,))


def _mews(project: MeltanoProject) -> PartitionedTap:
    tap = "tap-mews-exports"
    types = _keys(project.setting(tap, "entity_types")) or list(MEWS_ENTITY_TYPES)
    enterprises = _keys(project.setting(tap, "enterprise_ids"))
    steps = tuple(
        Step(
            f"tap_mews_exports_{STREAM_OF_ENTITY[entity]}",
            (STREAM_OF_ENTITY[entity],),
            {"entity_types": [entity]},
            f"entity-{entity}",
        )
        for entity in types
    )
    enterprise = _static(
        "enterprise",
        enterprises,
        suffix=lambda key: f"enterprise-{key}",
        settings=lambda key: {"enterprise_ids": [key]},
    )
    return PartitionedTap(tap, steps, (enterprise,) if enterprises else ())


def _scanalytics(project: MeltanoProject) -> PartitionedTap | None:
    arrays = _keys(project.setting("tap-scanalytics", "array_keys"))
    if not arrays:  # by default the tap aggregates every array it finds: nothing to list
        return None
    array = _static(
        "array",
        arrays,
        suffix=lambda key: f"array-{key}",
        settings=lambda key: {"array_keys": [key]},
    )
    tables = (s.name for s in SCANALYTICS_STREAMS)
    return PartitionedTap("tap-scanalytics", _whole("tap-scanalytics", tables), (array,))


def _usaspending(project: MeltanoProject) -> PartitionedTap:
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
    # Fiscal years from the one holding start_date (FY2008, the first with data, without one).
    start = str(project.setting(tap, "start_date") or "")[:10]
    first_year = FIRST_FISCAL_YEAR
    if start:
        begins = dt.date.fromisoformat(start)
        first_year = begins.year + (begins.month >= 10)

    def fiscal_year(key: str) -> dict[str, t.Any]:
        if not project.declares(tap, "end_date"):
            raise PartitionError(f"{tap} has no end_date setting: a fiscal year needs one")
        start = dt.date.fromisoformat(key)
        end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
        return {"start_date": start.isoformat(), "end_date": end.isoformat()}

    award_kind = _static(
        "award_kind",
        list(kinds),
        suffix=lambda key: f"awards-{key}",
        settings=lambda key: {"filters": {**filters, "award_type_codes": kinds[key]}},
    )
    # A fiscal year starts on 1 October: the key is its first day (2023-10-01 is FY2024).
    year = Dimension(
        "fiscal_year",
        TimeWindowPartitionsDefinition(
            cron_schedule="0 0 1 10 *",
            start=f"{first_year - 1}-10-01",
            fmt="%Y-%m-%d",
            end_offset=1,  # the fiscal year in progress too
        ),
        suffix=lambda key: f"fy-{int(key[:4]) + 1}",
        settings=fiscal_year,
    )
    tables = (s.name for s in USASPENDING_STREAMS)
    return PartitionedTap(tap, _whole(tap, tables), (award_kind, year))
