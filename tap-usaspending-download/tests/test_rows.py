"""Reading a download zip: parts in order, BOM, types, unknown and unreadable values kept."""

from __future__ import annotations

import logging
import zipfile
from decimal import Decimal

import pytest
from singer_sdk.contrib.msgspec import encoder
from tap_usaspending_download.columns import (
    DATE,
    DATETIME,
    INT,
    KIND_BY_STREAM,
    MONEY,
    TEXT,
    column_type,
    downloads_for,
)
from tap_usaspending_download.rows import read_rows

from singer_bulk_export_kit.errors import CorruptFileError

TX = KIND_BY_STREAM["contracts_prime_transactions"]


def write_zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("contract_transaction_unique_key", TEXT),
        ("transaction_number", TEXT),
        ("naics_code", TEXT),
        ("federal_action_obligation", MONEY),
        ("total_dollars_obligated", MONEY),
        ("face_value_of_loan", MONEY),
        ("base_and_exercised_options_value", MONEY),
        ("outlayed_amount_from_COVID-19_supplementals_for_overall_award", MONEY),
        ("disaster_emergency_fund_codes_for_overall_award", TEXT),
        ("action_date", DATE),
        ("period_of_performance_current_end_date", DATE),
        ("last_modified_date", DATETIME),
        ("subaward_sam_report_last_modified_date", DATETIME),
        ("action_date_fiscal_year", INT),
        ("subaward_sam_report_month", INT),
    ],
)
def test_column_types_follow_the_names(name, kind):
    assert column_type(name) == kind


def test_every_kind_carries_the_real_header():
    sizes = {stream: len(kind.columns) for stream, kind in KIND_BY_STREAM.items()}
    assert sizes == {
        "contracts_prime_award_summaries": 286,
        "assistance_prime_award_summaries": 100,
        "contracts_prime_transactions": 297,
        "assistance_prime_transactions": 112,
        "contracts_subawards": 118,
        "assistance_subawards": 113,
    }
    for kind in KIND_BY_STREAM.values():
        assert set(kind.key) <= set(kind.columns)


def test_subawards_are_read_from_one_download_only():
    kinds = KIND_BY_STREAM
    everything = downloads_for(list(kinds.values()))
    assert everything["contracts_subawards"] == "awards"
    with_tx = downloads_for([kinds["contracts_prime_transactions"], kinds["contracts_subawards"]])
    assert with_tx == {
        "contracts_prime_transactions": "transactions",
        "contracts_subawards": "transactions",
    }
    alone = downloads_for([kinds["assistance_subawards"]])
    assert alone == {"assistance_subawards": "awards"}


def test_parts_are_read_in_number_order_with_the_bom_stripped(tmp_path):
    header = "contract_transaction_unique_key,federal_action_obligation\n"
    members = {
        f"Contracts_PrimeTransactions_2024-01-01_{n}.csv": "\ufeff" + header + f"K{n},1.50\n"
        for n in (10, 2, 1)
    }
    members["Contracts_PrimeAwardSummaries_2024-01-01_1.csv"] = "contract_award_unique_key\nX\n"
    path = write_zip(tmp_path / "d.zip", members)
    rows = list(read_rows(path, TX, set()))
    assert [r["contract_transaction_unique_key"] for r in rows] == ["K1", "K2", "K10"]
    assert rows[0]["federal_action_obligation"] == Decimal("1.50")


def test_unreadable_values_are_kept_as_text_and_logged_once(tmp_path, caplog):
    text = (
        "contract_transaction_unique_key,federal_action_obligation,action_date,"
        "action_date_fiscal_year,last_modified_date,brand_new\n"
        "K1,N/A,2024-13-45,FY24,2024-03-01 12:00:00.5+00,x\n"
        "K2,NaN,2024-03-01,2024,2024-03-01,\n"
        "K3,-12.5,2024-03-01 00:00:00,2024,,y\n"
    )
    path = write_zip(tmp_path / "d.zip", {"Contracts_PrimeTransactions_x_1.csv": text})
    with caplog.at_level(logging.WARNING):
        rows = list(read_rows(path, TX, set()))
    assert rows[0]["federal_action_obligation"] is None
    assert rows[0]["action_date"] is None
    assert rows[0]["action_date_fiscal_year"] is None
    assert rows[0]["last_modified_date"] == "2024-03-01T12:00:00.500000+00:00"
    assert rows[0]["_extra"] == {
        "brand_new": "x",
        "federal_action_obligation": "N/A",
        "action_date": "2024-13-45",
        "action_date_fiscal_year": "FY24",
    }
    assert rows[1]["_extra"] == {"federal_action_obligation": "NaN"}  # empty cells: no value
    assert rows[1]["last_modified_date"] == "2024-03-01T00:00:00+00:00"
    assert rows[2] == {
        "contract_transaction_unique_key": "K3",
        "federal_action_obligation": Decimal("-12.5"),
        "action_date": "2024-03-01",
        "action_date_fiscal_year": 2024,
        "last_modified_date": None,
        "_extra": {"brand_new": "y"},
    }
    messages = [r.getMessage() for r in caplog.records]
    assert sum("federal_action_obligation is not a money" in m for m in messages) == 1
    assert sum("brand_new" in m for m in messages) == 1


def test_struct_rows_encode_to_the_dict_rows(tmp_path):
    text = (
        "contract_transaction_unique_key,federal_action_obligation,brand_new,action_date,"
        "last_modified_date\n"
        "K1,N/A,x,2024-03-01,2024-03-01 12:00:00.5+00\n"
        "K2,1.50,,,\n"
        'K3,-0.00,"a, ""quoted"" value",2024-03-02,2024-03-01 12:00:00+05:30\n'
    )
    path = write_zip(tmp_path / "d.zip", {"Contracts_PrimeTransactions_x_1.csv": text})
    constants = {"time_period_end": "2024-03-31"}
    as_dicts = [encoder.encode(row) for row in read_rows(path, TX, set(), constants)]
    as_structs = list(read_rows(path, TX, set(), constants, as_structs=True))
    assert not isinstance(as_structs[0], dict)
    # The same JSON, byte for byte: keys in the same order, _extra left out when empty.
    assert [encoder.encode(row) for row in as_structs] == as_dicts
    assert b'"_extra"' not in as_dicts[1]


@pytest.mark.parametrize(
    ("text", "emitted"),
    [
        ("2024-03-01 12:00:00.123456+00", "2024-03-01T12:00:00.123456+00:00"),
        ("2024-03-01 12:00:00.1+00", "2024-03-01T12:00:00.100000+00:00"),
        ("2024-03-01 12:00:00.000000+00", "2024-03-01T12:00:00+00:00"),
        ("2024-03-01 12:00:00+00", "2024-03-01T12:00:00+00:00"),
        ("2024-03-01 12:00:00Z", "2024-03-01T12:00:00+00:00"),
        ("2024-03-01 120000.5+00", "2024-03-01T12:00:00.500000+00:00"),  # basic time
        ("2024-03-01 12:00:00+05:30", "2024-03-01T06:30:00+00:00"),
        ("2024-03-01 12:00:00+0530", "2024-03-01T06:30:00+00:00"),  # Spark's [x] pattern
        ("2024-03-01 12:00:00-04", "2024-03-01T16:00:00+00:00"),
        ("2024-08-25 06:00:30", "2024-08-25T06:00:30+00:00"),  # no offset: UTC
        ("2024-08-25T06:00:30.125", "2024-08-25T06:00:30.125000+00:00"),
        ("2024-08-25", "2024-08-25T00:00:00+00:00"),
    ],
)
def test_date_times_are_rfc3339_in_utc(tmp_path, text, emitted):
    csv_text = f"contract_transaction_unique_key,last_modified_date\nK1,{text}\n"
    path = write_zip(tmp_path / "d.zip", {"Contracts_PrimeTransactions_x_1.csv": csv_text})
    [row] = read_rows(path, TX, set())
    assert row == {"contract_transaction_unique_key": "K1", "last_modified_date": emitted}


def test_a_row_whose_unknown_columns_are_empty_has_no_extra(tmp_path):
    text = "contract_transaction_unique_key,brand_new,newer\nK1,,\nK2,,z\n"
    path = write_zip(tmp_path / "d.zip", {"Contracts_PrimeTransactions_x_1.csv": text})
    rows = list(read_rows(path, TX, set()))
    assert rows == [
        {"contract_transaction_unique_key": "K1"},
        {"contract_transaction_unique_key": "K2", "_extra": {"newer": "z"}},
    ]


def test_a_file_without_its_key_column_is_an_error(tmp_path):
    path = write_zip(tmp_path / "d.zip", {"Contracts_PrimeTransactions_x_1.csv": "a,b\n1,2\n"})
    with pytest.raises(CorruptFileError, match="lacks its key column"):
        list(read_rows(path, TX, set()))


def test_a_ragged_row_is_an_error_naming_the_file(tmp_path):
    text = "contract_transaction_unique_key,naics_code\nK1,1\nK2\n"
    path = write_zip(tmp_path / "d.zip", {"Contracts_PrimeTransactions_x_1.csv": text})
    with pytest.raises(
        CorruptFileError,
        match=r"Contracts_PrimeTransactions_x_1\.csv: CSV record 3 has 1 fields, the header 2",
    ):
        list(read_rows(path, TX, set()))
