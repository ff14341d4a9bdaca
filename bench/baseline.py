"""The practical limit: stream the file and serialise each row as a Singer RECORD.

``python -m bench.baseline [--msgspec] csvzip STREAM FILE.zip`` or ``... jsonl STREAM FILE...``

Two flavours: the standard library's ``json`` (the plain loop anyone would write) and,
with ``--msgspec``, msgspec for parsing and serialising (the fastest pure loop here; the
taps serialise with msgspec too, so it is the fairer ceiling).
"""

from __future__ import annotations

import csv
import io
import json
import sys
import typing as t
import zipfile

import msgspec


def _stdout() -> t.BinaryIO:
    """A buffered stdout even under PYTHONUNBUFFERED=1 (the taps buffer theirs too), so
    the baseline is not slowed by a system call per row."""
    out = sys.stdout.buffer
    return io.BufferedWriter(out, 1 << 16) if isinstance(out, io.RawIOBase) else out


def _writer(fast: bool, out: t.BinaryIO) -> t.Callable[[str, dict], None]:
    if fast:
        encode = msgspec.json.Encoder().encode
        return lambda stream, row: out.write(
            encode({"type": "RECORD", "stream": stream, "record": row}) + b"\n"
        )
    return lambda stream, row: out.write(
        (json.dumps({"type": "RECORD", "stream": stream, "record": row}) + "\n").encode()
    )


def main(kind: str, stream: str, paths: list[str], fast: bool = False) -> None:
    out = _stdout()
    write = _writer(fast, out)
    if kind == "csvzip":
        with zipfile.ZipFile(paths[0]) as archive:
            for name in archive.namelist():
                with archive.open(name) as raw:
                    reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
                    header = next(reader)
                    for row in reader:
                        write(stream, dict(zip(header, row, strict=True)))
    else:
        decode = msgspec.json.decode if fast else json.loads
        for path in paths:
            with open(path, "rb") as handle:
                for line in handle:
                    write(stream, decode(line))
    out.flush()


if __name__ == "__main__":
    arguments = sys.argv[1:]
    fast = arguments[0] == "--msgspec"
    if fast:
        arguments = arguments[1:]
    main(arguments[0], arguments[1], arguments[2:], fast=fast)
