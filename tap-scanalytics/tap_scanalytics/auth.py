"""OAuth2 for Scanalytics, on the SDK's OAuthAuthenticator.

Grant: ``refresh_token`` when one is cached or configured, else ``password`` when a
username is given, else ``client_credentials``. Refresh tokens are single-use and
rotate, which the SDK does not handle: the newest is written to ``token_cache_path``
(atomically, mode 0600) the moment it arrives and preferred next run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import typing as t
from pathlib import Path

from singer_sdk.authenticators import OAuthAuthenticator

from singer_bulk_export_kit.http import HttpClient, json_answer, json_object
from singer_bulk_export_kit.journal import atomic_write_text
from tap_scanalytics.errors import AuthError

if t.TYPE_CHECKING:
    import requests

RENEW_MARGIN = 300  # seconds before expiry at which a token is renewed


def fingerprint(token: str | None) -> str | None:
    return hashlib.sha256(token.encode()).hexdigest() if token else None


class TokenCache:
    """The newest refresh token, on disk, readable by the owner only.

    Next to it sits a fingerprint (SHA-256, not the token) of the configured
    ``refresh_token`` the chain started from: when the user configures a different
    one, it wins over the cache instead of being ignored.
    """

    def __init__(self, path: str | None, configured: str | None) -> None:
        self.path = Path(path).expanduser() if path else None
        self.configured = configured  # the refresh_token setting

    def read(self) -> dict[str, t.Any]:
        try:
            content = json.loads(self.path.read_text()) if self.path else {}
        except (OSError, ValueError):
            return {}
        return content if isinstance(content, dict) else {}

    def write(self, refresh_token: str) -> None:
        """Replace the file in one step (no reader ever sees half a token)."""
        if self.path is not None:
            content = {"refresh_token": refresh_token, "seeded_from": fingerprint(self.configured)}
            atomic_write_text(self.path, json.dumps(content), mode=0o600)

    def starting_token(self) -> tuple[str | None, str]:
        """The refresh token to start from, and the setting it came from."""
        cached, seeded_from = self.read(), fingerprint(self.configured)
        # A cache from before fingerprints counts as seeded from the configured token.
        same_seed = not self.configured or cached.get("seeded_from", seeded_from) == seeded_from
        if cached.get("refresh_token") and same_seed:
            return cached["refresh_token"], "token_cache_path"
        return self.configured, "refresh_token"


class ScanalyticsAuthenticator(OAuthAuthenticator):
    def __init__(self, config: t.Mapping[str, t.Any], client: HttpClient) -> None:
        super().__init__(
            auth_endpoint=f"{config['api_url'].rstrip('/')}/o/token/",
            client_id=config.get("client_id"),
            client_secret=config.get("client_secret"),
        )
        self.settings = config
        self.client = client
        self.cache = TokenCache(config.get("token_cache_path"), config.get("refresh_token"))
        self.refresh_token, self.refresh_source = self.cache.starting_token()

    @property
    def grant(self) -> str:
        if self.refresh_token:
            return "refresh_token"
        return "password" if self.settings.get("username") else "client_credentials"

    @property
    def oauth_request_body(self) -> dict[str, t.Any]:
        body: dict[str, t.Any] = {"grant_type": self.grant, "client_id": self.client_id}
        if self.grant == "refresh_token":
            body["refresh_token"] = self.refresh_token
        elif self.grant == "password":
            body["username"] = self.settings["username"]
            body["password"] = self.settings.get("password") or ""
        if self.client_secret:
            body["client_secret"] = self.client_secret
        return body

    def invalidate(self) -> None:
        """Forget the access token (after a 401) so the next request renews it."""
        self.last_refreshed = None

    def update_access_token(self) -> None:
        grant = self.grant
        requested = dt.datetime.now(dt.UTC)
        response = self.client.request(
            "POST",
            self.auth_endpoint,
            data=self.oauth_request_body,
            what=f"the token request (grant {grant})",
        )
        if response.status_code >= 400:
            raise AuthError(self._refusal(grant, response))
        answer = json_answer(response, self.client.policy.renamed("Scanalytics' token endpoint"))
        try:
            self.access_token = answer["access_token"]
        except (KeyError, TypeError) as exc:
            raise AuthError(
                f"The Scanalytics token endpoint answered grant {grant} without an access token"
            ) from exc
        lifetime = int(answer.get("expires_in") or 0)
        # The SDK's is_token_valid compares with expires_in: renew a margin early.
        self.expires_in = lifetime - min(RENEW_MARGIN, lifetime / 4) or None
        self.last_refreshed = requested
        rotated = answer.get("refresh_token")
        if rotated:
            # Single use: the old one is dead now, so keep the new one before anything else.
            self.refresh_token = rotated
            self.cache.write(rotated)
            self.refresh_source = "token_cache_path" if self.cache.path else "this run"
        elif grant == "refresh_token":
            self.refresh_token = None
        self.logger.info("Obtained a Scanalytics access token (grant %s)", grant)

    def _refusal(self, grant: str, response: requests.Response) -> str:
        body = json_object(response) or {}
        error, detail = str(body.get("error", "")), str(body.get("error_description", ""))
        if grant == "refresh_token" and error == "invalid_grant":
            if self.refresh_source == "token_cache_path":
                where = f"the refresh token stored in token_cache_path ({self.cache.path})"
                todo = (
                    "Set a fresh refresh_token (a newly configured one replaces the cached "
                    "one), or delete that file and log in with username/password."
                )
            elif self.refresh_source == "refresh_token":
                where = "the configured refresh_token"
                todo = (
                    "Set a fresh refresh_token and keep token_cache_path between runs so "
                    "the tap can store each new one, or remove refresh_token to log in "
                    "with username/password."
                )
            else:
                where = "the refresh token issued earlier in this run"
                todo = "Run again with a fresh refresh_token or username/password."
            return (
                f"Scanalytics refused {where} (grant refresh_token, invalid_grant): refresh "
                f"tokens work once, so it was already used (by another run or copy?) or "
                f"revoked. {todo}"
            )
        what = {
            "password": "username/password (grant password)",
            "client_credentials": "client_id/client_secret (grant client_credentials)",
        }.get(grant, f"grant {grant}")
        return (
            f"Scanalytics refused the credentials {what}: HTTP {response.status_code} "
            f"{error or response.reason}{f' ({detail})' if detail else ''}. "
            "Check them and client_id."
        )
