"""Codes through search tasks, single-use links and the S3 redirect, end to end over HTTP."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter

from sandbox.scantrust import CAMPAIGNS, ScantrustApp
from tests.singer_run import run_tap

TAP = "tap-scantrust"


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def per_campaign(records):
    return Counter(r["campaign_id"] for r in records)


def test_first_sync_exact_counts_per_campaign(scantrust, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    expected = {c: len(scantrust.app.matching_codes(c)) for c in CAMPAIGNS}
    assert expected == {101: 240, 102: 130, 103: 30}
    assert per_campaign(run.records["codes"]) == expected
    keys = [(r["extended_id"], r["campaign_id"]) for r in run.records["codes"]]
    assert len(keys) == len(set(keys))
    assert run.counts["products"] == 5
    assert per_campaign(run.records["scans"]) == {101: 75, 102: 40, 103: 12}


def test_csv_values_survive_quotes_commas_newlines_and_non_ascii(scantrust, config):
    run = run_tap(TAP, config)
    by_id = {r["extended_id"]: r for r in run.records["codes"]}
    odd = [
        c
        for c in scantrust.app.matching_codes(101)
        if any(ch in v for v in c.scm.values() for ch in '"\n,東é')
    ]
    assert odd, "the stand-in should hold awkward values"
    emitted = "".join(v for r in run.records["codes"] for v in r["scm"].values() if v)
    assert all(ch in emitted for ch in ('"', ",", "\n", "東", "é"))
    for code in odd:
        row = by_id[code.extended_id]
        for key in CAMPAIGNS[101][1]:
            assert row["scm"][key] == (code.scm.get(key) or None)
    sample = scantrust.app.matching_codes(102)[0]
    row = by_id[sample.extended_id]
    assert set(row["scm"]) == set(CAMPAIGNS[102][1])
    assert row["status"] in {"inactive", "active", "blacklisted"}
    assert row["serial_number"] == (sample.serial_number or None)
    assert row["activated_at"] == (sample.activated_at or None)


def test_schema_types_and_declared_scm_fields(config):
    run = run_tap(TAP, config)
    schema = run.schemas["codes"]
    assert schema["key_properties"] == ["extended_id", "campaign_id"]
    properties = schema["schema"]["properties"]
    assert properties["activated_at"]["format"] == "date-time"
    assert "string" in properties["status"]["type"]
    scm = properties["scm"]
    assert set(scm["properties"]) == {"farm_name", "intended_market"}
    assert scm["additionalProperties"] is True


def test_all_search_tasks_created_before_any_download(scantrust, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    creates = scantrust.app.requests_to(r"/api/v2/codes/download/$")
    links = scantrust.app.requests_to(r"/get-download-link/$")
    assert len(creates) == 3
    assert max(r.at for r in creates) < min(r.at for r in links)


def test_authorization_never_reaches_the_file_host(scantrust, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    s3_requests = scantrust.app.s3.requests_to(r"/scantrust-exports/")
    assert len(s3_requests) == 3
    assert all("authorization" not in r.headers for r in s3_requests)
    api_requests = scantrust.app.requests_to(r"/api/v2/documents/download/")
    assert all(r.headers["authorization"] == "UAT sandbox-uat-token" for r in api_requests)


def test_incremental_second_run_takes_only_changed_codes(scantrust, config, only):
    codes = only(config, "codes")
    first = run_tap(TAP, config, catalog=codes)
    state = first.last_state
    bookmarks = state["bookmarks"]["codes"]["partitions"]
    assert {p["context"]["campaign_id"] for p in bookmarks} == set(CAMPAIGNS)
    now = dt.datetime.now(dt.UTC)
    touched = scantrust.app.touch_codes(101, 7, now - dt.timedelta(minutes=5))
    added = scantrust.app.add_codes(102, 3, now - dt.timedelta(minutes=1))
    second = run_tap(TAP, config, state=state, catalog=codes)
    assert second.returncode == 0, second.stderr
    assert per_campaign(second.records["codes"]) == {101: 7, 102: 3}
    assert {r["extended_id"] for r in second.records["codes"]} == set(touched) | set(added)
    creates = scantrust.app.requests_to(r"/codes/download/$")
    assert ["updated_at" in r.query for r in creates] == [False] * 3 + [True] * 3
    for request in creates[3:]:
        start, end = (parse(p) for p in request.query["updated_at"][0].split(","))
        assert end - start <= dt.timedelta(days=1, seconds=30)  # lookback_days=1 + the gap


def test_lookback_catches_changes_just_before_the_bookmark(scantrust, config, only):
    codes = only(config, "codes")
    state = run_tap(TAP, config, catalog=codes).last_state
    bookmark = state["bookmarks"]["codes"]["partitions"][0]["replication_key_value"]
    moment = parse(bookmark) - dt.timedelta(hours=12)
    touched = scantrust.app.touch_codes(101, 4, moment)
    without = run_tap(TAP, {**config, "lookback_days": 0}, state=state, catalog=codes)
    assert "codes" not in without.records
    with_lookback = run_tap(TAP, {**config, "lookback_days": 1}, state=state, catalog=codes)
    assert sorted(r["extended_id"] for r in with_lookback.records["codes"]) == sorted(touched)


def test_start_date_is_split_into_windows(scantrust, config):
    settings = {**config, "start_date": "2024-01-01T00:00:00Z", "window_days": 200}
    run = run_tap(TAP, settings)
    assert run.returncode == 0, run.stderr
    assert per_campaign(run.records["codes"]) == {101: 240, 102: 130, 103: 30}
    ranges = [
        r.query["updated_at"][0].split(",")
        for r in scantrust.app.requests_to(r"/codes/download/$")
        if r.query["campaign"] == ["101"]
    ]
    bounds = [
        [dt.datetime.fromisoformat(v.replace("Z", "+00:00")) for v in pair] for pair in ranges
    ]
    assert bounds[0][0] == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    # Every window of every campaign was asked for before any download.
    creates = scantrust.app.requests_to(r"/codes/download/$")
    first_link = min(r.at for r in scantrust.app.requests_to(r"/get-download-link/$"))
    assert len(creates) == 3 * len(bounds)
    assert max(r.at for r in creates) < first_link
    days = (dt.datetime.now(dt.UTC) - bounds[0][0]).total_seconds() / 86400
    assert len(bounds) == math.ceil(days / 200)
    assert dt.datetime.now(dt.UTC) - bounds[-1][1] < dt.timedelta(minutes=1)
    for (start, end), (next_start, _) in itertools.pairwise(bounds):
        assert end - start <= dt.timedelta(days=200)
        assert next_start == end


def test_empty_strings_become_null_everywhere(scantrust, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    rows = run.records["codes"]
    flat = [v for r in rows for v in (*r.values(), *r["scm"].values())]
    assert "" not in flat
    nulls = Counter(k for r in rows for k, v in r.items() if v is None)
    expected_blank = sum(
        1 for c in CAMPAIGNS for code in scantrust.app.codes[c] if not code.serial_number
    )
    assert nulls["serial_number"] == expected_blank
    assert nulls["activated_at"] == sum(
        1 for c in CAMPAIGNS for code in scantrust.app.codes[c] if not code.activated_at
    )
    assert all(r["status"] in {"inactive", "active", "blacklisted"} for r in rows)


def test_filters_are_pushed_down_under_the_api_names(scantrust, config):
    settings = {
        **config,
        "activation_status": 1,
        "product_id": 332,
        "scm_filters": {"organic": "Yes"},
    }
    run = run_tap(TAP, settings)
    assert run.returncode == 0, run.stderr
    expected = scantrust.app.matching_codes(101, status="1", products="332", scm_organic="Yes")
    assert 0 < len(expected) < 240
    assert sorted(r["extended_id"] for r in run.records["codes"]) == sorted(
        c.extended_id for c in expected
    )
    assert all(
        (r["status"], r["product"], r["scm"]["organic"]) == ("active", "Lettuce", "Yes")
        for r in run.records["codes"]
    )
    for request in scantrust.app.requests_to(r"/codes/download/$"):
        query = {k: v[0] for k, v in request.query.items()}
        assert query == {
            "campaign": query["campaign"],
            "status": "1",
            "products": "332",
            "scm_organic": "Yes",
        }


def test_search_tasks_run_together_not_one_after_another(serve):
    # 101 takes 2 s, 102 and 103 take 1 s each: together about 2 s, one after another 4 s.
    slow = serve(ScantrustApp(job_seconds=1.0, job_seconds_for={101: 2.0}))
    config = {**slow.app.demo_config(), "poll_interval_seconds": 0.05}
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert per_campaign(run.records["codes"]) == {101: 240, 102: 130, 103: 30}
    app = slow.app
    creates = app.requests_to(r"/codes/download/$")
    links = app.requests_to(r"/get-download-link/$")
    # Every task was created before any was read, and while the first campaign's task
    # ran, the others' were polled (and finished): together, not in turn.
    first_link = min(r.at for r in links)
    assert max(r.at for r in creates) < first_link
    keys = {r.path.rsplit("/", 1)[-1] for r in app.requests_to(r"/api/v2/documents/\w+$")}
    polled_before = {
        r.path.rsplit("/", 1)[-1]
        for r in app.requests_to(r"/api/v2/documents/\w+$")
        if r.at < first_link
    }
    assert len(keys) == 3
    assert polled_before == keys


class CorruptSecondWindow(ScantrustApp):
    """The second search result of campaign 101 is a broken zip (once)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.served_101 = 0

    def _zip_for(self, document):
        path = super()._zip_for(document)
        if document.campaign == 101:
            self.served_101 += 1
            if self.served_101 == 2:
                path.write_bytes(path.read_bytes()[:40])
        return path


def test_bookmark_stops_at_the_last_whole_window_when_a_later_one_fails(serve):
    server = serve(CorruptSecondWindow(job_seconds=0.1))
    app = server.app
    config = {
        **app.demo_config(),
        "poll_interval_seconds": 0.05,
        "start_date": "2024-01-01T00:00:00Z",
        "window_days": 60,
    }
    first = run_tap(TAP, config)
    assert first.returncode == 1
    assert "Campaign 101: the downloaded file is not a valid zip" in first.stderr
    assert "1 campaign(s) failed: campaign 101." in first.stderr
    in_window_1 = app.matching_codes(101, updated_at="2024-01-01T00:00:00Z,2024-03-01T00:00:00Z")
    assert 0 < len(in_window_1) < 240
    assert per_campaign(first.records["codes"]) == {101: len(in_window_1), 102: 130, 103: 30}
    bookmarks = {
        p["context"]["campaign_id"]: p["replication_key_value"]
        for p in first.last_state["bookmarks"]["codes"]["partitions"]
    }
    assert bookmarks[101] == "2024-03-01T00:00:00Z"  # the end of window 1, not further
    assert dt.datetime.now(dt.UTC) - parse(bookmarks[102]) < dt.timedelta(minutes=2)

    second = run_tap(TAP, config, state=first.last_state)
    assert second.returncode == 0, second.stderr
    # From the bookmark minus one day of lookback: the rest of campaign 101, nothing lost.
    rest = app.matching_codes(101, updated_at="2024-02-29T00:00:00Z")
    assert per_campaign(second.records["codes"]) == {101: len(rest)}
    seen = {r["extended_id"] for r in first.records["codes"] + second.records["codes"]}
    assert {c.extended_id for c in app.codes[101]} <= seen
