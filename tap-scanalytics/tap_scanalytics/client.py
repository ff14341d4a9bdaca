"""Base stream: the tap's one authenticator, and what Scanalytics' answers mean (retries
and both request budgets are the kit's ``RetryingRESTStream``)."""

from __future__ import annotations

import typing as t
from http import HTTPStatus

from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.streams import RESTStream

from singer_bulk_export_kit.http import RetryingRESTStream, is_retryable_status
from tap_scanalytics.errors import AuthError, ScanalyticsError, UnknownArrayError

if t.TYPE_CHECKING:
    import requests

    from tap_scanalytics.auth import ScanalyticsAuthenticator


class ScanalyticsStream(RetryingRESTStream, RESTStream):
    renewed = False  # whether the access token was just renewed after a 401

    @property
    def url_base(self) -> str:
        return self.config["api_url"].rstrip("/")

    @property
    def authenticator(self) -> ScanalyticsAuthenticator:
        return self.tap.authenticator

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        path = response.request.path_url or ""
        if status == HTTPStatus.UNAUTHORIZED:
            # Renew the token and retry (the policy does so without waiting); a second
            # 401 in a row means the account lacks a permission.
            if self.renewed:
                raise AuthError(
                    f"Scanalytics refused a freshly issued access token (HTTP 401) for "
                    f"{path}; check the account's permissions."
                )
            self.renewed = True
            self.authenticator.invalidate()
            raise RetriableAPIError("401: access token refused; renewing it", response)
        if is_retryable_status(status):
            raise RetriableAPIError(f"HTTP {status} for {path}", response)
        if status == HTTPStatus.NOT_FOUND and "/aggregate/" in path:
            # An unknown array: that array fails, the others go on.
            key = path.split("/aggregate/")[1].split("/")[0]
            raise UnknownArrayError(f"Unknown array key {key} (HTTP 404)")
        if status >= HTTPStatus.BAD_REQUEST:
            raise ScanalyticsError(
                f"Scanalytics answered HTTP {status} for {path}: {response.text[:300]}"
            )
        self.renewed = False
