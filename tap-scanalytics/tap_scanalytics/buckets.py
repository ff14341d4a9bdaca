"""Bucket sizes, request windows and local-time conversion for the visits aggregates.

The API takes ``start``/``end`` as local times without an offset in ``timezone`` and
refuses windows longer than 31 days. Windows start and end on local midnights, which
are bucket boundaries for every accepted bucket size, so consecutive windows (and
consecutive runs) cut the same buckets.
"""

import datetime as dt
import re
import typing as t
from zoneinfo import ZoneInfo

MAX_WINDOW_DAYS = 31  # the API refuses longer windows with 400
_BUCKET = re.compile(r"([1-9]\d*)([mhd])")
_UNIT_PER_DAY = {"m": 24 * 60, "h": 24}


def bucket_problem(bucket: str) -> str | None:
    """Why ``bucket`` cannot be used, or None when it is fine."""
    match = _BUCKET.fullmatch(bucket or "")
    if not match:
        return "use <number><m|h|d>, e.g. 15m, 1h or 1d"
    size, unit = int(match.group(1)), match.group(2)
    if unit in _UNIT_PER_DAY and _UNIT_PER_DAY[unit] % size:
        # Otherwise windows (cut on local midnights) would split buckets.
        return f"{bucket} does not divide a day; use a size that does (e.g. 15m, 2h, 6h)"
    if unit == "d" and size > MAX_WINDOW_DAYS:
        return f"{bucket} is longer than the longest window the API allows (31 days)"
    return None


def window_days(bucket: str) -> int:
    """Longest window (in days) holding whole buckets only."""
    match = _BUCKET.fullmatch(bucket)
    if match and match.group(2) == "d":
        size = int(match.group(1))
        return MAX_WINDOW_DAYS // size * size
    return MAX_WINDOW_DAYS


def windows(
    since: dt.datetime, until: dt.datetime, zone: ZoneInfo, days: int
) -> t.Iterator[tuple[str, str]]:
    """(start, end) local times without offset covering [since, until), midnight-aligned."""
    local_day = since.astimezone(zone).date()
    last = until.astimezone(zone)
    last_day = last.date() + dt.timedelta(days=1 if last.time() != dt.time(0) else 0)
    while local_day < last_day:
        upper = min(local_day + dt.timedelta(days=days), last_day)
        yield (f"{local_day.isoformat()}T00:00:00", f"{upper.isoformat()}T00:00:00")
        local_day = upper


def to_utc(value: str, zone: ZoneInfo, after: dt.datetime | None) -> dt.datetime:
    """A bucket time in UTC. Times with an offset are exact; times without one are local
    to ``zone``. Of the two readings of the autumn hour that happens twice, the first one
    later than ``after`` (the previous bucket) is taken: buckets come in time order, so
    neither bucket of that hour is lost or doubled."""
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC)
    readings = sorted(
        {moment.replace(tzinfo=zone, fold=fold).astimezone(dt.UTC) for fold in (0, 1)}
    )
    later = [r for r in readings if after is None or r > after]
    return later[0] if later else readings[-1]
