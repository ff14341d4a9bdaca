"""Scantrust streams: codes (async search tasks + zipped CSV), products, scans."""

from __future__ import annotations

import datetime as dt
import tempfile
import typing as t
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from singer_sdk.pagination import BaseHATEOASPaginator, OffsetPaginator
from singer_sdk.streams.rest import HTTPRequest, PageContext

from singer_tap_kit.downloads import Download, download
from singer_tap_kit.streams import JobStream
from singer_tap_kit.windows import TimeWindow, iso_utc, split_time
from tap_scantrust import schemas
from tap_scantrust.client import ScantrustApi, ScantrustStream, auth_headers
from tap_scantrust.code_rows import read_codes
from tap_scantrust.errors import CampaignError
from tap_scantrust.jobs import PENDING_JOBS, CodeSearches, group_of

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from singer_tap_kit.jobs import Job

DOWNLOAD_ATTEMPTS = 3  # each with a fresh single-use link


def _campaign_partitions(config: t.Mapping[str, t.Any]) -> list[dict[str, int]]:
    return [{"campaign_id": int(c)} for c in config["campaign_ids"]]


class CodesStream(JobStream, ScantrustStream):
    """Every code of each campaign (first sync), then the codes changed since."""

    name = "codes"
    path = "/api/v2/codes/download/"
    permission = "codes_view"
    primary_keys = ("extended_id", "campaign_id")
    replication_key = "changed_before"
    is_sorted = False  # the bookmark moves only once a window was emitted in full
    state_partitioning_keys: t.ClassVar[list[str]] = ["campaign_id"]

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._searches: CodeSearches | None = None

    @cached_property
    def schema(self) -> dict[str, t.Any]:  # type: ignore[override]
        # Built once: the SDK reads the schema for every record.
        return schemas.codes_schema(self.config.get("scm_fields") or [])

    @property
    def partitions(self) -> list[dict[str, int]]:
        return _campaign_partitions(self.config)

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        searches = self._code_searches()
        group = group_of(context["campaign_id"])
        yield from self.job_rows(
            searches.orchestrator,
            group,
            self.get_context_state(context),
            self._rows_of,
            bookmark_of=lambda job: job.window["end"],
        )

    def _code_searches(self) -> CodeSearches:
        """Every campaign's search tasks, resumed or created up front (first call only)."""
        if self._searches is None:
            journal = self._tap.journal
            searches = CodeSearches(
                ScantrustApi(self), self.config, journal=journal, remember=self._remember
            )
            stored = journal.read()
            for context in self.partitions:
                # The SDK seeds a partition's state only when that partition starts;
                # every campaign is planned now, so read the bookmarks directly.
                state = self.get_context_state(context)
                group = group_of(context["campaign_id"])
                searches.plan(
                    context["campaign_id"],
                    state.get("replication_key_value"),
                    stored.get(group) or state.get(PENDING_JOBS) or [],
                )
            searches.start()
            self._searches = searches
            self.write_state_now()  # the task keys, before any polling
        return self._searches

    def _remember(self, group: str, records: list[dict[str, t.Any]]) -> None:
        """Keep a campaign's unfinished task keys in its state (written when new ones
        appear mid-run; at start, once for all)."""
        campaign_id = int(group.rsplit(" ", 1)[-1])
        state = self.get_context_state({"campaign_id": campaign_id})
        before = {r.get("id") for r in state.get(PENDING_JOBS) or []}
        if records:
            state[PENDING_JOBS] = records
        else:
            state.pop(PENDING_JOBS, None)
        if self._searches is not None and {r["id"] for r in records} - before:
            self.write_state_now()

    def _rows_of(self, job: Job) -> t.Iterator[dict[str, t.Any]]:
        searches = self._code_searches()
        campaign_id = int(job.params["campaign"])
        path = download(
            Download(
                label=f"Campaign {campaign_id}, document {job.id}",
                link=lambda _attempt: searches.api.download_link(job),
                workdir=Path(tempfile.gettempdir()),
                suffix=".zip",
                attempts=DOWNLOAD_ATTEMPTS,
                auth_host=urlsplit(self.url_base).netloc,
                auth_headers=auth_headers(self.config),
            )
        )
        try:
            yield from read_codes(path, campaign_id, job.window["end"])
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


class _NextLinkPaginator(BaseHATEOASPaginator):
    def get_next_url(self, response: requests.Response) -> str | None:
        return response.json().get("next")


class ScansStream(ScantrustStream):
    """Scans per campaign, in date_from/date_to windows from the bookmark."""

    name = "scans"
    path = "/api/v2/dashboard/scans/"
    permission = "scans_download"
    primary_keys = ("scan_uuid",)
    replication_key = "scanned_at"
    is_sorted = False
    records_jsonpath = "$.results[*]"
    schema = schemas.SCANS
    state_partitioning_keys: t.ClassVar[list[str]] = ["campaign_id"]
    page_size = 1000

    @property
    def partitions(self) -> list[dict[str, int]]:
        return _campaign_partitions(self.config)

    def get_new_paginator(self) -> _NextLinkPaginator:
        return _NextLinkPaginator()

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        if page.next_page_token is not None:
            # Follow `next` exactly as given: the cursor must not be re-encoded.
            return HTTPRequest(url=page.next_page_token.geturl(), headers=self.http_headers)
        return super().get_http_request(page=page)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {
            "page_mode": "cursor",
            "campaign": context["campaign_id"],
            "limit": self.page_size,
        }
        if context.get("date_from"):
            params["date_from"] = context["date_from"]
        params["date_to"] = context["date_to"]
        return params

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        start = self.get_starting_timestamp(context)
        step = dt.timedelta(days=float(self.config["window_days"]))
        windows = split_time(start, now, step) if start else [TimeWindow(None, now)]
        try:
            for window in windows:
                window_context = {
                    **context,
                    "date_from": iso_utc(window.start) if window.start else None,
                    "date_to": iso_utc(window.end),
                }
                yield from super().get_records(window_context)
        except CampaignError as exc:
            self.get_context_state(context).pop("progress_markers", None)
            self._tap.record_failure(f"campaign {context['campaign_id']} (scans)", str(exc))

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        scan = row.get("scan") or {}
        row["scan_uuid"] = scan.get("uuid")
        row["scanned_at"] = scan.get("datetime")
        row["campaign_id"] = context["campaign_id"]
        return row


STREAM_TYPES = (CodesStream, ProductsStream, ScansStream)
