"""The Mews stand-in refuses what Mews refuses: every ``exports/add`` and ``exports/getAll``
body is held to Mews' published schema (unknown properties, missing required ones, wrong
types and formats answer 400 with a Mews-style message naming the property), over real
HTTP. Also what it serves: the time-interval filter and availability adjustments."""

from __future__ import annotations

import json

import pytest
import requests

from sandbox.mews import ACCESS_TOKEN, CLIENT_TOKEN, MewsApp, parse

CREDENTIALS = {"ClientToken": CLIENT_TOKEN, "AccessToken": ACCESS_TOKEN, "Client": "tests 1.0"}
GUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
POSTING = {"Posting": {"Start": "2024-01-01", "End": "2024-06-28"}}
UPDATED = {"UpdatedUtc": {"StartUtc": "2024-01-01T00:00:00Z", "EndUtc": "2024-06-29T00:00:00Z"}}


@pytest.fixture
def app(serve):
    return serve(MewsApp()).app  # job_seconds=0: every export succeeds at once


def post(app, operation, body):
    url = f"{app.base_url}/api/connector/v1/exports/{operation}"
    return requests.post(url, json={**CREDENTIALS, **body}, timeout=5)


def rows_of(app, export):
    """Every row of a successful export's files."""
    rows = []
    for entry in export["Files"]:
        text = requests.get(entry["Url"], timeout=5).text
        rows += [json.loads(line) for line in text.splitlines()]
    return rows


ADD_REFUSALS = {
    "ledger-filters-at-top-level": (
        {"EntityType": "LedgerEntry", "LedgerEntryFilters": POSTING},
        "Invalid LedgerEntryFilters: exports/add has no such property; it takes ClientToken, "
        "AccessToken, Client, LanguageCode, CultureCode, EntityType, Scope, Filters.",
    ),
    "ledger-without-filters": (
        {"EntityType": "LedgerEntry"},
        "Invalid Filters.LedgerEntryFilters: required when EntityType is LedgerEntry.",
    ),
    "ledger-with-updated-only": (
        {"EntityType": "LedgerEntry", "Filters": UPDATED},
        "Invalid Filters.LedgerEntryFilters: required when EntityType is LedgerEntry.",
    ),
    "ledger-filters-for-another-type": (
        {"EntityType": "OrderItem", "Filters": {"LedgerEntryFilters": POSTING}},
        "Invalid Filters.LedgerEntryFilters: only for EntityType LedgerEntry.",
    ),
    "unknown-filter": (
        {"EntityType": "LedgerEntry", "Filters": {"LedgerEntryFilters": POSTING, **POSTING}},
        "Invalid Filters.Posting: Export data filters has no such property; it takes "
        "UpdatedUtc, LedgerEntryFilters.",
    ),
    "unknown-ledger-filter": (
        {"EntityType": "LedgerEntry", "Filters": {"LedgerEntryFilters": {**POSTING, "Type": 1}}},
        "Invalid Filters.LedgerEntryFilters.Type: Export ledger entry data filters has no such "
        "property; it takes Posting.",
    ),
    "posting-missing": (
        {"EntityType": "LedgerEntry", "Filters": {"LedgerEntryFilters": {"Posting": None}}},
        "Invalid Filters.LedgerEntryFilters.Posting: required.",
    ),
    "posting-date-time": (
        {
            "EntityType": "LedgerEntry",
            "Filters": {
                "LedgerEntryFilters": {
                    "Posting": {"Start": "2024-01-01T00:00:00Z", "End": "2024-01-02"}
                }
            },
        },
        "Invalid Filters.LedgerEntryFilters.Posting.Start: expected an ISO 8601 date "
        "(2024-01-31), got '2024-01-01T00:00:00Z'.",
    ),
    "posting-no-such-day": (
        {
            "EntityType": "LedgerEntry",
            "Filters": {
                "LedgerEntryFilters": {"Posting": {"Start": "2024-01-01", "End": "2024-02-30"}}
            },
        },
        "Invalid Filters.LedgerEntryFilters.Posting.End: expected an ISO 8601 date "
        "(2024-01-31), got '2024-02-30'.",
    ),
    "updated-misnamed": (
        {"EntityType": "Company", "Filters": {"UpdatedUtc": {"Start": "2024-01-01T00:00:00Z"}}},
        "Invalid Filters.UpdatedUtc.Start: Time interval has no such property; it takes "
        "StartUtc, EndUtc.",
    ),
    "updated-a-date": (
        {
            "EntityType": "Company",
            "Filters": {"UpdatedUtc": {"StartUtc": "2024-01-01", "EndUtc": "2024-01-02"}},
        },
        "Invalid Filters.UpdatedUtc.StartUtc: expected an ISO 8601 date-time in UTC "
        "(2024-01-31T00:00:00Z), got '2024-01-01'.",
    ),
    "updated-end-missing": (
        {"EntityType": "Company", "Filters": {"UpdatedUtc": {"StartUtc": "2024-01-01T00:00:00Z"}}},
        "Invalid Filters.UpdatedUtc.EndUtc: required.",
    ),
    "updated-too-recent": (
        {
            "EntityType": "Company",
            "Filters": {
                "UpdatedUtc": {"StartUtc": "2024-01-01T00:00:00Z", "EndUtc": "2099-01-01T00:00:00Z"}
            },
        },
        "Invalid Filters.UpdatedUtc.EndUtc: must be at least 5 minutes in the past.",
    ),
    "updated-over-180-days": (
        {
            "EntityType": "Company",
            "Filters": {
                "UpdatedUtc": {"StartUtc": "2024-01-01T00:00:00Z", "EndUtc": "2024-06-30T00:00:00Z"}
            },
        },
        "Invalid Filters.UpdatedUtc: the interval must be at most 180 days.",
    ),
    "filters-an-array": (
        {"EntityType": "Company", "Filters": []},
        "Invalid Filters: expected an object (Export data filters), got an array.",
    ),
    "flat-filter": (
        {"EntityType": "Company", "UpdatedUtc": UPDATED["UpdatedUtc"]},
        "Invalid UpdatedUtc: exports/add has no such property; it takes ClientToken, "
        "AccessToken, Client, LanguageCode, CultureCode, EntityType, Scope, Filters.",
    ),
    "scope-misnamed": (
        {"EntityType": "Company", "Scope": {"EnterpriseId": [GUID]}},
        "Invalid Scope.EnterpriseId: Export scope parameters has no such property; it takes "
        "EnterpriseIds, ChainIds.",
    ),
    "scope-not-a-guid": (
        {"EntityType": "Company", "Scope": {"ChainIds": [GUID, "chain-1"]}},
        "Invalid Scope.ChainIds[1]: expected a GUID, got 'chain-1'.",
    ),
    "scope-empty": (
        {"EntityType": "Company", "Scope": {"EnterpriseIds": []}},
        "Invalid Scope.EnterpriseIds: expected an array of 1 to 1000 ids.",
    ),
    "entity-type-missing": ({}, "Invalid EntityType: required."),
    "entity-type-unknown": (
        {"EntityType": "LedgerEntries"},
        "Invalid EntityType: 'LedgerEntries' is not one of OrderItem, Payment, Reservation, "
        "Customer, Company, Bill, AvailabilityAdjustment, AvailabilityBlock, ResourceBlock, "
        "LedgerEntry.",
    ),
    "client-not-a-string": (
        {"EntityType": "Company", "Client": 7},
        "Invalid Client: expected a string, got a number.",
    ),
}


def test_add_refuses_what_mews_refuses(app):
    for case, (body, message) in ADD_REFUSALS.items():  # one server for all: fast
        answer = post(app, "add", body)
        error = answer.json()
        assert (case, answer.status_code, error["Message"]) == (case, 400, message)
        assert set(error) == {"Message", "RequestId"}, case
    assert app.exports == {}  # nothing was created


GET_ALL_REFUSALS = {
    "ids-missing": ({}, "Invalid ExportIds: required."),
    "ids-a-string": ({"ExportIds": GUID}, "Invalid ExportIds: expected an array of 1 to 1000 ids."),
    "ids-empty": ({"ExportIds": []}, "Invalid ExportIds: expected an array of 1 to 1000 ids."),
    "ids-over-1000": (
        {"ExportIds": [GUID] * 1001},
        "Invalid ExportIds: expected an array of 1 to 1000 ids.",
    ),
    "id-not-a-guid": (
        {"ExportIds": [GUID, "x"]},
        "Invalid ExportIds[1]: expected a GUID, got 'x'.",
    ),
    "unknown-property": (
        {"ExportIds": [GUID], "EntityType": "Company"},
        "Invalid EntityType: exports/getAll has no such property; it takes ClientToken, "
        "AccessToken, Client, LanguageCode, CultureCode, ExportIds.",
    ),
}


def test_get_all_refuses_what_mews_refuses(app):
    for case, (body, message) in GET_ALL_REFUSALS.items():
        answer = post(app, "getAll", body)
        assert (case, answer.status_code, answer.json()["Message"]) == (case, 400, message)


def test_a_body_that_is_not_json_is_refused(app):
    url = f"{app.base_url}/api/connector/v1/exports/add"
    answer = requests.post(url, data=b'{"EntityType": "Company",}', timeout=5)
    assert answer.status_code == 400
    assert answer.json()["Message"] == "Invalid JSON: the request body is not valid JSON."


def test_documented_bodies_are_accepted_and_echoed(app):
    ledger = post(
        app, "add", {"EntityType": "LedgerEntry", "Filters": {"LedgerEntryFilters": POSTING}}
    )
    assert ledger.status_code == 200, ledger.text
    export = ledger.json()["Export"]
    assert export["Filters"] == {"UpdatedUtc": None, "LedgerEntryFilters": POSTING}
    assert export["Scope"] == {"EnterpriseIds": None, "ChainIds": None}
    reservation = post(
        app,
        "add",
        {
            "LanguageCode": None,
            "CultureCode": None,
            "EntityType": "Reservation",
            "Scope": {"EnterpriseIds": [GUID]},
            "Filters": UPDATED,
        },
    )
    assert reservation.status_code == 200, reservation.text
    assert reservation.json()["Export"]["Filters"] == {**UPDATED, "LedgerEntryFilters": None}
    polled = post(app, "getAll", {"ExportIds": [export["Id"]]}).json()["Exports"]
    rows = rows_of(app, polled[0])
    in_posting = [r for r in app.entities["LedgerEntry"] if r["PostingDate"] <= "2024-06-28"]
    assert len(rows) == len(in_posting) == 45


def test_updated_filter_is_half_open_or_an_instant(app):
    """Mews' time intervals: start inclusive, end exclusive; start == end matches that instant."""
    first, second = "2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z"  # after every seeded row
    app.update_entities("Company", 3, parse(second))
    app.update_entities("Company", 1, parse(first))  # one at the start, two at the end
    ids = []
    for start, end in ((first, second), (second, second)):
        body = {
            "EntityType": "Company",
            "Filters": {"UpdatedUtc": {"StartUtc": start, "EndUtc": end}},
        }
        ids.append(post(app, "add", body).json()["Export"]["Id"])
    exports = post(app, "getAll", {"ExportIds": ids}).json()["Exports"]
    assert [len(rows_of(app, e)) for e in exports] == [1, 2]


def test_availability_adjustments_carry_the_deprecated_interval_as_null(app):
    """Mews deprecated StartUtc/EndUtc (2022) for the time units, and still sends them: null."""
    added = post(app, "add", {"EntityType": "AvailabilityAdjustment"}).json()["Export"]
    [export] = post(app, "getAll", {"ExportIds": [added["Id"]]}).json()["Exports"]
    rows = rows_of(app, export)
    assert len(rows) == 8
    assert all(r["StartUtc"] is None and r["EndUtc"] is None for r in rows)
    assert all(r["FirstTimeUnitStartUtc"] < r["LastTimeUnitStartUtc"] for r in rows)
