"""Download a search result: one-time link -> 302 -> presigned S3 URL -> temp file.

The link is single-use, so a download that fails midway asks for a new link. The
Authorization header goes to the API host only: presigned S3 URLs refuse a request
that carries one.
"""

from __future__ import annotations

import logging
import tempfile
import typing as t
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tap_scantrust.errors import CampaignError

if t.TYPE_CHECKING:
    from tap_scantrust.client import ScantrustStream

CHUNK_BYTES = 1024 * 1024
ATTEMPTS = 3
REDIRECTS = {301, 302, 303, 307, 308}
logger = logging.getLogger("tap-scantrust.download")


class DownloadAttemptError(Exception):
    """One attempt failed; a fresh link may succeed."""


def download_document(stream: ScantrustStream, key: str, campaign_id: int, workdir: Path) -> Path:
    """Fetch document ``key`` to a file in ``workdir``; new link per attempt."""
    last_error = ""
    for attempt in range(1, ATTEMPTS + 1):
        link = stream.api_get(f"/api/v2/documents/{key}/get-download-link/").get("link")
        if not link:
            raise CampaignError(f"Campaign {campaign_id}: no download link for document {key}")
        try:
            return _fetch(stream, link, workdir)
        except DownloadAttemptError as exc:
            last_error = str(exc)
            logger.warning(
                "Campaign %s: download of document %s failed (attempt %d of %d): %s; "
                "asking for a new link",
                campaign_id,
                key,
                attempt,
                ATTEMPTS,
                exc,
            )
    raise CampaignError(
        f"Campaign {campaign_id}: document {key} could not be downloaded after {ATTEMPTS} "
        f"attempts ({last_error})"
    )


def _fetch(stream: ScantrustStream, link: str, workdir: Path) -> Path:
    api_host = urlsplit(stream.url_base).netloc
    headers = {}
    if urlsplit(link).netloc == api_host:
        headers = dict(stream.authenticator.auth_headers)
    # The file host gets a clean session: no auth header, no API cookies.
    with requests.Session() as plain:
        url, sent_headers = link, headers
        for _ in range(5):
            try:
                response = plain.get(
                    url, headers=sent_headers, stream=True, allow_redirects=False, timeout=(10, 300)
                )
            except requests.RequestException as exc:
                raise DownloadAttemptError(f"connection error: {exc}") from exc
            if response.status_code in REDIRECTS:
                url = requests.compat.urljoin(url, response.headers["Location"])
                response.close()
                if urlsplit(url).netloc != api_host:
                    sent_headers = {}
                continue
            return _save(response, workdir)
    raise DownloadAttemptError("too many redirects")


def _save(response: requests.Response, workdir: Path) -> Path:
    with response:
        if response.status_code != 200:
            raise DownloadAttemptError(f"HTTP {response.status_code} from the file host")
        expected = response.headers.get("Content-Length")
        handle = tempfile.NamedTemporaryFile(dir=workdir, suffix=".zip", delete=False)  # noqa: SIM115 (kept past the with: the caller reads it)
        path = Path(handle.name)
        written = 0
        try:
            with handle:
                for chunk in response.iter_content(CHUNK_BYTES):
                    handle.write(chunk)
                    written += len(chunk)
        except (requests.RequestException, OSError) as exc:
            path.unlink(missing_ok=True)
            raise DownloadAttemptError(f"the transfer broke after {written} bytes: {exc}") from exc
        if expected is not None and int(expected) != written:
            path.unlink(missing_ok=True)
            raise DownloadAttemptError(f"got {written} of {expected} bytes")
        return path
