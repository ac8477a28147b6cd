from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from douane.kernel.errors import InvalidInput
from douane.kernel.money import Money


def test_amounts_are_decimal_and_floats_are_refused() -> None:
    assert Money.of("1234.56").amount == Decimal("1234.56")
    with pytest.raises(InvalidInput) as caught:
        Money.of(0.1)  # type: ignore[arg-type]
    assert caught.value.code == "money.float_rejected"


def test_currency_must_be_an_iso_code() -> None:
    with pytest.raises(InvalidInput) as caught:
        Money.of("1", "dinar")
    assert caught.value.code == "money.invalid_currency"


def test_adding_two_currencies_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        Money.of("1", "DZD") + Money.of("1", "EUR")
    assert caught.value.code == "money.currency_mismatch"


def test_duty_amounts_round_down_to_the_whole_dinar() -> None:
    assert Money.of("15234.99").round_down_to_unit() == Money.of("15234")
    assert Money.of("0.99").round_down_to_unit() == Money.of("0")


def test_centimes_round_trip_and_refuse_a_fraction_of_a_centime() -> None:
    assert Money.of("12345678901234567.89").to_minor() == 1234567890123456789
    assert Money.from_minor(1234567890123456789) == Money.of("12345678901234567.89")
    with pytest.raises(InvalidInput):
        Money.of("1.234").to_minor()


def test_minor_units_follow_iso_4217() -> None:
    assert Money.of("1.234", "TND").to_minor() == 1234
    assert Money.of("150", "JPY").to_minor() == 150


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_any_centime_count_round_trips(centimes: int) -> None:
    assert Money.from_minor(centimes).to_minor() == centimes
