"""Fixtures for tap-scanalytics: the stand-in, a config for a fixed week, helpers."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import types
import typing as t
from urllib.parse import parse_qsl

import pytest
from tap_scanalytics.tap import TapScanalytics

from sandbox.scanalytics import ScanalyticsApp
from tests.singer_run import TapRun

CREDENTIALS = ("username", "password", "client_secret", "refresh_token")


def token_requests(app) -> list[dict[str, str]]:
    """The form of every POST /o/token/ the stand-in saw, in order."""
    return [dict(parse_qsl(r.body.decode())) for r in app.requests_to(r"/o/token/")]


def grants(app) -> list[str]:
    return [form["grant_type"] for form in token_requests(app)]


def only(config: dict[str, t.Any], *credentials: str) -> dict[str, t.Any]:
    """``config`` keeping only the named credentials (client_id always stays)."""
    drop = set(CREDENTIALS) - set(credentials)
    return {k: v for k, v in config.items() if k not in drop}


def shown(run) -> str:
    """Everything a run showed: stderr, and stdout (records and state) as JSON."""
    return run.stderr + json.dumps(run.messages)


def sync(config: dict[str, t.Any], state: dict[str, t.Any] | None = None) -> TapRun:
    """A sync in this process, for tests of what the tap emits and logs: no process
    start-up (about a second each on a busy machine). Tests of exit codes and of the
    console script's own output run it for real (``run_tap``)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    handler.setFormatter(
        logging.Formatter("%(asctime)s | %(levelname)-8s | %(name)s | %(message)s")
    )
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        with contextlib.redirect_stdout(out):
            TapScanalytics(config=config, state=state).sync_all()
            out.flush()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = out.buffer.getvalue().decode().splitlines()  # type: ignore[attr-defined]
    return TapRun(0, logs.getvalue(), [json.loads(line) for line in lines if line.strip()])


@pytest.fixture
def h():
    """Helpers (a fixture because test modules here cannot import each other)."""
    return types.SimpleNamespace(
        TAP="tap-scanalytics",
        token_requests=token_requests,
        grants=grants,
        only=only,
        shown=shown,
        sync=sync,
    )


@pytest.fixture
def scan(serve):
    return serve(ScanalyticsApp())


@pytest.fixture
def config(scan, tmp_path):
    return {
        **scan.app.demo_config(),
        # The week of the autumn DST change in Chicago (2024-11-03), local midnights.
        "start_date": "2024-11-01T05:00:00Z",
        "end_date": "2024-11-08T06:00:00Z",
        "token_cache_path": str(tmp_path / "tokens" / "scanalytics.json"),
    }
