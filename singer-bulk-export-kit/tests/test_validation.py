"""Settings, state and answers as one line each (validation.py, http.json_answer)."""

from __future__ import annotations

import pytest
from singer_sdk import typing as th

from singer_bulk_export_kit.errors import AnswerError
from singer_bulk_export_kit.http import HttpClient, RetryPolicy, json_answer, shape_of
from singer_bulk_export_kit.validation import StateError, check_state, settings_problem

SCHEMA = th.PropertiesList(
    th.Property("token", th.StringType, required=True, secret=True),
    th.Property("start", th.DateTimeType),
    th.Property("day", th.DateType),
    th.Property("tries", th.IntegerType(minimum=1)),
    th.Property("pause", th.NumberType(exclusive_minimum=0)),
    th.Property("kind", th.StringType(allowed_values=["a", "b"])),
).to_dict()


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({}, None),
        ({"start": "2024-01-31"}, None),  # a date is midnight UTC, as the taps read it
        (
            {"start": "yesterday"},
            'Setting start: "yesterday" is not valid; expected an ISO '
            "8601 date-time, e.g. 2024-01-31T00:00:00Z.",
        ),
        (
            {"day": "2024-02-30"},
            'Setting day: "2024-02-30" is not valid; expected a date YYYY-MM-DD, e.g. 2024-01-31.',
        ),
        ({"tries": 0}, "Setting tries: 0 is not valid; expected a number of at least 1."),
        ({"pause": 0}, "Setting pause: 0 is not valid; expected a number greater than 0."),
        ({"kind": "c"}, 'Setting kind: "c" is not valid; expected one of ["a", "b"].'),
        ({"tries": "3"}, 'Setting tries: "3" is not valid; expected an integer.'),
        ({"token": 12345}, "Setting token: <hidden> is not valid; expected a string."),
        ({"token": None}, "Setting token: <hidden> is not valid; expected a string."),
    ],
)
def test_the_first_bad_setting_is_one_line(change, line):
    assert settings_problem(SCHEMA, {"token": "secret-value", **change}) == line


def test_a_missing_setting_is_named():
    assert settings_problem(SCHEMA, {}) == "Setting token is required."


class Stream:
    replication_key = "at"
    schema = th.PropertiesList(th.Property("at", th.DateTimeType)).to_dict()


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"bookmarks": {"s": {"replication_key_value": "2024-01-31T00:00:00Z"}}}, None),
        ({"bookmarks": {"s": {"partitions": [{"context": {"p": 1}}]}}}, None),
        ({"bookmarks": {"s": {"replication_key_value": None}}}, None),  # the SDK's "none yet"
        ({"bookmarks": {"other": {"anything": 1}}}, None),  # not a stream of this tap
        ({"bookmarks": []}, "State: 'bookmarks' must be an object by stream, got []."),
        ({"bookmarks": {"s": 3}}, "State of stream 's': expected an object whose 'partitions'"),
        (
            {
                "bookmarks": {
                    "s": {"partitions": [{"context": {"p": 1}, "replication_key_value": 7}]}
                }
            },
            "State of stream 's' ({\"p\": 1}): bookmark 7 is not one this tap writes; expected "
            "a string (at).",
        ),
        (
            {"bookmarks": {"s": {"replication_key_value": "garbage"}}},
            "State of stream 's': bookmark \"garbage\" is not one this tap writes; expected an "
            "ISO 8601 date-time",
        ),
    ],
)
def test_a_bookmark_the_stream_never_wrote_is_one_line(state, message):
    if message is None:
        check_state(state, {"s": Stream()})
        return
    with pytest.raises(StateError) as raised:
        check_state(state, {"s": Stream()})
    assert str(raised.value).startswith(message)


def test_shapes_come_from_the_records_jsonpath():
    assert shape_of("$") == (dict,)
    assert shape_of("$[*]") == (list,)
    assert shape_of("$.data.items[*]") == ("data", "items", list)
    assert shape_of("$..items[?(@.x)]") is None


@pytest.mark.parametrize(
    ("body", "kind", "shape", "problem"),
    [
        (b'{"results": [1.5]}', "application/json", ("results", list), None),
        (b"<html>oops</html>", "text/html", (dict,), "(text/html) that is not JSON (Expecting"),
        (b'{"results": [', "application/json", (dict,), "that is not JSON (Expecting value"),
        (b'{"a": "caf\xe9"}', "application/json", (dict,), "that is not UTF-8 (invalid"),
        (
            b'{"results": {}}',
            "application/json",
            ("results", list),
            "has no JSON array at $.results; it begins '{\"results\": {}}'",
        ),
        (b"[]", "application/json", (dict,), "has no JSON object at $"),
    ],
)
def test_an_answer_that_is_not_the_documented_json_is_one_line(
    local_server, body, kind, shape, problem
):
    server = local_server(lambda _: (200, {"Content-Type": kind}, body))
    policy = RetryPolicy(service="Acme", redact=lambda text: text.replace("s3cret", "<hidden>"))
    response = HttpClient(policy).request("GET", f"{server.url}/things?token=s3cret")
    if problem is None:
        assert json_answer(response, policy, shape) == {"results": [1.5]}
        return
    with pytest.raises(AnswerError) as raised:
        json_answer(response, policy, shape)
    line = str(raised.value)
    assert line.startswith(f"Acme answered GET {server.url}/things with HTTP 200 ")
    assert problem in line and "s3cret" not in line
