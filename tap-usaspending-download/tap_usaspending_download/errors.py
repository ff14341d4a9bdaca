"""Errors shown to the user as one clear line (no traceback)."""


class USAspendingError(Exception):
    """Base class: the tap logs the message and exits 1."""


class FilterError(USAspendingError):
    """The API refused the filters (400/422 with a detail)."""


class DownloadError(USAspendingError):
    """A download failed, timed out, or its file cannot be read."""
