"""Mews export entity types and the streams they become."""

STREAM_OF_ENTITY = {
    "OrderItem": "order_items",
    "Payment": "payments",
    "Reservation": "reservations",
    "Customer": "customers",
    "Company": "companies",
    "Bill": "bills",
    "AvailabilityAdjustment": "availability_adjustments",
    "AvailabilityBlock": "availability_blocks",
    "ResourceBlock": "resource_blocks",
    "LedgerEntry": "ledger_entries",
}
# LedgerEntry is beta and needs posting-date filters: opt in.
DEFAULT_ENTITY_TYPES = [e for e in STREAM_OF_ENTITY if e != "LedgerEntry"]
