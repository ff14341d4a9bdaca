"""The lean sync loop and the BATCH writer emit exactly what the SDK's own path does,
and a STATE message never covers a row that is not in a finished batch file."""

from __future__ import annotations

import gzip
import io
import json
import os
import runpy
import subprocess
import sys
import types
from pathlib import Path
from urllib.parse import urlparse

import pytest

from singer_bulk_export_kit.stdout import SingerStdout

HERE = Path(__file__).resolve().parent


def run(tmp_path, config, env=None, stream="rows", returncode=0, logs=None):
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
                item["metadata"]["selected"] = entry["stream"] == stream
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
    assert done.returncode == returncode, done.stderr
    if logs is not None:
        logs.append(done.stderr)
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


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_the_lean_loop_emits_what_the_sdk_loop_does(tmp_path, unbuffered):
    # Rows enough to fill the kit's stdout buffer several times; with PYTHONUNBUFFERED=1
    # (containers) as without, every STATE comes after the rows it covers.
    config = {**CONFIG, "rows": 1500}
    env = {"PYTHONUNBUFFERED": unbuffered}
    logs: list[str] = []
    fast = run(tmp_path, config, env, logs=logs)
    sdk = run(tmp_path, config, {**env, "TAP_SDK_DEFAULTS": "1"})
    assert "record form: DICT" in logs[0]  # partitioned: partition keys go into dicts
    assert records(fast) == records(sdk)
    assert len(records(fast)) == 2 * 3 * 1500
    seen: list[dict] = []
    for message in fast:
        if message["type"] == "RECORD":
            seen.append(message["record"])
        elif message["type"] == "STATE":
            for partition in message["value"]["bookmarks"].get("rows", {}).get("partitions", []):
                if end := partition.get("replication_key_value"):
                    part = partition["context"]["part"]
                    windows = {r["window_end"] for r in seen if r["part"] == part}
                    assert end in windows, (part, end)
                    assert len([r for r in seen if r["part"] == part]) % 1500 == 0
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


def test_rows_before_an_error_are_still_written(tmp_path):
    messages = run(tmp_path, {**CONFIG, "parts": [1], "rows": 5, "fail_at_row": 3}, returncode=1)
    assert [r["n"] for r in records(messages)] == [0, 1, 2]


def test_lines_of_declared_fields_pass_into_batch_files_as_they_are(tmp_path):
    lines = runpy.run_path(str(HERE / "example_tap.py"))["LINES"]

    folder = tmp_path / "batches"
    batch_config = {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": folder.as_uri()},
    }
    logs: list[str] = []
    in_record_mode = records(run(tmp_path, CONFIG, stream="lines", logs=logs))
    messages = run(tmp_path, {**CONFIG, "batch_config": batch_config}, stream="lines", logs=logs)
    sdk_path = run(tmp_path, CONFIG, {"TAP_SDK_DEFAULTS": "1"}, stream="lines", logs=logs)
    assert records(sdk_path) == in_record_mode
    # The record form get_records was offered: Structs to the lean loop, lines to the
    # kit's BATCH writer, dicts only to the SDK's own loop.
    forms = [log.split("record form: ")[1].split()[0] for log in logs]
    assert forms == ["STRUCT", "LINE", "DICT"]
    [batch] = [m for m in messages if m["type"] == "BATCH"]
    with gzip.open(urlparse(batch["manifest"][0]).path) as handle:
        written = handle.read().splitlines(keepends=True)
    assert [json.loads(line) for line in written] == in_record_mode
    undeclared = {"id": 2, "name": None, "amount": 100.0, "_extra": {"colour": "red"}}
    assert in_record_mode[1] == undeclared
    # Declared-only lines are the provider's bytes (a line ending normalised); the line
    # with an undeclared field was decoded and encoded again, with _extra.
    assert written[0] == lines[0]
    assert written[2] == b'{"id": 3, "name": "tab\\t", "amount": -0.0}\n'
    assert written[3] == lines[4] + b"\n"
    assert b"_extra" in written[1]


class _Trickle(io.RawIOBase):
    """A raw stdout that takes at most 7 bytes a call, as a pipe may."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        self.data += bytes(chunk[:7])
        return min(len(chunk), 7)


def test_a_raw_stdout_gets_a_buffer_that_writes_every_byte(monkeypatch):
    raw = _Trickle()
    monkeypatch.setattr(sys, "stdout", types.SimpleNamespace(buffer=raw, flush=lambda: None))
    out = SingerStdout()
    for _ in range(5):
        out.out.write(b'{"type":"RECORD"}\n')
    assert raw.data == b""  # buffered, not a system call a line
    out.flush()
    assert bytes(raw.data) == b'{"type":"RECORD"}\n' * 5


@pytest.mark.parametrize("compression", ["none", None])
def test_batch_files_declared_uncompressed_are_plain_json_lines(tmp_path, compression):
    encoding = {"format": "jsonl"} | ({"compression": compression} if compression else {})
    config = {
        **CONFIG,
        "batch_config": {"encoding": encoding, "storage": {"root": tmp_path.as_uri()}},
    }
    messages = run(tmp_path, config)
    batches = [m for m in messages if m["type"] == "BATCH"]
    assert batches
    assert all(m["encoding"].get("compression") in (None, "none") for m in batches)
    rows = []
    for message in batches:
        path = Path(urlparse(message["manifest"][0]).path)
        assert path.suffix == ".json"
        rows += [json.loads(line) for line in path.read_bytes().splitlines()]
    assert rows == records(run(tmp_path, CONFIG))
