"""The one retry policy: what it retries, how long it waits, what it says at the end."""

from __future__ import annotations

import logging

import pytest

from singer_bulk_export_kit.errors import ServiceUnavailableError
from singer_bulk_export_kit.http import HttpClient, RetryPolicy


def _policy(clock, **kwargs):
    return RetryPolicy(service="Acme", sleep=clock.sleep, clock=clock, jitter=0, **kwargs)


def test_5xx_then_success_is_retried_with_exponential_waits(local_server, clock, caplog):
    answers = iter([(503, {}, b"busy"), (502, {}, b""), (200, {}, b'{"ok": true}')])
    server = local_server(lambda _: next(answers))
    client = HttpClient(_policy(clock))
    with caplog.at_level(logging.WARNING, "singer_bulk_export_kit.http"):
        response = client.request("GET", f"{server.url}/things")
    assert response.json() == {"ok": True}
    assert clock.sleeps == [1.0, 2.0]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "Acme: GET /things got HTTP 503; retrying in 1.0 s (try 2 of 6)",
        "Acme: GET /things got HTTP 502; retrying in 2.0 s (try 3 of 6)",
    ]


def test_429_waits_as_long_as_retry_after_says_capped_by_the_setting(local_server, clock):
    answers = iter(
        [
            (429, {"Retry-After": "7"}, b""),
            (429, {"Retry-After": "9000"}, b""),
            (429, {}, b'{"detail": "Expected available in 3 seconds."}'),
            (200, {}, b"{}"),
        ]
    )
    server = local_server(lambda _: next(answers))
    HttpClient(_policy(clock, max_wait=60)).request("GET", server.url)
    assert clock.sleeps == [7.0, 60.0, 3.0]


def test_4xx_is_the_callers_to_map(local_server, clock):
    server = local_server(lambda _: (404, {}, b"no"))
    assert HttpClient(_policy(clock)).request("GET", server.url).status_code == 404
    assert clock.sleeps == []


def test_after_the_last_try_one_error_names_the_host_and_what_failed(local_server, clock):
    server = local_server(lambda _: (500, {}, b""))
    with pytest.raises(ServiceUnavailableError) as caught:
        HttpClient(_policy(clock, attempts=3)).request("POST", f"{server.url}/jobs", what="create")
    host = server.url.removeprefix("http://")
    assert str(caught.value) == (
        f"Acme ({host}) kept answering HTTP 500 to create after 3 tries over 3 s."
    )
    assert len(server.requests) == 3


def test_a_refused_connection_fails_within_about_ten_seconds_naming_the_url(
    caplog, clock, closed_port_url
):
    url = closed_port_url
    policy = RetryPolicy(service="Acme", sleep=clock.sleep, clock=clock, jitter=0)
    with (
        caplog.at_level(logging.WARNING, "singer_bulk_export_kit.http"),
        pytest.raises(ServiceUnavailableError) as caught,
    ):
        HttpClient(policy).request("GET", url)
    assert clock.sleeps == [1.0, 2.0, 4.0]  # the next wait (8 s) would pass 10 s in all
    message = str(caught.value)
    assert (
        message
        == f"Could not reach Acme at {url.split('?')[0]}: connection refused (4 tries over 7 s)."
    )
    assert "secret" not in message  # the query string (a token here) is never shown
    assert [r.levelno for r in caplog.records] == [logging.WARNING] * 3


def test_secrets_are_redacted_from_messages(local_server, clock):
    server = local_server(lambda _: (503, {}, b""))
    policy = _policy(clock, attempts=2, redact=lambda text: text.replace("hunter2", "<hidden>"))
    with pytest.raises(ServiceUnavailableError) as caught:
        HttpClient(policy).request("GET", f"{server.url}/x", what="GET /x for hunter2")
    assert "hunter2" not in str(caught.value)


def test_the_limiter_is_asked_before_every_try(local_server, clock):
    calls = []

    class Limiter:
        def acquire(self):
            calls.append(1)

    answers = iter([(503, {}, b""), (200, {}, b"")])
    server = local_server(lambda _: next(answers))
    HttpClient(_policy(clock, limiter=Limiter())).request("GET", server.url)
    assert len(calls) == 2
