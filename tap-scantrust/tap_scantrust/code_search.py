"""Code search tasks: created for every campaign up front, then polled together.

``GET /api/v2/codes/download/?campaign=...`` starts a background search and answers
a document key; ``GET /api/v2/documents/{key}`` reports its status until
``complete``. Creating every task before waiting on any makes N campaigns take
about as long as the slowest one, not the sum.
"""

from __future__ import annotations

import time
import typing as t
from dataclasses import dataclass, field

from tap_scantrust.errors import CampaignError
from tap_scantrust.windows import Window

if t.TYPE_CHECKING:
    from tap_scantrust.client import ScantrustStream

DONE = "complete"
FAILED = {"failed", "error", "cancelled", "canceled"}


@dataclass
class SearchTask:
    campaign_id: int
    window: Window
    params: dict[str, t.Any]
    key: str | None = None
    status: str = "new"
    row_count: int | None = None
    created_at: float = 0.0
    error: str | None = None


@dataclass
class SearchPlan:
    """Every campaign's tasks, in window order, and the errors met creating them."""

    stream: ScantrustStream
    poll_interval: float
    timeout: float
    tasks: dict[int, list[SearchTask]] = field(default_factory=dict)

    def create(self, campaign_id: int, windows: list[Window], filters: dict[str, t.Any]) -> None:
        tasks = []
        for window in windows:
            params = {"campaign": campaign_id, **filters}
            if window.updated_at_filter():
                params["updated_at"] = window.updated_at_filter()
            task = SearchTask(campaign_id, window, params)
            tasks.append(task)
            try:
                answer = self.stream.api_get("/api/v2/codes/download/", params)
            except CampaignError as exc:
                task.error = f"Campaign {campaign_id}: the code search was refused ({exc})"
                break  # the campaign's later windows would fail alike
            key = (answer.get("document") or {}).get("key")
            if not key:
                task.error = f"Campaign {campaign_id}: the search task answer had no document key"
                break
            task.key, task.status, task.created_at = key, "pending", time.monotonic()
        self.tasks[campaign_id] = tasks

    def wait(self, task: SearchTask) -> SearchTask:
        """Block until ``task`` completes, polling every unfinished task meanwhile."""
        while True:
            if task.error:
                raise CampaignError(task.error)
            if task.status == DONE:
                return task
            self._poll_pending()
            if task.status not in (DONE,) and not task.error:
                time.sleep(self.poll_interval)

    def _poll_pending(self) -> None:
        for tasks in self.tasks.values():
            for task in tasks:
                if task.key is None or task.error or task.status == DONE:
                    continue
                try:
                    document = self.stream.api_get(f"/api/v2/documents/{task.key}")
                except CampaignError as exc:
                    task.error = f"Campaign {task.campaign_id}: {exc}"
                    continue
                task.status = str(document.get("status", "")).lower()
                task.row_count = document.get("row_count")
                if task.status in FAILED:
                    task.error = (
                        f"Campaign {task.campaign_id}: search task {task.key} ended with "
                        f"status '{task.status}'"
                    )
                elif task.status != DONE and time.monotonic() - task.created_at > self.timeout:
                    # Checked after the poll: a task that finished while an earlier
                    # window was downloading has not timed out.
                    task.error = (
                        f"Campaign {task.campaign_id}: search task {task.key} did not complete "
                        f"within job_timeout_seconds={self.timeout:g} (last status "
                        f"'{task.status}')"
                    )
