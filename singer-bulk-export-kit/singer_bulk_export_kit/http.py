"""One HTTP retry policy for every request a tap makes, the SDK's REST streams
(``RetryingRESTStream``) and the taps' own calls (``HttpClient``) alike.

429 (waiting as long as ``Retry-After`` or the body says, capped by
``max_retry_wait_seconds``), 5xx, dropped connections and timeouts are retried with
exponential backoff and jitter; a refused connection gets about ten seconds in all, since
such a host is rarely back in a minute. One WARNING per retry, one error at the end.
"""

from __future__ import annotations

import decimal
import json
import logging
import random
import re
import socket
import time
import typing as t
from dataclasses import KW_ONLY, dataclass, field, replace
from urllib.parse import urlsplit

import requests
from requests.exceptions import ChunkedEncodingError
from singer_sdk import typing as th
from singer_sdk.exceptions import RetriableAPIError

from singer_bulk_export_kit.errors import AnswerError, ServiceUnavailableError
from singer_bulk_export_kit.retry_after import retry_after_seconds
from singer_bulk_export_kit.sdk_overrides import KitStream

if t.TYPE_CHECKING:
    from singer_bulk_export_kit.limits import SlidingWindowLimiter

logger = logging.getLogger("singer_bulk_export_kit.http")
T = t.TypeVar("T")

DEFAULT_MAX_RETRY_WAIT = 300.0
MAX_RETRY_WAIT_SETTING = th.Property(
    "max_retry_wait_seconds",
    th.NumberType(minimum=0),
    default=DEFAULT_MAX_RETRY_WAIT,
    title="Longest retry wait (seconds)",
    description="Cap on any one wait before a retry, including a server's Retry-After.",
)
REFUSED = ("connection refused", "host not found")
CONNECTION_ERRORS = (requests.ConnectionError, requests.Timeout, ChunkedEncodingError)


def is_retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status < 600


def without_query(url: str) -> str:
    """``url`` without its query string, which may carry a signature or a token."""
    return urlsplit(url)._replace(query="", fragment="").geturl()


def error_message(response: requests.Response, *fields: str, limit: int = 300) -> str:
    """The provider's own error message: the first of ``fields`` found in a JSON body,
    else the body itself (or the reason), cut to ``limit`` characters."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "")[:limit]
    found = [body[name] for name in fields if isinstance(body, dict) and body.get(name)]
    return str(found[0] if found else body)[:limit]


def bad_answer(response: requests.Response, policy: RetryPolicy, problem: str) -> AnswerError:
    """The one line for an answer that is not what the endpoint documents: the provider,
    the endpoint (no query string), the status, the content type and the first bytes."""
    request, kind = response.request, response.headers.get("Content-Type") or "no content type"
    head = response.content[:80].decode("utf-8", "backslashreplace")
    message = (
        f"{policy.service} answered {request.method} {without_query(request.url or '')} "
        f"with HTTP {response.status_code} ({kind}) that {problem}; it begins {head!r}"
    )
    return AnswerError(policy.redact(message))


def json_answer(
    response: requests.Response, policy: RetryPolicy, shape: t.Sequence[str | type] = (dict,)
) -> t.Any:
    """The body as JSON, decoded strictly (invalid UTF-8 is an error, never replaced), of
    the ``shape`` the endpoint documents: object keys to walk, ending in ``dict`` or
    ``list`` (``("results", list)``: an object whose ``results`` is a list)."""
    try:
        body = json.loads(response.content.decode("utf-8"), parse_float=decimal.Decimal)
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 ({exc.reason} at byte {exc.start})"
        raise bad_answer(response, policy, problem) from None
    except ValueError as exc:
        raise bad_answer(response, policy, f"is not JSON ({exc})") from None
    found: t.Any = body
    for step in shape:
        if isinstance(step, str):
            found = found.get(step) if isinstance(found, dict) else None
        elif not isinstance(found, step):
            path = "".join(f".{key}" for key in shape if isinstance(key, str))
            kind = "object" if step is dict else "array"
            raise bad_answer(response, policy, f"has no JSON {kind} at ${path}")
    return body


def shape_of(jsonpath: str) -> tuple[str | type, ...] | None:
    """The answer shape a records JSONPath reads: ``$.results[*]`` an object whose
    ``results`` is a list, ``$[*]`` a list, ``$`` an object; None for anything richer."""
    match = re.fullmatch(r"\$((?:\.\w+)*)(\[\*\])?", jsonpath)
    if match is None:
        return None
    keys = [key for key in match[1].split(".") if key]
    return (*keys, list if match[2] else dict) if keys or match[2] else (dict,)


def json_object(response: requests.Response) -> dict[str, t.Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _describe(exc: BaseException) -> str:
    """What broke the connection. A refused connection or an unknown host name anywhere in
    the exception's chain (``REFUSED``) is not likely to mend within a minute."""
    refused = "Connection refused" in str(exc)
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack and not refused:
        error = stack.pop()
        refused = isinstance(error, ConnectionRefusedError | socket.gaierror)
        seen.add(id(error))
        links = [*error.args, error.__cause__, error.__context__, getattr(error, "reason", None)]
        stack += [e for e in links if isinstance(e, BaseException) and id(e) not in seen]
    if refused:
        return "host not found" if "resolve" in str(exc).lower() else "connection refused"
    return "timed out" if isinstance(exc, requests.Timeout) else "connection dropped"


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
        return replace(self, service=service)

    def run(self, attempt: t.Callable[[], T], *, what: str, url: str) -> T:
        """Call ``attempt`` until it returns; it raises ``RetriableAPIError`` (with the
        response) or a connection error when a retry may help."""
        started = self.clock()
        for number in range(1, self.attempts + 1):
            if self.limiter is not None:
                self.limiter.acquire()
            try:
                return attempt()
            except (RetriableAPIError, *CONNECTION_ERRORS) as exc:
                response = getattr(exc, "response", None)
                reason = f"HTTP {response.status_code}" if response is not None else _describe(exc)
                wait = self._wait(number, response)
                elapsed = self.clock() - started
                out_of_time = reason in REFUSED and elapsed + wait > self.refused_seconds
                if number == self.attempts or out_of_time:
                    tries = f"{number} tries over {elapsed:.0f} s"
                    if response is None:
                        where = f"{self.service} at {without_query(url)}"
                        message = f"Could not reach {where}: {reason} ({tries})."
                    else:
                        where = f"{self.service} ({urlsplit(url).netloc})"
                        message = f"{where} kept answering {reason} to {what} after {tries}."
                    status = None if response is None else response.status_code
                    raise ServiceUnavailableError(self.redact(message), status=status) from None
                logger.warning(
                    f"{self.service}: {self.redact(what)} got {reason}; retrying in {wait:.1f} s "
                    f"(try {number + 1} of {self.attempts})"
                )
                self.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _wait(self, number: int, response: requests.Response | None) -> float:
        if response is not None and response.status_code == 401:
            return 0.0  # a token renewal: the authenticator was told to renew, no need to wait
        asked = retry_after_seconds(response)
        if asked is not None:
            return min(asked, self.max_wait)
        wait = self.first_wait * 2 ** (number - 1) * (1 + random.uniform(-self.jitter, self.jitter))
        return max(0.0, min(wait, self.max_wait))


@dataclass(eq=False)
class HttpClient:
    """A requests session whose every call goes through a ``RetryPolicy``. Statuses other
    than 429/5xx come back to the caller, which knows what a 400 or a 404 means for its API."""

    policy: RetryPolicy
    _: KW_ONLY
    timeout: float | tuple[float, float] = (10, 120)
    headers: dict[str, str] | None = None
    session: requests.Session = field(default_factory=requests.Session, init=False)

    def __post_init__(self) -> None:
        self.session.headers.update(self.headers or {})

    def request(
        self, method: str, url: str, *, what: str | None = None, **kwargs: t.Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)

        def attempt() -> requests.Response:
            response = self.session.request(method, url, **kwargs)
            if is_retryable_status(response.status_code):
                raise RetriableAPIError(f"HTTP {response.status_code}", response)
            return response

        return self.policy.run(attempt, what=what or f"{method} {urlsplit(url).path}", url=url)


class RetryingRESTStream(KitStream):
    """Mixin for the SDK's ``RESTStream``: its requests go through the tap's policy, which
    retries what ``validate_response`` raises as ``RetriableAPIError`` (by default 429, 5xx),
    and every answer must be JSON of the shape its ``records_jsonpath`` reads
    (``AnswerError`` otherwise)."""

    @property
    def retry_policy(self) -> RetryPolicy:
        return self.tap.retry_policy

    def request_decorator(self, func: t.Callable[..., T]) -> t.Callable[..., T]:
        def call(prepared_request: requests.PreparedRequest, context: t.Any) -> T:
            url = prepared_request.url or ""
            what = f"{prepared_request.method} {urlsplit(url).path}"
            response = self.retry_policy.run(
                lambda: func(prepared_request, context), what=what, url=url
            )
            shape = shape_of(self.records_jsonpath) or ()  # type: ignore[attr-defined]
            json_answer(response, self.retry_policy, shape)
            return response

        return call
