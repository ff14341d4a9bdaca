"""Split a time range into consecutive windows of at most N days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    start: dt.datetime | None  # None: from the beginning of time
    end: dt.datetime

    def updated_at_filter(self) -> str | None:
        """The ``updated_at`` range filter (``A,B``), or None for an open start."""
        if self.start is None:
            return None
        return f"{iso(self.start)},{iso(self.end)}"


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def split(start: dt.datetime, end: dt.datetime, days: float) -> list[Window]:
    """Windows covering [start, end], each at most ``days`` long, in order."""
    if start >= end:
        return [Window(start, end)]
    step = dt.timedelta(days=days)
    windows = []
    cursor = start
    while cursor < end:
        upper = min(cursor + step, end)
        windows.append(Window(cursor, upper))
        cursor = upper
    return windows


def parse(value: str | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
