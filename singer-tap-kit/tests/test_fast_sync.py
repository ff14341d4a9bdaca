"""The lean sync loop and the BATCH writer emit exactly what the SDK's own path does,
and a STATE message never covers a row that is not in a finished batch file."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent


def run(tmp_path, config, env=None):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    catalog = subprocess.run(
        [sys.executable, str(HERE / "example_tap.py"), "--config", str(path), "--discover"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    selected = json.loads(catalog)
    for entry in selected["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["stream"] == "rows"
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(selected))
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "example_tap.py"),
            "--config",
            str(path),
            "--catalog",
            str(catalog_path),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def records(messages):
    return [m["record"] for m in messages if m["type"] == "RECORD"]


def batch_rows(message):
    rows = []
    for url in message["manifest"]:
        with gzip.open(urlparse(url).path) as handle:
            rows += [json.loads(line) for line in handle]
    return rows


CONFIG = {"api_url": "http://unused", "parts": [1, 2], "windows": 3, "rows": 4}


def test_the_lean_loop_emits_what_the_sdk_loop_does(tmp_path):
    fast = run(tmp_path, CONFIG)
    sdk = run(tmp_path, CONFIG, {"TAP_SDK_DEFAULTS": "1"})
    assert records(fast) == records(sdk)
    assert len(records(fast)) == 2 * 3 * 4
    assert [m["value"] for m in fast if m["type"] == "STATE"][-1] == [
        m["value"] for m in sdk if m["type"] == "STATE"
    ][-1]
    first = next(m for m in fast if m["type"] == "RECORD")
    assert first["time_extracted"].endswith(("+00:00", "Z"))


def test_batch_files_hold_exactly_the_record_mode_rows(tmp_path):
    folder = tmp_path / "batches"
    config = {
        **CONFIG,
        "batch_config": {
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "storage": {"root": folder.as_uri()},
            "batch_size": 5,
        },
    }
    messages = run(tmp_path, config)
    assert records(messages) == []
    batches = [m for m in messages if m["type"] == "BATCH"]
    rows = [row for message in batches for row in batch_rows(message)]
    assert rows == records(run(tmp_path, CONFIG))
    # Files are cut at 5 rows and at every window end (4 rows a window).
    assert [len(batch_rows(m)) for m in batches] == [4] * 6
    # Every STATE bookmark is covered by the batches announced before it.
    announced: list[dict] = []
    for message in messages:
        if message["type"] == "BATCH":
            announced += batch_rows(message)
        elif message["type"] == "STATE":
            for partition in message["value"]["bookmarks"].get("rows", {}).get("partitions", []):
                end = partition.get("replication_key_value")
                if end:
                    part = partition["context"]["part"]
                    covered = [r for r in announced if r["part"] == part and r["window_end"] == end]
                    assert len(covered) == 4, (part, end)
