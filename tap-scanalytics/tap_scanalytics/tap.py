"""tap-scanalytics: Scanalytics query API -> Singer."""

import dataclasses
import datetime as dt
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from singer_bulk_export_kit.http import MAX_RETRY_WAIT_SETTING, HttpClient
from singer_bulk_export_kit.limits import Budget, SlidingWindowLimiter
from singer_bulk_export_kit.tap import KitTap, described_settings
from tap_scanalytics.auth import ScanalyticsAuthenticator, TokenCache
from tap_scanalytics.buckets import bucket_problem
from tap_scanalytics.streams import STREAM_TYPES

# Each setting's title and description come from settings.toml (prose kept as data).
setting = described_settings(__package__)


class TapScanalytics(KitTap):
    """Extracts the user, deployments, arrays and visit aggregates from Scanalytics."""

    name = "tap-scanalytics"
    service_name = "Scanalytics"
    partition_noun = "array"
    budget_windows = (60.0, 3600.0)  # seconds of "a minute" and "an hour" (tests shrink them)
    listed_array_keys: list[str] | None = None  # from this run's deployment list

    config_jsonschema = th.PropertiesList(
        setting("api_url", th.StringType, default="https://query.scanalyticsinc.com"),
        setting("client_id", th.StringType, required=True),
        setting("client_secret", th.StringType, secret=True),
        setting("username", th.StringType),
        setting("password", th.StringType, secret=True),
        setting("refresh_token", th.StringType, secret=True),
        setting("token_cache_path", th.StringType),
        setting("start_date", th.DateTimeType),
        setting("end_date", th.DateTimeType),
        setting("bucket", th.StringType, default="1h"),
        setting("timezone", th.StringType, default="UTC"),
        setting("array_keys", th.ArrayType(th.StringType)),
        setting("requests_per_minute", th.IntegerType(minimum=1), default=180),
        setting("requests_per_hour", th.IntegerType(minimum=1), default=1200),
        MAX_RETRY_WAIT_SETTING,
    ).to_dict()

    def discover_streams(self) -> list:
        return [cls(tap=self) for cls in STREAM_TYPES]

    @cached_property
    def run_started(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    @cached_property
    def end_bound(self) -> dt.datetime:
        """Buckets starting at or after this are left for a later run (never the future)."""
        if not self.config.get("end_date"):
            return self.run_started
        end = dt.datetime.fromisoformat(self.config["end_date"])
        return min(end if end.tzinfo else end.replace(tzinfo=dt.UTC), self.run_started)

    @cached_property
    def authenticator(self) -> ScanalyticsAuthenticator:
        # Same retries as the API calls, but no limiter: the API's budgets do not count
        # the token endpoint.
        token_policy = dataclasses.replace(self.retry_policy, limiter=None)
        return ScanalyticsAuthenticator(self.config, HttpClient(token_policy, timeout=(10, 60)))

    @cached_property
    def limiter(self) -> SlidingWindowLimiter:
        windows = zip(("minute", "hour"), self.budget_windows, strict=True)
        return SlidingWindowLimiter(
            [Budget(int(self.config[f"requests_per_{unit}"]), span, unit) for unit, span in windows]
        )

    def array_keys(self) -> list[str]:
        """The arrays to aggregate: configured, else every one (listed once per run)."""
        if self.config.get("array_keys"):
            return list(self.config["array_keys"])
        if self.listed_array_keys is None:
            for _ in self.streams["arrays"].get_records(None):
                pass  # the arrays stream fills listed_array_keys
        return list(self.listed_array_keys or [])

    def check_connection(self) -> None:
        """A token from the configured grant, then ``/v1/whoami`` (one request)."""
        self.request_first_page("whoami")

    def check_settings(self) -> None:
        errors = []
        try:
            ZoneInfo(self.config.get("timezone", "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(f"timezone: unknown IANA zone {self.config.get('timezone')!r}")
        if problem := bucket_problem(self.config.get("bucket", "1h")):
            errors.append(f"bucket: {problem}")
        if self.config.get("username") and not self.config.get("password"):
            errors.append("password: required with username (grant password)")
        cache = TokenCache(self.config.get("token_cache_path"), self.config.get("refresh_token"))
        refresh_token, _ = cache.starting_token()
        if not (refresh_token or self.config.get("username") or self.config.get("client_secret")):
            errors.append("credentials: set refresh_token, username and password, or client_secret")
        if errors:
            raise ConfigValidationError("Invalid configuration", errors=errors)
