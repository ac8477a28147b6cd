"""Request and response bodies of the declarations API (the declarant side)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from stdnum import iso6346
from stdnum.exceptions import ValidationError

from douane.declarations import model
from douane.declarations.model import (
    Channel,
    DeclarationType,
    Incoterm,
    Regime,
    Severity,
    Status,
    TransportMode,
)
from douane.web.json_bodies import texts_are_clean

COUNTRY = r"^[A-Z]{2}$"
CURRENCY = r"^[A-Z]{3}$"
Amount = Annotated[Decimal, Field(max_digits=17, decimal_places=3, ge=-(10**14), le=10**14)]
Short = Annotated[str, Field(max_length=80)]


def container_number(value: Any) -> str:
    """An ISO 6346 container number, written compactly ("CSQU 305438 3" -> "CSQU3054383")."""
    if not isinstance(value, str) or len(value) > 20:
        raise ValueError("a container number is text such as CSQU3054383")
    try:
        return str(iso6346.validate(value))
    except ValidationError as exc:
        raise ValueError(
            f"{value!r} is not an ISO 6346 container number (owner code, serial, check digit)"
        ) from exc


ContainerNumber = Annotated[str, BeforeValidator(container_number)]


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f]")
"""Below the space, but for tab and new line."""


def without_control_characters(value: str) -> str:
    """Text as stored: NUL and other control characters dropped (PostgreSQL refuses NUL in text)."""
    return CONTROL_CHARACTERS.sub("", value)


def cleaned_texts(data: Any) -> Any:
    """A model's input with control characters dropped from its text fields (the same object when it has
    none, as it almost always has)."""
    if type(data) is not dict:
        return data
    dirty = [k for k, v in data.items() if type(v) is str and not v.isprintable()]
    if not dirty:
        return data
    return {**data, **{key: without_control_characters(data[key]) for key in dirty}}


class FormModel(BaseModel):
    """Inputs: unknown fields refused, control characters dropped from every text field."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _clean_texts(cls, data: Any) -> Any:
        return cleaned_texts(data)


class PartOfForm(BaseModel):
    """A part of a declaration (a party, an item, a document): unknown fields refused; its texts are
    cleaned by the declaration that holds it, in one pass (a call per item cost a bulk lodging of a
    hundred declarations of ten items more than validating their amounts)."""

    model_config = ConfigDict(extra="forbid")


PARTS = ("consignor", "consignee")
LISTS_OF_PARTS = ("items", "documents")


def declaration_cleaned(data: Any) -> Any:
    """`cleaned_texts` for a declaration's input and every part it holds."""
    data = cleaned_texts(data)
    if type(data) is not dict:
        return data
    changed: dict[str, Any] = {}
    for key in PARTS:
        part = data.get(key)
        cleaned = cleaned_texts(part)
        if cleaned is not part:
            changed[key] = cleaned
    for key in LISTS_OF_PARTS:
        parts = data.get(key)
        if type(parts) is list:
            cleaned_parts = [cleaned_texts(part) for part in parts]
            if any(c is not p for c, p in zip(cleaned_parts, parts, strict=True)):
                changed[key] = cleaned_parts
    return {**data, **changed} if changed else data


class PartyIn(PartOfForm):
    name: str = Field(min_length=1, max_length=200)
    nif: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=300)
    country: str | None = Field(None, pattern=COUNTRY)

    def to_model(self) -> model.Party:
        return model.Party(self.name, self.nif, self.address, self.country)


class ItemIn(PartOfForm):
    number: int = Field(ge=1, le=model.MAX_ITEMS)
    line_code: str = Field(max_length=10, description="10-digit national tariff line")
    description: str = Field(max_length=500)
    origin_country: str = Field(pattern=COUNTRY)
    invoice_amount: Amount
    net_mass_kg: Amount
    gross_mass_kg: Amount
    packages: int | None = Field(None, ge=0, le=10**9)
    package_kind: str | None = Field(None, max_length=4)
    preference: str | None = Field(None, max_length=8)
    supplementary_quantity: Amount | None = None
    supplementary_unit: str | None = Field(None, max_length=12)
    customs_value_dzd: Annotated[Decimal, Field(max_digits=17, decimal_places=2, ge=0)] | None = None

    def to_model(self) -> model.Item:
        return model.built(model.Item, self.__dict__)  # the same fields, every one a plain value


class DocumentIn(PartOfForm):
    type_code: str = Field(min_length=1, max_length=8)
    number: str = Field(min_length=1, max_length=60)
    issuer: str | None = Field(None, max_length=200)
    issued_on: date | None = None

    def to_model(self) -> model.DocumentRef:
        return model.DocumentRef(self.type_code.strip(), self.number.strip(), self.issuer, self.issued_on)


class DeclarationIn(FormModel):
    """The declaration form. A draft may be saved incomplete: findings tell what is missing."""

    @model_validator(mode="before")
    @classmethod
    def _clean_texts(cls, data: Any) -> Any:
        if texts_are_clean.get():  # a JSON body seen to hold no control character (web.json_bodies)
            return data
        return declaration_cleaned(data)

    type: DeclarationType
    regime: Regime
    office_code: str = Field(max_length=5)
    operator_nif: str = Field(max_length=20, description="Importer or exporter NIF")
    broker_id: int | None = Field(None, ge=1, le=2**63 - 1, description="Set from the broker's account")
    consignor: PartyIn | None = None
    consignee: PartyIn | None = None
    dispatch_country: str | None = Field(None, pattern=COUNTRY)
    destination_country: str | None = Field(None, pattern=COUNTRY)
    transport_mode: TransportMode | None = None
    transport_means: Short | None = None
    manifest_reference: str | None = Field(None, max_length=40)
    bill_of_lading: str | None = Field(None, max_length=40)
    containers: list[ContainerNumber] = Field(default_factory=list, max_length=999)
    invoice_currency: str = Field(pattern=CURRENCY)
    invoice_total: Amount
    incoterm: Incoterm
    freight: Amount | None = None
    insurance: Amount | None = None
    other_costs: Amount | None = None
    costs_currency: str | None = Field(None, pattern=CURRENCY)
    domiciliation_reference: str | None = Field(None, max_length=40)
    items: list[ItemIn] = Field(default_factory=list, max_length=model.MAX_ITEMS)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=100)

    def to_model(self) -> model.Declaration:
        values = {name: getattr(self, name) for name in HEADER_FIELDS}
        values["consignor"] = self.consignor.to_model() if self.consignor else None
        values["consignee"] = self.consignee.to_model() if self.consignee else None
        values["items"] = tuple(i.to_model() for i in self.items)
        values["documents"] = tuple(d.to_model() for d in self.documents)
        values["containers"] = tuple(self.containers)
        return model.built(model.Declaration, values)


PARTS_OF_A_DECLARATION = ("consignor", "consignee", "items", "documents", "containers")
HEADER_FIELDS = tuple(name for name in DeclarationIn.model_fields if name not in PARTS_OF_A_DECLARATION)
# `to_model` gives `model.built` every field of the content, none more (checked once, here).
assert set(ItemIn.model_fields) == model.FIELD_NAMES[model.Item]
assert {*HEADER_FIELDS, *PARTS_OF_A_DECLARATION} == model.FIELD_NAMES[model.Declaration]


class DraftUpdateIn(DeclarationIn):
    version: int | None = Field(None, ge=1, description="The version you read (or send If-Match)")


class VersionIn(FormModel):
    version: int | None = Field(None, ge=1)


class AmendIn(FormModel):
    declaration: DeclarationIn
    reason: str = Field(min_length=1, max_length=2000)
    version: int | None = Field(None, ge=1)


class ReasonIn(FormModel):
    reason: str = Field(min_length=1, max_length=2000)


class FindingOut(BaseModel):
    code: str
    path: str
    message: str
    severity: Severity
    params: dict[str, Any] = Field(default_factory=dict)


class FindingsOut(BaseModel):
    findings: list[FindingOut]
    blocking: int
    warnings: int


class PartyOut(BaseModel):
    name: str
    nif: str | None = None
    address: str | None = None
    country: str | None = None


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    line_code: str
    description: str
    origin_country: str
    invoice_amount: Decimal
    net_mass_kg: Decimal
    gross_mass_kg: Decimal
    packages: int | None
    package_kind: str | None
    preference: str | None
    supplementary_quantity: Decimal | None
    supplementary_unit: str | None
    customs_value_dzd: Decimal | None
    assessed_customs_value: Decimal | None = None
    assessed_taxes: Decimal | None = None


class DocumentOut(BaseModel):
    id: int
    type_code: str
    number: str
    issuer: str | None
    issued_on: date | None
    filename: str | None
    content_type: str | None
    size_bytes: int | None
    sha256: str | None
    uploaded_at: datetime | None
    has_file: bool


class AmendmentOut(BaseModel):
    """A change customs made to an item at control, as the declarant is told of it (not who made it):
    `before` is the value declared (null when the item had none, such as a customs value the assessment
    computed), `after` the value customs set."""

    recorded_at: datetime
    item: int | None
    field: str
    before: str | None
    after: str | None
    reason: str


class EventOut(BaseModel):
    at: datetime
    action: str
    from_state: str | None
    to_state: str | None
    reason: str | None
    actor_name: str | None


class DeclarationSummary(BaseModel):
    id: int
    number: str | None
    status: Status
    type: DeclarationType
    regime: Regime
    office_code: str
    broker_id: int | None
    operator_nif: str
    channel: Channel | None
    total_due: Decimal | None
    created_at: datetime
    registered_at: datetime | None


class DeclarationOut(DeclarationSummary):
    version: int
    current_version: int
    regime_label: str
    declarant_name: str
    operator_id: int | None
    consignor: PartyOut | None
    consignee: PartyOut | None
    dispatch_country: str | None
    destination_country: str | None
    transport_mode: TransportMode | None
    transport_means: str | None
    manifest_reference: str | None
    bill_of_lading: str | None
    containers: list[str]
    invoice_currency: str
    invoice_total: Decimal
    incoterm: Incoterm
    freight: Decimal | None
    insurance: Decimal | None
    other_costs: Decimal | None
    costs_currency: str | None
    domiciliation_reference: str | None
    post_clearance_audit: bool
    customs_value: Decimal | None
    assessment: dict[str, Any] | None
    findings: list[FindingOut]
    items: list[ItemOut]
    documents: list[DocumentOut]
    lodged_at: datetime | None
    released_at: datetime | None
    exited_at: datetime | None
    allowed_actions: list[str]
    history: list[EventOut] = Field(default_factory=list)
    control_amendments: list[AmendmentOut] = Field(default_factory=list)
    # officers only (never the selectivity reasons nor the inspector for declarants)
    channel_reasons: list[str] | None = None
    inspector_officer_id: int | None = None


class InvalidationRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    declaration_id: int
    reason: str
    requested_by_name: str
    requested_at: datetime
    decision: str
    decided_by_name: str | None
    decided_at: datetime | None
    decision_note: str | None


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version_number: int
    created_at: datetime
    created_by_name: str
    reason: str | None
    snapshot: dict[str, Any]
    assessment: dict[str, Any] | None


MAX_BULK = 100


class BulkIn(FormModel):
    declarations: list[DeclarationIn] = Field(min_length=1, max_length=MAX_BULK)


class BulkError(BaseModel):
    code: str
    message: str


class BulkOutcome(BaseModel):
    index: int
    id: int | None = None
    status: Status | None = None
    number: str | None = None
    channel: Channel | None = None
    total_due: Decimal | None = None
    findings: list[FindingOut] = Field(default_factory=list)
    error: BulkError | None = None


class BulkOut(BaseModel):
    lodged: int
    failed: int
    outcomes: list[BulkOutcome]
