"""Typed schemas of the six trace sections (and the per-trace summary).

Column names are snake_case; nested objects keep the API's own keys
(``postalCode``, ``instances``/``inputs``/``outputs``) so they stay recognisable.
"""

from singer_sdk import typing as th

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

TRACES = th.PropertiesList(
    TRACE_ID,
    th.Property("x_version", th.StringType, description="Trace API response version."),
    th.Property("event_count", th.IntegerType),
    th.Property("facility_count", th.IntegerType),
    th.Property("payload_count", th.IntegerType),
    th.Property("product_instance_count", th.IntegerType),
    th.Property("product_count", th.IntegerType),
    th.Property("sequence_count", th.IntegerType),
).to_dict()

EVENTS = th.PropertiesList(
    TRACE_ID,
    th.Property("event_id", th.StringType, required=True),
    th.Property("time", th.DateTimeType, description="When the event happened (UTC)."),
    th.Property("type", th.StringType, description="commission, transformation or observation."),
    th.Property("step", th.StringType, description="CBV business step URN."),
    th.Property(
        "facility",
        th.ObjectType(
            th.Property("id", th.StringType),
            th.Property("sources", th.ArrayType(_LOCATION_REF)),
            th.Property("destinations", th.ArrayType(_LOCATION_REF)),
        ),
    ),
    th.Property(
        "product_instances",
        th.ObjectType(
            th.Property("instances", th.ArrayType(_QUANTITY)),
            th.Property("inputs", th.ArrayType(_QUANTITY)),
            th.Property("outputs", th.ArrayType(_QUANTITY)),
        ),
    ),
    PAYLOAD_IDS,
).to_dict()

FACILITIES = th.PropertiesList(
    TRACE_ID,
    th.Property("facility_id", th.StringType, required=True),
    th.Property("name", th.StringType),
    th.Property("type", th.StringType, description="STORE, FARM, PROCESSING_FACILITY, ..."),
    th.Property(
        "address",
        th.ObjectType(
            th.Property("street", th.StringType),
            th.Property("city", th.StringType),
            th.Property("state", th.StringType),
            th.Property("postalCode", th.StringType),
            th.Property("country", th.StringType),
        ),
    ),
    PAYLOAD_IDS,
).to_dict()

PAYLOADS = th.PropertiesList(
    TRACE_ID,
    th.Property("payload_id", th.StringType, required=True),
    th.Property("time", th.DateTimeType),
    th.Property("content", th.StringType, description="The payload as sent, a string."),
    th.Property("content_type", th.StringType),
    th.Property("type_uri", th.StringType),
).to_dict()

PRODUCT_INSTANCES = th.PropertiesList(
    TRACE_ID,
    th.Property("product_instance_id", th.StringType, required=True),
    th.Property("name", th.StringType),
    th.Property("product_id", th.StringType, description="The product (class) of this lot."),
    th.Property("first_freeze_date", th.DateType),
    th.Property("harvest_start_date", th.DateType),
    th.Property("harvest_end_date", th.DateType),
    th.Property("expiration_date", th.DateType),
    th.Property("sell_by_date", th.DateType),
    PAYLOAD_IDS,
).to_dict()

PRODUCTS = th.PropertiesList(
    TRACE_ID,
    th.Property("product_id", th.StringType, required=True),
    th.Property("name", th.StringType),
    th.Property("sku", th.StringType),
    PAYLOAD_IDS,
).to_dict()

SEQUENCES = th.PropertiesList(
    TRACE_ID,
    th.Property(
        "kind",
        th.StringType(allowed_values=["events", "facilities", "product_instances"]),
        required=True,
    ),
    th.Property("source", th.StringType, required=True),
    th.Property("target", th.StringType, required=True),
    th.Property("position", th.IntegerType, description="Order of the edge within its kind."),
).to_dict()
