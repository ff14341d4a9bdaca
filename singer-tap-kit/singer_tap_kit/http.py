"""One HTTP retry policy for every request a tap makes.

Retried: 429 (waiting as long as ``Retry-After`` or the body says, capped by the
``max_retry_wait_seconds`` setting), 5xx, dropped connections and timeouts, with
exponential backoff and jitter; a refused connection is given about ten seconds in
all, since a host that refuses connections is rarely back in a minute. Each retry is
one WARNING line; after the last try one clear error names the host and what failed.

The same loop serves the SDK's REST streams (``RetryingRESTStream.request_decorator``)
and the taps' own calls (``HttpClient``), so there is one place where retries happen.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import socket
import time
import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from singer_sdk import typing as th
from singer_sdk.exceptions import RetriableAPIError

from singer_tap_kit.errors import ServiceUnavailableError
from singer_tap_kit.retry_after import retry_after_seconds

if t.TYPE_CHECKING:
    from singer_tap_kit.limits import SlidingWindowLimiter

logger = logging.getLogger("singer_tap_kit.http")
T = t.TypeVar("T")

DEFAULT_MAX_RETRY_WAIT = 300.0
MAX_RETRY_WAIT_SETTING = th.Property(
    "max_retry_wait_seconds",
    th.NumberType(minimum=0),
    default=DEFAULT_MAX_RETRY_WAIT,
    title="Longest retry wait (seconds)",
    description="Cap on any one wait before a retry, including a server's Retry-After.",
)
CONNECTION_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


class RetryableResponseError(Exception):
    """A response worth trying again (429 or 5xx)."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def is_retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status < 600


def without_query(url: str) -> str:
    """``url`` without its query string, which may carry a signature or a token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def error_message(response: requests.Response, *fields: str, limit: int = 300) -> str:
    """The provider's own error message: the first of ``fields`` found in a JSON body,
    else the body itself (or the reason), cut to ``limit`` characters."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "")[:limit]
    if isinstance(body, dict):
        for name in fields:
            if body.get(name):
                return str(body[name])[:limit]
    return str(body)[:limit]


def json_object(response: requests.Response) -> dict[str, t.Any] | None:
    """The body as a JSON object, or None when it is not one."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _is_refused(exc: BaseException) -> bool:
    """Whether a connection error is a refused connection (nothing listens there) or an
    unknown host name: neither is likely to mend within a minute."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError | socket.gaierror):
            return True
        stack += [a for a in current.args if isinstance(a, BaseException)]
        stack += [e for e in (current.__cause__, current.__context__) if e is not None]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    return "Connection refused" in str(exc)


def _describe(exc: BaseException) -> str:
    if _is_refused(exc):
        return "host not found" if "resolve" in str(exc).lower() else "connection refused"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    return "connection dropped"


@dataclass
class RetryPolicy:
    """How one service is retried. ``service`` names it in messages (e.g. "Mews")."""

    service: str
    attempts: int = 6
    max_wait: float = DEFAULT_MAX_RETRY_WAIT
    first_wait: float = 1.0
    refused_seconds: float = 10.0  # total time given to a host that refuses connections
    jitter: float = 0.25  # exponential waits vary by +-25% so parallel runs spread out
    limiter: SlidingWindowLimiter | None = None
    redact: t.Callable[[str], str] = field(default=lambda text: text)
    sleep: t.Callable[[float], None] = time.sleep
    clock: t.Callable[[], float] = time.monotonic

    def renamed(self, service: str) -> RetryPolicy:
        """The same policy for another host of the provider (say its token service)."""
        return dataclasses.replace(self, service=service)

    def run(self, attempt: t.Callable[[], T], *, what: str, url: str) -> T:
        """Call ``attempt`` until it returns; it raises ``RetryableResponseError``,
        ``RetriableAPIError`` or a connection error when a retry may help."""
        started = self.clock()
        for number in range(1, self.attempts + 1):
            if self.limiter is not None:
                self.limiter.acquire()
            try:
                return attempt()
            except (RetryableResponseError, RetriableAPIError, *CONNECTION_ERRORS) as exc:
                response = getattr(exc, "response", None)
                refused = response is None and _is_refused(exc)
                wait = self._wait(number, response)
                elapsed = self.clock() - started
                out_of_time = refused and elapsed + wait > self.refused_seconds
                if number == self.attempts or out_of_time:
                    raise ServiceUnavailableError(
                        self._final(exc, response, what, url, number, elapsed),
                        status=None if response is None else response.status_code,
                    ) from None
                reason = f"HTTP {response.status_code}" if response is not None else _describe(exc)
                logger.warning(
                    "%s: %s got %s; retrying in %.1f s (try %d of %d)",
                    self.service,
                    self.redact(what),
                    reason,
                    wait,
                    number + 1,
                    self.attempts,
                )
                self.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _wait(self, number: int, response: requests.Response | None) -> float:
        if response is not None and response.status_code == 401:
            return 0.0  # a token renewal: the authenticator was told to renew, no need to wait
        asked = retry_after_seconds(response)
        if asked is not None:
            return min(asked, self.max_wait)
        wait = self.first_wait * 2 ** (number - 1)
        wait *= 1 + random.uniform(-self.jitter, self.jitter)
        return max(0.0, min(wait, self.max_wait))

    def _final(
        self,
        exc: BaseException,
        response: requests.Response | None,
        what: str,
        url: str,
        tries: int,
        elapsed: float,
    ) -> str:
        where = self.redact(without_query(url))
        if response is not None:
            return self.redact(
                f"{self.service} ({urlsplit(url).netloc}) kept answering HTTP "
                f"{response.status_code} to {what} after {tries} tries over {elapsed:.0f} s."
            )
        return self.redact(
            f"Could not reach {self.service} at {where}: {_describe(exc)} "
            f"({tries} tries over {elapsed:.0f} s)."
        )


class HttpClient:
    """A requests session whose every call goes through a ``RetryPolicy``.

    Statuses other than 429/5xx come back to the caller, which knows what a 400 or a
    404 means for its API.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        timeout: float | tuple[float, float] = (10, 120),
        headers: dict[str, str] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.policy = policy
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update(headers or {})

    def request(
        self, method: str, url: str, *, what: str | None = None, **kwargs: t.Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)

        def attempt() -> requests.Response:
            response = self.session.request(method, url, **kwargs)
            if is_retryable_status(response.status_code):
                raise RetryableResponseError(response)
            return response

        return self.policy.run(attempt, what=what or f"{method} {urlsplit(url).path}", url=url)


class RetryingRESTStream:
    """Mixin for the SDK's ``RESTStream``: its requests go through the tap's policy.

    ``validate_response`` raises ``RetriableAPIError`` for what may be retried (the
    SDK's default does so for 429 and 5xx); everything else is the stream's to map.
    """

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._tap.retry_policy  # type: ignore[attr-defined]

    def request_decorator(self, func: t.Callable[..., T]) -> t.Callable[..., T]:
        def call(prepared_request: requests.PreparedRequest, context: t.Any) -> T:
            path = urlsplit(prepared_request.url or "").path
            return self.retry_policy.run(
                lambda: func(prepared_request, context),
                what=f"{prepared_request.method} {path}",
                url=prepared_request.url or "",
            )

        return call
