"""Payment rules, pure: methods, amount-due statuses and their transitions, guarantees, receipt numbers.

No database and no web here: only the standard library and douane.kernel.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from douane.kernel.errors import Conflict, InvalidInput
from douane.kernel.money import DZD, Money

RECEIPT_NUMBER = re.compile(r"^(?P<office>\d{5})/(?P<year>\d{4})/(?P<seq>\d{6})$")
MAX_RECEIPTS_PER_YEAR = 999_999
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")
TAX_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,15}$")


class PaymentMethod(StrEnum):
    CASH = "cash"
    CHEQUE = "cheque"
    BANK_TRANSFER = "bank_transfer"


METHODS_NEEDING_REFERENCE = frozenset({PaymentMethod.CHEQUE, PaymentMethod.BANK_TRANSFER})


class AmountDueKind(StrEnum):
    """What the amount due asks for: a payment at the cashier, or (duties and taxes a suspensive regime
    suspends: temporary admission, customs warehouse, transit) only a guarantee covering them."""

    PAYMENT = "payment"
    SUSPENDED = "suspended"


def check_cash_payable(kind: AmountDueKind) -> None:
    """Suspended duties and taxes are guaranteed, never collected at the cashier."""
    if kind is AmountDueKind.SUSPENDED:
        raise Conflict(
            "payments.suspended_not_payable",
            "Suspended duties and taxes are covered by a guarantee, not paid at the cashier",
        )


class AmountDueStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    GUARANTEED = "guaranteed"
    CANCELLED = "cancelled"
    DISCHARGED = "discharged"  # suspended duties no longer owed: the suspensive regime was discharged


_S = AmountDueStatus
AMOUNT_DUE_TRANSITIONS: dict[AmountDueStatus, frozenset[AmountDueStatus]] = {
    _S.OPEN: frozenset({_S.PARTIALLY_PAID, _S.PAID, _S.GUARANTEED, _S.CANCELLED}),
    _S.PARTIALLY_PAID: frozenset({_S.PARTIALLY_PAID, _S.PAID, _S.GUARANTEED}),
    # A guaranteed amount is still payable; once fully paid the guarantee is released.
    # Suspended duties are never paid: they stay guaranteed until the regime is discharged.
    _S.GUARANTEED: frozenset({_S.GUARANTEED, _S.PAID, _S.DISCHARGED}),
    _S.PAID: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.DISCHARGED: frozenset(),
}
PAYABLE = frozenset({_S.OPEN, _S.PARTIALLY_PAID, _S.GUARANTEED})
COVERABLE = frozenset({_S.OPEN, _S.PARTIALLY_PAID})


def check_transition(current: AmountDueStatus, target: AmountDueStatus) -> None:
    """The one guard of the amount-due state machine."""
    if target not in AMOUNT_DUE_TRANSITIONS[current]:
        raise Conflict(
            "payments.transition_refused",
            "An amount due cannot go from {from_status} to {to_status}",
            from_status=current.value,
            to_status=target.value,
        )


class GuaranteeKind(StrEnum):
    BANK_SURETY = "bank_surety"
    CASH_DEPOSIT = "cash_deposit"
    GLOBAL = "global"  # global guarantee of an operator, covering many declarations


class GuaranteeStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"  # given back to the operator (discharged): it covers nothing any more


GUARANTEE_TRANSITIONS: dict[GuaranteeStatus, frozenset[GuaranteeStatus]] = {
    GuaranteeStatus.ACTIVE: frozenset({GuaranteeStatus.RELEASED}),
    GuaranteeStatus.RELEASED: frozenset(),
}
STILL_OWED = frozenset({_S.OPEN, _S.PARTIALLY_PAID, _S.GUARANTEED})
"""Amount-due statuses in which the duties are still owed, so a guarantee covering them must stay."""


# --- amounts -----------------------------------------------------------------------------------


def dzd(value: Money) -> Money:
    """A DZD amount in whole centimes (raises for another currency or a finer fraction)."""
    if value.currency != DZD:
        raise InvalidInput(
            "payments.currency_not_dzd", "Amounts due and payments are in DZD, not {currency}",
            currency=value.currency,
        )  # fmt: skip
    value.to_minor()
    return value


def merge_lines(lines: Iterable[tuple[str, Money]]) -> tuple[tuple[str, Money], ...]:
    """Tax lines by code (a code given twice is summed), in the order first seen; amounts >= 0."""
    merged: dict[str, Money] = {}
    for raw_code, amount in lines:
        code = str(raw_code).strip().upper()
        if not TAX_CODE.match(code):
            raise InvalidInput("payments.invalid_tax_code", "Not a tax code: {tax}", tax=code[:20])
        if dzd(amount).is_negative():
            raise InvalidInput("payments.negative_line", "The amount of tax {tax} is negative", tax=code)
        merged[code] = merged.get(code, Money.zero()) + amount
    if not merged:
        raise InvalidInput("payments.no_lines", "An amount due needs at least one tax line")
    return tuple(merged.items())


def total_of(lines: Iterable[tuple[str, Money]]) -> Money:
    total = Money.zero()
    for _code, amount in lines:
        total += amount
    return total


def positive_dzd(amount: Money) -> Money:
    """A payment is a positive DZD amount in whole centimes."""
    dzd(amount)
    if amount.amount <= 0:
        raise InvalidInput("payments.amount_not_positive", "A payment must be more than zero")
    return amount


def check_payment_amount(amount: Money, outstanding: Money) -> Money:
    """A payment is a positive DZD amount in whole centimes, at most what is still to pay."""
    positive_dzd(amount)
    if outstanding < amount:
        raise Conflict(
            "payments.exceeds_outstanding",
            "The payment of {amount} DZD exceeds the {outstanding} DZD still to pay",
            amount=str(amount.amount), outstanding=str(outstanding.amount),
        )  # fmt: skip
    return amount


def status_after_payment(current: AmountDueStatus, total: Money, paid: Money) -> AmountDueStatus:
    if paid == total:
        return AmountDueStatus.PAID
    if current is AmountDueStatus.GUARANTEED:
        return AmountDueStatus.GUARANTEED
    return AmountDueStatus.PARTIALLY_PAID


def check_method_reference(method: PaymentMethod, reference: str | None) -> str | None:
    text = " ".join((reference or "").split())
    if method in METHODS_NEEDING_REFERENCE and not text:
        raise InvalidInput(
            "payments.method_reference_required",
            "A payment by cheque or transfer needs its reference (cheque number or transfer reference)",
            method=method.value,
        )
    if len(text) > 64:
        raise InvalidInput(
            "payments.method_reference_too_long", "The payment reference is at most 64 characters"
        )
    return text or None


def check_idempotency_key(key: str) -> str:
    if not isinstance(key, str) or not IDEMPOTENCY_KEY.match(key):
        raise InvalidInput(
            "payments.invalid_idempotency_key", "The idempotency key is 1 to 100 visible ASCII characters"
        )
    return key


def request_fingerprint(
    amount_due_id: int, amount: Money, method: PaymentMethod, method_reference: str | None, payer: str
) -> str:
    """A digest of what a payment request asks for: a replayed key must carry the same request."""
    canonical = json.dumps(
        [amount_due_id, amount.to_minor(), amount.currency, method.value, method_reference, payer],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# --- receipts ----------------------------------------------------------------------------------


def receipt_number(collection_office: str, year: int, sequence: int) -> str:
    """`<collection office>/<year>/<6-digit sequence>`, e.g. 16001/2026/000042."""
    if not 1 <= sequence <= MAX_RECEIPTS_PER_YEAR:
        raise Conflict(
            "payments.receipt_sequence_exhausted",
            "The receipt numbers of office {office} for {year} are exhausted",
            office=collection_office, year=year,
        )  # fmt: skip
    return f"{collection_office}/{year:04d}/{sequence:06d}"


@dataclass(frozen=True)
class ReceiptNumber:
    collection_office: str
    year: int
    sequence: int


def parse_receipt_number(text: str) -> ReceiptNumber:
    match = RECEIPT_NUMBER.match(text.strip())
    if match is None:
        raise InvalidInput(
            "payments.invalid_receipt_number",
            "A receipt number looks like 16001/2026/000042 (office/year/sequence)",
        )
    return ReceiptNumber(match["office"], int(match["year"]), int(match["seq"]))


# --- guarantees --------------------------------------------------------------------------------


def check_guarantee_usable(
    *,
    status: GuaranteeStatus,
    valid_from: date,
    valid_to: date | None,
    guarantee_operator_id: int,
    debtor_operator_id: int | None,
    available: Money,
    needed: Money,
    on: date,
) -> None:
    """Why a guarantee cannot cover an amount (raises), in the order a cashier would check."""
    if debtor_operator_id is None or guarantee_operator_id != debtor_operator_id:
        raise Conflict(
            "payments.guarantee_other_operator", "This guarantee belongs to another economic operator"
        )
    if status is not GuaranteeStatus.ACTIVE:
        raise Conflict("payments.guarantee_released", "This guarantee has been released")
    if on < valid_from or (valid_to is not None and valid_to < on):
        raise Conflict(
            "payments.guarantee_not_valid", "This guarantee is not valid on {day}", day=on.isoformat()
        )
    if available < needed:
        raise Conflict(
            "payments.guarantee_insufficient",
            "The guarantee has {available} available, {needed} is needed",
            available=str(available), needed=str(needed),
        )  # fmt: skip


def check_dischargeable(kind: AmountDueKind) -> None:
    """Only duties a suspensive regime suspended end with its discharge; duties to pay stay owed."""
    if kind is not AmountDueKind.SUSPENDED:
        raise Conflict(
            "payments.not_suspended",
            "These duties and taxes were not suspended: discharging the regime does not end them",
        )


def check_guarantee_transition(current: GuaranteeStatus, target: GuaranteeStatus) -> None:
    """The one guard of the guarantee state machine."""
    if target not in GUARANTEE_TRANSITIONS[current]:
        raise Conflict(
            "payments.guarantee_transition_refused",
            "A guarantee cannot go from {from_status} to {to_status}",
            from_status=current.value,
            to_status=target.value,
        )


def check_guarantee_releasable(covered: Iterable[tuple[str, AmountDueStatus]]) -> None:
    """A guarantee is given back only once nothing it covers is still owed: every declaration it covers
    was paid, its amount due cancelled (the declaration was invalidated) or its suspensive regime discharged.
    `covered` pairs each amount due the guarantee still covers with its status, by the declaration's
    reference."""
    waiting = sorted({reference for reference, status in covered if status in STILL_OWED})
    if waiting:
        raise Conflict(
            "payments.guarantee_in_use",
            "The guarantee still covers unpaid duties (declaration {references}); it cannot be released",
            references=", ".join(waiting),
        )


# --- what other contexts read ------------------------------------------------------------------


class SettlementStatus(StrEnum):
    NONE = "none"
    OPEN = "open"
    PAID = "paid"
    GUARANTEED = "guaranteed"
    DISCHARGED = "discharged"


@dataclass(frozen=True)
class Settlement:
    """Where the payment of a subject (a declaration) stands."""

    status: SettlementStatus
    outstanding: Money
    receipts: tuple[str, ...] = ()
    suspended: bool = False  # the amount is to be guaranteed, not paid (AmountDueKind.SUSPENDED)

    @property
    def settled(self) -> bool:
        return self.status in (
            SettlementStatus.PAID,
            SettlementStatus.GUARANTEED,
            SettlementStatus.DISCHARGED,
        )


def settlement_status(status: AmountDueStatus | None) -> SettlementStatus:
    if status is None or status is AmountDueStatus.CANCELLED:
        return SettlementStatus.NONE
    if status is AmountDueStatus.PAID:
        return SettlementStatus.PAID
    if status is AmountDueStatus.GUARANTEED:
        return SettlementStatus.GUARANTEED
    if status is AmountDueStatus.DISCHARGED:
        return SettlementStatus.DISCHARGED
    return SettlementStatus.OPEN
