"""Fixtures for tap-scantrust tests: the stand-in and a fast tap config."""

import pytest

from sandbox.scantrust import ScantrustApp


@pytest.fixture
def scantrust(serve):
    return serve(ScantrustApp(job_seconds=0.3))


@pytest.fixture
def config(scantrust):
    return {**scantrust.app.demo_config(), "poll_interval_seconds": 0.05}
