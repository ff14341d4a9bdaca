"""Singer messages to stdout through a buffered writer, even when Python's is unbuffered.

With ``PYTHONUNBUFFERED=1`` (common in container images) ``sys.stdout.buffer`` is the raw
file: every RECORD line the lean sync loop (``sdk_overrides.FastSync``) wrote was a system
call, several seconds per million rows. ``STDOUT.out`` is then one ``io.BufferedWriter``
of the kit's own around it, and every message goes through it: RECORD lines from the lean
loop, and the others from ``BufferedWriter``, which flushes after each (as the SDK's writer
does), so the order on stdout is the order of the messages. Each line is handed over in one
call, so a signal never leaves half a line behind another message.
"""

import atexit
import io
import sys
import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter

BLOCK_BYTES = 64 * 1024


class SingerStdout:
    def __init__(self) -> None:
        self._raw: t.Any = None
        self._buffered: io.BufferedWriter | None = None

    @property
    def out(self) -> t.BinaryIO:
        """A buffered binary stdout: Python's own, or the kit's around a raw one."""
        current = sys.stdout.buffer
        if not isinstance(current, io.RawIOBase):
            return current
        if self._raw is not current:  # first use, or stdout was replaced
            self._raw, self._buffered = current, io.BufferedWriter(current, BLOCK_BYTES)
        return t.cast("t.BinaryIO", self._buffered)

    def flush(self) -> None:
        if self._buffered is not None and not self._buffered.closed:
            self._buffered.flush()
        sys.stdout.flush()


STDOUT = SingerStdout()
# Lines still buffered when the process ends (an error ended the sync) are not lost.
atexit.register(STDOUT.flush)


class BufferedWriter(MsgSpecWriter):
    """The SDK's msgspec writer, writing through ``STDOUT.out``."""

    def write_message(self, message: t.Any) -> None:
        STDOUT.out.write(self.format_message(message))
        STDOUT.flush()
