"""The six file kinds of a USAspending download, their columns and column types.

Column names are the download's own (``headers.py``). Types follow the names:
``*_date`` a date, ``*last_modified_date`` a date-time, ``*_fiscal_year`` an integer,
amounts, values, costs and obligations a number; everything else, ids and codes
included, a string. Other columns a file carries are logged once by name and kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tap_usaspending_download import headers

MONEY, DATE, DATETIME, INT, TEXT = "money", "date", "datetime", "int", "text"

_MONEY = re.compile(
    r"(_amount|_value|_value_of_award|_cost|obligation|obligations|_obligated"
    r"|face_value_of_loan|_supplementals?|_supplementals?_for_overall_award"
    r"|_outlayed_amount_for_overall_award)$"
)
_INTEGER = {"subaward_sam_report_year", "subaward_sam_report_month"}


def column_type(name: str) -> str:
    if name.endswith("last_modified_date"):
        return DATETIME
    if name.endswith("_date"):
        return DATE
    if name.endswith("_fiscal_year") or name in _INTEGER:
        return INT
    if _MONEY.search(name):
        return MONEY
    return TEXT


def typed(names: tuple[str, ...]) -> dict[str, str]:
    return {name: column_type(name) for name in names}


@dataclass(frozen=True)
class FileKind:
    stream: str
    file_prefix: str  # e.g. Contracts_PrimeTransactions (then _<date>_<n>.csv)
    level: str  # "awards", "transactions" or "subawards": the count's spending_level
    columns: dict[str, str]
    key: tuple[str, ...]

    @property
    def is_subaward(self) -> bool:
        return self.level == "subawards"

    def matches(self, member: str) -> bool:
        name = member.rsplit("/", 1)[-1]
        return name.startswith(self.file_prefix + "_") and name.lower().endswith(".csv")


_SUBAWARD_KEY = ("prime_award_unique_key", "subaward_number")

KINDS: tuple[FileKind, ...] = (
    FileKind(
        "contracts_prime_award_summaries",
        "Contracts_PrimeAwardSummaries",
        "awards",
        typed(headers.CONTRACT_AWARDS),
        ("contract_award_unique_key",),
    ),
    FileKind(
        "assistance_prime_award_summaries",
        "Assistance_PrimeAwardSummaries",
        "awards",
        typed(headers.ASSISTANCE_AWARDS),
        ("assistance_award_unique_key",),
    ),
    FileKind(
        "contracts_prime_transactions",
        "Contracts_PrimeTransactions",
        "transactions",
        typed(headers.CONTRACT_TRANSACTIONS),
        ("contract_transaction_unique_key",),
    ),
    FileKind(
        "assistance_prime_transactions",
        "Assistance_PrimeTransactions",
        "transactions",
        typed(headers.ASSISTANCE_TRANSACTIONS),
        ("assistance_transaction_unique_key",),
    ),
    FileKind(
        "contracts_subawards",
        "Contracts_Subawards",
        "subawards",
        typed(headers.CONTRACT_SUBAWARDS),
        _SUBAWARD_KEY,
    ),
    FileKind(
        "assistance_subawards",
        "Assistance_Subawards",
        "subawards",
        typed(headers.ASSISTANCE_SUBAWARDS),
        _SUBAWARD_KEY,
    ),
)
KIND_BY_STREAM = {kind.stream: kind for kind in KINDS}


def downloads_for(selected: list[FileKind]) -> dict[str, str]:
    """The download (``awards`` or ``transactions``) each selected kind is read from.

    Both zips carry the subaward files; subawards are read from one of them only (the
    awards zip unless only transactions are wanted besides them), so they come once and
    never cost a download of their own when another one is made anyway.
    """
    levels = {kind.level for kind in selected}
    subawards_from = "transactions" if levels == {"transactions", "subawards"} else "awards"
    return {kind.stream: subawards_from if kind.is_subaward else kind.level for kind in selected}
