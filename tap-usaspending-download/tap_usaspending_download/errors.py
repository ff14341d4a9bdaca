"""Errors shown to the user as one clear line (no traceback), on the kit's kinds."""

from singer_bulk_export_kit.errors import TapError


class USAspendingError(TapError):
    """The API refused the filters, or answered something the tap cannot go on from."""
