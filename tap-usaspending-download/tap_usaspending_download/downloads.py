"""Windows, row-count checks, download requests and their files.

USAspending cuts each file of a download at its row limit (500,000) without saying
so in the file. Before each download the tap asks ``/api/v2/download/count/`` for
every spending level the selected streams read: a window over the limit is cut in
two until every part fits; a single day still over the limit
is an error naming the day. Each (download kind, window) zip is fetched once and
kept on disk for every stream that reads from it.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

from tap_usaspending_download.errors import DownloadError

if t.TYPE_CHECKING:
    from tap_usaspending_download.client import USAspendingClient

DONE = {"finished", "complete"}  # current words, then the 2017 design's
FAILED = {"failed"}
logger = logging.getLogger("tap-usaspending-download.downloads")


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def halves(self) -> tuple[Window, Window]:
        middle = self.start + dt.timedelta(days=self.days // 2 - 1)
        return Window(self.start, middle), Window(middle + dt.timedelta(days=1), self.end)


def split(start: dt.date, end: dt.date, days: int) -> list[Window]:
    windows, cursor = [], start
    while cursor <= end:
        upper = min(cursor + dt.timedelta(days=days - 1), end)
        windows.append(Window(cursor, upper))
        cursor = upper + dt.timedelta(days=1)
    return windows


class DownloadManager:
    def __init__(
        self,
        client: USAspendingClient,
        *,
        filters: dict[str, t.Any],
        date_type: str,
        columns: list[str] | None,
        poll_interval: float,
        timeout: float,
        attempts: int = 3,
    ) -> None:
        self.client = client
        self.filters = filters
        self.date_type = date_type
        self.columns = columns
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.attempts = attempts
        self.workdir = Path(tempfile.mkdtemp(prefix="tap-usaspending-"))
        self._files: dict[tuple[str, Window], Path] = {}
        self._fitting: dict[tuple[Window, frozenset[str]], list[Window]] = {}

    def window_filters(self, window: Window) -> dict[str, t.Any]:
        period = {
            "start_date": window.start.isoformat(),
            "end_date": window.end.isoformat(),
            "date_type": self.date_type,
        }
        return {**self.filters, "time_period": [period]}

    # -- never truncated -------------------------------------------------------------
    def fitting(self, window: Window, levels: t.Collection[str]) -> list[Window]:
        """``window`` cut (in halves, recursively) until each part fits the row limit.

        ``levels`` are the count's spending levels of the files the selected streams
        read (awards, transactions, subawards): the limit applies to each file.
        """
        key = (window, frozenset(levels))
        if key not in self._fitting:
            over = [answer for level in sorted(levels) if (answer := self._over(window, level))]
            if not over:
                self._fitting[key] = [window]
            elif window.days == 1:
                level, count, limit = over[0]
                raise DownloadError(
                    f"{window.start.isoformat()} alone holds {count} {level} rows, over the "
                    f"download limit of {limit}: narrow the filters for that day."
                )
            else:
                level, count, limit = over[0]
                logger.info(
                    "%s to %s holds %s %s rows (limit %s): splitting",
                    window.start,
                    window.end,
                    count,
                    level,
                    limit,
                )
                first, second = window.halves()
                self._fitting[key] = self.fitting(first, levels) + self.fitting(second, levels)
        return self._fitting[key]

    def _over(self, window: Window, level: str) -> tuple[str, t.Any, t.Any] | None:
        """(level, count, limit) when ``window`` holds more ``level`` rows than a file may."""
        answer = self.client.call(
            "POST",
            "/api/v2/download/count/",
            json={"filters": self.window_filters(window), "spending_level": level},
        )
        # Current names first, then the transaction_* ones the API still sends.
        count = _first(answer, "calculated_count", "calculated_transaction_count")
        limit = _first(answer, "maximum_limit", "maximum_transaction_limit")
        over = _first(answer, "rows_gt_limit", "transaction_rows_gt_limit")
        if over is None and isinstance(count, int) and isinstance(limit, int):
            over = count > limit
        if over is None:
            raise DownloadError(f"/api/v2/download/count/ answered without a row count: {answer}")
        return (level, count, limit) if over else None

    # -- the files -----------------------------------------------------------------
    def zip_for(self, download: str, window: Window) -> Path:
        key = (download, window)
        if key not in self._files:
            self._files[key] = self._download(download, window)
        return self._files[key]

    def release(self, download: str, window: Window) -> None:
        path = self._files.pop((download, window), None)
        if path is not None:
            path.unlink(missing_ok=True)

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _download(self, download: str, window: Window) -> Path:
        body: dict[str, t.Any] = {"filters": self.window_filters(window), "file_format": "csv"}
        if self.columns:
            body["columns"] = self.columns
        last_message = ""
        for attempt in range(1, self.attempts + 1):
            answer = self.client.call("POST", f"/api/v2/download/{download}/", json=body)
            file_name = answer.get("file_name")
            if not file_name:
                raise DownloadError(f"The {download} download request answered no file_name")
            status = self._wait(file_name, answer)
            if status["status"] in DONE:
                url = status.get("file_url") or status.get("url") or answer.get("file_url")
                if not url:
                    raise DownloadError(f"The download {file_name} finished without a file URL")
                return self.client.fetch(url, self.workdir)
            last_message = status.get("message") or "no message"
            logger.warning(
                "The %s download %s failed (%s); requesting it again (%d of %d)",
                download,
                file_name,
                last_message,
                attempt,
                self.attempts,
            )
        raise DownloadError(
            f"The {download} download for {window.start} to {window.end} failed "
            f"{self.attempts} times: {last_message}"
        )

    def _wait(self, file_name: str, answer: dict[str, t.Any]) -> dict[str, t.Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            status = self.client.call(
                "GET", "/api/v2/download/status/", params={"file_name": file_name}
            )
            word = str(status.get("status", "")).lower()
            if word == "does_not_exist":
                raise DownloadError(f"USAspending does not know the download {file_name}")
            if word in DONE or word in FAILED:
                return {**status, "status": word}
            if time.monotonic() > deadline:
                raise DownloadError(
                    f"The download {file_name} was still '{word}' after job_timeout_seconds="
                    f"{self.timeout:g}; the bookmark was not moved."
                )
            time.sleep(self.poll_interval)


def _first(answer: dict[str, t.Any], *names: str) -> t.Any:
    return next((answer[n] for n in names if answer.get(n) is not None), None)
