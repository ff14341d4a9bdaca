"""Errors a tap shows as one line (no traceback) before exiting 1. Each tap derives its own
from these, so the kit's tap base catches them all."""


class TapError(Exception):
    """Base class: logged as one line at ERROR, then the tap exits 1."""


class AuthError(TapError):
    """Credentials refused, or a permission missing."""


class ServiceUnavailableError(TapError):
    """A host kept failing after every retry. ``status``, the last HTTP status (None: not
    reached at all), tells a partition the API keeps refusing from a host that is down."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PartitionError(TapError):
    """One partition (campaign, entity type, product id, array ...) failed; the others go on."""


class JobFailedError(PartitionError):
    """An asynchronous job was refused, failed for good, or ran past its deadline."""


class UnknownJobStatusError(TapError):
    """An unknown job status: an error at once, as guessing could wait forever."""


class CorruptFileError(PartitionError):
    """A downloaded file cannot be read as documented."""


class PartitionsFailedError(TapError):
    """The run finished, but some partitions failed (listed in the message)."""


class AnswerError(TapError):
    """An answer that is not the JSON its endpoint documents (HTML, truncated, invalid
    UTF-8, the wrong shape): named with provider, endpoint, status and first bytes."""
