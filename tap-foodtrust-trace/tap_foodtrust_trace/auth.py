"""Authentication: a static Food Trust token, or the system-user token exchange.

The exchange (IBM docs): an IBM Cloud API key buys an IAM token at
``{iam_url}/identity/token``; the whole IAM JSON is posted to
``{api_url}/ift/api/identity-proxy/exchange_token/v1/organization/{org}``, which
answers ``{"onboarding_token": ...}``, valid about an hour, sent as a Bearer token.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import typing as t

from singer_sdk.authenticators import BearerTokenAuthenticator, OAuthAuthenticator

from singer_tap_kit.http import HttpClient, json_object
from tap_foodtrust_trace.errors import AuthenticationError

if t.TYPE_CHECKING:
    import requests

    from singer_tap_kit.http import RetryPolicy

IAM_GRANT_TYPE = "urn:ibm:params:oauth:grant-type:apikey"
IAM_SERVICE = "IBM Cloud IAM"
RENEW_MARGIN_SECONDS = 120  # renew a little before the token would expire
DEFAULT_TOKEN_SECONDS = 3600
AUTH_TIMEOUT = (10, 60)  # (connect, read) seconds


class StaticTokenAuthenticator(BearerTokenAuthenticator):
    """``ift_token`` as given: it cannot be renewed, so a 401 is final."""

    renewable = False

    def invalidate(self) -> None:
        """Nothing to renew with a static token."""


class TokenExchangeAuthenticator(OAuthAuthenticator):
    """System-user token: IAM API-key token exchanged for a Food Trust token."""

    renewable = True

    def __init__(
        self,
        *,
        api_url: str,
        iam_url: str,
        api_key: str,
        organization_id: str,
        policy: RetryPolicy,
    ) -> None:
        super().__init__(auth_endpoint=f"{iam_url.rstrip('/')}/identity/token")
        # A renewal happens mid-run: a busy or flaky IAM must not end it, so both token
        # calls go through the tap's retry policy (IAM named as the service it is).
        self._iam = HttpClient(policy.renamed(IAM_SERVICE), timeout=AUTH_TIMEOUT)
        self._food_trust = HttpClient(policy, timeout=AUTH_TIMEOUT)
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
        lifetime = DEFAULT_TOKEN_SECONDS if self.expires_in is None else self.expires_in
        return age < lifetime - min(RENEW_MARGIN_SECONDS, lifetime / 4)

    def invalidate(self) -> None:
        """Forget the token so the next request exchanges a new one (after a 401)."""
        self.access_token = None
        self.last_refreshed = None

    def update_access_token(self) -> None:
        requested_at = datetime.datetime.now(datetime.UTC)
        iam = self._post(
            self._iam, self.auth_endpoint, data=self.oauth_request_body, what=IAM_SERVICE
        )
        exchanged = self._post(
            self._food_trust, self._exchange_url, json=iam, what="the Food Trust token exchange"
        )
        token = exchanged.get("onboarding_token")
        if not token:
            raise AuthenticationError(
                "The Food Trust token exchange answered without an onboarding_token."
            )
        self.access_token = token
        self.expires_in = _lifetime_seconds(token, iam, requested_at)
        self.last_refreshed = requested_at
        self.logger.info("Obtained a Food Trust token for organization %s", self._organization_id)

    @staticmethod
    def _post(client: HttpClient, url: str, *, what: str, **kwargs: t.Any) -> dict[str, t.Any]:
        """POST through the retry policy (429, 5xx and connection errors are retried and
        end in one error naming the host); any other refusal is about the credentials."""
        response = client.request("POST", url, **kwargs)
        status = response.status_code
        if status >= 400:
            raise AuthenticationError(
                f"{what} refused the credentials (HTTP {status}: "
                f"{_error_text(response)}). Check ibm_cloud_api_key and organization_id."
            )
        body = json_object(response)
        if body is None:
            raise AuthenticationError(f"{what} answered with something other than a JSON object.")
        return body


def _lifetime_seconds(token: str, iam: dict[str, t.Any], requested_at: datetime.datetime) -> float:
    """How long the Food Trust token lives: its own JWT ``exp`` when it has one (the
    exchange may shorten it), else the IAM token's ``expires_in``, else an hour."""
    expiry = _jwt_expiry(token)
    if expiry is not None and expiry > requested_at.timestamp():  # else our clock is off
        return expiry - requested_at.timestamp()
    try:
        return float(iam.get("expires_in") or DEFAULT_TOKEN_SECONDS)
    except (TypeError, ValueError):
        return float(DEFAULT_TOKEN_SECONDS)


def _jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (read only; the server checks the signature)."""
    parts = token.split(".")
    if len(parts) != 3:  # header.payload.signature
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
        return float(claims["exp"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None


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
