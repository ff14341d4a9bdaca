"""Authentication: a static Food Trust token, or the system-user token exchange.

The exchange (IBM docs): an IBM Cloud API key buys an IAM token at
``{iam_url}/identity/token``; the whole IAM JSON is posted to
``{api_url}/ift/api/identity-proxy/exchange_token/v1/organization/{org}``, which
answers ``{"onboarding_token": ...}``, valid about an hour, sent as a Bearer token.
"""

from __future__ import annotations

import datetime
import typing as t

import requests
from singer_sdk.authenticators import BearerTokenAuthenticator, OAuthAuthenticator

from tap_foodtrust_trace.errors import AuthenticationError

IAM_GRANT_TYPE = "urn:ibm:params:oauth:grant-type:apikey"
RENEW_MARGIN_SECONDS = 120  # renew a little before the token would expire
DEFAULT_TOKEN_SECONDS = 3600


class StaticTokenAuthenticator(BearerTokenAuthenticator):
    """``ift_token`` as given: it cannot be renewed, so a 401 is final."""

    renewable = False

    def invalidate(self) -> None:
        """Nothing to renew with a static token."""


class TokenExchangeAuthenticator(OAuthAuthenticator):
    """System-user token: IAM API-key token exchanged for a Food Trust token."""

    renewable = True

    def __init__(self, *, api_url: str, iam_url: str, api_key: str, organization_id: str) -> None:
        super().__init__(auth_endpoint=f"{iam_url.rstrip('/')}/identity/token")
        self._api_key = api_key
        self._organization_id = organization_id
        self._exchange_url = (
            f"{api_url.rstrip('/')}/ift/api/identity-proxy/exchange_token/v1/"
            f"organization/{organization_id}"
        )

    @property
    def oauth_request_body(self) -> dict[str, t.Any]:
        return {"grant_type": IAM_GRANT_TYPE, "apikey": self._api_key}

    def is_token_valid(self) -> bool:
        if self.access_token is None or self.last_refreshed is None:
            return False
        age = (datetime.datetime.now(datetime.UTC) - self.last_refreshed).total_seconds()
        lifetime = self.expires_in or DEFAULT_TOKEN_SECONDS
        return age < lifetime - min(RENEW_MARGIN_SECONDS, lifetime / 4)

    def invalidate(self) -> None:
        """Forget the token so the next request exchanges a new one (after a 401)."""
        self.access_token = None
        self.last_refreshed = None

    def update_access_token(self) -> None:
        requested_at = datetime.datetime.now(datetime.UTC)
        iam = self._post(self.auth_endpoint, data=self.oauth_request_body, what="IBM Cloud IAM")
        exchanged = self._post(self._exchange_url, json=iam, what="the Food Trust token exchange")
        token = exchanged.get("onboarding_token")
        if not token:
            raise AuthenticationError(
                "The Food Trust token exchange answered without an onboarding_token."
            )
        self.access_token = token
        self.expires_in = int(iam.get("expires_in") or DEFAULT_TOKEN_SECONDS)
        self.last_refreshed = requested_at
        self.logger.info("Obtained a Food Trust token for organization %s", self._organization_id)

    def _post(self, url: str, *, what: str, **kwargs: t.Any) -> dict[str, t.Any]:
        try:
            response = self._session.post(url, timeout=60, **kwargs)
        except requests.RequestException as exc:
            raise AuthenticationError(f"Could not reach {what} at {url}: {exc}") from exc
        if response.status_code >= 400:
            raise AuthenticationError(
                f"{what} refused the credentials (HTTP {response.status_code}: "
                f"{_error_text(response)}). Check ibm_cloud_api_key and organization_id."
            )
        try:
            return response.json()
        except ValueError as exc:
            raise AuthenticationError(f"{what} answered with something other than JSON.") from exc


def _error_text(response: requests.Response) -> str:
    """The provider's error message, without echoing anything we sent."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no details"
    if isinstance(body, dict):
        for key in ("errorMessage", "message", "detail", "error"):
            if body.get(key):
                return str(body[key])
    return response.reason or "no details"
