"""Turn one Trace API response into rows for each stream.

The response is ``{"<product id>": {sections...}, "x-version": "..."}``; each
section maps ids to ``{"data": {...}, "payloadIds": [...]}`` except ``sequences``,
which holds lists of ``{source, target}`` edges per kind. The documentation spells
one section both ``productInstances`` and ``product_instances``; both are read.
"""

from __future__ import annotations

import typing as t

Row = dict[str, t.Any]

_SEQUENCE_KINDS = {
    "events": "events",
    "facilities": "facilities",
    "productInstances": "product_instances",
    "product_instances": "product_instances",
}


def trace_body(payload: dict[str, t.Any], product_id: str) -> dict[str, t.Any]:
    """The trace object of ``product_id`` (an empty trace when the key is missing)."""
    body = payload.get(product_id)
    if body is None:
        # Some deployments normalise the id (case); fall back to the single trace key.
        keys = [key for key in payload if key != "x-version"]
        body = payload[keys[0]] if len(keys) == 1 else {}
    return body if isinstance(body, dict) else {}


def section(trace: dict[str, t.Any], *names: str) -> dict[str, t.Any]:
    for name in names:
        value = trace.get(name)
        if isinstance(value, dict):
            return value
    return {}


def _entries(trace: dict[str, t.Any], *names: str) -> t.Iterator[tuple[str, dict, list]]:
    for entry_id, entry in section(trace, *names).items():
        entry = entry if isinstance(entry, dict) else {}
        yield entry_id, entry.get("data") or {}, entry.get("payloadIds") or []


def events(trace_id: str, trace: dict[str, t.Any]) -> t.Iterator[Row]:
    for event_id, data, payload_ids in _entries(trace, "events"):
        yield {
            "trace_product_id": trace_id,
            "event_id": event_id,
            "time": data.get("time"),
            "type": data.get("type"),
            "step": data.get("step"),
            "facility": data.get("facility"),
            "product_instances": data.get("productInstances"),
            "payload_ids": payload_ids,
        }


def facilities(trace_id: str, trace: dict[str, t.Any]) -> t.Iterator[Row]:
    for facility_id, data, payload_ids in _entries(trace, "facilities"):
        yield {
            "trace_product_id": trace_id,
            "facility_id": facility_id,
            "name": data.get("name"),
            "type": data.get("type"),
            "address": data.get("address"),
            "payload_ids": payload_ids,
        }


def payloads(trace_id: str, trace: dict[str, t.Any]) -> t.Iterator[Row]:
    for payload_id, data, _ in _entries(trace, "payloads"):
        content = data.get("content")
        yield {
            "trace_product_id": trace_id,
            "payload_id": payload_id,
            "time": data.get("time"),
            # content is documented as a string; keep it one even if JSON arrives
            "content": content if content is None or isinstance(content, str) else str(content),
            "content_type": data.get("contentType"),
            "type_uri": data.get("typeUri"),
        }


def product_instances(trace_id: str, trace: dict[str, t.Any]) -> t.Iterator[Row]:
    for instance_id, data, payload_ids in _entries(trace, "productInstances", "product_instances"):
        yield {
            "trace_product_id": trace_id,
            "product_instance_id": instance_id,
            "name": data.get("name"),
            "product_id": data.get("productId"),
            "first_freeze_date": data.get("firstFreezeDate"),
            "harvest_start_date": data.get("harvestStartDate"),
            "harvest_end_date": data.get("harvestEndDate"),
            "expiration_date": data.get("expirationDate"),
            "sell_by_date": data.get("sellByDate"),
            "payload_ids": payload_ids,
        }


def products(trace_id: str, trace: dict[str, t.Any]) -> t.Iterator[Row]:
    for product_id, data, payload_ids in _entries(trace, "products"):
        yield {
            "trace_product_id": trace_id,
            "product_id": product_id,
            "name": data.get("name"),
            "sku": data.get("sku"),
            "payload_ids": payload_ids,
        }


def sequences(trace_id: str, trace: dict[str, t.Any]) -> t.Iterator[Row]:
    seen: set[tuple[str, str, str]] = set()
    for key, edges in section(trace, "sequences").items():
        kind = _SEQUENCE_KINDS.get(key)
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
    return {
        "trace_product_id": trace_id,
        "x_version": payload.get("x-version"),
        "event_count": len(section(trace, "events")),
        "facility_count": len(section(trace, "facilities")),
        "payload_count": len(section(trace, "payloads")),
        "product_instance_count": len(section(trace, "productInstances", "product_instances")),
        "product_count": len(section(trace, "products")),
        "sequence_count": sum(
            len(v) for v in section(trace, "sequences").values() if isinstance(v, list)
        ),
    }
