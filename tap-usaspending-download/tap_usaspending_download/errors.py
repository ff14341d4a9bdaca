"""Errors shown to the user as one clear line (no traceback), on the kit's kinds."""

from singer_tap_kit.errors import CorruptFileError, TapError


class USAspendingError(TapError):
    """The API answered something the tap cannot go on from: the run stops."""


class FilterError(USAspendingError):
    """The API refused the filters (400/422 with a detail)."""


class RowLimitError(USAspendingError):
    """A single day holds more rows than one download file may: the filters must narrow."""


class DownloadFileError(CorruptFileError):
    """A download's zip lacks what its streams need: its download kind fails."""
