"""tap-scantrust: Scantrust code data, products and scans -> Singer."""

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from singer_bulk_export_kit.http import MAX_RETRY_WAIT_SETTING
from singer_bulk_export_kit.tap import KitTap, described_settings
from tap_scantrust.client import ScantrustApi
from tap_scantrust.streams import STREAM_TYPES

# Each setting's title and description come from settings.toml (prose kept as data).
setting = described_settings(__package__)


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
