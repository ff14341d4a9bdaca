"""Typed schemas of the six trace sections (and the per-trace summary).

Column names are the API's keys in snake_case (``parse.entry_rows`` reads each column
from its camelCase key); nested objects keep the API's own keys (``postalCode``).
"""

from singer_sdk import typing as th

from tap_foodtrust_trace.parse import SEQUENCE_KINDS

TRACE_ID = th.Property(
    "trace_product_id",
    th.StringType,
    required=True,
    description="The product id this row was traced from (one of the product_ids setting).",
)
PAYLOAD_IDS = th.Property(
    "payload_ids", th.ArrayType(th.StringType), description="Ids of the associated payloads."
)

_QUANTITY = th.ObjectType(
    th.Property("id", th.StringType, description="Product instance id."),
    th.Property("quantity", th.NumberType, description="Quantity, a number."),
    th.Property("unit", th.StringType, description="UN/CEFACT unit of measure code."),
)
_LOCATION_REF = th.ObjectType(th.Property("id", th.StringType))


def _strings(*names: str) -> list[th.Property]:
    return [th.Property(name, th.StringType) for name in names]


def _arrays_of(item: th.ObjectType, *names: str) -> list[th.Property]:
    return [th.Property(name, th.ArrayType(item)) for name in names]


def section_schema(id_column: str, *fields: th.Property, payload_ids: bool = True) -> dict:
    """The columns ``parse.entry_rows`` fills: trace id, entry id, fields, payload ids."""
    last = [PAYLOAD_IDS] if payload_ids else []
    id_property = th.Property(id_column, th.StringType, required=True)
    return th.PropertiesList(TRACE_ID, id_property, *fields, *last).to_dict()


TRACES = th.PropertiesList(
    TRACE_ID,
    th.Property("x_version", th.StringType, description="Trace API response version."),
    *(
        th.Property(f"{section}_count", th.IntegerType)
        for section in ("event", "facility", "payload", "product_instance", "product", "sequence")
    ),
).to_dict()

EVENTS = section_schema(
    "event_id",
    th.Property("time", th.DateTimeType, description="When the event happened (UTC)."),
    th.Property("type", th.StringType, description="commission, transformation or observation."),
    th.Property("step", th.StringType, description="CBV business step URN."),
    th.Property(
        "facility",
        th.ObjectType(*_strings("id"), *_arrays_of(_LOCATION_REF, "sources", "destinations")),
    ),
    th.Property(
        "product_instances",
        th.ObjectType(*_arrays_of(_QUANTITY, "instances", "inputs", "outputs")),
    ),
)

FACILITIES = section_schema(
    "facility_id",
    th.Property("name", th.StringType),
    th.Property("type", th.StringType, description="STORE, FARM, PROCESSING_FACILITY, ..."),
    th.Property(
        "address", th.ObjectType(*_strings("street", "city", "state", "postalCode", "country"))
    ),
)

PAYLOADS = section_schema(
    "payload_id",
    th.Property("time", th.DateTimeType),
    th.Property("content", th.StringType, description="The payload as sent, a string."),
    *_strings("content_type", "type_uri"),
    payload_ids=False,
)

PRODUCT_INSTANCES = section_schema(
    "product_instance_id",
    th.Property("name", th.StringType),
    th.Property("product_id", th.StringType, description="The product (class) of this lot."),
    *(
        th.Property(f"{name}_date", th.DateType)
        for name in ("first_freeze", "harvest_start", "harvest_end", "expiration", "sell_by")
    ),
)

PRODUCTS = section_schema("product_id", *_strings("name", "sku"))

SEQUENCES = th.PropertiesList(
    TRACE_ID,
    th.Property("kind", th.StringType(allowed_values=list(SEQUENCE_KINDS)), required=True),
    *(th.Property(end, th.StringType, required=True) for end in ("source", "target")),
    th.Property("position", th.IntegerType, description="Order of the edge within its kind."),
).to_dict()
