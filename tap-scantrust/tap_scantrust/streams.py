"""Scantrust streams: codes (async search tasks + zipped CSV), products, scans."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import typing as t
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from singer_sdk.pagination import OffsetPaginator
from singer_sdk.streams.rest import HTTPRequest, PageContext

from singer_bulk_export_kit.downloads import Download, download
from singer_bulk_export_kit.jobs import JobOrchestrator
from singer_bulk_export_kit.streams import JobStream
from singer_bulk_export_kit.windows import iso_utc, split_time
from tap_scantrust import schemas
from tap_scantrust.client import ScantrustApi, ScantrustStream, auth_headers
from tap_scantrust.code_rows import read_codes
from tap_scantrust.errors import CampaignError
from tap_scantrust.jobs import CodeSearchApi, group_of, search_params, search_windows

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from singer_bulk_export_kit.jobs import Job


class _PerCampaign:
    state_partitioning_keys: t.ClassVar[list[str]] = ["campaign_id"]

    @property
    def partitions(self) -> list[dict[str, int]]:
        return [{"campaign_id": int(c)} for c in self.config["campaign_ids"]]  # type: ignore[attr-defined]


class CodesStream(_PerCampaign, JobStream, ScantrustStream):
    """Every code of each campaign (first sync), then the codes changed since."""

    name = "codes"
    permission = "codes_view"
    primary_keys = ("extended_id", "campaign_id")
    replication_key = "changed_before"
    is_sorted = False  # the bookmark moves only once a window was emitted in full
    declared_rows_field = "row_count"  # the document's count of the codes found

    @cached_property
    def schema(self) -> dict[str, t.Any]:  # type: ignore[override]
        # Built once: the SDK reads the schema for every record.
        return schemas.codes_schema(self.config.get("scm_fields") or [])

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        yield from self.job_rows(
            self.code_searches,
            group_of(context["campaign_id"]),
            self.get_context_state(context),
            self._rows_of,
            bookmark_of=lambda job: job.window["end"],
        )

    @cached_property
    def code_searches(self) -> JobOrchestrator:
        """Every campaign's search tasks, re-attached or created up front (on first use)."""
        config, now = self.config, dt.datetime.now(dt.UTC).replace(microsecond=0)
        searches = JobOrchestrator(
            CodeSearchApi(ScantrustApi(self)),
            poll_interval=float(config["poll_interval_seconds"]),
            timeout=float(config["job_timeout_seconds"]),
            journal=self.tap.journal,
            write_state=self.write_state_now,
        )
        for context in self.partitions:
            # The SDK seeds a partition's state only when that partition starts;
            # every campaign is planned now, so read the bookmarks directly.
            campaign_id, state = context["campaign_id"], self.get_context_state(context)
            bookmark = state.get("replication_key_value")
            searches.plan(
                group_of(campaign_id),
                [state],
                bookmark=bookmark,
                params_of=functools.partial(search_params, config, campaign_id),
                windows_after=functools.partial(search_windows, config, now, bookmark),
            )
        searches.start()
        return searches

    def _rows_of(self, job: Job) -> t.Iterator[dict[str, t.Any]]:
        campaign_id = int(job.params["campaign"])
        path = download(
            Download(
                label=f"Campaign {campaign_id}, document {job.id}",
                link=lambda _attempt: self.code_searches.api.download_link(job),
                workdir=Path(tempfile.gettempdir()),
                suffix=".zip",
                attempts=3,  # each with a fresh single-use link
                auth_host=urlsplit(self.url_base).netloc,
                auth_headers=auth_headers(self.config),
            )
        )
        try:
            yield from read_codes(path, campaign_id, job.window["end"], self.row_tally)
        finally:
            path.unlink(missing_ok=True)


class _ProductsPaginator(OffsetPaginator):
    def has_more(self, response: requests.Response) -> bool:
        return bool(response.json().get("next"))


class ProductsStream(ScantrustStream):
    """All products (full table), paged with limit/offset."""

    name = "products"
    path = "/api/v2/products/"
    permission = "product_view"
    primary_keys = ("id",)
    records_jsonpath = "$.results[*]"
    schema = schemas.PRODUCTS
    page_size = 100

    def get_new_paginator(self) -> _ProductsPaginator:
        return _ProductsPaginator(start_value=0, page_size=self.page_size)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {"limit": self.page_size, "offset": next_page_token or 0}


class ScansStream(_PerCampaign, ScantrustStream):
    """Scans per campaign, in date_from/date_to windows from the bookmark."""

    name = "scans"
    path = "/api/v2/dashboard/scans/"
    permission = "scans_download"
    primary_keys = ("scan_uuid",)
    replication_key = "scanned_at"
    is_sorted = False
    records_jsonpath = "$.results[*]"
    schema = schemas.SCANS
    page_size = 1000
    next_page_token_jsonpath = "$.next"  # the next page's URL

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        if page.next_page_token is not None:
            # Follow `next` exactly as given: the cursor must not be re-encoded.
            return HTTPRequest(url=page.next_page_token, headers=self.http_headers)
        return super().get_http_request(page=page)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {
            "page_mode": "cursor",
            "campaign": context["campaign_id"],
            "limit": self.page_size,
            "date_from": context["date_from"],  # None (left out) on a first sync
            "date_to": context["date_to"],
        }

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        step = dt.timedelta(days=float(self.config["window_days"]))
        try:
            for window in split_time(self.get_starting_timestamp(context), now, step):
                window_context = {
                    **context,
                    "date_from": iso_utc(window.start) if window.start else None,
                    "date_to": iso_utc(window.end),
                }
                yield from super().get_records(window_context)
        except CampaignError as exc:
            self.get_context_state(context).pop("progress_markers", None)
            self.tap.record_failure(f"campaign {context['campaign_id']} (scans)", str(exc))

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        scan = row.get("scan") or {}
        row["scan_uuid"] = scan.get("uuid")
        row["scanned_at"] = scan.get("datetime")
        row["campaign_id"] = context["campaign_id"]
        return row


STREAM_TYPES = (CodesStream, ProductsStream, ScansStream)
