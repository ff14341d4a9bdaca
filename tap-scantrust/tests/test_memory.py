"""Memory stays flat whatever the row count: the download goes to a temp file in
chunks and the zip member is parsed as a stream, row by row."""

from __future__ import annotations

import csv
import io
import random
import tracemalloc
import zipfile

from tap_scantrust.tap import TapScantrust

from sandbox.scantrust import FIXED_COLUMNS, ScantrustApp

SCM = ("farm_name", "plant", "case_number")


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


class OneBigFile(ScantrustApp):
    """Every search result of campaign 201 is the zip given."""

    def __init__(self, zip_path, **kwargs):
        super().__init__(**kwargs)
        self.zip_path = zip_path
        self.codes[201] = []

    def _zip_for(self, document):
        return self.zip_path


def peak_while_syncing(serve, path, rows):
    server = serve(OneBigFile(path, job_seconds=0.1))
    config = {**server.app.demo_config(), "campaign_ids": [201], "poll_interval_seconds": 0.05}
    stream = TapScantrust(config=config).streams["codes"]
    tracemalloc.start()
    try:
        count = sum(1 for _ in stream.get_records({"campaign_id": 201}))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == rows
    assert len(server.app.s3.requests_to(r"/scantrust-exports/")) == 1
    return peak


def test_memory_does_not_grow_with_the_file(serve, tmp_path):
    small = big_zip(tmp_path / "small.zip", 25_000)  # both above the 1 MiB download chunk
    large = big_zip(tmp_path / "large.zip", 150_000)
    with zipfile.ZipFile(large) as archive:
        csv_size = archive.infolist()[0].file_size
    assert large.stat().st_size > 6_000_000
    assert csv_size > 30_000_000
    # One run's peak wobbles by about a download chunk (1 MiB) with thread timing, whatever
    # the size; growth with the data would raise every run, so the lowest of three counts.
    small_peak = min(peak_while_syncing(serve, small, 25_000) for _ in range(3))
    large_peak = min(peak_while_syncing(serve, large, 150_000) for _ in range(3))
    # Six times the rows (25 MB more CSV), about the same peak: well under the zip's
    # size, let alone the CSV's.
    sizes = (small_peak, large_peak, large.stat().st_size, csv_size)
    assert large_peak - small_peak < 1024 * 1024, sizes
    assert large_peak < large.stat().st_size / 2, sizes
    assert large_peak < csv_size / 10, sizes
