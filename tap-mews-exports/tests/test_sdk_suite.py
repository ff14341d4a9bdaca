"""The Singer SDK's built-in tap tests against a module-level Mews stand-in."""

from __future__ import annotations

import tempfile

from singer_sdk.testing import get_tap_test_class
from tap_mews_exports.tap import TapMewsExports

from sandbox.core import start
from sandbox.mews import MewsApp

_APP = MewsApp(seed=1, job_seconds=0.1)
_SERVER = start(_APP, port=0)
_CONFIG = {
    **{k: v for k, v in _APP.demo_config().items() if k != "start_date"},
    "entity_types": ["Company", "AvailabilityBlock"],
    "poll_interval_seconds": 0.05,
    "journal_path": tempfile.mkdtemp(prefix="mews-sdk-") + "/journal.json",
}

TestTapMewsExports = get_tap_test_class(tap_class=TapMewsExports, config=_CONFIG)
