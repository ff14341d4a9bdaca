"""Base stream for the Scantrust REST API v2: UAT auth, error mapping, retries."""

from __future__ import annotations

import email.utils
import re
import time
import typing as t
from http import HTTPStatus

import requests
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.streams import RESTStream

from tap_scantrust.errors import CampaignError, PermissionDeniedError, ScantrustError

MAX_WAIT_SECONDS = 120.0
_THROTTLE_SECONDS = re.compile(r"available in (\d+(?:\.\d+)?) seconds?")


class ScantrustStream(RESTStream):
    """Shared behaviour of every Scantrust stream."""

    #: the permission this stream's endpoints need (named in 403 errors)
    permission: str = ""

    @property
    def url_base(self) -> str:
        return self.config["api_url"].rstrip("/")

    @property
    def authenticator(self) -> APIKeyAuthenticator:
        # "Authorization: UAT <token>" (one space), only ever sent to the API host.
        return APIKeyAuthenticator(
            key="Authorization", value=f"UAT {self.config['uat_token']}", location="header"
        )

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Accept": "application/json", **super().http_headers}

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(f"HTTP {status} from {response.request.path_url}", response)
        if status == HTTPStatus.UNAUTHORIZED:
            raise PermissionDeniedError(
                f"Scantrust refused the UAT token (HTTP 401) for the '{self.name}' stream, "
                f"which needs the '{self.permission}' permission: check uat_token (it is "
                "sent as 'Authorization: UAT <token>')."
            )
        if status == HTTPStatus.FORBIDDEN:
            raise PermissionDeniedError(
                f"The UAT token lacks the '{self.permission}' permission needed by the "
                f"'{self.name}' stream (HTTP 403: {_detail(response)}). Grant it in the "
                "Scantrust portal or deselect the stream."
            )
        if status >= HTTPStatus.BAD_REQUEST:
            raise CampaignError(
                f"Scantrust answered HTTP {status} for {response.request.path_url}: "
                f"{_detail(response)}"
            )

    def backoff_wait_generator(self) -> t.Generator[float, None, None]:
        """Wait as long as Retry-After (or the throttle message) says, else 1, 2, 4 ... s."""

        def waits() -> t.Generator[float, t.Any, None]:
            attempt = 0
            exception = yield  # type: ignore[misc]
            while True:
                delay = retry_after_seconds(getattr(exception, "response", None))
                if delay is None:
                    delay = float(2**attempt)
                attempt += 1
                exception = yield min(delay, MAX_WAIT_SECONDS)

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
                raise ScantrustError(f"Scantrust kept failing after retries: {exc}") from exc
            except requests.RequestException as exc:
                raise ScantrustError(f"Could not reach Scantrust after retries: {exc}") from exc

        return call

    def api_get(self, path_or_url: str, params: dict[str, t.Any] | None = None) -> t.Any:
        """GET an API path (or full API URL) with auth, retries and error mapping."""
        url = path_or_url if "://" in path_or_url else f"{self.url_base}{path_or_url}"
        prepared = self.build_prepared_request(
            method="GET", url=url, params=params or {}, headers=self.http_headers
        )
        response = self.request_decorator(self._request)(prepared, None)
        try:
            return response.json()
        except ValueError as exc:
            raise CampaignError(f"Scantrust answered {url} with non-JSON content") from exc


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """Seconds to wait from ``Retry-After`` or DRF's 'Expected available in N seconds'."""
    if response is None:
        return None
    header = response.headers.get("Retry-After")
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            when = email.utils.parsedate_to_datetime(header)
            if when is not None:
                return max(0.0, when.timestamp() - time.time())
    match = _THROTTLE_SECONDS.search(response.text or "")
    return float(match.group(1)) if match else None


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "")[:300]
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return str(body)[:300]
