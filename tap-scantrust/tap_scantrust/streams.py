"""Scantrust streams: codes (async search tasks + zipped CSV), products, scans."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import typing as t
from functools import cached_property
from pathlib import Path

from singer_sdk.pagination import BaseHATEOASPaginator, OffsetPaginator
from singer_sdk.streams.rest import HTTPRequest, PageContext

from tap_scantrust import schemas
from tap_scantrust.client import ScantrustStream
from tap_scantrust.code_rows import read_codes
from tap_scantrust.code_search import SearchPlan
from tap_scantrust.download import download_document
from tap_scantrust.errors import CampaignError
from tap_scantrust.speed import CONFORMANCE, FastRecordMessages
from tap_scantrust.windows import Window, iso, parse, split

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context


def _campaign_partitions(config: t.Mapping[str, t.Any]) -> list[dict[str, int]]:
    return [{"campaign_id": int(c)} for c in config["campaign_ids"]]


class CodesStream(FastRecordMessages, ScantrustStream):
    """Every code of each campaign (first sync), then the codes changed since."""

    name = "codes"
    path = "/api/v2/codes/download/"
    permission = "codes_view"
    primary_keys = ("extended_id", "campaign_id")
    replication_key = "changed_before"
    is_sorted = False  # the bookmark moves only once a window was emitted in full
    state_partitioning_keys: t.ClassVar[list[str]] = ["campaign_id"]
    TYPE_CONFORMANCE_LEVEL = CONFORMANCE  # rows are typed by the tap already

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._plan: SearchPlan | None = None
        self._workdir: Path | None = None

    @cached_property
    def schema(self) -> dict[str, t.Any]:  # type: ignore[override]
        # Built once: the SDK reads the schema for every record.
        return schemas.codes_schema(self.config.get("scm_fields") or [])

    @property
    def partitions(self) -> list[dict[str, int]]:
        return _campaign_partitions(self.config)

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        campaign_id = context["campaign_id"]
        plan = self._search_plan()
        state = self.get_context_state(context)
        try:
            for task in plan.tasks[campaign_id]:
                plan.wait(task)
                path = download_document(self, task.key, campaign_id, self._workdir)
                try:
                    yield from read_codes(path, campaign_id, iso(task.window.end))
                finally:
                    path.unlink(missing_ok=True)
                # Every row of this window (and of the ones before) was emitted: the
                # bookmark may move to its end, never further.
                state["replication_key"] = self.replication_key
                state["replication_key_value"] = iso(task.window.end)
        except CampaignError as exc:
            # Rows already emitted stay; the bookmark stays at the last whole window.
            state.pop("progress_markers", None)
            self._tap.record_failure(f"campaign {campaign_id}", str(exc))

    def _increment_stream_state(self, latest_record: dict, *, context: t.Any = None) -> None:
        """No per-record bookkeeping: the bookmark is set once per finished window."""

    def _search_plan(self) -> SearchPlan:
        """Create every campaign's search tasks at once (first call only)."""
        if self._plan is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="tap-scantrust-"))
            self._plan = SearchPlan(
                self,
                poll_interval=float(self.config["poll_interval_seconds"]),
                timeout=float(self.config["job_timeout_seconds"]),
            )
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            filters = self._filters()
            for context in self.partitions:
                # The SDK only seeds a partition's starting value when that partition
                # starts; every campaign is planned now, so read the bookmarks directly.
                bookmark = self.get_context_state(context).get("replication_key_value")
                windows = self._windows(bookmark, now)
                self._plan.create(context["campaign_id"], windows, filters)
            created = sum(1 for tasks in self._plan.tasks.values() for task in tasks if task.key)
            self.logger.info("Created %d code search task(s); polling them together", created)
        return self._plan

    def _windows(self, bookmark: str | None, now: dt.datetime) -> list[Window]:
        if bookmark:
            start = parse(bookmark) - dt.timedelta(days=float(self.config["lookback_days"]))
        elif self.config.get("start_date"):
            start = parse(self.config["start_date"])
        else:
            return [Window(None, now)]  # first sync: every code, activated or not
        return split(start, now, float(self.config["window_days"]))

    def _filters(self) -> dict[str, t.Any]:
        """The configured filters under the current API names (``updated_at`` is one too)."""
        filters: dict[str, t.Any] = {}
        if self.config.get("activation_status") is not None:
            filters["status"] = self.config["activation_status"]
        if self.config.get("product_id") is not None:
            filters["products"] = self.config["product_id"]
        for key, value in (self.config.get("scm_filters") or {}).items():
            filters[f"scm_{key}"] = value
        return filters

    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        super().finalize_state_progress_markers(state)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)


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
        windows = (
            split(start, now, float(self.config["window_days"])) if start else [Window(None, now)]
        )
        try:
            for window in windows:
                window_context = {
                    **context,
                    "date_from": iso(window.start) if window.start else None,
                    "date_to": iso(window.end),
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
