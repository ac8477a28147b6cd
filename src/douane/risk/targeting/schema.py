"""The fields a targeting rule reads about a declaration, and the functions it may call.

A rule is evaluated once per goods item, with the header's fields repeated on every item; a declaration hits
the rule when any of its items does. Amounts are in dinars (not centimes), masses in kilograms, so analysts
write `value_per_kg < 120` as they think. A field whose value is unknown (no indicator for the line, an
operator without history) is missing: every comparison with it is false.
"""

from __future__ import annotations

from types import MappingProxyType

from douane.risk.rules import FunctionSignature, RuleSchema, Type

HEADER_FIELDS: dict[str, Type] = {
    "declaration_type": Type.TEXT,  # "import" or "export"
    "regime": Type.TEXT,  # customs regime code, e.g. "IM4", "EX1"
    "office": Type.TEXT,  # declaration office code
    "operator": Type.TEXT,  # importer or exporter NIF
    "broker": Type.TEXT,  # broker firm's approval number; "" when the trader declares for itself
    "dispatch_country": Type.TEXT,  # ISO 3166 alpha-2
    "destination_country": Type.TEXT,
    "transport_mode": Type.TEXT,  # UN/ECE Rec. 19 code, e.g. "1" sea, "4" air
    "incoterm": Type.TEXT,
    "currency": Type.TEXT,  # invoice currency, ISO 4217
    "invoice_total_dzd": Type.NUMBER,
    "item_count": Type.NUMBER,
    "operator_days_registered": Type.NUMBER,  # days since the operator entered the registry
    "operator_controls": Type.NUMBER,  # controls of the operator's declarations with a recorded result
    "operator_discrepancy_rate": Type.NUMBER,  # share of those controls that found a discrepancy, 0 to 1
    "broker_discrepancy_rate": Type.NUMBER,
    "lodged_on": Type.DATE,  # date of lodging, Africa/Algiers
    "weekday": Type.NUMBER,  # 1 Monday .. 7 Sunday
    "hour": Type.NUMBER,  # 0 .. 23, Africa/Algiers
}

ITEM_FIELDS: dict[str, Type] = {
    "hs10": Type.TEXT,  # national tariff line
    "hs6": Type.TEXT,
    "hs4": Type.TEXT,
    "hs2": Type.TEXT,
    "hs_prefixes": Type.TEXT_LIST,  # ["87", "8703", "870323", "8703231100"]
    "origin": Type.TEXT,
    "preference": Type.TEXT,
    "description": Type.TEXT,
    "quantity": Type.NUMBER,  # in the supplementary unit
    "net_mass_kg": Type.NUMBER,
    "gross_mass_kg": Type.NUMBER,
    "customs_value_dzd": Type.NUMBER,
    "value_per_kg": Type.NUMBER,  # customs value (DZD) per kg of net mass
    "value_per_unit": Type.NUMBER,  # customs value (DZD) per supplementary unit
    "indicator_ratio": Type.NUMBER,  # value per kg / value indicator of the line and origin in force
}

FUNCTIONS: dict[str, FunctionSignature] = {
    # value indicator (DZD per kg) of an HS6 line and an origin, in force on the lodging date
    "indicator": FunctionSignature((Type.TEXT, Type.TEXT), Type.NUMBER),
}

DECLARATION_SCHEMA = RuleSchema(
    fields=MappingProxyType({**HEADER_FIELDS, **ITEM_FIELDS}),
    functions=MappingProxyType(FUNCTIONS),
)
