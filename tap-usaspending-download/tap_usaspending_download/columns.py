"""The six file kinds of a USAspending download and their columns.

Column names are the download's own (usaspending-api's download column lookups);
each kind lists the columns this tap types. Other columns a file carries are kept
as strings and logged once by name.
"""

from __future__ import annotations

from dataclasses import dataclass

MONEY, DATE, DATETIME, INT, TEXT = "money", "date", "datetime", "int", "text"

_AGENCIES = {
    "awarding_agency_code": TEXT,
    "awarding_agency_name": TEXT,
    "awarding_sub_agency_code": TEXT,
    "awarding_sub_agency_name": TEXT,
    "awarding_office_code": TEXT,
    "awarding_office_name": TEXT,
    "funding_agency_code": TEXT,
    "funding_agency_name": TEXT,
    "funding_sub_agency_code": TEXT,
    "funding_sub_agency_name": TEXT,
}
_RECIPIENT = {
    "recipient_uei": TEXT,
    "recipient_duns": TEXT,
    "recipient_name": TEXT,
    "recipient_parent_uei": TEXT,
    "recipient_parent_name": TEXT,
    "recipient_country_code": TEXT,
    "recipient_country_name": TEXT,
    "recipient_state_code": TEXT,
    "recipient_city_name": TEXT,
    "recipient_zip_4_code": TEXT,
    "primary_place_of_performance_state_code": TEXT,
    "primary_place_of_performance_country_code": TEXT,
}
_PERIOD = {
    "period_of_performance_start_date": DATE,
    "period_of_performance_current_end_date": DATE,
}
_TAIL = {"usaspending_permalink": TEXT, "last_modified_date": DATETIME}

CONTRACT_TRANSACTIONS = {
    "contract_transaction_unique_key": TEXT,
    "contract_award_unique_key": TEXT,
    "award_id_piid": TEXT,
    "modification_number": TEXT,
    "transaction_number": INT,
    "parent_award_agency_id": TEXT,
    "parent_award_id_piid": TEXT,
    "federal_action_obligation": MONEY,
    "total_dollars_obligated": MONEY,
    "base_and_exercised_options_value": MONEY,
    "current_total_value_of_award": MONEY,
    "base_and_all_options_value": MONEY,
    "potential_total_value_of_award": MONEY,
    "action_date": DATE,
    "action_date_fiscal_year": INT,
    **_PERIOD,
    **_AGENCIES,
    **_RECIPIENT,
    "award_type_code": TEXT,
    "award_type": TEXT,
    "transaction_description": TEXT,
    "naics_code": TEXT,
    "naics_description": TEXT,
    "product_or_service_code": TEXT,
    "product_or_service_code_description": TEXT,
    **_TAIL,
}
ASSISTANCE_TRANSACTIONS = {
    "assistance_transaction_unique_key": TEXT,
    "assistance_award_unique_key": TEXT,
    "award_id_fain": TEXT,
    "modification_number": TEXT,
    "award_id_uri": TEXT,
    "sai_number": TEXT,
    "federal_action_obligation": MONEY,
    "total_obligated_amount": MONEY,
    "non_federal_funding_amount": MONEY,
    "total_non_federal_funding_amount": MONEY,
    "face_value_of_loan": MONEY,
    "original_loan_subsidy_cost": MONEY,
    "action_date": DATE,
    "action_date_fiscal_year": INT,
    **_PERIOD,
    **_AGENCIES,
    **_RECIPIENT,
    "assistance_type_code": TEXT,
    "assistance_type_description": TEXT,
    "transaction_description": TEXT,
    "cfda_number": TEXT,
    "cfda_title": TEXT,
    "business_types_description": TEXT,
    **_TAIL,
}
CONTRACT_AWARDS = {
    "contract_award_unique_key": TEXT,
    "award_id_piid": TEXT,
    "parent_award_agency_id": TEXT,
    "parent_award_id_piid": TEXT,
    "total_obligated_amount": MONEY,
    "current_total_value_of_award": MONEY,
    "potential_total_value_of_award": MONEY,
    "award_base_action_date": DATE,
    "award_latest_action_date": DATE,
    **_PERIOD,
    **_AGENCIES,
    **_RECIPIENT,
    "award_type_code": TEXT,
    "award_type": TEXT,
    "prime_award_base_transaction_description": TEXT,
    "naics_code": TEXT,
    "product_or_service_code": TEXT,
    **_TAIL,
}
ASSISTANCE_AWARDS = {
    "assistance_award_unique_key": TEXT,
    "award_id_fain": TEXT,
    "award_id_uri": TEXT,
    "total_obligated_amount": MONEY,
    "total_non_federal_funding_amount": MONEY,
    "total_face_value_of_loan": MONEY,
    "award_base_action_date": DATE,
    "award_latest_action_date": DATE,
    **_PERIOD,
    **_AGENCIES,
    **_RECIPIENT,
    "assistance_type_code": TEXT,
    "prime_award_base_transaction_description": TEXT,
    "cfda_numbers_and_titles": TEXT,
    **_TAIL,
}
_SUBAWARD = {
    "prime_award_unique_key": TEXT,
    "prime_award_amount": MONEY,
    "prime_award_base_action_date": DATE,
    "prime_award_awarding_agency_name": TEXT,
    "subaward_type": TEXT,
    "subaward_number": TEXT,
    "subaward_amount": MONEY,
    "subaward_action_date": DATE,
    "subaward_action_date_fiscal_year": INT,
    "subawardee_uei": TEXT,
    "subawardee_name": TEXT,
    "subawardee_country_code": TEXT,
    "subawardee_state_code": TEXT,
    "subaward_description": TEXT,
    "subaward_fsrs_report_last_modified_date": DATETIME,
    "usaspending_permalink": TEXT,
}
CONTRACT_SUBAWARDS = {**_SUBAWARD, "prime_award_piid": TEXT}
ASSISTANCE_SUBAWARDS = {**_SUBAWARD, "prime_award_fain": TEXT}


@dataclass(frozen=True)
class FileKind:
    stream: str
    file_prefix: str  # e.g. Contracts_PrimeTransactions (then _<date>_<n>.csv)
    download: str  # "awards" or "transactions": the request whose zip carries it
    columns: dict[str, str]
    key: tuple[str, ...]

    def matches(self, member: str) -> bool:
        name = member.rsplit("/", 1)[-1]
        return name.startswith(self.file_prefix + "_") and name.lower().endswith(".csv")


KINDS: tuple[FileKind, ...] = (
    FileKind(
        "contracts_prime_award_summaries",
        "Contracts_PrimeAwardSummaries",
        "awards",
        CONTRACT_AWARDS,
        ("contract_award_unique_key",),
    ),
    FileKind(
        "assistance_prime_award_summaries",
        "Assistance_PrimeAwardSummaries",
        "awards",
        ASSISTANCE_AWARDS,
        ("assistance_award_unique_key",),
    ),
    FileKind(
        "contracts_prime_transactions",
        "Contracts_PrimeTransactions",
        "transactions",
        CONTRACT_TRANSACTIONS,
        ("contract_transaction_unique_key",),
    ),
    FileKind(
        "assistance_prime_transactions",
        "Assistance_PrimeTransactions",
        "transactions",
        ASSISTANCE_TRANSACTIONS,
        ("assistance_transaction_unique_key",),
    ),
    # Subawards come with the awards download only, never once per download.
    FileKind(
        "contracts_subawards",
        "Contracts_Subawards",
        "awards",
        CONTRACT_SUBAWARDS,
        ("prime_award_unique_key", "subaward_number"),
    ),
    FileKind(
        "assistance_subawards",
        "Assistance_Subawards",
        "awards",
        ASSISTANCE_SUBAWARDS,
        ("prime_award_unique_key", "subaward_number"),
    ),
)
KIND_BY_STREAM = {kind.stream: kind for kind in KINDS}


def kinds_of(download: str) -> list[FileKind]:
    return [k for k in KINDS if k.download == download]
