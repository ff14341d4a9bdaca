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
import time
import typing as t

import requests
from singer_sdk.authenticators import BearerTokenAuthenticator, OAuthAuthenticator

from tap_foodtrust_trace.errors import AuthenticationError
from tap_foodtrust_trace.retry_after import retry_after_seconds

IAM_GRANT_TYPE = "urn:ibm:params:oauth:grant-type:apikey"
RENEW_MARGIN_SECONDS = 120  # renew a little before the token would expire
DEFAULT_TOKEN_SECONDS = 3600
AUTH_TRIES = 4  # 429/5xx/connection errors of IAM or the exchange: retried, bounded
AUTH_MAX_WAIT_SECONDS = 30.0


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
        lifetime = DEFAULT_TOKEN_SECONDS if self.expires_in is None else self.expires_in
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
        self.expires_in = _lifetime_seconds(token, iam, requested_at)
        self.last_refreshed = requested_at
        self.logger.info("Obtained a Food Trust token for organization %s", self._organization_id)

    def _post(self, url: str, *, what: str, **kwargs: t.Any) -> dict[str, t.Any]:
        response = self._post_with_retries(url, what=what, **kwargs)
        status = response.status_code
        if status == 429 or status >= 500:
            raise AuthenticationError(
                f"{what} stayed unavailable after {AUTH_TRIES} tries "
                f"(HTTP {status}: {_error_text(response)})."
            )
        if status >= 400:
            raise AuthenticationError(
                f"{what} refused the credentials (HTTP {status}: "
                f"{_error_text(response)}). Check ibm_cloud_api_key and organization_id."
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise AuthenticationError(f"{what} answered with something other than a JSON object.")
        return body

    def _post_with_retries(self, url: str, *, what: str, **kwargs: t.Any) -> requests.Response:
        """A renewal happens mid-run: a busy or flaky IAM must not end the run."""
        for attempt in range(AUTH_TRIES):
            last_try = attempt == AUTH_TRIES - 1
            try:
                response = self._session.post(url, timeout=60, **kwargs)
            except requests.RequestException as exc:
                if last_try:
                    raise AuthenticationError(f"Could not reach {what} at {url}: {exc}") from exc
                wait = float(2**attempt)
            else:
                if last_try or not (response.status_code == 429 or response.status_code >= 500):
                    return response
                wait = retry_after_seconds(response)
                if wait is None:
                    wait = float(2**attempt)
            self.logger.warning(
                "%s is unavailable; retrying in %.1f s (try %d of %d)",
                what,
                wait,
                attempt + 2,
                AUTH_TRIES,
            )
            time.sleep(min(wait, AUTH_MAX_WAIT_SECONDS))
        raise AssertionError("unreachable")  # pragma: no cover


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
