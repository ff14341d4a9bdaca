"""Export windows: UpdatedUtc ranges (at most 180 days, ending at least 5 minutes
before now) and, for ledger entries, posting-date ranges."""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass

MAX_DAYS = 180
SAFETY_MARGIN = dt.timedelta(minutes=5, seconds=30)


@dataclass(frozen=True)
class Window:
    start: str | None  # ISO date-time (UpdatedUtc) or date (posting); None = everything
    end: str
    by_posting_date: bool = False

    def filters(self) -> dict[str, t.Any]:
        """The ``exports/add`` filter fields for this window."""
        if self.by_posting_date:
            return {"LedgerEntryFilters": {"Posting": {"Start": self.start, "End": self.end}}}
        if self.start is None:
            return {}
        return {"Filters": {"UpdatedUtc": {"StartUtc": self.start, "EndUtc": self.end}}}

    def as_dict(self) -> dict[str, t.Any]:
        return {"start": self.start, "end": self.end, "by_posting_date": self.by_posting_date}

    @classmethod
    def from_dict(cls, data: dict[str, t.Any]) -> Window:
        return cls(data.get("start"), data["end"], bool(data.get("by_posting_date")))


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def updated_windows(start: str | None, now: dt.datetime, days: int = MAX_DAYS) -> list[Window]:
    """UpdatedUtc windows from ``start`` to 5+ minutes before ``now``."""
    end = (now - SAFETY_MARGIN).replace(microsecond=0)
    if start is None:
        return [Window(None, iso(end))]
    cursor = parse(start)
    if cursor >= end:
        return []
    windows = []
    while cursor < end:
        upper = min(cursor + dt.timedelta(days=days), end)
        windows.append(Window(iso(cursor), iso(upper)))
        cursor = upper
    return windows


def posting_windows(start: dt.date, today: dt.date, days: int = MAX_DAYS) -> list[Window]:
    """Posting-date windows (inclusive dates) from ``start`` to ``today``."""
    windows = []
    cursor = start
    while cursor <= today:
        upper = min(cursor + dt.timedelta(days=days - 1), today)
        windows.append(Window(cursor.isoformat(), upper.isoformat(), by_posting_date=True))
        cursor = upper + dt.timedelta(days=1)
    return windows
