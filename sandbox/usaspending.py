"""USAspending download API stand-in (the current contract, plus the 2017 words).

``POST /api/v2/download/awards/`` and ``/transactions/`` start a download that is
``ready`` then ``running`` for ``job_seconds``, then ``finished`` (or ``failed`` on
demand); ``GET /api/v2/download/status/?file_name=`` reports it. The zip holds every
file kind of the download with the real download's full header (plus one column newer
than any tap, empty on rows modified before its release), split into ``_1.csv``,
``_2.csv`` ... parts, each starting with a UTF-8 byte-order mark, written like
PostgreSQL ``COPY ... CSV HEADER``. Like the real service, each file is cut at the row
cap silently: only ``/api/v2/download/count/`` tells. ``total_rows`` counts the rows
of every file of the zip; ``row_faults`` makes a file hold fewer or more. A requested
column none of the download's files has is refused (400 ``Unknown columns: [...]``).
``legacy=True`` answers with the 2017 design's words (queued, complete, does_not_exist,
``url``). Data is deterministic from the seed and spans 2024.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import secrets
import tempfile
import time
import typing as t
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.core import HTTPError, Request, Response, SandboxApp, route
from sandbox.faults import miscounted

KNOWN_FILTERS = {
    "time_period",
    "award_type_codes",
    "agencies",
    "recipient_id",
    "recipient_search_text",
    "recipient_locations",
    "place_of_performance_locations",
    "keywords",
    "naics_codes",
    "psc_codes",
    "prime_award_types",
    "sub_award_types",
    "def_codes",
    "award_amounts",
}
CONTRACT_TYPES = ("A", "B", "C", "D")
ASSISTANCE_TYPES = ("02", "03", "04", "05")
AWARD_TYPE_CODES = {*CONTRACT_TYPES, *ASSISTANCE_TYPES, "06", "07", "08", "09", "10", "11"}
AWARD_TYPE_CODES |= {"IDV_A", "IDV_B", "IDV_B_A", "IDV_B_B", "IDV_B_C", "IDV_C", "IDV_D", "IDV_E"}
SPENDING_LEVELS = ("awards", "transactions", "subawards")
EPOCH = dt.date(2024, 1, 1)
SPAN_DAYS = 366
COUNTS = {"contract_tx": 300, "assistance_tx": 200, "contract_sub": 40, "assistance_sub": 30}
AGENCIES = ("Department of Defense", "Department of Energy", "Small Business Administration")
NEW_COLUMN = "extra_column_from_api"  # a column newer than any tap: kept, logged once
NEW_COLUMN_SINCE = dt.date(2024, 3, 1)  # its release: rows modified before leave it empty
FILES = {
    "awards": ("Contracts_PrimeAwardSummaries", "Assistance_PrimeAwardSummaries"),
    "transactions": ("Contracts_PrimeTransactions", "Assistance_PrimeTransactions"),
}
SUBAWARD_FILES = ("Contracts_Subawards", "Assistance_Subawards")
SOURCE = {  # file kind -> rows in self.data
    "Contracts_PrimeAwardSummaries": "contract_awards",
    "Assistance_PrimeAwardSummaries": "assistance_awards",
    "Contracts_PrimeTransactions": "contract_tx",
    "Assistance_PrimeTransactions": "assistance_tx",
    "Contracts_Subawards": "contract_sub",
    "Assistance_Subawards": "assistance_sub",
}


@dataclass
class Job:
    file_name: str
    kind: str  # awards | transactions
    filters: dict[str, t.Any]
    columns: list[str] | None
    created: float
    fail: bool = False
    path: Path | None = None
    rows: int = 0
    files: list[str] = field(default_factory=list)


class USAspendingApp(SandboxApp):
    name = "usaspending"
    default_port = 8705
    provider = True

    def __init__(
        self,
        *,
        row_cap: int = 500_000,
        rows_per_file: int = 1_000_000,
        legacy: bool = False,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(**kwargs)
        self.row_cap = row_cap
        self.rows_per_file = rows_per_file
        self.legacy = legacy  # answer with the 2017 design's status words and `url`
        self.fail_next_downloads = 0
        self.stall_after_downloads: int | None = None  # later downloads never finish
        self.forget_downloads = False  # status answers "unknown file" (404, does_not_exist)
        self.running_word: str | None = None  # answered instead of ready/running (e.g. unknown)
        self.fail_message = "Download failed: the database statement timed out"
        # file prefix -> "fewer", "header only" or "more": that file of the next download
        # holding it has its rows miscounted, total_rows unchanged
        self.row_faults: dict[str, str] = {}
        self.jobs: dict[str, Job] = {}
        self.data = _generate(self.seed)
        self._workdir = Path(tempfile.mkdtemp(prefix="sandbox-usaspending-"))

    def demo_config(self) -> dict[str, t.Any]:
        return {
            "api_url": self.base_url,
            "filters": {"award_type_codes": [*CONTRACT_TYPES, *ASSISTANCE_TYPES]},
            "start_date": "2024-01-01",
            "window_days": 120,
            "poll_interval_seconds": 1,
        }

    # -- what a download holds --------------------------------------------------------
    def rows_for(self, kind: str, filters: dict[str, t.Any]) -> dict[str, list[dict]]:
        """Rows of each CSV file a download of ``kind`` holds (before the cap)."""
        return {
            prefix: self.matching(SOURCE[prefix], filters)
            for prefix in (*FILES[kind], *SUBAWARD_FILES)  # both downloads carry subawards
        }

    def matching(self, source: str, filters: dict[str, t.Any]) -> list[dict]:
        period = (filters.get("time_period") or [{}])[0]
        start = dt.date.fromisoformat(period.get("start_date", "1900-01-01"))
        end = dt.date.fromisoformat(period.get("end_date", "2999-12-31"))
        date_key = "_modified" if period.get("date_type") == "last_modified_date" else "_action"
        types = set(filters.get("award_type_codes") or AWARD_TYPE_CODES)
        return [
            row
            for row in self.data[source]
            if start <= row[date_key] <= end and row["_type"] in types
        ]

    def transaction_count(self, filters: dict[str, t.Any]) -> int:
        return len(self.matching("contract_tx", filters)) + len(
            self.matching("assistance_tx", filters)
        )

    def level_count(self, level: str, filters: dict[str, t.Any]) -> int:
        if level == "transactions":
            return self.transaction_count(filters)
        sources = ("contract_awards", "assistance_awards")
        if level == "subawards":
            sources = ("contract_sub", "assistance_sub")
        return sum(len(self.matching(source, filters)) for source in sources)

    # -- API -----------------------------------------------------------------------
    def _filters(self, request: Request) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
        body = request.json()
        if not isinstance(body, dict) or not body.get("filters"):
            raise HTTPError(422, {"detail": "Missing value: 'filters' is a required field"})
        filters = body["filters"]
        unknown = sorted(set(filters) - KNOWN_FILTERS)
        if unknown:
            raise HTTPError(400, {"detail": f"Invalid filter(s): {', '.join(unknown)}"})
        codes = filters.get("award_type_codes", [])
        if not isinstance(codes, list) or not set(codes) <= AWARD_TYPE_CODES:
            raise HTTPError(
                400,
                {
                    "detail": "Field 'filters|award_type_codes' is outside valid values "
                    f"{sorted(AWARD_TYPE_CODES)}"
                },
            )
        for period in filters.get("time_period", []):
            if period.get("date_type", "action_date") not in ("action_date", "last_modified_date"):
                raise HTTPError(400, {"detail": f"Invalid date_type: {period.get('date_type')}"})
        return body, filters

    @route("POST", r"/api/v2/download/count/")
    def count(self, request: Request) -> Response:
        body, filters = self._filters(request)
        level = "subawards" if body.get("subawards") else body.get("spending_level", "transactions")
        if level not in SPENDING_LEVELS:
            raise HTTPError(400, {"detail": f"Field 'spending_level' is outside {SPENDING_LEVELS}"})
        total = self.level_count(level, filters)
        over = total > self.row_cap
        return Response.json(
            {
                "calculated_transaction_count": total,
                "maximum_transaction_limit": self.row_cap,
                "transaction_rows_gt_limit": over,
                "calculated_count": total,
                "spending_level": level,
                "maximum_limit": self.row_cap,
                "rows_gt_limit": over,
                "messages": [],
            }
        )

    @route("POST", r"/api/v2/download/(?P<kind>awards|transactions)/")
    def start_download(self, request: Request) -> Response:
        body, filters = self._filters(request)
        kind = request.params["kind"]
        columns = body.get("columns") or []
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise HTTPError(400, {"detail": "columns parameter not provided as a list"})
        # As the API: a column none of the download's files has is refused (they are the
        # prime files of its kind and both subaward files).
        valid = {NEW_COLUMN, *(c for p in (*FILES[kind], *SUBAWARD_FILES) for c in _HEADERS[p])}
        if unknown := [c for c in columns if c not in valid]:
            raise HTTPError(400, {"detail": f"Unknown columns: {unknown}"})
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d_H%HM%MS%S")
        label = "PrimeAwardSummaries" if kind == "awards" else "PrimeTransactions"
        file_name = f"{label}AndSubawards_{stamp}{secrets.token_hex(4)}.zip"
        with self.lock:
            fail = self.fail_next_downloads > 0
            self.fail_next_downloads -= 1 if fail else 0
            created = time.time()
            if self.stall_after_downloads is not None and (
                len(self.jobs) >= self.stall_after_downloads
            ):
                created += 365 * 86400
            self.jobs[file_name] = Job(file_name, kind, filters, body.get("columns"), created, fail)
        return Response.json(
            {
                "status_url": f"{self.base_url}/api/v2/download/status/?file_name={file_name}",
                "file_name": file_name,
                "file_url": f"{self.base_url}/files/{file_name}",
                "download_request": {"filters": filters, "request_type": kind},
            }
        )

    @route("GET", r"/api/v2/download/status/?")
    def status(self, request: Request) -> Response:
        job = None if self.forget_downloads else self.jobs.get(request.arg("file_name") or "")
        if job is None:
            if self.legacy:
                return Response.json({"status": "does_not_exist", "message": "No such file"})
            raise HTTPError(404, {"detail": "Download request not found"})
        elapsed = time.time() - job.created
        if elapsed < self.job_seconds:
            word = (
                ("queued" if self.legacy else "ready")
                if elapsed < self.job_seconds / 2
                else ("queued" if self.legacy else "running")
            )
            word = self.running_word or word
            answer = {"status": word, "file_name": job.file_name, "message": None}
            if self.legacy:
                answer["url"] = ""  # the 2017 design: empty until the file is ready
            return Response.json(answer)
        if job.fail:
            return Response.json(
                {"status": "failed", "message": self.fail_message, "file_name": job.file_name}
            )
        with self.lock:
            if job.path is None:
                self._write(job)
        url = f"{self.base_url}/files/{job.file_name}"
        answer = {
            "status": "complete" if self.legacy else "finished",
            "message": None,
            "file_name": job.file_name,
            "total_size": round(job.path.stat().st_size / 1024, 2),
            "total_columns": None,
            "total_rows": job.rows,
            "seconds_elapsed": f"{elapsed:.3f}",
        }
        answer["url" if self.legacy else "file_url"] = url
        return Response.json(answer)

    @route("GET", r"/files/(?P<name>[\w.-]+\.zip)")
    def file(self, request: Request) -> Response:
        job = self.jobs.get(request.params["name"])
        if job is None or job.path is None:
            raise HTTPError(404, {"detail": "No such file"})
        return Response.file(job.path, "application/zip")

    def _write(self, job: Job) -> None:
        path = self._workdir / job.file_name
        stamp = dt.date.today().isoformat()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for prefix, rows in self.rows_for(job.kind, job.filters).items():
                rows = rows[: self.row_cap]  # the cap cuts each file, without a word
                header = [*_HEADERS[prefix], NEW_COLUMN]
                if job.columns:  # requested order, those the file has
                    header = [c for c in job.columns if c in header]
                if not header:  # as the API: an empty file, its rows not counted
                    archive.writestr(f"{prefix}_{stamp}_1.csv", b"")
                    continue
                job.rows += len(rows)  # total_rows: every file of the zip, as declared
                if rows and prefix in self.row_faults:  # the next such file with rows
                    rows = miscounted(rows, self.row_faults.pop(prefix))
                parts = [
                    rows[i : i + self.rows_per_file]
                    for i in range(0, len(rows), self.rows_per_file)
                ] or [[]]
                for number, chunk in enumerate(parts, start=1):
                    name = f"{prefix}_{stamp}_{number}.csv"
                    buffer = io.StringIO()
                    writer = csv.writer(buffer, lineterminator="\n")
                    writer.writerow(header)
                    for row in chunk:
                        writer.writerow([row.get(c, "") for c in header])
                    archive.writestr(name, "\ufeff" + buffer.getvalue())
                    job.files.append(name)
        job.path = path


# -- deterministic data ------------------------------------------------------------------
_MONEY = re.compile(
    r"(_amount|_value|_value_of_award|_cost|obligations?|_obligated|supplementals?)"
)
_TEXTS = (
    "ACME CORP",
    "Résumé Labs, LLC",
    'BIG "QUOTED" INC',
    "Ōsaka Trading",
    "Line one\nline two",
)


def _fill(name: str, rng: random.Random, action: dt.date, modified: dt.date) -> str:
    """A plausible CSV value for any column, chosen by its name like the real files'."""
    if name.endswith("last_modified_date"):
        return f"{modified.isoformat()} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+00"
    if name.endswith("_date"):
        return (action + dt.timedelta(days=rng.randrange(0, 400))).isoformat()
    if name.endswith("_fiscal_year") or name.endswith("_report_year"):
        return str(action.year + (1 if action.month >= 10 else 0))
    if name.endswith("_report_month"):
        return str(action.month)
    if _MONEY.search(name):
        return "" if rng.random() < 0.1 else f"{rng.uniform(-1000, 500000):.2f}"
    if name.endswith(("_code", "_fips_code")):
        return f"{rng.randrange(100):02d}"
    if name.endswith("permalink"):
        return f"https://www.usaspending.gov/award/{rng.getrandbits(32):08x}/"
    return "" if rng.random() < 0.05 else rng.choice(_TEXTS)


def _row(prefix: str, rng: random.Random, facts: dict[str, t.Any]) -> dict[str, t.Any]:
    action, modified = facts["_action"], facts["_modified"]
    row = {name: _fill(name, rng, action, modified) for name in _HEADERS[prefix]}
    row[NEW_COLUMN] = "new in a later release" if modified >= NEW_COLUMN_SINCE else ""
    row.update(facts)
    return row


def _generate(seed: int) -> dict[str, list[dict[str, t.Any]]]:
    rng = random.Random(seed)
    data: dict[str, list[dict[str, t.Any]]] = {}
    for name, count in COUNTS.items():
        rows = []
        for index in range(count):
            action = EPOCH + dt.timedelta(days=rng.randrange(SPAN_DAYS))
            modified = action + dt.timedelta(days=rng.randrange(0, 10))
            rows.append(_BUILD[name](rng, index, action, modified))
        data[name] = rows
    data["contract_awards"] = _awards(rng, data["contract_tx"], "contract")
    data["assistance_awards"] = _awards(rng, data["assistance_tx"], "assistance")
    return data


def _contract_tx(rng: random.Random, index: int, action: dt.date, modified: dt.date) -> dict:
    award = index // 4  # several transactions per award
    obligation = f"{rng.uniform(-5000, 250000):.2f}"
    code = rng.choice(CONTRACT_TYPES)
    return _row(
        "Contracts_PrimeTransactions",
        rng,
        {
            "contract_transaction_unique_key": f"9700_-NONE-_W91{award:05d}_P{index:05d}_-NONE-_0",
            "contract_award_unique_key": f"CONT_AWD_W91{award:05d}_9700_-NONE-_-NONE-",
            "award_id_piid": f"W91{award:05d}",
            "modification_number": f"P{index:05d}",
            "transaction_number": str(index % 3),
            "federal_action_obligation": obligation,
            "total_dollars_obligated": obligation,
            "action_date": action.isoformat(),
            "action_date_fiscal_year": action.year + (1 if action.month >= 10 else 0),
            "award_type_code": code,
            "transaction_description": rng.choice(
                ("IT SERVICES", "Repairs, north wing", "MULTILINE\nTEXT")
            ),
            "naics_code": "541512",
            **_common(rng, action, modified),
            "_type": code,
        },
    )


def _assistance_tx(rng: random.Random, index: int, action: dt.date, modified: dt.date) -> dict:
    award = index // 3
    obligation = f"{rng.uniform(0, 90000):.2f}"
    code = rng.choice(ASSISTANCE_TYPES)
    return _row(
        "Assistance_PrimeTransactions",
        rng,
        {
            "assistance_transaction_unique_key": f"ASST_TX_{award:05d}_{index:05d}",
            "assistance_award_unique_key": f"ASST_NON_FAIN{award:05d}_8630",
            "award_id_fain": f"FAIN{award:05d}",
            "modification_number": str(index % 3),
            "federal_action_obligation": obligation,
            "total_obligated_amount": obligation,
            "action_date": action.isoformat(),
            "action_date_fiscal_year": action.year + (1 if action.month >= 10 else 0),
            "assistance_type_code": code,
            "cfda_number": "10.001",
            **_common(rng, action, modified),
            "_type": code,
        },
    )


def _common(rng: random.Random, action: dt.date, modified: dt.date) -> dict[str, t.Any]:
    agency = rng.choice(AGENCIES)
    return {
        "awarding_agency_name": agency,
        "awarding_sub_agency_name": f"{agency}, Office {rng.randint(1, 3)}",
        "recipient_uei": f"{rng.getrandbits(40):012X}",
        "recipient_name": rng.choice(
            ("ACME CORP", "Résumé Labs, LLC", 'BIG "QUOTED" INC', "Ōsaka Trading")
        ),
        "recipient_state_code": rng.choice(("VA", "CA", "TX", "")),
        "period_of_performance_start_date": action.isoformat(),
        "period_of_performance_current_end_date": (action + dt.timedelta(days=365)).isoformat(),
        "last_modified_date": f"{modified.isoformat()} 12:{rng.randint(10, 59)}:00+00",
        "_action": action,
        "_modified": modified,
    }


def _subaward(kind: str) -> t.Callable[..., dict]:
    def build(rng: random.Random, index: int, action: dt.date, modified: dt.date) -> dict:
        contract = kind == "contract"
        prime = (
            f"CONT_AWD_W91{index // 2:05d}_9700_-NONE-_-NONE-"
            if contract
            else f"ASST_NON_FAIN{index // 2:05d}_8630"
        )
        facts = {
            "prime_award_unique_key": prime,
            "prime_award_piid" if contract else "prime_award_fain": prime.split("_")[2],
            "subaward_type": "sub-contract" if contract else "sub-grant",
            "subaward_number": f"SUB-{index:04d}",
            "subaward_amount": f"{rng.uniform(100, 90000):.2f}",
            "subaward_action_date": action.isoformat(),
            "subawardee_name": rng.choice(("Small Co", "Ñandú Services")),
            "subaward_sam_report_last_modified_date": f"{modified.isoformat()} 08:00:00.125",
            "_action": action,
            "_modified": modified,
            "_type": rng.choice(CONTRACT_TYPES if contract else ASSISTANCE_TYPES),
        }
        prefix = "Contracts_Subawards" if contract else "Assistance_Subawards"
        return _row(prefix, rng, facts)

    return build


def _awards(rng: random.Random, transactions: list[dict], kind: str) -> list[dict]:
    """One summary row per award: its latest transaction's facts, dated by it."""
    key = "contract_award_unique_key" if kind == "contract" else "assistance_award_unique_key"
    latest: dict[str, dict] = {}
    for row in transactions:
        if row[key] not in latest or row["_action"] >= latest[row[key]]["_action"]:
            latest[row[key]] = row
    prefix = (
        "Contracts_PrimeAwardSummaries"
        if kind == "contract"
        else ("Assistance_PrimeAwardSummaries")
    )
    shared = [c for c in _HEADERS[prefix] if c.startswith(("awarding_", "recipient_", "period_"))]
    out = []
    for award_key, row in latest.items():
        facts = {c: row[c] for c in shared if c in row}
        facts.update(
            {
                key: award_key,
                "total_obligated_amount": row.get("total_dollars_obligated")
                or row.get("total_obligated_amount"),
                "award_latest_action_date": row["action_date"],
                "last_modified_date": row["last_modified_date"],
                "_action": row["_action"],
                "_modified": row["_modified"],
                "_type": row["_type"],
            }
        )
        if kind == "contract":
            facts.update(award_id_piid=row["award_id_piid"], award_type_code=row["_type"])
        else:
            facts.update(award_id_fain=row["award_id_fain"], assistance_type_code=row["_type"])
        out.append(_row(prefix, rng, facts))
    return out


_BUILD = {
    "contract_tx": _contract_tx,
    "assistance_tx": _assistance_tx,
    "contract_sub": _subaward("contract"),
    "assistance_sub": _subaward("assistance"),
}


def _names(text: str) -> list[str]:
    return text.split()


# Each file's header, in file order, as the usaspending-api repository lists it.
_HEADERS = {
    "Contracts_PrimeAwardSummaries": _names(
        """
        contract_award_unique_key award_id_piid parent_award_agency_id parent_award_agency_name
        parent_award_id_piid disaster_emergency_fund_codes
        outlayed_amount_from_COVID-19_supplementals obligated_amount_from_COVID-19_supplementals
        outlayed_amount_from_IIJA_supplemental obligated_amount_from_IIJA_supplemental
        total_obligated_amount total_outlayed_amount current_total_value_of_award
        potential_total_value_of_award award_base_action_date award_base_action_date_fiscal_year
        award_latest_action_date award_latest_action_date_fiscal_year
        period_of_performance_start_date period_of_performance_current_end_date
        period_of_performance_potential_end_date ordering_period_end_date solicitation_date
        awarding_agency_code awarding_agency_name awarding_sub_agency_code
        awarding_sub_agency_name awarding_office_code awarding_office_name funding_agency_code
        funding_agency_name funding_sub_agency_code funding_sub_agency_name funding_office_code
        funding_office_name treasury_accounts_funding_this_award
        federal_accounts_funding_this_award object_classes_funding_this_award
        program_activities_funding_this_award foreign_funding foreign_funding_description
        sam_exception sam_exception_description recipient_uei recipient_duns recipient_name
        recipient_name_raw recipient_doing_business_as_name cage_code recipient_parent_uei
        recipient_parent_duns recipient_parent_name recipient_parent_name_raw
        recipient_country_code recipient_country_name recipient_address_line_1
        recipient_address_line_2 recipient_city_name
        prime_award_summary_recipient_county_fips_code recipient_county_name
        prime_award_summary_recipient_state_fips_code recipient_state_code recipient_state_name
        recipient_zip_4_code prime_award_summary_recipient_cd_original
        prime_award_summary_recipient_cd_current recipient_phone_number recipient_fax_number
        primary_place_of_performance_country_code primary_place_of_performance_country_name
        primary_place_of_performance_city_name
        prime_award_summary_place_of_performance_county_fips_code
        primary_place_of_performance_county_name
        prime_award_summary_place_of_performance_state_fips_code
        primary_place_of_performance_state_code primary_place_of_performance_state_name
        primary_place_of_performance_zip_4 prime_award_summary_place_of_performance_cd_original
        prime_award_summary_place_of_performance_cd_current award_or_idv_flag award_type_code
        award_type idv_type_code idv_type multiple_or_single_award_idv_code
        multiple_or_single_award_idv type_of_idc_code type_of_idc type_of_contract_pricing_code
        type_of_contract_pricing prime_award_base_transaction_description
        solicitation_identifier number_of_actions inherently_governmental_functions
        inherently_governmental_functions_description product_or_service_code
        product_or_service_code_description contract_bundling_code contract_bundling
        dod_claimant_program_code dod_claimant_program_description naics_code naics_description
        recovered_materials_sustainability_code recovered_materials_sustainability
        domestic_or_foreign_entity_code domestic_or_foreign_entity dod_acquisition_program_code
        dod_acquisition_program_description information_technology_commercial_item_category_code
        information_technology_commercial_item_category epa_designated_product_code
        epa_designated_product country_of_product_or_service_origin_code
        country_of_product_or_service_origin place_of_manufacture_code place_of_manufacture
        subcontracting_plan_code subcontracting_plan extent_competed_code extent_competed
        solicitation_procedures_code solicitation_procedures type_of_set_aside_code
        type_of_set_aside evaluated_preference_code evaluated_preference research_code research
        fair_opportunity_limited_sources_code fair_opportunity_limited_sources
        other_than_full_and_open_competition_code other_than_full_and_open_competition
        number_of_offers_received commercial_item_acquisition_procedures_code
        commercial_item_acquisition_procedures
        small_business_competitiveness_demonstration_program
        simplified_procedures_for_certain_commercial_items_code
        simplified_procedures_for_certain_commercial_items a76_fair_act_action_code
        a76_fair_act_action fed_biz_opps_code fed_biz_opps local_area_set_aside_code
        local_area_set_aside price_evaluation_adjustment_preference_percent_difference
        clinger_cohen_act_planning_code clinger_cohen_act_planning
        materials_supplies_articles_equipment_code materials_supplies_articles_equipment
        labor_standards_code labor_standards construction_wage_rate_requirements_code
        construction_wage_rate_requirements interagency_contracting_authority_code
        interagency_contracting_authority other_statutory_authority program_acronym
        parent_award_type_code parent_award_type parent_award_single_or_multiple_code
        parent_award_single_or_multiple major_program national_interest_action_code
        national_interest_action cost_or_pricing_data_code cost_or_pricing_data
        cost_accounting_standards_clause_code cost_accounting_standards_clause
        government_furnished_property_code government_furnished_property sea_transportation_code
        sea_transportation consolidated_contract_code consolidated_contract
        performance_based_service_acquisition_code performance_based_service_acquisition
        multi_year_contract_code multi_year_contract contract_financing_code contract_financing
        purchase_card_as_payment_method_code purchase_card_as_payment_method
        contingency_humanitarian_or_peacekeeping_operation_code
        contingency_humanitarian_or_peacekeeping_operation alaskan_native_corporation_owned_firm
        american_indian_owned_business indian_tribe_federally_recognized
        native_hawaiian_organization_owned_firm tribally_owned_firm veteran_owned_business
        service_disabled_veteran_owned_business woman_owned_business women_owned_small_business
        economically_disadvantaged_women_owned_small_business
        joint_venture_women_owned_small_business
        joint_venture_economic_disadvantaged_women_owned_small_bus minority_owned_business
        subcontinent_asian_asian_indian_american_owned_business
        asian_pacific_american_owned_business black_american_owned_business
        hispanic_american_owned_business native_american_owned_business
        other_minority_owned_business contracting_officers_determination_of_business_size
        contracting_officers_determination_of_business_size_code emerging_small_business
        community_developed_corporation_owned_firm labor_surplus_area_firm us_federal_government
        federally_funded_research_and_development_corp federal_agency us_state_government
        us_local_government city_local_government county_local_government
        inter_municipal_local_government local_government_owned municipality_local_government
        school_district_local_government township_local_government us_tribal_government
        foreign_government organizational_type corporate_entity_not_tax_exempt
        corporate_entity_tax_exempt partnership_or_limited_liability_partnership
        sole_proprietorship small_agricultural_cooperative international_organization
        us_government_entity community_development_corporation domestic_shelter
        educational_institution foundation hospital_flag manufacturer_of_goods
        veterinary_hospital hispanic_servicing_institution receives_contracts
        receives_financial_assistance receives_contracts_and_financial_assistance
        airport_authority council_of_governments housing_authorities_public_tribal
        interstate_entity planning_commission port_authority transit_authority
        subchapter_scorporation limited_liability_corporation foreign_owned
        for_profit_organization nonprofit_organization other_not_for_profit_organization
        the_ability_one_program private_university_or_college
        state_controlled_institution_of_higher_learning 1862_land_grant_college
        1890_land_grant_college 1994_land_grant_college minority_institution
        historically_black_college tribal_college alaskan_native_servicing_institution
        native_hawaiian_servicing_institution school_of_forestry veterinary_college
        dot_certified_disadvantage self_certified_small_disadvantaged_business
        small_disadvantaged_business c8a_program_participant
        historically_underutilized_business_zone_hubzone_firm sba_certified_8a_joint_venture
        highly_compensated_officer_1_name highly_compensated_officer_1_amount
        highly_compensated_officer_2_name highly_compensated_officer_2_amount
        highly_compensated_officer_3_name highly_compensated_officer_3_amount
        highly_compensated_officer_4_name highly_compensated_officer_4_amount
        highly_compensated_officer_5_name highly_compensated_officer_5_amount
        usaspending_permalink last_modified_date
        """
    ),
    "Assistance_PrimeAwardSummaries": _names(
        """
        assistance_award_unique_key award_id_fain award_id_uri sai_number
        disaster_emergency_fund_codes outlayed_amount_from_COVID-19_supplementals
        obligated_amount_from_COVID-19_supplementals outlayed_amount_from_IIJA_supplemental
        obligated_amount_from_IIJA_supplemental award_latest_action_date
        award_latest_action_date_fiscal_year total_obligated_amount total_outlayed_amount
        indirect_cost_federal_share_amount total_non_federal_funding_amount total_funding_amount
        total_face_value_of_loan total_loan_subsidy_cost award_base_action_date
        award_base_action_date_fiscal_year period_of_performance_start_date
        period_of_performance_current_end_date awarding_agency_code awarding_agency_name
        awarding_sub_agency_code awarding_sub_agency_name awarding_office_code
        awarding_office_name funding_agency_code funding_agency_name funding_sub_agency_code
        funding_sub_agency_name funding_office_code funding_office_name
        treasury_accounts_funding_this_award federal_accounts_funding_this_award
        object_classes_funding_this_award program_activities_funding_this_award recipient_uei
        recipient_duns recipient_name recipient_name_raw recipient_parent_uei
        recipient_parent_duns recipient_parent_name recipient_country_code
        recipient_country_name recipient_address_line_1 recipient_address_line_2
        recipient_city_code recipient_city_name prime_award_summary_recipient_county_fips_code
        recipient_county_name prime_award_summary_recipient_state_fips_code recipient_state_code
        recipient_state_name recipient_zip_code recipient_zip_last_4_code
        prime_award_summary_recipient_cd_original prime_award_summary_recipient_cd_current
        recipient_foreign_city_name recipient_foreign_province_name
        recipient_foreign_postal_code primary_place_of_performance_scope
        primary_place_of_performance_country_code primary_place_of_performance_country_name
        primary_place_of_performance_code primary_place_of_performance_city_name
        prime_award_summary_place_of_performance_county_fips_code
        primary_place_of_performance_county_name
        prime_award_summary_place_of_performance_state_fips_code
        primary_place_of_performance_state_name primary_place_of_performance_zip_4
        prime_award_summary_place_of_performance_cd_original
        prime_award_summary_place_of_performance_cd_current
        primary_place_of_performance_foreign_location cfda_numbers_and_titles
        funding_opportunity_number funding_opportunity_goals_text assistance_type_code
        assistance_type_description prime_award_base_transaction_description
        business_funds_indicator_code business_funds_indicator_description business_types_code
        business_types_description record_type_code record_type_description
        highly_compensated_officer_1_name highly_compensated_officer_1_amount
        highly_compensated_officer_2_name highly_compensated_officer_2_amount
        highly_compensated_officer_3_name highly_compensated_officer_3_amount
        highly_compensated_officer_4_name highly_compensated_officer_4_amount
        highly_compensated_officer_5_name highly_compensated_officer_5_amount
        usaspending_permalink last_modified_date
        """
    ),
    "Contracts_PrimeTransactions": _names(
        """
        contract_transaction_unique_key contract_award_unique_key award_id_piid
        modification_number transaction_number parent_award_agency_id parent_award_agency_name
        parent_award_id_piid parent_award_modification_number federal_action_obligation
        total_dollars_obligated total_outlayed_amount_for_overall_award
        base_and_exercised_options_value current_total_value_of_award base_and_all_options_value
        potential_total_value_of_award disaster_emergency_fund_codes_for_overall_award
        outlayed_amount_from_COVID-19_supplementals_for_overall_award
        obligated_amount_from_COVID-19_supplementals_for_overall_award
        outlayed_amount_from_IIJA_supplemental_for_overall_award
        obligated_amount_from_IIJA_supplemental_for_overall_award action_date
        action_date_fiscal_year period_of_performance_start_date
        period_of_performance_current_end_date period_of_performance_potential_end_date
        ordering_period_end_date solicitation_date awarding_agency_code awarding_agency_name
        awarding_sub_agency_code awarding_sub_agency_name awarding_office_code
        awarding_office_name funding_agency_code funding_agency_name funding_sub_agency_code
        funding_sub_agency_name funding_office_code funding_office_name
        treasury_accounts_funding_this_award federal_accounts_funding_this_award
        object_classes_funding_this_award program_activities_funding_this_award foreign_funding
        foreign_funding_description sam_exception sam_exception_description recipient_uei
        recipient_duns recipient_name recipient_name_raw recipient_doing_business_as_name
        cage_code recipient_parent_uei recipient_parent_duns recipient_parent_name
        recipient_parent_name_raw recipient_country_code recipient_country_name
        recipient_address_line_1 recipient_address_line_2 recipient_city_name
        prime_award_transaction_recipient_county_fips_code recipient_county_name
        prime_award_transaction_recipient_state_fips_code recipient_state_code
        recipient_state_name recipient_zip_4_code prime_award_transaction_recipient_cd_original
        prime_award_transaction_recipient_cd_current recipient_phone_number recipient_fax_number
        primary_place_of_performance_country_code primary_place_of_performance_country_name
        primary_place_of_performance_city_name
        prime_award_transaction_place_of_performance_county_fips_code
        primary_place_of_performance_county_name
        prime_award_transaction_place_of_performance_state_fips_code
        primary_place_of_performance_state_code primary_place_of_performance_state_name
        primary_place_of_performance_zip_4
        prime_award_transaction_place_of_performance_cd_original
        prime_award_transaction_place_of_performance_cd_current award_or_idv_flag
        award_type_code award_type idv_type_code idv_type multiple_or_single_award_idv_code
        multiple_or_single_award_idv type_of_idc_code type_of_idc type_of_contract_pricing_code
        type_of_contract_pricing transaction_description
        prime_award_base_transaction_description action_type_code action_type
        solicitation_identifier number_of_actions inherently_governmental_functions
        inherently_governmental_functions_description product_or_service_code
        product_or_service_code_description contract_bundling_code contract_bundling
        dod_claimant_program_code dod_claimant_program_description naics_code naics_description
        recovered_materials_sustainability_code recovered_materials_sustainability
        domestic_or_foreign_entity_code domestic_or_foreign_entity dod_acquisition_program_code
        dod_acquisition_program_description information_technology_commercial_item_category_code
        information_technology_commercial_item_category epa_designated_product_code
        epa_designated_product country_of_product_or_service_origin_code
        country_of_product_or_service_origin place_of_manufacture_code place_of_manufacture
        subcontracting_plan_code subcontracting_plan extent_competed_code extent_competed
        solicitation_procedures_code solicitation_procedures type_of_set_aside_code
        type_of_set_aside evaluated_preference_code evaluated_preference research_code research
        fair_opportunity_limited_sources_code fair_opportunity_limited_sources
        other_than_full_and_open_competition_code other_than_full_and_open_competition
        number_of_offers_received commercial_item_acquisition_procedures_code
        commercial_item_acquisition_procedures
        small_business_competitiveness_demonstration_program
        simplified_procedures_for_certain_commercial_items_code
        simplified_procedures_for_certain_commercial_items a76_fair_act_action_code
        a76_fair_act_action fed_biz_opps_code fed_biz_opps local_area_set_aside_code
        local_area_set_aside price_evaluation_adjustment_preference_percent_difference
        clinger_cohen_act_planning_code clinger_cohen_act_planning
        materials_supplies_articles_equipment_code materials_supplies_articles_equipment
        labor_standards_code labor_standards construction_wage_rate_requirements_code
        construction_wage_rate_requirements interagency_contracting_authority_code
        interagency_contracting_authority other_statutory_authority program_acronym
        parent_award_type_code parent_award_type parent_award_single_or_multiple_code
        parent_award_single_or_multiple major_program national_interest_action_code
        national_interest_action cost_or_pricing_data_code cost_or_pricing_data
        cost_accounting_standards_clause_code cost_accounting_standards_clause
        government_furnished_property_code government_furnished_property sea_transportation_code
        sea_transportation undefinitized_action_code undefinitized_action
        consolidated_contract_code consolidated_contract
        performance_based_service_acquisition_code performance_based_service_acquisition
        multi_year_contract_code multi_year_contract contract_financing_code contract_financing
        purchase_card_as_payment_method_code purchase_card_as_payment_method
        contingency_humanitarian_or_peacekeeping_operation_code
        contingency_humanitarian_or_peacekeeping_operation alaskan_native_corporation_owned_firm
        american_indian_owned_business indian_tribe_federally_recognized
        native_hawaiian_organization_owned_firm tribally_owned_firm veteran_owned_business
        service_disabled_veteran_owned_business woman_owned_business women_owned_small_business
        economically_disadvantaged_women_owned_small_business
        joint_venture_women_owned_small_business
        joint_venture_economic_disadvantaged_women_owned_small_bus minority_owned_business
        subcontinent_asian_asian_indian_american_owned_business
        asian_pacific_american_owned_business black_american_owned_business
        hispanic_american_owned_business native_american_owned_business
        other_minority_owned_business contracting_officers_determination_of_business_size
        contracting_officers_determination_of_business_size_code emerging_small_business
        community_developed_corporation_owned_firm labor_surplus_area_firm us_federal_government
        federally_funded_research_and_development_corp federal_agency us_state_government
        us_local_government city_local_government county_local_government
        inter_municipal_local_government local_government_owned municipality_local_government
        school_district_local_government township_local_government us_tribal_government
        foreign_government organizational_type corporate_entity_not_tax_exempt
        corporate_entity_tax_exempt partnership_or_limited_liability_partnership
        sole_proprietorship small_agricultural_cooperative international_organization
        us_government_entity community_development_corporation domestic_shelter
        educational_institution foundation hospital_flag manufacturer_of_goods
        veterinary_hospital hispanic_servicing_institution receives_contracts
        receives_financial_assistance receives_contracts_and_financial_assistance
        airport_authority council_of_governments housing_authorities_public_tribal
        interstate_entity planning_commission port_authority transit_authority
        subchapter_scorporation limited_liability_corporation foreign_owned
        for_profit_organization nonprofit_organization other_not_for_profit_organization
        the_ability_one_program private_university_or_college
        state_controlled_institution_of_higher_learning 1862_land_grant_college
        1890_land_grant_college 1994_land_grant_college minority_institution
        historically_black_college tribal_college alaskan_native_servicing_institution
        native_hawaiian_servicing_institution school_of_forestry veterinary_college
        dot_certified_disadvantage self_certified_small_disadvantaged_business
        small_disadvantaged_business c8a_program_participant
        historically_underutilized_business_zone_hubzone_firm sba_certified_8a_joint_venture
        highly_compensated_officer_1_name highly_compensated_officer_1_amount
        highly_compensated_officer_2_name highly_compensated_officer_2_amount
        highly_compensated_officer_3_name highly_compensated_officer_3_amount
        highly_compensated_officer_4_name highly_compensated_officer_4_amount
        highly_compensated_officer_5_name highly_compensated_officer_5_amount
        usaspending_permalink initial_report_date last_modified_date
        """
    ),
    "Assistance_PrimeTransactions": _names(
        """
        assistance_transaction_unique_key assistance_award_unique_key award_id_fain
        modification_number award_id_uri sai_number federal_action_obligation
        total_obligated_amount total_outlayed_amount_for_overall_award
        indirect_cost_federal_share_amount non_federal_funding_amount
        total_non_federal_funding_amount face_value_of_loan original_loan_subsidy_cost
        total_face_value_of_loan total_loan_subsidy_cost generated_pragmatic_obligations
        disaster_emergency_fund_codes_for_overall_award
        outlayed_amount_from_COVID-19_supplementals_for_overall_award
        obligated_amount_from_COVID-19_supplementals_for_overall_award
        outlayed_amount_from_IIJA_supplemental_for_overall_award
        obligated_amount_from_IIJA_supplemental_for_overall_award action_date
        action_date_fiscal_year period_of_performance_start_date
        period_of_performance_current_end_date awarding_agency_code awarding_agency_name
        awarding_sub_agency_code awarding_sub_agency_name awarding_office_code
        awarding_office_name funding_agency_code funding_agency_name funding_sub_agency_code
        funding_sub_agency_name funding_office_code funding_office_name
        treasury_accounts_funding_this_award federal_accounts_funding_this_award
        object_classes_funding_this_award program_activities_funding_this_award recipient_uei
        recipient_duns recipient_name recipient_name_raw recipient_parent_uei
        recipient_parent_duns recipient_parent_name recipient_parent_name_raw
        recipient_country_code recipient_country_name recipient_address_line_1
        recipient_address_line_2 recipient_city_code recipient_city_name
        prime_award_transaction_recipient_county_fips_code recipient_county_name
        prime_award_transaction_recipient_state_fips_code recipient_state_code
        recipient_state_name recipient_zip_code recipient_zip_last_4_code
        prime_award_transaction_recipient_cd_original
        prime_award_transaction_recipient_cd_current recipient_foreign_city_name
        recipient_foreign_province_name recipient_foreign_postal_code
        primary_place_of_performance_scope primary_place_of_performance_country_code
        primary_place_of_performance_country_name primary_place_of_performance_code
        primary_place_of_performance_city_name
        prime_award_transaction_place_of_performance_county_fips_code
        primary_place_of_performance_county_name
        prime_award_transaction_place_of_performance_state_fips_code
        primary_place_of_performance_state_name primary_place_of_performance_zip_4
        prime_award_transaction_place_of_performance_cd_original
        prime_award_transaction_place_of_performance_cd_current
        primary_place_of_performance_foreign_location cfda_number cfda_title
        funding_opportunity_number funding_opportunity_goals_text assistance_type_code
        assistance_type_description transaction_description
        prime_award_base_transaction_description business_funds_indicator_code
        business_funds_indicator_description business_types_code business_types_description
        correction_delete_indicator_code correction_delete_indicator_description
        action_type_code action_type_description record_type_code record_type_description
        highly_compensated_officer_1_name highly_compensated_officer_1_amount
        highly_compensated_officer_2_name highly_compensated_officer_2_amount
        highly_compensated_officer_3_name highly_compensated_officer_3_amount
        highly_compensated_officer_4_name highly_compensated_officer_4_amount
        highly_compensated_officer_5_name highly_compensated_officer_5_amount
        usaspending_permalink initial_report_date last_modified_date
        """
    ),
    "Contracts_Subawards": _names(
        """
        prime_award_unique_key prime_award_piid prime_award_parent_piid prime_award_amount
        prime_award_disaster_emergency_fund_codes
        prime_award_outlayed_amount_from_COVID-19_supplementals
        prime_award_obligated_amount_from_COVID-19_supplementals
        prime_award_outlayed_amount_from_IIJA_supplemental
        prime_award_obligated_amount_from_IIJA_supplemental prime_award_total_outlayed_amount
        prime_award_base_action_date prime_award_base_action_date_fiscal_year
        prime_award_latest_action_date prime_award_latest_action_date_fiscal_year
        prime_award_period_of_performance_start_date
        prime_award_period_of_performance_current_end_date
        prime_award_period_of_performance_potential_end_date prime_award_awarding_agency_code
        prime_award_awarding_agency_name prime_award_awarding_sub_agency_code
        prime_award_awarding_sub_agency_name prime_award_awarding_office_code
        prime_award_awarding_office_name prime_award_funding_agency_code
        prime_award_funding_agency_name prime_award_funding_sub_agency_code
        prime_award_funding_sub_agency_name prime_award_funding_office_code
        prime_award_funding_office_name prime_award_treasury_accounts_funding_this_award
        prime_award_federal_accounts_funding_this_award
        prime_award_object_classes_funding_this_award
        prime_award_program_activities_funding_this_award prime_awardee_uei prime_awardee_duns
        prime_awardee_name prime_awardee_dba_name prime_awardee_parent_uei
        prime_awardee_parent_duns prime_awardee_parent_name prime_awardee_country_code
        prime_awardee_country_name prime_awardee_address_line_1 prime_awardee_city_name
        prime_awardee_county_fips_code prime_awardee_county_name prime_awardee_state_fips_code
        prime_awardee_state_code prime_awardee_state_name prime_awardee_zip_code
        prime_award_summary_recipient_cd_original prime_award_summary_recipient_cd_current
        prime_awardee_foreign_postal_code prime_awardee_business_types
        prime_award_primary_place_of_performance_city_name
        prime_award_primary_place_of_performance_county_fips_code
        prime_award_primary_place_of_performance_county_name
        prime_award_primary_place_of_performance_state_fips_code
        prime_award_primary_place_of_performance_state_code
        prime_award_primary_place_of_performance_state_name
        prime_award_primary_place_of_performance_address_zip_code
        prime_award_summary_place_of_performance_cd_original
        prime_award_summary_place_of_performance_cd_current
        prime_award_primary_place_of_performance_country_code
        prime_award_primary_place_of_performance_country_name
        prime_award_base_transaction_description prime_award_project_title
        prime_award_naics_code prime_award_naics_description
        prime_award_national_interest_action_code prime_award_national_interest_action
        subaward_type subaward_sam_report_id subaward_sam_report_year subaward_sam_report_month
        subaward_number subaward_amount subaward_action_date subaward_action_date_fiscal_year
        subawardee_uei subawardee_duns subawardee_name subawardee_dba_name subawardee_parent_uei
        subawardee_parent_duns subawardee_parent_name subawardee_country_code
        subawardee_country_name subawardee_address_line_1 subawardee_city_name
        subawardee_state_code subawardee_state_name subawardee_zip_code
        subaward_recipient_cd_original subaward_recipient_cd_current
        subawardee_foreign_postal_code subawardee_business_types
        subaward_primary_place_of_performance_city_name
        subaward_primary_place_of_performance_state_code
        subaward_primary_place_of_performance_state_name
        subaward_primary_place_of_performance_address_zip_code
        subaward_place_of_performance_cd_original subaward_place_of_performance_cd_current
        subaward_primary_place_of_performance_country_code
        subaward_primary_place_of_performance_country_name subaward_description
        subawardee_highly_compensated_officer_1_name
        subawardee_highly_compensated_officer_1_amount
        subawardee_highly_compensated_officer_2_name
        subawardee_highly_compensated_officer_2_amount
        subawardee_highly_compensated_officer_3_name
        subawardee_highly_compensated_officer_3_amount
        subawardee_highly_compensated_officer_4_name
        subawardee_highly_compensated_officer_4_amount
        subawardee_highly_compensated_officer_5_name
        subawardee_highly_compensated_officer_5_amount usaspending_permalink
        subaward_sam_report_last_modified_date
        """
    ),
    "Assistance_Subawards": _names(
        """
        prime_award_unique_key prime_award_fain prime_award_amount
        prime_award_disaster_emergency_fund_codes
        prime_award_outlayed_amount_from_COVID-19_supplementals
        prime_award_obligated_amount_from_COVID-19_supplementals
        prime_award_outlayed_amount_from_IIJA_supplemental
        prime_award_obligated_amount_from_IIJA_supplemental prime_award_total_outlayed_amount
        prime_award_base_action_date prime_award_base_action_date_fiscal_year
        prime_award_latest_action_date prime_award_latest_action_date_fiscal_year
        prime_award_period_of_performance_start_date
        prime_award_period_of_performance_current_end_date prime_award_awarding_agency_code
        prime_award_awarding_agency_name prime_award_awarding_sub_agency_code
        prime_award_awarding_sub_agency_name prime_award_awarding_office_code
        prime_award_awarding_office_name prime_award_funding_agency_code
        prime_award_funding_agency_name prime_award_funding_sub_agency_code
        prime_award_funding_sub_agency_name prime_award_funding_office_code
        prime_award_funding_office_name prime_award_treasury_accounts_funding_this_award
        prime_award_federal_accounts_funding_this_award
        prime_award_object_classes_funding_this_award
        prime_award_program_activities_funding_this_award prime_awardee_uei prime_awardee_duns
        prime_awardee_name prime_awardee_dba_name prime_awardee_parent_uei
        prime_awardee_parent_duns prime_awardee_parent_name prime_awardee_country_code
        prime_awardee_country_name prime_awardee_address_line_1 prime_awardee_city_name
        prime_awardee_county_fips_code prime_awardee_county_name prime_awardee_state_fips_code
        prime_awardee_state_code prime_awardee_state_name prime_awardee_zip_code
        prime_award_summary_recipient_cd_original prime_award_summary_recipient_cd_current
        prime_awardee_foreign_postal_code prime_awardee_business_types
        prime_award_primary_place_of_performance_scope
        prime_award_primary_place_of_performance_city_name
        prime_award_primary_place_of_performance_county_fips_code
        prime_award_primary_place_of_performance_county_name
        prime_award_primary_place_of_performance_state_fips_code
        prime_award_primary_place_of_performance_state_code
        prime_award_primary_place_of_performance_state_name
        prime_award_primary_place_of_performance_address_zip_code
        prime_award_summary_place_of_performance_cd_original
        prime_award_summary_place_of_performance_cd_current
        prime_award_primary_place_of_performance_country_code
        prime_award_primary_place_of_performance_country_name
        prime_award_base_transaction_description prime_award_cfda_numbers_and_titles
        subaward_type subaward_sam_report_id subaward_sam_report_year subaward_sam_report_month
        subaward_number subaward_amount subaward_action_date subaward_action_date_fiscal_year
        subawardee_uei subawardee_duns subawardee_name subawardee_dba_name subawardee_parent_uei
        subawardee_parent_duns subawardee_parent_name subawardee_country_code
        subawardee_country_name subawardee_address_line_1 subawardee_city_name
        subawardee_state_code subawardee_state_name subawardee_zip_code
        subaward_recipient_cd_original subaward_recipient_cd_current
        subawardee_foreign_postal_code subawardee_business_types
        subaward_primary_place_of_performance_city_name
        subaward_primary_place_of_performance_state_code
        subaward_primary_place_of_performance_state_name
        subaward_primary_place_of_performance_address_zip_code
        subaward_place_of_performance_cd_original subaward_place_of_performance_cd_current
        subaward_primary_place_of_performance_country_code
        subaward_primary_place_of_performance_country_name subaward_description
        subawardee_highly_compensated_officer_1_name
        subawardee_highly_compensated_officer_1_amount
        subawardee_highly_compensated_officer_2_name
        subawardee_highly_compensated_officer_2_amount
        subawardee_highly_compensated_officer_3_name
        subawardee_highly_compensated_officer_3_amount
        subawardee_highly_compensated_officer_4_name
        subawardee_highly_compensated_officer_4_amount
        subawardee_highly_compensated_officer_5_name
        subawardee_highly_compensated_officer_5_amount usaspending_permalink
        subaward_sam_report_last_modified_date
        """
    ),
}
