"""Base stream: one authenticator and one rate limiter for every request."""

from __future__ import annotations

import typing as t
from http import HTTPStatus

import requests
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.streams import RESTStream

from tap_scanalytics.errors import AuthError, ScanalyticsError, UnknownArrayError
from tap_scanalytics.throttle import retry_after

MAX_WAIT = 3600.0


class ScanalyticsStream(RESTStream):
    @property
    def url_base(self) -> str:
        return self.config["api_url"].rstrip("/")

    @property
    def authenticator(self) -> t.Any:
        return self._tap.authenticator

    def _request(self, prepared_request: requests.PreparedRequest, context: t.Any) -> t.Any:
        self._tap.limiter.acquire()  # both budgets, shared by all streams
        return super()._request(prepared_request, context)

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status == HTTPStatus.UNAUTHORIZED:
            if not getattr(self, "_renewed", False):
                self._renewed = True  # renew once, then give up
                self.authenticator.invalidate()
                raise RetriableAPIError("401: access token refused; renewing it", response)
            raise AuthError(
                f"Scanalytics refused a freshly issued access token (HTTP 401) for "
                f"{response.request.path_url}; check the account's permissions."
            )
        if status == HTTPStatus.NOT_FOUND and "/aggregate/" in (response.request.path_url or ""):
            key = response.request.path_url.split("/aggregate/")[1].split("/")[0]
            raise UnknownArrayError(f"Unknown array key {key} (HTTP 404)")
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(f"HTTP {status} for {response.request.path_url}", response)
        if status >= HTTPStatus.BAD_REQUEST:
            raise ScanalyticsError(
                f"Scanalytics answered HTTP {status} for {response.request.path_url}: "
                f"{response.text[:300]}"
            )
        self._renewed = False

    def backoff_wait_generator(self) -> t.Generator[float, None, None]:
        def waits() -> t.Generator[float, t.Any, None]:
            attempt = 0
            exception = yield  # type: ignore[misc]
            while True:
                response = getattr(exception, "response", None)
                delay = retry_after(response)
                if delay is None:
                    renewal = response is not None and response.status_code == 401
                    delay = 0.0 if renewal else float(2**attempt)
                attempt += 1
                exception = yield min(delay, MAX_WAIT)

        return waits()

    def backoff_jitter(self, value: float) -> float:
        return value

    def backoff_max_tries(self) -> int:
        return 7

    def request_decorator(self, func: t.Callable) -> t.Callable:
        decorated = super().request_decorator(func)

        def call(*args: t.Any, **kwargs: t.Any) -> requests.Response:
            try:
                return decorated(*args, **kwargs)
            except RetriableAPIError as exc:
                raise ScanalyticsError(f"Scanalytics kept failing after retries: {exc}") from exc
            except requests.RequestException as exc:
                raise ScanalyticsError(f"Could not reach Scanalytics: {exc}") from exc

        return call
