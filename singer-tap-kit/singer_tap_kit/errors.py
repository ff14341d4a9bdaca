"""Errors a tap shows the user as one clear line (no traceback), and exits non-zero.

Each tap derives its own errors from these, so the kit's tap base can catch them all.
"""

from __future__ import annotations


class TapError(Exception):
    """Base class: logged as one line at ERROR, then the tap exits 1."""


class AuthError(TapError):
    """Credentials refused, or a permission missing."""


class ServiceUnavailableError(TapError):
    """A host kept failing (429, 5xx, dropped or refused connections) after every retry.

    ``status`` is the last HTTP status (None when the host could not be reached at all),
    so a caller can tell a partition the API keeps refusing from a host that is down."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PartitionError(TapError):
    """One partition (campaign, entity type, product id, array ...) failed; the others go on."""


class JobFailedError(PartitionError):
    """An asynchronous job was refused, failed for good, or ran past its deadline."""


class UnknownJobStatusError(TapError):
    """The API reported a job status this tap does not know: an error at once, since
    guessing could wait forever on a job that will never finish."""


class CorruptFileError(PartitionError):
    """A downloaded file cannot be read as documented."""


class PartitionsFailedError(TapError):
    """The run finished, but some partitions failed (listed in the message)."""
