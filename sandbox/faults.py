"""Opt-in fault injection for the stand-ins.

A test arms faults on an app (``app.faults.status(r"/traces", 429, retry_after=1)``)
and the next matching requests get them instead of the normal answer. Faults are
consumed in the order they were armed, ``times`` requests each.
"""

from __future__ import annotations

import json
import re
import threading
import typing as t
from dataclasses import dataclass, field

if t.TYPE_CHECKING:
    from sandbox.core import Response


@dataclass
class Fault:
    kind: str  # "status" (answer with an error) or "drop" (cut the body midway)
    pattern: re.Pattern[str]
    method: str | None = None
    times: int = 1
    status: int = 500
    payload: t.Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.search(path))

    def response(self) -> Response:
        from sandbox.core import Response

        payload = self.payload if self.payload is not None else {"detail": "injected fault"}
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return Response(self.status, body, {"Content-Type": "application/json", **self.headers})


class FaultPlan:
    """Armed faults of one app, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def status(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        method: str | None = None,
        retry_after: float | None = None,
        payload: t.Any = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status``."""
        all_headers = dict(headers or {})
        if retry_after is not None:
            all_headers["Retry-After"] = str(retry_after)
        return self._arm(
            Fault("status", re.compile(path), method, times, status, payload, all_headers)
        )

    def drop(self, path: str, *, times: int = 1, method: str | None = None) -> Fault:
        """Send half of the next ``times`` matching bodies, then cut the connection."""
        return self._arm(Fault("drop", re.compile(path), method, times))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> int:
        with self._lock:
            return sum(f.times for f in self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if one is armed (consumes one use)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _arm(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def arm_from_json(self, spec: dict[str, t.Any]) -> Fault:
        """Arm a fault described as JSON (the ``/_sandbox/faults`` control route)."""
        kind = spec.get("kind", "status")
        if kind == "drop":
            return self.drop(
                spec["path"], times=int(spec.get("times", 1)), method=spec.get("method")
            )
        return self.status(
            spec["path"],
            int(spec.get("status", 500)),
            times=int(spec.get("times", 1)),
            method=spec.get("method"),
            retry_after=spec.get("retry_after"),
            payload=spec.get("payload"),
        )


# A file's rows cut at a row boundary, or grown, while its declared count stays (an export
# still being written, a proxy, a provider bug): the provider apps' ``row_faults``.
ROW_FAULTS = ("fewer", "header only", "more")


def miscounted(rows: list[t.Any], fault: str | None) -> list[t.Any]:
    """The rows a file holds under ``fault``: a tenth fewer, none, or three more (repeated)."""
    if fault == "fewer":
        return rows[: len(rows) - max(1, len(rows) // 10)]
    if fault == "header only":
        return []
    if fault == "more":
        return rows + rows[:3]
    if fault is not None:
        raise ValueError(f"unknown row fault {fault!r} (known: {', '.join(ROW_FAULTS)})")
    return rows
