"""Download a search result: one-time link -> 302 -> presigned S3 URL -> temp file.

The link is single-use, so a download that fails midway asks for a new link and
resumes from the byte where it broke (``Range``, guarded by ``If-Range`` so a
changed file starts over). The Authorization header goes to the API host only:
presigned S3 URLs refuse a request that carries one. Nothing is parsed until the
whole file is on disk, so a retried download cannot emit a row twice.
"""

from __future__ import annotations

import logging
import re
import tempfile
import typing as t
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from tap_scantrust.errors import CampaignError

if t.TYPE_CHECKING:
    from tap_scantrust.client import ScantrustStream

CHUNK_BYTES = 1024 * 1024
ATTEMPTS = 3
REDIRECTS = {301, 302, 303, 307, 308}
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
logger = logging.getLogger("tap-scantrust.download")


class DownloadAttemptError(Exception):
    """One attempt failed; a fresh link may succeed."""


class PartialFile:
    """The temp file being downloaded, what it holds so far and the object's ETag."""

    def __init__(self, workdir: Path) -> None:
        handle = tempfile.NamedTemporaryFile(dir=workdir, suffix=".zip", delete=False)  # noqa: SIM115 (kept: the caller reads it)
        handle.close()
        self.path = Path(handle.name)
        self.etag: str | None = None

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def range_headers(self) -> dict[str, str]:
        """Ask for the rest of the object only (nothing when there is no start yet)."""
        if not self.size:
            return {}
        headers = {"Range": f"bytes={self.size}-"}
        if self.etag:
            headers["If-Range"] = self.etag
        return headers

    def restart(self) -> None:
        self.path.write_bytes(b"")
        self.etag = None


def download_document(stream: ScantrustStream, key: str, campaign_id: int, workdir: Path) -> Path:
    """Fetch document ``key`` to a file in ``workdir``; a new link per attempt."""
    partial = PartialFile(workdir)
    last_error = ""
    for attempt in range(1, ATTEMPTS + 1):
        link = stream.api_get(f"/api/v2/documents/{key}/get-download-link/").get("link")
        if not link:
            partial.path.unlink(missing_ok=True)
            raise CampaignError(f"Campaign {campaign_id}: no download link for document {key}")
        try:
            _fetch(stream, link, partial)
        except DownloadAttemptError as exc:
            last_error = str(exc)
            logger.warning(
                "Campaign %s: download of document %s failed (attempt %d of %d): %s; "
                "asking for a new link (resuming at byte %d)",
                campaign_id,
                key,
                attempt,
                ATTEMPTS,
                exc,
                partial.size,
            )
            continue
        return partial.path
    partial.path.unlink(missing_ok=True)
    raise CampaignError(
        f"Campaign {campaign_id}: document {key} could not be downloaded after {ATTEMPTS} "
        f"attempts ({last_error})"
    )


def _fetch(stream: ScantrustStream, link: str, partial: PartialFile) -> None:
    api_host = urlsplit(stream.url_base).netloc
    auth = dict(stream.authenticator.auth_headers)
    # Redirects are followed by hand on a clean session: the file host must get
    # neither the Authorization header nor API cookies.
    with requests.Session() as plain:
        url = link
        for _ in range(5):
            # Identity encoding: byte ranges then count the bytes written to disk.
            headers = {"Accept-Encoding": "identity", **partial.range_headers()}
            if urlsplit(url).netloc == api_host:
                headers.update(auth)
            try:
                response = plain.get(
                    url, headers=headers, stream=True, allow_redirects=False, timeout=(10, 300)
                )
            except requests.RequestException as exc:
                raise DownloadAttemptError(f"connection error: {exc}") from exc
            if response.status_code in REDIRECTS:
                url = urljoin(url, response.headers["Location"])
                response.close()
                continue
            _save(response, partial)
            return
    raise DownloadAttemptError("too many redirects")


def _save(response: requests.Response, partial: PartialFile) -> None:
    """Write (200) or append (206) the body; raise if it ended short."""
    with response:
        status = response.status_code
        if status == 416:  # Range Not Satisfiable
            partial.restart()
            raise DownloadAttemptError("the file host refused the resume range; starting over")
        if status not in (200, 206):
            raise DownloadAttemptError(f"HTTP {status} from the file host")
        if status == 206:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != partial.size:
                partial.restart()
                raise DownloadAttemptError("the file host answered an unexpected range")
            total = None if match.group(3) == "*" else int(match.group(3))
            mode = "ab"
        else:
            length = response.headers.get("Content-Length")
            total = int(length) if length is not None else None
            partial.restart()
            mode = "wb"
        partial.etag = response.headers.get("ETag")
        try:
            with partial.path.open(mode) as handle:
                for chunk in _chunks(response):
                    handle.write(chunk)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise DownloadAttemptError(
                f"the transfer broke after {partial.size} bytes: {exc}"
            ) from exc
        if total is not None and partial.size != total:
            raise DownloadAttemptError(f"got {partial.size} of {total} bytes")


def _chunks(response: requests.Response) -> t.Iterator[bytes]:
    """The body as it arrives: bytes received before a break are kept for the resume."""
    raw = response.raw
    if not hasattr(raw, "read1"):  # urllib3 < 2
        yield from response.iter_content(CHUNK_BYTES)
        return
    while chunk := raw.read1(CHUNK_BYTES, decode_content=True):
        yield chunk
