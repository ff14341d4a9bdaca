"""Large deterministic export files, written row by row (never held in memory)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import zipfile
from pathlib import Path

from sandbox.scantrust import FIXED_COLUMNS

SCANTRUST_SCM = (
    "farm_name",
    "organic",
    "harvest_date",
    "plant",
    "sell_by_date",
    "temp_humid_in_ph",
    "shipped_from_plant",
    "arrived_in_dc",
    "dc_name",
    "temp_humid_in_dc",
    "shipped_from_dc",
    "case_number",
    "lot",
)  # 12 + 13 = 25
USA_COLUMNS = (
    "contract_transaction_unique_key",
    "contract_award_unique_key",
    "award_id_piid",
    "modification_number",
    "transaction_number",
    "parent_award_agency_id",
    "parent_award_id_piid",
    "federal_action_obligation",
    "total_dollars_obligated",
    "base_and_exercised_options_value",
    "current_total_value_of_award",
    "base_and_all_options_value",
    "potential_total_value_of_award",
    "action_date",
    "action_date_fiscal_year",
    "period_of_performance_start_date",
    "period_of_performance_current_end_date",
    "awarding_agency_code",
    "awarding_agency_name",
    "awarding_sub_agency_code",
    "awarding_sub_agency_name",
    "awarding_office_code",
    "awarding_office_name",
    "funding_agency_code",
    "funding_agency_name",
    "recipient_uei",
    "recipient_name",
    "recipient_parent_uei",
    "recipient_parent_name",
    "recipient_country_code",
    "recipient_state_code",
    "recipient_city_name",
    "award_type_code",
    "award_type",
    "transaction_description",
    "naics_code",
    "naics_description",
    "product_or_service_code",
    "usaspending_permalink",
    "last_modified_date",
)
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def scantrust_zip(path: Path, rows: int) -> Path:
    if path.exists():
        return path
    rng = random.Random(rows)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("codes.csv", "w") as raw,
    ):
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow([*FIXED_COLUMNS, *SCANTRUST_SCM])
        for i in range(rows):
            when = (EPOCH + dt.timedelta(seconds=i * 7)).isoformat()
            writer.writerow(
                [
                    f"{i:024X}",
                    f"SN{i}" if i % 2 else "",
                    "American Pork",
                    "Pork",
                    "259052703982",
                    ("active", "inactive")[i % 2],
                    "none",
                    "j@test.com",
                    when,
                    "",
                    when if i % 3 else "",
                    str(3400 + i % 30),
                    *(f"v{rng.randrange(1000)}" if k % 3 else "" for k in range(13)),
                ]
            )
        text.flush()
    return path


def mews_files(folder: Path, rows: int, files: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"order-items-{rows}-{n}.jsonl" for n in range(files)]
    if all(p.exists() for p in paths):
        return paths
    per_file = -(-rows // files)
    for n, path in enumerate(paths):
        with path.open("w") as out:
            for i in range(n * per_file, min(rows, (n + 1) * per_file)):
                when = (EPOCH + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
                amount = {
                    "Currency": "EUR",
                    "NetValue": 10.5 + i % 7,
                    "GrossValue": 12.7,
                    "TaxValues": [{"Code": "NL-S", "Value": 2.2}],
                }
                out.write(
                    json.dumps(
                        {
                            "Id": f"00000000-0000-4000-8000-{i:012d}",
                            "EnterpriseId": "e1",
                            "AccountId": "a1",
                            "AccountType": "Customer",
                            "ServiceId": "s1",
                            "ServiceOrderId": f"o{i}",
                            "BillId": None,
                            "AccountingCategoryId": "c1",
                            "UnitCount": 1 + i % 3,
                            "UnitAmount": amount,
                            "Amount": amount,
                            "RevenueType": "Service",
                            "CreatedUtc": when,
                            "UpdatedUtc": when,
                            "ConsumedUtc": when,
                            "CanceledUtc": None,
                            "ClosedUtc": None,
                            "AccountingState": "Open",
                            "Type": "SpaceOrder",
                            "Options": {"CanceledWithReservation": False},
                            "Data": {"Discriminator": "Product"},
                        }
                    )
                    + "\n"
                )
    return paths


def usaspending_zip(path: Path, rows: int) -> Path:
    if path.exists():
        return path
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("Contracts_PrimeTransactions_2024-01-01_1.csv", "w") as raw,
    ):
        raw.write("\ufeff".encode())
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(USA_COLUMNS)
        for i in range(rows):
            day = (EPOCH + dt.timedelta(days=i % 300)).date().isoformat()
            end = (EPOCH + dt.timedelta(days=365 + i % 700)).date().isoformat()
            # Amounts as the real files carry them: a few columns vary row by row, the
            # award-level ones repeat across an award's transactions, and many are zero.
            award_value = f"{(i // 4 * 7919) % 5_000_000 + 1000}.00"
            values = {
                "contract_transaction_unique_key": f"TX{i:09d}",
                "contract_award_unique_key": f"AW{i // 4:08d}",
                "federal_action_obligation": f"{(i * 104729) % 2_500_000 / 100:.2f}",
                "total_dollars_obligated": award_value,
                "base_and_exercised_options_value": "0.00" if i % 3 else award_value,
                "current_total_value_of_award": award_value,
                "base_and_all_options_value": "0.00" if i % 5 else award_value,
                "potential_total_value_of_award": award_value,
                "action_date": day,
                "action_date_fiscal_year": "2024",
                "transaction_number": str(i % 5),
                "last_modified_date": f"{day} 12:{i % 60:02d}:{i * 7 % 60:02d}.{i % 997:06d}+00",
                "period_of_performance_start_date": day,
                "period_of_performance_current_end_date": end,
            }
            writer.writerow([values.get(c, f"{c[:6]}{i % 97}") for c in USA_COLUMNS])
        text.flush()
    return path
