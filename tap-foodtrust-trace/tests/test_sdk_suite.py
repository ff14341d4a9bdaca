"""The Singer SDK's standard tap tests, against the Food Trust stand-in."""

from singer_sdk.testing import get_tap_test_class
from tap_foodtrust_trace.tap import TapFoodTrustTrace

from sandbox.core import start
from sandbox.foodtrust import FoodTrustApp

# Module-level server: the SDK builds its test class at import time.
_SERVER = start(FoodTrustApp())

TestTapFoodTrustTrace = get_tap_test_class(
    tap_class=TapFoodTrustTrace, config=_SERVER.app.demo_config()
)
