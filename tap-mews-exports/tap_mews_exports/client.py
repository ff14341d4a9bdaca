"""The Mews call shape: every operation is a POST with the tokens and ``Client`` in the
body. Retries, the request budget and token redaction are the kit's (``HttpClient``
and the tap's ``RetryPolicy``); this module only maps Mews' answers to errors."""

from __future__ import annotations

import typing as t

from singer_bulk_export_kit.http import error_message, json_answer
from tap_mews_exports.errors import MewsAuthError, MewsRequestError

if t.TYPE_CHECKING:
    import requests

    from singer_bulk_export_kit.http import HttpClient


class MewsClient:
    def __init__(
        self,
        http: HttpClient,
        *,
        api_url: str,
        client_token: str,
        access_token: str,
        client: str,
    ) -> None:
        self.http = http
        self.base = f"{api_url.rstrip('/')}/api/connector/v1"
        self._auth = {"ClientToken": client_token, "AccessToken": access_token, "Client": client}

    def post(self, operation: str, payload: dict[str, t.Any]) -> dict[str, t.Any]:
        """POST ``{base}/{operation}`` (e.g. ``exports/add``) and return the JSON answer."""
        body = {**self._auth, **payload}
        response = self.http.request("POST", f"{self.base}/{operation}", json=body)
        status = response.status_code
        if status in (401, 403):
            raise MewsAuthError(
                f"Mews refused the request (HTTP {status}: {self._message(response)}): "
                "invalid ClientToken/AccessToken, or the token lacks access to exports."
            )
        if status >= 400:
            raise MewsRequestError(status, self._message(response))
        return json_answer(response, self.http.policy)

    def _message(self, response: requests.Response) -> str:
        """Mews' own ``Message``, without any token it may echo."""
        return self.http.policy.redact(error_message(response, "Message"))
