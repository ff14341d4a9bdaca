"""Fixtures for tap-usaspending-download: the stand-in and a fast config."""

import pytest

from sandbox.usaspending import USAspendingApp


@pytest.fixture
def usa(serve):
    return serve(USAspendingApp(job_seconds=0.2))


@pytest.fixture
def config(usa, tmp_path):
    return {
        **usa.app.demo_config(),
        "poll_interval_seconds": 0.05,
        "window_days": 400,
        "journal_path": str(tmp_path / "journal.json"),  # never the user's default one
    }
