"""Typed schemas of the Scantrust streams."""

import typing as t

from singer_sdk import typing as th

S, INT, DT = th.StringType, th.IntegerType, th.DateTimeType


def _properties(**kinds: t.Any) -> list[th.Property]:
    """Optional properties, one per keyword (its name) and type."""
    return [th.Property(name, kind) for name, kind in kinds.items()]


def _object(**kinds: t.Any) -> th.ObjectType:
    """An object of these properties that keeps any others too."""
    return th.ObjectType(*_properties(**kinds))


def codes_schema(scm_fields: t.Sequence[str]) -> dict[str, t.Any]:
    """Codes: fixed CSV columns typed, campaign SCM fields in one ``scm`` object.

    Keys listed in ``scm_fields`` are declared inside ``scm`` so that schema
    flattening turns them into columns (``scm__<key>``); other keys are kept too.
    """
    scm = th.ObjectType(*(th.Property(key, S) for key in scm_fields))
    return th.PropertiesList(
        th.Property("extended_id", S, required=True),
        th.Property("campaign_id", INT, required=True),
        *_properties(serial_number=S, brand=S, product=S),
        th.Property("sku", S, description="Kept as text: leading zeros matter."),
        th.Property("status", S, description="inactive, active or blacklisted."),
        *_properties(blacklist_reason=S, scm_updated_by=S, scm_updated_at=DT, activated_by=S),
        *_properties(activated_at=DT, workorder_id=S),
        th.Property("scm", scm, description="The campaign's SCM fields (keys as in the CSV)."),
        th.Property(
            "changed_before",
            DT,
            description="End of the updated_at window whose search task returned the code "
            "(the sync's start time on a first sync): the incremental bookmark.",
        ),
    ).to_dict()


PRODUCTS = th.PropertiesList(
    th.Property("id", INT, required=True),
    *_properties(uuid=th.UUIDType, sku=S, name=S, description=S),
    *_properties(brand=_object(id=INT, name=S), campaign=_object(id=INT, name=S)),
    *_properties(creation_date=DT, code_count=INT, image=S, is_archived=th.BooleanType),
).to_dict()

SCANS = th.PropertiesList(
    th.Property("scan_uuid", S, required=True),
    th.Property("campaign_id", INT, required=True),
    th.Property("scanned_at", DT, description="scan.datetime, the bookmark."),
    *_properties(
        scan=_object(uuid=S, datetime=DT, result=S, reason=S, flags=th.ArrayType(S)),
        code=_object(extended_id=S, serial_number=S, activation_status=INT),
        product=_object(id=INT, sku=S, name=S, brand_name=S),
        location=_object(country=S, city=S, latitude=th.NumberType, longitude=th.NumberType),
        device=th.ObjectType(),
        scm=th.ObjectType(),
    ),
).to_dict()
