"""Turn one Trace API response into rows for each stream.

The response is ``{"<product id>": {sections...}, "x-version": "..."}``; each
section maps ids to ``{"data": {...}, "payloadIds": [...]}`` except ``sequences``,
which holds lists of ``{source, target}`` edges per kind. The documentation spells
one section both ``productInstances`` and ``product_instances``; both are read.
"""

import typing as t

from tap_foodtrust_trace.errors import TraceRequestError

Row = dict[str, t.Any]


def camel_case(name: str) -> str:
    first, *others = name.split("_")
    return first + "".join(word.capitalize() for word in others)


# The sections the published response model gives every trace (snake_case names).
REQUIRED_SECTIONS = (
    "events",
    "facilities",
    "payloads",
    "product_instances",
    "products",
    "sequences",
)
SEQUENCE_KINDS = ("events", "facilities", "product_instances")  # what a sequence links


def trace_body(payload: dict[str, t.Any], product_id: str) -> dict[str, t.Any]:
    """The trace object of ``product_id`` with every section of the published model;
    ``TraceRequestError`` (that product id fails) when the answer lacks any of them."""
    body = payload.get(product_id)
    if body is None:
        # Some deployments normalise the id (case); fall back to the single trace key.
        keys = [key for key in payload if key != "x-version"]
        body = payload[keys[0]] if len(keys) == 1 else None
    if not isinstance(body, dict):
        raise TraceRequestError(
            f"The Trace API answer for {product_id} holds no trace object (keys: "
            f"{', '.join(sorted(payload)) or 'none'}); nothing of it was extracted."
        )
    missing = [name for name in REQUIRED_SECTIONS if section_key(body, name) is None]
    if missing:
        raise TraceRequestError(
            f"The trace of {product_id} lacks {', '.join(missing)} (each an object in the "
            "published response model); nothing of it was extracted."
        )
    return body


def section_key(trace: dict[str, t.Any], name: str) -> str | None:
    """The key of section ``name`` (snake_case): its camelCase or its snake_case one."""
    return next((key for key in (camel_case(name), name) if isinstance(trace.get(key), dict)), None)


def section(trace: dict[str, t.Any], name: str) -> dict[str, t.Any]:
    key = section_key(trace, name)
    return trace[key] if key else {}


def entry_rows(
    trace_id: str, trace: dict[str, t.Any], name: str, columns: list[str]
) -> t.Iterator[Row]:
    """Rows of section ``name``, in the stream's ``columns``: the trace id, the entry id,
    then each field read from the camelCase key of its column (``sell_by_date`` from
    ``sellByDate``) and, when a column, the entry's ``payloadIds``."""
    _, id_column, *fields = [column for column in columns if column != "payload_ids"]
    for entry_id, entry in section(trace, name).items():
        entry = entry if isinstance(entry, dict) else {}
        data = entry.get("data") or {}
        row = {"trace_product_id": trace_id, id_column: entry_id}
        row.update((field, data.get(camel_case(field))) for field in fields)
        if "payload_ids" in columns:
            row["payload_ids"] = entry.get("payloadIds") or []
        yield row


def sequences(trace_id: str, trace: dict[str, t.Any]) -> t.Iterator[Row]:
    seen: set[tuple[str, str, str]] = set()
    for key, edges in section(trace, "sequences").items():
        kind = next((kind for kind in SEQUENCE_KINDS if key in (kind, camel_case(kind))), None)
        if kind is None or not isinstance(edges, list):
            continue
        for position, edge in enumerate(edges):
            identity = (kind, edge.get("source"), edge.get("target"))
            if identity in seen:  # the key must stay unique within a trace
                continue
            seen.add(identity)
            yield {
                "trace_product_id": trace_id,
                "kind": kind,
                "source": edge.get("source"),
                "target": edge.get("target"),
                "position": position,
            }


def summary(trace_id: str, payload: dict[str, t.Any], trace: dict[str, t.Any]) -> Row:
    edge_lists = section(trace, "sequences").values()
    return {
        "trace_product_id": trace_id,
        "x_version": payload.get("x-version"),
        "event_count": len(section(trace, "events")),
        "facility_count": len(section(trace, "facilities")),
        "payload_count": len(section(trace, "payloads")),
        "product_instance_count": len(section(trace, "product_instances")),
        "product_count": len(section(trace, "products")),
        "sequence_count": sum(len(edges) for edges in edge_lists if isinstance(edges, list)),
    }
