"""The system-user token exchange (IBM docs): an IBM Cloud API key buys an IAM token at
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

from singer_sdk.authenticators import OAuthAuthenticator

from singer_bulk_export_kit.http import HttpClient, json_answer, json_object
from tap_foodtrust_trace.errors import AuthenticationError

if t.TYPE_CHECKING:
    import requests

    from singer_bulk_export_kit.http import RetryPolicy

IAM_SERVICE = "IBM Cloud IAM"
RENEW_MARGIN_SECONDS = 120  # renew a little before the token would expire
DEFAULT_TOKEN_SECONDS = 3600
AUTH_TIMEOUT = (10, 60)  # (connect, read) seconds


class TokenExchangeAuthenticator(OAuthAuthenticator):
    def __init__(self, config: t.Mapping[str, t.Any], policy: RetryPolicy) -> None:
        super().__init__(auth_endpoint=f"{config['iam_url'].rstrip('/')}/identity/token")
        # A renewal happens mid-run: a busy or flaky IAM must not end it, so both token
        # calls go through the tap's retry policy (IAM named as the service it is).
        self._iam = HttpClient(policy.renamed(IAM_SERVICE), timeout=AUTH_TIMEOUT)
        self._food_trust = HttpClient(policy, timeout=AUTH_TIMEOUT)
        self._api_key = config["ibm_cloud_api_key"]
        self._organization_id = config["organization_id"]
        self._exchange_url = (
            f"{config['api_url'].rstrip('/')}/ift/api/identity-proxy/exchange_token/v1/"
            f"organization/{self._organization_id}"
        )

    @property
    def oauth_request_body(self) -> dict[str, t.Any]:
        return {"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": self._api_key}

    def invalidate(self) -> None:
        """Forget the token so the next request exchanges a new one (after a 401)."""
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
        lifetime = _lifetime_seconds(token, iam, requested_at)
        # The SDK's is_token_valid compares with expires_in: renew a margin early.
        self.expires_in = lifetime - min(RENEW_MARGIN_SECONDS, lifetime / 4)
        self.last_refreshed = requested_at
        self.logger.info("Obtained a Food Trust token for organization %s", self._organization_id)

    @staticmethod
    def _post(client: HttpClient, url: str, *, what: str, **kwargs: t.Any) -> dict[str, t.Any]:
        """POST through the retry policy (429, 5xx and connection errors are retried and
        end in one error naming the host); any other refusal is about the credentials."""
        response = client.request("POST", url, **kwargs)
        if response.status_code >= 400:
            raise AuthenticationError(
                f"{what} refused the credentials (HTTP {response.status_code}: "
                f"{_error_text(response)}). Check ibm_cloud_api_key and organization_id."
            )
        return json_answer(response, client.policy.renamed(what))


def _lifetime_seconds(token: str, iam: dict[str, t.Any], requested_at: datetime.datetime) -> float:
    """How long the Food Trust token lives: its own JWT ``exp`` when it has one (the
    exchange may shorten it), else the IAM token's ``expires_in``, else an hour."""
    try:
        _, claims, _ = token.split(".")  # a JWT, read only (the server checks its signature)
        padded = claims + "=" * (-len(claims) % 4)
        expiry = float(json.loads(base64.urlsafe_b64decode(padded))["exp"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        expiry = None
    if expiry is not None and expiry > requested_at.timestamp():  # else our clock is off
        return expiry - requested_at.timestamp()
    try:
        return float(iam.get("expires_in") or DEFAULT_TOKEN_SECONDS)
    except (TypeError, ValueError):
        return float(DEFAULT_TOKEN_SECONDS)


def _error_text(response: requests.Response) -> str:
    """The provider's error message, without echoing anything we sent."""
    body = json_object(response) or {}
    for key in ("errorMessage", "message", "detail", "error"):
        if body.get(key):
            return str(body[key])
    return response.reason or "no details"
