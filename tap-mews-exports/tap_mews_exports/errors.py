"""Errors shown to the user as one clear line (no traceback), on the kit's error kinds."""

from singer_bulk_export_kit.errors import AuthError, TapError


class MewsAuthError(AuthError):
    """401/403: the tokens were refused."""


class MewsRequestError(TapError):
    """A 4xx answer other than auth (its Mews Message is kept)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Mews answered HTTP {status}: {message}")
        self.status = status
        self.mews_message = message
