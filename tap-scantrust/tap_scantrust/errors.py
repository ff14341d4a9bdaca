"""Scantrust's errors, each one of the kit's kinds so the tap base shows one clear line."""

from singer_bulk_export_kit.errors import AuthError, PartitionError


class PermissionDeniedError(AuthError):
    """401/403: the token is wrong or lacks a permission."""


class CampaignError(PartitionError):
    """Something went wrong for one campaign; the other campaigns still sync."""
