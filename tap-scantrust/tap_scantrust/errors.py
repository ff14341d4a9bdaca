"""Scantrust's errors, each one of the kit's kinds so the tap base shows one clear line."""

from singer_tap_kit.errors import AuthError, PartitionError, TapError


class ScantrustError(TapError):
    """Base class: the tap logs the message and exits 1."""


class PermissionDeniedError(ScantrustError, AuthError):
    """401/403: the token is wrong or lacks a permission."""


class CampaignError(ScantrustError, PartitionError):
    """Something went wrong for one campaign; the other campaigns still sync."""
