"""The product identifier formats the Trace API accepts (from its documentation)."""

from __future__ import annotations

import re

# <CompanyPrefix>.<ItemRef>.<Lot or Serial>: the EPC forms carry 13 digits in the
# first two parts together; the IFT forms take a company prefix and free references.
FORMATS: dict[str, re.Pattern[str]] = {
    "EPC LGTIN": re.compile(r"urn:epc:class:lgtin:(\d{6,12})\.(\d{1,7})\.([!-~]{1,20})"),
    "EPC SGTIN": re.compile(r"urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})\.([!-~]{1,20})"),
    "IFT product with lot": re.compile(r"urn:ibm:ift:product:lot:class:(\d+)\.([^.\s]+)\.(\S+)"),
    "IFT product with serial": re.compile(
        r"urn:ibm:ift:product:serial:obj:(\d+)\.([^.\s]+)\.(\S+)"
    ),
}

EXAMPLES = (
    "urn:epc:class:lgtin:0614141.107346.101, urn:epc:id:sgtin:0614141.107346.2017, "
    "urn:ibm:ift:product:lot:class:1234567890123.product-123.lot4, "
    "urn:ibm:ift:product:serial:obj:1234567890123.product-123.serial-number-4567"
)


def identifier_format(product_id: str) -> str | None:
    """The name of the format ``product_id`` matches, or None."""
    for name, pattern in FORMATS.items():
        match = pattern.fullmatch(product_id)
        if match is None:
            continue
        if name.startswith("EPC") and len(match.group(1) + match.group(2)) != 13:
            continue  # company prefix + item reference must be 13 digits
        return name
    return None


def invalid_product_ids(product_ids: list[str]) -> list[str]:
    """The ids that match none of the formats, in the given order."""
    return [pid for pid in product_ids if identifier_format(pid) is None]
