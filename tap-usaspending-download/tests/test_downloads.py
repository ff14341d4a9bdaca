"""tap-usaspending-download against the USAspending stand-in, over real sockets."""

from __future__ import annotations

import json

import pytest
from singer_sdk.testing import get_tap_test_class
from tap_usaspending_download.tap import TapUSAspendingDownload

from sandbox.core import start
from sandbox.usaspending import USAspendingApp
from tests.singer_run import run_tap

TAP = "tap-usaspending-download"
_SERVER = start(USAspendingApp(job_seconds=0.1))
TestTapUSAspendingDownload = get_tap_test_class(
    tap_class=TapUSAspendingDownload,
    config={**_SERVER.app.demo_config(), "poll_interval_seconds": 0.05, "window_days": 400},
)


def distinct(run, stream, *key):
    return {tuple(r[k] for k in key) for r in run.records.get(stream, [])}


def expected_awards(app, prefix_key):
    rows = [r for k in ("contract_tx", "assistance_tx") for r in app.data[k]]
    return {r[prefix_key] for r in rows if prefix_key in r}


def test_exact_counts_per_stream(usa, config):
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    counts = run.counts
    assert counts["contracts_prime_transactions"] == 300
    assert counts["assistance_prime_transactions"] == 200
    assert counts["contracts_subawards"] == 40
    assert counts["assistance_subawards"] == 30
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


def test_types_bom_and_unknown_columns(usa, config):
    run = run_tap(TAP, config)
    row = run.records["contracts_prime_transactions"][0]
    assert not row["contract_transaction_unique_key"].startswith("\ufeff")
    assert isinstance(row["federal_action_obligation"], int | float)
    assert isinstance(row["action_date_fiscal_year"], int)
    assert row["_extra"] == {"extra_column_from_api": "new in a later release"}
    assert row["last_modified_date"].endswith("+00:00")
    assert run.stderr.count("extra_column_from_api") == 1
    props = run.schemas["contracts_prime_transactions"]["schema"]["properties"]
    assert props["action_date"]["format"] == "date"
    assert "number" in props["federal_action_obligation"]["type"]
    keys = run.schemas["contracts_subawards"]["key_properties"]
    assert keys == ["prime_award_unique_key", "subaward_number"]


def test_multi_part_files_are_all_read(serve):
    app = serve(USAspendingApp(job_seconds=0.1, rows_per_file=20)).app
    # One window for everything: 300 contract transactions in parts of 20.
    run = run_tap(TAP, {**app.demo_config(), "poll_interval_seconds": 0.05, "window_days": 5000})
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


def test_window_over_the_cap_is_bisected_until_it_fits(serve):
    app = serve(USAspendingApp(job_seconds=0.05, row_cap=120)).app
    config = {**app.demo_config(), "poll_interval_seconds": 0.05, "window_days": 400}
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts["contracts_prime_transactions"] == 300
    assert run.counts["assistance_prime_transactions"] == 200
    for job in app.jobs.values():
        if job.kind == "transactions":
            assert app.transaction_count(job.filters) <= 120  # nothing was cut
    assert len(app.requests_to(r"/download/count/")) > 5


def test_single_day_over_the_cap_is_named(serve):
    app = serve(USAspendingApp(job_seconds=0.05, row_cap=0)).app
    run = run_tap(TAP, {**app.demo_config(), "poll_interval_seconds": 0.05})
    assert run.returncode == 1
    assert "alone holds" in run.stderr and "over the download limit of 0" in run.stderr
    assert "Traceback" not in run.stderr


def test_only_the_downloads_selected_streams_need(usa, config, tmp_path):
    import subprocess

    from tests.singer_run import executable

    (tmp_path / "c.json").write_text(json.dumps(config))
    catalog = json.loads(
        subprocess.run(
            [executable(TAP), "--config", str(tmp_path / "c.json"), "--discover"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = (
                    stream["tap_stream_id"] == "contracts_prime_transactions"
                )
    run = run_tap(TAP, config, catalog=catalog)
    assert run.returncode == 0, run.stderr
    assert set(run.counts) == {"contracts_prime_transactions"}
    assert usa.app.requests_to(r"/download/awards/") == []
    # Subawards come with the awards download only: selecting them asks for no transactions.
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] == "contracts_subawards"
    before = len(usa.app.requests_to(r"/download/transactions/"))
    subs = run_tap(TAP, config, catalog=catalog)
    assert subs.counts == {"contracts_subawards": 40}
    assert len(usa.app.requests_to(r"/download/transactions/")) == before


def test_failed_download_is_requested_again(usa, config):
    usa.app.fail_next_downloads = 1
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts["contracts_prime_transactions"] == 300
    assert (
        "failed (Download failed: the database statement timed out); requesting it again"
        in run.stderr
    )


def test_download_failing_every_time_quotes_the_message(usa, config):
    usa.app.fail_next_downloads = 99
    run = run_tap(TAP, {**config, "download_attempts": 2})
    assert run.returncode == 1
    assert "failed 2 times: Download failed: the database statement timed out" in run.stderr
    assert "Traceback" not in run.stderr


def test_seed_vocabulary_still_works(serve):
    app = serve(USAspendingApp(job_seconds=0.2, legacy=True)).app
    run = run_tap(TAP, {**app.demo_config(), "poll_interval_seconds": 0.05})
    assert run.returncode == 0, run.stderr
    assert run.counts["assistance_prime_transactions"] == 200


def test_timeout_is_a_clear_error_and_keeps_the_bookmark(serve):
    app = serve(USAspendingApp(job_seconds=30)).app
    config = {**app.demo_config(), "poll_interval_seconds": 0.1, "job_timeout_seconds": 0.5}
    run = run_tap(TAP, config)
    assert run.returncode == 1
    assert (
        "still 'running' after job_timeout_seconds=0.5" in run.stderr
        or "still 'ready'" in run.stderr
    )
    bookmarks = (run.last_state or {}).get("bookmarks", {})
    assert all("replication_key_value" not in b for b in bookmarks.values())


@pytest.mark.parametrize(
    ("filters", "message"),
    [({"bogus_filter": 1}, "Invalid filter(s): bogus_filter")],
)
def test_bad_filter_is_a_clear_config_error(usa, config, filters, message):
    run = run_tap(TAP, {**config, "filters": filters})
    assert run.returncode == 1
    assert message in run.stderr
    assert "Check the filters setting" in run.stderr
    assert "Traceback" not in run.stderr


def test_server_errors_are_retried(usa, config):
    usa.app.faults.status(r"/download/count/", 503, times=2)
    usa.app.faults.drop(r"/files/", times=1)
    run = run_tap(TAP, config)
    assert run.returncode == 0, run.stderr
    assert run.counts["contracts_prime_transactions"] == 300
