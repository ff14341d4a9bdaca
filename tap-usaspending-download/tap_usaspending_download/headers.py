"""The header of each CSV file of a USAspending download, in file order, read from
``headers.txt`` (public facts, kept as data). Their JSON types are derived in ``columns.py``."""

from __future__ import annotations

from importlib.resources import files


def _sections() -> dict[str, tuple[str, ...]]:
    sections: dict[str, list[str]] = {}
    names: list[str] = []
    for line in files(__package__).joinpath("headers.txt").read_text("utf-8").splitlines():
        if line.startswith("["):
            names = sections.setdefault(line.strip("[]"), [])
        elif not line.startswith("#"):
            names.extend(line.split())
    return {prefix: tuple(names) for prefix, names in sections.items()}


_BY_PREFIX = _sections()
CONTRACT_AWARDS = _BY_PREFIX["Contracts_PrimeAwardSummaries"]
ASSISTANCE_AWARDS = _BY_PREFIX["Assistance_PrimeAwardSummaries"]
CONTRACT_TRANSACTIONS = _BY_PREFIX["Contracts_PrimeTransactions"]
ASSISTANCE_TRANSACTIONS = _BY_PREFIX["Assistance_PrimeTransactions"]
CONTRACT_SUBAWARDS = _BY_PREFIX["Contracts_Subawards"]
ASSISTANCE_SUBAWARDS = _BY_PREFIX["Assistance_Subawards"]
