"""Registry rules, pure: codes and their patterns, status machines, search normalisation, date ranges.

No database and no web here: only the standard library, python-stdnum's checksum-free NIF rule
and douane.kernel.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache

from stdnum.dz import nif as dz_nif
from stdnum.exceptions import ValidationError as StdnumValidationError

from douane.kernel.errors import Conflict, InvalidInput

OFFICE_CODE = re.compile(r"^\d{5}$", re.ASCII)
UNLOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
REGIME_CODE = re.compile(r"^[A-Z0-9]{1,8}$")
DIRECTORATE_CODE = re.compile(r"^[A-Z0-9]{1,8}$")
SERVICE_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9/-]{2,19}$")
LICENCE_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9/.-]{1,29}$")
RC_MAX_LENGTH = 40
SEARCH_TEXT_MAX_LENGTH = 460
WILAYAS = frozenset(f"{n:02d}" for n in range(1, 59))


class OfficeKind(StrEnum):
    SEA_PORT = "sea_port"
    AIRPORT = "airport"
    LAND_BORDER = "land_border"
    INLAND = "inland"


class OperatorStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    STRUCK_OFF = "struck_off"


class BrokerStatus(StrEnum):
    APPROVED = "approved"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


class Grade(StrEnum):
    """Grades of the Algerian customs service, highest first (language-neutral codes)."""

    INSPECTEUR_DIVISIONNAIRE = "inspecteur_divisionnaire"
    INSPECTEUR_PRINCIPAL = "inspecteur_principal"
    INSPECTEUR = "inspecteur"
    OFFICIER_DE_CONTROLE_PRINCIPAL = "officier_de_controle_principal"
    OFFICIER_DE_CONTROLE = "officier_de_controle"
    AGENT_DE_CONSTATATION_PRINCIPAL = "agent_de_constatation_principal"
    AGENT_DE_CONSTATATION = "agent_de_constatation"
    AGENT_DE_BRIGADE = "agent_de_brigade"


class PostingRole(StrEnum):
    INSPECTOR = "inspector"
    LIQUIDATION_INSPECTOR = "liquidation_inspector"
    CASHIER = "cashier"
    RISK_ANALYST = "risk_analyst"
    OFFICE_CHIEF = "office_chief"
    AUDITOR = "auditor"


OPERATOR_TRANSITIONS: dict[OperatorStatus, frozenset[OperatorStatus]] = {
    OperatorStatus.ACTIVE: frozenset({OperatorStatus.SUSPENDED, OperatorStatus.STRUCK_OFF}),
    OperatorStatus.SUSPENDED: frozenset({OperatorStatus.ACTIVE, OperatorStatus.STRUCK_OFF}),
    OperatorStatus.STRUCK_OFF: frozenset(),
}

BROKER_TRANSITIONS: dict[BrokerStatus, frozenset[BrokerStatus]] = {
    BrokerStatus.APPROVED: frozenset({BrokerStatus.SUSPENDED, BrokerStatus.WITHDRAWN}),
    BrokerStatus.SUSPENDED: frozenset({BrokerStatus.APPROVED, BrokerStatus.WITHDRAWN}),
    BrokerStatus.WITHDRAWN: frozenset(),
}


def check_operator_transition(current: OperatorStatus, target: OperatorStatus) -> None:
    if target not in OPERATOR_TRANSITIONS[current]:
        raise Conflict(
            "registry.operator_transition_refused",
            "An operator cannot go from {from_status} to {to_status}",
            from_status=current.value,
            to_status=target.value,
        )


def check_broker_transition(current: BrokerStatus, target: BrokerStatus) -> None:
    if target not in BROKER_TRANSITIONS[current]:
        raise Conflict(
            "registry.broker_transition_refused",
            "A customs broker cannot go from {from_status} to {to_status}",
            from_status=current.value,
            to_status=target.value,
        )


def require_reason(reason: str | None) -> str:
    text = (reason or "").replace("\x00", "").strip()
    if not text:
        raise InvalidInput("registry.reason_required", "A reason is required for this change")
    return text


# --- codes -------------------------------------------------------------------------------------


def clean_nif(value: str) -> str:
    """The NIF (tax identification number) as stored: 15 or 20 digits, spaces dropped."""
    try:
        return _checked_nif(value)
    except StdnumValidationError as exc:
        raise InvalidInput(
            "registry.invalid_nif", "The NIF must be 15 or 20 digits", value=str(value)[:40]
        ) from exc


@lru_cache(maxsize=4096)
def _checked_nif(value: str) -> str:
    # A batch names the same few importers again and again; the check is pure, so it is made once.
    return str(dz_nif.validate(value))


def clean_office_code(value: str) -> str:
    code = value.strip()
    if not OFFICE_CODE.match(code):
        raise InvalidInput(
            "registry.invalid_office_code", "A customs office code is 5 digits", value=code[:20]
        )
    return code


def clean_unlocode(value: str) -> str:
    code = value.strip().upper().replace(" ", "")
    if not UNLOCODE.match(code):
        raise InvalidInput(
            "registry.invalid_unlocode",
            "A UN/LOCODE is 5 characters: country and location, e.g. DZALG",
            value=code[:20],
        )
    return code


def clean_regimes(values: Iterable[str]) -> list[str]:
    regimes = sorted({v.strip().upper() for v in values if v.strip()})
    for regime in regimes:
        if not REGIME_CODE.match(regime):
            raise InvalidInput(
                "registry.invalid_regime", "Not a customs regime code: {value}", value=regime[:20]
            )
    return regimes


def clean_wilaya(value: str | int) -> str:
    text = str(value).strip()
    code = text.zfill(2) if text.isdigit() and len(text) <= 2 else text
    if code not in WILAYAS:
        raise InvalidInput("registry.invalid_wilaya", "A wilaya code is 01 to 58", value=text[:10])
    return code


def single_line(value: str | None) -> str:
    """Whitespace collapsed and control characters (NUL included) dropped."""
    return " ".join(
        "".join(c for c in (value or "") if unicodedata.category(c) != "Cc" or c.isspace()).split()
    )


def clean_rc_number(value: str) -> str:
    """Registre du commerce number: shapes vary by era (e.g. 16/00-1234567B21); kept as typed."""
    text = single_line(value)
    if not text:
        raise InvalidInput("registry.rc_required", "The trade register (RC) number is required")
    if len(text) > RC_MAX_LENGTH:
        raise InvalidInput(
            "registry.rc_too_long", "The RC number is at most {max} characters", max=RC_MAX_LENGTH
        )
    return text


# --- search ------------------------------------------------------------------------------------

_ARABIC_FOLD = str.maketrans({"ى": "ي", "ة": "ه", "ـ": None})
_SEPARATORS = re.compile(r"[^\w]+|_+")


def normalize_search(text: str) -> str:
    """Lower case, no accents or Arabic diacritics, punctuation as single spaces.

    Stored values and queries go through the same function, so `Sétif` matches `setif`
    and `أحمد` matches `احمد`.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = bare.casefold().translate(_ARABIC_FOLD)
    return " ".join(_SEPARATORS.sub(" ", folded).split())


def operator_search_text(rc_number: str, legal_name_fr: str, legal_name_ar: str | None) -> str:
    text = normalize_search(" ".join(p for p in (rc_number, legal_name_fr, legal_name_ar or "") if p))
    return text[:SEARCH_TEXT_MAX_LENGTH]


def next_prefix(prefix: str) -> str | None:
    """The smallest digit string greater than every string starting with `prefix` ("129" -> "13")."""
    digits = prefix.rstrip("9")
    if not digits:
        return None
    return digits[:-1] + str(int(digits[-1]) + 1)


# --- effective dating --------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    """Inclusive on both ends; `end is None` means open-ended."""

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InvalidInput(
                "registry.invalid_period", "The end date {end} is before the start date {start}",
                start=self.start.isoformat(), end=self.end.isoformat(),
            )  # fmt: skip

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def overlaps(self, other: DateRange) -> bool:
        starts_before_other_ends = other.end is None or self.start <= other.end
        ends_after_other_starts = self.end is None or other.start <= self.end
        return starts_before_other_ends and ends_after_other_starts


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    from_status: str | None
    to_status: str


def status_at(current: str, changes: Sequence[StatusChange], moment: datetime) -> str:
    """The status in force at `moment`, given the current status and the dated changes."""
    ordered = sorted(changes, key=lambda c: c.at)
    before = [c for c in ordered if c.at <= moment]
    if before:
        return before[-1].to_status
    if ordered and ordered[0].from_status is not None:
        return ordered[0].from_status
    return current


# --- staff -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterOfficer:
    """An officer in a draw pool: a plain value, so a pool can be shared between units of work."""

    id: int
    service_number: str
    full_name: str


# --- customs brokers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


BROKER_SUSPENDED = Refusal("registry.broker_suspended", "The customs broker's licence is suspended")
BROKER_WITHDRAWN = Refusal("registry.broker_withdrawn", "The customs broker's licence is withdrawn")
BROKER_LICENCE_EXPIRED = Refusal(
    "registry.broker_licence_expired", "The customs broker's licence is not valid on that date"
)
BROKER_NOT_APPROVED_AT_OFFICE = Refusal(
    "registry.broker_not_approved_at_office",
    "The customs broker is not approved at that office on that date",
)


def broker_refusal(
    status: BrokerStatus, licence: DateRange, office_approvals: Iterable[DateRange], day: date
) -> Refusal | None:
    """Why a broker may not lodge a declaration at an office on a day (None: it may)."""
    if status is BrokerStatus.WITHDRAWN:
        return BROKER_WITHDRAWN
    if status is BrokerStatus.SUSPENDED:
        return BROKER_SUSPENDED
    if not licence.contains(day):
        return BROKER_LICENCE_EXPIRED
    if not any(approval.contains(day) for approval in office_approvals):
        return BROKER_NOT_APPROVED_AT_OFFICE
    return None
