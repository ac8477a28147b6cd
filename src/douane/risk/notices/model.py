"""Notices, pure: subject kinds and how their identifiers are written (ISO 6346 containers through
python-stdnum), the notice lifecycle and the match of a declaration's facts against open notices.

No database, no web: the standard library, python-stdnum, the kernel and the decision reasons' templates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from stdnum import iso6346

from douane.kernel.errors import Conflict, InvalidInput
from douane.risk.selection.policy import NOTICE_MATCH


class SubjectKind(StrEnum):
    OPERATOR = "operator"  # NIF
    CONSIGNMENT = "consignment"  # bill of lading or manifest reference
    CONTAINER = "container"  # ISO 6346 number
    VEHICLE = "vehicle"  # registration


class IssuingService(StrEnum):
    RISK_ANALYSIS = "risk_analysis"
    INTELLIGENCE = "intelligence"
    MUTUAL_ASSISTANCE = "mutual_assistance"


class NoticeStatus(StrEnum):
    OPEN = "open"
    MATCHED = "matched"  # at least one declaration matched
    CLOSED = "closed"  # the analyst recorded the outcome
    CANCELLED = "cancelled"


class NoticeOutcome(StrEnum):
    CONFIRMED = "confirmed"
    UNFOUNDED = "unfounded"


NOTICE_CHANNELS = ("yellow", "red")
LIVE_STATUSES = frozenset({NoticeStatus.OPEN, NoticeStatus.MATCHED})

_TRANSITIONS: Mapping[str, frozenset[NoticeStatus]] = {
    "match": frozenset({NoticeStatus.OPEN}),  # its first match; later matches leave it matched
    "close": LIVE_STATUSES,
    "cancel": LIVE_STATUSES,
}
_TARGET = {"match": NoticeStatus.MATCHED, "close": NoticeStatus.CLOSED, "cancel": NoticeStatus.CANCELLED}


def next_status(status: str, action: str) -> NoticeStatus:
    """The status after `action`; Conflict `risk.notice_transition` when the notice is past it."""
    if NoticeStatus(status) not in _TRANSITIONS[action]:
        raise Conflict(
            "risk.notice_transition",
            "This notice is already closed or cancelled",
            status=status,
            action=action,
        )
    return _TARGET[action]


# --- identifiers -------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-./]+")
_CONTAINER = re.compile(r"^[A-Z]{3}[UJZR]\d{7}$", re.ASCII)
_NIF = re.compile(r"^(\d{15}|\d{20})$", re.ASCII)
_FREE_TEXT = re.compile(r"^[A-Z0-9]{2,64}$")


def compact(value: str | None) -> str:
    """Upper case without spaces, dashes, dots or slashes: how identifiers are compared."""
    return _SEPARATORS.sub("", value or "").upper()


def clean_subject(kind: str, value: str) -> str:
    """The subject as stored and matched; InvalidInput when it cannot be one of its kind."""
    subject_kind = _kind(kind)
    text = compact(value)
    if subject_kind is SubjectKind.OPERATOR and not _NIF.match(text):
        raise InvalidInput("risk.notice_invalid_nif", "An operator notice names a NIF of 15 or 20 digits")
    if subject_kind is SubjectKind.CONTAINER:
        _check_container(text)
    if subject_kind in (SubjectKind.CONSIGNMENT, SubjectKind.VEHICLE) and not _FREE_TEXT.match(text):
        raise InvalidInput(
            "risk.notice_invalid_reference",
            "A consignment or vehicle reference is 2 to 64 letters and digits",
        )
    return text


def _kind(kind: str) -> SubjectKind:
    try:
        return SubjectKind(kind)
    except ValueError as exc:
        raise InvalidInput(
            "risk.notice_invalid_kind", "A notice is on an operator, a consignment, a container or a vehicle"
        ) from exc


def _check_container(text: str) -> None:
    if not _CONTAINER.match(text):
        raise InvalidInput(
            "risk.notice_invalid_container",
            "A container number is 4 letters (the fourth U, J, Z or R) and 7 digits",
        )
    expected = iso6346.calc_check_digit(text[:10])
    if text[10] != expected:
        raise InvalidInput(
            "risk.notice_container_check_digit",
            "The container number's check digit should be {digit}",
            digit=int(expected),
        )


# --- matching ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveNotice:
    """What matching needs of a notice: immutable, so it can be kept between units of work."""

    id: int
    number: str
    subject_kind: str
    subject: str
    channel: str
    office_codes: frozenset[str]
    valid_from: date
    valid_to: date | None
    status: str = "open"

    def applies(self, office_code: str, on: date) -> bool:
        in_office = not self.office_codes or office_code in self.office_codes
        in_time = self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
        return in_office and in_time

    def describe(self) -> str:
        return NOTICE_MATCH.format(
            number=self.number, kind=self.subject_kind, subject=self.subject, channel=self.channel
        )


NoticeIndex = Mapping[tuple[str, str], tuple[LiveNotice, ...]]


def index_notices(notices: Iterable[LiveNotice]) -> NoticeIndex:
    index: dict[tuple[str, str], list[LiveNotice]] = {}
    for notice in notices:
        index.setdefault((notice.subject_kind, notice.subject), []).append(notice)
    return {key: tuple(found) for key, found in index.items()}


@dataclass(frozen=True)
class DeclarationSubjects:
    """The identifiers of a declaration a notice can name."""

    operator_nif: str = ""
    consignments: tuple[str, ...] = ()  # bill of lading, manifest reference
    containers: tuple[str, ...] = ()
    vehicles: tuple[str, ...] = ()  # transport means

    def identifiers(self) -> list[tuple[str, str]]:
        pairs = [(SubjectKind.OPERATOR.value, self.operator_nif)]
        pairs += [(SubjectKind.CONSIGNMENT.value, value) for value in self.consignments]
        pairs += [(SubjectKind.CONTAINER.value, value) for value in self.containers]
        pairs += [(SubjectKind.VEHICLE.value, value) for value in self.vehicles]
        return [(kind, key) for kind, value in pairs if (key := compact(value))]


def matching(
    index: NoticeIndex, subjects: DeclarationSubjects, office_code: str, on: date
) -> list[LiveNotice]:
    """The notices in force at the office on that date that name one of the declaration's identifiers."""
    found = {
        notice.id: notice
        for key in subjects.identifiers()
        for notice in index.get(key, ())
        if notice.applies(office_code, on)
    }
    return sorted(found.values(), key=lambda notice: notice.id)
