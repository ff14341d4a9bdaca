"""Over real sockets: a download whose files hold fewer or more rows than its
``total_rows`` (which covers every CSV of the zip, read by a stream or not) fails that
download and keeps its streams' bookmarks, the other download goes on, and a rerun gets
every row; each download asks only for its own streams' columns. About 2 s per run on a
quiet machine."""

from __future__ import annotations

import pytest
import requests

from sandbox.usaspending import SOURCE
from tests.singer_run import run_tap, selected_catalog

TAP = "tap-usaspending-download"
AWARDS, TRANSACTIONS = "contracts_prime_award_summaries", "contracts_prime_transactions"


def selecting(config, *streams):
    """``config`` with only ``streams`` selected (the SDK's ``select`` setting is Meltano's;
    a catalog is what a plain run takes)."""
    from tap_usaspending_download.tap import TapUSAspendingDownload

    return selected_catalog(TapUSAspendingDownload, config, *streams)


def bookmark(run, stream):
    return run.last_state["bookmarks"].get(stream, {}).get("replication_key_value")


def download_of(app, kind):
    return next(job for job in app.jobs.values() if job.kind == kind)


@pytest.mark.parametrize(
    ("file", "fault"),
    [
        ("Contracts_PrimeAwardSummaries", "fewer"),
        ("Contracts_PrimeAwardSummaries", "header only"),
        ("Contracts_PrimeAwardSummaries", "more"),
        ("Assistance_Subawards", "fewer"),  # in the zip, read by no selected stream
    ],
)
def test_a_miscounted_download_fails_alone_and_a_rerun_gets_every_row(usa, config, file, fault):
    usa.app.row_faults = {file: fault}
    config = {**config, "end_date": "2025-01-31"}  # one window: one download of each kind
    catalog = selecting(config, AWARDS, TRANSACTIONS)
    run = run_tap(TAP, config, catalog=catalog)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    job = download_of(usa.app, "awards")
    rows = len(usa.app.matching(SOURCE[file], job.filters))
    held = job.rows + {"fewer": -max(1, rows // 10), "header only": -rows, "more": 3}[fault]
    failed = [line for line in run.stderr.splitlines() if "Failed download awards" in line]
    assert len(failed) == 1
    assert f"Download {job.file_name} (awards, 2024-01-01 to 2025-01-31)" in failed[0]
    declared = f"USAspending declared {job.rows:,} rows (total_rows), its files held {held:,}"
    assert declared in failed[0]
    assert bookmark(run, AWARDS) is None  # kept: this was its first sync
    assert bookmark(run, TRANSACTIONS) is not None  # the other download went on
    assert run.counts[TRANSACTIONS] == 300

    rerun = run_tap(TAP, config, state=run.last_state, catalog=catalog)
    assert rerun.returncode == 0, rerun.stderr
    awards = len(usa.app.matching("contract_awards", job.filters))
    assert rerun.counts[AWARDS] == awards
    assert bookmark(rerun, AWARDS) is not None


def test_award_and_transaction_streams_each_ask_their_own_columns(usa, config):
    wanted = ["award_id_piid", "action_date", "subaward_amount", "total_outlayed_amount"]
    streams = (AWARDS, TRANSACTIONS, "contracts_subawards")
    run = run_tap(TAP, {**config, "columns": wanted}, catalog=selecting(config, *streams))
    assert run.returncode == 0, run.stderr
    asked = {job.kind: job.columns for job in usa.app.jobs.values()}
    assert asked == {  # subawards ride along in the awards zip
        "awards": [
            "award_id_piid",
            "subaward_amount",
            "total_outlayed_amount",
            "contract_award_unique_key",
            "prime_award_unique_key",
            "subaward_number",
        ],
        "transactions": ["award_id_piid", "action_date", "contract_transaction_unique_key"],
    }
    fields = {stream: set(run.records[stream][0]) - {"time_period_end"} for stream in streams}
    assert fields == {
        AWARDS: {"award_id_piid", "total_outlayed_amount", "contract_award_unique_key"},
        TRANSACTIONS: {"award_id_piid", "action_date", "contract_transaction_unique_key"},
        "contracts_subawards": {"subaward_amount", "prime_award_unique_key", "subaward_number"},
    }
    assert run.counts["contracts_subawards"] == 40


def test_an_unknown_column_is_refused_naming_the_columns_setting(usa, config):
    run = run_tap(TAP, {**config, "columns": ["action_date", "bogus"]})
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "Unknown columns: ['bogus']" in run.stderr
    assert "Check the columns setting" in run.stderr
    assert "filters" not in run.stderr.split("Unknown columns")[1].splitlines()[0]


def test_the_stand_in_refuses_another_downloads_columns(usa):
    body = {"filters": {"award_type_codes": ["A"]}, "columns": ["contract_transaction_unique_key"]}
    answer = requests.post(f"{usa.url}/api/v2/download/awards/", json=body, timeout=5)
    assert answer.status_code == 400
    assert answer.json() == {"detail": "Unknown columns: ['contract_transaction_unique_key']"}
    allowed = requests.post(f"{usa.url}/api/v2/download/transactions/", json=body, timeout=5)
    assert allowed.status_code == 200
