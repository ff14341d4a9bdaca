"""The Trace API client on the kit's retries: a 401 renews the exchanged token once per
request, 404 is an unknown product id, 403 a missing entitlement; answers that kept
failing end one product id, credentials or an unreachable host end the run."""

from __future__ import annotations

import typing as t
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.streams import RESTStream

from singer_bulk_export_kit.errors import ServiceUnavailableError
from singer_bulk_export_kit.http import RetryingRESTStream, is_retryable_status
from tap_foodtrust_trace.auth import TokenExchangeAuthenticator
from tap_foodtrust_trace.errors import AuthenticationError, TraceRequestError, UnknownProductError

if t.TYPE_CHECKING:
    import requests


class TraceApiStream(RetryingRESTStream, RESTStream):
    """A stream reading the Trace API with the run's one token and retry policy."""

    _renewed_for: str | None = None  # the request whose 401 renewed the token

    @property
    def url_base(self) -> str:
        return self.config["api_url"].rstrip("/")

    @property
    def authenticator(self) -> t.Any:
        return self.tap.authenticator  # one token for every request of the run

    @property
    def http_headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", **super().http_headers}
        if self.config.get("bypass_cache"):
            headers["X-ApiCache-Bypass"] = "true"
        return headers

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        product_id = product_id_of(response)
        if status == HTTPStatus.UNAUTHORIZED:
            # An ift_token cannot be renewed; an exchanged token is, once per request.
            renewable = isinstance(self.authenticator, TokenExchangeAuthenticator)
            if renewable and self._renewed_for != product_id:
                self._renewed_for = product_id
                self.authenticator.invalidate()
                raise RetriableAPIError("401: the Food Trust token was refused; renewing", response)
            hint = (
                "A freshly exchanged token was refused too: check organization_id."
                if renewable
                else "Check ift_token: it may be expired or for another environment."
            )
            raise AuthenticationError(f"The Trace API refused the token (HTTP 401). {hint}")
        if status == HTTPStatus.NOT_FOUND:
            raise UnknownProductError(
                f"Unknown product id {product_id}: the Trace API has no trace"
            )
        if status == HTTPStatus.FORBIDDEN:
            raise AuthenticationError(
                f"The Trace API refused access to {product_id} (HTTP 403): the organization "
                "is not entitled to this product's trace data."
            )
        if is_retryable_status(status):
            raise RetriableAPIError(f"HTTP {status} for {product_id}", response)
        if status >= HTTPStatus.BAD_REQUEST:
            raise TraceRequestError(
                f"The Trace API answered HTTP {status} for {product_id}: {response.text[:300]}"
            )
        self._renewed_for = None

    def request_decorator(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """The kit's retries, then: answers that kept failing fail this product id only;
        a host that cannot be reached (or a token endpoint that failed) ends the run."""
        retrying = super().request_decorator(func)

        def call(prepared_request: requests.PreparedRequest, context: t.Any) -> t.Any:
            try:
                return retrying(prepared_request, context)
            except ServiceUnavailableError as exc:
                if exc.status is None:  # the host cannot be reached: the run stops
                    raise
                product_id = (context or {}).get("trace_product_id", "")
                raise TraceRequestError(f"Gave up on {product_id}: {exc}") from None

        return call


def product_id_of(response: requests.Response) -> str:
    """The product id a trace request asked for (its ``productId`` parameter)."""
    return parse_qs(urlsplit(response.request.url or "").query).get("productId", [""])[0]
