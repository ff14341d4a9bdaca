"""Errors shown to the user as one clear line (no traceback), on the kit's kinds."""

from singer_bulk_export_kit import errors as kit


class ScanalyticsError(kit.TapError):
    """Base class: the kit's tap base logs the message and exits 1."""


class AuthError(kit.AuthError, ScanalyticsError):
    """A token could not be obtained, or was refused."""


class UnknownArrayError(kit.PartitionError, ScanalyticsError):
    """An array key the API does not know (404); the other arrays go on."""
