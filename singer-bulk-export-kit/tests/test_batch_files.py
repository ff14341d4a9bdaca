"""BatchFiles compresses on a background thread: the files stay valid gzip with every row
in order, a writer error reaches the caller, a discarded file is never announced, and a
slow storage makes the encoder wait rather than pile up chunks in memory."""

from __future__ import annotations

import contextlib
import gzip
import json
import secrets
import threading
import time
import typing as t
from types import SimpleNamespace
from urllib.parse import unquote, urlparse

import pytest
from singer_sdk import BatchSink, Target
from singer_sdk import typing as th

from singer_bulk_export_kit import batch as batch_module
from singer_bulk_export_kit.batch import BatchFiles

SCHEMA = th.PropertiesList(
    th.Property("id", th.IntegerType), th.Property("text", th.StringType)
).to_dict()


class CollectingSink(BatchSink):
    def process_batch(self, context: dict) -> None:
        self.collected: list[dict] = [*getattr(self, "collected", []), *context["records"]]


class CollectingTarget(Target):
    name = "target-collecting"
    config_jsonschema = th.PropertiesList().to_dict()
    default_sink_class = CollectingSink


def sdk_sink(folder) -> CollectingSink:
    """A target's sink configured for gzip'd JSON Lines BATCH files in ``folder``."""
    config = {
        "batch_config": {
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "storage": {"root": folder.as_uri()},
            "batch_size": 10,
        }
    }
    target = CollectingTarget(config=config, validate_config=False)
    return CollectingSink(target, "rows", SCHEMA, ["id"])


def rows(count: int) -> list[dict[str, t.Any]]:
    return [{"id": n, "text": f"row {n} " + "x" * (n % 50)} for n in range(count)]


def read_gzip(url: str) -> list[dict]:
    with gzip.open(unquote(urlparse(url).path)) as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of a few rows, so every file goes through the writer thread many times."""
    monkeypatch.setattr(batch_module, "CHUNK_BYTES", 100)


def test_rows_round_trip_in_order_across_cut_files(tmp_path, small_chunks):
    sink = sdk_sink(tmp_path)
    announced: list[list[str]] = []
    files = BatchFiles(
        tap_name="tap-x", stream_name="rows", config=sink.batch_config, announce=announced.append
    )
    written = rows(95)
    for row in written[:25]:
        files.add(row)
    files.cut()  # a window ends mid-file: a short file
    for row in written[25:]:
        files.add(row)
    files.cut()
    files.cut()  # nothing open: no empty file
    files.discard()  # after a clean finish: nothing to do

    assert [len(read_gzip(manifest[0])) for manifest in announced] == [10, 10, 5] + [10] * 7
    assert [row for manifest in announced for row in read_gzip(manifest[0])] == written
    sink.process_batch_files(sink.batch_config.encoding, [m[0] for m in announced])
    assert sink.collected == written
    assert not [thread for thread in threading.enumerate() if thread.name == "batch-gzip"]


class FailingStorage:
    """A storage whose files fail on the ``fail_at``-th write."""

    prefix = ""

    def __init__(self, fail_at: int, error: Exception) -> None:
        self.fail_at = fail_at
        self.error = error
        self.writes = 0
        self.opened: list[str] = []
        self.closed: list[str] = []

    @contextlib.contextmanager
    def open(self, name: str, mode: str) -> t.Iterator[t.Any]:
        self.opened.append(name)
        storage = self

        class File:
            def write(self, data: bytes) -> int:
                storage.writes += 1
                if storage.writes >= storage.fail_at:
                    raise storage.error
                return len(data)

        try:
            yield File()
        finally:
            self.closed.append(name)

    def get_url(self, name: str) -> str:
        return f"file:///nowhere/{name}"


def batch_config(storage: t.Any, batch_size: int = 1000) -> t.Any:
    encoding = SimpleNamespace(format="jsonl", compression="gzip")
    return SimpleNamespace(storage=storage, batch_size=batch_size, encoding=encoding)


def test_a_write_error_in_the_writer_thread_surfaces_in_add(small_chunks):
    error = OSError(28, "No space left on device")
    storage = FailingStorage(fail_at=3, error=error)
    announced: list[list[str]] = []
    files = BatchFiles(
        tap_name="t", stream_name="s", config=batch_config(storage), announce=announced.append
    )
    # Random text: zlib hands out compressed blocks (so the storage sees writes) early.
    random_rows = [{"id": n, "text": secrets.token_hex(64)} for n in range(20_000)]
    with pytest.raises(OSError) as raised:
        for row in random_rows:
            files.add(row)
    assert raised.value is error
    files.discard()
    assert announced == []
    assert storage.closed == storage.opened


def test_a_write_error_while_finishing_surfaces_in_cut():
    error = OSError(5, "Input/output error")
    storage = FailingStorage(fail_at=1, error=error)  # the first write (at cut) fails
    announced: list[list[str]] = []
    files = BatchFiles(
        tap_name="t", stream_name="s", config=batch_config(storage), announce=announced.append
    )
    files.add({"id": 1})
    with pytest.raises(OSError) as raised:
        files.cut()
    assert raised.value is error
    with pytest.raises(OSError):  # still there if the caller tries again
        files.cut()
    files.discard()
    assert announced == []
    assert storage.closed == storage.opened


def test_discard_stops_the_writer_and_never_announces(tmp_path, small_chunks):
    sink = sdk_sink(tmp_path)
    config = SimpleNamespace(
        storage=sink.batch_config.storage, batch_size=1000, encoding=sink.batch_config.encoding
    )
    announced: list[list[str]] = []
    files = BatchFiles(tap_name="t", stream_name="s", config=config, announce=announced.append)
    for row in rows(200):
        files.add(row)
    files.discard()
    assert announced == []
    assert not [thread for thread in threading.enumerate() if thread.name == "batch-gzip"]
    # The next rows go to a new file, announced as usual.
    files.add({"id": 1, "text": "after"})
    files.cut()
    assert [read_gzip(manifest[0]) for manifest in announced] == [[{"id": 1, "text": "after"}]]


class SlowStorage:
    """A storage whose writes wait until ``release`` is set."""

    prefix = ""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.written = 0

    @contextlib.contextmanager
    def open(self, name: str, mode: str) -> t.Iterator[t.Any]:
        storage = self

        class File:
            def write(self, data: bytes) -> int:
                storage.release.wait()
                storage.written += len(data)
                return len(data)

        yield File()

    def get_url(self, name: str) -> str:
        return f"file:///nowhere/{name}"


def test_a_slow_storage_makes_the_encoder_wait(small_chunks):
    storage = SlowStorage()
    announced: list[list[str]] = []
    files = BatchFiles(
        tap_name="t", stream_name="s", config=batch_config(storage), announce=announced.append
    )
    added_bytes = 0

    def produce() -> None:
        nonlocal added_bytes
        for row in rows(1000):
            files.add(row)
            added_bytes += len(json.dumps(row, separators=(",", ":"))) + 1

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    time.sleep(0.5)
    # One chunk in the writer's hands, QUEUED_CHUNKS waiting, one being put and one
    # being filled: the producer is blocked long before the 1000 rows.
    assert producer.is_alive()
    assert files._writer is not None
    assert files._writer.chunks.qsize() <= batch_module.QUEUED_CHUNKS
    longest_row = 100
    chunks_held = batch_module.QUEUED_CHUNKS + 3
    assert added_bytes <= chunks_held * (batch_module.CHUNK_BYTES + longest_row)
    storage.release.set()
    producer.join(10)
    assert not producer.is_alive()
    files.cut()
    assert len(announced) == 1
    assert storage.written > 0
