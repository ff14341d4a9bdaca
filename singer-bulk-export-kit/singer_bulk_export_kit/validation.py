"""Settings and state checked before any request, each problem as one line naming the
setting (or stream), the value given and what is expected."""

from __future__ import annotations

import datetime as dt
import json
import typing as t
from pathlib import PurePath

import jsonschema
from jsonschema.exceptions import best_match

from singer_bulk_export_kit.errors import TapError
from singer_bulk_export_kit.windows import parse_instant

if t.TYPE_CHECKING:
    from singer_sdk import Stream

FORMATS = jsonschema.FormatChecker(formats=())  # only the formats the taps can read
EXPECTED_FORMAT = {
    "date-time": "an ISO 8601 date-time, e.g. 2024-01-31T00:00:00Z",
    "date": "a date YYYY-MM-DD, e.g. 2024-01-31",
}
JSON_TYPES = {"object": "an object", "array": "an array", "integer": "an integer"}


@FORMATS.checks("date-time", raises=ValueError)
def _is_instant(value: object) -> bool:
    return not isinstance(value, str) or bool(parse_instant(value))


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or (len(value) == 10 and bool(dt.date.fromisoformat(value)))


class StateError(TapError):
    """A bookmark in ``--state`` that is not what the stream writes."""


def shown(value: t.Any, limit: int = 80) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expected(error: jsonschema.ValidationError) -> str:
    """What the schema keyword that failed asks for, in words."""
    kind, wanted = error.validator, error.validator_value
    if kind == "type":
        types = [wanted] if isinstance(wanted, str) else wanted
        return " or ".join(JSON_TYPES.get(name, f"a {name}") for name in types if name != "null")
    if kind == "format":
        return EXPECTED_FORMAT.get(wanted, f"format {wanted}")
    words = {
        "minimum": f"a number of at least {wanted}",
        "exclusiveMinimum": f"a number greater than {wanted}",
        "enum": f"one of {shown(wanted, 200)}",
    }
    return words.get(kind, error.message)


def settings_problem(schema: dict[str, t.Any], config: t.Mapping[str, t.Any]) -> str | None:
    """The first thing wrong with ``config`` by ``schema`` (formats enforced), as one line;
    None when nothing is. A secret setting's value is never shown."""
    validator = jsonschema.Draft7Validator(schema, format_checker=FORMATS)
    error = best_match(validator.iter_errors(dict(config)))
    if error is None:
        return None
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return f"Setting {missing[0]} is required."
    path = list(error.absolute_path)
    name = ".".join(str(part) for part in path) or "(the settings)"
    secret = bool(path) and (schema.get("properties", {}).get(path[0]) or {}).get("secret")
    value = "<hidden>" if secret else shown(error.instance)
    return f"Setting {name}: {value} is not valid; expected {expected(error)}."


def check_state_document(state: t.Any) -> None:
    """The SDK reads a state that is not an object as a file name (or ignores it when
    falsy): ``--state`` with a JSON string, list or number is refused here instead."""
    if state is not None and not isinstance(state, dict | PurePath):
        raise StateError(f"State: expected a JSON object, got {shown(state)}.")


def check_state(state: t.Any, streams: t.Mapping[str, Stream]) -> None:
    """Raise ``StateError`` for a state whose bookmarks the streams could not have written:
    not objects, or a replication value of the wrong type or an unreadable date."""
    bookmarks = state.get("bookmarks", {}) if isinstance(state, dict) else None
    if not isinstance(bookmarks, dict):
        where = "'bookmarks'" if isinstance(state, dict) else "the state"
        raise StateError(f"State: {where} must be an object by stream, got {shown(bookmarks)}.")
    for name, stream_state in bookmarks.items():
        where = f"State of stream {name!r}"
        parts = stream_state.get("partitions", []) if isinstance(stream_state, dict) else None
        if not isinstance(parts, list) or not all(
            isinstance(p, dict) and isinstance(p.get("context", {}), dict) for p in parts
        ):
            raise StateError(
                f"{where}: expected an object whose 'partitions' are objects with a 'context', "
                f"got {shown(stream_state)}."
            )
        for part in [stream_state, *parts]:
            # A null bookmark is the SDK's own "none yet" (a partition that never synced).
            if name in streams and part.get("replication_key_value") is not None:
                context = f" ({shown(part['context'])})" if "context" in part else ""
                _check_bookmark(streams[name], part["replication_key_value"], where + context)


def _check_bookmark(stream: Stream, value: t.Any, where: str) -> None:
    key = stream.replication_key or ""
    spec = {k: v for k, v in stream.schema["properties"].get(key, {}).items() if k != "description"}
    types = spec.get("type", ["string"])
    types = [types] if isinstance(types, str) else types
    spec["type"] = [kind for kind in types if kind != "null"]
    error = best_match(jsonschema.Draft7Validator(spec, format_checker=FORMATS).iter_errors(value))
    if not key or error is not None:
        wanted = f"{expected(error)} ({key})" if error else "none (a full-table stream)"
        raise StateError(
            f"{where}: bookmark {shown(value)} is not one this tap writes; expected {wanted}. "
            "Fix the state, or remove the stream's entry to extract it all again."
        )
