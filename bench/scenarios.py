"""Each tap against its stand-in, the stand-in serving a generated large file."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

from bench import data
from bench.measure import Measurement, run, select_only
from sandbox.core import start
from sandbox.mews import MewsApp
from sandbox.scantrust import ScantrustApp
from sandbox.usaspending import USAspendingApp

BIN = Path(sys.executable).parent
SDK_DEFAULTS = {"TAP_SDK_DEFAULTS": "1"}  # the same tap with the SDK's writer and conformance


class BenchScantrust(ScantrustApp):
    """Every search result is the generated zip; ``campaigns`` extra campaign ids."""

    def __init__(self, big_zip: Path, campaigns: int = 1, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.big_zip = big_zip
        for campaign in range(201, 201 + campaigns):
            self.codes[campaign] = []

    def _zip_for(self, document: t.Any) -> Path:
        return self.big_zip


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
        return 0

    def _write(self, job: t.Any) -> None:
        job.path = self.big_zip


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


def baselines(kind: str, stream: str, paths: list[Path]) -> dict[str, Measurement]:
    return {
        "baseline": baseline(kind, stream, paths),
        "baseline-msgspec": baseline(kind, stream, paths, fast=True),
    }


def scantrust(
    rows: int, cache: Path, workdir: Path, env: dict | None = None
) -> dict[str, Measurement]:
    big = data.scantrust_zip(cache / f"scantrust-{rows}.zip", rows)
    with start(BenchScantrust(big, job_seconds=0.2)) as server:
        config = {**server.app.demo_config(), "campaign_ids": [201], "poll_interval_seconds": 0.1}
        tap = _tap("tap-scantrust", config, "codes", workdir, env)
        defaults = _tap("tap-scantrust", config, "codes", workdir, SDK_DEFAULTS)
    return {"tap": tap, "sdk-defaults": defaults, **baselines("csvzip", "codes", [big])}


def _mews_config(app: BenchMews, journal: Path, poll_seconds: float) -> dict[str, t.Any]:
    """OrderItem only, no start_date: one export holding the whole generated file set."""
    config = {
        **app.demo_config(),
        "entity_types": ["OrderItem"],
        "poll_interval_seconds": poll_seconds,
        "journal_path": str(journal),
    }
    config.pop("start_date")
    return config


def mews(rows: int, cache: Path, workdir: Path, env: dict | None = None) -> dict[str, Measurement]:
    files = data.mews_files(cache / "mews", rows, files=4)
    with start(BenchMews(files, job_seconds=0.2)) as server:
        config = _mews_config(server.app, workdir / "journal.json", poll_seconds=0.1)
        tap = _tap("tap-mews-exports", config, "order_items", workdir, env)
        defaults = _tap("tap-mews-exports", config, "order_items", workdir, SDK_DEFAULTS)
    result = {
        "tap": tap,
        "sdk-defaults": defaults,
        **baselines("jsonl", "order_items", files),
    }
    peer = peer_tap_jsonl(files, workdir)
    if peer is not None:
        result["peer"] = peer
    return result


def usaspending(
    rows: int, cache: Path, workdir: Path, env: dict | None = None
) -> dict[str, Measurement]:
    big = data.usaspending_zip(cache / f"usaspending-{rows}.zip", rows)
    with start(BenchUSAspending(big, job_seconds=0.2)) as server:
        today = dt.date.today().isoformat()
        config = {**server.app.demo_config(), "start_date": today, "poll_interval_seconds": 0.1}
        stream = "contracts_prime_transactions"
        tap = _tap("tap-usaspending-download", config, stream, workdir, env)
        defaults = _tap("tap-usaspending-download", config, stream, workdir, SDK_DEFAULTS)
    return {"tap": tap, "sdk-defaults": defaults, **baselines("csvzip", stream, [big])}


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
            "poll_interval_seconds": 0.1,
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


def postgres_load(rows: int, cache: Path, workdir: Path) -> dict[str, float]:
    import psycopg

    from tests.fixtures import PG_DSN
    from tests.meltano_run import MeltanoProject
    from tests.warehouse import pg_counts

    files = data.mews_files(cache / "mews", rows, files=4)
    schema = f"bench_{int(time.time())}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with start(BenchMews(files, job_seconds=0.2)) as server:
            config = _mews_config(server.app, workdir / "pj.json", poll_seconds=1)
            project = MeltanoProject(workdir / "meltano")
            began = time.perf_counter()
            project.load(
                "tap-mews-exports",
                "target-postgres",
                tap_settings=config,
                target_settings={"default_target_schema": schema},
            )
            wall = time.perf_counter() - began
        loaded = pg_counts(schema).get("order_items", 0)
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return {"rows": loaded, "wall": wall, "rows_per_second": loaded / wall}


SCENARIOS = {"scantrust": scantrust, "mews": mews, "usaspending": usaspending}
__all__ = ["SCENARIOS", "concurrency", "postgres_load", "tempfile"]
