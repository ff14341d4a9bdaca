"""Errors shown to the user as one clear line (no traceback)."""


class FoodTrustError(Exception):
    """Base class: the tap logs the message and exits 1."""


class AuthenticationError(FoodTrustError):
    """The token was refused or could not be obtained."""


class UnknownProductError(FoodTrustError):
    """The Trace API has no trace for a product id (404)."""


class TraceRequestError(FoodTrustError):
    """A trace request failed after its retries."""
