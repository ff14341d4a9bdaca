"""tap-foodtrust-trace: IBM Food Trust Trace API -> Singer."""

from functools import cached_property

from singer_sdk import typing as th
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.exceptions import ConfigValidationError

from singer_bulk_export_kit.http import MAX_RETRY_WAIT_SETTING
from singer_bulk_export_kit.tap import KitTap, described_settings
from tap_foodtrust_trace.auth import TokenExchangeAuthenticator
from tap_foodtrust_trace.product_ids import EXAMPLES, invalid_product_ids
from tap_foodtrust_trace.streams import STREAM_TYPES

# Each setting's title and description come from settings.toml (prose kept as data).
setting = described_settings(__package__, examples=EXAMPLES)


class TapFoodTrustTrace(KitTap):
    """Extracts the trace graph (events, facilities, products ...) of product ids.

    The kit's base gives the clean exits, unknown-setting warnings, the retry policy,
    the per-product-id failure summary and the SIGTERM handling."""

    name = "tap-foodtrust-trace"
    service_name = "IBM Food Trust"
    partition_noun = "product id"

    config_jsonschema = th.PropertiesList(
        setting("api_url", th.StringType, default="https://food.ibm.com"),
        setting("product_ids", th.ArrayType(th.StringType), required=True),
        setting("bypass_cache", th.BooleanType, default=False),
        setting("ift_token", th.StringType, secret=True),
        setting("ibm_cloud_api_key", th.StringType, secret=True),
        setting("organization_id", th.StringType),
        setting("iam_url", th.StringType, default="https://iam.cloud.ibm.com"),
        MAX_RETRY_WAIT_SETTING,
    ).to_dict()

    def discover_streams(self) -> list:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    @cached_property
    def authenticator(self) -> BearerTokenAuthenticator | TokenExchangeAuthenticator:
        if self.config.get("ift_token"):  # as given: it cannot be renewed
            return BearerTokenAuthenticator(token=self.config["ift_token"])
        return TokenExchangeAuthenticator(self.config, self.retry_policy)

    @property
    def product_ids(self) -> list[str]:
        """The configured ids, each once (a repeated id would be traced twice)."""
        return list(dict.fromkeys(self.config.get("product_ids") or []))

    def check_connection(self) -> None:
        """The token (exchanged when an API key is set) and one trace: the Trace API has no
        cheaper authenticated call."""
        self.request_first_page("traces", {"trace_product_id": self.product_ids[0]})

    def check_settings(self) -> None:
        """Refuse a config that cannot work, before any request (sync and --test;
        discovery needs no product ids or credentials)."""
        errors = [
            f"product_ids: {product_id!r} matches none of the Trace API formats (e.g. {EXAMPLES})"
            for product_id in invalid_product_ids(self.product_ids)
        ]
        if not self.config.get("product_ids"):
            errors.append("product_ids: give at least one product id to trace")
        has_token = bool(self.config.get("ift_token"))
        has_key = bool(self.config.get("ibm_cloud_api_key"))
        if has_token and has_key:
            errors.append("Set either ift_token or ibm_cloud_api_key, not both")
        elif not has_token and not has_key:
            errors.append("Set ift_token, or ibm_cloud_api_key with organization_id")
        elif has_key and not self.config.get("organization_id"):
            errors.append("organization_id is required with ibm_cloud_api_key")
        if errors:
            raise ConfigValidationError("Invalid configuration", errors=errors)
