"""Typed schemas of the exported entities (Mews Connector API objects).

Field names are Mews' own. Money stays a structured amount object, options stay
objects, times are date-times. Fields Mews adds later are not lost: the stream
moves them into ``_extra`` (and logs their names once).
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from singer_tap_kit.streams import extra_property

S, N, INT, B = th.StringType, th.NumberType, th.IntegerType, th.BooleanType
DT, D = th.DateTimeType, th.DateType


def _p(name: str, kind: t.Any, **kwargs: t.Any) -> th.Property:
    return th.Property(name, kind, **kwargs)


def _obj(*properties: th.Property) -> th.ObjectType:
    return th.ObjectType(*properties, additional_properties=True)


AMOUNT = _obj(
    _p("Currency", S),
    _p("NetValue", N),
    _p("GrossValue", N),
    _p("TaxValues", th.ArrayType(_obj(_p("Code", S), _p("Value", N)))),
    _p(
        "Breakdown",
        _obj(
            _p(
                "Items",
                th.ArrayType(_obj(_p("TaxRateCode", S), _p("NetValue", N), _p("TaxValue", N))),
            )
        ),
    ),
    _p("Value", N),
    _p("Net", N),
    _p("Tax", N),
    _p("TaxRate", N),
)
ADDRESS = _obj(
    _p("Line1", S),
    _p("Line2", S),
    _p("City", S),
    _p("PostalCode", S),
    _p("CountryCode", S),
    _p("CountrySubdivisionCode", S),
)
EXTRA = extra_property("Fields Mews sent that this schema does not declare (kept, not lost).")
COMMON = (
    _p("Id", S, required=True),
    _p("EnterpriseId", S),
    _p("CreatedUtc", DT),
    _p("UpdatedUtc", DT),
)

_FIELDS: dict[str, tuple[th.Property, ...]] = {
    "OrderItem": (
        _p("AccountId", S),
        _p("AccountType", S),
        _p("ServiceId", S),
        _p("ServiceOrderId", S),
        _p("BillId", S),
        _p("AccountingCategoryId", S),
        _p("UnitCount", INT),
        _p("UnitAmount", AMOUNT),
        _p("Amount", AMOUNT),
        _p("RevenueType", S),
        _p("ConsumedUtc", DT),
        _p("CanceledUtc", DT),
        _p("ClosedUtc", DT),
        _p("AccountingState", S),
        _p("Type", S),
        _p("Options", _obj()),
        _p("Data", _obj()),
    ),
    "Payment": (
        _p("AccountId", S),
        _p("AccountType", S),
        _p("BillId", S),
        _p("AccountingCategoryId", S),
        _p("Amount", AMOUNT),
        _p("OriginalAmount", AMOUNT),
        _p("Notes", S),
        _p("SettlementId", S),
        _p("ConsumedUtc", DT),
        _p("ClosedUtc", DT),
        _p("ChargedUtc", DT),
        _p("SettlementUtc", DT),
        _p("AccountingState", S),
        _p("State", S),
        _p("Identifier", S),
        _p("Type", S),
        _p("Kind", S),
        _p("Data", _obj()),
    ),
    "Reservation": (
        _p("ServiceId", S),
        _p("GroupId", S),
        _p("Number", S),
        _p("ChannelNumber", S),
        _p("State", S),
        _p("Origin", S),
        _p("CancelledUtc", DT),
        _p("VoucherId", S),
        _p("BusinessSegmentId", S),
        _p("RateId", S),
        _p("CreditCardId", S),
        _p("RequestedResourceCategoryId", S),
        _p("AssignedResourceId", S),
        _p("ScheduledStartUtc", DT),
        _p("ScheduledEndUtc", DT),
        _p("ActualStartUtc", DT),
        _p("ActualEndUtc", DT),
        _p("AccountId", S),
        _p("AccountType", S),
        _p("PersonCounts", th.ArrayType(_obj(_p("AgeCategoryId", S), _p("Count", INT)))),
        _p("Options", _obj(_p("OwnerCheckedIn", B), _p("AllCompanionsCheckedIn", B))),
    ),
    "Customer": (
        _p("ChainId", S),
        _p("Number", S),
        _p("Title", S),
        _p("Sex", S),
        _p("FirstName", S),
        _p("LastName", S),
        _p("SecondLastName", S),
        _p("NationalityCode", S),
        _p("LanguageCode", S),
        _p("BirthDate", D),
        _p("BirthPlace", S),
        _p("Email", S),
        _p("Phone", S),
        _p("TaxIdentificationNumber", S),
        _p("LoyaltyCode", S),
        _p("Notes", S),
        _p("Classifications", th.ArrayType(S)),
        _p("Options", th.ArrayType(S)),
        _p("Address", ADDRESS),
        _p("CompanyId", S),
        _p("IsActive", B),
    ),
    "Company": (
        _p("ChainId", S),
        _p("Name", S),
        _p("MotherCompanyId", S),
        _p("Number", INT),
        _p("Identifier", S),
        _p("TaxIdentifier", S),
        _p("InvoiceDueInterval", S),
        _p("AccountingCode", S),
        _p("Notes", S),
        _p("Iata", S),
        _p("Options", _obj()),
        _p("Address", ADDRESS),
        _p("IsActive", B),
    ),
    "Bill": (
        _p("Name", S),
        _p("AccountId", S),
        _p("AccountType", S),
        _p("CounterId", S),
        _p("State", S),
        _p("Type", S),
        _p("Number", S),
        _p("VariableSymbol", S),
        _p("IssuedUtc", DT),
        _p("TaxedUtc", DT),
        _p("PaidUtc", DT),
        _p("DueUtc", DT),
        _p("Notes", S),
        _p("Options", _obj()),
    ),
    "AvailabilityAdjustment": (
        _p("AvailabilityBlockId", S),
        _p("ResourceCategoryId", S),
        _p("StartUtc", DT),
        _p("EndUtc", DT),
        _p("FirstTimeUnitStartUtc", DT),
        _p("LastTimeUnitStartUtc", DT),
        _p("UnitCount", INT),
        _p("ActivityState", S),
        _p("ReleaseOverrideUtc", DT),
        _p("IsActive", B, required=True),
        _p("PaxCounts", th.ArrayType(_obj(_p("PersonCount", INT), _p("UnitCount", INT)))),
        _p("FirstTimeUnitReleaseUtc", DT),
    ),
    "AvailabilityBlock": (
        _p("ServiceId", S),
        _p("RateId", S),
        _p("VoucherId", S),
        _p("BookerId", S),
        _p("CompanyId", S),
        _p("Budget", _obj(_p("Value", N), _p("Currency", S))),
        _p("State", S),
        _p("ReservationPurpose", S),
        _p("FirstTimeUnitStartUtc", DT),
        _p("LastTimeUnitStartUtc", DT),
        _p("ReleasedUtc", DT),
        _p("RollingReleaseOffset", S),
        _p("ExternalIdentifier", S),
        _p("Name", S),
        _p("Notes", S),
        _p("IsActive", B),
    ),
    "ResourceBlock": (
        _p("AssignedResourceId", S),
        _p("IsActive", B),
        _p("Type", S),
        _p("StartUtc", DT),
        _p("EndUtc", DT),
        _p("DeletedUtc", DT),
        _p("Name", S),
        _p("Notes", S),
    ),
    "LedgerEntry": (
        _p("TransactionId", S),
        _p("AccountId", S),
        _p("BillId", S),
        _p("AccountingCategoryId", S),
        _p("AccountingItemId", S),
        _p("AccountingItemType", S),
        _p("LedgerType", S),
        _p("LedgerEntryType", S),
        _p("PostingDate", D),
        _p("Value", N),
        _p("NetBaseValue", N),
        _p("TaxRateCode", S),
    ),
}


def schema_for(entity_type: str) -> dict[str, t.Any]:
    common = COMMON if entity_type != "LedgerEntry" else COMMON[:3]
    return th.PropertiesList(*common, *_FIELDS[entity_type], EXTRA).to_dict()
