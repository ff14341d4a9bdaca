"""Every place the kit replaces, calls or reads a private part of singer-sdk, in one module.

The SDK does not promise these stay the same between releases, so ``SDK_PRIVATE_SOURCES``
fingerprints the source of each one as it was when the overrides were written (a private
attribute, ``SDK_PRIVATE_ATTRIBUTES``, by the source that sets it), and
``tests/test_sdk_overrides.py`` fails when an SDK release changes one. No other module of
the kit nor any tap names a private SDK part (``tests/test_private_names.py``).
``TAP_SDK_DEFAULTS=1`` turns the speed levers off (for the benchmark and a test proving the
records are the same).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import logging
import os
import signal
import sys
import typing as t
from functools import cached_property

import singer_sdk.singerlib as singer
from singer_sdk import Stream, Tap
from singer_sdk.contrib.msgspec import encoder as msgspec_encoder
from singer_sdk.helpers import _util as _sdk_util
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.io_base import SingerWriter
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.plugin_base import PluginBase

from singer_bulk_export_kit.record_form import RecordForm
from singer_bulk_export_kit.stdout import STDOUT, BufferedWriter

if t.TYPE_CHECKING:
    from types import FrameType

    from singer_bulk_export_kit.batch import BatchFiles
    from singer_bulk_export_kit.tap import KitTap

    _Stream = Stream  # the mixins below are only ever mixed into SDK streams
else:
    _Stream = object

SDK_DEFAULTS = os.environ.get("TAP_SDK_DEFAULTS") == "1"
COUNT_EVERY_MASK = 1023  # the lean loop adds to the record counter every 1,024 rows
WRITER = SingerWriter if SDK_DEFAULTS else BufferedWriter
CONFORMANCE = TypeConformanceLevel.RECURSIVE if SDK_DEFAULTS else TypeConformanceLevel.NONE

# The SDK internals replaced or called below: the start of the sha256 of their source in
# singer-sdk 0.54.9.
SDK_PRIVATE_SOURCES: dict[tuple[t.Any, str], str] = {
    (Stream, "__init__"): "d688dac686f01d3b",  # sets _tap and _stream_version
    (Stream, "sync"): "6b4262dcdddf22b4",  # sets _stream_version; logs SDK_SYNC_FAILURE_LINE
    (Stream, "_generate_record_messages"): "9b5f9fbcdedb7a1a",
    (Stream, "_increment_stream_state"): "cabc0edb2fd4f000",
    (Stream, "_sync_records"): "8928dc7f50e9bf57",
    (Stream, "_sync_batches"): "a42df0f3a08779dc",
    (Stream, "get_batches"): "a30339d2f28a2f9b",
    (Stream, "_write_batch_message"): "a92596532ab9daed",
    (Stream, "_finalize_state"): "e08e1d0714a904b2",
    (Stream, "_get_state_partition_context"): "e621b72985cafacf",
    (Stream, "_write_starting_replication_value"): "0a24e5d05cd5353c",
    (Stream, "_write_state_message"): "f82ecd8d16986823",
    (Tap, "_handle_termination"): "2bb79ae47769883a",
    (PluginBase, "_handle_termination"): "d467c7407cf55b00",
    (_sdk_util, "utc_now"): "79d85139ddece0a3",
}
# Private attributes read here: name -> the fingerprinted source that sets them.
SDK_PRIVATE_ATTRIBUTES = {"_tap": (Stream, "__init__"), "_stream_version": (Stream, "sync")}
# The SDK's line logged before it re-raises any error of a stream's sync (``Stream.sync``).
SDK_SYNC_FAILURE_LINE = "An unhandled error occurred while syncing"
SDK_CONFIG_FAILURE_LINE = "Config validation failed"  # the settings check names the setting


def source_fingerprint(owner: t.Any, name: str) -> str:
    source = inspect.getsource(getattr(owner, name))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


class KitStream(_Stream):
    """Stream mixin of every kit stream: ``tap``, the tap the stream belongs to."""

    @property
    def tap(self) -> KitTap:
        return self._tap  # type: ignore[return-value]  # the SDK keeps it private


class FastRecordMessages(_Stream):
    """Stream mixin: RECORD messages straight from the record when the SDK's per-record
    work (deselection walk, type conformance) would change nothing. Mirrors
    ``Stream._generate_record_messages``."""

    TYPE_CONFORMANCE_LEVEL = CONFORMANCE  # rows are typed by the tap itself, once

    @cached_property
    def _sdk_record_work_is_a_no_op(self) -> bool:
        return self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.NONE and all(self.mask.values())

    def _generate_record_messages(self, record: dict) -> t.Iterator[singer.RecordMessage]:
        if SDK_DEFAULTS or not self._sdk_record_work_is_a_no_op:
            yield from super()._generate_record_messages(record)
            return
        for stream_map in self.stream_maps:
            if (mapped := stream_map.transform(record)) is not None:
                yield singer.RecordMessage(
                    stream_map.stream_alias, mapped, self._stream_version, _sdk_util.utc_now()
                )


class WindowBookmarks(_Stream):
    """Stream mixin: rows come in file order, not sorted by the replication key, so the
    bookmark moves only when every row of a window went out (``finish_window``)."""

    _open_batch: BatchFiles | None = None  # the kit's BATCH file being written, if any

    def _increment_stream_state(self, latest_record: dict, *, context: t.Any = None) -> None:
        """No per-record bookkeeping."""

    def finish_window(self, state: dict, value: str) -> None:
        """Every row up to ``value`` was emitted: move ``state``'s bookmark there. In BATCH
        mode the open file is announced first: no STATE covers a row outside a finished file."""
        if self._open_batch is not None:
            self._open_batch.cut()
        state.pop("progress_markers", None)  # the bookmark is the window, not a row value
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = value
        self.write_state_now()

    def write_state_now(self) -> None:
        self.state_manager.is_flushed = False
        self._write_state_message()


class FastSync(KitStream, FastRecordMessages, WindowBookmarks):
    """Stream mixin for rows the tap typed itself: a lean replacement of the SDK's
    per-record loop (``_sync_records``: post_process, partition keys, one msgspec line
    written to a buffered stdout, no message object, no flush per row: see ``stdout.py``)
    and BATCH files straight from the rows (``get_batches``), JSON lines passed through as
    they are where the stream can (``record_form``). Taken only when nothing would differ
    (see ``_fast_sync_possible``); otherwise the SDK's own path runs."""

    _taken_form = RecordForm.DICT  # what the kit's writer running now takes

    def _fast_sync_possible(self) -> bool:
        maps = self.stream_maps
        return (
            not SDK_DEFAULTS
            and self._sdk_record_work_is_a_no_op
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and maps[0].stream_alias == self.name
            and not self.child_streams
            and self.ABORT_AT_RECORD_COUNT is None  # --test
            and isinstance(self.tap.message_writer, BufferedWriter)
        )

    @property
    def record_form(self) -> RecordForm:
        """The richest ``RecordForm`` ``get_records`` may yield now: ``STRUCT`` while the
        lean loop takes the rows, ``LINE`` while the kit's BATCH writer does, ``DICT``
        otherwise and for a partitioned stream (its rows get partition keys added)."""
        return RecordForm.DICT if self.partitions else self._taken_form

    def typed_rows(self, context: dict | None) -> t.Iterator[t.Any]:
        """Every row of every partition as ``_sync_records`` would see it (a row that is not
        a plain dict as ``get_records`` made it), with the state finalised per partition as
        the SDK does."""
        contexts = [context] if context is not None else self.partitions
        for element in contexts or [{}]:
            current = element or None
            partition = self._get_state_partition_context(current)
            self._write_starting_replication_value(current)
            keys = list((partition or {}).items())
            for row in self.get_records(current):
                if row.__class__ is not dict:  # final already (see RecordForm)
                    yield row
                    continue
                if (record := self.post_process(row, current)) is None:
                    continue
                for key, value in keys:
                    record.setdefault(key, value)
                yield record
            if current == partition:
                self._finalize_state(self.get_context_state(current))
        if not context:
            self._finalize_state(self.stream_state)

    def _sync_records(
        self, context: dict | None = None, *, write_messages: bool = True
    ) -> t.Iterator[dict]:
        if not (write_messages and self._fast_sync_possible()):
            yield from super()._sync_records(context, write_messages=write_messages)
            return
        # Locals, not attribute lookups, for what runs once per row.
        encode_into, write = msgspec_encoder.encode_into, STDOUT.out.write
        now, utc = dt.datetime.now, dt.UTC
        message: dict[str, t.Any] = {"type": "RECORD", "stream": self.name}
        counter, timer = self.get_record_counter(), self.get_sync_timer()
        rows, line = 0, bytearray(256)
        self._taken_form = RecordForm.STRUCT
        with counter, timer:
            try:
                for rows, record in enumerate(self.typed_rows(context), start=1):
                    message["record"] = record
                    message["time_extracted"] = now(utc)
                    encode_into(message, line)
                    line += b"\n"
                    write(line)  # the whole line in one call
                    if not rows & COUNT_EVERY_MASK:  # a method call per row costs
                        counter.increment(COUNT_EVERY_MASK + 1)
                    yield record
            finally:
                self._taken_form = RecordForm.DICT
                counter.increment(rows & COUNT_EVERY_MASK)
                STDOUT.flush()
        self.write_state_now()

    def get_batches(self, batch_config: t.Any, context: dict | None = None) -> t.Iterator[t.Any]:
        """Each BATCH message is written as its file is finished (before any STATE that
        covers its rows), so nothing is yielded to the SDK's batch loop."""
        from singer_bulk_export_kit.batch import BatchFiles

        if not (self._fast_sync_possible() and BatchFiles.supports(batch_config)):
            yield from super().get_batches(batch_config, context)
            return
        batches = self.get_batch_counter()

        def announce(manifest: list[str]) -> None:
            self._write_batch_message(encoding=batch_config.encoding, manifest=manifest)
            batches.increment()

        batch = BatchFiles(
            tap_name=self.tap_name, stream_name=self.name, config=batch_config, announce=announce
        )
        self._open_batch, self._taken_form = batch, RecordForm.LINE
        try:
            with batches, self.get_record_counter() as counter:
                rows = 0  # counted once, not per row (a method call and a clock read each)
                for rows, record in enumerate(self.typed_rows(context), start=1):  # noqa: B007
                    batch.add(record)
                batch.cut()
                counter.increment(rows)
        finally:
            self._open_batch, self._taken_form = None, RecordForm.DICT
            batch.discard()


class NonZeroTermination:
    """Tap mixin: SIGTERM/SIGINT write the state (bookmarks cover finished windows only,
    job ids are journalled already) and exit 128 + signal, so a scheduler that stopped the
    run does not see success (the SDK exits 0)."""

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        tap: t.Any = self
        try:
            tap.state_writer.write_state(tap.state)
        finally:
            logging.getLogger(tap.name).error(
                f"Stopped by {signal.Signals(signum).name}: the state of finished windows was "
                f"written; exiting {128 + signum}"
            )
            sys.exit(128 + signum)


def skip_sdk_failure_line(record: logging.LogRecord) -> bool:
    """Log filter dropping the SDK's SDK_SYNC_FAILURE_LINE and SDK_CONFIG_FAILURE_LINE: an
    expected failure is one line (the tap base logs its cause), an unexpected one its traceback."""
    return not str(record.msg).startswith((SDK_SYNC_FAILURE_LINE, SDK_CONFIG_FAILURE_LINE))
