"""Scanalytics streams: whoami, deployments, arrays and visit aggregates."""

from __future__ import annotations

import datetime as dt
import typing as t
from zoneinfo import ZoneInfo

from singer_sdk import typing as th

from tap_scanalytics.client import ScanalyticsStream
from tap_scanalytics.errors import UnknownArrayError

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

MAX_WINDOW_DAYS = 31  # the API refuses longer windows with 400
EXTRA = th.Property(
    "_extra",
    th.ObjectType(additional_properties=True),
    description="Fields the API sent that the schema does not declare.",
)


class TolerantStream(ScanalyticsStream):
    """Keeps undeclared fields in ``_extra`` instead of dropping them."""

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        known = self.schema["properties"]
        extra = {k: row.pop(k) for k in list(row) if k not in known}
        if extra:
            row["_extra"] = extra
        return row


class WhoamiStream(TolerantStream):
    name = "whoami"
    path = "/v1/whoami"
    primary_keys = ("email",)
    records_jsonpath = "$"
    schema = th.PropertiesList(
        th.Property("email", th.StringType, required=True),
        th.Property("firstName", th.StringType),
        th.Property("lastName", th.StringType),
        th.Property("timezone", th.StringType),
        EXTRA,
    ).to_dict()


class DeploymentsStream(TolerantStream):
    name = "deployments"
    path = "/v1/deployment/list"
    primary_keys = ("key",)
    records_jsonpath = "$[*]"
    schema = th.PropertiesList(
        th.Property("key", th.StringType, required=True),
        th.Property("name", th.StringType),
        th.Property("timezone", th.StringType),
        th.Property(
            "arrays",
            th.ArrayType(
                th.ObjectType(
                    th.Property("key", th.StringType),
                    th.Property("name", th.StringType),
                    additional_properties=True,
                )
            ),
        ),
        EXTRA,
    ).to_dict()


class ArraysStream(TolerantStream):
    """One row per array, with its deployment."""

    name = "arrays"
    path = "/v1/deployment/list"
    primary_keys = ("key",)
    records_jsonpath = "$[*]"
    schema = th.PropertiesList(
        th.Property("key", th.StringType, required=True),
        th.Property("name", th.StringType),
        th.Property("deployment_key", th.StringType, required=True),
        th.Property("deployment_timezone", th.StringType),
        EXTRA,
    ).to_dict()

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        for deployment in response.json():
            for array in deployment.get("arrays") or []:
                yield {
                    **array,
                    "deployment_key": deployment.get("key"),
                    "deployment_timezone": deployment.get("timezone"),
                }


class VisitsStream(TolerantStream):
    """Visit counts per bucket, per array; incremental on the bucket start (UTC)."""

    name = "visits"
    primary_keys = ("array_key", "bucket", "start")
    replication_key = "start"
    is_sorted = True  # buckets come in time order, window after window
    records_jsonpath = "$[*]"
    state_partitioning_keys: t.ClassVar[list[str]] = ["array_key"]
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
        return [{"array_key": key} for key in self._tap.array_keys()]

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {
            "start": context["start"],
            "end": context["end"],
            "timezone": self.config["timezone"],
        }

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        zone = ZoneInfo(self.config["timezone"])
        since = self.get_starting_timestamp(context)
        try:
            for start, end in self._windows(context, zone):
                window = {**context, "start": start, "end": end}
                for row in super().get_records(window):
                    # Windows start at local midnight; buckets before the bookmark were
                    # emitted already (the bookmark's own bucket comes again, updated).
                    moment = dt.datetime.fromisoformat(row["start"])
                    if (since is None or moment >= since) and moment < self._tap.end_bound:
                        yield row
        except UnknownArrayError as exc:
            self._tap.record_failure(context["array_key"], str(exc))

    def _windows(self, context: Context, zone: ZoneInfo) -> t.Iterator[tuple[str, str]]:
        """Local-midnight-aligned windows of at most 31 days (midnight is never a
        DST gap or overlap in zones that change at night), from the bookmark."""
        since = self.get_starting_timestamp(context) or dt.datetime.now(dt.UTC) - dt.timedelta(
            days=7
        )
        local_day = since.astimezone(zone).date()
        today = self._tap.run_started.astimezone(zone).date() + dt.timedelta(days=1)
        while local_day < today:
            upper = min(local_day + dt.timedelta(days=MAX_WINDOW_DAYS), today)
            yield (f"{local_day.isoformat()}T00:00:00", f"{upper.isoformat()}T00:00:00")
            local_day = upper

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        zone = ZoneInfo(self.config["timezone"])
        row = super().post_process(row, context) or row
        row["array_key"] = context["array_key"]
        row["bucket"] = self.config["bucket"]
        row["timezone"] = self.config["timezone"]
        for key in ("start", "end"):
            if row.get(key):
                moment = dt.datetime.fromisoformat(row[key])
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=zone)  # a zone-less answer is local time
                row[key] = moment.astimezone(dt.UTC).isoformat()
        return row


STREAM_TYPES = (WhoamiStream, DeploymentsStream, ArraysStream, VisitsStream)
