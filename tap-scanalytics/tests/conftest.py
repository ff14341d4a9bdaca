"""Fixtures for tap-scanalytics: the stand-in, a config for a fixed week, helpers."""

from __future__ import annotations

import json
import types
import typing as t
from urllib.parse import parse_qsl

import pytest

from sandbox.scanalytics import ScanalyticsApp

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


@pytest.fixture
def h():
    """Helpers (a fixture because test modules here cannot import each other)."""
    return types.SimpleNamespace(
        TAP="tap-scanalytics", token_requests=token_requests, grants=grants, only=only, shown=shown
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
