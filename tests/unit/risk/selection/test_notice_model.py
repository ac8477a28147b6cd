"""Notice subjects as stored and matched: NIF, consignment, ISO 6346 container, vehicle; office and dates."""

from datetime import date

import pytest

from douane.kernel.errors import Conflict, InvalidInput
from douane.risk.notices.model import (
    DeclarationSubjects,
    LiveNotice,
    clean_subject,
    index_notices,
    matching,
    next_status,
)


def test_a_container_number_is_cleaned_and_its_check_digit_verified() -> None:
    assert clean_subject("container", "csqu 305438-3") == "CSQU3054383"
    with pytest.raises(InvalidInput) as wrong:
        clean_subject("container", "CSQU3054384")
    assert (wrong.value.code, wrong.value.params) == ("risk.notice_container_check_digit", {"digit": 3})
    with pytest.raises(InvalidInput) as malformed:
        clean_subject("container", "CSQX3054383")
    assert malformed.value.code == "risk.notice_invalid_container"


def test_operators_are_named_by_nif_and_other_kinds_by_letters_and_digits() -> None:
    assert clean_subject("operator", "0001 1600 1234 567") == "000116001234567"
    assert clean_subject("vehicle", "12345-116-16") == "1234511616"
    assert clean_subject("consignment", "msc/bl.42") == "MSCBL42"
    for kind, value, code in [
        ("operator", "12345", "risk.notice_invalid_nif"),
        ("vehicle", "#", "risk.notice_invalid_reference"),
        ("ship", "X1", "risk.notice_invalid_kind"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            clean_subject(kind, value)
        assert refused.value.code == code


def _notice(number: int, kind: str, subject: str, *, offices: frozenset[str] = frozenset(),
            until: date | None = None) -> LiveNotice:  # fmt: skip
    return LiveNotice(number, f"AC-2026-{number:06d}", kind, subject, "red", offices, date(2026, 3, 1), until)


def test_each_subject_kind_matches_its_own_identifier_in_its_offices_and_dates() -> None:
    index = index_notices(
        [
            _notice(1, "operator", "000116001234567"),
            _notice(2, "consignment", "MSCUBL1"),
            _notice(3, "consignment", "2026160110042"),
            _notice(4, "container", "CSQU3054383"),
            _notice(5, "vehicle", "MSCALGER", offices=frozenset({"16011"})),
            _notice(6, "operator", "000116009999999", until=date(2026, 3, 10)),
        ]
    )
    subjects = DeclarationSubjects(
        operator_nif="000116001234567", consignments=("MSCU-BL-1", "2026/16011/0042"),
        containers=("csqu3054383",), vehicles=("MSC ALGER",),
    )  # fmt: skip
    on = date(2026, 3, 15)
    assert [n.id for n in matching(index, subjects, "16011", on)] == [1, 2, 3, 4, 5]
    assert [n.id for n in matching(index, subjects, "31011", on)] == [1, 2, 3, 4]
    assert matching(index, DeclarationSubjects(operator_nif="000116009999999"), "16011", on) == []
    assert [n.id for n in matching(index, DeclarationSubjects(operator_nif="000116009999999"), "16011",
                                   date(2026, 3, 10))] == [6]  # fmt: skip
    assert matching(index, subjects, "16011", date(2026, 2, 28)) == []


def test_the_lifecycle_refuses_to_reopen_a_closed_or_cancelled_notice() -> None:
    assert next_status("matched", "close") == "closed"
    assert next_status("open", "cancel") == "cancelled"
    for status, action in [("closed", "cancel"), ("cancelled", "close"), ("closed", "close")]:
        with pytest.raises(Conflict) as refused:
            next_status(status, action)
        assert refused.value.code == "risk.notice_transition"
