"""Speed levers, and a switch back to the SDK's defaults for the benchmark's comparison.

Records are typed by the tap itself (cast once per column), so the SDK's recursive
type conformance has nothing left to do, and the msgspec writer serialises far faster
than the default one. ``TAP_SDK_DEFAULTS=1`` restores both (used by ``python -m bench``
to measure the gain, and by a test proving the records are the same either way).
"""

from __future__ import annotations

import os

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.io_base import SingerWriter

SDK_DEFAULTS = os.environ.get("TAP_SDK_DEFAULTS") == "1"
WRITER = SingerWriter if SDK_DEFAULTS else MsgSpecWriter
CONFORMANCE = TypeConformanceLevel.RECURSIVE if SDK_DEFAULTS else TypeConformanceLevel.NONE
