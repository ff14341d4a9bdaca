"""Product id formats accepted before any request (the Trace API documentation's table)."""

import pytest
from tap_foodtrust_trace.product_ids import identifier_format, invalid_product_ids


@pytest.mark.parametrize(
    ("product_id", "kind"),
    [
        ("urn:epc:class:lgtin:0614141.107346.101", "EPC LGTIN"),
        ("urn:epc:id:sgtin:0614141.107346.2017", "EPC SGTIN"),
        ("urn:ibm:ift:product:lot:class:1234567890123.product-123.lot4", "IFT product with lot"),
        (
            "urn:ibm:ift:product:serial:obj:1234567890123.product-123.serial-number-4567",
            "IFT product with serial",
        ),
        ("urn:ibm:ift:product:lot:class:999999999999.sliced-mango.lot-1", "IFT product with lot"),
    ],
)
def test_documented_examples_are_accepted(product_id, kind):
    assert identifier_format(product_id) == kind


@pytest.mark.parametrize(
    "product_id",
    [
        "",
        "0614141.107346.101",  # no URN prefix
        "urn:epc:class:lgtin:0614141.10734.101",  # 12 digits, not 13
        "urn:epc:class:lgtin:0614141.107346",  # no lot
        "urn:epc:id:sgtin:0614141.107346.2017 ",  # trailing space
        "urn:ibm:ift:product:class:999999999999.mango",  # a product class, not an instance
        "urn:ibm:ift:product:lot:class:abc.product.lot",  # prefix not digits
        "urn:ibm:ift:location:loc:999999999999.farm-1",
        "urn:epc:class:lgtin:0614141.107346.123456789012345678901",  # lot over 20 characters
        "urn:epc:id:sgtin:0614141.107346.",  # empty serial
        "urn:epc:id:sgtin:06141.41073460.2017",  # 13 digits, but a 5-digit company prefix
        "urn:ibm:ift:product:lot:class:1234567890123.product-123",  # no lot
        "urn:ibm:ift:product:lot:class:1234567890123.café.lot4",  # not ASCII
        "urn:ibm:ift:product:serial:obj:1234567890123.item.serial 4",  # space
        "urn:ibm:ift:product:serial:obj:1234567890123..serial-4",  # empty item reference
    ],
)
def test_malformed_ids_are_rejected(product_id):
    assert identifier_format(product_id) is None


def test_invalid_ids_are_listed_in_order():
    ids = ["urn:epc:id:sgtin:0614141.107346.2017", "bad-1", "urn:x", "bad-1"]
    assert invalid_product_ids(ids) == ["bad-1", "urn:x", "bad-1"]
