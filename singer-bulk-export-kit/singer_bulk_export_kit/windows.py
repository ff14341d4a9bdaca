"""Time windows: a range cut into consecutive pieces, each one job or one request.
``TimeWindow`` holds instants (no start: from the beginning), ``DateWindow`` whole days
with an inclusive end."""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass


def parse_instant(value: str) -> dt.datetime:
    """An ISO 8601 instant; one without an offset is taken as UTC."""
    moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def iso_utc(moment: dt.datetime) -> str:
    """RFC 3339 in UTC to the second, with a ``Z``: ``2024-01-31T23:00:00Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class TimeWindow:
    start: dt.datetime | None  # None: from the beginning of time
    end: dt.datetime

    def as_dict(self) -> dict[str, t.Any]:
        return {"start": iso_utc(self.start) if self.start else None, "end": iso_utc(self.end)}

    @classmethod
    def from_dict(cls, data: t.Mapping[str, t.Any]) -> TimeWindow:
        start = data.get("start")
        return cls(parse_instant(start) if start else None, parse_instant(data["end"]))


def split_time(start: dt.datetime | None, end: dt.datetime, step: dt.timedelta) -> list[TimeWindow]:
    """Windows covering [start, end], each at most ``step`` long, in order. No start gives
    one open window; a start at or after the end one window ending at ``end`` (nothing new,
    but the caller still gets its bookmark)."""
    if step <= dt.timedelta(0):
        raise ValueError(f"a window must be longer than 0 (got {step})")
    if start is None or start >= end:
        return [TimeWindow(start, end)]
    windows, cursor = [], start
    while cursor < end:
        upper = min(cursor + step, end)
        windows.append(TimeWindow(cursor, upper))
        cursor = upper
    return windows


@dataclass(frozen=True)
class DateWindow:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def halves(self) -> tuple[DateWindow, DateWindow]:
        middle = self.start + dt.timedelta(days=self.days // 2 - 1)
        return DateWindow(self.start, middle), DateWindow(middle + dt.timedelta(days=1), self.end)

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_dict(cls, data: t.Mapping[str, t.Any]) -> DateWindow:
        return cls(dt.date.fromisoformat(data["start"]), dt.date.fromisoformat(data["end"]))

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def split_dates(start: dt.date, end: dt.date, days: int) -> list[DateWindow]:
    """Day windows covering [start, end] (both inclusive), each at most ``days`` long."""
    if days < 1:
        raise ValueError(f"a window must hold at least one day (got {days})")
    windows, cursor = [], start
    while cursor <= end:
        upper = min(cursor + dt.timedelta(days=days - 1), end)
        windows.append(DateWindow(cursor, upper))
        cursor = upper + dt.timedelta(days=1)
    return windows
