"""Mews Connector API exports stand-in: ``exports/add`` and ``exports/getAll``.

Exports go Pending -> Processing -> Success after ``job_seconds`` (or Failed /
Expired on demand), answer 400 while one of the same entity type is in flight,
and produce several JSON Lines files whose URLs expire quickly and are renewed by
every ``getAll`` (pre-signed: the query string is the signature). Entities are
deterministic from the seed, with ``UpdatedUtc`` spread over 2024 so the UpdatedUtc
filter really filters (half-open, as Mews' time intervals: start inclusive, end
exclusive); ``Scope`` (EnterpriseIds / ChainIds) filters by enterprise. Request bodies
are held to Mews' published schema (``sandbox.mews_schema``): an unknown or malformed
property is a 400 naming it.

Faults on demand besides ``app.faults``: ``fail_next_exports``,
``expire_next_exports``, ``expire(id)``, ``truncate_next_downloads`` (a short file),
``corrupt_next_downloads`` (a broken line mid-file, same size),
``expire_urls_after_downloads`` (every issued URL stops working after N more files),
``file_outage_after_downloads`` (after N more files, every file request answers 503),
``refuse_exports`` (entity type -> the Message of a 400 to its ``exports/add``) and
``unknown_status`` (a status word reported instead of Pending/Processing).
``served`` lists ``(file name, HTTP status)`` of every file request.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import tempfile
import time
import typing as t
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.core import HTTPError, Request, Response, SandboxApp, route
from sandbox.mews_schema import ExportRequest, add_request, credentials, get_all_request, invalid

# The demo tokens published in Mews' documentation (the seed).
CLIENT_TOKEN = "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D"
ACCESS_TOKEN = "C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D"
ENTITY_COUNTS = {
    "OrderItem": 120,
    "Payment": 60,
    "Reservation": 40,
    "Customer": 50,
    "Company": 10,
    "Bill": 30,
    "AvailabilityAdjustment": 8,
    "AvailabilityBlock": 6,
    "ResourceBlock": 5,
    "LedgerEntry": 80,
}
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SPAN_DAYS = 360
MAX_WINDOW = dt.timedelta(days=180)
API = "/api/connector/v1/exports"
ENTERPRISE_ID = "851df8c8-90f2-4c4a-8e01-a4fc46b25178"
CHAIN_ID = "1df21f06-0cfc-4960-9c58-a3bf1261663e"  # the chain of ENTERPRISE_ID
FILTER_KEYS = ("UpdatedUtc", "LedgerEntryFilters")  # an Export echoes both, null if unset


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass
class Export:
    id: str
    entity_type: str
    token: str
    created: float
    rows: list[dict[str, t.Any]]
    status: str = "Pending"
    fail: bool = False
    expire_when_done: bool = False
    files: list[Path] = field(default_factory=list)
    expires_utc: str | None = None
    scope: dict[str, t.Any] = field(default_factory=dict)  # echoed as Mews does
    filters: dict[str, t.Any] | None = None


class MewsApp(SandboxApp):
    name = "mews"
    default_port = 8703
    provider = True

    def __init__(
        self,
        *,
        rows_per_file: int = 25,
        url_seconds: float = 600.0,
        rate_limit: int = 200,
        rate_window: float = 30.0,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(**kwargs)
        self.rows_per_file = rows_per_file
        self.url_seconds = url_seconds
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.entities = {kind: _generate(self.seed, kind, n) for kind, n in ENTITY_COUNTS.items()}
        self.exports: dict[str, Export] = {}
        # token -> (file, expiry, signature)
        self.file_urls: dict[str, tuple[Path, float, str]] = {}
        self.fail_next_exports = 0
        self.expire_next_exports = 0
        self.truncate_next_downloads = 0
        self.corrupt_next_downloads = 0
        self.expire_urls_after_downloads: int | None = None
        self.file_outage_after_downloads: int | None = None
        self.served: list[tuple[str, int]] = []  # (file name, status) of each file request
        self.omit_retry_after = False
        self.refuse_exports: dict[str, str] = {}  # entity type -> Mews' Message for a 400
        self.unknown_status: str | None = None  # reported instead of Pending/Processing
        self._calls: dict[str, deque[float]] = {}
        self._workdir = Path(tempfile.mkdtemp(prefix="sandbox-mews-"))

    def demo_config(self) -> dict[str, t.Any]:
        return {
            "api_url": self.base_url,
            "client_token": CLIENT_TOKEN,
            "access_token": ACCESS_TOKEN,
            "start_date": "2024-01-01T00:00:00Z",
            "entity_types": list(ENTITY_COUNTS),
            "poll_interval_seconds": 1,
        }

    # -- test controls -----------------------------------------------------------
    def update_entities(self, kind: str, count: int, at: dt.datetime) -> list[str]:
        with self.lock:
            changed = self.entities[kind][:count]
            for row in changed:
                row["UpdatedUtc"] = iso(at)
            return [row["Id"] for row in changed]

    def expire(self, export_id: str) -> None:
        with self.lock:
            self.exports[export_id].status = "Expired"

    def matching(self, kind: str, start: dt.datetime | None, end: dt.datetime | None) -> list[dict]:
        with self.lock:
            return [r for r in self.entities[kind] if _in_window(r, kind, start, end)]

    # -- API ---------------------------------------------------------------------
    @route("POST", API + r"/add")
    def add(self, request: Request) -> Response:
        body = self._authorize(request)
        asked = add_request(body)
        kind = asked.entity_type
        start, end = self._window(asked)
        in_scope = self._scope(asked)
        with self.lock:
            if kind in self.refuse_exports:
                raise HTTPError(400, {"Message": self.refuse_exports[kind]})
            busy = [
                e
                for e in self.exports.values()
                if e.entity_type == kind and self._status(e) in ("Pending", "Processing")
            ]
            if busy:
                raise HTTPError(
                    400,
                    {"Message": f"Export of entity type {kind} is already pending or processing."},
                )
            rows = [
                dict(r)
                for r in self.entities[kind]
                if _in_window(r, kind, start, end) and in_scope(r)
            ]
            fail = self.fail_next_exports > 0
            self.fail_next_exports -= 1 if fail else 0
            expire = not fail and self.expire_next_exports > 0
            self.expire_next_exports -= 1 if expire else 0
            export = Export(
                str(uuid.uuid4()), kind, body["AccessToken"], time.time(), rows, fail=fail
            )
            export.expire_when_done = expire
            export.scope = {"EnterpriseIds": asked.enterprise_ids, "ChainIds": asked.chain_ids}
            if asked.filters is not None:
                export.filters = {key: asked.filters.get(key) for key in FILTER_KEYS}
            self.exports[export.id] = export
        return Response.json({"Export": self._export_json(export)})

    @route("POST", API + r"/getAll")
    def get_all(self, request: Request) -> Response:
        ids = get_all_request(self._authorize(request))
        with self.lock:
            found = [self.exports[i] for i in ids if i in self.exports]
            return Response.json({"Exports": [self._export_json(e) for e in found]})

    @route("GET", r"/files/(?P<token>[\w-]+)\.jsonl")
    def file(self, request: Request) -> Response:
        with self.lock:
            found = self.file_urls.get(request.params["token"])
            if found is None or found[1] < time.time() or request.arg("sig") != found[2]:
                self.served.append((found[0].name if found else "?", 403))
                return Response(
                    403,
                    b"<Error><Code>AuthenticationFailed</Code><Message>Signature not valid in "
                    b"the specified time frame</Message></Error>",
                    {"Content-Type": "application/xml"},
                )
            path = found[0]
            if self.file_outage_after_downloads is not None:
                if self.file_outage_after_downloads <= 0:
                    self.served.append((path.name, 503))
                    return Response(503, b"Server busy", {"Content-Type": "text/plain"})
                self.file_outage_after_downloads -= 1
            self.served.append((path.name, 200))
            truncate = self.truncate_next_downloads > 0
            self.truncate_next_downloads -= 1 if truncate else 0
            corrupt = not truncate and self.corrupt_next_downloads > 0
            self.corrupt_next_downloads -= 1 if corrupt else 0
            if self.expire_urls_after_downloads is not None:
                self.expire_urls_after_downloads -= 1
                if self.expire_urls_after_downloads <= 0:
                    self.expire_urls_after_downloads = None
                    for key, (other, _, sig) in list(self.file_urls.items()):
                        self.file_urls[key] = (other, 0.0, sig)  # every issued URL expires
        if truncate:
            data = path.read_bytes()
            return Response(200, data[: len(data) - 37], {"Content-Type": "application/jsonl"})
        if corrupt:
            return Response(
                200, _break_middle_line(path.read_bytes()), {"Content-Type": "application/jsonl"}
            )
        return Response.file(path, "application/jsonl")

    # -- helpers -----------------------------------------------------------------
    def _authorize(self, request: Request) -> dict[str, t.Any]:
        try:
            body = credentials(json.loads(request.body or b"null"))
        except ValueError:
            raise invalid("JSON", "the request body is not valid JSON") from None
        if body.get("ClientToken") != CLIENT_TOKEN or body.get("AccessToken") != ACCESS_TOKEN:
            raise HTTPError(401, {"Message": "Invalid ClientToken or AccessToken."})
        if not body.get("Client"):
            raise invalid("Client", "required")
        self._rate_limit(body["AccessToken"])
        return body

    def _rate_limit(self, token: str) -> None:
        now = time.monotonic()
        with self.lock:
            calls = self._calls.setdefault(token, deque())
            while calls and now - calls[0] > self.rate_window:
                calls.popleft()
            if len(calls) >= self.rate_limit:
                wait = self.rate_window - (now - calls[0])
                headers = {} if self.omit_retry_after else {"Retry-After": f"{max(1, round(wait))}"}
                raise HTTPError(429, {"Message": "Too many requests."}, **headers)
            calls.append(now)

    def _scope(self, asked: ExportRequest) -> t.Callable[[dict[str, t.Any]], bool]:
        """Which rows the export's ``Scope`` keeps (every row without one)."""
        if asked.enterprise_ids is None and asked.chain_ids is None:
            return lambda row: True
        allowed = set(asked.enterprise_ids or [])
        if CHAIN_ID in (asked.chain_ids or []):
            allowed.add(ENTERPRISE_ID)
        return lambda row: row.get("EnterpriseId") in allowed

    def _window(self, asked: ExportRequest) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The rows' interval the filters ask for (None: unbounded), within Mews' limits."""
        if asked.posting is not None:  # ledger entries: posting dates, both ends inclusive
            first, last = asked.posting
            # Mews documents no limit here; the stand-in keeps UpdatedUtc's 180 days.
            if last < first or last - first > MAX_WINDOW:
                raise invalid("Filters.LedgerEntryFilters.Posting", "must span 0 to 180 days")
            return _midnight(first), _midnight(last)
        if asked.updated is None:
            return None, None
        start, end = asked.updated
        if end > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5):
            raise invalid("Filters.UpdatedUtc.EndUtc", "must be at least 5 minutes in the past")
        if end < start or end - start > MAX_WINDOW:
            raise invalid("Filters.UpdatedUtc", "the interval must be at most 180 days")
        return start, end

    def _status(self, export: Export) -> str:
        if export.status in ("Expired",):
            return export.status
        elapsed = time.time() - export.created
        if elapsed < self.job_seconds / 2:
            return "Pending"
        if elapsed < self.job_seconds:
            return "Processing"
        if export.fail:
            return "Failed"
        if export.expire_when_done:
            export.status = "Expired"
            return "Expired"
        if not export.files:
            self._write_files(export)
        return "Success"

    def _write_files(self, export: Export) -> None:
        chunks = [
            export.rows[i : i + self.rows_per_file]
            for i in range(0, len(export.rows), self.rows_per_file)
        ]
        for number, chunk in enumerate(chunks, start=1):
            path = self._workdir / f"{export.id}-{number}.jsonl"
            with path.open("w", encoding="utf-8") as handle:
                for row in chunk:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            export.files.append(path)
        export.expires_utc = iso(dt.datetime.now(dt.UTC) + dt.timedelta(days=7))

    def _export_json(self, export: Export) -> dict[str, t.Any]:
        status = self._status(export)
        if self.unknown_status and status in ("Pending", "Processing"):
            status = self.unknown_status
        files = []
        if status == "Success":
            for path in export.files:
                token = secrets.token_hex(12)  # a fresh, short-lived URL per getAll
                signature = secrets.token_urlsafe(16)
                self.file_urls[token] = (path, time.time() + self.url_seconds, signature)
                files.append(
                    {
                        "Url": f"{self.base_url}/files/{token}.jsonl?sv=2024-08-04&sig={signature}",
                        "SizeInBytes": path.stat().st_size,
                    }
                )
        return {
            "Id": export.id,
            "Status": status,
            "EntityType": export.entity_type,
            "Scope": export.scope,
            "Files": files,
            "ExpiresUtc": export.expires_utc if status in ("Success", "Expired") else None,
            "Filters": export.filters,
        }


def _break_middle_line(data: bytes) -> bytes:
    """The file with its middle line garbled (same length, so the size still matches)."""
    lines = data.split(b"\n")
    middle = len(lines) // 2
    lines[middle] = b"#" * len(lines[middle])
    return b"\n".join(lines)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _in_window(row: dict, kind: str, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """Ledger entries: posting date in [start, end] (dates). Others: UpdatedUtc in
    [start, end), or equal to it when start == end (Mews' time-interval filter)."""
    if kind == "LedgerEntry":
        day = dt.date.fromisoformat(row["PostingDate"])
        return start is not None and end is not None and start.date() <= day <= end.date()
    updated = parse(row["UpdatedUtc"])
    if start is not None and end is not None and start == end:
        return updated == start
    return (start is None or updated >= start) and (end is None or updated < end)


def _amount(rng: random.Random) -> dict[str, t.Any]:
    net = round(rng.uniform(5, 500), 2)
    tax = round(net * 0.21, 2)
    return {
        "Currency": "EUR",
        "NetValue": net,
        "GrossValue": round(net + tax, 2),
        "TaxValues": [{"Code": "NL-2019-S", "Value": tax}],
        "Breakdown": {"Items": [{"TaxRateCode": "NL-2019-S", "NetValue": net, "TaxValue": tax}]},
    }


def _generate(seed: int, kind: str, count: int) -> list[dict[str, t.Any]]:
    rng = random.Random(f"{seed}-{kind}")
    rows = []
    for index in range(count):
        created = EPOCH + dt.timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
        updated = created + dt.timedelta(hours=rng.randrange(0, 24 * 5))
        base = {
            "Id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "EnterpriseId": ENTERPRISE_ID,
            "CreatedUtc": iso(created),
            "UpdatedUtc": iso(updated),
        }
        rows.append({**base, **_FIELDS[kind](rng, index, created)})
        if index == 3:
            rows[-1]["FieldAddedByMewsLater"] = {"Note": "kept, not lost"}
    if kind == "LedgerEntry":
        for row in rows:
            row.pop("UpdatedUtc")
    return rows


def _order_item(rng: random.Random, index: int, created: dt.datetime) -> dict[str, t.Any]:
    amount = _amount(rng)
    return {
        "AccountId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "AccountType": rng.choice(("Customer", "Company")),
        "ServiceId": "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
        "ServiceOrderId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "BillId": None if index % 3 else str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "AccountingCategoryId": "0cf7aa90-736f-43e9-a7dc-787704548d86",
        "UnitCount": rng.randint(1, 4),
        "UnitAmount": amount,
        "Amount": amount,
        "RevenueType": rng.choice(("Service", "Product", "Additional")),
        "ConsumedUtc": iso(created + dt.timedelta(days=1)),
        "CanceledUtc": None,
        "ClosedUtc": None,
        "AccountingState": rng.choice(("Open", "Closed", "Inactive")),
        "Type": "SpaceOrder",
        "Options": {"CanceledWithReservation": False},
        "Data": {"Discriminator": "Product", "Product": {"ProductId": "f0a3"}},
    }


def _payment(rng: random.Random, index: int, created: dt.datetime) -> dict[str, t.Any]:
    return {
        "AccountId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "AccountType": "Customer",
        "BillId": None,
        "AccountingCategoryId": None,
        "Amount": _amount(rng),
        "OriginalAmount": _amount(rng),
        "Notes": rng.choice((None, "Paid at desk", "Deposit, 50%", "Zahlung für Zimmer 12")),
        "SettlementId": None,
        "ConsumedUtc": iso(created),
        "ClosedUtc": None,
        "ChargedUtc": iso(created),
        "SettlementUtc": None,
        "AccountingState": "Closed",
        "State": "Charged",
        "Identifier": f"PAY-{index:05d}",
        "Type": rng.choice(("CreditCardPayment", "CashPayment", "InvoicePayment")),
        "Kind": "Payment",
    }


def _reservation(rng: random.Random, index: int, created: dt.datetime) -> dict[str, t.Any]:
    start = created + dt.timedelta(days=rng.randrange(1, 60))
    return {
        "ServiceId": "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
        "Number": str(1000 + index),
        "State": rng.choice(("Confirmed", "Started", "Processed", "Canceled")),
        "Origin": rng.choice(("Distributor", "Commander", "Connector")),
        "CancelledUtc": None,
        "ScheduledStartUtc": iso(start),
        "ScheduledEndUtc": iso(start + dt.timedelta(days=rng.randint(1, 7))),
        "ActualStartUtc": None,
        "ActualEndUtc": None,
        "AccountId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "AccountType": "Customer",
        "RateId": "ed4b660b-19d0-434b-9360-a4de2ea42eda",
        "PersonCounts": [{"AgeCategoryId": "1f67644f-052d-4863-acdf-ae1600c60ca0", "Count": 2}],
        "Options": {"OwnerCheckedIn": False, "AllCompanionsCheckedIn": False},
    }


def _customer(rng: random.Random, index: int, created: dt.datetime) -> dict[str, t.Any]:
    first = rng.choice(("Ana", "Jürgen", "Siobhán", "Wei", "O'Neil"))
    return {
        "ChainId": "1df21f06-0cfc-4960-9c58-a3bf1261663e",
        "Number": str(5000 + index),
        "FirstName": first,
        "LastName": rng.choice(("Novák", "Smith", "García, Jr.", "Li")),
        "Email": f"guest{index}@example.com",
        "BirthDate": (dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(15000))).isoformat(),
        "NationalityCode": rng.choice(("CZ", "DE", "IE", "CN")),
        "LanguageCode": "en-US",
        "Classifications": rng.sample(("Vip", "Returning", "Staff"), k=1),
        "Options": [],
        "Address": {"Line1": f"{index} Main St", "City": "Prague", "CountryCode": "CZ"},
        "IsActive": True,
    }


def _company(rng: random.Random, index: int, created: dt.datetime) -> dict[str, t.Any]:
    return {
        "ChainId": "1df21f06-0cfc-4960-9c58-a3bf1261663e",
        "Name": rng.choice(("Acme s.r.o.", "Müller GmbH", "Globex, Inc.")) + f" {index}",
        "Number": index,
        "InvoiceDueInterval": "P14D",
        "MotherCompanyId": None,
        "Identifier": f"CZ{28000000 + index}" if index % 2 else None,
        "TaxIdentifier": f"CZ{28000000 + index}" if index % 2 else None,
        "AccountingCode": f"ACC-{index:03d}" if index % 3 else None,
        "Notes": "Pays late; invoice by e-mail" if index % 4 == 0 else None,
        "Iata": "12345678" if index % 5 == 0 else None,
        "Options": {"Invoiceable": True, "AddFeesToInvoices": False},
        "Address": {"City": "Brno", "CountryCode": "CZ"},
        "IsActive": True,
    }


def _bill(rng: random.Random, index: int, created: dt.datetime) -> dict[str, t.Any]:
    return {
        "AccountId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "AccountType": "Customer",
        "State": rng.choice(("Open", "Closed")),
        "Type": rng.choice(("Receipt", "Invoice")),
        "Number": f"B{index:05d}",
        "IssuedUtc": iso(created),
        "DueUtc": iso(created + dt.timedelta(days=14)),
        "Options": {"DisplayCustomer": True, "DisplayTaxation": True},
    }


def _availability_adjustment(rng: random.Random, index: int, created: dt.datetime) -> dict:
    units = rng.randint(-3, 3)
    return {
        "AvailabilityBlockId": None,
        "ResourceCategoryId": "44bd8ad0-e70b-4bd9-8445-ad7200d7c349",
        # Deprecated since 2022 in favour of the time units; Mews still sends them, as null.
        "StartUtc": None,
        "EndUtc": None,
        "FirstTimeUnitStartUtc": iso(created),
        "LastTimeUnitStartUtc": iso(created + dt.timedelta(days=3)),
        "UnitCount": units,
        "ActivityState": "Active",  # deprecated for IsActive
        "IsActive": True,
        # Predicted occupancy of a positive adjustment; at most 5 items.
        "PaxCounts": [{"PersonCount": 2, "UnitCount": units}] if units > 0 else None,
        # null when the adjustment belongs to no availability block
        "FirstTimeUnitReleaseUtc": None,
    }


def _availability_block(rng: random.Random, index: int, created: dt.datetime) -> dict:
    return {
        "ServiceId": "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
        "RateId": "ed4b660b-19d0-434b-9360-a4de2ea42eda",
        "VoucherId": None,
        "BookerId": str(uuid.UUID(int=rng.getrandbits(128), version=4)) if index % 2 else None,
        "CompanyId": str(uuid.UUID(int=rng.getrandbits(128), version=4)) if index % 3 else None,
        "Budget": {"Value": round(rng.uniform(1000, 9000), 2), "Currency": "EUR"},
        "State": "Confirmed",
        "ReservationPurpose": "Business",
        "FirstTimeUnitStartUtc": iso(created),
        "LastTimeUnitStartUtc": iso(created + dt.timedelta(days=2)),
        "ReleasedUtc": iso(created + dt.timedelta(days=1)),
        "RollingReleaseOffset": "P1D" if index % 2 else None,
        "ExternalIdentifier": f"EXT-{index}" if index % 3 else None,
        "Name": f"Conference block {index}",
        "Notes": "Rooming list due a week before" if index % 2 == 0 else None,
        "IsActive": True,
    }


def _resource_block(rng: random.Random, index: int, created: dt.datetime) -> dict[str, t.Any]:
    return {
        "AssignedResourceId": "20e00c32-d561-4008-8609-82d8aa525714",
        "IsActive": True,
        "Type": rng.choice(("OutOfOrder", "InternalUse")),
        "StartUtc": iso(created),
        "EndUtc": iso(created + dt.timedelta(days=1)),
        "DeletedUtc": None,
        "Name": f"Maintenance {index}",
        "Notes": 'Broken "AC", call tech',
    }


def _ledger_entry(rng: random.Random, index: int, created: dt.datetime) -> dict[str, t.Any]:
    value = round(rng.uniform(-200, 800), 2)
    return {
        "TransactionId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "AccountId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "BillId": None,
        "AccountingCategoryId": "0cf7aa90-736f-43e9-a7dc-787704548d86",
        "AccountingItemId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "AccountingItemType": rng.choice(("OrderItem", "Payment")),
        "LedgerType": rng.choice(("Revenue", "Tax", "Payment")),
        "LedgerEntryType": rng.choice(("Debit", "Credit")),
        "PostingDate": created.date().isoformat(),
        "Value": value,
        "NetBaseValue": round(value / 1.21, 2),
        "TaxRateCode": "NL-2019-S",
    }


_FIELDS: dict[str, t.Callable[[random.Random, int, dt.datetime], dict[str, t.Any]]] = {
    "OrderItem": _order_item,
    "Payment": _payment,
    "Reservation": _reservation,
    "Customer": _customer,
    "Company": _company,
    "Bill": _bill,
    "AvailabilityAdjustment": _availability_adjustment,
    "AvailabilityBlock": _availability_block,
    "ResourceBlock": _resource_block,
    "LedgerEntry": _ledger_entry,
}
