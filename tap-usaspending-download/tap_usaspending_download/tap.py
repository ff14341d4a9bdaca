"""tap-usaspending-download: USAspending award and transaction downloads -> Singer."""

from __future__ import annotations

import datetime as dt
import sys
import typing as t
from collections import Counter
from functools import cached_property

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tap_usaspending_download.client import USAspendingClient
from tap_usaspending_download.columns import FileKind, downloads_for
from tap_usaspending_download.downloads import DownloadManager, Window
from tap_usaspending_download.errors import USAspendingError
from tap_usaspending_download.speed import WRITER
from tap_usaspending_download.streams import STREAM_TYPES, DownloadFileStream


class TapUSAspendingDownload(Tap):
    """Extracts award summaries, transactions and subawards from USAspending downloads."""

    name = "tap-usaspending-download"
    message_writer_class = WRITER

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_url",
            th.StringType,
            default="https://api.usaspending.gov",
            title="API URL",
            description="USAspending API host.",
        ),
        th.Property(
            "filters",
            th.ObjectType(additional_properties=True),
            default={},
            title="Filters",
            description="Search v2 filter object (award_type_codes, agencies, recipient_id, "
            "...). The tap adds time_period itself, one window at a time.",
        ),
        th.Property(
            "date_type",
            th.StringType(allowed_values=["action_date", "last_modified_date"]),
            default="last_modified_date",
            title="Date type",
            description="The date the time_period windows apply to.",
        ),
        th.Property(
            "start_date",
            th.DateType,
            required=True,
            title="Start date",
            description="First day of the first sync's windows.",
        ),
        th.Property(
            "window_days",
            th.IntegerType(minimum=1),
            default=30,
            title="Window (days)",
            description="Days per download; a window over the row limit is split.",
        ),
        th.Property(
            "columns",
            th.ArrayType(th.StringType),
            title="Columns",
            description="Only these columns (sent as the request's columns; the streams' "
            "key columns are added when missing). Default: every column.",
        ),
        th.Property(
            "poll_interval_seconds",
            th.NumberType(exclusive_minimum=0),
            default=10,
            title="Poll interval",
            description="Pause between download status polls.",
        ),
        th.Property(
            "job_timeout_seconds",
            th.NumberType(exclusive_minimum=0),
            default=3600,
            title="Job timeout",
            description="Longest a download may run before the run fails.",
        ),
        th.Property(
            "download_attempts",
            th.IntegerType(minimum=1),
            default=3,
            title="Download attempts",
            description="How many times a failed download is requested.",
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        if "time_period" in (self.config.get("filters") or {}):  # before any request
            raise ConfigValidationError(
                "Invalid configuration",
                errors=[
                    "filters: leave out time_period; the tap sets it per window from "
                    "start_date (then the bookmark), window_days and date_type"
                ],
            )

    def discover_streams(self) -> list:
        return [cls(tap=self) for cls in STREAM_TYPES]

    @cached_property
    def run_date(self) -> dt.date:
        return dt.datetime.now(dt.UTC).date()

    @cached_property
    def selected_kinds(self) -> list[FileKind]:
        streams = self.streams.values()
        return [s.kind for s in streams if isinstance(s, DownloadFileStream) and s.selected]

    @cached_property
    def _download_of(self) -> dict[str, str]:
        return downloads_for(self.selected_kinds)

    def download_of(self, stream: DownloadFileStream) -> str:
        """``awards`` or ``transactions``: the download whose zip ``stream`` reads."""
        return self._download_of.get(stream.name) or downloads_for([stream.kind])[stream.name]

    @cached_property
    def levels(self) -> frozenset[str]:
        """Every file kind the selected streams read must fit the row limit."""
        return frozenset(kind.level for kind in self.selected_kinds) or frozenset({"transactions"})

    def request_columns(self) -> list[str] | None:
        columns = list(self.config.get("columns") or [])
        if not columns:
            return None
        keys = [k for kind in self.selected_kinds for k in kind.key if k not in columns]
        keys = list(dict.fromkeys(keys))
        if keys:
            self.logger.info("Adding the key column(s) %s to the columns setting", keys)
        return columns + keys

    @cached_property
    def manager(self) -> DownloadManager:
        return DownloadManager(
            USAspendingClient(self.config["api_url"]),
            filters=dict(self.config.get("filters") or {}),
            date_type=self.config["date_type"],
            columns=self.request_columns(),
            poll_interval=float(self.config["poll_interval_seconds"]),
            timeout=float(self.config["job_timeout_seconds"]),
            attempts=int(self.config["download_attempts"]),
        )

    @cached_property
    def _readers(self) -> Counter:
        """How many selected streams read each download's zip."""
        return Counter(self._download_of.values())

    def consumed(self, stream: DownloadFileStream, part: Window) -> None:
        """Drop a zip from disk once every selected stream of its kind read it."""
        download = self.download_of(stream)
        self._consumed[(download, part)] += 1
        if self._consumed[(download, part)] >= self._readers[download]:
            self.manager.release(download, part)

    @cached_property
    def _consumed(self) -> Counter:
        return Counter()

    def sync_all(self) -> None:
        try:
            super().sync_all()
        finally:
            if "manager" in self.__dict__:
                self.manager.cleanup()

    @classmethod
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:
        try:
            super().invoke(*args, **kwargs)
        except USAspendingError as exc:
            cls.logger.error("%s", exc)
            sys.exit(1)


if __name__ == "__main__":
    TapUSAspendingDownload.cli()
