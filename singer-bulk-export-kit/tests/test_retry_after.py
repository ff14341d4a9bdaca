import datetime as dt

import requests

from singer_bulk_export_kit.retry_after import header_seconds, retry_after_seconds


def _response(status, headers=None, body=b""):
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = body
    return response


def test_header_seconds_and_http_date():
    now = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert header_seconds("7") == 7.0
    assert header_seconds("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30.0
    assert header_seconds("Mon, 01 Jan 2024 11:00:00 GMT", now) == 0.0  # already past
    assert header_seconds("soon") is None
    assert header_seconds("") is None


def test_body_seconds_when_the_header_is_missing():
    drf = b'{"detail": "Request was throttled. Expected available in 12 seconds."}'
    assert retry_after_seconds(_response(429, body=drf)) == 12.0
    assert retry_after_seconds(_response(429, body=b'{"retry_after": 3}')) == 3.0
    assert retry_after_seconds(_response(429, {"Retry-After": "2"}, drf)) == 2.0
    assert retry_after_seconds(_response(429, body=b"slow down")) is None
    # A 200 that mentions seconds is not a throttle.
    assert retry_after_seconds(_response(200, body=b"took 5 seconds")) is None
    assert retry_after_seconds(None) is None


def test_error_message_and_json_object():
    from singer_bulk_export_kit.http import error_message, json_object

    assert error_message(_response(400, body=b'{"detail": "bad filter"}'), "detail") == "bad filter"
    assert error_message(_response(400, body=b'{"Message": "x"}'), "detail") == "{'Message': 'x'}"
    assert error_message(_response(502, body=b"<html>" + b"x" * 500), "detail") == (
        "<html>" + "x" * 294
    )
    assert json_object(_response(200, body=b'{"a": 1}')) == {"a": 1}
    assert json_object(_response(200, body=b"[1]")) is None
    assert json_object(_response(200, body=b"nope")) is None
