"""A code file holding fewer or more rows than its document's ``row_count`` (cut at a row
boundary, so it reads cleanly) fails that campaign and keeps its bookmark; a rerun from the
state, the fault gone, gets every code. Real sockets; about 3 s per case."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.singer_run import run_tap

TAP = "tap-scantrust"


def bookmarked(run):
    partitions = run.last_state["bookmarks"]["codes"]["partitions"]
    return {p["context"]["campaign_id"] for p in partitions if p.get("replication_key_value")}


@pytest.mark.parametrize(("fault", "read"), [("fewer", 216), ("header only", 0), ("more", 243)])
def test_a_miscounted_file_fails_its_campaign_and_a_rerun_gets_every_code(
    scantrust, config, only, fault, read
):
    scantrust.app.row_faults = [fault]  # the first file written: campaign 101's (240 codes)
    catalog = only(config, "codes")
    run = run_tap(TAP, config, catalog=catalog)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    named = [line for line in run.stderr.splitlines() if "Failed campaign campaign 101" in line]
    assert len(named) == 1
    assert "Code search task " in named[0]
    assert f"Scantrust declared 240 rows (row_count), its files held {read:,}" in named[0]
    assert bookmarked(run) == {102, 103}  # 101 keeps its (absent) bookmark
    assert Counter(r["campaign_id"] for r in run.records["codes"])[102] == 130

    rerun = run_tap(TAP, config, state=run.last_state, catalog=catalog)
    assert rerun.returncode == 0, rerun.stderr
    assert Counter(r["campaign_id"] for r in rerun.records["codes"])[101] == 240
    assert bookmarked(rerun) == {101, 102, 103}


def test_in_batch_mode_a_miscounted_file_keeps_its_bookmark_too(scantrust, config, only, tmp_path):
    scantrust.app.row_faults = ["fewer"]
    storage = {"root": f"file://{tmp_path}"}
    batch = {"encoding": {"format": "jsonl", "compression": "gzip"}, "storage": storage}
    run = run_tap(TAP, {**config, "batch_config": batch}, catalog=only(config, "codes"))
    assert run.returncode == 1
    assert "Scantrust declared 240 rows (row_count), its files held 216" in run.stderr
    assert bookmarked(run) == {102, 103}
