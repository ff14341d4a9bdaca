"""OAuth2 for Scanalytics, on the SDK's OAuthAuthenticator.

Grant: ``refresh_token`` when one is cached or configured, else ``password`` when
a username is given, else ``client_credentials``. Refresh tokens are single-use
and rotate: the newest is written to ``token_cache_path`` (atomically, mode 0600)
the moment it arrives and preferred over the configured one next run. The SDK
does not keep rotated refresh tokens; that part is here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import typing as t
from pathlib import Path

import requests
from singer_sdk.authenticators import OAuthAuthenticator

from tap_scanalytics.errors import AuthError

RENEW_MARGIN = 300  # seconds before expiry at which a token is renewed


class TokenCache:
    """The newest refresh token, on disk, readable by the owner only."""

    def __init__(self, path: str | None) -> None:
        self.path = Path(path).expanduser() if path else None

    def read(self) -> str | None:
        if self.path is None or not self.path.exists():
            return None
        try:
            return json.loads(self.path.read_text()).get("refresh_token") or None
        except (OSError, ValueError):
            return None

    def write(self, refresh_token: str) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".token-")
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w") as out:
                json.dump({"refresh_token": refresh_token}, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


class ScanalyticsAuthenticator(OAuthAuthenticator):
    def __init__(self, config: t.Mapping[str, t.Any]) -> None:
        super().__init__(
            auth_endpoint=f"{config['api_url'].rstrip('/')}/o/token/",
            client_id=config.get("client_id"),
            client_secret=config.get("client_secret"),
        )
        self._settings = config
        self.cache = TokenCache(config.get("token_cache_path"))
        self.refresh_token = self.cache.read() or config.get("refresh_token")
        self.refresh_source = "token_cache_path" if self.cache.read() else "refresh_token"

    @property
    def grant(self) -> str:
        if self.refresh_token:
            return "refresh_token"
        if self._settings.get("username"):
            return "password"
        return "client_credentials"

    @property
    def oauth_request_body(self) -> dict[str, t.Any]:
        body: dict[str, t.Any] = {"grant_type": self.grant, "client_id": self.client_id}
        if self.grant == "refresh_token":
            body["refresh_token"] = self.refresh_token
        elif self.grant == "password":
            body["username"] = self._settings["username"]
            body["password"] = self._settings.get("password") or ""
        if self.client_secret:
            body["client_secret"] = self.client_secret
        return body

    def is_token_valid(self) -> bool:
        if self.access_token is None or self.last_refreshed is None:
            return False
        if not self.expires_in:
            return True
        age = (dt.datetime.now(dt.UTC) - self.last_refreshed).total_seconds()
        return age < self.expires_in - min(RENEW_MARGIN, self.expires_in / 4)

    def invalidate(self) -> None:
        """Forget the access token (after a 401) so the next request renews it."""
        self.access_token = None
        self.last_refreshed = None

    def update_access_token(self) -> None:
        grant = self.grant
        requested = dt.datetime.now(dt.UTC)
        try:
            response = self._session.post(
                self.auth_endpoint, data=self.oauth_request_body, timeout=60
            )
        except requests.RequestException as exc:
            raise AuthError(f"Could not reach the Scanalytics token endpoint: {exc}") from exc
        if response.status_code >= 400:
            raise AuthError(self._refusal(grant, response))
        answer = response.json()
        self.access_token = answer["access_token"]
        self.expires_in = int(answer.get("expires_in") or 0) or None
        self.last_refreshed = requested
        rotated = answer.get("refresh_token")
        if rotated:
            # Single use: the old one is dead now, so keep the new one before anything else.
            self.refresh_token = rotated
            self.cache.write(rotated)
        elif grant == "refresh_token":
            self.refresh_token = None
        self.logger.info("Obtained a Scanalytics access token (grant %s)", grant)

    def _refusal(self, grant: str, response: requests.Response) -> str:
        try:
            error = response.json().get("error", "")
        except ValueError:
            error = ""
        if grant == "refresh_token" and error == "invalid_grant":
            return (
                f"Scanalytics refused the refresh token from {self.refresh_source} "
                "(invalid_grant): refresh tokens work once, so this one was already used or "
                "revoked. Set a fresh refresh_token (and keep token_cache_path so the tap can "
                "store each new one), or remove it to log in with username/password."
            )
        what = {
            "password": "username/password (grant password)",
            "client_credentials": "client_id/client_secret (grant client_credentials)",
        }.get(grant, f"grant {grant}")
        return (
            f"Scanalytics refused the credentials {what}: HTTP {response.status_code} "
            f"{error or response.reason}. Check them and client_id."
        )
