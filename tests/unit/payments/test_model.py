"""Payment rules without a database: receipt numbers, the state machine, amounts, guarantees, messages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import douane.payments
from douane.kernel.errors import Conflict, InvalidInput
from douane.kernel.money import Money
from douane.payments import model
from douane.payments.model import AmountDueStatus as S
from douane.payments.model import GuaranteeStatus, PaymentMethod

PACKAGE = Path(douane.payments.__file__).parent


def test_receipt_numbers_read_office_year_and_six_digit_sequence() -> None:
    assert model.receipt_number("16001", 2026, 42) == "16001/2026/000042"
    parsed = model.parse_receipt_number(" 16001/2026/000042 ")
    assert (parsed.collection_office, parsed.year, parsed.sequence) == ("16001", 2026, 42)
    for bad in ("16001/2026/42", "1600/2026/000042", "16001-2026-000042", "../../etc"):
        with pytest.raises(InvalidInput):
            model.parse_receipt_number(bad)
    with pytest.raises(Conflict):
        model.receipt_number("16001", 2026, 1_000_000)


def test_the_state_machine_lets_a_paid_or_cancelled_amount_go_nowhere() -> None:
    model.check_transition(S.OPEN, S.PARTIALLY_PAID)
    model.check_transition(S.PARTIALLY_PAID, S.GUARANTEED)
    model.check_transition(S.GUARANTEED, S.PAID)
    for current, target in ((S.PAID, S.OPEN), (S.CANCELLED, S.PAID), (S.PARTIALLY_PAID, S.CANCELLED),
                            (S.GUARANTEED, S.CANCELLED)):  # fmt: skip
        with pytest.raises(Conflict):
            model.check_transition(current, target)


def test_status_after_a_payment() -> None:
    total = Money.of("100")
    assert model.status_after_payment(S.OPEN, total, Money.of("40")) is S.PARTIALLY_PAID
    assert model.status_after_payment(S.PARTIALLY_PAID, total, Money.of("100")) is S.PAID
    assert model.status_after_payment(S.GUARANTEED, total, Money.of("60")) is S.GUARANTEED


def test_a_payment_is_a_positive_dzd_amount_within_the_outstanding() -> None:
    outstanding = Money.of("100.50")
    assert model.check_payment_amount(Money.of("100.50"), outstanding) == outstanding
    with pytest.raises(Conflict):
        model.check_payment_amount(Money.of("100.51"), outstanding)
    for amount in (Money.of("0"), Money.of("-1"), Money.of("1", "EUR"), Money.of("0.001")):
        with pytest.raises(InvalidInput):
            model.check_payment_amount(amount, outstanding)


def test_tax_lines_are_merged_by_code_and_must_be_dzd_and_not_negative() -> None:
    lines = model.merge_lines([("dd", Money.of("10")), ("TVA", Money.of("5")), ("DD", Money.of("2.5"))])
    assert lines == (("DD", Money.of("12.5")), ("TVA", Money.of("5")))
    assert model.total_of(lines) == Money.of("17.5")
    for bad in ([], [("DD", Money.of("-1"))], [("DD", Money.of("1", "USD"))], [("D D", Money.of("1"))]):
        with pytest.raises(InvalidInput):
            model.merge_lines(bad)


def test_the_fingerprint_changes_with_any_part_of_the_request() -> None:
    base = (1, Money.of("10"), PaymentMethod.CASH, None, "SARL X")
    same = model.request_fingerprint(*base)
    assert same == model.request_fingerprint(*base)
    variants = [
        (2, *base[1:]),
        (1, Money.of("11"), *base[2:]),
        (*base[:2], PaymentMethod.CHEQUE, "1", "SARL X"),
        (*base[:4], "SARL Y"),
    ]
    assert len({model.request_fingerprint(*v) for v in variants} | {same}) == 5


def test_cheques_and_transfers_need_a_reference_cash_does_not() -> None:
    assert model.check_method_reference(PaymentMethod.CASH, "  ") is None
    assert model.check_method_reference(PaymentMethod.CHEQUE, " CHQ  12 ") == "CHQ 12"
    with pytest.raises(InvalidInput):
        model.check_method_reference(PaymentMethod.BANK_TRANSFER, None)


def test_a_guarantee_is_checked_for_owner_status_validity_and_balance() -> None:
    usable = {
        "status": GuaranteeStatus.ACTIVE, "valid_from": date(2026, 1, 1), "valid_to": date(2026, 12, 31),
        "guarantee_operator_id": 1, "debtor_operator_id": 1, "available": Money.of("100"),
        "needed": Money.of("100"), "on": date(2026, 6, 1),
    }  # fmt: skip
    model.check_guarantee_usable(**usable)  # type: ignore[arg-type]
    refusals = {
        "payments.guarantee_other_operator": {"debtor_operator_id": 2},
        "payments.guarantee_released": {"status": GuaranteeStatus.RELEASED},
        "payments.guarantee_not_valid": {"on": date(2027, 1, 1)},
        "payments.guarantee_insufficient": {"needed": Money.of("100.01")},
    }
    for code, change in refusals.items():
        with pytest.raises(Conflict) as refused:
            model.check_guarantee_usable(**{**usable, **change})  # type: ignore[arg-type]
        assert refused.value.code == code


def test_every_message_of_the_payments_context_is_translated_to_french_and_arabic() -> None:
    raised = re.compile(r'"payments\.[a-z_]+",\s*"([^"]+)"')
    msgids = {m for path in PACKAGE.glob("*.py") for m in raised.findall(path.read_text(encoding="utf-8"))}
    assert len(msgids) > 25
    for language in ("fr", "ar"):
        with (PACKAGE / "locale" / f"{language}.po").open("rb") as handle:
            catalog = {m.id: m.string for m in read_po(handle) if m.id}
        missing = sorted(m for m in msgids if not catalog.get(m))
        assert missing == [], f"{language}: {missing}"
