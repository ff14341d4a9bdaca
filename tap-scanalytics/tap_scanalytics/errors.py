"""Errors shown to the user as one clear line (no traceback)."""


class ScanalyticsError(Exception):
    """Base class: the tap logs the message and exits 1."""


class AuthError(ScanalyticsError):
    """A token could not be obtained, or was refused."""


class UnknownArrayError(ScanalyticsError):
    """An array key the API does not know (404)."""
