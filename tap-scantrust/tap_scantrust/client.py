"""The Scantrust REST API v2: UAT auth and what its answers mean (401 a bad token, 403 a
missing permission, both named; any other 4xx a campaign error with DRF's ``detail``).
Retries are the tap's one retry policy, for the paged streams and ``ScantrustApi`` alike."""

import typing as t
from http import HTTPStatus

import requests
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.streams import RESTStream

from singer_bulk_export_kit.http import (
    HttpClient,
    RetryingRESTStream,
    error_message,
    is_retryable_status,
    json_answer,
)
from tap_scantrust.errors import CampaignError, PermissionDeniedError


def auth_headers(config: t.Mapping[str, t.Any]) -> dict[str, str]:
    """``Authorization: UAT <token>`` (one space); only ever sent to the API host."""
    return {"Authorization": f"UAT {config['uat_token']}"}


def raise_for_error(response: requests.Response, stream: str, permission: str) -> None:
    """Map a 4xx answer to the error the user should see (nothing for 2xx/3xx)."""
    status = response.status_code
    if status == HTTPStatus.UNAUTHORIZED:
        raise PermissionDeniedError(
            f"Scantrust refused the UAT token (HTTP 401) for the '{stream}' stream, which "
            f"needs the '{permission}' permission: check uat_token (it is sent as "
            "'Authorization: UAT <token>')."
        )
    if status == HTTPStatus.FORBIDDEN:
        raise PermissionDeniedError(
            f"The UAT token lacks the '{permission}' permission needed by the '{stream}' "
            f"stream (HTTP 403: {error_message(response, 'detail')}). Grant it in the "
            "Scantrust portal or deselect the stream."
        )
    if status >= HTTPStatus.BAD_REQUEST:
        raise CampaignError(
            f"Scantrust answered HTTP {status} for {response.request.path_url}: "
            f"{error_message(response, 'detail')}"
        )


class ScantrustStream(RetryingRESTStream, RESTStream):
    permission: str = ""  # what this stream's endpoints need (named in 401/403 errors)

    @property
    def url_base(self) -> str:
        return self.config["api_url"].rstrip("/")

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Accept": "application/json", **auth_headers(self.config), **super().http_headers}

    def validate_response(self, response: requests.Response) -> None:
        if is_retryable_status(response.status_code):
            raise RetriableAPIError(f"HTTP {response.status_code}", response)
        raise_for_error(response, self.name, self.permission)


class ScantrustApi:
    """JSON calls outside the SDK's paging (search tasks, documents, download links)."""

    def __init__(self, stream: ScantrustStream) -> None:
        self.stream = stream
        headers = {"Accept": "application/json", **auth_headers(stream.config)}
        self.client = HttpClient(stream.retry_policy, headers=headers)

    def get(
        self, path: str, params: t.Mapping[str, t.Any] | None = None, *, missing_ok: bool = False
    ) -> dict[str, t.Any] | None:
        """The JSON object at ``path``; None for a 404 when ``missing_ok``."""
        response = self.client.request("GET", f"{self.stream.url_base}{path}", params=params)
        if missing_ok and response.status_code == HTTPStatus.NOT_FOUND:
            return None
        raise_for_error(response, self.stream.name, self.stream.permission)
        return json_answer(response, self.client.policy)
