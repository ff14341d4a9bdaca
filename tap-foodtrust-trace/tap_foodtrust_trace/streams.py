"""Streams: ``traces`` fetches one trace per product id (one request each); the six
section streams are its children and read the trace it just fetched, so a run
makes exactly one Trace API call per product id whatever is selected."""

from __future__ import annotations

import typing as t

from singer_sdk import Stream

from singer_bulk_export_kit.errors import AnswerError
from singer_bulk_export_kit.sdk_overrides import KitStream
from tap_foodtrust_trace import parse, schemas
from tap_foodtrust_trace.client import TraceApiStream, product_id_of
from tap_foodtrust_trace.errors import TraceRequestError, UnknownProductError

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context


class TracesStream(TraceApiStream):
    """One row per traced product id, with the size of each section."""

    name = "traces"
    path = "/ift/api/outbound/v1/traces"
    primary_keys = ("trace_product_id",)
    schema = schemas.TRACES
    records_jsonpath = "$"  # the answer is one object (checked by the kit's HTTP layer)
    current: tuple[str, dict[str, t.Any]] | None = None  # the trace the children read

    @property
    def partitions(self) -> list[dict[str, str]]:
        return [{"trace_product_id": pid} for pid in self.tap.product_ids]

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {"productId": context["trace_product_id"]}

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        try:
            yield from super().get_records(context)
        except (UnknownProductError, TraceRequestError, AnswerError) as exc:
            self.tap.record_failure(context["trace_product_id"], str(exc))

    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        product_id = product_id_of(response)
        payload = response.json()  # an object, strict UTF-8: checked by the kit already
        if product_id not in payload:
            self.logger.warning(
                "The trace answer for %s is not keyed by that id (keys: %s)",
                product_id,
                ", ".join(sorted(payload)) or "none",
            )
        trace = parse.trace_body(payload, product_id)
        self.current = (product_id, trace)
        yield parse.summary(product_id, payload, trace)


class TraceSectionStream(KitStream, Stream):
    """A section of the trace the parent stream just fetched."""

    parent_stream_type = TracesStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["trace_product_id"]

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        current = self.tap.streams["traces"].current
        if current is not None and current[0] == context["trace_product_id"]:
            yield from self.rows(*current)

    def rows(self, trace_id: str, trace: dict[str, t.Any]) -> t.Iterator[dict[str, t.Any]]:
        return parse.entry_rows(trace_id, trace, self.name, list(self.schema["properties"]))


class EventsStream(TraceSectionStream):
    name = "events"
    primary_keys = ("trace_product_id", "event_id")
    schema = schemas.EVENTS


class FacilitiesStream(TraceSectionStream):
    name = "facilities"
    primary_keys = ("trace_product_id", "facility_id")
    schema = schemas.FACILITIES


class PayloadsStream(TraceSectionStream):
    name = "payloads"
    primary_keys = ("trace_product_id", "payload_id")
    schema = schemas.PAYLOADS

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        # content is documented as a string; keep it one even if JSON arrives
        if row["content"] is not None and not isinstance(row["content"], str):
            row["content"] = str(row["content"])
        return row


class ProductInstancesStream(TraceSectionStream):
    name = "product_instances"
    primary_keys = ("trace_product_id", "product_instance_id")
    schema = schemas.PRODUCT_INSTANCES


class ProductsStream(TraceSectionStream):
    name = "products"
    primary_keys = ("trace_product_id", "product_id")
    schema = schemas.PRODUCTS


class SequencesStream(TraceSectionStream):
    name = "sequences"
    primary_keys = ("trace_product_id", "kind", "source", "target")
    schema = schemas.SEQUENCES

    def rows(self, trace_id: str, trace: dict[str, t.Any]) -> t.Iterator[dict[str, t.Any]]:
        return parse.sequences(trace_id, trace)


STREAM_TYPES = (
    TracesStream,
    EventsStream,
    FacilitiesStream,
    PayloadsStream,
    ProductInstancesStream,
    ProductsStream,
    SequencesStream,
)
