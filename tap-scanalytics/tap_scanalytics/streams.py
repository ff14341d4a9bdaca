"""Scanalytics streams: whoami, deployments, arrays and visit aggregates."""

from __future__ import annotations

import datetime as dt
import typing as t
from functools import cached_property
from zoneinfo import ZoneInfo

from singer_sdk import typing as th

from singer_bulk_export_kit.streams import ExtraFields, extra_property
from tap_scanalytics.buckets import to_utc, window_days, windows
from tap_scanalytics.client import ScanalyticsStream
from tap_scanalytics.errors import ScanalyticsError, UnknownArrayError

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

DEFAULT_DAYS_BACK = 7  # first sync without start_date
EXTRA = extra_property("Fields the API sent that the schema does not declare.")


def _strings(*names: str) -> list[th.Property]:
    return [th.Property(name, th.StringType) for name in names]


class TolerantStream(ScanalyticsStream):
    """Keeps undeclared fields in ``_extra`` (left out when there are none)."""

    @cached_property
    def extra_fields(self) -> ExtraFields:
        return ExtraFields(self.schema["properties"], self.name, self.logger)

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        return self.extra_fields.split(row)


class WhoamiStream(TolerantStream):
    name = "whoami"
    path = "/v1/whoami"
    primary_keys = ("email",)
    records_jsonpath = "$"
    schema = th.PropertiesList(
        th.Property("email", th.StringType, required=True),
        *_strings("firstName", "lastName", "timezone"),
        EXTRA,
    ).to_dict()


class DeploymentsStream(TolerantStream):
    name = "deployments"
    path = "/v1/deployment/list"
    primary_keys = ("key",)
    schema = th.PropertiesList(
        th.Property("key", th.StringType, required=True),
        *_strings("name", "timezone"),
        th.Property(
            "arrays",
            th.ArrayType(th.ObjectType(*_strings("key", "name"), additional_properties=True)),
        ),
        EXTRA,
    ).to_dict()


class ArraysStream(DeploymentsStream):
    """One row per array, with its deployment (the same request as deployments)."""

    name = "arrays"
    schema = th.PropertiesList(
        th.Property("key", th.StringType, required=True),
        *_strings("name"),
        th.Property("deployment_key", th.StringType, required=True),
        th.Property("deployment_timezone", th.StringType),
        EXTRA,
    ).to_dict()

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        keys = []
        for deployment in response.json():
            for array in deployment.get("arrays") or []:
                keys.append(array.get("key"))
                yield {
                    **array,
                    "deployment_key": deployment.get("key"),
                    "deployment_timezone": deployment.get("timezone"),
                }
        # The visits partitions reuse this list instead of asking again (budget).
        self.tap.listed_array_keys = keys


class VisitsStream(TolerantStream):
    """Visit counts per bucket, per array; incremental on the bucket start (UTC)."""

    name = "visits"
    primary_keys = ("array_key", "bucket", "start")
    replication_key = "start"
    is_sorted = True  # buckets come in time order, window after window
    # No explicit state_partitioning_keys: the SDK would then treat the stream as unsorted
    # (bookmarks held back as progress markers until each array completes).
    schema = th.PropertiesList(
        th.Property("array_key", th.StringType, required=True),
        th.Property("bucket", th.StringType, required=True),
        th.Property("start", th.DateTimeType, required=True, description="Bucket start, UTC."),
        th.Property("end", th.DateTimeType, description="Bucket end, UTC."),
        th.Property("visits", th.IntegerType),
        th.Property("timezone", th.StringType, description="Zone the buckets were cut in."),
        EXTRA,
    ).to_dict()

    @property
    def path(self) -> str:  # type: ignore[override]
        return "/v1/aggregate/{array_key}/visits/" + self.config["bucket"]

    @property
    def partitions(self) -> list[dict[str, str]]:
        return [{"array_key": key} for key in self.tap.array_keys()]

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {
            "start": context["start"],
            "end": context["end"],
            "timezone": self.config["timezone"],
        }

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        zone = ZoneInfo(self.config["timezone"])
        since = self.get_starting_timestamp(context)
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        first = since or self.tap.run_started - dt.timedelta(days=DEFAULT_DAYS_BACK)
        until = self.tap.end_bound
        days = window_days(self.config["bucket"])
        try:
            for start, end in windows(first, until, zone, days):
                previous = None
                for row in super().get_records({**context, "start": start, "end": end}):
                    try:
                        row["start"] = previous = to_utc(row["start"], zone, previous)
                        if row.get("end"):
                            row["end"] = to_utc(row["end"], zone, row["start"]).isoformat()
                    except (KeyError, TypeError, ValueError) as exc:
                        raise ScanalyticsError(
                            f"Array {context['array_key']}: a visits bucket from {start} to "
                            f"{end} has no readable start/end ({type(exc).__name__}: {exc})"
                        ) from exc
                    # Windows start at local midnight; buckets before the bookmark were
                    # emitted already (the bookmark's own bucket comes again, updated).
                    if first <= row["start"] < until:
                        row["start"] = row["start"].isoformat()
                        yield row
        except UnknownArrayError as exc:
            self.tap.record_failure(context["array_key"], str(exc))

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        row = super().post_process(row, context) or row
        row["array_key"] = context["array_key"]
        row["bucket"] = self.config["bucket"]
        row["timezone"] = self.config["timezone"]
        return row


STREAM_TYPES = (WhoamiStream, DeploymentsStream, ArraysStream, VisitsStream)
