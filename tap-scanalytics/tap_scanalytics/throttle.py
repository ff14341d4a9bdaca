"""How long a 429 asks us to wait: ``Retry-After`` (seconds or HTTP date), else the
seconds in the body (Django REST framework says "Expected available in N seconds")."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import typing as t

if t.TYPE_CHECKING:
    import requests

_BODY_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:seconds?|secs?|s)\b", re.IGNORECASE)
_BODY_FIELDS = ("retry_after", "retryAfter", "wait", "seconds")


def retry_after(response: requests.Response | None) -> float | None:
    """Seconds the server asked for on a 429, or None when it did not say."""
    if response is None or response.status_code != 429:
        return None
    return _header_seconds(response.headers.get("Retry-After")) or _body_seconds(response)


def _header_seconds(header: str | None) -> float | None:
    if not header:
        return None
    header = header.strip()
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _body_seconds(response: requests.Response) -> float | None:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for name in _BODY_FIELDS:
            if isinstance(body.get(name), int | float):
                return float(body[name])
    match = _BODY_SECONDS.search(response.text or "")
    return float(match.group(1)) if match else None
