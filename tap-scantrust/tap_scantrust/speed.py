"""Speed levers, and a switch back to the SDK's defaults for the benchmark's comparison.

Records are typed by the tap itself (cast once per column), so the SDK's recursive
type conformance has nothing left to do; the msgspec writer serialises far faster
than the default one; and when the catalog deselects no field, the SDK's per-record
walk looking for deselected fields is skipped. ``TAP_SDK_DEFAULTS=1`` restores all
three (used by ``python -m bench`` to measure the gain, and by a test proving the
records are the same either way).
"""

from __future__ import annotations

import os
import typing as t
from functools import cached_property

import singer_sdk.singerlib as singer
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.io_base import SingerWriter

SDK_DEFAULTS = os.environ.get("TAP_SDK_DEFAULTS") == "1"
WRITER = SingerWriter if SDK_DEFAULTS else MsgSpecWriter
CONFORMANCE = TypeConformanceLevel.RECURSIVE if SDK_DEFAULTS else TypeConformanceLevel.NONE


class FastRecordMessages:
    """Stream mixin: RECORD messages straight from the record when the SDK's per-record
    work would change nothing: the catalog selects every field (the deselection walk then
    removes nothing) and the stream's rows are typed already (no conformance). Otherwise,
    and with ``TAP_SDK_DEFAULTS=1``, the SDK's own path. Mirrors singer-sdk 0.54's
    ``Stream._generate_record_messages``."""

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
                    time_extracted=utc_now(),
                )


__all__ = ["CONFORMANCE", "WRITER", "FastRecordMessages"]
