"""IBM Food Trust stand-in: IAM API-key tokens, the organisation token exchange
and the v1 Trace API, with its 24-hour response cache and ``X-ApiCache-Bypass``.

Traces: the seed's sliced-mango example verbatim, plus generated traces (one per
identifier format) that share farms, a factory and products, so the same
facility shows up in several traces.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import secrets
import time
import typing as t
from pathlib import Path

from sandbox.core import HTTPError, Request, Response, SandboxApp, route

SEED_PRODUCT_ID = "urn:ibm:ift:product:lot:class:999999999999.sliced-mango.lot-1"
SANDBOX_API_KEY = "sandbox-ibm-cloud-api-key"
SANDBOX_ORG_ID = "sandbox-org-0001"
SANDBOX_STATIC_TOKEN = "sandbox-ift-static-token"
GENERATED_PRODUCT_IDS = (
    "urn:epc:class:lgtin:0614141.107346.LOT42",
    "urn:epc:id:sgtin:0614141.107346.2017",
    "urn:ibm:ift:product:serial:obj:1234567890123.basil-pot.serial-4567",
    "urn:ibm:ift:product:lot:class:1234567890123.salsa.lot-7",
)
IAM_GRANT = "urn:ibm:params:oauth:grant-type:apikey"
_SEED_EXAMPLE = Path(__file__).with_name("foodtrust_seed_trace.json")


# Rows per stream of a sync of demo_config()'s five ids. Per trace: 4 events, 4 facilities,
# 1 payload, 3 product instances, 2 products and 8 sequence edges (3 event, 3 facility,
# 2 product-instance), plus the trace itself.
DEMO_COUNTS = {
    "traces": 5,
    "events": 20,
    "facilities": 20,
    "payloads": 5,
    "product_instances": 15,
    "products": 10,
    "sequences": 40,
}


class FoodTrustApp(SandboxApp):
    name = "foodtrust"
    default_port = 8701
    provider = True

    def __init__(
        self,
        *,
        token_seconds: float = 3600.0,
        revoke_tokens_after: int | None = None,
        **kwargs: t.Any,
    ) -> None:
        """``token_seconds``: lifetime of an exchanged Food Trust token (the IAM token
        keeps IBM's hour, so a tap must read the Food Trust token's own ``exp``).
        ``revoke_tokens_after``: revoke every exchanged token once that many traces
        were answered, so the next trace request gets a genuine 401."""
        super().__init__(**kwargs)
        self.token_seconds = token_seconds
        self.revoke_tokens_after = revoke_tokens_after
        self.api_keys = {SANDBOX_API_KEY: SANDBOX_ORG_ID}
        self.static_tokens = {SANDBOX_STATIC_TOKEN}
        self.iam_answers: dict[str, tuple[str, dict[str, t.Any]]] = {}  # token -> (org, JSON)
        self._onboarding_tokens: dict[str, float] = {}  # token -> expiry (epoch)
        self.issued_secrets: list[str] = []  # every token handed out (tests grep for them)
        self._traces_answered = 0
        self.traces: dict[str, dict[str, t.Any]] = build_traces(self.seed)
        self._cache: dict[str, dict[str, t.Any]] = {}  # what a non-bypassing caller gets
        self.refused_requests = 0  # Trace API calls answered 401

    def demo_config(self) -> dict[str, t.Any]:
        return {
            "api_url": self.base_url,
            "iam_url": self.base_url,
            "ibm_cloud_api_key": SANDBOX_API_KEY,
            "organization_id": SANDBOX_ORG_ID,
            "product_ids": [SEED_PRODUCT_ID, *GENERATED_PRODUCT_IDS],
        }

    # -- test controls -----------------------------------------------------------
    def revoke_tokens(self) -> None:
        """Make every exchanged token invalid (the next call answers 401)."""
        with self.lock:
            self._onboarding_tokens.clear()

    def add_event(self, product_id: str) -> str:
        """Add a store-scan event to a trace (visible only when the cache is bypassed)."""
        with self.lock:
            trace = self.traces[product_id]
            event_id = f"urn:uuid:{random.Random(len(trace['events'])).getrandbits(64):016x}"
            store = next(iter(trace["facilities"]))
            trace["events"][event_id] = {
                "data": {
                    "time": "2019-01-05T10:00:00.000Z",
                    "type": "observation",
                    "step": "urn:epcglobal:cbv:bizstep:stocking",
                    "facility": {"id": store},
                },
                "payloadIds": [],
            }
            return event_id

    # -- IAM ---------------------------------------------------------------------
    @route("POST", r"/identity/token")
    def iam_token(self, request: Request) -> Response:
        if not (request.header("content-type") or "").startswith(
            "application/x-www-form-urlencoded"
        ):
            raise HTTPError(
                400, {"errorCode": "BXNIM0109E", "errorMessage": "Property missing or empty"}
            )
        form = request.form()
        if form.get("grant_type") != IAM_GRANT:
            raise HTTPError(400, {"errorCode": "BXNIM0103E", "errorMessage": "Unsupported grant"})
        org = self.api_keys.get(form.get("apikey", ""))
        if org is None:
            raise HTTPError(
                400,
                {"errorCode": "BXNIM0415E", "errorMessage": "Provided API key could not be found."},
            )
        token = f"iam-{secrets.token_hex(12)}"
        now = int(time.time())
        answer = {
            "access_token": token,
            "refresh_token": "not_supported",
            "ims_user_id": 4242,
            "token_type": "Bearer",
            "expires_in": 3600,
            "expiration": now + 3600,
            "scope": "ibm openid",
        }
        with self.lock:
            self.iam_answers[token] = (org, answer)
            self.issued_secrets.append(token)
        return Response.json(answer)

    @route("POST", r"/ift/api/identity-proxy/exchange_token/v1/organization/(?P<org>[^/]+)")
    def exchange(self, request: Request) -> Response:
        if not (request.header("content-type") or "").startswith("application/json"):
            raise HTTPError(400, {"message": "The IAM token must be posted as JSON"})
        iam = request.json()
        token = iam.get("access_token") if isinstance(iam, dict) else None
        with self.lock:
            org, issued = self.iam_answers.get(str(token), (None, None))
        if issued is None:
            raise HTTPError(401, {"message": "Invalid IAM token"})
        if iam != issued:  # the documented contract: the IAM answer, whole and unchanged
            raise HTTPError(400, {"message": "The body must be the whole IAM token response"})
        if org != request.params["org"]:
            raise HTTPError(403, {"message": "The API key does not belong to this organization"})
        expiry = time.time() + self.token_seconds
        # exp to the millisecond (JWT NumericDate allows fractions): tests use 1 s tokens
        token = _jwt({"iss": "ift-sandbox", "org": org, "exp": round(expiry, 3)})
        with self.lock:
            self._onboarding_tokens[token] = expiry
            self.issued_secrets.append(token)
        return Response.json({"onboarding_token": token})

    # -- Trace API -----------------------------------------------------------------
    @route("GET", r"/ift/api/outbound/v1/traces")
    def trace(self, request: Request) -> Response:
        self._authorize(request)
        product_id = request.arg("productId")
        if not product_id:
            raise HTTPError(400, {"message": "productId is required"})
        bypass = (request.header("x-apicache-bypass") or "").lower() == "true"
        with self.lock:
            if product_id not in self.traces:
                raise HTTPError(404, {"message": f"No trace found for productId {product_id}"})
            if bypass or product_id not in self._cache:
                cache_state = "BYPASS" if bypass else "MISS"
                self._cache[product_id] = copy.deepcopy(self.traces[product_id])
            else:
                cache_state = "HIT"
            body = {product_id: self._cache[product_id], "x-version": "1.0.0"}
            self._traces_answered += 1
            if self._traces_answered == self.revoke_tokens_after:
                self._onboarding_tokens.clear()
        return Response.json(body, **{"X-ApiCache": cache_state})

    def _authorize(self, request: Request) -> None:
        header = request.header("authorization") or ""
        token = header.removeprefix("Bearer ").strip()
        with self.lock:
            expiry = self._onboarding_tokens.get(token)
        if token in self.static_tokens or (expiry is not None and expiry > time.time()):
            return
        with self.lock:
            self.refused_requests += 1
        raise HTTPError(401, {"message": "Unauthorized: token missing, invalid or expired"})


def build_traces(seed: int) -> dict[str, dict[str, t.Any]]:
    """The seed's example plus generated traces sharing facilities and products."""
    traces = {SEED_PRODUCT_ID: json.loads(_SEED_EXAMPLE.read_text())}
    rng = random.Random(seed)
    farms = [
        (f"urn:ibm:ift:location:loc:1234567890123.farm-{n}", name, city)
        for n, name, city in (
            (1, "Green Valley Farm", "Salinas"),
            (2, "Hillside Growers", "Watsonville"),
            (3, "Río Claro Ranch", "Yuma"),
        )
    ]
    factory = "urn:ibm:ift:location:loc:1234567890123.plant-1"
    store = "urn:ibm:ift:location:loc:5555555555555.store-9"
    for index, product_id in enumerate(GENERATED_PRODUCT_IDS):
        traces[product_id] = _generated_trace(rng, index, product_id, farms, factory, store)
    return traces


def _generated_trace(
    rng: random.Random,
    index: int,
    product_id: str,
    farms: list[tuple[str, str, str]],
    factory: str,
    store: str,
) -> dict[str, t.Any]:
    used_farms = farms[index % 2 : index % 2 + 2]  # neighbouring traces share a farm
    day = 1 + index * 3
    raw_product = "urn:ibm:ift:product:class:1234567890123.tomato"
    final_product = f"urn:ibm:ift:product:class:1234567890123.item-{index}"
    events: dict[str, t.Any] = {}
    instances: dict[str, t.Any] = {}
    facilities: dict[str, t.Any] = {}
    commission_ids, input_lots = [], []
    for n, (farm_id, farm_name, city) in enumerate(used_farms):
        lot = f"urn:ibm:ift:product:lot:class:1234567890123.tomato.lot-{index}{n}"
        quantity = rng.randint(100, 900)
        event_id = _uuid(rng)
        commission_ids.append(event_id)
        input_lots.append((lot, quantity))
        events[event_id] = _event(
            f"2019-03-{day + n:02d}T06:{n:02d}:00.000Z",
            "commission",
            "commissioning",
            {"id": farm_id},
            {"instances": [{"id": lot, "quantity": quantity, "unit": "KGM"}]},
        )
        instances[lot] = {
            "data": {
                "name": "Tomato",
                "productId": raw_product,
                "harvestStartDate": f"2019-03-{day:02d}",
                "harvestEndDate": f"2019-03-{day + 1:02d}",
            },
            "payloadIds": [],
        }
        facilities[farm_id] = _facility(farm_name, "FARM", {"city": city, "country": "US"})
    payload_id = _uuid(rng)
    transform_id = _uuid(rng)
    output_quantity = round(sum(q for _, q in input_lots) * 0.8, 1)
    events[transform_id] = _event(
        f"2019-03-{day + 3:02d}T12:00:00.500Z",
        "transformation",
        "transforming",
        {"id": factory},
        {
            "inputs": [{"id": lot, "quantity": q, "unit": "KGM"} for lot, q in input_lots],
            "outputs": [{"id": product_id, "quantity": output_quantity, "unit": "KGM"}],
        },
        payload_ids=[payload_id],
    )
    scan_id = _uuid(rng)
    events[scan_id] = _event(
        f"2019-03-{day + 5:02d}T09:30:00.000Z",
        "observation",
        "stocking",
        {"id": store, "sources": [{"id": factory}], "destinations": [{"id": store}]},
        {"instances": [{"id": product_id, "quantity": 1, "unit": "EA"}]},
    )
    instances[product_id] = {
        "data": {
            "name": f"Item {index}",
            "productId": final_product,
            "firstFreezeDate": f"2019-03-{day + 3:02d}",
            "expirationDate": f"2019-04-{day + 3:02d}",
            "sellByDate": f"2019-03-{day + 20:02d}",
        },
        "payloadIds": [payload_id],
    }
    facilities[factory] = _facility(
        "Fresh Pack & Co", "PROCESSING_FACILITY", {"city": "Fresno", "postalCode": "93650"}
    )
    facilities[store] = _facility(
        'Corner Grocer, "Main" St',
        "STORE",
        {"street": "9 Main St", "city": "Durham", "state": "NC", "postalCode": "27713"},
    )
    return {
        "events": events,
        "facilities": facilities,
        "payloads": {
            payload_id: {
                "data": {
                    "time": f"2019-03-{day + 3:02d}T12:00:00.000Z",
                    "content": json.dumps({"temperatureC": 4, "inspector": "Zoë"}),
                    "contentType": "application/json",
                    "typeUri": "urn:ibm:ift:payload:type:json:quality",
                }
            }
        },
        "productInstances": instances,
        "products": {
            raw_product: {"data": {"name": "Tomato"}, "payloadIds": []},
            final_product: {"data": {"name": f"Item {index}", "sku": f"SKU-{index:04d}"}},
        },
        "sequences": {
            "events": [{"source": c, "target": transform_id} for c in commission_ids]
            + [{"source": transform_id, "target": scan_id}],
            "facilities": [{"source": f[0], "target": factory} for f in used_farms]
            + [{"source": factory, "target": store}],
            "productInstances": [{"source": lot, "target": product_id} for lot, _ in input_lots],
        },
    }


def _jwt(claims: dict[str, t.Any]) -> str:
    """A JWT-shaped token (unsigned: only its ``exp`` claim matters to a client)."""

    def part(value: dict[str, t.Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {**claims, "jti": secrets.token_hex(8)}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.{secrets.token_hex(16)}"


def _uuid(rng: random.Random) -> str:
    hex_ = f"{rng.getrandbits(128):032x}"
    return f"urn:uuid:{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"


def _event(
    when: str,
    kind: str,
    step: str,
    facility: dict[str, t.Any],
    product_instances: dict[str, t.Any],
    payload_ids: list[str] | None = None,
) -> dict[str, t.Any]:
    return {
        "data": {
            "time": when,
            "type": kind,
            "step": f"urn:epcglobal:cbv:bizstep:{step}",
            "facility": facility,
            "productInstances": product_instances,
        },
        "payloadIds": payload_ids or [],
    }


def _facility(name: str, kind: str, address: dict[str, str]) -> dict[str, t.Any]:
    return {"data": {"name": name, "type": kind, "address": address}, "payloadIds": []}
