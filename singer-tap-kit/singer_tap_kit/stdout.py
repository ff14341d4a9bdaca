"""Singer messages to stdout through one buffer of the kit's own.

The lean sync loop (``sdk_overrides.FastSync``) appends RECORD lines to ``STDOUT.pending``
and writes them out a block at a time; every other message goes through ``BufferedWriter``,
which appends it after the pending lines and flushes, so the order on stdout is the order
of the messages. Python's own stdout buffer cannot be relied on for this: with
``PYTHONUNBUFFERED=1`` (common in container images) every write is a system call, which
made the RECORD path of a million rows several seconds slower.
"""

from __future__ import annotations

import atexit
import sys
import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter

# Pending RECORD lines are written out once they reach this size.
BLOCK_BYTES = 64 * 1024


class SingerStdout:
    def __init__(self) -> None:
        self.pending = bytearray()

    def write_pending(self) -> None:
        """Write out the pending lines (not flushed: the caller flushes when it must)."""
        if not self.pending:
            return
        data, self.pending = self.pending, bytearray()
        out = sys.stdout.buffer
        with memoryview(data) as view:
            written = 0
            while written < len(view):  # an unbuffered stdout may take part of it
                written += out.write(view[written:]) or 0

    def flush(self) -> None:
        self.write_pending()
        sys.stdout.flush()


STDOUT = SingerStdout()
# Lines still pending when the process ends (an error ended the sync) are not lost.
atexit.register(STDOUT.flush)


class BufferedWriter(MsgSpecWriter):
    """The SDK's msgspec writer, writing after the kit's pending RECORD lines."""

    def write_message(self, message: t.Any) -> None:
        STDOUT.pending += self.format_message(message)
        STDOUT.flush()
