"""tap-scantrust: Scantrust code data, products and scans -> Singer."""

from __future__ import annotations

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from singer_tap_kit.http import MAX_RETRY_WAIT_SETTING
from singer_tap_kit.tap import KitTap
from tap_scantrust.streams import STREAM_TYPES


class TapScantrust(KitTap):
    """Extracts codes (through async search tasks), products and scans."""

    name = "tap-scantrust"
    service_name = "Scantrust"
    journal_keys = ("api_url", "uat_token")
    partition_noun = "campaign"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_url",
            th.StringType,
            default="https://api.scantrust.com",
            title="API URL",
            description="Scantrust API host (staging: https://api.staging.scantrust.io).",
        ),
        th.Property(
            "uat_token",
            th.StringType,
            required=True,
            secret=True,
            title="UAT token",
            description="User access token, sent as 'Authorization: UAT <token>'. Needs "
            "codes_view (codes), product_view (products) and scans_download (scans).",
        ),
        th.Property(
            "campaign_ids",
            th.ArrayType(th.IntegerType),
            required=True,
            title="Campaign ids",
            description="Campaigns to extract codes and scans of (one partition each).",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            title="Start date",
            description="Earliest change (codes: updated_at; scans: scan time) on a first "
            "sync. Without it the first sync takes every code and every scan.",
        ),
        th.Property(
            "activation_status",
            th.IntegerType(allowed_values=[0, 1, 2]),
            title="Activation status",
            description="Only codes with this status: 0 inactive, 1 active, 2 blacklisted.",
        ),
        th.Property(
            "product_id",
            th.IntegerType,
            title="Product id",
            description="Only codes of this product (its id, not its SKU).",
        ),
        th.Property(
            "scm_filters",
            th.ObjectType(additional_properties=th.StringType),
            title="SCM filters",
            description="SCM field filters, sent as scm_<key>=<value>, e.g. "
            '{"intended_market": "zh"}.',
        ),
        th.Property(
            "window_days",
            th.NumberType,
            default=30,
            title="Window (days)",
            description="Largest updated_at (codes) or scan-time range one request covers.",
        ),
        th.Property(
            "lookback_days",
            th.NumberType,
            default=1,
            title="Lookback (days)",
            description="Overlap before the codes bookmark on incremental syncs, for late "
            "changes (re-read codes are upserted, not duplicated).",
        ),
        th.Property(
            "poll_interval_seconds",
            th.NumberType,
            default=10,
            title="Poll interval (seconds)",
            description="Pause between status polls of the search tasks.",
        ),
        th.Property(
            "job_timeout_seconds",
            th.NumberType,
            default=3600,
            title="Job timeout (seconds)",
            description="Longest a search task may take before its campaign fails.",
        ),
        th.Property(
            "scm_fields",
            th.ArrayType(th.StringType),
            title="SCM fields",
            description="SCM keys to declare as typed columns inside the scm object (so "
            "flattening makes them scm__<key> columns). Others are still kept in scm.",
        ),
        th.Property(
            "journal_path",
            th.StringType,
            title="Job journal path",
            description="File keeping the keys of unfinished search tasks, so a run that "
            "was stopped re-attaches to them. Default: "
            "~/.cache/tap-scantrust/journal-<hash of api_url and token>.json.",
        ),
        MAX_RETRY_WAIT_SETTING,
    ).to_dict()

    def check_settings(self) -> None:
        config = self.config
        errors = []
        campaigns = config.get("campaign_ids") or []
        if not campaigns:
            errors.append("campaign_ids: give at least one campaign id")
        if any(int(c) <= 0 for c in campaigns):
            errors.append(f"campaign_ids: ids are positive integers (got {campaigns})")
        if len(set(campaigns)) != len(campaigns):
            errors.append(f"campaign_ids: each campaign once (got {campaigns})")
        positive = ("window_days", "poll_interval_seconds", "job_timeout_seconds")
        errors += [f"{name}: must be greater than 0" for name in positive if config[name] <= 0]
        if config["lookback_days"] < 0:
            errors.append("lookback_days: must be 0 or more")
        for key in config.get("scm_filters") or {}:
            if not key or key.startswith("scm_"):
                errors.append(
                    f"scm_filters: {key!r} should be the bare SCM key (it is sent as scm_<key>)"
                )
        errors += ["scm_fields: empty SCM key" for key in config.get("scm_fields") or [] if not key]
        if errors:
            raise ConfigValidationError("Invalid configuration", errors=errors)

    def discover_streams(self) -> list:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]


if __name__ == "__main__":
    TapScantrust.cli()
