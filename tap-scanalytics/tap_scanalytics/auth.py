"""OAuth2 for Scanalytics, on the SDK's OAuthAuthenticator.

Grant: ``refresh_token`` when one is cached or configured, else ``password`` when
a username is given, else ``client_credentials``. Refresh tokens are single-use
and rotate: the newest is written to ``token_cache_path`` (atomically, mode 0600)
the moment it arrives and preferred over the configured one next run. The SDK
does not keep rotated refresh tokens; that part is here. Token requests go through
the tap's retry policy (an ``HttpClient``), like every other request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import typing as t
from pathlib import Path

from singer_sdk.authenticators import OAuthAuthenticator

from singer_tap_kit.http import HttpClient
from singer_tap_kit.journal import atomic_write_text
from tap_scanalytics.errors import AuthError

if t.TYPE_CHECKING:
    import requests

RENEW_MARGIN = 300  # seconds before expiry at which a token is renewed


class TokenCache:
    """The newest refresh token, on disk, readable by the owner only.

    Next to it sits a fingerprint (SHA-256, not the token) of the configured
    ``refresh_token`` the chain started from: when the user configures a different
    one, it wins over the cache instead of being ignored.
    """

    def __init__(self, path: str | None) -> None:
        self.path = Path(path).expanduser() if path else None

    def read(self) -> dict[str, t.Any]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            content = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return content if isinstance(content, dict) else {}

    def write(self, refresh_token: str, seeded_from: str | None) -> None:
        """Replace the file in one step (no reader ever sees half a token)."""
        if self.path is None:
            return
        content = {"refresh_token": refresh_token, "seeded_from": seeded_from}
        atomic_write_text(self.path, json.dumps(content), mode=0o600)


def fingerprint(token: str | None) -> str | None:
    return hashlib.sha256(token.encode()).hexdigest() if token else None


def starting_refresh_token(
    config: t.Mapping[str, t.Any], cache: TokenCache
) -> tuple[str | None, str]:
    """The refresh token to start from, and where it came from: the cached one, unless
    the user configured a different token since the cache was seeded."""
    configured = config.get("refresh_token")
    cached = cache.read()
    seeded_from = fingerprint(configured)
    # A cache from before fingerprints counts as seeded from the configured token.
    if cached.get("refresh_token") and (
        not configured or cached.get("seeded_from", seeded_from) == seeded_from
    ):
        return cached["refresh_token"], "token_cache_path"
    return configured, "refresh_token"


class ScanalyticsAuthenticator(OAuthAuthenticator):
    def __init__(self, config: t.Mapping[str, t.Any], client: HttpClient) -> None:
        super().__init__(
            auth_endpoint=f"{config['api_url'].rstrip('/')}/o/token/",
            client_id=config.get("client_id"),
            client_secret=config.get("client_secret"),
        )
        self.settings = config
        self.client = client
        self.cache = TokenCache(config.get("token_cache_path"))
        self.seeded_from = fingerprint(config.get("refresh_token"))
        self.refresh_token, self.refresh_source = starting_refresh_token(config, self.cache)

    @property
    def grant(self) -> str:
        if self.refresh_token:
            return "refresh_token"
        if self.settings.get("username"):
            return "password"
        return "client_credentials"

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
        response = self.post_grant(grant)
        if response.status_code >= 400:
            raise AuthError(self._refusal(grant, response))
        try:
            answer = response.json()
            access_token = answer["access_token"]
        except (ValueError, KeyError, TypeError) as exc:
            raise AuthError(
                f"The Scanalytics token endpoint answered grant {grant} without an access token"
            ) from exc
        self.access_token = access_token
        self.expires_in = int(answer.get("expires_in") or 0) or None
        self.last_refreshed = requested
        rotated = answer.get("refresh_token")
        if rotated:
            # Single use: the old one is dead now, so keep the new one before anything else.
            self.refresh_token = rotated
            self.cache.write(rotated, self.seeded_from)
            self.refresh_source = "token_cache_path" if self.cache.path else "this run"
        elif grant == "refresh_token":
            self.refresh_token = None
        self.logger.info("Obtained a Scanalytics access token (grant %s)", grant)

    def post_grant(self, grant: str) -> requests.Response:
        """POST the grant; a busy or unreachable endpoint is retried by the tap's policy."""
        return self.client.request(
            "POST",
            self.auth_endpoint,
            data=self.oauth_request_body,
            what=f"the token request (grant {grant})",
        )

    def _refusal(self, grant: str, response: requests.Response) -> str:
        try:
            body = response.json()
            error = str(body.get("error", ""))
            detail = str(body.get("error_description", ""))
        except (ValueError, AttributeError):
            error = detail = ""
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
