"""The Scantrust stand-in is as strict as the API: what the tap's tests rely on."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
import requests

from sandbox.scantrust import SANDBOX_TOKEN

AUTH = {"Authorization": f"UAT {SANDBOX_TOKEN}"}


def get(server, path, params=None, headers=AUTH, **kwargs):
    return requests.get(f"{server.url}{path}", params=params, headers=headers, timeout=10, **kwargs)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"updated_since": "2024-01-01T00:00:00Z"},
            "updated_since",
            'Unknown filter "updated_since"',
        ),
        ({"status": "5"}, "status", "not a valid choice"),
        ({"activation_status": "active"}, "activation_status", "not a valid choice"),
        ({"products": "332,abc"}, "products", "A valid integer is required."),
        ({"product": "SKU-1"}, "product", "A valid integer is required."),
        ({"updated_at": "yesterday"}, "updated_at", "Invalid isoformat"),
        ({"updated_at": "2024-03-01T00:00:00Z,2024-01-01T00:00:00Z"}, "updated_at", "starts after"),
        (
            {"updated_at": "2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,2024-03-01T00:00:00Z"},
            "updated_at",
            "a range 'A,B'",
        ),
        ({"timeframe": "-2d"}, "timeframe", "not a valid choice"),
        ({"scm_": "x"}, "scm_", "needs a field key"),
    ],
)
def test_code_search_refuses_unknown_or_malformed_filters(scantrust, params, field, message):
    answer = get(scantrust, "/api/v2/codes/download/", {"campaign": 101, **params})
    assert answer.status_code == 400
    assert message in answer.json()[field][0]
    assert scantrust.app.documents == {}


def test_code_search_filters_of_both_vocabularies(scantrust):
    """Current names (status, products, updated_at) and the seed's (activation_status,
    product, date_from/date_to) select the same codes."""
    app = scantrust.app
    current = {
        "status": "1",
        "products": "332",
        "updated_at": "2024-02-01T00:00:00Z,2024-04-01T00:00:00Z",
    }
    older = {
        "activation_status": "1",
        "product": "332",
        "date_from": "2024-02-01T00:00:00Z",
        "date_to": "2024-04-01T00:00:00Z",
    }
    matched = {
        tuple(c.extended_id for c in app.matching_codes(101, **filters))
        for filters in (current, older)
    }
    assert len(matched) == 1
    (ids,) = matched
    assert 0 < len(ids) < 240
    for filters in (current, older):
        assert get(scantrust, "/api/v2/codes/download/", {"campaign": 101, **filters}).ok
    counts = [len(d.codes) for d in app.documents.values()]
    assert counts == [len(ids), len(ids)]


def test_an_unset_scm_key_matches_no_code(scantrust):
    assert scantrust.app.matching_codes(103, scm_intended_market="zh") == []
    assert len(scantrust.app.matching_codes(102, scm_intended_market="zh")) > 0


def test_presigned_url_refuses_authorization_and_serves_ranges(scantrust):
    app = scantrust.app
    key = get(scantrust, "/api/v2/codes/download/", {"campaign": 103}).json()["document"]["key"]
    not_ready = get(scantrust, f"/api/v2/documents/{key}/get-download-link/")
    assert not_ready.status_code == 400
    time.sleep(app.job_seconds)
    link = get(scantrust, f"/api/v2/documents/{key}/get-download-link/").json()["link"]
    location = requests.get(link, allow_redirects=False, timeout=10).headers["Location"]
    assert not location.startswith(scantrust.url)  # another host
    assert requests.get(location, headers=AUTH, timeout=10).status_code == 400
    whole = requests.get(location, timeout=10)
    assert whole.status_code == 200
    etag = whole.headers["ETag"]
    tail = requests.get(location, headers={"Range": "bytes=100-", "If-Range": etag}, timeout=10)
    assert tail.status_code == 206
    assert (
        tail.headers["Content-Range"] == f"bytes 100-{len(whole.content) - 1}/{len(whole.content)}"
    )
    assert whole.content[:100] + tail.content == whole.content
    stale = requests.get(location, headers={"Range": "bytes=100-", "If-Range": '"old"'}, timeout=10)
    assert stale.status_code == 200
    assert stale.content == whole.content
    beyond = requests.get(location, headers={"Range": f"bytes={len(whole.content)}-"}, timeout=10)
    assert beyond.status_code == 416
    with zipfile.ZipFile(io.BytesIO(whole.content)) as archive:
        assert len(archive.read(archive.namelist()[0]).splitlines()) >= 31
    assert app.s3.requests_to(r"/scantrust-exports/")


def test_scans_cursor_only_works_with_its_own_query(scantrust):
    params = {"page_mode": "cursor", "campaign": 101, "limit": 10}
    first = get(scantrust, "/api/v2/dashboard/scans/", params).json()
    assert requests.get(first["next"], headers=AUTH, timeout=10).status_code == 200
    cursor = requests.utils.urlparse(first["next"]).query.split("cursor=")[1]
    changed = {**params, "limit": 20, "cursor": requests.utils.unquote(cursor)}
    answer = get(scantrust, "/api/v2/dashboard/scans/", changed)
    assert answer.status_code == 400
    assert "query changed between pages" in answer.json()["detail"]
    unknown = get(scantrust, "/api/v2/dashboard/scans/", {**params, "sort": "-datetime"})
    assert unknown.status_code == 400
    assert unknown.json() == {"sort": ['Unknown filter "sort".']}


def test_products_refuse_unknown_parameters(scantrust):
    assert get(scantrust, "/api/v2/products/", {"page": 2}).status_code == 400
    assert get(scantrust, "/api/v2/products/", {"limit": "x"}).status_code == 400
    assert (
        get(scantrust, "/api/v2/products/", {"limit": 2, "offset": 4}).json()["results"][0]["id"]
        == 500
    )
