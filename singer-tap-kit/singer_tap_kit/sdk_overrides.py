"""Every place the kit replaces or calls a private part of singer-sdk, in one module.

The SDK does not promise these stay the same between releases, so
``SDK_PRIVATE_SOURCES`` records a fingerprint of the source of each one as it was
when these overrides were written, and the kit's tests fail loudly when an SDK release
changes one (``tests/test_sdk_overrides.py``): read the new source, adapt the override,
then refresh the fingerprint. The SDK range is pinned in pyproject.toml to match.

What is here:
- the speed levers (msgspec writer, no recursive type conformance, the RECORD message
  built straight from the record when the SDK's per-record work would change nothing);
- bookmarks that move once per finished window, not per record;
- a termination signal that flushes the state and exits non-zero (the SDK exits 0, so
  a scheduler that stopped a run would see success).

``TAP_SDK_DEFAULTS=1`` turns the speed levers off (for the benchmark's comparison and a
test proving the records are the same either way).
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
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.contrib.msgspec import encoder as msgspec_encoder
from singer_sdk.helpers import _util as _sdk_util
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.io_base import SingerWriter
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.plugin_base import PluginBase

if t.TYPE_CHECKING:
    from types import FrameType

SDK_DEFAULTS = os.environ.get("TAP_SDK_DEFAULTS") == "1"
WRITER = SingerWriter if SDK_DEFAULTS else MsgSpecWriter
CONFORMANCE = TypeConformanceLevel.RECURSIVE if SDK_DEFAULTS else TypeConformanceLevel.NONE

# The SDK internals replaced or called below, and the sha256 of their source when the
# overrides were written (singer-sdk 0.54.9).
SDK_PRIVATE_SOURCES: dict[tuple[t.Any, str], str] = {
    (Stream, "_generate_record_messages"): (
        "9b5f9fbcdedb7a1aec5673a44f51fd9bd88840f19f0fb29cba9953b9d9095bfe"
    ),
    (Stream, "_increment_stream_state"): (
        "cabc0edb2fd4f0000dbd140a870dae871400ba13293bd2ecd8bdd93d0fb033bc"
    ),
    (Stream, "_sync_records"): ("8928dc7f50e9bf57cc98734b30e3953b0e19007f85fe020a0c80ccdbcf5d329f"),
    (Stream, "_sync_batches"): ("a42df0f3a08779dcb6d6a376ff1483082d04ce9c87b8cee392658121d2cf724c"),
    (Stream, "get_batches"): ("a30339d2f28a2f9b0a28e9f6c3be8add32f1bc40db8f9523966e07a7665387a5"),
    (Stream, "_write_batch_message"): (
        "a92596532ab9daed966bdbe0a5bdd456b65b29138dece60b3c81ce6dc6366dcb"
    ),
    (Stream, "_finalize_state"): (
        "e08e1d0714a904b2e8d93175c708ca3e66b24cfe8c00c8cc8cb785b750df7904"
    ),
    (Stream, "_get_state_partition_context"): (
        "e621b72985cafacf9fe5bb139434643063f3687ab27c587b1d10509e2c943de2"
    ),
    (Stream, "_write_starting_replication_value"): (
        "0a24e5d05cd5353cc33b0f41b1097a011f065e048ce7b0facb54fbcec72001a0"
    ),
    (Stream, "_write_state_message"): (
        "f82ecd8d169868234742e45a855006fd2596c96cab9d3d9f975a13517c6e3fda"
    ),
    (Tap, "_handle_termination"): (
        "2bb79ae47769883a865515c9ad282da5f2a8c5e167e155c148ac76e7cb5306ee"
    ),
    (PluginBase, "_handle_termination"): (
        "d467c7407cf55b00c94301d6b9bcfcd2b8ebe89117a6f58bdd05971513e4b02d"
    ),
    (_sdk_util, "utc_now"): ("79d85139ddece0a3f0845c3e27cc6b107c0d9757f91f7257955056c6bc97e739"),
}


def source_fingerprint(owner: t.Any, name: str) -> str:
    """sha256 of the source of ``owner.name`` as the installed SDK has it."""
    return hashlib.sha256(inspect.getsource(getattr(owner, name)).encode()).hexdigest()


class FastRecordMessages:
    """Stream mixin: RECORD messages straight from the record when the SDK's per-record
    work would change nothing: the catalog selects every field (the deselection walk
    then removes nothing) and the rows are typed already (no conformance). Otherwise,
    and with ``TAP_SDK_DEFAULTS=1``, the SDK's own path. Mirrors
    ``Stream._generate_record_messages``."""

    TYPE_CONFORMANCE_LEVEL = CONFORMANCE  # rows are typed by the tap itself, once

    @cached_property
    def _sdk_record_work_is_a_no_op(self) -> bool:
        stream: t.Any = self
        return stream.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.NONE and all(
            stream.mask.values()
        )

    def _generate_record_messages(self, record: dict) -> t.Iterator[singer.RecordMessage]:
        if SDK_DEFAULTS or not self._sdk_record_work_is_a_no_op:
            yield from super()._generate_record_messages(record)  # type: ignore[misc]
            return
        stream: t.Any = self
        for stream_map in stream.stream_maps:
            mapped_record = stream_map.transform(record)
            if mapped_record is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped_record,
                    version=stream._stream_version,
                    time_extracted=_sdk_util.utc_now(),
                )


class WindowBookmarks:
    """Stream mixin: the bookmark moves once per finished window, never per record.

    A stream whose rows come in file order (not sorted by the replication key) may move
    its bookmark only when every row of a window went out: ``finish_window`` does that
    and writes the state.
    """

    def _increment_stream_state(self, latest_record: dict, *, context: t.Any = None) -> None:
        """No per-record bookkeeping (see ``finish_window``)."""

    def finish_window(self, state: dict, value: str) -> None:
        """Every row up to ``value`` was emitted: move ``state``'s bookmark there.

        In BATCH mode the open batch file is finished and announced first, so a STATE
        message never covers a row that is not in a finished batch."""
        stream: t.Any = self
        batch = getattr(stream, "_open_batch", None)
        if batch is not None:
            batch.cut()
        state.pop("progress_markers", None)  # the bookmark is the window, not a row value
        state["replication_key"] = stream.replication_key
        state["replication_key_value"] = value
        stream.state_manager.is_flushed = False
        stream._write_state_message()

    def write_state_now(self) -> None:
        """Write the state (e.g. job ids recorded before polling) right away."""
        stream: t.Any = self
        stream.state_manager.is_flushed = False
        stream._write_state_message()


class FastSync(FastRecordMessages, WindowBookmarks):
    """Stream mixin for rows the tap typed itself (file streams): the SDK's per-record
    sync loop (``Stream._sync_records``) replaced by a lean one, and BATCH files written
    straight from the rows (``Stream.get_batches``).

    Per record, the lean loop only runs ``post_process``, adds the partition keys and
    writes the RECORD line with msgspec, without a message object or a flush (STATE
    messages flush, so order is kept). It is taken only when nothing would differ:
    conformance off, nothing deselected, no stream map, no child stream, no record
    limit (``--test``), the msgspec writer; otherwise the SDK's own loop runs. BATCH
    files hold exactly the rows RECORD mode emits (``singer_tap_kit.batch``).
    """

    def _fast_sync_possible(self) -> bool:
        stream: t.Any = self
        maps = stream.stream_maps
        return (
            not SDK_DEFAULTS
            and self._sdk_record_work_is_a_no_op
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and maps[0].stream_alias == stream.name
            and not stream.child_streams
            and stream.ABORT_AT_RECORD_COUNT is None
            and isinstance(stream._tap.message_writer, MsgSpecWriter)
        )

    def typed_rows(self, context: dict | None) -> t.Iterator[dict]:
        """Every row of every partition, as ``_sync_records`` would see it (post-processed,
        partition keys added), with the state finalised per partition as the SDK does."""
        stream: t.Any = self
        contexts = [context] if context is not None else stream.partitions
        for element in contexts or [{}]:
            current = element or None
            partition = stream._get_state_partition_context(current)
            stream._write_starting_replication_value(current)
            keys = list((partition or {}).items())
            for row in stream.get_records(current):
                record = stream.post_process(row, current)
                if record is None:
                    continue
                for key, value in keys:
                    record.setdefault(key, value)
                yield record
            if current == partition:
                stream._finalize_state(stream.get_context_state(current))
        if not context:
            stream._finalize_state(stream.stream_state)

    def _sync_records(
        self, context: dict | None = None, *, write_messages: bool = True
    ) -> t.Iterator[dict]:
        stream: t.Any = self
        if not (write_messages and self._fast_sync_possible()):
            yield from super()._sync_records(context, write_messages=write_messages)  # type: ignore[misc]
            return
        write = sys.stdout.buffer.write
        encode_into = msgspec_encoder.encode_into
        line = bytearray(256)
        message: dict[str, t.Any] = {"type": "RECORD", "stream": stream.name}
        now = dt.datetime.now
        utc = dt.UTC
        counter, timer = stream.get_record_counter(), stream.get_sync_timer()
        with counter, timer:
            for record in self.typed_rows(context):
                message["record"] = record
                message["time_extracted"] = now(utc)
                encode_into(message, line)
                line.extend(b"\n")
                write(line)
                counter.increment()
                yield record
            stream.state_manager.is_flushed = False
        stream._write_state_message()

    def get_batches(self, batch_config: t.Any, context: dict | None = None) -> t.Iterator[t.Any]:
        """BATCH files straight from the rows; their messages are written as each file is
        finished (and before any STATE that covers its rows), so nothing is yielded to
        the SDK's batch loop."""
        from singer_tap_kit.batch import BatchFiles

        stream: t.Any = self
        if not (self._fast_sync_possible() and BatchFiles.supports(batch_config)):
            yield from super().get_batches(batch_config, context)  # type: ignore[misc]
            return
        batches = stream.get_batch_counter()

        def announce(manifest: list[str]) -> None:
            stream._write_batch_message(encoding=batch_config.encoding, manifest=manifest)
            batches.increment()

        batch = BatchFiles(
            tap_name=stream.tap_name,
            stream_name=stream.name,
            config=batch_config,
            announce=announce,
        )
        stream._open_batch = batch
        try:
            with batches, stream.get_record_counter() as counter:
                for record in self.typed_rows(context):
                    batch.add(record)
                    counter.increment()
                batch.cut()
        finally:
            stream._open_batch = None
            batch.discard()


class NonZeroTermination:
    """Tap mixin: SIGTERM/SIGINT write the state (bookmarks only cover finished windows,
    and job ids are journalled already) and exit 128 + signal (143 for SIGTERM), so a
    scheduler that stopped the run does not see success."""

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        tap: t.Any = self
        try:
            tap._state_writer.write_state(tap.state)
        finally:
            name = signal.Signals(signum).name
            logging.getLogger(tap.name).error(
                "Stopped by %s: the state of finished windows was written; exiting %d",
                name,
                128 + signum,
            )
            sys.exit(128 + signum)


__all__ = [
    "CONFORMANCE",
    "SDK_DEFAULTS",
    "SDK_PRIVATE_SOURCES",
    "WRITER",
    "FastRecordMessages",
    "NonZeroTermination",
    "PluginBase",
    "Stream",
    "Tap",
    "WindowBookmarks",
    "source_fingerprint",
]
