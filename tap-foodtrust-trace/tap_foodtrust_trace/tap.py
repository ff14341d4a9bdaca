"""tap-foodtrust-trace: IBM Food Trust Trace API -> Singer."""

from __future__ import annotations

import sys
import typing as t
from functools import cached_property

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tap_foodtrust_trace.auth import StaticTokenAuthenticator, TokenExchangeAuthenticator
from tap_foodtrust_trace.errors import FoodTrustError
from tap_foodtrust_trace.product_ids import EXAMPLES, invalid_product_ids
from tap_foodtrust_trace.streams import STREAM_TYPES

if t.TYPE_CHECKING:
    import click


class TapFoodTrustTrace(Tap):
    """Extracts the trace graph (events, facilities, products ...) of product ids."""

    name = "tap-foodtrust-trace"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_url",
            th.StringType,
            default="https://food.ibm.com",
            title="API URL",
            description="Food Trust host, e.g. https://food.ibm.com or https://sandbox.food.ibm.com.",
        ),
        th.Property(
            "product_ids",
            th.ArrayType(th.StringType),
            required=True,
            title="Product ids",
            description=(
                "Product identifiers to trace, one trace each. Formats: EPC LGTIN, EPC SGTIN, "
                "IFT product with lot, IFT product with serial, e.g. " + EXAMPLES + "."
            ),
        ),
        th.Property(
            "bypass_cache",
            th.BooleanType,
            default=False,
            title="Bypass cache",
            description=(
                "Send X-ApiCache-Bypass: true so the API skips its 24-hour response cache "
                "(slower; use after trace data changed)."
            ),
        ),
        th.Property(
            "ift_token",
            th.StringType,
            secret=True,
            title="Food Trust token",
            description="A Food Trust bearer token. Alternative to the API-key exchange; "
            "it cannot be renewed, so it must outlive the run.",
        ),
        th.Property(
            "ibm_cloud_api_key",
            th.StringType,
            secret=True,
            title="IBM Cloud API key",
            description="API key of a system user; exchanged for a Food Trust token "
            "(renewed when it expires). Needs organization_id.",
        ),
        th.Property(
            "organization_id",
            th.StringType,
            title="Organization id",
            description="Food Trust organization id for the token exchange.",
        ),
        th.Property(
            "iam_url",
            th.StringType,
            default="https://iam.cloud.ibm.com",
            title="IAM URL",
            description="IBM Cloud IAM host that turns the API key into an IAM token.",
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, validate_config: bool = True, **kwargs: t.Any) -> None:
        self.failures: dict[str, str] = {}
        super().__init__(*args, validate_config=validate_config, **kwargs)
        if validate_config:  # sync and --test; discovery needs no product ids or credentials
            self.check_settings()

    def discover_streams(self) -> list:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    @cached_property
    def authenticator(self) -> StaticTokenAuthenticator | TokenExchangeAuthenticator:
        if self.config.get("ift_token"):
            return StaticTokenAuthenticator(token=self.config["ift_token"])
        return TokenExchangeAuthenticator(
            api_url=self.config["api_url"],
            iam_url=self.config["iam_url"],
            api_key=self.config["ibm_cloud_api_key"],
            organization_id=self.config["organization_id"],
        )

    @property
    def product_ids(self) -> list[str]:
        """The configured ids, each once (a repeated id would be traced twice)."""
        return list(dict.fromkeys(self.config.get("product_ids") or []))

    def check_settings(self) -> None:
        """Refuse a config that cannot work, before any request."""
        errors = []
        bad = invalid_product_ids(self.product_ids)
        for product_id in bad:
            errors.append(
                f"product_ids: {product_id!r} matches none of the Trace API formats "
                f"(e.g. {EXAMPLES})"
            )
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

    def record_failure(self, product_id: str, reason: str) -> None:
        """Log a product id that could not be traced; the others go on."""
        self.logger.error("%s (the other product ids still sync)", reason)
        self.failures[product_id] = reason

    def sync_all(self) -> None:
        super().sync_all()
        if self.failures:
            total = len(self.product_ids)
            listed = "; ".join(self.failures.values())
            raise FoodTrustError(
                f"{len(self.failures)} of {total} product ids failed: {listed}. "
                f"The other {total - len(self.failures)} synced."
            )

    @classmethod
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:
        try:
            super().invoke(*args, **kwargs)
        except FoodTrustError as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)

    @classmethod
    def cb_test(cls, ctx: click.Context, param: click.Option, value: str) -> None:
        """``--test`` runs outside ``invoke``: give its errors the same clean exit."""
        try:
            super().cb_test(ctx, param, value)
        except ConfigValidationError as exc:
            for error in exc.errors:
                cls.logger.error("%s", error)
            cls.logger.error("Config validation failed")
            ctx.exit(1)
        except FoodTrustError as exc:
            cls.logger.error("%s", exc)
            ctx.exit(1)


if __name__ == "__main__":
    TapFoodTrustTrace.cli()
