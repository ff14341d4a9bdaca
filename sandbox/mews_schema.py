"""Mews' published request schemas of ``exports/add`` and ``exports/getAll``, enforced.

Every object takes only its documented properties (docs.mews.com, Connector API,
Exports; the body of every operation also takes ``LanguageCode`` and ``CultureCode``),
with their types and formats: GUIDs, ISO 8601 UTC date-times, ``YYYY-MM-DD`` dates.
Anything else is answered 400 with a Mews-style error body naming the property
(``{"Message": "Invalid <property>: ...", "RequestId": ...}``), so a tap that puts a
field where Mews would not read it fails here as it would against Mews.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t
import uuid
from dataclasses import dataclass

from sandbox.core import HTTPError

ENTITY_TYPES = (
    "OrderItem",
    "Payment",
    "Reservation",
    "Customer",
    "Company",
    "Bill",
    "AvailabilityAdjustment",
    "AvailabilityBlock",
    "ResourceBlock",
    "LedgerEntry",
)
CREDENTIALS = ("ClientToken", "AccessToken", "Client", "LanguageCode", "CultureCode")
ADD_BODY = (*CREDENTIALS, "EntityType", "Scope", "Filters")
GET_ALL_BODY = (*CREDENTIALS, "ExportIds")
SCOPE = ("EnterpriseIds", "ChainIds")
FILTERS = ("UpdatedUtc", "LedgerEntryFilters")  # ExportDataFilters
LEDGER_ENTRY_FILTERS = ("Posting",)
TIME_INTERVAL = ("StartUtc", "EndUtc")
DATE_INTERVAL = ("Start", "End")
MAX_IDS = 1000

_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True)
class ExportRequest:
    """What a valid ``exports/add`` body asks for."""

    entity_type: str
    updated: tuple[dt.datetime, dt.datetime] | None  # Filters.UpdatedUtc
    posting: tuple[dt.date, dt.date] | None  # Filters.LedgerEntryFilters.Posting
    enterprise_ids: list[str] | None
    chain_ids: list[str] | None
    filters: dict[str, t.Any] | None  # as sent, echoed in the Export


def invalid(name: str, why: str) -> HTTPError:
    """Mews' 400 for a bad request: ``Invalid <property>: <why>``."""
    return HTTPError(400, {"Message": f"Invalid {name}: {why}.", "RequestId": str(uuid.uuid4())})


def add_request(body: dict[str, t.Any]) -> ExportRequest:
    """The ``exports/add`` body checked against Mews' schema (400 on the first fault)."""
    _only(body, "", ADD_BODY, "exports/add")
    kind = body.get("EntityType")
    if kind is None:
        raise invalid("EntityType", "required")
    if kind not in ENTITY_TYPES:
        raise invalid("EntityType", f"{kind!r} is not one of {', '.join(ENTITY_TYPES)}")
    enterprises = chains = None
    scope = body.get("Scope")
    if scope is not None:
        _only(scope, "Scope", SCOPE, "Export scope parameters")
        enterprises = _guids(scope.get("EnterpriseIds"), "Scope.EnterpriseIds")
        chains = _guids(scope.get("ChainIds"), "Scope.ChainIds")
    updated = posting = None
    filters = body.get("Filters")
    if filters is not None:
        _only(filters, "Filters", FILTERS, "Export data filters")
        if filters.get("UpdatedUtc") is not None:
            updated = _time_interval(filters["UpdatedUtc"], "Filters.UpdatedUtc")
        ledger = filters.get("LedgerEntryFilters")
        if ledger is not None:
            if kind != "LedgerEntry":
                raise invalid("Filters.LedgerEntryFilters", "only for EntityType LedgerEntry")
            _only(
                ledger,
                "Filters.LedgerEntryFilters",
                LEDGER_ENTRY_FILTERS,
                "Export ledger entry data filters",
            )
            posting = _date_interval(ledger.get("Posting"), "Filters.LedgerEntryFilters.Posting")
    if kind == "LedgerEntry" and posting is None:
        raise invalid("Filters.LedgerEntryFilters", "required when EntityType is LedgerEntry")
    return ExportRequest(kind, updated, posting, enterprises, chains, filters)


def get_all_request(body: dict[str, t.Any]) -> list[str]:
    """The ``ExportIds`` of a ``exports/getAll`` body checked against Mews' schema."""
    _only(body, "", GET_ALL_BODY, "exports/getAll")
    ids = _guids(body.get("ExportIds"), "ExportIds")
    if ids is None:
        raise invalid("ExportIds", "required")
    return ids


def credentials(body: t.Any) -> dict[str, t.Any]:
    """The body as an object whose credential properties are strings (or absent)."""
    if not isinstance(body, dict):
        raise invalid("request", "the body must be a JSON object")
    for name in CREDENTIALS:
        if body.get(name) is not None and not isinstance(body[name], str):
            raise invalid(name, f"expected a string, got {_json_type(body[name])}")
    return body


def _only(value: t.Any, path: str, allowed: tuple[str, ...], what: str) -> None:
    """``value`` is an object with no property but ``allowed``."""
    if not isinstance(value, dict):
        raise invalid(path, f"expected an object ({what}), got {_json_type(value)}")
    for key in value:
        if key not in allowed:
            name = f"{path}.{key}" if path else key
            raise invalid(name, f"{what} has no such property; it takes {', '.join(allowed)}")


def _guids(value: t.Any, path: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_IDS:
        raise invalid(path, f"expected an array of 1 to {MAX_IDS} ids")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not _GUID.match(item):
            raise invalid(f"{path}[{index}]", f"expected a GUID, got {item!r}")
    return value


def _time_interval(value: t.Any, path: str) -> tuple[dt.datetime, dt.datetime]:
    _only(value, path, TIME_INTERVAL, "Time interval")
    start = _date_time(value.get("StartUtc"), f"{path}.StartUtc")
    end = _date_time(value.get("EndUtc"), f"{path}.EndUtc")
    return start, end


def _date_interval(value: t.Any, path: str) -> tuple[dt.date, dt.date]:
    if value is None:
        raise invalid(path, "required")
    _only(value, path, DATE_INTERVAL, "Date interval")
    return _date(value.get("Start"), f"{path}.Start"), _date(value.get("End"), f"{path}.End")


def _date_time(value: t.Any, path: str) -> dt.datetime:
    if value is None:
        raise invalid(path, "required")
    if isinstance(value, str) and _DATE_TIME.match(value):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise invalid(
        path, f"expected an ISO 8601 date-time in UTC (2024-01-31T00:00:00Z), got {value!r}"
    )


def _date(value: t.Any, path: str) -> dt.date:
    if value is None:
        raise invalid(path, "required")
    if isinstance(value, str) and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise invalid(path, f"expected an ISO 8601 date (2024-01-31), got {value!r}")


def _json_type(value: t.Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"
