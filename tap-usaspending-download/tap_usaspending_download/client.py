"""HTTP to the USAspending API: every call through the kit's retry policy, and the
provider's own error answers (``{"detail": ...}``) turned into clear messages."""

from __future__ import annotations

import re
import typing as t

from singer_bulk_export_kit.http import HttpClient, RetryPolicy, error_message, json_answer
from tap_usaspending_download.errors import USAspendingError

if t.TYPE_CHECKING:
    import requests


class USAspendingApi:
    def __init__(self, api_url: str, policy: RetryPolicy) -> None:
        self.base = api_url.rstrip("/")
        self.http = HttpClient(
            policy, timeout=(10, 120), headers={"User-Agent": "tap-usaspending-download"}
        )

    def call(
        self, method: str, path: str, *, missing_ok: bool = False, **kwargs: t.Any
    ) -> dict[str, t.Any] | None:
        """A JSON API call (429, 5xx and dropped connections are retried by the policy).
        With ``missing_ok`` a 404 is None: the API does not know what was asked for."""
        response = self.http.request(
            method, f"{self.base}{path}", what=f"{method} {path}", **kwargs
        )
        if missing_ok and response.status_code == 404:
            return None
        if response.status_code in (400, 422):
            raise USAspendingError(_refusal(path, response, kwargs.get("json") or {}))
        if response.status_code >= 400:
            raise USAspendingError(
                f"USAspending answered HTTP {response.status_code} for {path}: "
                f"{error_message(response, 'detail')}"
            )
        return json_answer(response, self.http.policy)


def _refusal(path: str, response: requests.Response, body: dict[str, t.Any]) -> str:
    """The API's refusal, naming the setting its detail points at: the columns, else the
    filters it names (else all that were sent)."""
    detail = error_message(response, "detail")
    refused = f"USAspending refused the request to {path} (HTTP {response.status_code}): {detail}"
    if "column" in detail.lower():
        sent = ", ".join(body.get("columns") or []) or "none"
        return f"{refused} (columns sent: {sent}). Check the columns setting."
    filters = body.get("filters") or {}
    # A filter is named when the detail holds its name as a whole word (ASCII \w: [A-Za-z0-9_]).
    named = [
        name for name in filters if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", detail, re.A)
    ]
    if named:
        return f"{refused} (bad filter: {', '.join(named)}). Check the filters setting."
    return f"{refused} (filters sent: {', '.join(filters) or 'none'}). Check the filters setting."
