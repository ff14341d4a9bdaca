"""HTTP to the USAspending API: JSON calls with retries, and streamed file downloads."""

from __future__ import annotations

import logging
import re
import tempfile
import time
import typing as t
import zipfile
from pathlib import Path

import requests

from tap_usaspending_download.errors import DownloadError, FilterError, USAspendingError

ATTEMPTS = 6
CHUNK = 1024 * 1024
logger = logging.getLogger("tap-usaspending-download.client")


class USAspendingClient:
    def __init__(self, api_url: str, timeout: float = 120) -> None:
        self.base = api_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "tap-usaspending-download"

    def call(self, method: str, path: str, **kwargs: t.Any) -> dict[str, t.Any]:
        """A JSON API call; 5xx, 429 and dropped connections are retried."""
        url = f"{self.base}{path}"
        for attempt in range(ATTEMPTS):
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.RequestException as exc:
                self._pause(attempt, f"{path}: connection error ({exc})", None)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                self._pause(attempt, f"{path}: HTTP {response.status_code}", response)
                continue
            if response.status_code in (400, 422):
                raise FilterError(
                    _refusal(path, response, (kwargs.get("json") or {}).get("filters") or {})
                )
            if response.status_code >= 400:
                raise USAspendingError(
                    f"USAspending answered HTTP {response.status_code} for {path}: "
                    f"{_detail(response)}"
                )
            try:
                return response.json()
            except ValueError as exc:
                raise USAspendingError(f"USAspending answered {path} with non-JSON") from exc
        raise USAspendingError(f"USAspending kept failing on {path} after {ATTEMPTS} attempts")

    def fetch(self, url: str, workdir: Path) -> Path:
        """Stream a file to disk; a broken or cut transfer, 429 and 5xx start it again."""
        for attempt in range(ATTEMPTS):
            handle = tempfile.NamedTemporaryFile(dir=workdir, suffix=".zip", delete=False)  # noqa: SIM115
            path = Path(handle.name)
            try:
                with handle, self.session.get(url, stream=True, timeout=(10, 600)) as response:
                    if response.status_code == 429 or response.status_code >= 500:
                        raise _RetryableError(f"HTTP {response.status_code}", response)
                    if response.status_code != 200:
                        raise DownloadError(
                            f"The download file answered HTTP {response.status_code} "
                            f"({_detail(response)})"
                        )
                    expected = response.headers.get("Content-Length")
                    written = 0
                    for chunk in response.iter_content(CHUNK):
                        handle.write(chunk)
                        written += len(chunk)
                if expected is not None and int(expected) != written:
                    raise _RetryableError(f"the connection closed after {written} of {expected} B")
                if not zipfile.is_zipfile(path):  # cut short without a Content-Length
                    raise _RetryableError(f"the {written} bytes received are not a whole zip")
                return path
            except (requests.RequestException, _RetryableError) as exc:
                path.unlink(missing_ok=True)
                self._pause(attempt, f"download broke ({exc})", getattr(exc, "response", None))
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        raise DownloadError(f"Could not download the file after {ATTEMPTS} attempts")

    @staticmethod
    def _pause(attempt: int, what: str, response: requests.Response | None) -> None:
        if attempt == ATTEMPTS - 1:
            return
        wait = 2.0**attempt
        if response is not None and response.headers.get("Retry-After", "").isdigit():
            wait = float(response.headers["Retry-After"])
        logger.warning(
            "%s; retrying in %.0f s (attempt %d of %d)", what, wait, attempt + 1, ATTEMPTS
        )
        time.sleep(wait)


class _RetryableError(Exception):
    """A file transfer worth starting again."""

    def __init__(self, message: str, response: requests.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


def _refusal(path: str, response: requests.Response, filters: dict[str, t.Any]) -> str:
    """The API's refusal, naming the filters its detail points at (else all that were sent)."""
    detail = _detail(response)
    named = [
        name
        for name in filters
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", detail)
    ]
    which = (
        f"bad filter: {', '.join(named)}"
        if named
        else f"filters sent: {', '.join(filters) or 'none'}"
    )
    return (
        f"USAspending refused the request to {path} (HTTP {response.status_code}): {detail} "
        f"({which}). Check the filters setting."
    )


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "")[:300]
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])
    return str(body)[:300]
