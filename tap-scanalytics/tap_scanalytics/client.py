"""Base stream: the tap's one authenticator, and Scanalytics' error mapping.

Every request goes through the tap's retry policy (``RetryingRESTStream``), whose
limiter keeps the run inside both request budgets. What stays here is what the
answers mean: a 401 renews the access token once, a 404 of the visits endpoint is an
unknown array (that array fails, the others go on), any other 4xx is a clear error.
"""

from __future__ import annotations

import typing as t
from http import HTTPStatus

from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.streams import RESTStream

from singer_tap_kit.http import RetryingRESTStream, is_retryable_status
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
        return self._tap.authenticator

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status == HTTPStatus.UNAUTHORIZED:
            self.renew_once(response)
        elif is_retryable_status(status):
            raise RetriableAPIError(f"HTTP {status} for {response.request.path_url}", response)
        elif status >= HTTPStatus.BAD_REQUEST:
            raise refusal(response)
        else:
            self.renewed = False

    def renew_once(self, response: requests.Response) -> None:
        """After a 401, renew the access token and retry (the policy retries a 401 without
        waiting); a second 401 in a row means the account lacks a permission."""
        if self.renewed:
            raise AuthError(
                f"Scanalytics refused a freshly issued access token (HTTP 401) for "
                f"{response.request.path_url}; check the account's permissions."
            )
        self.renewed = True
        self.authenticator.invalidate()
        raise RetriableAPIError("401: access token refused; renewing it", response)


def refusal(response: requests.Response) -> ScanalyticsError:
    """The error for a 4xx answer: a 404 of the visits endpoint is an unknown array (that
    array fails, the others go on); anything else stops the run."""
    path = response.request.path_url or ""
    if response.status_code == HTTPStatus.NOT_FOUND and "/aggregate/" in path:
        key = path.split("/aggregate/")[1].split("/")[0]
        return UnknownArrayError(f"Unknown array key {key} (HTTP 404)")
    return ScanalyticsError(
        f"Scanalytics answered HTTP {response.status_code} for {path}: {response.text[:300]}"
    )
