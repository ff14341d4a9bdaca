"""Typed schemas of the Scantrust streams."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th


def codes_schema(scm_fields: t.Sequence[str]) -> dict[str, t.Any]:
    """Codes: fixed CSV columns typed, campaign SCM fields in one ``scm`` object.

    Keys listed in ``scm_fields`` are declared inside ``scm`` so that schema
    flattening turns them into columns (``scm__<key>``); other keys are kept too.
    """
    scm = th.ObjectType(
        *(th.Property(key, th.StringType) for key in scm_fields),
        additional_properties=True,
    )
    return th.PropertiesList(
        th.Property("extended_id", th.StringType, required=True),
        th.Property("campaign_id", th.IntegerType, required=True),
        th.Property("serial_number", th.StringType),
        th.Property("brand", th.StringType),
        th.Property("product", th.StringType),
        th.Property("sku", th.StringType, description="Kept as text: leading zeros matter."),
        th.Property("status", th.StringType, description="inactive, active or blacklisted."),
        th.Property("blacklist_reason", th.StringType),
        th.Property("scm_updated_by", th.StringType),
        th.Property("scm_updated_at", th.DateTimeType),
        th.Property("activated_by", th.StringType),
        th.Property("activated_at", th.DateTimeType),
        th.Property("workorder_id", th.StringType),
        th.Property("scm", scm, description="The campaign's SCM fields (keys as in the CSV)."),
        th.Property(
            "changed_before",
            th.DateTimeType,
            description="End of the updated_at window whose search task returned the code "
            "(the sync's start time on a first sync): the incremental bookmark.",
        ),
    ).to_dict()


_NAMED = th.ObjectType(
    th.Property("id", th.IntegerType),
    th.Property("name", th.StringType),
    additional_properties=True,
)

PRODUCTS = th.PropertiesList(
    th.Property("id", th.IntegerType, required=True),
    th.Property("uuid", th.UUIDType),
    th.Property("sku", th.StringType),
    th.Property("name", th.StringType),
    th.Property("description", th.StringType),
    th.Property("brand", _NAMED),
    th.Property("campaign", _NAMED),
    th.Property("creation_date", th.DateTimeType),
    th.Property("code_count", th.IntegerType),
    th.Property("image", th.StringType),
    th.Property("is_archived", th.BooleanType),
).to_dict()

SCANS = th.PropertiesList(
    th.Property("scan_uuid", th.StringType, required=True),
    th.Property("campaign_id", th.IntegerType, required=True),
    th.Property("scanned_at", th.DateTimeType, description="scan.datetime, the bookmark."),
    th.Property(
        "scan",
        th.ObjectType(
            th.Property("uuid", th.StringType),
            th.Property("datetime", th.DateTimeType),
            th.Property("result", th.StringType),
            th.Property("reason", th.StringType),
            th.Property("flags", th.ArrayType(th.StringType)),
            additional_properties=True,
        ),
    ),
    th.Property(
        "code",
        th.ObjectType(
            th.Property("extended_id", th.StringType),
            th.Property("serial_number", th.StringType),
            th.Property("activation_status", th.IntegerType),
            additional_properties=True,
        ),
    ),
    th.Property(
        "product",
        th.ObjectType(
            th.Property("id", th.IntegerType),
            th.Property("sku", th.StringType),
            th.Property("name", th.StringType),
            th.Property("brand_name", th.StringType),
            additional_properties=True,
        ),
    ),
    th.Property(
        "location",
        th.ObjectType(
            th.Property("country", th.StringType),
            th.Property("city", th.StringType),
            th.Property("latitude", th.NumberType),
            th.Property("longitude", th.NumberType),
            additional_properties=True,
        ),
    ),
    th.Property("device", th.ObjectType(additional_properties=True)),
    th.Property("scm", th.ObjectType(additional_properties=True)),
).to_dict()
