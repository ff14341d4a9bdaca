"""Reading ``Retry-After`` (seconds or an HTTP date) from a response."""

from __future__ import annotations

import email.utils
import time

import requests


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """Seconds the server asked us to wait, or None when it did not say (or said nonsense)."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())
