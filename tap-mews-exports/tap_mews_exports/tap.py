"""tap-mews-exports: Mews Connector API exports -> Singer."""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import typing as t
from functools import cached_property
from importlib import metadata

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tap_mews_exports.client import MewsClient
from tap_mews_exports.entity_types import DEFAULT_ENTITY_TYPES, STREAM_OF_ENTITY
from tap_mews_exports.errors import MewsError
from tap_mews_exports.exports import ExportCoordinator
from tap_mews_exports.journal import ExportJournal
from tap_mews_exports.ratelimit import SlidingWindowLimiter
from tap_mews_exports.speed import WRITER
from tap_mews_exports.streams import STREAM_TYPES


def _version() -> str:
    try:
        return metadata.version("tap-mews-exports")
    except metadata.PackageNotFoundError:
        return "0"


class TapMewsExports(Tap):
    """Extracts Mews entities through the asynchronous exports API."""

    name = "tap-mews-exports"
    message_writer_class = WRITER

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_url",
            th.StringType,
            default="https://api.mews.com",
            title="API URL",
            description="Mews platform address (demo: https://api.mews-demo.com).",
        ),
        th.Property(
            "client_token",
            th.StringType,
            required=True,
            secret=True,
            title="Client token",
            description="ClientToken of the integration.",
        ),
        th.Property(
            "access_token",
            th.StringType,
            required=True,
            secret=True,
            title="Access token",
            description="AccessToken of the property (or portfolio).",
        ),
        th.Property(
            "client",
            th.StringType,
            default=f"tap-mews-exports/{_version()}",
            title="Client",
            description="Name and version of the client application, sent as Client.",
        ),
        th.Property(
            "entity_types",
            th.ArrayType(th.StringType),
            default=DEFAULT_ENTITY_TYPES,
            title="Entity types",
            description="Mews EntityType names to export, one stream each: "
            + ", ".join(STREAM_OF_ENTITY)
            + ". Default: all but LedgerEntry (beta; needs start_date).",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            title="Start date",
            description="Earliest UpdatedUtc (posting date for ledger entries) on a first sync. "
            "Without it the first export of a type holds every entity.",
        ),
        th.Property(
            "poll_interval_seconds",
            th.NumberType,
            default=60,
            title="Poll interval",
            description="Pause between exports/getAll polls (Mews suggests minutes).",
        ),
        th.Property(
            "export_timeout_seconds",
            th.NumberType,
            default=7200,
            title="Export timeout",
            description="Longest an export may stay Pending/Processing, and longest the "
            "tap waits for a pending export it has no record of.",
        ),
        th.Property(
            "max_export_attempts",
            th.IntegerType,
            default=3,
            title="Export attempts",
            description="How many times a Failed or Expired export is created.",
        ),
        th.Property(
            "enterprise_ids",
            th.ArrayType(th.StringType),
            title="Enterprise ids",
            description="Scope a portfolio token to these enterprises (at most 1000).",
        ),
        th.Property(
            "chain_ids",
            th.ArrayType(th.StringType),
            title="Chain ids",
            description="Scope a portfolio token to these chains (at most 1000).",
        ),
        th.Property(
            "journal_path",
            th.StringType,
            title="Journal path",
            description="File recording created export ids before polling, so a run that "
            "died is resumed. Default: ~/.cache/tap-mews-exports/journal-<account>.json.",
        ),
        th.Property(
            "requests_per_30_seconds",
            th.IntegerType,
            default=200,
            title="Rate limit",
            description="Requests per access token per 30 s (Mews allows 200).",
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._exports_started = False
        super().__init__(*args, **kwargs)
        unknown = [e for e in self.config.get("entity_types") or [] if e not in STREAM_OF_ENTITY]
        if unknown:  # before any request, also for --discover
            raise ConfigValidationError(
                "Invalid configuration",
                errors=[
                    f"entity_types: unknown Mews EntityType {unknown}; known: "
                    f"{list(STREAM_OF_ENTITY)}"
                ],
            )

    @cached_property
    def run_started(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def discover_streams(self) -> list:
        wanted = set(self.config.get("entity_types") or DEFAULT_ENTITY_TYPES)
        return [cls(tap=self) for cls in STREAM_TYPES if cls.entity_type in wanted]

    @cached_property
    def journal(self) -> ExportJournal:
        path = self.config.get("journal_path")
        if not path:
            account = f"{self.config['api_url']}|{self.config['access_token']}"
            digest = hashlib.sha256(account.encode()).hexdigest()[:12]
            path = f"~/.cache/tap-mews-exports/journal-{digest}.json"
        return ExportJournal(path)

    @cached_property
    def coordinator(self) -> ExportCoordinator:
        client = MewsClient(
            api_url=self.config["api_url"],
            client_token=self.config["client_token"],
            access_token=self.config["access_token"],
            client=self.config["client"],
            limiter=SlidingWindowLimiter(int(self.config["requests_per_30_seconds"]), 30.0),
        )
        scope = {}
        if self.config.get("enterprise_ids"):
            scope["EnterpriseIds"] = self.config["enterprise_ids"]
        if self.config.get("chain_ids"):
            scope["ChainIds"] = self.config["chain_ids"]
        return ExportCoordinator(
            client,
            self.journal,
            poll_interval=float(self.config["poll_interval_seconds"]),
            timeout=float(self.config["export_timeout_seconds"]),
            max_attempts=int(self.config["max_export_attempts"]),
            scope=scope,
            on_change=lambda entity, records: self._stream_of(entity).remember(records),
        )

    def _stream_of(self, entity_type: str) -> t.Any:
        return self.streams[STREAM_OF_ENTITY[entity_type]]

    def start_exports(self) -> None:
        """Resume or create the exports of every selected type, all up front (once)."""
        if self._exports_started:
            return
        self._exports_started = True
        selected = [s for s in self.streams.values() if s.selected]
        self.coordinator.start(
            {s.entity_type: s.pending_records() for s in selected},
            plan=lambda entity, after: self._stream_of(entity).plan(after),
        )

    def check_settings(self) -> None:
        errors = []
        unknown = [e for e in self.config.get("entity_types") or [] if e not in STREAM_OF_ENTITY]
        if unknown:
            errors.append(
                f"entity_types: unknown Mews EntityType {unknown}; known: {list(STREAM_OF_ENTITY)}"
            )
        ledger = self.streams.get("ledger_entries")
        if (
            ledger is not None
            and ledger.selected
            and not self.config.get("start_date")
            and not ledger.stream_state.get("replication_key_value")
            and not ledger.pending_records()
        ):
            errors.append(
                "ledger_entries (LedgerEntry) needs start_date: Mews requires "
                "posting-date filters for ledger exports"
            )
        for key in ("enterprise_ids", "chain_ids"):
            if len(self.config.get(key) or []) > 1000:
                errors.append(f"{key}: at most 1000 ids")
        if errors:
            raise ConfigValidationError("Invalid configuration", errors=errors)

    def sync_all(self) -> None:
        self.check_settings()
        self.start_exports()  # before any waiting
        super().sync_all()

    @classmethod
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:
        try:
            super().invoke(*args, **kwargs)
        except MewsError as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)


if __name__ == "__main__":
    TapMewsExports.cli()
