"""Download a job's file to a temporary file: a fresh link per attempt (single-use or
expiring links), resume by byte range (``If-Range``: a changed file starts over), redirects
followed on a clean session (credentials go to the API host only: a presigned S3 URL
refuses them), and checks before any row is read, so a retry never emits a row twice.
"""

import logging
import re
import tempfile
import time
import typing as t
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from singer_bulk_export_kit.errors import PartitionError
from singer_bulk_export_kit.http import is_retryable_status, without_query
from singer_bulk_export_kit.retry_after import retry_after_seconds

CHUNK_BYTES = 1024 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
logger = logging.getLogger("singer_bulk_export_kit.downloads")


class DownloadError(PartitionError):
    """A file could not be downloaded whole after every attempt."""


class AttemptError(Exception):
    """One attempt failed; a fresh link may succeed."""

    def __init__(self, message: str, wait: float = 0.0) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass
class Download:
    """One file to fetch. ``link(attempt)`` gives the URL for attempt 1, 2, ..."""

    label: str  # names the file in messages, e.g. "campaign 101, document 4f2c"
    link: t.Callable[[int], str]
    workdir: Path
    suffix: str = ""
    attempts: int = 4
    auth_host: str | None = None  # host:port that may see ``auth_headers``
    auth_headers: t.Mapping[str, str] = field(default_factory=dict)
    expected_size: int | None = None  # bytes the API says the file has
    check: t.Callable[[Path], str | None] | None = None  # a problem found in the file, or None
    max_wait: float = 60.0
    timeout: tuple[float, float] = (10, 300)
    sleep: t.Callable[[float], None] = time.sleep


class PartialFile:
    """The temporary file being downloaded, what it holds so far and the object's ETag."""

    def __init__(self, workdir: Path, suffix: str) -> None:
        handle = tempfile.NamedTemporaryFile(dir=workdir, suffix=suffix, delete=False)  # noqa: SIM115 (the caller reads it)
        handle.close()
        self.path = Path(handle.name)
        self.etag: str | None = None

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def restart(self) -> None:
        self.path.write_bytes(b"")
        self.etag = None


def download(spec: Download) -> Path:
    """Fetch ``spec`` to a file in ``spec.workdir`` and return its path (the caller
    deletes it). Raises ``DownloadError`` after ``spec.attempts`` failed attempts."""
    partial = PartialFile(spec.workdir, spec.suffix)
    try:
        for attempt in range(1, spec.attempts + 1):
            try:
                _fetch(spec, spec.link(attempt), partial)
                _verify(spec, partial)
                return partial.path
            except AttemptError as exc:
                if attempt == spec.attempts:
                    raise DownloadError(
                        f"{spec.label}: the file could not be downloaded after {attempt} "
                        f"attempts ({exc})"
                    ) from None
                resuming = f", resuming at byte {partial.size}" if partial.size else ""
                logger.warning(
                    f"{spec.label}: download failed (attempt {attempt} of {spec.attempts}): "
                    f"{exc}; trying again with a fresh link{resuming}"
                )
                spec.sleep(min(exc.wait, spec.max_wait))
    except BaseException:
        partial.path.unlink(missing_ok=True)
        raise


def _fetch(spec: Download, url: str, partial: PartialFile) -> None:
    with requests.Session() as plain:
        for _ in range(6):
            # Identity encoding: byte ranges then count the bytes written to disk.
            headers = {"Accept-Encoding": "identity"}
            if partial.size:  # the rest only; all of it if the object changed (If-Range)
                headers["Range"] = f"bytes={partial.size}-"
                if partial.etag:
                    headers["If-Range"] = partial.etag
            if spec.auth_host and urlsplit(url).netloc == spec.auth_host:
                headers.update(spec.auth_headers)
            try:
                response = plain.get(
                    url, headers=headers, stream=True, allow_redirects=False, timeout=spec.timeout
                )
            except requests.RequestException as exc:
                raise AttemptError(
                    f"connection error at {without_query(url)} ({type(exc).__name__})", wait=1.0
                ) from None
            if response.status_code in REDIRECTS and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                response.close()
                continue
            _save(response, partial, without_query(url))
            return
    raise AttemptError("too many redirects")


def _save(response: requests.Response, partial: PartialFile, where: str) -> None:
    """Write (200) or append (206) the body; raise if it ended short."""
    with response:
        status = response.status_code
        if status == 416:  # Range Not Satisfiable
            partial.restart()
            raise AttemptError("the file host refused the resume range; starting over")
        if is_retryable_status(status):
            wait = retry_after_seconds(response)
            raise AttemptError(f"HTTP {status} from {where}", wait=1.0 if wait is None else wait)
        if status not in (200, 206):
            raise AttemptError(f"HTTP {status} from {where} (an expired or used link?)")
        if status == 206:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != partial.size:
                partial.restart()
                raise AttemptError("the file host answered an unexpected range; starting over")
            total = None if match.group(3) == "*" else int(match.group(3))
        else:
            length = response.headers.get("Content-Length")
            total = int(length) if length is not None else None
            partial.restart()
        partial.etag = response.headers.get("ETag")
        try:
            with partial.path.open("ab") as handle:  # after a restart(), the whole body
                handle.writelines(_chunks(response))
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise AttemptError(
                f"the transfer broke after {partial.size} bytes ({type(exc).__name__})", wait=1.0
            ) from None
        if total is not None and partial.size != total:
            raise AttemptError(f"got {partial.size} of {total} bytes", wait=1.0)


def _verify(spec: Download, partial: PartialFile) -> None:
    if spec.expected_size is not None and partial.size != int(spec.expected_size):
        size = partial.size
        partial.restart()
        raise AttemptError(f"got {size} bytes, the API says {int(spec.expected_size)}")
    problem = spec.check(partial.path) if spec.check else None
    if problem:
        partial.restart()
        raise AttemptError(problem)


def _chunks(response: requests.Response) -> t.Iterator[bytes]:
    """The body as it arrives: bytes received before a break are kept for the resume."""
    raw = response.raw
    if not hasattr(raw, "read1"):  # urllib3 < 2
        yield from response.iter_content(CHUNK_BYTES)
        return
    while chunk := raw.read1(CHUNK_BYTES, decode_content=True):
        yield chunk
