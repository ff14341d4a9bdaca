"""How long a throttled or busy server asked us to wait: ``Retry-After`` as seconds or an
HTTP date, else seconds in the body (a JSON field, or a sentence such as Django REST
framework's "Expected available in 12 seconds.")."""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import re
import typing as t

if t.TYPE_CHECKING:
    import requests

_BODY_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:seconds?|secs?|s)\b", re.IGNORECASE)
_BODY_FIELDS = ("retry_after", "retryAfter", "wait", "seconds")


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """Seconds the server asked for, or None when it did not say (or said nonsense)."""
    if response is None:
        return None
    seconds = header_seconds(response.headers.get("Retry-After"))
    if seconds is None and (response.status_code == 429 or response.status_code >= 500):
        seconds = _body_seconds(response)
    return seconds


def header_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """A ``Retry-After`` value (delay-seconds or HTTP-date) as seconds from ``now``."""
    if not value:
        return None
    value = value.strip()
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def _body_seconds(response: requests.Response) -> float | None:
    text = response.text or ""
    if len(text) > 65536:  # not a throttle message
        return None
    body = None
    with contextlib.suppress(ValueError):
        body = response.json()
    if isinstance(body, dict):
        for name in _BODY_FIELDS:
            value = body.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return max(0.0, float(value))
    match = _BODY_SECONDS.search(text)
    return float(match.group(1)) if match else None
