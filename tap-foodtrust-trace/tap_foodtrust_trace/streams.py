"""Streams: ``traces`` fetches one trace per product id (one request each); the six
section streams are its children and read the trace it just fetched, so a run
makes exactly one Trace API call per product id whatever is selected."""

from __future__ import annotations

import typing as t
from http import HTTPStatus

import requests
from singer_sdk import Stream
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.streams import RESTStream

from tap_foodtrust_trace import parse, schemas
from tap_foodtrust_trace.errors import AuthenticationError, TraceRequestError, UnknownProductError
from tap_foodtrust_trace.retry_after import retry_after_seconds

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

MAX_BACKOFF_SECONDS = 60.0


class TracesStream(RESTStream):
    """One row per traced product id, with the size of each section."""

    name = "traces"
    path = "/ift/api/outbound/v1/traces"
    primary_keys = ("trace_product_id",)
    schema = schemas.TRACES
    records_jsonpath = "$"

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.current: tuple[str, dict[str, t.Any]] | None = None  # for the children
        self._renewed_for: str | None = None

    @property
    def url_base(self) -> str:
        return self.config["api_url"].rstrip("/")

    @property
    def authenticator(self) -> t.Any:
        return self._tap.authenticator  # one token for every request of the run

    @property
    def http_headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", **super().http_headers}
        if self.config.get("bypass_cache"):
            headers["X-ApiCache-Bypass"] = "true"
        return headers

    @property
    def partitions(self) -> list[dict[str, str]]:
        return [{"trace_product_id": pid} for pid in self._tap.product_ids]

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {"productId": context["trace_product_id"]}

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        product_id = context["trace_product_id"]
        try:
            yield from super().get_records(context)
        except UnknownProductError as exc:
            self._tap.record_failure(product_id, str(exc))
        except TraceRequestError as exc:
            self._tap.record_failure(product_id, str(exc))

    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        product_id = _product_id_of(response)
        try:
            payload = response.json()
        except ValueError as exc:
            raise TraceRequestError(
                f"The trace of {product_id} is not valid JSON ({exc})."
            ) from exc
        if not isinstance(payload, dict):
            raise TraceRequestError(f"The trace of {product_id} is not a JSON object.")
        if product_id not in payload:
            self.logger.warning(
                "The trace answer for %s is not keyed by that id (keys: %s)",
                product_id,
                ", ".join(sorted(payload)) or "none",
            )
        trace = parse.trace_body(payload, product_id)
        self.current = (product_id, trace)
        yield parse.summary(product_id, payload, trace)

    def get_child_context(self, record: dict, context: Context | None) -> dict[str, t.Any]:
        return {"trace_product_id": record["trace_product_id"]}

    # -- errors and retries -----------------------------------------------------
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        product_id = _product_id_of(response)
        if status == HTTPStatus.UNAUTHORIZED:
            authenticator = self.authenticator
            if authenticator.renewable and self._renewed_for != product_id:
                self._renewed_for = product_id  # renew once per request, not forever
                authenticator.invalidate()
                raise RetriableAPIError("401: the Food Trust token was refused; renewing", response)
            raise AuthenticationError(
                "The Trace API refused the token (HTTP 401). "
                + (
                    "Check ift_token: it may be expired or for another environment."
                    if not authenticator.renewable
                    else "A freshly exchanged token was refused too: check organization_id."
                )
            )
        if status == HTTPStatus.NOT_FOUND:
            raise UnknownProductError(
                f"Unknown product id {product_id}: the Trace API has no trace"
            )
        if status == HTTPStatus.FORBIDDEN:
            raise AuthenticationError(
                f"The Trace API refused access to {product_id} (HTTP 403): the organization "
                "is not entitled to this product's trace data."
            )
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(f"HTTP {status} for {product_id}", response)
        if status >= HTTPStatus.BAD_REQUEST:
            raise TraceRequestError(
                f"The Trace API answered HTTP {status} for {product_id}: {response.text[:300]}"
            )
        self._renewed_for = None

    def backoff_wait_generator(self) -> t.Generator[float, None, None]:
        """Honour ``Retry-After``; otherwise back off exponentially (1, 2, 4 ... s)."""

        def waits() -> t.Generator[float, t.Any, None]:
            attempt = 0
            exception = yield  # type: ignore[misc]
            while True:
                delay = retry_after_seconds(getattr(exception, "response", None))
                if delay is None:
                    delay = 0.0 if _is_token_renewal(exception) else float(2**attempt)
                attempt += 1
                exception = yield min(delay, MAX_BACKOFF_SECONDS)

        return waits()

    def backoff_jitter(self, value: float) -> float:
        return value  # Retry-After is exact; exponential waits are short and few

    def backoff_max_tries(self) -> int:
        return 6

    def request_decorator(self, func: t.Callable) -> t.Callable:
        decorated = super().request_decorator(func)

        def call(*args: t.Any, **kwargs: t.Any) -> requests.Response:
            try:
                return decorated(*args, **kwargs)
            except RetriableAPIError as exc:
                raise TraceRequestError(f"Gave up after retries: {exc}") from exc
            except requests.RequestException as exc:
                raise TraceRequestError(f"Gave up after connection errors: {exc}") from exc

        return call


def _product_id_of(response: requests.Response) -> str:
    from urllib.parse import parse_qs, urlsplit

    values = parse_qs(urlsplit(response.request.url or "").query).get("productId", [""])
    return values[0]


def _is_token_renewal(exception: BaseException | None) -> bool:
    response = getattr(exception, "response", None)
    return response is not None and response.status_code == HTTPStatus.UNAUTHORIZED


class TraceSectionStream(Stream):
    """A section of the trace the parent stream just fetched."""

    parent_stream_type = TracesStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["trace_product_id"]
    rows: t.Callable[[str, dict[str, t.Any]], t.Iterator[dict[str, t.Any]]]

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        current = self._tap.streams["traces"].current
        if current is None or current[0] != context["trace_product_id"]:
            return
        yield from type(self).rows(*current)


class EventsStream(TraceSectionStream):
    name = "events"
    primary_keys = ("trace_product_id", "event_id")
    schema = schemas.EVENTS
    rows = staticmethod(parse.events)


class FacilitiesStream(TraceSectionStream):
    name = "facilities"
    primary_keys = ("trace_product_id", "facility_id")
    schema = schemas.FACILITIES
    rows = staticmethod(parse.facilities)


class PayloadsStream(TraceSectionStream):
    name = "payloads"
    primary_keys = ("trace_product_id", "payload_id")
    schema = schemas.PAYLOADS
    rows = staticmethod(parse.payloads)


class ProductInstancesStream(TraceSectionStream):
    name = "product_instances"
    primary_keys = ("trace_product_id", "product_instance_id")
    schema = schemas.PRODUCT_INSTANCES
    rows = staticmethod(parse.product_instances)


class ProductsStream(TraceSectionStream):
    name = "products"
    primary_keys = ("trace_product_id", "product_id")
    schema = schemas.PRODUCTS
    rows = staticmethod(parse.products)


class SequencesStream(TraceSectionStream):
    name = "sequences"
    primary_keys = ("trace_product_id", "kind", "source", "target")
    schema = schemas.SEQUENCES
    rows = staticmethod(parse.sequences)


STREAM_TYPES = (
    TracesStream,
    EventsStream,
    FacilitiesStream,
    PayloadsStream,
    ProductInstancesStream,
    ProductsStream,
    SequencesStream,
)
