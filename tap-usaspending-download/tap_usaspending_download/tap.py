"""tap-usaspending-download: USAspending award and transaction downloads -> Singer."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import typing as t
from functools import cached_property
from pathlib import Path

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from singer_tap_kit.http import MAX_RETRY_WAIT_SETTING
from singer_tap_kit.tap import KitTap
from tap_usaspending_download.client import USAspendingApi
from tap_usaspending_download.columns import FileKind, downloads_for
from tap_usaspending_download.jobs import PENDING, Downloads
from tap_usaspending_download.streams import STREAM_TYPES, DownloadFileStream


class TapUSAspendingDownload(KitTap):
    """Extracts award summaries, transactions and subawards from USAspending downloads."""

    name = "tap-usaspending-download"
    service_name = "USAspending"
    # One journal per host and query, so runs with other filters never share one.
    journal_keys = ("api_url", "filters", "date_type")
    partition_noun = "download"

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
            "end_date",
            th.DateType,
            title="End date",
            description="Last day of the windows (default: today). For backfills of a "
            "bounded period, e.g. one fiscal year per partition.",
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
        th.Property(
            "journal_path",
            th.StringType,
            title="Job journal path",
            description="File keeping the file names of unfinished downloads, so a run "
            "that was stopped re-attaches to them. Default: ~/.cache/tap-usaspending-download/"
            "journal-<hash of api_url, filters and date_type>.json.",
        ),
        MAX_RETRY_WAIT_SETTING,
    ).to_dict()

    def check_settings(self) -> None:
        """Refuse settings that cannot work, before any request."""
        end = self.config.get("end_date")
        if end and str(end)[:10] < str(self.config["start_date"])[:10]:
            raise ConfigValidationError(
                "Invalid configuration", errors=["end_date: must not be before start_date"]
            )
        if "time_period" in (self.config.get("filters") or {}):
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
    def last_day(self) -> dt.date:
        """The windows' last day: end_date, never after today."""
        end = self.config.get("end_date")
        return min(dt.date.fromisoformat(str(end)[:10]), self.run_date) if end else self.run_date

    @cached_property
    def file_streams(self) -> list[DownloadFileStream]:
        streams = self.streams.values()
        return [s for s in streams if isinstance(s, DownloadFileStream) and s.selected]

    @cached_property
    def selected_kinds(self) -> list[FileKind]:
        return [stream.kind for stream in self.file_streams]

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
    def workdir(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="tap-usaspending-"))

    @cached_property
    def downloads(self) -> Downloads:
        """Every download of the run, resumed or created up front (on first use)."""
        downloads = Downloads(
            USAspendingApi(self.config["api_url"], self.retry_policy),
            self.config,
            levels=self.levels,
            columns=self.request_columns(),
            run_date=self.last_day,
            workdir=self.workdir,
            journal=self.journal,
            remember=self._remember,
        )
        stored = self.journal.read()
        readers: dict[str, list[DownloadFileStream]] = {}
        for stream in self.file_streams:
            readers.setdefault(self.download_of(stream), []).append(stream)
        for group, streams in readers.items():
            downloads.readers[group] = len(streams)
            bookmarks = [stream.bookmark for stream in streams]
            covered = None if None in bookmarks else min(t.cast(list[str], bookmarks))
            from_state = next(
                (s.stream_state[PENDING] for s in streams if PENDING in s.stream_state), []
            )
            downloads.plan(
                group,
                min(stream.first_day() for stream in streams),
                covered,
                stored.get(group) or from_state,
            )
        downloads.start()
        self.file_streams[0].write_state_now()  # the file names, before any polling
        return downloads

    def _remember(self, group: str, records: list[dict[str, t.Any]]) -> None:
        """Keep a download kind's unfinished file names in its streams' state; written
        at once when a new one appears mid-run (at start, once for all)."""
        new = False
        for stream in self.file_streams:
            if self.download_of(stream) != group:
                continue
            before = {r.get("id") for r in stream.stream_state.get(PENDING) or []}
            new = new or bool({r["id"] for r in records} - before)
            if records:
                stream.stream_state[PENDING] = records
            else:
                stream.stream_state.pop(PENDING, None)
        if new and "downloads" in self.__dict__:
            self.file_streams[0].write_state_now()

    def sync_all(self) -> None:
        try:
            super().sync_all()
        finally:
            if "workdir" in self.__dict__:
                shutil.rmtree(self.workdir, ignore_errors=True)


if __name__ == "__main__":
    TapUSAspendingDownload.cli()
