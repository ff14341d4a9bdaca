"""tap-mews-exports: Mews Connector API exports -> Singer."""

import datetime as dt
from functools import cached_property, partial
from importlib import metadata

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from singer_bulk_export_kit.http import MAX_RETRY_WAIT_SETTING, HttpClient
from singer_bulk_export_kit.jobs import JobOrchestrator, unfinished_jobs
from singer_bulk_export_kit.limits import Budget, SlidingWindowLimiter
from singer_bulk_export_kit.tap import KitTap, described_settings
from tap_mews_exports.client import MewsClient
from tap_mews_exports.entity_types import DEFAULT_ENTITY_TYPES, STREAM_OF_ENTITY
from tap_mews_exports.jobs import LEDGER, ExportApi, export_request, plan_windows
from tap_mews_exports.streams import STREAM_TYPES

NO_EXPORT_ID = "00000000-0000-0000-0000-000000000000"  # asked for by --test only


def _version() -> str:
    try:
        return metadata.version("tap-mews-exports")
    except metadata.PackageNotFoundError:
        return "0"


# Each setting's title and description come from settings.toml (prose kept as data).
setting = described_settings(__package__, entity_types=", ".join(STREAM_OF_ENTITY))


class TapMewsExports(KitTap):
    """Extracts Mews entities through the asynchronous exports API."""

    name = "tap-mews-exports"
    service_name = "Mews"
    journal_keys = ("api_url", "access_token")
    partition_noun = "entity type"
    exports_started = False

    config_jsonschema = th.PropertiesList(
        setting("api_url", th.StringType, default="https://api.mews.com"),
        setting("client_token", th.StringType, required=True, secret=True),
        setting("access_token", th.StringType, required=True, secret=True),
        setting("client", th.StringType, default=f"tap-mews-exports/{_version()}"),
        setting(
            "entity_types",
            th.ArrayType(th.StringType(allowed_values=list(STREAM_OF_ENTITY))),
            default=DEFAULT_ENTITY_TYPES,
        ),
        setting("start_date", th.DateTimeType),
        setting("ledger_start_date", th.DateType),
        setting("poll_interval_seconds", th.NumberType(minimum=0), default=60),
        setting("export_timeout_seconds", th.NumberType(exclusive_minimum=0), default=7200),
        setting("max_export_attempts", th.IntegerType(minimum=1), default=3),
        setting("enterprise_ids", th.ArrayType(th.StringType)),
        setting("chain_ids", th.ArrayType(th.StringType)),
        setting("journal_path", th.StringType),
        setting("requests_per_30_seconds", th.IntegerType(minimum=1), default=200),
        MAX_RETRY_WAIT_SETTING,
    ).to_dict()

    # -- settings --------------------------------------------------------------------------
    def check_settings(self) -> None:
        errors = [
            f"{key}: at most 1000 ids"
            for key in ("enterprise_ids", "chain_ids")
            if len(self.config.get(key) or []) > 1000
        ]
        ledger = self.streams.get("ledger_entries")
        if (
            ledger is not None
            and ledger.selected
            and not self.config.get("ledger_start_date")
            and not self.config.get("start_date")
            and not ledger.stream_state.get("replication_key_value")
            and not unfinished_jobs([ledger.stream_state], self.journal.get(LEDGER), None)
        ):
            errors.append(
                "ledger_entries (LedgerEntry) needs ledger_start_date (or start_date): Mews "
                "exports ledger entries only by posting-date range"
            )
        if errors:
            raise ConfigValidationError("Invalid configuration", errors=errors)

    def check_connection(self) -> None:
        """The tokens and the host: ``exports/getAll`` for an id no export has (creates
        nothing; Mews answers an empty list)."""
        self.client.post("exports/getAll", {"ExportIds": [NO_EXPORT_ID]})

    # -- wiring ----------------------------------------------------------------------------
    def discover_streams(self) -> list:
        wanted = set(self.config.get("entity_types") or DEFAULT_ENTITY_TYPES)
        return [cls(tap=self) for cls in STREAM_TYPES if cls.entity_type in wanted]

    @cached_property
    def limiter(self) -> SlidingWindowLimiter:
        return SlidingWindowLimiter([Budget(int(self.config["requests_per_30_seconds"]), 30)])

    @cached_property
    def client(self) -> MewsClient:
        return MewsClient(
            HttpClient(self.retry_policy, timeout=(10, 60)),
            api_url=self.config["api_url"],
            client_token=self.config["client_token"],
            access_token=self.config["access_token"],
            client=self.config["client"],
        )

    @cached_property
    def orchestrator(self) -> JobOrchestrator:
        return JobOrchestrator(
            ExportApi(self.client),
            poll_interval=float(self.config["poll_interval_seconds"]),
            timeout=float(self.config["export_timeout_seconds"]),
            max_attempts=int(self.config["max_export_attempts"]),
            serial_groups=True,  # Mews: one pending export per entity type
            journal=self.journal,
            write_state=self._write_state,
        )

    def _write_state(self) -> None:
        selected = [stream for stream in self.streams.values() if stream.selected]
        selected[0].write_state_now()  # type: ignore[attr-defined]  # the whole tap state

    # -- running ---------------------------------------------------------------------------
    def start_exports(self) -> None:
        """Resume every selected type's unfinished exports, plan its remaining windows and
        create the first export of each type, all before any waiting (once a run)."""
        if self.exports_started:
            return
        self.exports_started = True
        now = dt.datetime.now(dt.UTC)  # one for every type, so the run's windows are final
        scope = {  # a portfolio token's enterprises or chains (none: the token's own)
            name: self.config[key]
            for key, name in (("enterprise_ids", "EnterpriseIds"), ("chain_ids", "ChainIds"))
            if self.config.get(key)
        }
        for stream in self.streams.values():
            if not stream.selected:
                continue
            entity_type = stream.entity_type  # type: ignore[attr-defined]
            bookmark = stream.stream_state.get("replication_key_value")
            self.orchestrator.plan(
                entity_type,
                [stream.stream_state],
                bookmark=bookmark,
                params_of=partial(export_request, entity_type, scope),
                windows_after=partial(
                    plan_windows, entity_type, bookmark=bookmark, config=self.config, now=now
                ),
            )
        self.orchestrator.start()

    def sync_all(self) -> None:
        self.start_exports()
        super().sync_all()
