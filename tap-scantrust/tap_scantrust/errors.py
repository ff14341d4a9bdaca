"""Errors shown to the user as one clear line (no traceback)."""


class ScantrustError(Exception):
    """Base class: the tap logs the message and exits 1."""


class PermissionDeniedError(ScantrustError):
    """401/403: the token is wrong or lacks a permission."""


class CampaignError(ScantrustError):
    """Something went wrong for one campaign; the other campaigns still sync."""


class CorruptFileError(CampaignError):
    """The downloaded zip or CSV cannot be read as documented."""
