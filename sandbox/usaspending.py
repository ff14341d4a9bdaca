"""USAspending download API stand-in (the current contract, plus the 2017 words).

``POST /api/v2/download/awards/`` and ``/transactions/`` start a download that is
``running`` for ``job_seconds`` then ``finished`` (or ``failed`` on demand);
``GET /api/v2/download/status/?file_name=`` reports it; the zip holds CSVs split
into ``_1.csv``, ``_2.csv`` ... parts, each starting with a UTF-8 byte-order mark.
Like the real service, a download over the row cap is cut silently: only
``/api/v2/download/count/`` tells. Data is deterministic from the seed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import secrets
import tempfile
import time
import typing as t
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.core import HTTPError, Request, Response, SandboxApp, route

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
EPOCH = dt.date(2024, 1, 1)
SPAN_DAYS = 366
COUNTS = {"contract_tx": 300, "assistance_tx": 200, "contract_sub": 40, "assistance_sub": 30}
AGENCIES = ("Department of Defense", "Department of Energy", "Small Business Administration")


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


def _uuid(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


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
        self.fail_message = "Download failed: the database statement timed out"
        self.jobs: dict[str, Job] = {}
        self.data = _generate(self.seed)
        self._workdir = Path(tempfile.mkdtemp(prefix="sandbox-usaspending-"))

    def demo_config(self) -> dict[str, t.Any]:
        return {
            "api_url": self.base_url,
            "filters": {"award_type_codes": ["A", "B", "C", "D", "02", "03", "04", "05"]},
            "start_date": "2024-01-01",
            "window_days": 120,
            "poll_interval_seconds": 1,
        }

    # -- what a download holds --------------------------------------------------------
    def rows_for(self, kind: str, filters: dict[str, t.Any]) -> dict[str, list[dict]]:
        """Rows of each CSV kind a download of ``kind`` holds (before the cap)."""
        period = (filters.get("time_period") or [{}])[0]
        start = dt.date.fromisoformat(period.get("start_date", "1900-01-01"))
        end = dt.date.fromisoformat(period.get("end_date", "2999-12-31"))
        date_key = "_modified" if period.get("date_type") == "last_modified_date" else "_action"

        def keep(row: dict) -> bool:
            return start <= row[date_key] <= end

        tx = {k: [r for r in self.data[k] if keep(r)] for k in ("contract_tx", "assistance_tx")}
        subs = {
            "Contracts_Subawards": [r for r in self.data["contract_sub"] if keep(r)],
            "Assistance_Subawards": [r for r in self.data["assistance_sub"] if keep(r)],
        }
        if kind == "transactions":
            return {
                "Contracts_PrimeTransactions": tx["contract_tx"],
                "Assistance_PrimeTransactions": tx["assistance_tx"],
                **subs,  # the real service bundles subawards here too
            }
        return {
            "Contracts_PrimeAwardSummaries": _awards(tx["contract_tx"], "contract"),
            "Assistance_PrimeAwardSummaries": _awards(tx["assistance_tx"], "assistance"),
            **subs,
        }

    def transaction_count(self, filters: dict[str, t.Any]) -> int:
        rows = self.rows_for("transactions", filters)
        return len(rows["Contracts_PrimeTransactions"]) + len(rows["Assistance_PrimeTransactions"])

    # -- API -----------------------------------------------------------------------
    def _filters(self, request: Request) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
        body = request.json()
        if not isinstance(body, dict) or not body.get("filters"):
            raise HTTPError(422, {"detail": "Missing value: 'filters' is a required field"})
        filters = body["filters"]
        unknown = sorted(set(filters) - KNOWN_FILTERS)
        if unknown:
            raise HTTPError(400, {"detail": f"Invalid filter(s): {', '.join(unknown)}"})
        for period in filters.get("time_period", []):
            if period.get("date_type", "action_date") not in ("action_date", "last_modified_date"):
                raise HTTPError(400, {"detail": f"Invalid date_type: {period.get('date_type')}"})
        return body, filters

    @route("POST", r"/api/v2/download/count/")
    def count(self, request: Request) -> Response:
        _, filters = self._filters(request)
        total = self.transaction_count(filters)
        return Response.json(
            {
                "calculated_transaction_count": total,
                "maximum_transaction_limit": self.row_cap,
                "transaction_rows_gt_limit": total > self.row_cap,
                "messages": [],
            }
        )

    @route("POST", r"/api/v2/download/(?P<kind>awards|transactions)/")
    def start_download(self, request: Request) -> Response:
        body, filters = self._filters(request)
        kind = request.params["kind"]
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d_H%HM%MS%S")
        label = "PrimeAwardSummaries" if kind == "awards" else "PrimeTransactions"
        file_name = f"{label}AndSubawards_{stamp}{secrets.token_hex(4)}.zip"
        with self.lock:
            fail = self.fail_next_downloads > 0
            self.fail_next_downloads -= 1 if fail else 0
            self.jobs[file_name] = Job(
                file_name, kind, filters, body.get("columns"), time.time(), fail
            )
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
        job = self.jobs.get(request.arg("file_name") or "")
        if job is None:
            if self.legacy:
                return Response.json({"status": "does_not_exist"})
            raise HTTPError(404, {"detail": "Download request not found"})
        elapsed = time.time() - job.created
        if elapsed < self.job_seconds:
            word = (
                ("queued" if self.legacy else "ready")
                if elapsed < self.job_seconds / 2
                else "running"
            )
            return Response.json({"status": word, "file_name": job.file_name, "message": None})
        if job.fail:
            return Response.json(
                {"status": "failed", "message": self.fail_message, "file_name": job.file_name}
            )
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
        remaining = self.row_cap  # the cap cuts silently, across the files
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for prefix, rows in self.rows_for(job.kind, job.filters).items():
                rows = rows[: max(0, remaining)] if "Subawards" not in prefix else rows
                if "Subawards" not in prefix:
                    remaining -= len(rows)
                header = [c for c in rows[0] if not c.startswith("_")] if rows else _HEADERS[prefix]
                if job.columns:
                    header = [c for c in header if c in job.columns]
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
                        writer.writerow(["" if row.get(c) is None else row.get(c) for c in header])
                    archive.writestr(name, "\ufeff" + buffer.getvalue())
                    job.files.append(name)
                job.rows += len(rows)
        job.path = path


def _generate(seed: int) -> dict[str, list[dict[str, t.Any]]]:
    rng = random.Random(seed)
    data: dict[str, list[dict[str, t.Any]]] = {}
    for name, count in COUNTS.items():
        rows = []
        for index in range(count):
            action = EPOCH + dt.timedelta(days=rng.randrange(SPAN_DAYS))
            modified = action + dt.timedelta(days=rng.randrange(0, 10))
            rows.append(_ROW[name](rng, index, action, modified))
        data[name] = rows
    return data


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


def _contract_tx(rng: random.Random, index: int, action: dt.date, modified: dt.date) -> dict:
    award = index // 4  # several transactions per award
    obligation = f"{rng.uniform(-5000, 250000):.2f}"
    return {
        "contract_transaction_unique_key": f"9700_-NONE-_W91{award:05d}_P{index:05d}_-NONE-_0",
        "contract_award_unique_key": f"CONT_AWD_W91{award:05d}_9700_-NONE-_-NONE-",
        "award_id_piid": f"W91{award:05d}",
        "modification_number": f"P{index:05d}",
        "federal_action_obligation": obligation,
        "total_dollars_obligated": obligation,
        "action_date": action.isoformat(),
        "action_date_fiscal_year": action.year + (1 if action.month >= 10 else 0),
        "award_type_code": rng.choice(("A", "B", "C", "D")),
        "transaction_description": rng.choice(
            ("IT SERVICES", "Repairs, north wing", "MULTILINE\nTEXT")
        ),
        "naics_code": "541512",
        "extra_column_from_api": "new in a later release",
        **_common(rng, action, modified),
    }


def _assistance_tx(rng: random.Random, index: int, action: dt.date, modified: dt.date) -> dict:
    award = index // 3
    obligation = f"{rng.uniform(0, 90000):.2f}"
    return {
        "assistance_transaction_unique_key": f"ASST_TX_{award:05d}_{index:05d}",
        "assistance_award_unique_key": f"ASST_NON_FAIN{award:05d}_8630",
        "award_id_fain": f"FAIN{award:05d}",
        "modification_number": str(index % 3),
        "federal_action_obligation": obligation,
        "total_obligated_amount": obligation,
        "action_date": action.isoformat(),
        "action_date_fiscal_year": action.year,
        "assistance_type_code": rng.choice(("02", "03", "04", "05")),
        "cfda_number": "10.001",
        **_common(rng, action, modified),
    }


def _subaward(kind: str):
    def build(rng: random.Random, index: int, action: dt.date, modified: dt.date) -> dict:
        prime = (
            f"CONT_AWD_W91{index // 2:05d}_9700_-NONE-_-NONE-"
            if kind == "contract"
            else f"ASST_NON_FAIN{index // 2:05d}_8630"
        )
        row = {
            "prime_award_unique_key": prime,
            "prime_award_amount": f"{rng.uniform(1000, 900000):.2f}",
            "subaward_type": "sub-contract" if kind == "contract" else "sub-grant",
            "subaward_number": f"SUB-{index:04d}",
            "subaward_amount": f"{rng.uniform(100, 90000):.2f}",
            "subaward_action_date": action.isoformat(),
            "subawardee_name": rng.choice(("Small Co", "Ñandú Services")),
            "subaward_fsrs_report_last_modified_date": f"{modified.isoformat()} 08:00:00+00",
            "_action": action,
            "_modified": modified,
        }
        row["prime_award_piid" if kind == "contract" else "prime_award_fain"] = prime.split("_")[2]
        return row

    return build


def _awards(transactions: list[dict], kind: str) -> list[dict]:
    """One summary row per award of the transactions (its latest transaction)."""
    key = "contract_award_unique_key" if kind == "contract" else "assistance_award_unique_key"
    latest: dict[str, dict] = {}
    for row in transactions:
        latest[row[key]] = row
    out = []
    for award_key, row in latest.items():
        summary = {
            key: award_key,
            "total_obligated_amount": row.get("total_dollars_obligated")
            or row.get("total_obligated_amount"),
            "award_latest_action_date": row["action_date"],
            **{
                k: v
                for k, v in row.items()
                if k.startswith(("awarding_", "recipient_", "period_", "last_modified", "_"))
            },
        }
        if kind == "contract":
            summary["award_id_piid"] = row["award_id_piid"]
        else:
            summary["award_id_fain"] = row["award_id_fain"]
        out.append(summary)
    return out


_ROW = {
    "contract_tx": _contract_tx,
    "assistance_tx": _assistance_tx,
    "contract_sub": _subaward("contract"),
    "assistance_sub": _subaward("assistance"),
}
_HEADERS = {
    "Contracts_PrimeTransactions": ["contract_transaction_unique_key"],
    "Assistance_PrimeTransactions": ["assistance_transaction_unique_key"],
    "Contracts_PrimeAwardSummaries": ["contract_award_unique_key"],
    "Assistance_PrimeAwardSummaries": ["assistance_award_unique_key"],
    "Contracts_Subawards": ["prime_award_unique_key", "subaward_number"],
    "Assistance_Subawards": ["prime_award_unique_key", "subaward_number"],
}
