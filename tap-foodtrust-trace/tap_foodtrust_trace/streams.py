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


class PayloadRows(TraceSectionStream):
    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        # content is documented as a string; keep it one even if JSON arrives
        if row["content"] is not None and not isinstance(row["content"], str):
            row["content"] = str(row["content"])
        return row


class SequenceRows(TraceSectionStream):
    def rows(self, trace_id: str, trace: dict[str, t.Any]) -> t.Iterator[dict[str, t.Any]]:
        return parse.sequences(trace_id, trace)


def section_stream(name: str, base: type = TraceSectionStream) -> type[TraceSectionStream]:
    """The stream of one trace section: keyed by the trace and the entry's id column (the
    second column of its schema; sequences by their edge)."""
    schema = getattr(schemas, name.upper())
    keys = ("kind", "source", "target") if name == "sequences" else list(schema["properties"])[1:2]
    attributes = {"name": name, "schema": schema, "primary_keys": ("trace_product_id", *keys)}
    class_name = "".join(word.title() for word in name.split("_")) + "Stream"
    return type(class_name, (base,), attributes)


STREAM_TYPES = (
    TracesStream,
    *map(section_stream, ("events", "facilities")),
    section_stream("payloads", PayloadRows),
    *map(section_stream, ("product_instances", "products")),
    section_stream("sequences", SequenceRows),
)
