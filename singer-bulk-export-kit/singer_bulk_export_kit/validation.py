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
    words = {
        "format": lambda: EXPECTED_FORMAT.get(wanted, f"format {wanted}"),
        "minimum": lambda: f"a number of at least {wanted}",
        "exclusiveMinimum": lambda: f"a number greater than {wanted}",
        "maximum": lambda: f"a number of at most {wanted}",
        "enum": lambda: f"one of {shown(wanted, 200)}",
        "minItems": lambda: f"at least {wanted} item(s)",
        "maxItems": lambda: f"at most {wanted} item(s)",
    }
    return words[kind]() if kind in words else error.message


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
    if not isinstance(state, dict):
        raise StateError(f"State: expected a JSON object, got {shown(state)}.")
    bookmarks = state.get("bookmarks", {})
    if not isinstance(bookmarks, dict):
        raise StateError(f"State: 'bookmarks' must be an object by stream, got {shown(bookmarks)}.")
    for name, stream_state in bookmarks.items():
        stream = streams.get(name)
        where = f"State of stream {name!r}"
        if not isinstance(stream_state, dict):
            raise StateError(f"{where}: expected an object, got {shown(stream_state)}.")
        partitions = stream_state.get("partitions", [])
        if not isinstance(partitions, list) or not all(
            isinstance(p, dict) and isinstance(p.get("context", {}), dict) for p in partitions
        ):
            raise StateError(
                f"{where}: 'partitions' must be a list of objects with a 'context', "
                f"got {shown(partitions)}."
            )
        for part in [stream_state, *partitions]:
            if stream is not None and "replication_key_value" in part:
                context = f" ({shown(part['context'])})" if "context" in part else ""
                _check_bookmark(stream, part["replication_key_value"], where + context)


def _check_bookmark(stream: Stream, value: t.Any, where: str) -> None:
    key = stream.replication_key
    spec = dict(stream.schema.get("properties", {}).get(key or "", {}))
    spec.pop("description", None)
    spec["type"] = [kind for kind in spec.get("type", ["string"]) if kind != "null"]
    error = best_match(jsonschema.Draft7Validator(spec, format_checker=FORMATS).iter_errors(value))
    if key is None or value is None or error is not None:
        wanted = f"{expected(error)} ({key})" if error else "no bookmark (full table stream)"
        if key and value is None:
            wanted = f"a value of {key}, or no bookmark at all"
        raise StateError(
            f"{where}: bookmark {shown(value)} is not one this tap writes; expected {wanted}. "
            "Fix the state, or remove the stream's entry to extract it all again."
        )
