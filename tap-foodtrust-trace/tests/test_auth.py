"""The system-user token exchange as API-NOTES describes it, its renewal, and secrets
kept out of every output. The stand-in enforces the contract, so a tap that strays
from it fails here."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import requests

from sandbox.foodtrust import (
    DEMO_COUNTS,
    SANDBOX_API_KEY,
    SANDBOX_ORG_ID,
    FoodTrustApp,
)
from tests.singer_run import run_tap

TAP = "tap-foodtrust-trace"
TRACE_PATH = r"/ift/api/outbound/v1/traces"
EXCHANGE_PATH = r"/ift/api/identity-proxy/exchange_token/v1/organization/"
EXPECTED = DEMO_COUNTS


@pytest.fixture
def foodtrust(serve):
    return serve(FoodTrustApp())


def test_exchange_posts_the_whole_iam_answer(demo_sync):
    foodtrust, run = demo_sync, demo_sync.run
    assert run.returncode == 0, run.stderr

    (iam,) = foodtrust.app.requests_to(r"^/identity/token$", method="POST")
    assert iam.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(iam.body.decode()) == {
        "grant_type": ["urn:ibm:params:oauth:grant-type:apikey"],
        "apikey": [SANDBOX_API_KEY],
    }
    (exchange,) = foodtrust.app.requests_to(EXCHANGE_PATH, method="POST")
    assert exchange.path.endswith(f"/organization/{SANDBOX_ORG_ID}")
    assert exchange.headers["content-type"] == "application/json"
    posted = json.loads(exchange.body)
    (issued,) = [answer for _, answer in foodtrust.app.iam_answers.values()]
    assert posted == issued  # every key of the IAM answer, unchanged

    # The Trace API gets the exchanged Food Trust token, not the IAM one.
    (onboarding,) = [s for s in foodtrust.app.issued_secrets if s != issued["access_token"]]
    trace_auth = {r.headers["authorization"] for r in foodtrust.app.requests_to(TRACE_PATH)}
    assert trace_auth == {f"Bearer {onboarding}"}


def test_stand_in_refuses_anything_but_the_whole_iam_answer(foodtrust):
    # The contract the tap is held to: the exchange takes the IAM JSON whole, as JSON.
    iam = requests.post(
        f"{foodtrust.url}/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": SANDBOX_API_KEY},
        timeout=10,
    ).json()
    exchange_url = (
        f"{foodtrust.url}/ift/api/identity-proxy/exchange_token/v1/organization/{SANDBOX_ORG_ID}"
    )
    partial = requests.post(exchange_url, json={"access_token": iam["access_token"]}, timeout=10)
    assert partial.status_code == 400
    assert "whole IAM token response" in partial.json()["message"]
    as_form = requests.post(exchange_url, data=iam, timeout=10)
    assert as_form.status_code == 400
    whole = requests.post(exchange_url, json=iam, timeout=10)
    assert whole.status_code == 200
    assert whole.json()["onboarding_token"]


def test_token_renewed_once_on_a_real_401(serve):
    # Every exchanged token is revoked after the second trace: the third request is
    # refused for real, and the tap must retry it once with a freshly exchanged token.
    foodtrust = serve(FoodTrustApp(revoke_tokens_after=2))
    run = run_tap(TAP, foodtrust.app.demo_config())
    assert run.returncode == 0, run.stderr
    assert run.counts == EXPECTED
    assert foodtrust.app.refused_requests == 1
    assert len(foodtrust.app.requests_to(EXCHANGE_PATH)) == 2
    tokens = [r.headers["authorization"] for r in foodtrust.app.requests_to(TRACE_PATH)]
    assert len(tokens) == 6  # 5 traces + the one refused
    assert tokens[0] == tokens[1] == tokens[2]
    assert tokens[3] == tokens[4] == tokens[5] != tokens[0]


def test_secrets_never_in_logs_or_state(serve):
    # A run that exchanges, renews after a 401, retries a 429 and fails one id: the
    # API key and every token it was given must appear nowhere in stderr or stdout.
    foodtrust = serve(FoodTrustApp(revoke_tokens_after=1))
    foodtrust.app.faults.status(TRACE_PATH, 429, retry_after=0, times=1)
    config = foodtrust.app.demo_config()
    config["product_ids"] = [*config["product_ids"], "urn:epc:id:sgtin:0614141.107346.404"]
    run = run_tap(TAP, config, env={"LOGLEVEL": "DEBUG"})
    assert run.returncode == 1
    assert "Unknown product id urn:epc:id:sgtin:0614141.107346.404" in run.stderr
    assert foodtrust.app.refused_requests == 1
    secrets_given = [SANDBOX_API_KEY, *foodtrust.app.issued_secrets]
    assert len(secrets_given) == 5  # the key, 2 IAM tokens, 2 Food Trust tokens
    stdout = json.dumps(run.messages)
    for secret in secrets_given:
        assert secret not in run.stderr
        assert secret not in stdout
    assert run.last_state is not None


def test_token_endpoints_retried_when_busy(foodtrust):
    foodtrust.app.faults.status(r"^/identity/token$", 503, times=1)
    foodtrust.app.faults.status(EXCHANGE_PATH, 429, retry_after=0, times=1)
    run = run_tap(TAP, {**foodtrust.app.demo_config(), "max_retry_wait_seconds": 0.2})
    assert run.returncode == 0, run.stderr
    assert run.counts == EXPECTED
    assert len(foodtrust.app.requests_to(r"^/identity/token$")) == 2
    assert len(foodtrust.app.requests_to(EXCHANGE_PATH)) == 2


def test_token_endpoint_down_is_a_clear_error(foodtrust):
    foodtrust.app.faults.status(r"^/identity/token$", 503, retry_after=0, times=6)
    run = run_tap(TAP, foodtrust.app.demo_config())
    assert run.returncode == 1
    host = foodtrust.url.removeprefix("http://")
    errors = [line for line in run.stderr.splitlines() if "| ERROR " in line]
    assert len(errors) == 1
    assert errors[0].endswith(
        f"IBM Cloud IAM ({host}) kept answering HTTP 503 to POST /identity/token "
        "after 6 tries over 0 s."
    )
    assert len(foodtrust.app.requests_to(r"^/identity/token$")) == 6
    assert "Traceback" not in run.stderr
    assert foodtrust.app.requests_to(TRACE_PATH) == []
