"""When the target dies mid-sync (its stdin, our stdout, closes), the tap ends with one
line naming the cause and exits 1, without a traceback."""

from __future__ import annotations

import json
import subprocess

from tests.singer_run import executable


def test_a_target_that_stops_reading_is_named_as_the_cause(config, tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    tap = subprocess.Popen(
        [executable("tap-usaspending-download"), "--config", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = tap.stdout.read(64 * 1024)  # the target reads a little (megabytes follow) ...
    tap.stdout.close()  # ... then dies
    stderr = tap.stderr.read().decode()
    assert tap.wait(timeout=60) == 1
    assert b'"type":"RECORD"' in first.replace(b" ", b"")
    lines = stderr.strip().splitlines()
    assert lines[-1].endswith(
        "The target stopped reading this tap's output (broken pipe); its own log says why."
    )
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr
