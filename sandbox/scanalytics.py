"""Scanalytics stand-in: OAuth2 token endpoint (password, client credentials and
single-use rotating refresh tokens), per-user rate limits, whoami, deployments
and visit aggregates bucketed in an IANA time zone (DST-correct)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import time
import typing as t
from collections import deque
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.core import HTTPError, Request, Response, SandboxApp, route

CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
USERNAME = "analyst@example.com"
PASSWORD = "sandbox-password"
DEPLOYMENTS = [
    {
        "key": "DEP01",
        "name": "Downtown Plaza",
        "timezone": "America/Chicago",
        "arrays": [
            {"key": "1AMDJ", "name": "North entrance"},
            {"key": "2BXQK", "name": "Food court", "deviceCount": 14},  # undocumented
        ],
        "installedAt": "2023-05-01",  # not documented: a tolerant client keeps it
    },
    {
        "key": "DEP02",
        "name": "Riverside Mall",
        "timezone": "America/New_York",
        "arrays": [{"key": "3CZPL", "name": "Atrium"}],
    },
]
ARRAY_KEYS = [a["key"] for d in DEPLOYMENTS for a in d["arrays"]]
_BUCKET = re.compile(r"(\d+)([mhd])")
MAX_WINDOW = dt.timedelta(days=31)


class ScanalyticsApp(SandboxApp):
    name = "scanalytics"
    default_port = 8704
    provider = True

    def __init__(
        self,
        *,
        token_seconds: float = 86400,
        per_minute: int = 180,
        per_hour: int = 1200,
        minute_seconds: float = 60.0,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(**kwargs)
        self.token_seconds = token_seconds
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.minute_seconds = minute_seconds  # tests may shorten "a minute"
        self.access_tokens: dict[str, tuple[str, float]] = {}  # token -> (user, expiry)
        self.refresh_tokens: dict[str, str] = {}  # live refresh token -> user
        self.used_refresh_tokens: set[str] = set()
        self.throttled = 0
        self.throttle_in_body = False  # 429 with the seconds only in the body
        self.unauthorized = 0  # 401s answered for a missing, unknown or expired token
        self.naive_times = False  # answer bucket times as local times without offset
        self._revoke_in: int | None = None
        self.issued: list[str] = []  # every access and refresh token handed out
        self._calls: dict[str, deque[float]] = {}

    def demo_config(self) -> dict[str, t.Any]:
        return {
            "api_url": self.base_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": USERNAME,
            "password": PASSWORD,
            # Two weeks of Chicago local days, the autumn DST change in the middle.
            "start_date": "2024-10-28T05:00:00Z",
            "end_date": "2024-11-11T06:00:00Z",
            "timezone": "America/Chicago",
        }

    def issue_refresh_token(self, user: str = USERNAME) -> str:
        """A refresh token as if a user had logged in elsewhere (for tests)."""
        token = secrets.token_urlsafe(20)
        with self.lock:
            self.refresh_tokens[token] = user
            self.issued.append(token)
        return token

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def revoke_after(self, calls: int) -> None:
        """Revoke every access token once ``calls`` more API calls were answered."""
        with self.lock:
            self._revoke_in = calls

    # -- OAuth2 --------------------------------------------------------------------
    @route("POST", r"/o/token/")
    def token(self, request: Request) -> Response:
        form = request.form()
        grant = form.get("grant_type")
        if form.get("client_id") != CLIENT_ID:
            raise HTTPError(401, {"error": "invalid_client"})
        issue_refresh = True
        if grant == "password":
            if form.get("username") != USERNAME or form.get("password") != PASSWORD:
                raise HTTPError(
                    400,
                    {"error": "invalid_grant", "error_description": "Invalid credentials given."},
                )
            user = USERNAME
        elif grant == "client_credentials":
            if form.get("client_secret") != CLIENT_SECRET:
                raise HTTPError(401, {"error": "invalid_client"})
            user, issue_refresh = f"client:{CLIENT_ID}", False
        elif grant == "refresh_token":
            with self.lock:
                user = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
                if user is not None:
                    self.used_refresh_tokens.add(form["refresh_token"])
            if user is None:
                raise HTTPError(400, {"error": "invalid_grant"})
        else:
            raise HTTPError(400, {"error": "unsupported_grant_type"})
        access = secrets.token_urlsafe(20)
        answer: dict[str, t.Any] = {
            "access_token": access,
            "expires_in": int(self.token_seconds),
            "token_type": "Bearer",
            "scope": "read",
        }
        with self.lock:
            self.access_tokens[access] = (user, time.time() + self.token_seconds)
            self.issued.append(access)
            if issue_refresh:
                refresh = secrets.token_urlsafe(20)
                self.refresh_tokens[refresh] = user
                self.issued.append(refresh)
                answer["refresh_token"] = refresh
        return Response.json(answer)

    def _user(self, request: Request) -> str:
        token = (request.header("authorization") or "").removeprefix("Bearer ").strip()
        with self.lock:
            if self._revoke_in is not None:
                self._revoke_in -= 1
                if self._revoke_in < 0:
                    self._revoke_in = None
                    self.access_tokens.clear()
            found = self.access_tokens.get(token)
        if found is None or found[1] < time.time():
            with self.lock:
                self.unauthorized += 1
            raise HTTPError(401, {"detail": "Authentication credentials were not provided."})
        self._rate_limit(found[0])
        return found[0]

    def _rate_limit(self, user: str) -> None:
        now = time.monotonic()
        hour = self.minute_seconds * 60
        with self.lock:
            calls = self._calls.setdefault(user, deque())
            while calls and now - calls[0] > hour:
                calls.popleft()
            last_minute = [c for c in calls if now - c <= self.minute_seconds]
            wait = None
            if len(last_minute) >= self.per_minute:
                wait = self.minute_seconds - (now - last_minute[0])
            elif len(calls) >= self.per_hour:
                wait = hour - (now - calls[0])
            if wait is not None:
                self.throttled += 1
                seconds = max(1, round(wait))
                body = {
                    "detail": f"Request was throttled. Expected available in {seconds} seconds."
                }
                if self.throttle_in_body:
                    raise HTTPError(429, body)
                raise HTTPError(429, body, **{"Retry-After": str(seconds)})
            calls.append(now)

    # -- data ----------------------------------------------------------------------
    @route("GET", r"/v1/whoami")
    def whoami(self, request: Request) -> Response:
        user = self._user(request)
        return Response.json(
            {
                "email": user,
                "firstName": "Ana",
                "lastName": "Núñez",
                "timezone": "America/Chicago",
                "lastLogin": "2024-11-01T10:00:00Z",
            }
        )

    @route("GET", r"/v1/deployment/list")
    def deployments(self, request: Request) -> Response:
        self._user(request)
        return Response.json(DEPLOYMENTS)

    @route("GET", r"/v1/aggregate/(?P<array>\w+)/visits/(?P<bucket>\w+)")
    def visits(self, request: Request) -> Response:
        self._user(request)
        array = request.params["array"]
        if array not in ARRAY_KEYS:
            raise HTTPError(404, {"detail": f"Array {array} not found."})
        match = _BUCKET.fullmatch(request.params["bucket"])
        if not match:
            raise HTTPError(400, {"detail": "bucket must look like 15m, 1h or 1d"})
        try:
            zone = ZoneInfo(request.arg("timezone") or "UTC")
            start = dt.datetime.fromisoformat(request.arg("start") or "")
            end = dt.datetime.fromisoformat(request.arg("end") or "")
        except (ValueError, ZoneInfoNotFoundError) as exc:
            raise HTTPError(400, {"detail": f"Invalid start, end or timezone: {exc}"}) from exc
        if start.tzinfo or end.tzinfo:
            raise HTTPError(400, {"detail": "start and end are local times without an offset"})
        if end <= start or end - start > MAX_WINDOW:
            raise HTTPError(400, {"detail": "The window must be positive and at most 31 days."})
        size, unit = int(match.group(1)), match.group(2)
        rows = list(_buckets(array, start, end, zone, size, unit))
        if self.naive_times:
            for row in rows:
                row["start"], row["end"] = row["start"][:19], row["end"][:19]
        return Response.json(rows)


def _buckets(
    array: str, start: dt.datetime, end: dt.datetime, zone: ZoneInfo, size: int, unit: str
) -> t.Iterator[dict[str, t.Any]]:
    """Buckets between two local times; hours step in real time, days on local midnights."""
    utc = dt.UTC
    cursor = start.replace(tzinfo=zone).astimezone(utc)
    stop = end.replace(tzinfo=zone).astimezone(utc)
    while cursor < stop:
        if unit == "d":
            local = cursor.astimezone(zone)
            following = (local.replace(tzinfo=None) + dt.timedelta(days=size)).replace(tzinfo=zone)
            upper = following.astimezone(utc)
        else:
            upper = cursor + dt.timedelta(minutes=size if unit == "m" else size * 60)
        digest = hashlib.sha256(f"{array}{cursor.isoformat()}".encode()).digest()
        yield {
            "start": cursor.astimezone(zone).isoformat(),
            "end": min(upper, stop).astimezone(zone).isoformat(),
            "visits": digest[0] % 50 * (3 if unit == "d" else 1),
        }
        cursor = upper
