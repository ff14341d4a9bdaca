"""The practical limit: stream the file and serialise each row as a Singer RECORD.

``python -m bench.baseline csvzip STREAM FILE.zip`` or ``jsonl STREAM FILE...``
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zipfile


def main(kind: str, stream: str, paths: list[str]) -> None:
    out = sys.stdout
    if kind == "csvzip":
        with zipfile.ZipFile(paths[0]) as archive:
            for name in archive.namelist():
                with archive.open(name) as raw:
                    reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
                    for row in reader:
                        out.write(
                            json.dumps({"type": "RECORD", "stream": stream, "record": row}) + "\n"
                        )
    else:
        for path in paths:
            with open(path, "rb") as handle:
                for line in handle:
                    row = json.loads(line)
                    out.write(
                        json.dumps({"type": "RECORD", "stream": stream, "record": row}) + "\n"
                    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
