"""tap-foodtrust-trace run as users run it (console script) against the stand-in."""

from __future__ import annotations

import json

import pytest

from sandbox.foodtrust import (
    DEMO_COUNTS,
    GENERATED_PRODUCT_IDS,
    SANDBOX_STATIC_TOKEN,
    SEED_PRODUCT_ID,
    FoodTrustApp,
)
from tests.singer_run import run_tap

TAP = "tap-foodtrust-trace"
EXPECTED = DEMO_COUNTS
TRACE_PATH = r"/ift/api/outbound/v1/traces"


@pytest.fixture
def foodtrust(serve):
    return serve(FoodTrustApp())


def test_exact_counts_and_one_request_per_product_id(demo_sync):
    run, app = demo_sync.run, demo_sync.app
    assert run.returncode == 0, run.stderr
    assert run.counts == EXPECTED
    assert len(app.requests_to(TRACE_PATH)) == 5
    assert len(app.requests_to(r"/identity/token")) == 1
    assert len(app.requests_to(r"/exchange_token/")) == 1


def test_misspelled_setting_is_named_with_the_closest_known_one(demo_sync):
    warnings = [line for line in demo_sync.run.stderr.splitlines() if "Unknown setting" in line]
    assert len(warnings) == 1
    assert warnings[0].endswith(
        "Unknown setting 'bypass_cahce' is ignored; did you mean 'bypass_cache'?"
    )
    assert "| WARNING " in warnings[0]
    assert demo_sync.run.returncode == 0  # ignored, not applied: no bypass header either
    assert all("x-apicache-bypass" not in r.headers for r in demo_sync.app.requests)


def test_rows_are_typed_and_carry_their_trace(demo_sync):
    run = demo_sync.run
    records = run.records
    seed_events = [r for r in records["events"] if r["trace_product_id"] == SEED_PRODUCT_ID]
    transform = next(r for r in seed_events if r["type"] == "transformation")
    assert transform["time"] == "2018-11-02T00:00:01.000Z"
    assert transform["product_instances"]["outputs"] == [
        {
            "id": "urn:ibm:ift:product:lot:class:999999999999.sliced-mango.lot-2",
            "quantity": 4800,
            "unit": "KGM",
        }
    ]
    store = next(
        r
        for r in records["facilities"]
        if r["trace_product_id"] == SEED_PRODUCT_ID and r["type"] == "STORE"
    )
    assert store["address"] == {
        "street": "1 Main St",
        "city": "Durham",
        "state": "NC",
        "postalCode": "27713",
        "country": "US",
    }
    sliced = next(
        r
        for r in records["product_instances"]
        if r["product_instance_id"].endswith("sliced-mango.lot-2")
    )
    assert sliced["sell_by_date"] == "2018-11-17"
    assert sliced["payload_ids"] == ["urn:uuid:eed87696-40cc-4839-a609-24d8f0429d08"]
    kinds = {r["kind"] for r in records["sequences"]}
    assert kinds == {"events", "facilities", "product_instances"}
    schema = run.schemas["events"]["schema"]["properties"]
    assert schema["time"]["format"] == "date-time"
    quantity = schema["product_instances"]["properties"]["inputs"]["items"]["properties"]
    assert "number" in quantity["quantity"]["type"]
    date_schema = run.schemas["product_instances"]["schema"]["properties"]["sell_by_date"]
    assert date_schema["format"] == "date"


def test_shared_facility_is_one_row_per_trace(demo_sync):
    run = demo_sync.run
    factory = [
        r["trace_product_id"]
        for r in run.records["facilities"]
        if r["facility_id"] == "urn:ibm:ift:location:loc:1234567890123.plant-1"
    ]
    assert sorted(factory) == sorted(GENERATED_PRODUCT_IDS)
    keys = run.schemas["facilities"]["key_properties"]
    assert keys == ["trace_product_id", "facility_id"]
    for stream, rows in run.records.items():
        key = run.schemas[stream]["key_properties"]
        identities = [tuple(r[k] for k in key) for r in rows]
        assert len(identities) == len(set(identities)), stream


def test_static_token_used_as_is_and_never_shown(foodtrust):
    config = {
        "api_url": foodtrust.url,
        "ift_token": SANDBOX_STATIC_TOKEN,
        "product_ids": [SEED_PRODUCT_ID],
    }
    run = run_tap(TAP, config, env={"LOGLEVEL": "DEBUG"})
    assert run.returncode == 0, run.stderr
    assert run.counts["events"] == 4
    assert foodtrust.app.requests_to(r"/identity/token") == []
    header = foodtrust.app.requests_to(TRACE_PATH)[0].headers["authorization"]
    assert header == f"Bearer {SANDBOX_STATIC_TOKEN}"
    # ... and never shown, even at DEBUG.
    assert SANDBOX_STATIC_TOKEN not in run.stderr
    assert SANDBOX_STATIC_TOKEN not in json.dumps(run.messages)


def test_refused_static_token_is_a_clear_error(foodtrust):
    secret = "expired-token-value-123"
    config = {"api_url": foodtrust.url, "ift_token": secret, "product_ids": [SEED_PRODUCT_ID]}
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "refused the token (HTTP 401)" in run.stderr
    assert "Traceback" not in run.stderr
    assert secret not in run.stderr


def test_wrong_api_key_is_a_clear_error(foodtrust):
    config = {**foodtrust.app.demo_config(), "ibm_cloud_api_key": "wrong-key-value-987"}
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "IBM Cloud IAM refused the credentials" in run.stderr
    assert "Provided API key could not be found" in run.stderr
    assert "Traceback" not in run.stderr
    assert "wrong-key-value-987" not in run.stderr
    assert foodtrust.app.requests_to(TRACE_PATH) == []


def test_wrong_organization_is_a_clear_error(foodtrust):
    config = {**foodtrust.app.demo_config(), "organization_id": "someone-else"}
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "token exchange refused the credentials (HTTP 403" in run.stderr
    assert "Traceback" not in run.stderr


def test_token_renewed_once_on_401(foodtrust):
    foodtrust.app.faults.status(TRACE_PATH, 401, times=1)
    run = run_tap(TAP, foodtrust.app.demo_config())
    assert run.returncode == 0, run.stderr
    assert run.counts == EXPECTED
    assert len(foodtrust.app.requests_to(r"/exchange_token/")) == 2


def test_second_401_for_the_same_request_stops_with_a_clear_error(foodtrust):
    foodtrust.app.faults.status(TRACE_PATH, 401, times=2)
    run = run_tap(TAP, foodtrust.app.demo_config())
    assert run.returncode == 1
    assert "freshly exchanged token was refused too" in run.stderr
    assert "Traceback" not in run.stderr
    assert len(foodtrust.app.requests_to(r"/exchange_token/")) == 2


def test_token_renewed_before_it_expires(serve):
    # Tokens live 1 s; a Retry-After of 1 s on the first trace outlives the first token,
    # so the retry must carry a new one, obtained before the API could refuse the old.
    foodtrust = serve(FoodTrustApp(token_seconds=1))
    foodtrust.app.faults.status(TRACE_PATH, 429, retry_after=1, times=1)
    config = foodtrust.app.demo_config()
    run = run_tap(TAP, {**config, "product_ids": config["product_ids"][:2]})
    assert run.returncode == 0, run.stderr
    assert run.counts["traces"] == 2
    assert len(foodtrust.app.requests_to(r"/exchange_token/")) == 2
    assert foodtrust.app.refused_requests == 0


def test_bypass_cache_header_and_effect(foodtrust):
    config = {**foodtrust.app.demo_config(), "product_ids": [SEED_PRODUCT_ID]}
    assert run_tap(TAP, config).counts["events"] == 4  # fills the API cache
    foodtrust.app.add_event(SEED_PRODUCT_ID)
    cached = run_tap(TAP, config)
    assert cached.counts["events"] == 4
    assert "x-apicache-bypass" not in foodtrust.app.requests_to(TRACE_PATH)[-1].headers
    fresh = run_tap(TAP, {**config, "bypass_cache": True})
    assert fresh.counts["events"] == 5
    assert foodtrust.app.requests_to(TRACE_PATH)[-1].headers["x-apicache-bypass"] == "true"


def test_malformed_product_id_and_missing_credentials_rejected_before_any_request(foodtrust):
    # Two bad settings, one run: each is named, and nothing is requested.
    config = {
        "api_url": foodtrust.url,
        "product_ids": [SEED_PRODUCT_ID, "urn:epc:id:sgtin:12345.2017"],
    }
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "'urn:epc:id:sgtin:12345.2017' matches none of the Trace API formats" in run.stderr
    assert "Set ift_token, or ibm_cloud_api_key with organization_id" in run.stderr
    assert "Traceback" not in run.stderr
    assert foodtrust.app.requests == []
    assert run.counts == {}


def test_unknown_product_id_others_still_sync(foodtrust):
    unknown = "urn:ibm:ift:product:lot:class:1234567890123.nothing.lot-0"
    config = foodtrust.app.demo_config()
    config["product_ids"] = [config["product_ids"][0], unknown, *config["product_ids"][1:]]
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert run.counts == EXPECTED
    assert f"Unknown product id {unknown}" in run.stderr
    assert f"1 product id(s) failed: {unknown}. The others synced" in run.stderr
    assert f"Failed product id {unknown}: Unknown product id {unknown}" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("arm", "retries"),
    [
        (lambda app: app.faults.status(TRACE_PATH, 429, retry_after=0.2, times=2), 2),
        (lambda app: app.faults.status(TRACE_PATH, 503, times=2), 2),
        (lambda app: app.faults.status(TRACE_PATH, 500, times=1), 1),
        (lambda app: app.faults.drop(TRACE_PATH, times=1), 1),
    ],
    ids=["429-retry-after", "503", "500", "dropped-connection"],
)
def test_transient_failures_are_retried_without_loss(foodtrust, arm, retries):
    arm(foodtrust.app)
    # Short backoff (the setting caps every wait); Retry-After 0.2 s is under the cap.
    run = run_tap(TAP, {**foodtrust.app.demo_config(), "max_retry_wait_seconds": 0.3})
    assert run.returncode == 0, run.stderr
    assert run.counts == EXPECTED
    assert foodtrust.app.faults.pending() == 0
    retry_lines = [line for line in run.stderr.splitlines() if "retrying in" in line]
    assert len(retry_lines) == retries
    assert all("| WARNING " in line for line in retry_lines)


# The seed's sliced-mango trace alone: what is missing when it fails.
SEED_TRACE_COUNTS = {
    "traces": 1,
    "events": 4,
    "facilities": 4,
    "payloads": 1,
    "product_instances": 3,
    "products": 2,
    "sequences": 8,
}


def test_every_row_carries_the_id_it_was_traced_from(demo_sync):
    config, run = demo_sync.config, demo_sync.run
    assert run.returncode == 0, run.stderr
    for stream, rows in run.records.items():
        per_trace = {pid: 0 for pid in config["product_ids"]}
        for row in rows:
            per_trace[row["trace_product_id"]] += 1  # a KeyError means a foreign id
        assert set(per_trace.values()) == {EXPECTED[stream] // 5}, stream


def test_traces_stream_summarises_each_trace(demo_sync):
    run = demo_sync.run
    rows = {r["trace_product_id"]: r for r in run.records["traces"]}
    assert list(rows) == demo_sync.config["product_ids"]
    assert rows[SEED_PRODUCT_ID] == {
        "trace_product_id": SEED_PRODUCT_ID,
        "x_version": "1.0.0",
        "event_count": 4,
        "facility_count": 4,
        "payload_count": 1,
        "product_instance_count": 3,
        "product_count": 2,
        "sequence_count": 8,
    }
    assert run.schemas["traces"]["key_properties"] == ["trace_product_id"]


def test_sequences_one_row_per_edge_with_its_kind(foodtrust):
    config = {**foodtrust.app.demo_config(), "product_ids": [SEED_PRODUCT_ID]}
    run = run_tap(TAP, config)
    edges = {(r["kind"], r["source"], r["target"]) for r in run.records["sequences"]}
    loc = "urn:ibm:ift:location:loc:"
    lot = "urn:ibm:ift:product:lot:class:999999999999."
    assert edges == {
        ("events", "urn:uuid:c50240fc-4df3-4d34-bd16-36031bf8b2a5", TRANSFORM_EVENT),
        ("events", "urn:uuid:b3b8ee28-58cb-4f26-9ad5-f27b27cb89d6", TRANSFORM_EVENT),
        ("events", TRANSFORM_EVENT, "urn:uuid:e207acb5-139b-4813-98bf-b275775e499f"),
        ("facilities", f"{loc}999999999999.farm-1", f"{loc}999999999999.factory-1"),
        ("facilities", f"{loc}999999999999.farm-2", f"{loc}999999999999.factory-1"),
        ("facilities", f"{loc}999999999999.factory-1", f"{loc}5555555555555.store-1"),
        ("product_instances", f"{lot}mango.lot-1", f"{lot}sliced-mango.lot-2"),
        ("product_instances", f"{lot}mango.lot-2", f"{lot}sliced-mango.lot-2"),
    }
    assert run.schemas["sequences"]["key_properties"] == [
        "trace_product_id",
        "kind",
        "source",
        "target",
    ]


TRANSFORM_EVENT = "urn:uuid:7d87bbfd-e9b0-49ee-9c04-d2938f6138f8"


def test_selecting_one_section_still_one_request_per_id(foodtrust):
    from tap_foodtrust_trace.tap import TapFoodTrustTrace

    config = foodtrust.app.demo_config()
    catalog = TapFoodTrustTrace(config=config, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] == "events"
    run = run_tap(TAP, config, catalog=catalog)
    assert run.returncode == 0, run.stderr
    assert run.counts == {"events": 20}
    assert len(foodtrust.app.requests_to(TRACE_PATH)) == 5


def test_repeated_product_id_is_traced_once(foodtrust):
    config = {**foodtrust.app.demo_config(), "product_ids": [SEED_PRODUCT_ID] * 2}
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts == SEED_TRACE_COUNTS
    assert len(foodtrust.app.requests_to(TRACE_PATH)) == 1


def test_retry_after_is_honoured(foodtrust):
    foodtrust.app.faults.status(TRACE_PATH, 429, retry_after=0.8, times=1)
    config = {**foodtrust.app.demo_config(), "product_ids": [SEED_PRODUCT_ID]}
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    refused, retried = foodtrust.app.requests_to(TRACE_PATH)
    assert run.retry_waits == [0.8]  # what the tap asked for: Retry-After, once
    assert retried.at - refused.at >= 0.8  # (a load can only make it longer)


def test_retries_exhausted_fail_that_id_only(foodtrust):
    # 6 tries, all answered 429 (Retry-After: 0): the seed id fails, the others sync.
    foodtrust.app.faults.status(TRACE_PATH, 429, retry_after=0, times=6)
    run = run_tap(TAP, foodtrust.app.demo_config())
    assert run.returncode == 1
    assert run.counts == {k: EXPECTED[k] - SEED_TRACE_COUNTS[k] for k in EXPECTED}
    assert SEED_PRODUCT_ID not in {r["trace_product_id"] for r in run.records["events"]}
    host = foodtrust.url.removeprefix("http://")
    assert (
        f"Failed product id {SEED_PRODUCT_ID}: Gave up on {SEED_PRODUCT_ID}: IBM Food Trust "
        f"({host}) kept answering HTTP 429 to GET {TRACE_PATH} after 6 tries over 0 s."
    ) in run.stderr
    assert f"1 product id(s) failed: {SEED_PRODUCT_ID}. The others synced" in run.stderr
    assert "Traceback" not in run.stderr
    assert len(foodtrust.app.requests_to(TRACE_PATH)) == 6 + 4


def test_malformed_product_id_rejected_in_test_mode_too(foodtrust):
    config = {**foodtrust.app.demo_config(), "product_ids": ["urn:epc:class:lgtin:12.3.x"]}
    run = run_tap(TAP, config, args=["--test"])
    assert run.returncode == 1
    assert "'urn:epc:class:lgtin:12.3.x' matches none of the Trace API formats" in run.stderr
    assert "Traceback" not in run.stderr
    assert foodtrust.app.requests == []


def test_bypass_false_sends_no_header(demo_sync, foodtrust):
    # bypass_cache defaults to false: the demo sync sent no header.
    run, requests = demo_sync.run, demo_sync.app.requests_to(TRACE_PATH)
    assert run.returncode == 0, run.stderr
    assert "bypass_cache" not in demo_sync.config
    assert len(requests) == 5
    assert all("x-apicache-bypass" not in r.headers for r in requests)
    bypassed = run_tap(TAP, {**foodtrust.app.demo_config(), "bypass_cache": True})
    assert bypassed.returncode == 0, bypassed.stderr
    headers = [r.headers.get("x-apicache-bypass") for r in foodtrust.app.requests_to(TRACE_PATH)]
    assert headers == ["true"] * 5
    assert all("x-apicache-bypass" not in r.headers for r in foodtrust.app.requests_to("token"))


def test_connection_test_mode(foodtrust):
    ok = run_tap(TAP, foodtrust.app.demo_config(), args=["--test"])
    assert ok.returncode == 0, ok.stderr
    assert len(foodtrust.app.requests_to(TRACE_PATH)) >= 1
    refused = run_tap(
        TAP,
        {"api_url": foodtrust.url, "ift_token": "stale-7781", "product_ids": [SEED_PRODUCT_ID]},
        args=["--test"],
    )
    assert refused.returncode == 1
    assert "refused the token (HTTP 401)" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert "stale-7781" not in refused.stderr
