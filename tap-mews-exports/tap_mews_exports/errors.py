"""Errors shown to the user as one clear line (no traceback)."""


class MewsError(Exception):
    """Base class: the tap logs the message and exits 1."""


class MewsAuthError(MewsError):
    """401/403: the tokens were refused."""


class MewsRequestError(MewsError):
    """A 4xx answer other than auth (its Mews Message is kept)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Mews answered HTTP {status}: {message}")
        self.status = status
        self.mews_message = message


class ExportError(MewsError):
    """An export could not be completed or downloaded."""
