"""POST-only Mews Connector API client: tokens in the body, limits, retries.

Every call carries ClientToken, AccessToken and Client. A sliding-window limiter
keeps to 200 requests per 30 s per access token; 429 honours Retry-After (it is
sometimes missing: then exponential backoff), and 5xx and connection errors are
retried too. Tokens never appear in a message.
"""

from __future__ import annotations

import logging
import time
import typing as t

import requests

from tap_mews_exports.errors import MewsAuthError, MewsError, MewsRequestError
from tap_mews_exports.ratelimit import SlidingWindowLimiter

ATTEMPTS = 6
MAX_WAIT = 120.0
logger = logging.getLogger("tap-mews-exports.client")


class MewsClient:
    def __init__(
        self,
        *,
        api_url: str,
        client_token: str,
        access_token: str,
        client: str,
        limiter: SlidingWindowLimiter,
        timeout: float = 60,
    ) -> None:
        self.base = f"{api_url.rstrip('/')}/api/connector/v1"
        self._credentials = {
            "ClientToken": client_token,
            "AccessToken": access_token,
            "Client": client,
        }
        self.limiter = limiter
        self.timeout = timeout
        self.session = requests.Session()

    def post(self, operation: str, payload: dict[str, t.Any]) -> dict[str, t.Any]:
        """POST ``{base}/{operation}`` (e.g. ``exports/add``) and return the JSON answer."""
        url = f"{self.base}/{operation}"
        body = {**self._credentials, **payload}
        for attempt in range(ATTEMPTS):
            self.limiter.acquire()
            try:
                response = self.session.post(url, json=body, timeout=self.timeout)
            except requests.RequestException as exc:
                self._pause(attempt, None, f"connection error on {operation}: {self._hide(exc)}")
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                self._pause(attempt, response, f"HTTP {status} on {operation}")
                continue
            if status in (401, 403):
                raise MewsAuthError(
                    f"Mews refused the request (HTTP {status}: {self._message(response)}): "
                    "invalid ClientToken/AccessToken, or the token lacks access to exports."
                )
            if status >= 400:
                raise MewsRequestError(status, self._message(response))
            try:
                return response.json()
            except ValueError as exc:
                raise MewsError(f"Mews answered {operation} with non-JSON content") from exc
        raise MewsError(f"Mews kept failing on {operation} after {ATTEMPTS} attempts")

    def _pause(self, attempt: int, response: requests.Response | None, what: str) -> None:
        if attempt == ATTEMPTS - 1:
            return
        wait = _retry_after(response)
        if wait is None:
            wait = min(MAX_WAIT, 2.0**attempt)
        logger.warning(
            "%s; retrying in %.1f s (attempt %d of %d)", what, wait, attempt + 1, ATTEMPTS
        )
        time.sleep(wait)

    def _message(self, response: requests.Response) -> str:
        return self._hide(_message(response))

    def _hide(self, text: object) -> str:
        """``text`` without the tokens, should Mews (or an exception) echo them."""
        text = str(text)
        for name in ("ClientToken", "AccessToken"):
            if self._credentials[name]:
                text = text.replace(self._credentials[name], f"<{name} hidden>")
        return text


def _retry_after(response: requests.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return min(MAX_WAIT, max(0.0, float(value))) if value else None
    except ValueError:
        return None


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "")[:300]
    if isinstance(body, dict) and body.get("Message"):
        return str(body["Message"])
    return str(body)[:300]
