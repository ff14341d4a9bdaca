"""The benchmark at its smoke size, so it cannot rot, and the proof that nothing is lost:
each tap in RECORD and in BATCH mode emits exactly the generated rows (BATCH: the rows in
the files it announced), and through Meltano the rows landed in PostgreSQL (RECORD and
BATCH mode) and in DuckDB equal the rows emitted. No timing is asserted. The SDK-defaults
runner and the concurrency measure are left to full runs (they only add time here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.meltano_run import ROOT

ROWS = 2000  # the bench's "smoke" size
TAPS = ("scantrust", "mews", "usaspending")
RUNNERS = ("record", "batch", "baseline", "baseline-msgspec")


@pytest.mark.e2e
def test_benchmark_smoke_run_loses_nothing(tmp_path):
    out = tmp_path / "bench.json"
    command = [
        *(sys.executable, "-m", "bench", "--sizes", "smoke", "--json-out", str(out)),
        *("--runners", ",".join((*RUNNERS, "peer")), "--no-concurrency", "--e2e-taps", "mews"),
    ]
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(out.read_text())

    runs = {(r["tap"], r["runner"]): r for r in report["runs"]}
    for tap in TAPS:
        for runner in RUNNERS:
            run = runs[(tap, runner)]
            assert (run["records"], run["returncode"]) == (ROWS, 0), (tap, runner)
            assert run["records_per_second"] > 0
            assert run["peak_rss_mb"] > 0
        assert runs[(tap, "batch")]["batch_files"] == 1  # 2000 rows < batch_size
    assert runs[("mews", "peer")]["records"] == ROWS  # the same four files, from disk

    loads = report["e2e"]["mews"]["modes"]
    landed = {mode: load["rows"] for mode, load in loads.items()}
    assert landed == {"postgres-record": ROWS, "postgres-batch": ROWS, "duckdb-record": ROWS}
    assert loads["postgres-batch"]["emitted"] == ROWS  # it really ran in BATCH mode

    assert report["checks"] and all(check["ok"] for check in report["checks"])
    assert "nothing lost: " in completed.stdout and "x baseline-msgspec" in completed.stdout


def _run(tap: str, runner: str, records: int, rows: int = ROWS) -> dict:
    return {"tap": tap, "rows": rows, "runner": runner, "records": records, "returncode": 0}


def test_count_checks_flag_every_lost_row():
    from bench.targets import count_checks

    report = {
        "runs": [_run("mews", "record", ROWS), _run("mews", "batch", ROWS - 1)],
        "e2e": {
            "mews": {
                "generated_rows": ROWS,
                "modes": {
                    "postgres-record": {"rows": ROWS, "emitted": None},
                    "postgres-batch": {"rows": ROWS - 2, "emitted": ROWS},
                },
            }
        },
    }
    failed = [c["what"] for c in count_checks(report) if not c["ok"]]
    assert failed == [
        "mews 2000 batch: records = generated rows",
        "mews 2000 batch: rows in files = RECORD mode",
        "mews 2000 meltano postgres-batch: rows landed = rows emitted",
    ]


def test_batch_rows_are_counted_from_the_announced_files(tmp_path):
    import gzip

    from bench.batchfiles import batch_config, count_rows

    config = batch_config(tmp_path / "batches", batch_size=3)
    assert config["storage"]["root"] == (tmp_path / "batches").as_uri()
    paths = [tmp_path / "batches" / f"part-{n}.json.gz" for n in range(2)]
    for path, rows in zip(paths, (3, 2), strict=True):
        with gzip.open(path, "wb") as handle:
            handle.write(b"".join(b'{"a": "x\\ny"}\n' for _ in range(rows)))
    assert count_rows([p.as_uri() for p in paths], remove=True) == 5
    assert not any(p.exists() for p in paths)
