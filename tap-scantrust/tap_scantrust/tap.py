"""tap-scantrust: Scantrust code data, products and scans -> Singer."""

from __future__ import annotations

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from singer_bulk_export_kit.http import MAX_RETRY_WAIT_SETTING
from singer_bulk_export_kit.tap import KitTap, described_settings
from tap_scantrust.client import ScantrustApi
from tap_scantrust.streams import STREAM_TYPES

# Each setting's title and description (--about, the README's settings table).
SETTING_TEXTS = {
    "api_url": ("API URL", "Scantrust API host (staging: https://api.staging.scantrust.io)."),
    "uat_token": (
        "UAT token",
        "User access token, sent as 'Authorization: UAT <token>'. Needs codes_view (codes), "
        "product_view (products) and scans_download (scans).",
    ),
    "campaign_ids": (
        "Campaign ids",
        "Campaigns to extract codes and scans of (one partition each).",
    ),
    "start_date": (
        "Start date",
        "Earliest change (codes: updated_at; scans: scan time) on a first sync. Without it "
        "the first sync takes every code and every scan.",
    ),
    "activation_status": (
        "Activation status",
        "Only codes with this status: 0 inactive, 1 active, 2 blacklisted.",
    ),
    "product_id": ("Product id", "Only codes of this product (its id, not its SKU)."),
    "scm_filters": (
        "SCM filters",
        'SCM field filters, sent as scm_<key>=<value>, e.g. {"intended_market": "zh"}.',
    ),
    "window_days": (
        "Window (days)",
        "Largest updated_at (codes) or scan-time range one request covers.",
    ),
    "lookback_days": (
        "Lookback (days)",
        "Overlap before the codes bookmark on incremental syncs, for late changes (re-read "
        "codes are upserted, not duplicated).",
    ),
    "poll_interval_seconds": (
        "Poll interval (seconds)",
        "Pause between status polls of the search tasks.",
    ),
    "job_timeout_seconds": (
        "Job timeout (seconds)",
        "Longest a search task may take before its campaign fails.",
    ),
    "scm_fields": (
        "SCM fields",
        "SCM keys to declare as typed columns inside the scm object (so flattening makes "
        "them scm__<key> columns). Others are still kept in scm.",
    ),
    "journal_path": (
        "Job journal path",
        "File keeping the keys of unfinished search tasks, so a run that was stopped "
        "re-attaches to them. Default: "
        "~/.cache/tap-scantrust/journal-<hash of api_url and token>.json.",
    ),
}
setting = described_settings(SETTING_TEXTS)


class TapScantrust(KitTap):
    """Extracts codes (through async search tasks), products and scans."""

    name = "tap-scantrust"
    service_name = "Scantrust"
    journal_keys = ("api_url", "uat_token")
    partition_noun = "campaign"

    config_jsonschema = th.PropertiesList(
        setting("api_url", th.StringType, default="https://api.scantrust.com"),
        setting("uat_token", th.StringType, required=True, secret=True),
        setting("campaign_ids", th.ArrayType(th.IntegerType(minimum=1)), required=True),
        setting("start_date", th.DateTimeType),
        setting("activation_status", th.IntegerType(allowed_values=[0, 1, 2])),
        setting("product_id", th.IntegerType),
        setting("scm_filters", th.ObjectType(additional_properties=th.StringType)),
        setting("window_days", th.NumberType(exclusive_minimum=0), default=30),
        setting("lookback_days", th.NumberType(minimum=0), default=1),
        setting("poll_interval_seconds", th.NumberType(exclusive_minimum=0), default=10),
        setting("job_timeout_seconds", th.NumberType(exclusive_minimum=0), default=3600),
        setting("scm_fields", th.ArrayType(th.StringType)),
        setting("journal_path", th.StringType),
        MAX_RETRY_WAIT_SETTING,
    ).to_dict()

    def check_settings(self) -> None:
        config = self.config
        errors = []
        campaigns = config.get("campaign_ids") or []
        if not campaigns:
            errors.append("campaign_ids: give at least one campaign id")
        if len(set(campaigns)) != len(campaigns):
            errors.append(f"campaign_ids: each campaign once (got {campaigns})")
        for key in config.get("scm_filters") or {}:
            if not key or key.startswith("scm_"):
                errors.append(
                    f"scm_filters: {key!r} should be the bare SCM key (it is sent as scm_<key>)"
                )
        errors += ["scm_fields: empty SCM key" for key in config.get("scm_fields") or [] if not key]
        if errors:
            raise ConfigValidationError("Invalid configuration", errors=errors)

    def check_connection(self) -> None:
        """The UAT token and the host: ``/api/v2/me/``, one request."""
        ScantrustApi(self.streams["codes"]).get("/api/v2/me/")  # type: ignore[arg-type]

    def discover_streams(self) -> list:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]


if __name__ == "__main__":
    TapScantrust.cli()
