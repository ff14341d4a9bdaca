"""The six file kinds of a USAspending download: their headers, in file order, read from
``headers.txt`` (public facts, kept as data), and their column types, which follow the
names: dates, date-times, fiscal years, amounts; everything else (ids, codes) a string."""

import re
import typing as t
from dataclasses import dataclass
from importlib.resources import files

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


@dataclass(frozen=True)
class FileKind:
    stream: str
    file_prefix: str  # e.g. Contracts_PrimeTransactions (then _<date>_<n>.csv)
    level: str  # "awards", "transactions" or "subawards": the count's spending_level
    columns: dict[str, str]  # name -> type, in file order
    key: tuple[str, ...]

    def matches(self, member: str) -> bool:
        name = member.rsplit("/", 1)[-1]
        return name.startswith(self.file_prefix + "_") and name.lower().endswith(".csv")


_LEVELS = {"PrimeAwardSummaries": "awards", "PrimeTransactions": "transactions"}


def _kind(file_prefix: str, header: tuple[str, ...]) -> FileKind:
    """E.g. stream contracts_prime_transactions; a prime file's key is its first column."""
    stream = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", file_prefix).lower()
    level = _LEVELS.get(file_prefix.split("_")[1], "subawards")
    key = ("prime_award_unique_key", "subaward_number") if level == "subawards" else header[:1]
    return FileKind(stream, file_prefix, level, {n: column_type(n) for n in header}, key)


def _headers() -> dict[str, tuple[str, ...]]:
    """File prefix (e.g. Contracts_PrimeAwardSummaries) -> its header, from headers.txt."""
    sections: dict[str, list[str]] = {}
    names: list[str] = []
    for line in files(__package__).joinpath("headers.txt").read_text("utf-8").splitlines():
        if line.startswith("["):
            names = sections.setdefault(line.strip("[]"), [])
        elif not line.startswith("#"):
            names.extend(line.split())
    return {prefix: tuple(names) for prefix, names in sections.items()}


KINDS = tuple(_kind(prefix, header) for prefix, header in _headers().items())
KIND_BY_STREAM = {kind.stream: kind for kind in KINDS}


def downloads_for(selected: list[FileKind]) -> dict[str, str]:
    """The download (``awards`` or ``transactions``) each selected kind is read from. Both
    zips carry the subaward files: they are read from the awards zip unless only transactions
    are wanted besides them, so they never cost a download of their own."""
    levels = {kind.level for kind in selected}
    subawards_from = "transactions" if levels == {"transactions", "subawards"} else "awards"
    return {
        kind.stream: subawards_from if kind.level == "subawards" else kind.level
        for kind in selected
    }


def request_columns(wanted: t.Sequence[str], kinds: t.Sequence[FileKind]) -> list[str]:
    """The ``columns`` of a download read by ``kinds`` (none wanted: every column): the
    wanted ones their files have, or that no file of this tap has (newer than the tap: the
    API judges), then their key columns. Another download's columns would be refused."""
    if not wanted:
        return []
    own = {name for kind in kinds for name in kind.columns}
    known = {name for kind in KINDS for name in kind.columns}
    keys = [key for kind in kinds for key in kind.key]
    return list(dict.fromkeys([*(c for c in wanted if c in own or c not in known), *keys]))
