"""Fixtures for tap-scanalytics: the stand-in and a config for a fixed week."""

import pytest

from sandbox.scanalytics import ScanalyticsApp


@pytest.fixture
def scan(serve):
    return serve(ScanalyticsApp())


@pytest.fixture
def config(scan, tmp_path):
    return {
        **scan.app.demo_config(),
        # The week of the autumn DST change in Chicago (2024-11-03).
        "start_date": "2024-11-01T05:00:00Z",
        "end_date": "2024-11-08T06:00:00Z",
        "token_cache_path": str(tmp_path / "tokens" / "scanalytics.json"),
    }
