"""Registry rules without a database: codes, status machines, search folding, periods, brokers."""

from datetime import UTC, date, datetime

import pytest

from douane.kernel.errors import Conflict, InvalidInput
from douane.registry import model
from douane.registry.model import BrokerStatus, DateRange, OperatorStatus, StatusChange


@pytest.mark.parametrize("value", ["000016001234567", "0000 1600 1234 567", "00001600123456789012"])
def test_a_nif_of_15_or_20_digits_is_accepted(value: str) -> None:
    assert model.clean_nif(value) == value.replace(" ", "")


@pytest.mark.parametrize("value", ["", "12345678901234", "1234567890123456", "00001600123456A", "x" * 15])
def test_a_nif_of_another_length_or_with_letters_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        model.clean_nif(value)
    assert refused.value.code == "registry.invalid_nif"


def test_office_codes_are_five_digits_and_unlocodes_five_characters() -> None:
    assert model.clean_office_code(" 16011 ") == "16011"
    assert model.clean_unlocode("dz alg") == "DZALG"
    for bad_office in ("1601", "160111", "16O11"):
        with pytest.raises(InvalidInput):
            model.clean_office_code(bad_office)
    for bad_locode in ("DZAL", "D1ALG", "DZALG1"):
        with pytest.raises(InvalidInput):
            model.clean_unlocode(bad_locode)


def test_wilaya_codes_run_from_01_to_58() -> None:
    assert model.clean_wilaya("9") == "09"
    assert model.clean_wilaya(58) == "58"
    for bad in ("00", "59", "A1", ""):
        with pytest.raises(InvalidInput):
            model.clean_wilaya(bad)


def test_rc_number_is_lenient_but_not_empty_nor_too_long() -> None:
    assert model.clean_rc_number(" 16/00-1234567B21 ") == "16/00-1234567B21"
    with pytest.raises(InvalidInput):
        model.clean_rc_number("   ")
    with pytest.raises(InvalidInput):
        model.clean_rc_number("9" * 41)


def test_operator_transitions_follow_the_table_and_struck_off_is_final() -> None:
    model.check_operator_transition(OperatorStatus.ACTIVE, OperatorStatus.SUSPENDED)
    model.check_operator_transition(OperatorStatus.SUSPENDED, OperatorStatus.ACTIVE)
    model.check_operator_transition(OperatorStatus.SUSPENDED, OperatorStatus.STRUCK_OFF)
    for target in OperatorStatus:
        with pytest.raises(Conflict) as refused:
            model.check_operator_transition(OperatorStatus.STRUCK_OFF, target)
        assert refused.value.code == "registry.operator_transition_refused"
    with pytest.raises(Conflict):
        model.check_operator_transition(OperatorStatus.ACTIVE, OperatorStatus.ACTIVE)


def test_withdrawn_broker_is_final() -> None:
    model.check_broker_transition(BrokerStatus.APPROVED, BrokerStatus.WITHDRAWN)
    with pytest.raises(Conflict):
        model.check_broker_transition(BrokerStatus.WITHDRAWN, BrokerStatus.APPROVED)


def test_search_folding_ignores_case_accents_punctuation_and_arabic_diacritics() -> None:
    assert model.normalize_search("  SÉTIF Électro-Ménager ") == "setif electro menager"
    assert model.normalize_search("أَحْمَد") == model.normalize_search("احمد")
    assert model.normalize_search("مؤسسة") == model.normalize_search("موسسه")
    assert model.normalize_search("100%_off") == "100 off"


def test_next_prefix_bounds_a_digit_prefix() -> None:
    assert model.next_prefix("0001") == "0002"
    assert model.next_prefix("129") == "13"
    assert model.next_prefix("999") is None


def test_date_ranges_are_inclusive_and_open_ended() -> None:
    year = DateRange(date(2026, 1, 1), date(2026, 12, 31))
    assert year.contains(date(2026, 12, 31))
    assert not year.contains(date(2027, 1, 1))
    assert year.overlaps(DateRange(date(2026, 12, 31)))
    assert not year.overlaps(DateRange(date(2027, 1, 1), date(2027, 6, 30)))
    assert DateRange(date(2020, 1, 1)).overlaps(DateRange(date(2030, 1, 1)))
    with pytest.raises(InvalidInput):
        DateRange(date(2026, 2, 1), date(2026, 1, 31))


def test_status_at_a_moment_reads_the_history() -> None:
    suspended = StatusChange(datetime(2026, 3, 1, tzinfo=UTC), "active", "suspended")
    restored = StatusChange(datetime(2026, 3, 10, tzinfo=UTC), "suspended", "active")
    history = [restored, suspended]
    assert model.status_at("active", history, datetime(2026, 2, 1, tzinfo=UTC)) == "active"
    assert model.status_at("active", history, datetime(2026, 3, 5, tzinfo=UTC)) == "suspended"
    assert model.status_at("active", history, datetime(2026, 3, 11, tzinfo=UTC)) == "active"
    assert model.status_at("suspended", [], datetime(2026, 3, 11, tzinfo=UTC)) == "suspended"


def test_broker_refusals_name_the_first_reason() -> None:
    licence = DateRange(date(2025, 1, 1), date(2026, 12, 31))
    approvals = [DateRange(date(2026, 1, 1), date(2026, 6, 30))]
    day = date(2026, 3, 15)
    assert model.broker_refusal(BrokerStatus.APPROVED, licence, approvals, day) is None
    assert model.broker_refusal(BrokerStatus.SUSPENDED, licence, approvals, day) == model.BROKER_SUSPENDED
    assert model.broker_refusal(BrokerStatus.WITHDRAWN, licence, approvals, day) == model.BROKER_WITHDRAWN
    expired = model.broker_refusal(BrokerStatus.APPROVED, licence, approvals, date(2027, 1, 1))
    assert expired == model.BROKER_LICENCE_EXPIRED
    outside = model.broker_refusal(BrokerStatus.APPROVED, licence, approvals, date(2026, 7, 1))
    assert outside == model.BROKER_NOT_APPROVED_AT_OFFICE
    assert (
        model.broker_refusal(BrokerStatus.APPROVED, licence, [], day) == model.BROKER_NOT_APPROVED_AT_OFFICE
    )
