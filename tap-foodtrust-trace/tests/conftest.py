"""One sync of the demo config, shared by the tests that only read its output (each
tap start-up costs a second or two; the stand-in serves nothing else meanwhile, so its
recorded requests are this run's)."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

import pytest

from sandbox.core import start
from sandbox.foodtrust import FoodTrustApp
from tests.singer_run import TapRun, run_tap

# A misspelled setting rides along: the run must warn about it and still sync.
MISSPELLED = {"bypass_cahce": True}


@dataclass
class DemoSync:
    app: FoodTrustApp
    config: dict[str, t.Any]  # the demo config, without the misspelled key
    run: TapRun


@pytest.fixture(scope="session")
def demo_sync() -> t.Iterator[DemoSync]:
    with start(FoodTrustApp()) as server:
        config = server.app.demo_config()
        run = run_tap("tap-foodtrust-trace", {**config, **MISSPELLED})
        yield DemoSync(server.app, config, run)
