"""The product identifier formats the Trace API accepts (from its documentation)."""

import re

# <CompanyPrefix>.<ItemRef>.<Lot or Serial>: the EPC forms carry 13 digits in the
# first two parts together (a GS1 company prefix is 6 to 12 of them) and a lot or
# serial of up to 20 characters; the IFT forms take a numeric company prefix, an item
# reference without dots, then the lot or serial. URNs are printable ASCII, no spaces.
_TEXT = r"[!-~]"  # one printable ASCII character
_TEXT_NO_DOT = r"[!-\-/-~]"  # the same without "."
FORMATS: dict[str, re.Pattern[str]] = {
    "EPC LGTIN": re.compile(rf"urn:epc:class:lgtin:(\d{{6,12}})\.(\d{{1,7}})\.({_TEXT}{{1,20}})"),
    "EPC SGTIN": re.compile(rf"urn:epc:id:sgtin:(\d{{6,12}})\.(\d{{1,7}})\.({_TEXT}{{1,20}})"),
    "IFT product with lot": re.compile(
        rf"urn:ibm:ift:product:lot:class:(\d+)\.({_TEXT_NO_DOT}+)\.({_TEXT}+)"
    ),
    "IFT product with serial": re.compile(
        rf"urn:ibm:ift:product:serial:obj:(\d+)\.({_TEXT_NO_DOT}+)\.({_TEXT}+)"
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
        # EPC: the company prefix and item reference together must be 13 digits
        if match and (not name.startswith("EPC") or len(match.group(1) + match.group(2)) == 13):
            return name
    return None


def invalid_product_ids(product_ids: list[str]) -> list[str]:
    """The ids that match none of the formats, in the given order."""
    return [pid for pid in product_ids if identifier_format(pid) is None]
