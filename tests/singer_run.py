"""Run a tap's console script as a subprocess and collect its Singer output.

Taps are run the way users run them (``tap-x --config c.json [--state s.json]``),
so exit codes, stderr and stdout are all real.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import typing as t
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TapRun:
    returncode: int
    stderr: str
    messages: list[dict[str, t.Any]] = field(default_factory=list)

    @property
    def records(self) -> dict[str, list[dict[str, t.Any]]]:
        """Stream name -> records, in the order emitted."""
        out: dict[str, list[dict[str, t.Any]]] = defaultdict(list)
        for message in self.messages:
            if message["type"] == "RECORD":
                out[message["stream"]].append(message["record"])
        return dict(out)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(m["stream"] for m in self.messages if m["type"] == "RECORD"))

    @property
    def schemas(self) -> dict[str, dict[str, t.Any]]:
        return {m["stream"]: m for m in self.messages if m["type"] == "SCHEMA"}

    @property
    def retry_waits(self) -> list[float]:
        """The waits the retry policy asked for, in order (its WARNING lines): what a test
        asserts instead of the wall clock, which a loaded machine stretches."""
        return [float(wait) for wait in re.findall(r"; retrying in ([0-9.]+) s \(", self.stderr)]

    @property
    def last_state(self) -> dict[str, t.Any] | None:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else None


def executable(name: str) -> str:
    """The console script ``name`` from the running interpreter's environment."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def run_tap(
    name: str,
    config: dict[str, t.Any],
    *,
    state: dict[str, t.Any] | None = None,
    catalog: dict[str, t.Any] | None = None,
    args: t.Sequence[str] = (),
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> TapRun:
    """Run console script ``name`` with ``config`` (and state/catalog) to completion."""
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as tmp:
        tmpdir = Path(tmp)
        command = [executable(name), "--config", _write(tmpdir / "config.json", config)]
        if state is not None:
            command += ["--state", _write(tmpdir / "state.json", state)]
        if catalog is not None:
            command += ["--catalog", _write(tmpdir / "catalog.json", catalog)]
        command += list(args)
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            cwd=tmpdir,
            check=False,
        )
    messages = []
    for line in completed.stdout.splitlines():
        if line.strip():
            messages.append(json.loads(line))
    return TapRun(completed.returncode, completed.stderr, messages)


def _write(path: Path, payload: dict[str, t.Any]) -> str:
    path.write_text(json.dumps(payload))
    return str(path)


def selected_catalog(tap_class: type, config: dict[str, t.Any], *streams: str) -> dict[str, t.Any]:
    """``tap_class``'s catalog for ``config`` with only ``streams`` selected (Meltano's
    ``select`` is not a tap setting: a plain run takes a catalog)."""
    catalog = tap_class(config=config, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog
