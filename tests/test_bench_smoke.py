"""The benchmark at its smoke size, so it cannot rot: it must run every scenario and
count exactly the generated rows. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.meltano_run import ROOT

pytestmark = pytest.mark.e2e


def test_benchmark_smoke_run(tmp_path):
    out = tmp_path / "bench.json"
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--sizes", "smoke", "--json-out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(out.read_text())
    runners = {(r["tap"], r["runner"]): r for r in report["runs"]}
    for tap in ("scantrust", "mews", "usaspending"):
        for runner in ("tap", "sdk-defaults", "baseline", "baseline-msgspec"):
            run = runners[(tap, runner)]
            assert run["records"] == 2000, (tap, runner)
            assert run["records_per_second"] > 0
            assert run["peak_rss_mb"] > 0
    assert runners[("mews", "peer")]["records"] == 2000  # the same four files, from disk
    assert report["concurrency"]["records"] == 10 * 1000
    assert report["postgres"]["rows"] == 2000
    assert "x sdk-defaults" in completed.stdout
