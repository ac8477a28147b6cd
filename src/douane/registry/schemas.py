"""Registry API shapes. Inputs forbid unknown fields and carry their constraints."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from douane.registry.model import BrokerStatus, Grade, OfficeKind, OperatorStatus, PostingRole

OFFICE_CODE = r"^\d{5}$"
UNLOCODE = r"^[A-Za-z]{2}[A-Za-z2-9]{3}$"
REGIME = r"^[A-Za-z0-9]{1,8}$"
NIF = r"^\d{15}(\d{5})?$"
CODE = r"^[A-Za-z0-9]{1,8}$"
WILAYA = r"^(0?[1-9]|[1-4]\d|5[0-8])$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- directorates and offices --------------------------------------------------------------


class DirectorateIn(_In):
    name_fr: str = Field(min_length=1, max_length=150)
    name_ar: str | None = Field(default=None, max_length=150)


class DirectorateOut(_Out):
    code: str
    name_fr: str
    name_ar: str | None


class OfficeIn(_In):
    code: str = Field(pattern=OFFICE_CODE, examples=["16011"])
    name_fr: str = Field(min_length=1, max_length=150)
    name_ar: str = Field(min_length=1, max_length=150)
    name_en: str = Field(min_length=1, max_length=150)
    kind: OfficeKind
    regional_directorate: str = Field(pattern=CODE, description="Code of an existing regional directorate")
    unlocode: str | None = Field(default=None, pattern=UNLOCODE, examples=["DZALG"])
    collection_office: str | None = Field(default=None, pattern=OFFICE_CODE, description="Recette code")
    regimes: list[str] = Field(default_factory=list, max_length=100)
    active: bool = True


class OfficeUpdate(_In):
    name_fr: str | None = Field(default=None, min_length=1, max_length=150)
    name_ar: str | None = Field(default=None, min_length=1, max_length=150)
    name_en: str | None = Field(default=None, min_length=1, max_length=150)
    kind: OfficeKind | None = None
    regional_directorate: str | None = Field(default=None, pattern=CODE)
    unlocode: str | None = Field(default=None, pattern=UNLOCODE)
    collection_office: str | None = Field(default=None, pattern=OFFICE_CODE)
    regimes: list[str] | None = Field(default=None, max_length=100)
    active: bool | None = None


class OfficeOut(_Out):
    id: int
    code: str
    name_fr: str
    name_ar: str
    name_en: str
    kind: OfficeKind
    regional_directorate_code: str
    regional_directorate_name: str
    unlocode: str | None
    collection_office_code: str | None
    regimes: list[str]
    active: bool


# --- economic operators --------------------------------------------------------------------


class OperatorIn(_In):
    nif: str = Field(pattern=NIF, description="Numéro d'identification fiscale: 15 or 20 digits")
    rc_number: str = Field(min_length=1, max_length=40, examples=["16/00-1234567B21"])
    legal_name_fr: str = Field(min_length=1, max_length=200)
    legal_name_ar: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    wilaya: str = Field(pattern=WILAYA, examples=["16"])
    registered_on: date | None = None


class OperatorUpdate(_In):
    expected_version: int = Field(ge=1, description="The version you read; a stale one is refused (409)")
    rc_number: str | None = Field(default=None, min_length=1, max_length=40)
    legal_name_fr: str | None = Field(default=None, min_length=1, max_length=200)
    legal_name_ar: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    wilaya: str | None = Field(default=None, pattern=WILAYA)


class OperatorStatusIn(_In):
    status: OperatorStatus
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int = Field(ge=1)


class OperatorOut(_Out):
    id: int
    nif: str
    rc_number: str
    legal_name_fr: str
    legal_name_ar: str | None
    address: str | None
    wilaya: str
    status: OperatorStatus
    registered_on: date
    version: int


class StatusChangeOut(_Out):
    at: datetime
    from_status: str | None
    to_status: str
    reason: str
    actor_name: str


# --- customs brokers -----------------------------------------------------------------------


class BrokerIn(_In):
    licence_number: str = Field(min_length=2, max_length=30, pattern=r"^[A-Za-z0-9][A-Za-z0-9/.-]+$")
    firm_name: str = Field(min_length=1, max_length=200)
    holder_name: str = Field(min_length=1, max_length=200)
    nif: str = Field(pattern=NIF)
    licence_valid_from: date
    licence_valid_to: date | None = None


class BrokerUpdate(_In):
    expected_version: int = Field(ge=1)
    firm_name: str | None = Field(default=None, min_length=1, max_length=200)
    holder_name: str | None = Field(default=None, min_length=1, max_length=200)
    nif: str | None = Field(default=None, pattern=NIF)
    licence_valid_from: date | None = None
    licence_valid_to: date | None = None


class BrokerStatusIn(_In):
    status: BrokerStatus
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int = Field(ge=1)


class BrokerOut(_Out):
    id: int
    licence_number: str
    firm_name: str
    holder_name: str
    nif: str
    licence_valid_from: date
    licence_valid_to: date | None
    status: BrokerStatus
    version: int


class ApprovalIn(_In):
    office_code: str = Field(pattern=OFFICE_CODE)
    valid_from: date
    valid_to: date | None = None


class PeriodEndIn(_In):
    valid_to: date = Field(description="Last day (inclusive)")
    reason: str = Field(min_length=1, max_length=2000)


class ApprovalOut(BaseModel):
    id: int
    office_code: str
    valid_from: date
    valid_to: date | None
    ended_reason: str | None


class MayDeclareOut(BaseModel):
    broker_id: int
    office_code: str
    on: date
    may_declare: bool
    refusal_code: str | None = None
    refusal: str | None = None


# --- staff ---------------------------------------------------------------------------------


class OfficerIn(_In):
    service_number: str = Field(min_length=3, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9/-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    grade: Grade
    on_duty: bool = False


class OfficerUpdate(_In):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    grade: Grade | None = None


class DutyIn(_In):
    on_duty: bool


class OfficerOut(_Out):
    id: int
    service_number: str
    full_name: str
    grade: Grade
    on_duty: bool


class PostingIn(_In):
    office_code: str = Field(pattern=OFFICE_CODE)
    role: PostingRole
    valid_from: date
    valid_to: date | None = None


class PostingEndIn(_In):
    valid_to: date = Field(description="Last day of the posting (inclusive)")


class PostingOut(BaseModel):
    id: int
    officer_id: int
    office_code: str
    role: PostingRole
    valid_from: date
    valid_to: date | None
