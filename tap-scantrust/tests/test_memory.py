"""Memory stays flat whatever the row count: the download goes to a temp file in
chunks and the zip member is parsed as a stream, row by row.

Only the tap's own allocations are measured: the row reader alone on a local file, and
the whole reading path (search task, download, rows) against a stand-in running in
another process, so the stand-in's threads (which allocate while they serve the file,
more or less depending on the machine's load) never count towards the tap's peak.
"""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
import tracemalloc
import typing as t
import zipfile
from pathlib import Path

import pytest
from tap_scantrust.code_rows import read_codes
from tap_scantrust.tap import TapScantrust

from sandbox.scantrust import FIXED_COLUMNS
from singer_bulk_export_kit import downloads

SCM = ("farm_name", "plant", "case_number")
SMALL, LARGE = 25_000, 150_000
MiB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]
# A Scantrust stand-in whose every search result of campaign 201 is the zip given.
STANDIN = """
import sys
from pathlib import Path
from sandbox.core import start
from sandbox.scantrust import ScantrustApp

class OneBigFile(ScantrustApp):
    def _zip_for(self, document):
        return Path(sys.argv[1])

app = OneBigFile(job_seconds=0.1)
app.codes[201] = []
start(app)
print(app.base_url, flush=True)
sys.stdin.read()  # until the test closes stdin
"""


def big_zip(path, rows):
    rng = random.Random(rows)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("codes.csv", "w") as raw,
    ):
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow([*FIXED_COLUMNS, *SCM])
        for i in range(rows):
            when = f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}+00:00"
            writer.writerow(
                [
                    f"{i * 7919:024X}",
                    f"SN{i}",
                    "Brand",
                    "Pork",
                    "259052703982",
                    "active",
                    "none",
                    "",
                    when,
                    "",
                    when,
                    str(3400 + i % 30),
                    f'Farm {i % 97}, "north"',
                    "Plant é",
                    f"{rng.getrandbits(192):048x}",
                ]
            )
        text.flush()
    return path


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zips")
    small = big_zip(folder / "small.zip", SMALL)  # both larger than a download chunk
    large = big_zip(folder / "large.zip", LARGE)
    with zipfile.ZipFile(large) as archive:
        csv_size = archive.infolist()[0].file_size
    assert small.stat().st_size > MiB
    assert large.stat().st_size > 6_000_000
    assert csv_size > 30_000_000
    return small, large, csv_size


def peak_of(rows: t.Callable[[], t.Iterable[t.Any]]) -> tuple[int, int]:
    """(rows counted, tracemalloc peak) while consuming ``rows``."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return count, peak


def test_the_row_reader_does_not_grow_with_the_file(zips):
    small, large, csv_size = zips
    small_count, small_peak = peak_of(lambda: read_codes(small, 201, "2024-07-01T00:00:00Z"))
    large_count, large_peak = peak_of(lambda: read_codes(large, 201, "2024-07-01T00:00:00Z"))
    assert (small_count, large_count) == (SMALL, LARGE)
    sizes = (small_peak, large_peak, large.stat().st_size, csv_size)
    assert large_peak - small_peak < MiB, sizes
    assert large_peak < csv_size / 10, sizes


def peak_while_syncing(path, rows, home):
    """The tap's peak reading campaign 201's codes from a stand-in in another process."""
    standin = subprocess.Popen(
        [sys.executable, "-c", STANDIN, str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = standin.stdout.readline().strip()
        assert url.startswith("http://"), url
        config = {
            "api_url": url,
            "uat_token": "sandbox-uat-token",
            "campaign_ids": [201],
            "poll_interval_seconds": 0.05,
            "journal_path": str(home / "journal.json"),
        }
        stream = TapScantrust(config=config).streams["codes"]
        count, peak = peak_of(lambda: stream.get_records({"campaign_id": 201}))
    finally:
        standin.stdin.close()
        standin.wait(timeout=10)
    assert count == rows
    return peak


def test_memory_does_not_grow_with_the_file(zips, own_home, monkeypatch):
    small, large, csv_size = zips
    # A download holds one chunk at a time, as large as what the socket had buffered
    # (up to the kit's 1 MiB): that varies with the machine's load, not with the file,
    # and alone could make two runs differ by up to 1 MiB. Smaller chunks leave the
    # growth with the data as the only thing the bound can catch.
    monkeypatch.setattr(downloads, "CHUNK_BYTES", 64 * 1024)
    small_peak = peak_while_syncing(small, SMALL, own_home)
    large_peak = peak_while_syncing(large, LARGE, own_home)
    # Six times the rows (25 MB more CSV), about the same peak: well under the zip's
    # size, let alone the CSV's.
    sizes = (small_peak, large_peak, large.stat().st_size, csv_size)
    assert large_peak - small_peak < MiB, sizes
    assert large_peak < large.stat().st_size / 2, sizes
    assert large_peak < csv_size / 10, sizes
