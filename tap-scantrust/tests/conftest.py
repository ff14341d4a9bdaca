"""Fixtures for tap-scantrust tests: the stand-in and a fast tap config."""

import functools

import pytest

from sandbox.scantrust import ScantrustApp
from tests.singer_run import selected_catalog


@pytest.fixture(autouse=True)
def own_home(tmp_path, monkeypatch):
    """Each test its own home, so the default job journal (~/.cache/...) is never shared."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def scantrust(serve):
    return serve(ScantrustApp(job_seconds=0.3))


@pytest.fixture
def config(scantrust):
    return {**scantrust.app.demo_config(), "poll_interval_seconds": 0.05}


@pytest.fixture
def only():
    """``only(config, "codes")``: a catalog selecting just those streams, for tests that
    look at one stream (the others' requests cost seconds and prove nothing there)."""
    from tap_scantrust.tap import TapScantrust

    return functools.partial(selected_catalog, TapScantrust)
