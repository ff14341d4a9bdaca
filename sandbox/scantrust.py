"""Scantrust stand-in: UAT tokens with permissions, code search tasks, documents,
single-use download links that redirect to an S3 stand-in on another host, the
products list (limit/offset) and scans (cursor paging).

Code data is deterministic from the seed. Campaigns carry different SCM fields,
and some values hold quotes, commas, newlines and non-ASCII characters.

Like the real API it refuses what it does not understand: unknown query parameters
and malformed filter values answer 400; a scans cursor only works with the query it
was issued for. The S3 stand-in refuses an Authorization header, honours byte
ranges (``Range``/``If-Range``) and can be slowed down. Faults on demand: the shared
``faults`` plan, plus ``fail_next_jobs``, ``corrupt_next_files``,
``headerless_next_files``, ``row_faults`` (a file holding fewer or more rows than
its ``row_count``), ``expire_next_links``, ``job_seconds_for`` and
``s3.delay_seconds``.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import random
import secrets
import tempfile
import time
import typing as t
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sandbox.core import HTTPError, Request, Response, SandboxApp, route
from sandbox.faults import miscounted

SANDBOX_TOKEN = "sandbox-uat-token"
CODES_ONLY_TOKEN = "sandbox-uat-codes-only"
PERMISSIONS = ("codes_view", "scans_download", "product_view")
# permission -> a token holding every permission but that one
TOKENS_WITHOUT = {permission: f"sandbox-uat-without-{permission}" for permission in PERMISSIONS}
FIXED_COLUMNS = (
    "extended_id",
    "serial_number",
    "brand",
    "product",
    "sku",
    "status",
    "blacklist_reason",
    "scm_updated_by",
    "scm_updated_at",
    "activated_by",
    "activated_at",
    "workorder_id",
)
STATUS_NAMES = {0: "inactive", 1: "active", 2: "blacklisted"}
# campaign id -> (name, SCM field keys, number of codes)
CAMPAIGNS: dict[int, tuple[str, tuple[str, ...], int]] = {
    101: (
        "Lettuce 2024",
        ("farm_name", "organic", "harvest_date", "plant", "dc_name", "temp_humid_in_dc"),
        240,
    ),
    102: ("Pork export", ("intended_market", "case_number"), 130),
    103: ("Plain labels", (), 30),
}
PRODUCTS = (
    (332, "Lettuce", "060556200408", "Queen Victoria", 101),
    (333, "Romaine", "060556200415", "Queen Victoria", 101),
    (410, "Pork", "259052703982", "American Pork", 102),
    (411, "Pork belly", "259052703999", "American Pork", 102),
    (500, "Generic label", "000000000500", "Plain Co", 103),
)
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SPAN_SECONDS = 180 * 86400  # codes change over the first half of 2024
SCANS_PER_CAMPAIGN = {101: 75, 102: 40, 103: 12}


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass
class Code:
    campaign: int
    extended_id: str
    product_id: int
    activation_status: int
    updated_at: dt.datetime
    serial_number: str = ""
    blacklist_reason: str = "none"
    scm_updated_by: str = ""
    scm_updated_at: str = ""
    activated_by: str = ""
    activated_at: str = ""
    workorder_id: str = ""
    scm: dict[str, str] = field(default_factory=dict)

    def row(self, scm_keys: tuple[str, ...]) -> list[str]:
        product = PRODUCT_BY_ID[self.product_id]
        return [
            self.extended_id,
            self.serial_number,
            product[3],
            product[1],
            product[2],
            STATUS_NAMES[self.activation_status],
            self.blacklist_reason,
            self.scm_updated_by,
            self.scm_updated_at,
            self.activated_by,
            self.activated_at,
            self.workorder_id,
            *(self.scm.get(key, "") for key in scm_keys),
        ]


PRODUCT_BY_ID = {p[0]: p for p in PRODUCTS}


@dataclass
class Document:
    key: str
    campaign: int
    parameters: dict[str, str]
    created: float
    codes: list[Code]
    fail: bool = False
    path: Path | None = None
    job_seconds: float = 0.0  # how long this search task stays unfinished


class ScantrustS3App(SandboxApp):
    """The file host the download links redirect to (presigned-URL rules)."""

    name = "scantrust-s3"
    default_port = 8712

    def __init__(self, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.objects: dict[str, tuple[Path, float]] = {}  # name -> (file, expiry epoch)
        self.delay_seconds = 0.0  # a slow file host: wait this long before answering
        self._parts = Path(tempfile.mkdtemp(prefix="sandbox-scantrust-s3-"))

    def presign(self, path: Path, ttl: float = 600) -> str:
        name = f"{secrets.token_hex(8)}.zip"
        expires = time.time() + ttl
        with self.lock:
            self.objects[name] = (path, expires)
        query = urlencode(
            {
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Expires": int(ttl),
                "X-Amz-Signature": secrets.token_hex(16),
            }
        )
        return f"{self.base_url}/scantrust-exports/{name}?{query}"

    @route("GET", r"/scantrust-exports/(?P<name>[\w.]+)")
    def get_object(self, request: Request) -> Response:
        if request.header("authorization"):
            # What S3 says when a presigned URL also carries an Authorization header.
            return Response(
                400,
                b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism "
                b"allowed; only the X-Amz-Algorithm query parameter, Signature query "
                b"string parameter or the Authorization header should be specified"
                b"</Message></Error>",
                {"Content-Type": "application/xml"},
            )
        with self.lock:
            found = self.objects.get(request.params["name"])
        if found is None:
            return Response(404, b"<Error><Code>NoSuchKey</Code></Error>", {})
        path, expires = found
        if time.time() > expires:
            return Response(403, b"<Error><Code>AccessDenied</Code>Request has expired</Error>", {})
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        size = path.stat().st_size
        etag = f'"{hashlib.md5(f"{path.name}:{size}".encode()).hexdigest()}"'
        headers = {"Content-Type": "application/zip", "ETag": etag, "Accept-Ranges": "bytes"}
        wanted = _byte_range(request.header("range"), size)
        if wanted is None or request.header("if-range", etag) != etag:
            return Response(200, path, headers)  # no (or a stale) range: the whole object
        start, end = wanted
        if start >= size:
            return Response(
                416,
                b"<Error><Code>InvalidRange</Code></Error>",
                {"Content-Range": f"bytes */{size}"},
            )
        return Response(
            206,
            self._slice(path, start, end),
            {**headers, "Content-Range": f"bytes {start}-{end}/{size}"},
        )

    def _slice(self, path: Path, start: int, end: int) -> Path:
        """Bytes start..end (inclusive) of ``path`` as a file, copied in chunks."""
        part = self._parts / f"{secrets.token_hex(6)}.part"
        remaining = end - start + 1
        with path.open("rb") as source, part.open("wb") as target:
            source.seek(start)
            while remaining > 0 and (chunk := source.read(min(remaining, 1 << 20))):
                target.write(chunk)
                remaining -= len(chunk)
        return part


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``bytes=A-`` or ``bytes=A-B`` -> (A, B inclusive); None when absent or not understood."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[len("bytes=") :].partition("-")
    if not first.isdigit() or (last and not last.isdigit()):
        return None
    return int(first), min(int(last), size - 1) if last else size - 1


class ScantrustApp(SandboxApp):
    name = "scantrust"
    default_port = 8702
    provider = True

    def __init__(
        self,
        *,
        codes_scale: int = 1,
        job_seconds_for: dict[int, float] | None = None,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(**kwargs)
        self.s3 = ScantrustS3App(seed=self.seed)
        self.tokens = {
            SANDBOX_TOKEN: set(PERMISSIONS),
            CODES_ONLY_TOKEN: {"codes_view"},
            **{token: set(PERMISSIONS) - {p} for p, token in TOKENS_WITHOUT.items()},
        }
        # campaign -> how long its search tasks run (others: job_seconds)
        self.job_seconds_for = dict(job_seconds_for or {})
        self.codes: dict[int, list[Code]] = {
            campaign: _generate_codes(self.seed, campaign, count * codes_scale)
            for campaign, (_, _, count) in CAMPAIGNS.items()
        }
        self.scans = {c: _generate_scans(self.seed, c, n) for c, n in SCANS_PER_CAMPAIGN.items()}
        self.documents: dict[str, Document] = {}
        self.links: dict[str, str] = {}  # one-time link token -> document key
        self.used_links: set[str] = set()
        self.fail_next_jobs = 0  # documents that end in status "failed"
        self.corrupt_next_files = 0  # zips cut short
        self.headerless_next_files = 0  # CSVs missing the fixed columns
        # The next files' rows miscounted ("fewer", "header only", "more"), row_count unchanged
        self.row_faults: list[str] = []
        self.expire_next_links = 0  # links whose presigned URL has already expired
        self.link_ttl = 600.0
        self.cursors: dict[str, dict[str, list[str]]] = {}  # scans cursor -> query it belongs to
        self._workdir = Path(tempfile.mkdtemp(prefix="sandbox-scantrust-"))

    def companions(self) -> list[SandboxApp]:
        return [self.s3]

    def demo_config(self) -> dict[str, t.Any]:
        return {
            "api_url": self.base_url,
            "uat_token": SANDBOX_TOKEN,
            "campaign_ids": sorted(CAMPAIGNS),
            "poll_interval_seconds": 1,
            "scm_fields": ["farm_name", "intended_market"],
        }

    # -- test controls -------------------------------------------------------------
    def touch_codes(self, campaign: int, count: int, at: dt.datetime) -> list[str]:
        """Change ``count`` codes of a campaign at time ``at``; returns their ids."""
        with self.lock:
            changed = self.codes[campaign][:count]
            for code in changed:
                code.updated_at = at
                code.activation_status = 1
                code.activated_at = iso(at)
            return [c.extended_id for c in changed]

    def add_codes(self, campaign: int, count: int, at: dt.datetime) -> list[str]:
        with self.lock:
            start = len(self.codes[campaign])
            new = _generate_codes(self.seed + 7, campaign, count, first_index=start)
            for code in new:
                code.updated_at = at
            self.codes[campaign].extend(new)
            return [c.extended_id for c in new]

    def matching_codes(self, campaign: int, **filters: str) -> list[Code]:
        with self.lock:
            now = dt.datetime.now(dt.UTC)
            return [c for c in self.codes[campaign] if _code_matches(c, filters, now)]

    # -- auth ----------------------------------------------------------------------
    def _authorize(self, request: Request, permission: str) -> None:
        header = request.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme != "UAT" or token not in self.tokens:
            raise HTTPError(401, {"detail": "Invalid token."})
        if permission not in self.tokens[token]:
            raise HTTPError(
                403,
                {"detail": f"You do not have permission to perform this action ({permission})."},
            )

    @route("GET", r"/api/v2/me/")
    def me(self, request: Request) -> Response:
        self._authorize(request, "codes_view")
        return Response.json({"email": "sandbox@example.com", "company": 446})

    # -- code download ---------------------------------------------------------------
    @route("GET", r"/api/v2/codes/download/")
    def create_search_task(self, request: Request) -> Response:
        self._authorize(request, "codes_view")
        raw_campaign = request.arg("campaign") or request.arg("campaign_id")
        if not raw_campaign:
            raise HTTPError(400, {"campaign": ["This field is required."]})
        if not raw_campaign.isdigit() or int(raw_campaign) not in self.codes:
            raise HTTPError(
                400, {"campaign": [f'Invalid pk "{raw_campaign}" - object does not exist.']}
            )
        campaign = int(raw_campaign)
        filters = {
            k: v[0] for k, v in request.query.items() if k not in ("campaign", "campaign_id")
        }
        _validate_filters(filters, CODE_FILTERS)
        key = secrets.token_hex(6)
        now = dt.datetime.now(dt.UTC)
        with self.lock:
            matched = [c for c in self.codes[campaign] if _code_matches(c, filters, now)]
            fail = self.fail_next_jobs > 0
            self.fail_next_jobs -= 1 if fail else 0
            self.documents[key] = Document(
                key,
                campaign,
                {"campaign": str(campaign), **filters},
                time.time(),
                [Code(**{**c.__dict__, "scm": dict(c.scm)}) for c in matched],  # a snapshot
                fail,
                job_seconds=self.job_seconds_for.get(campaign, self.job_seconds),
            )
        return Response.json({"document": {"key": key, "task": f"rq:job:{secrets.token_hex(8)}"}})

    @route("GET", r"/api/v2/documents/(?P<key>\w+)/?")
    def document_status(self, request: Request) -> Response:
        self._authorize(request, "codes_view")
        document = self._document(request.params["key"])
        return Response.json(self._document_json(document))

    @route("GET", r"/api/v2/documents/(?P<key>\w+)/get-download-link/")
    def download_link(self, request: Request) -> Response:
        self._authorize(request, "codes_view")
        document = self._document(request.params["key"])
        if self._status(document) != "complete":
            raise HTTPError(400, {"detail": "Document is not ready."})
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.links[token] = document.key
        return Response.json({"link": f"{self.base_url}/api/v2/documents/download/{token}/"})

    @route("GET", r"/api/v2/documents/download/(?P<token>[\w-]+)/")
    def follow_link(self, request: Request) -> Response:
        token = request.params["token"]
        with self.lock:
            key = self.links.pop(token, None)
            reused = token in self.used_links
            self.used_links.add(token)
        if key is None:
            detail = "This download link was already used." if reused else "Unknown link."
            raise HTTPError(404, {"detail": detail})
        path = self._zip_for(self.documents[key])
        with self.lock:
            expired = self.expire_next_links > 0
            self.expire_next_links -= 1 if expired else 0
        return Response.redirect(self.s3.presign(path, -1 if expired else self.link_ttl))

    def _document(self, key: str) -> Document:
        with self.lock:
            document = self.documents.get(key)
        if document is None:
            raise HTTPError(404, {"detail": "Not found."})
        return document

    def _status(self, document: Document) -> str:
        elapsed = time.time() - document.created
        if elapsed < document.job_seconds:
            return "pending" if elapsed < document.job_seconds / 2 else "processing"
        return "failed" if document.fail else "complete"

    def _document_json(self, document: Document) -> dict[str, t.Any]:
        status = self._status(document)
        created = dt.datetime.fromtimestamp(document.created, dt.UTC)
        return {
            "key": document.key,
            "description": "",
            "status": status,
            "category": "code",
            "doctype": "search-result",
            "related_id": None,
            "parameters": document.parameters,
            "file_size": None,
            "row_count": len(document.codes) if status == "complete" else 0,
            "expires_at": iso(created + dt.timedelta(days=2)),
            "is_expired": False,
            "created_at": iso(created),
            "company": 446,
            "owner": 391,
            "created_by": 391,
        }

    def _zip_for(self, document: Document) -> Path:
        """Write the document's zipped CSV once (streamed row by row)."""
        with self.lock:
            if document.path is not None and document.path.exists():
                return document.path
            corrupt = self.corrupt_next_files > 0
            self.corrupt_next_files -= 1 if corrupt else 0
            headerless = self.headerless_next_files > 0
            self.headerless_next_files -= 1 if headerless else 0
            codes = document.codes
            if codes and self.row_faults:  # the next file with rows
                codes = miscounted(codes, self.row_faults.pop(0))
        scm_keys = _scm_keys(document.campaign)
        path = self._workdir / f"{document.key}.zip"
        with (
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
            archive.open(f"codes_{document.key}.csv", "w") as raw,
        ):
            text = _TextSink(raw)
            writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
            header = list(FIXED_COLUMNS) + list(scm_keys)
            writer.writerow(header[2:] if headerless else header)
            for code in codes:
                writer.writerow(code.row(scm_keys))
        if corrupt:
            data = path.read_bytes()
            path.write_bytes(data[: max(10, len(data) // 2)])
        document.path = path
        return path

    # -- products ------------------------------------------------------------------
    @route("GET", r"/api/v2/products/")
    def products(self, request: Request) -> Response:
        self._authorize(request, "product_view")
        _validate_filters(_single_values(request), PRODUCT_PARAMS, scm=False)
        limit = int(request.arg("limit") or 20)
        offset = int(request.arg("offset") or 0)
        rows = [_product_json(p, len(self.codes[p[4]])) for p in PRODUCTS]
        page = rows[offset : offset + limit]

        def link(new_offset: int) -> str:
            return f"{self.base_url}/api/v2/products/?limit={limit}&offset={new_offset}"

        return Response.json(
            {
                "count": len(rows),
                "next": link(offset + limit) if offset + limit < len(rows) else None,
                "previous": link(max(0, offset - limit)) if offset else None,
                "results": page,
            }
        )

    # -- scans ---------------------------------------------------------------------
    @route("GET", r"/api/v2/dashboard/scans/")
    def scans(self, request: Request) -> Response:
        self._authorize(request, "scans_download")
        if request.arg("page_mode") != "cursor":
            raise HTTPError(400, {"detail": "Use page_mode=cursor for consistent paging."})
        raw_campaign = request.arg("campaign") or ""
        if not raw_campaign.isdigit() or int(raw_campaign) not in self.scans:
            raise HTTPError(
                400, {"campaign": [f'Invalid pk "{raw_campaign}" - object does not exist.']}
            )
        params = _single_values(request)
        _validate_filters(params, SCAN_PARAMS)
        query = {k: v for k, v in request.query.items() if k != "cursor"}
        cursor = request.arg("cursor")
        position = 0
        if cursor:
            with self.lock:
                issued = self.cursors.get(cursor)
            if issued is None:
                raise HTTPError(404, {"detail": "Invalid cursor"})
            if issued != query:
                # A cursor belongs to the query it was issued for: follow `next` unchanged.
                raise HTTPError(400, {"detail": "Invalid cursor: the query changed between pages"})
            position = int(base64.urlsafe_b64decode(cursor).decode().partition("p=")[2])
        rows = [r for r in self.scans[int(raw_campaign)] if _scan_matches(r, params)]
        limit = int(request.arg("limit") or 25)
        page = rows[position : position + limit]
        next_url = None
        if position + limit < len(rows):
            # DRF-style opaque cursor (base64 with padding: it must not be re-encoded).
            token = secrets.token_hex(2)
            next_cursor = base64.urlsafe_b64encode(f"r={token}&p={position + limit}".encode())
            next_cursor_text = next_cursor.decode()
            with self.lock:
                self.cursors[next_cursor_text] = query
            next_query = {k: v[0] for k, v in query.items()}
            next_query["cursor"] = next_cursor_text
            next_url = f"{self.base_url}/api/v2/dashboard/scans/?{urlencode(next_query)}"
        return Response.json({"next": next_url, "previous": None, "results": page})


def _single_values(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in request.query.items()}


def _scm_keys(campaign: int) -> tuple[str, ...]:
    return CAMPAIGNS[campaign][1] if campaign in CAMPAIGNS else ()


# -- query parameters and filters, as the API validates them ----------------------
# Code download filters: the current documentation's names and the older page's
# (the seed); both are seen in the wild. Anything else is refused (400), as are
# values of the wrong shape.
def _iso_or_range(value: str) -> None:
    parts = value.split(",")
    if len(parts) > 2:
        raise ValueError("expected one ISO date-time or a range 'A,B'")
    moments = [parse_iso(part) for part in parts]
    if len(moments) == 2 and moments[0] > moments[1]:
        raise ValueError("the range starts after it ends")


def _choice(*allowed: str) -> t.Callable[[str], None]:
    def check(value: str) -> None:
        if value not in allowed:
            raise ValueError(f'"{value}" is not a valid choice ({", ".join(allowed)})')

    return check


def _integer(value: str) -> None:
    if not value.isdigit():
        raise ValueError("A valid integer is required.")


def _integers(value: str) -> None:
    for part in value.split(","):
        _integer(part)


def _iso(value: str) -> None:
    parse_iso(value)


def _text(value: str) -> None:
    """Any text."""


# The older page's (the seed's) vocabulary, accepted by both codes and scans.
SEED_FILTERS: dict[str, t.Callable[[str], None]] = {
    "timeframe": _choice("-1y", "-1m", "-1w"),
    "date_from": _iso,
    "date_to": _iso,
    "flags": _text,
    "activation_status": _choice("0", "1", "2"),
    "product": _integer,
}
CODE_FILTERS: dict[str, t.Callable[[str], None]] = {
    # current documentation
    "brands": _integers,
    "products": _integers,
    "workorder": _text,
    "activated_at": _iso_or_range,
    "updated_at": _iso_or_range,
    "status": _choice("0", "1", "2"),
    "blacklisted": _choice("true", "false"),
    "serial_number": _text,
    "extended_id": _text,
    "activated_by": _text,
    **SEED_FILTERS,
}
SCAN_PARAMS: dict[str, t.Callable[[str], None]] = {
    "page_mode": _choice("cursor"),
    "cursor": _text,
    "campaign": _integer,
    "limit": _integer,
    **SEED_FILTERS,
}
PRODUCT_PARAMS: dict[str, t.Callable[[str], None]] = {"limit": _integer, "offset": _integer}
TIMEFRAMES = {"-1y": 365, "-1m": 30, "-1w": 7}


def _validate_filters(
    filters: dict[str, str], known: dict[str, t.Callable[[str], None]], *, scm: bool = True
) -> None:
    """400 with DRF-style field errors for unknown parameters and malformed values."""
    errors: dict[str, list[str]] = {}
    for name, value in filters.items():
        if scm and name.startswith("scm_"):
            if len(name) == 4:
                errors[name] = ["An SCM filter needs a field key: scm_<key>=<value>."]
            continue
        check = known.get(name)
        if check is None:
            errors[name] = [f'Unknown filter "{name}".']
            continue
        if value == "":
            continue  # an empty filter is no filter (the portal sends "flags=")
        try:
            check(value)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise HTTPError(400, errors)


def _in_range(moment: dt.datetime | None, value: str) -> bool:
    """``A`` means from A on; ``A,B`` means A <= moment <= B."""
    if moment is None:
        return False
    parts = [parse_iso(p) for p in value.split(",")]
    if len(parts) == 1:
        return moment >= parts[0]
    return parts[0] <= moment <= parts[1]


def _code_matches(code: Code, filters: dict[str, str], now: dt.datetime) -> bool:
    product = PRODUCT_BY_ID[code.product_id]
    activated = parse_iso(code.activated_at) if code.activated_at else None
    checks: dict[str, t.Callable[[str], bool]] = {
        "status": lambda v: code.activation_status == int(v),
        "activation_status": lambda v: code.activation_status == int(v),
        "blacklisted": lambda v: (code.activation_status == 2) == (v == "true"),
        "products": lambda v: str(code.product_id) in v.split(","),
        "product": lambda v: code.product_id == int(v),
        "brands": lambda v: str(_brand_id(product[4])) in v.split(","),
        "workorder": lambda v: code.workorder_id == v,
        "serial_number": lambda v: code.serial_number == v,
        "extended_id": lambda v: code.extended_id == v,
        "activated_by": lambda v: code.activated_by == v,
        "updated_at": lambda v: _in_range(code.updated_at, v),
        "activated_at": lambda v: _in_range(activated, v),
        "date_from": lambda v: code.updated_at >= parse_iso(v),
        "date_to": lambda v: code.updated_at <= parse_iso(v),
        "timeframe": lambda v: code.updated_at >= now - dt.timedelta(days=TIMEFRAMES[v]),
        "flags": lambda v: False,  # no code of the stand-in has flagged scans
    }
    for name, value in filters.items():
        if value == "":
            continue
        if name.startswith("scm_"):
            if code.scm.get(name[4:]) != value:
                return False
        elif not checks[name](value):
            return False
    return True


def _scan_matches(scan: dict[str, t.Any], params: dict[str, str]) -> bool:
    when = parse_iso(scan["scan"]["datetime"])
    for name, value in params.items():
        if value == "":
            continue
        if name == "date_from" and when < parse_iso(value):
            return False
        if name == "date_to" and when >= parse_iso(value):
            return False
        if name == "product" and scan["product"]["id"] != int(value):
            return False
        if name == "activation_status" and scan["code"]["activation_status"] != int(value):
            return False
        if name == "flags" and value not in scan["scan"]["flags"]:
            return False
        if name == "timeframe":
            since = dt.datetime.now(dt.UTC) - dt.timedelta(days=TIMEFRAMES[value])
            if when < since:
                return False
        if name.startswith("scm_") and scan["scm"].get(name[4:]) != value:
            return False
    return True


def _brand_id(campaign: int) -> int:
    return 10 + campaign % 100


class _TextSink:
    """csv.writer needs text; the zip member wants bytes."""

    def __init__(self, raw: t.IO[bytes]) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        return self.raw.write(text.encode("utf-8"))


_ODD_VALUES = (
    'Río "Grande", Farm\nNorth field',
    "Ferme d'Été, Québec",
    "東京 warehouse",
    'He said "fresh"',
)


def _generate_codes(seed: int, campaign: int, count: int, first_index: int = 0) -> list[Code]:
    rng = random.Random(seed * 1000 + campaign + first_index)
    scm_keys = CAMPAIGNS[campaign][1]
    products = [p[0] for p in PRODUCTS if p[4] == campaign]
    codes = []
    for index in range(first_index, first_index + count):
        status = rng.choice((0, 1, 1, 2))
        updated = EPOCH + dt.timedelta(seconds=rng.randrange(SPAN_SECONDS))
        scm = {}
        for key in scm_keys:
            if rng.random() < 0.25:
                continue  # unset SCM fields are empty strings in the CSV
            if key == "organic":
                scm[key] = rng.choice(("Yes", "No"))
            elif key == "harvest_date":
                scm[key] = (EPOCH + dt.timedelta(days=rng.randrange(180))).date().isoformat()
            elif key == "intended_market":
                scm[key] = rng.choice(("zh", "us", "fr"))
            elif rng.random() < 0.2:
                scm[key] = rng.choice(_ODD_VALUES)
            else:
                scm[key] = f"{key.replace('_', ' ').title()} {rng.randrange(1, 9)}"
        activated = updated - dt.timedelta(hours=rng.randrange(1, 48)) if status else None
        codes.append(
            Code(
                campaign=campaign,
                extended_id=f"{campaign:03d}{index:06d}{rng.getrandbits(40):010X}",
                product_id=rng.choice(products),
                activation_status=status,
                updated_at=updated,
                serial_number=f"SN{index:07d}" if rng.random() < 0.5 else "",
                blacklist_reason="counterfeit suspected" if status == 2 else "none",
                scm_updated_by="scm@example.com" if scm else "",
                scm_updated_at=iso(updated) if scm else "",
                activated_by="jelle@test.com" if activated else "",
                activated_at=iso(activated) if activated else "",
                workorder_id=str(3400 + rng.randrange(30)),
                scm=scm,
            )
        )
    return codes


def _product_json(product: tuple, code_count: int) -> dict[str, t.Any]:
    pid, name, sku, brand, campaign = product
    return {
        "id": pid,
        "uuid": f"00000000-0000-4000-8000-{pid:012d}",
        "sku": sku,
        "name": name,
        "description": f"{name} by {brand}",
        "brand": {"id": _brand_id(campaign), "name": brand},
        "campaign": {"id": campaign, "name": CAMPAIGNS[campaign][0]},
        "creation_date": iso(EPOCH - dt.timedelta(days=pid % 30)),
        "code_count": code_count,
        "image": None,
        "is_archived": False,
    }


def _generate_scans(seed: int, campaign: int, count: int) -> list[dict[str, t.Any]]:
    rng = random.Random(seed * 7 + campaign)
    products = [p for p in PRODUCTS if p[4] == campaign]
    scans = []
    for index in range(count):
        when = EPOCH + dt.timedelta(seconds=rng.randrange(SPAN_SECONDS))
        product = rng.choice(products)
        scans.append(
            {
                "scan": {
                    "uuid": f"{campaign:04d}{index:04d}-5ca9-4000-8000-{rng.getrandbits(48):012x}",
                    "datetime": iso(when),
                    "result": rng.choice(("genuine", "counterfeit", "inconclusive")),
                    "reason": None,
                    "flags": rng.sample(("out-of-market", "first-scan", "multi-scan"), k=1),
                },
                "code": {
                    "extended_id": f"{campaign:03d}{index:06d}",
                    "serial_number": "",
                    "activation_status": 1,
                },
                "product": {
                    "id": product[0],
                    "sku": product[2],
                    "name": product[1],
                    "brand_name": product[3],
                },
                "location": {
                    "country": rng.choice(("US", "CN", "FR")),
                    "city": rng.choice(("Durham", "Shanghai", "Lyon")),
                    "latitude": round(rng.uniform(-60, 60), 5),
                    "longitude": round(rng.uniform(-120, 120), 5),
                },
                "device": {"os": rng.choice(("iOS", "Android")), "app": "Scantrust"},
                "scm": {},
            }
        )
    scans.sort(key=lambda s: s["scan"]["datetime"])
    return scans


__all__ = ["CAMPAIGNS", "FIXED_COLUMNS", "ScantrustApp", "ScantrustS3App"]
