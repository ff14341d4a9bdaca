"""Fixtures for tap-mews-exports: the stand-in and a fast config."""

import pytest

from sandbox.mews import MewsApp


@pytest.fixture
def mews(serve):
    return serve(MewsApp(job_seconds=0.1, rows_per_file=25))


@pytest.fixture
def config(mews, tmp_path):
    return {
        **mews.app.demo_config(),
        "poll_interval_seconds": 0.05,
        "journal_path": str(tmp_path / "journal.json"),
    }
