"""tap-usaspending-download: USAspending award and transaction downloads -> Singer."""

import datetime as dt
import shutil
import tempfile
from functools import cached_property
from pathlib import Path

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from singer_bulk_export_kit.http import MAX_RETRY_WAIT_SETTING
from singer_bulk_export_kit.tap import KitTap, described_settings
from singer_bulk_export_kit.windows import DateWindow
from tap_usaspending_download.client import USAspendingApi
from tap_usaspending_download.columns import downloads_for
from tap_usaspending_download.jobs import Downloads, count_answer
from tap_usaspending_download.streams import STREAM_TYPES, DownloadFileStream

DATE_TYPES = ["action_date", "last_modified_date"]
# Each setting's title and description come from settings.toml (prose kept as data).
setting = described_settings(__package__)


class TapUSAspendingDownload(KitTap):
    """Extracts award summaries, transactions and subawards from USAspending downloads."""

    name = "tap-usaspending-download"
    service_name = "USAspending"
    # One journal per host and query, so runs with other filters never share one.
    journal_keys = ("api_url", "filters", "date_type")
    partition_noun = "download"

    config_jsonschema = th.PropertiesList(
        setting("api_url", th.StringType, default="https://api.usaspending.gov"),
        setting("filters", th.ObjectType(additional_properties=True), default={}),
        setting(
            "date_type", th.StringType(allowed_values=DATE_TYPES), default="last_modified_date"
        ),
        setting("start_date", th.DateType, required=True),
        setting("end_date", th.DateType),
        setting("window_days", th.IntegerType(minimum=1), default=30),
        setting("columns", th.ArrayType(th.StringType)),
        setting("poll_interval_seconds", th.NumberType(exclusive_minimum=0), default=10),
        setting("job_timeout_seconds", th.NumberType(exclusive_minimum=0), default=3600),
        setting("download_attempts", th.IntegerType(minimum=1), default=3),
        setting("journal_path", th.StringType),
        MAX_RETRY_WAIT_SETTING,
    ).to_dict()

    def check_settings(self) -> None:
        errors = []
        end = self.config.get("end_date")
        if end and str(end)[:10] < str(self.config["start_date"])[:10]:
            errors.append("end_date: must not be before start_date")
        if "time_period" in (self.config.get("filters") or {}):
            errors.append(
                "filters: leave out time_period; the tap sets it per window from "
                "start_date (then the bookmark), window_days and date_type"
            )
        if errors:
            raise ConfigValidationError("Invalid configuration", errors=errors)

    def check_connection(self) -> None:
        """The host and the filters: one day's award count (``download/count``, a read;
        the API has no credentials)."""
        day = dt.date.fromisoformat(str(self.config["start_date"])[:10])
        api = USAspendingApi(self.config["api_url"], self.retry_policy)
        count_answer(api, self.config, DateWindow(day, day), "awards")

    def discover_streams(self) -> list:
        return [cls(tap=self) for cls in STREAM_TYPES]

    @cached_property
    def file_streams(self) -> list[DownloadFileStream]:
        return [s for s in self.streams.values() if s.selected]  # type: ignore[misc]

    @cached_property
    def download_of(self) -> dict[str, str]:
        """``awards`` or ``transactions`` by stream name: the download whose zip it reads."""
        return downloads_for([stream.kind for stream in self.file_streams])

    @cached_property
    def workdir(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="tap-usaspending-"))

    @cached_property
    def downloads(self) -> Downloads:
        """Every download of the run, resumed or created up front (on first use)."""
        return Downloads(self)  # it emits the state (the file names) before any polling

    def sync_all(self) -> None:
        try:
            super().sync_all()
        finally:
            if "workdir" in self.__dict__:
                shutil.rmtree(self.workdir, ignore_errors=True)
