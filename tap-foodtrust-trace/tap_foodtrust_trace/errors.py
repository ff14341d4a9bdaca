"""Errors shown to the user as one clear line (no traceback), on the kit's kinds: the
kit's tap base catches every ``TapError`` and counts ``PartitionError``s per product id."""

from singer_bulk_export_kit.errors import AuthError, PartitionError


class AuthenticationError(AuthError):
    """The token was refused or could not be obtained, or access was denied."""


class UnknownProductError(PartitionError):
    """The Trace API has no trace for a product id (404); the other ids go on."""


class TraceRequestError(PartitionError):
    """A product id's trace request failed (after its retries); the other ids go on."""
