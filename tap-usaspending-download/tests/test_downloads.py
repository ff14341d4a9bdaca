"""tap-usaspending-download against the USAspending stand-in, over real sockets."""

from __future__ import annotations

import json
import subprocess
import tempfile

import pytest
from singer_sdk.testing import get_tap_test_class
from tap_usaspending_download.tap import TapUSAspendingDownload

from sandbox.core import start
from sandbox.usaspending import USAspendingApp
from tests.fixtures import stop_promptly
from tests.singer_run import executable, run_tap

TAP = "tap-usaspending-download"
_SERVER = start(USAspendingApp(job_seconds=0.1))
TestTapUSAspendingDownload = get_tap_test_class(
    tap_class=TapUSAspendingDownload,
    config={
        **_SERVER.app.demo_config(),
        "poll_interval_seconds": 0.05,
        "window_days": 400,
        "journal_path": f"{tempfile.mkdtemp()}/journal.json",
    },
)


def distinct(run, stream, *key):
    return {tuple(r[k] for k in key) for r in run.records.get(stream, [])}


def expected_awards(app, prefix_key):
    rows = [r for k in ("contract_tx", "assistance_tx") for r in app.data[k]]
    return {r[prefix_key] for r in rows if prefix_key in r}


def select(catalog, *streams):
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] in streams
    return catalog


@pytest.fixture(scope="module")
def discovered(tmp_path_factory):
    path = tmp_path_factory.mktemp("discover") / "c.json"
    path.write_text(json.dumps({"start_date": "2024-01-01"}))
    found = subprocess.run(
        [executable(TAP), "--config", str(path), "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout


@pytest.fixture
def catalog(discovered):
    return json.loads(discovered)  # a fresh copy for each test to select from


@pytest.fixture(scope="module")
def full_sync(tmp_path_factory):
    """One sync of every stream (default settings), shared by the tests reading it."""
    server = start(USAspendingApp(job_seconds=0.2))
    journal = tmp_path_factory.mktemp("journal") / "journal.json"
    config = {
        **server.app.demo_config(),
        "poll_interval_seconds": 0.05,
        "window_days": 400,
        "journal_path": str(journal),
    }
    yield server, run_tap(TAP, config)
    stop_promptly([server])


def fast(app, tmp_path, **settings):
    """The stand-in's config with short polls and a journal of the test's own."""
    return {
        **app.demo_config(),
        "poll_interval_seconds": 0.05,
        "journal_path": str(tmp_path / "journal.json"),
        **settings,
    }


def bodies(app, pattern):
    return [json.loads(r.body) for r in app.requests_to(pattern)]


def test_exact_counts_per_stream(full_sync):
    usa, run = full_sync
    assert run.returncode == 0, run.stderr
    counts = run.counts
    assert counts["contracts_prime_transactions"] == 300
    assert counts["assistance_prime_transactions"] == 200
    assert counts["contracts_subawards"] == 40
    assert counts["assistance_subawards"] == 30
    assert counts["contracts_prime_award_summaries"] == len(usa.app.data["contract_awards"]) == 75
    assert counts["assistance_prime_award_summaries"] == len(usa.app.data["assistance_awards"])
    assert (
        len(distinct(run, "contracts_subawards", "prime_award_unique_key", "subaward_number")) == 40
    )
    assert (
        len(distinct(run, "contracts_prime_transactions", "contract_transaction_unique_key")) == 300
    )
    assert {
        k for (k,) in distinct(run, "contracts_prime_award_summaries", "contract_award_unique_key")
    } == expected_awards(usa.app, "contract_award_unique_key")
    assert {
        k
        for (k,) in distinct(run, "assistance_prime_award_summaries", "assistance_award_unique_key")
    } == expected_awards(usa.app, "assistance_award_unique_key")


def test_types_bom_and_unknown_columns(full_sync):
    _, run = full_sync
    row = run.records["contracts_prime_transactions"][0]
    assert not row["contract_transaction_unique_key"].startswith("\ufeff")
    assert isinstance(row["federal_action_obligation"], int | float)
    assert isinstance(row["action_date_fiscal_year"], int)
    assert isinstance(row["transaction_number"], str)  # ids and codes stay strings
    assert isinstance(row["award_type_code"], str)
    # The column newer than the tap is kept; rows where it is empty carry no _extra at all.
    extras = [r.get("_extra") for r in run.records["contracts_prime_transactions"]]
    assert extras.count({"extra_column_from_api": "new in a later release"}) == 253
    assert extras.count(None) == 300 - 253
    assert row["last_modified_date"].endswith("+00:00")
    sub = run.records["contracts_subawards"][0]
    # No offset in the file (timestamp without time zone): read as UTC, written with one.
    assert sub["subaward_sam_report_last_modified_date"].endswith("T08:00:00.125000+00:00")
    # Each stream names the new column once, however many windows and files it read.
    for stream in run.counts:
        assert run.stderr.count(f"{stream}: the file has columns this tap's schema lacks") == 1
    assert run.stderr.count("extra_column_from_api") == 6
    assert "is not a" not in run.stderr  # every typed value of the stand-in was readable
    props = run.schemas["contracts_prime_transactions"]["schema"]["properties"]
    assert props["action_date"]["format"] == "date"
    assert props["last_modified_date"]["format"] == "date-time"
    assert "number" in props["federal_action_obligation"]["type"]
    assert "string" in props["contract_award_unique_key"]["type"]
    assert len(props) == 297 + 2  # the real header, plus time_period_end and _extra
    keys = run.schemas["contracts_subawards"]["key_properties"]
    assert keys == ["prime_award_unique_key", "subaward_number"]
    assert run.schemas["assistance_prime_transactions"]["key_properties"] == [
        "assistance_transaction_unique_key"
    ]


def test_multi_part_files_are_all_read(serve, tmp_path):
    app = serve(USAspendingApp(job_seconds=0.1, rows_per_file=20)).app
    # One window for everything: 300 contract transactions in parts of 20.
    run = run_tap(TAP, fast(app, tmp_path, window_days=5000))
    assert run.counts["contracts_prime_transactions"] == 300
    parts = [
        n for job in app.jobs.values() for n in job.files if "Contracts_PrimeTransactions" in n
    ]
    assert len(parts) == 15


def test_incremental_second_run_starts_at_the_bookmark(usa, config):
    first = run_tap(TAP, config)
    state = first.last_state
    bookmark = state["bookmarks"]["contracts_prime_transactions"]["replication_key_value"]
    requests_before = len(usa.app.requests_to(r"/download/transactions/"))
    second = run_tap(TAP, config, state=state)
    assert second.returncode == 0, second.stderr
    periods = [
        json.loads(r.body)["filters"]["time_period"][0]
        for r in usa.app.requests_to(r"/download/transactions/")[requests_before:]
    ]
    assert periods == [
        {"start_date": bookmark, "end_date": bookmark, "date_type": "last_modified_date"}
    ]
    assert second.counts.get("contracts_prime_transactions", 0) == 0


def test_window_over_the_cap_is_bisected_until_it_fits(serve, tmp_path):
    app = serve(USAspendingApp(job_seconds=0.05, row_cap=120)).app
    config = fast(app, tmp_path, window_days=400)
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts["contracts_prime_transactions"] == 300
    assert run.counts["assistance_prime_transactions"] == 200
    for job in app.jobs.values():
        if job.kind == "transactions":
            assert app.transaction_count(job.filters) <= 120  # nothing was cut
    assert len(app.requests_to(r"/download/count/")) > 5


def test_single_day_over_the_cap_is_named(serve, tmp_path):
    app = serve(USAspendingApp(job_seconds=0.05, row_cap=0)).app
    run = run_tap(TAP, fast(app, tmp_path))
    assert run.returncode == 1
    assert "alone holds" in run.stderr and "over the download limit of 0" in run.stderr
    assert "Traceback" not in run.stderr


def test_only_the_downloads_selected_streams_need(usa, config, catalog):
    run = run_tap(TAP, config, catalog=select(catalog, "contracts_prime_transactions"))
    assert run.returncode == 0, run.stderr
    assert run.counts == {"contracts_prime_transactions": 300}
    assert usa.app.requests_to(r"/download/awards/") == []
    assert {b["spending_level"] for b in bodies(usa.app, r"/download/count/")} == {"transactions"}


def test_subawards_alone_need_only_the_awards_download(usa, config, catalog):
    run = run_tap(TAP, config, catalog=select(catalog, "contracts_subawards"))
    assert run.counts == {"contracts_subawards": 40}
    assert usa.app.requests_to(r"/download/transactions/") == []
    assert len(usa.app.requests_to(r"/download/awards/")) > 0
    assert {b["spending_level"] for b in bodies(usa.app, r"/download/count/")} == {"subawards"}


def test_subawards_ride_along_with_transactions(usa, config, catalog):
    streams = ("contracts_prime_transactions", "contracts_subawards", "assistance_subawards")
    run = run_tap(TAP, config, catalog=select(catalog, *streams))
    assert run.returncode == 0, run.stderr
    assert run.counts == {
        "contracts_prime_transactions": 300,
        "contracts_subawards": 40,
        "assistance_subawards": 30,
    }
    assert usa.app.requests_to(r"/download/awards/") == []  # one download kind, not two
    levels = {b["spending_level"] for b in bodies(usa.app, r"/download/count/")}
    assert levels == {"transactions", "subawards"}


def test_subawards_come_once_when_both_downloads_are_made(full_sync):
    usa, run = full_sync
    assert run.counts["contracts_subawards"] == 40  # the transactions zip carries them too
    windows = len(usa.app.requests_to(r"/download/awards/"))
    assert windows == len(usa.app.requests_to(r"/download/transactions/")) > 1


def test_window_over_the_cap_for_subawards_is_bisected(serve, tmp_path):
    app = serve(USAspendingApp(job_seconds=0.05, row_cap=35)).app
    config = fast(app, tmp_path, window_days=400)
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts["contracts_subawards"] == 40
    assert run.counts["assistance_subawards"] == 30
    for job in app.jobs.values():
        assert app.level_count("subawards", job.filters) <= 35
        assert app.level_count("awards", job.filters) <= 35


def test_columns_setting_is_sent_with_the_key_columns(usa, config, catalog):
    wanted = ["federal_action_obligation", "action_date"]
    run = run_tap(
        TAP, {**config, "columns": wanted}, catalog=select(catalog, "contracts_prime_transactions")
    )
    assert run.returncode == 0, run.stderr
    sent = {tuple(b["columns"]) for b in bodies(usa.app, r"/download/transactions/")}
    assert sent == {("federal_action_obligation", "action_date", "contract_transaction_unique_key")}
    records = run.records["contracts_prime_transactions"]
    assert len(records) == 300
    assert set(records[0]) == {*sent.pop(), "time_period_end"}


def test_filters_and_date_type_are_sent(usa, config, catalog):
    config = {**config, "filters": {"award_type_codes": ["A", "B"]}, "date_type": "action_date"}
    run = run_tap(TAP, config, catalog=select(catalog, "contracts_prime_transactions"))
    assert run.returncode == 0, run.stderr
    want = sum(1 for r in usa.app.data["contract_tx"] if r["award_type_code"] in ("A", "B"))
    assert run.counts["contracts_prime_transactions"] == want < 300
    for body in bodies(usa.app, r"/download/(count|transactions)/"):
        assert body["filters"]["award_type_codes"] == ["A", "B"]
        assert body["filters"]["time_period"][0]["date_type"] == "action_date"


def test_date_type_defaults_to_last_modified_date(usa, config):
    run = run_tap(TAP, {**config, "window_days": 5000})
    assert run.returncode == 0, run.stderr
    sent = bodies(usa.app, r"/download/(count|awards|transactions)/")
    periods = [b["filters"]["time_period"] for b in sent]
    assert periods and all(p[0]["date_type"] == "last_modified_date" for p in periods)
    assert periods[0][0]["start_date"] == "2024-01-01"


def test_failed_download_is_requested_again(usa, config, catalog):
    usa.app.fail_next_downloads = 1
    run = run_tap(TAP, config, catalog=select(catalog, "contracts_prime_transactions"))
    assert run.returncode == 0, run.stderr
    assert run.counts["contracts_prime_transactions"] == 300
    assert (
        "ended 'failed' (Download failed: the database statement timed out); creating it again"
        in run.stderr
    )
    windows = len(usa.app.requests_to(r"/download/count/"))  # one count per window here
    assert len(usa.app.requests_to(r"/download/transactions/")) == windows + 1


def test_download_failing_every_time_quotes_the_message(usa, config, catalog):
    usa.app.fail_next_downloads = 99
    config = {**config, "download_attempts": 2, "window_days": 5000}  # one download
    run = run_tap(TAP, config, catalog=select(catalog, "contracts_prime_transactions"))
    assert run.returncode == 1
    assert (
        "ended 'failed' (Download failed: the database statement timed out); tried 2 time(s)"
        in run.stderr
    )
    assert len(usa.app.requests_to(r"/download/(awards|transactions)/")) == 2
    assert "Traceback" not in run.stderr


def test_seed_vocabulary_still_works(serve, tmp_path):
    # queued / complete and the file in `url` (no file_url at all), as the 2017 design says.
    app = serve(USAspendingApp(job_seconds=0.2, legacy=True)).app
    run = run_tap(TAP, fast(app, tmp_path))
    assert run.returncode == 0, run.stderr
    assert run.counts["assistance_prime_transactions"] == 200
    assert run.counts["contracts_subawards"] == 40


@pytest.mark.parametrize("legacy", [True, False])
def test_a_download_the_api_does_not_know_is_requested_again(serve, tmp_path, legacy):
    app = serve(USAspendingApp(job_seconds=0.05, legacy=legacy)).app
    app.forget_downloads = True  # does_not_exist (2017 words) or 404 (today)
    run = run_tap(TAP, fast(app, tmp_path, window_days=5000))  # one download of each kind
    assert run.returncode == 1
    assert run.stderr.count("is no longer known to the API; creating it again") == 2 * 2
    assert "is no longer known to the API; tried 3 time(s)" in run.stderr
    assert len(app.requests_to(r"/download/awards/")) == 3  # download_attempts
    assert len(app.requests_to(r"/download/transactions/")) == 3
    assert "Traceback" not in run.stderr


def test_timeout_is_a_clear_error_and_keeps_the_bookmark(serve, tmp_path):
    app = serve(USAspendingApp(job_seconds=30)).app
    config = fast(app, tmp_path, poll_interval_seconds=0.1, job_timeout_seconds=0.5)
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert "did not finish within 0.5 s (last status 'ready')" in run.stderr
    assert "the failed ones keep their bookmarks" in run.stderr
    bookmarks = (run.last_state or {}).get("bookmarks", {})
    assert all("replication_key_value" not in b for b in bookmarks.values())


def test_timeout_mid_sync_keeps_the_finished_windows_only(serve, catalog, tmp_path):
    app = serve(USAspendingApp(job_seconds=0.05)).app
    app.stall_after_downloads = 2
    config = fast(app, tmp_path, job_timeout_seconds=0.5)
    run = run_tap(TAP, config, catalog=select(catalog, "contracts_prime_transactions"))
    assert run.returncode == 1
    # Windows of 120 days from 2024-01-01: two finished, the third timed out.
    bookmark = run.last_state["bookmarks"]["contracts_prime_transactions"]
    assert bookmark["replication_key_value"] == "2024-08-27"
    assert {r["time_period_end"] for r in run.records["contracts_prime_transactions"]} == {
        "2024-04-29",
        "2024-08-27",
    }


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"bogus_filter": 1}, "Invalid filter(s): bogus_filter (bad filter: bogus_filter)"),
        (
            {"award_type_codes": ["A", "ZZ"], "agencies": []},
            "Field 'filters|award_type_codes' is outside valid values",
        ),
    ],
)
def test_bad_filter_is_a_clear_config_error(usa, config, filters, message):
    run = run_tap(TAP, {**config, "filters": filters})
    assert run.returncode == 1
    assert message in run.stderr
    assert f"(bad filter: {next(iter(filters))})" in run.stderr
    assert "Check the filters setting" in run.stderr
    assert "Traceback" not in run.stderr
    assert usa.app.requests_to(r"/download/(awards|transactions)/") == []


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"filters": {"time_period": []}}, "filters: leave out time_period"),
        ({"window_days": 0}, "window_days"),
        ({"poll_interval_seconds": 0}, "poll_interval_seconds"),
        ({"date_type": "signed_date"}, "date_type"),
    ],
)
def test_bad_settings_stop_before_any_request(usa, config, override, message):
    run = run_tap(TAP, {**config, **override})
    assert run.returncode == 1
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert usa.app.requests_to(r"/api/") == []


def test_server_errors_and_dropped_connections_are_retried(usa, config, catalog):
    usa.app.faults.status(r"/download/count/", 503, times=2)
    usa.app.faults.status(r"/download/transactions/", 502, times=1)
    usa.app.faults.status(r"/download/status/", 504, times=1)
    usa.app.faults.status(r"/files/", 503, times=1)
    usa.app.faults.drop(r"/files/", times=1)  # cut mid-zip
    usa.app.faults.drop(r"/download/status/", times=1)
    config = {**config, "max_retry_wait_seconds": 0.1}  # no real waiting between tries
    run = run_tap(TAP, config, catalog=select(catalog, "contracts_prime_transactions"))
    assert run.returncode == 0, run.stderr
    assert run.counts["contracts_prime_transactions"] == 300
    assert usa.app.faults.pending() == 0
    windows = len(usa.app.requests_to(r"/download/count/")) - 2  # two counts answered 503
    assert len(usa.app.requests_to(r"/files/")) == windows + 2  # two files fetched again
    assert run.stderr.count(": download failed (attempt ") == 2
    assert run.stderr.count("USAspending: POST /api/v2/download/count/ got HTTP 503") == 2
