"""The Singer SDK's standard tap tests against the Scanalytics stand-in."""

import tempfile

from singer_sdk.testing import get_tap_test_class
from tap_scanalytics.tap import TapScanalytics

from sandbox.core import start
from sandbox.scanalytics import ScanalyticsApp

_SERVER = start(ScanalyticsApp())  # the SDK builds its test class at import time

TestTapScanalytics = get_tap_test_class(
    tap_class=TapScanalytics,
    config={
        **_SERVER.app.demo_config(),
        "start_date": "2024-11-01T05:00:00Z",
        "end_date": "2024-11-03T05:00:00Z",
        "token_cache_path": tempfile.mkdtemp(prefix="scanalytics-") + "/t.json",
    },
)
