"""Typed schemas of the exported entities (Mews Connector API objects).

Field names are Mews' own. Money stays a structured amount object, options stay
objects, times are date-times. Fields Mews adds later are not lost: the stream
moves them into ``_extra`` (and logs their names once).
"""

import typing as t

from singer_sdk import typing as th

from singer_bulk_export_kit.streams import extra_property

KINDS: dict[str, t.Any] = {
    "string": th.StringType,
    "number": th.NumberType,
    "integer": th.IntegerType,
    "boolean": th.BooleanType,
    "datetime": th.DateTimeType,
    "date": th.DateType,
    "object": th.ObjectType(),
    "strings": th.ArrayType(th.StringType),
}


def _fields(*specs: str | th.Property) -> list[th.Property]:
    """Properties in order: a ``th.Property`` as given, a string as ``Name`` or
    ``Name:kind`` items (no kind: a string; a trailing ``!``: required)."""
    fields = []
    for spec in specs:
        if isinstance(spec, th.Property):
            fields.append(spec)
            continue
        for item in spec.split():
            name, _, kind = item.rstrip("!").partition(":")
            fields.append(th.Property(name, KINDS[kind or "string"], required=item.endswith("!")))
    return fields


def _object(*specs: str | th.Property) -> th.ObjectType:
    return th.ObjectType(*_fields(*specs))


def _array_of(*specs: str | th.Property) -> th.ArrayType:
    return th.ArrayType(_object(*specs))


KINDS["amount"] = _object(
    "Currency NetValue:number GrossValue:number",
    th.Property("TaxValues", _array_of("Code Value:number")),
    th.Property(
        "Breakdown",
        _object(th.Property("Items", _array_of("TaxRateCode NetValue:number TaxValue:number"))),
    ),
    "Value:number Net:number Tax:number TaxRate:number",
)
KINDS["address"] = _object("Line1 Line2 City PostalCode CountryCode CountrySubdivisionCode")
EXTRA = extra_property("Fields Mews sent that this schema does not declare (kept, not lost).")
COMMON = _fields("Id! EnterpriseId CreatedUtc:datetime UpdatedUtc:datetime")

_FIELDS = {
    "OrderItem": _fields(
        "AccountId AccountType ServiceId ServiceOrderId BillId AccountingCategoryId "
        "UnitCount:integer UnitAmount:amount Amount:amount RevenueType ConsumedUtc:datetime "
        "CanceledUtc:datetime ClosedUtc:datetime AccountingState Type Options:object Data:object"
    ),
    "Payment": _fields(
        "AccountId AccountType BillId AccountingCategoryId Amount:amount OriginalAmount:amount "
        "Notes SettlementId ConsumedUtc:datetime ClosedUtc:datetime ChargedUtc:datetime "
        "SettlementUtc:datetime AccountingState State Identifier Type Kind Data:object"
    ),
    "Reservation": _fields(
        "ServiceId GroupId Number ChannelNumber State Origin CancelledUtc:datetime VoucherId "
        "BusinessSegmentId RateId CreditCardId RequestedResourceCategoryId AssignedResourceId "
        "ScheduledStartUtc:datetime ScheduledEndUtc:datetime ActualStartUtc:datetime "
        "ActualEndUtc:datetime AccountId AccountType",
        th.Property("PersonCounts", _array_of("AgeCategoryId Count:integer")),
        th.Property("Options", _object("OwnerCheckedIn:boolean AllCompanionsCheckedIn:boolean")),
    ),
    "Customer": _fields(
        "ChainId Number Title Sex FirstName LastName SecondLastName NationalityCode "
        "LanguageCode BirthDate:date BirthPlace Email Phone TaxIdentificationNumber "
        "LoyaltyCode Notes Classifications:strings Options:strings Address:address CompanyId "
        "IsActive:boolean"
    ),
    "Company": _fields(
        "ChainId Name MotherCompanyId Number:integer Identifier TaxIdentifier "
        "InvoiceDueInterval AccountingCode Notes Iata Options:object Address:address "
        "IsActive:boolean"
    ),
    "Bill": _fields(
        "Name AccountId AccountType CounterId State Type Number VariableSymbol "
        "IssuedUtc:datetime TaxedUtc:datetime PaidUtc:datetime DueUtc:datetime Notes "
        "Options:object"
    ),
    "AvailabilityAdjustment": _fields(
        "AvailabilityBlockId ResourceCategoryId StartUtc:datetime EndUtc:datetime "
        "FirstTimeUnitStartUtc:datetime LastTimeUnitStartUtc:datetime UnitCount:integer "
        "ActivityState ReleaseOverrideUtc:datetime IsActive:boolean!",
        th.Property("PaxCounts", _array_of("PersonCount:integer UnitCount:integer")),
        "FirstTimeUnitReleaseUtc:datetime",
    ),
    "AvailabilityBlock": _fields(
        "ServiceId RateId VoucherId BookerId CompanyId",
        th.Property("Budget", _object("Value:number Currency")),
        "State ReservationPurpose FirstTimeUnitStartUtc:datetime LastTimeUnitStartUtc:datetime "
        "ReleasedUtc:datetime RollingReleaseOffset ExternalIdentifier Name Notes IsActive:boolean",
    ),
    "ResourceBlock": _fields(
        "AssignedResourceId IsActive:boolean Type StartUtc:datetime EndUtc:datetime "
        "DeletedUtc:datetime Name Notes"
    ),
    "LedgerEntry": _fields(
        "TransactionId AccountId BillId AccountingCategoryId AccountingItemId "
        "AccountingItemType LedgerType LedgerEntryType PostingDate:date Value:number "
        "NetBaseValue:number TaxRateCode"
    ),
}


def schema_for(entity_type: str) -> dict[str, t.Any]:
    common = COMMON if entity_type != "LedgerEntry" else COMMON[:3]
    return th.PropertiesList(*common, *_FIELDS[entity_type], EXTRA).to_dict()
