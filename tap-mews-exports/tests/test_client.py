"""Requests to Mews: the Client name, the Scope, the request budget, 429 handling and
tokens kept out of every message."""

from __future__ import annotations

import json
from importlib import metadata

import pytest
from tap_mews_exports.client import MewsClient
from tap_mews_exports.entity_types import DEFAULT_ENTITY_TYPES
from tap_mews_exports.tap import TapMewsExports

from sandbox.mews import ACCESS_TOKEN, CHAIN_ID, CLIENT_TOKEN, ENTERPRISE_ID, MewsApp
from singer_bulk_export_kit.http import HttpClient, RetryPolicy
from singer_bulk_export_kit.limits import Budget, SlidingWindowLimiter
from singer_bulk_export_kit.tap import hide_queries
from tests.singer_run import run_tap

TAP = "tap-mews-exports"
OTHER_ID = "00000000-0000-4000-8000-000000000001"


def client_for(app, limiter=None, sleep=None):
    """A client as the tap builds it; ``sleep`` records retry waits instead of sleeping."""
    policy = RetryPolicy(service="Mews", limiter=limiter, jitter=0, sleep=sleep or (lambda s: None))
    return MewsClient(
        HttpClient(policy),
        api_url=app.base_url,
        client_token=CLIENT_TOKEN,
        access_token=ACCESS_TOKEN,
        client="tests/1",
    )


def test_defaults_client_name_and_entity_types(mews, config):
    del config["entity_types"]
    run = run_tap(TAP, {**config, "start_date": "2026-01-01T00:00:00Z"})
    assert run.returncode == 0, run.stderr
    bodies = [json.loads(r.body) for r in mews.app.requests_to(r"/exports/")]
    assert {b["Client"] for b in bodies} == {f"tap-mews-exports/{metadata.version(TAP)}"}
    added = {b["EntityType"] for b in bodies if "EntityType" in b}
    assert added == set(DEFAULT_ENTITY_TYPES) and "LedgerEntry" not in added
    assert "Scope" not in bodies[0]
    tap = TapMewsExports(config=config, validate_config=True)
    assert set(tap.streams) == {
        *("order_items", "payments", "reservations", "customers", "companies", "bills"),
        *("availability_adjustments", "availability_blocks", "resource_blocks"),
    }


@pytest.mark.parametrize(
    ("settings", "scope", "companies"),
    [
        ({"enterprise_ids": [ENTERPRISE_ID]}, {"EnterpriseIds": [ENTERPRISE_ID]}, 10),
        ({"enterprise_ids": [OTHER_ID]}, {"EnterpriseIds": [OTHER_ID]}, 0),
        ({"chain_ids": [CHAIN_ID]}, {"ChainIds": [CHAIN_ID]}, 10),
    ],
    ids=["own-enterprise", "other-enterprise", "chain"],
)
def test_scope_is_sent_with_every_export(mews, config, settings, scope, companies):
    run = run_tap(TAP, {**config, **settings, "entity_types": ["Company"]})
    assert run.returncode == 0, run.stderr
    assert run.counts.get("companies", 0) == companies
    bodies = [json.loads(r.body) for r in mews.app.requests_to(r"/add$")]
    assert bodies and all(b["Scope"] == scope for b in bodies)


def test_more_than_1000_scope_ids_rejected_before_any_request(mews, config):
    run = run_tap(TAP, {**config, "enterprise_ids": [OTHER_ID] * 1001})
    assert run.returncode == 1
    assert "enterprise_ids: at most 1000 ids" in run.stderr
    assert mews.app.requests == []


def test_429_waits_as_long_as_retry_after_says(serve):
    app = serve(MewsApp()).app
    app.faults.status(r"/getAll$", 429, retry_after=2, times=1)
    waits = []
    answer = client_for(app, sleep=waits.append).post("exports/getAll", {"ExportIds": [OTHER_ID]})
    assert answer == {"Exports": []}
    assert waits == [2.0]
    assert len(app.requests_to(r"/getAll$")) == 2


def test_429_without_retry_after_backs_off_exponentially(serve):
    app = serve(MewsApp()).app
    app.faults.status(r"/getAll$", 429, times=3)
    waits = []
    answer = client_for(app, sleep=waits.append).post("exports/getAll", {"ExportIds": [OTHER_ID]})
    assert answer == {"Exports": []}
    assert waits == [1.0, 2.0, 4.0]  # jitter off
    assert len(app.requests_to(r"/getAll$")) == 4


def test_the_request_budget_keeps_under_the_servers_limit(serve, caplog):
    # The stand-in allows 5 requests in any 0.9 s; the client budgets 5 per 1 s.
    app = serve(MewsApp(rate_limit=5, rate_window=0.9)).app
    client = client_for(app, SlidingWindowLimiter([Budget(5, 1.0)]))
    for _ in range(12):
        client.post("exports/getAll", {"ExportIds": [OTHER_ID]})
    assert "429" not in caplog.text  # never refused
    stamps = [r.at for r in app.requests_to(r"/getAll$")]
    assert len(stamps) == 12 and stamps[-1] - stamps[0] >= 2.0  # 12 calls need 3 windows
    tap = TapMewsExports(config={**app.demo_config()}, validate_config=True)
    assert tap.limiter.budgets == (Budget(200, 30),)  # Mews' limit per access token
    assert tap.retry_policy.limiter is tap.limiter  # every request of the run goes through it


def test_messages_echoing_a_token_hide_it(mews, config):
    mews.app.faults.status(
        r"/add$",
        400,
        payload={"Message": f"Export refused for AccessToken {ACCESS_TOKEN} ({CLIENT_TOKEN})"},
    )
    run = run_tap(TAP, {**config, "entity_types": ["Company"]})
    assert run.returncode == 1
    assert "Export refused for AccessToken <hidden> (<hidden>)" in run.stderr
    assert ACCESS_TOKEN not in run.stderr and CLIENT_TOKEN not in run.stderr
    assert "Traceback" not in run.stderr


def test_bad_client_token_is_a_clear_error_without_any_token(mews, config):
    run = run_tap(TAP, {**config, "client_token": "WRONG-CLIENT-TOKEN-5678"})
    assert run.returncode == 1
    assert "invalid ClientToken/AccessToken" in run.stderr
    assert "WRONG-CLIENT-TOKEN-5678" not in run.stderr and ACCESS_TOKEN not in run.stderr
    assert "Traceback" not in run.stderr
    assert len(mews.app.requests) == 1  # no retry of a refused token


def test_signed_file_urls_are_cut_from_messages():
    text = "Max retries exceeded with url: https://files.example/x.jsonl?sv=1&sig=SECRET (x)"
    assert hide_queries(text) == (
        "Max retries exceeded with url: https://files.example/x.jsonl?<query hidden> (x)"
    )
