"""Each tap against its stand-in, the stand-in serving a generated large file.

A ``Scenario`` says how to generate a tap's export, serve it and configure the tap;
``tap_runners`` measures the tap (RECORD and BATCH mode, SDK defaults) beside the
baseline loops on that file; ``bench.e2e`` loads the same file through Meltano.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import subprocess
import sys
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

from bench import data
from bench.batchfiles import batch_config
from bench.measure import Measurement, run, select_only
from sandbox.core import SandboxApp, start
from sandbox.mews import MewsApp
from sandbox.scantrust import ScantrustApp
from sandbox.usaspending import USAspendingApp
from singer_bulk_export_kit.counts import count_csv_records

BIN = Path(sys.executable).parent
SDK_DEFAULTS = {"TAP_SDK_DEFAULTS": "1"}  # the same tap with the SDK's writer and conformance
JOB_SECONDS = 0.2  # how long the stand-ins keep a job unfinished
POLL_SECONDS = 0.1
RUNNERS = ("record", "batch", "sdk-defaults", "baseline", "baseline-msgspec", "peer")


@functools.cache
def records_in(path: Path) -> int:
    """The CSV records of a generated zip: what its stand-in declares for it."""
    return sum(count_csv_records(path, {}, str(path)).values())


class BenchScantrust(ScantrustApp):
    """Every search result is the generated zip; ``campaigns`` extra campaign ids."""

    def __init__(self, big_zip: Path, campaigns: int = 1, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.big_zip = big_zip
        for campaign in range(201, 201 + campaigns):
            self.codes[campaign] = []

    def _zip_for(self, document: t.Any) -> Path:
        return self.big_zip

    def _document_json(self, document: t.Any) -> dict[str, t.Any]:
        answer = super()._document_json(document)
        if answer["status"] == "complete":  # the row_count of the zip served instead
            answer["row_count"] = records_in(self.big_zip)
        return answer


class BenchMews(MewsApp):
    def __init__(self, files: list[Path], **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.big_files = files

    def _write_files(self, export: t.Any) -> None:
        export.files = list(self.big_files)
        export.expires_utc = "2099-01-01T00:00:00Z"


class BenchUSAspending(USAspendingApp):
    def __init__(self, big_zip: Path, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.big_zip = big_zip

    def transaction_count(self, filters: dict[str, t.Any]) -> int:
        return 0  # never over the row limit: one download per window

    def _write(self, job: t.Any) -> None:
        job.path = self.big_zip
        job.rows = records_in(self.big_zip)  # total_rows


@dataclass(frozen=True)
class Scenario:
    name: str
    executable: str
    stream: str
    baseline_kind: str  # how bench.baseline reads the files: csvzip or jsonl
    export: t.Callable[[int, Path], list[Path]]  # (rows, cache) -> generated files
    app: t.Callable[[list[Path]], SandboxApp]  # the stand-in serving them
    settings: t.Callable[[t.Any, Path], dict[str, t.Any]]  # (running app, workdir) -> config


def _scantrust_settings(app: t.Any, workdir: Path) -> dict[str, t.Any]:
    return {**app.demo_config(), "campaign_ids": [201], "poll_interval_seconds": POLL_SECONDS}


def _mews_settings(app: t.Any, workdir: Path) -> dict[str, t.Any]:
    """OrderItem only, no start_date: one export holding the whole generated file set."""
    config = {
        **app.demo_config(),
        "entity_types": ["OrderItem"],
        "poll_interval_seconds": POLL_SECONDS,
        "journal_path": str(workdir / "mews-journal.json"),
    }
    config.pop("start_date")
    return config


def _usaspending_settings(app: t.Any, workdir: Path) -> dict[str, t.Any]:
    today = dt.date.today().isoformat()  # one window, so one download
    return {**app.demo_config(), "start_date": today, "poll_interval_seconds": POLL_SECONDS}


SCENARIOS = {
    "scantrust": Scenario(
        "scantrust",
        "tap-scantrust",
        "codes",
        "csvzip",
        lambda rows, cache: [data.scantrust_zip(cache / f"scantrust-{rows}.zip", rows)],
        lambda files: BenchScantrust(files[0], job_seconds=JOB_SECONDS),
        _scantrust_settings,
    ),
    "mews": Scenario(
        "mews",
        "tap-mews-exports",
        "order_items",
        "jsonl",
        lambda rows, cache: data.mews_files(cache / "mews", rows, files=4),
        lambda files: BenchMews(files, job_seconds=JOB_SECONDS),
        _mews_settings,
    ),
    "usaspending": Scenario(
        "usaspending",
        "tap-usaspending-download",
        "contracts_prime_transactions",
        "csvzip",
        lambda rows, cache: [data.usaspending_zip(cache / f"usaspending-typed-{rows}.zip", rows)],
        lambda files: BenchUSAspending(files[0], job_seconds=JOB_SECONDS),
        _usaspending_settings,
    ),
}


def _tap(
    name: str, config: dict, stream: str, workdir: Path, env: dict | None = None
) -> Measurement:
    config_path = workdir / f"{name}.json"
    config_path.write_text(json.dumps(config))
    discovered = subprocess.run(
        [str(BIN / name), "--config", str(config_path), "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    catalog_path = workdir / f"{name}-catalog.json"
    catalog_path.write_text(json.dumps(select_only(json.loads(discovered.stdout), stream)))
    command = [str(BIN / name), "--config", str(config_path), "--catalog", str(catalog_path)]
    return run(command, stream, env)


def baseline(kind: str, stream: str, paths: list[Path], fast: bool = False) -> Measurement:
    flavour = ["--msgspec"] if fast else []
    command = [sys.executable, "-m", "bench.baseline", *flavour, kind, stream, *map(str, paths)]
    return run(command, stream)


def tap_runners(
    scenario: Scenario,
    rows: int,
    cache: Path,
    workdir: Path,
    runners: t.Sequence[str] = RUNNERS,
    repeat: int = 1,
) -> dict[str, Measurement]:
    """The chosen runners on one generated export, in the order of ``RUNNERS``, each
    ``repeat`` times in turn, keeping the fastest run (a shared machine only ever slows
    a run down) unless the runs disagree on the count (then the short one, so it shows)."""
    files = scenario.export(rows, cache)
    tries: dict[str, list[Measurement]] = {}
    with start(scenario.app(files)) as server:
        for attempt in range(repeat):
            for runner in (r for r in RUNNERS if r in runners):
                measured = _runner(scenario, runner, files, server.app, workdir, rows, attempt)
                if measured is not None:
                    tries.setdefault(runner, []).append(measured)
    return {runner: _best(measured) for runner, measured in tries.items()}


def _runner(
    scenario: Scenario,
    runner: str,
    files: list[Path],
    app: t.Any,
    workdir: Path,
    rows: int,
    attempt: int,
) -> Measurement | None:
    if runner in ("baseline", "baseline-msgspec"):
        return baseline(scenario.baseline_kind, scenario.stream, files, runner != "baseline")
    if runner == "peer":
        return peer_tap_jsonl(files, workdir) if scenario.baseline_kind == "jsonl" else None
    rundir = workdir / f"{scenario.name}-{rows}-{runner}-{attempt}"
    rundir.mkdir(parents=True, exist_ok=True)
    config = scenario.settings(app, rundir)
    if runner == "batch":
        config["batch_config"] = batch_config(rundir / "batches")
    env = SDK_DEFAULTS if runner == "sdk-defaults" else None
    return _tap(scenario.executable, config, scenario.stream, rundir, env)


def _best(measured: list[Measurement]) -> Measurement:
    if len({(m.records, m.returncode) for m in measured}) > 1:
        return min(measured, key=lambda m: (m.returncode == 0, m.records))
    return max(measured, key=lambda m: m.records_per_second)


def peer_tap_jsonl(files: list[Path], workdir: Path) -> Measurement | None:
    """The SDK's tap-jsonl reading the same files (installed in its own venv)."""
    venv = Path(__file__).resolve().parent.parent / ".bench-venvs" / "tap-jsonl"
    executable = venv / "bin" / "tap-jsonl"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        installed = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "tap-jsonl==0.3.1"],
            capture_output=True,
            check=False,
        )
        if installed.returncode != 0:
            return None
    # tap-jsonl takes a glob: it reads the same parts, from disk.
    pattern = str(files[0].parent / files[0].name.replace("-0.jsonl", "-*.jsonl"))
    config = workdir / "tap-jsonl.json"
    config.write_text(json.dumps({"path": pattern, "stream_name": "order_items"}))
    return run([str(executable), "--config", str(config)], "order_items")


def concurrency(
    partitions: int, job_seconds: float, cache: Path, workdir: Path
) -> dict[str, float]:
    big = data.scantrust_zip(cache / "scantrust-1000.zip", 1000)
    with start(BenchScantrust(big, campaigns=partitions, job_seconds=job_seconds)) as server:
        config = {
            **server.app.demo_config(),
            "campaign_ids": list(range(201, 201 + partitions)),
            "poll_interval_seconds": POLL_SECONDS,
        }
        began = time.perf_counter()
        result = _tap("tap-scantrust", config, "codes", workdir)
        wall = time.perf_counter() - began
    return {
        "partitions": partitions,
        "job_seconds": job_seconds,
        "wall": wall,
        "wall_over_job": wall / job_seconds,
        "records": result.records,
    }
