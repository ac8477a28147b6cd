"""Money: a Decimal amount and an ISO 4217 currency, never a float.

DZD amounts are stored as integer centimes. Rounding happens only at named points:
`round_down_to_unit` is the Customs Code rule for each duty and tax amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation

from douane.kernel.errors import InvalidInput

DZD = "DZD"
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
# ISO 4217 minor units where they differ from 2; the list is short and stable.
_MINOR_UNITS = {
    "BHD": 3, "BIF": 0, "CLF": 4, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3,
    "JPY": 0, "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3,
    "UGX": 0, "UYI": 0, "UYW": 4, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}  # fmt: skip


_SEEN_CURRENCIES: set[str] = {DZD}  # codes already checked: Money is built often on hot paths


def _check_currency(currency: object) -> None:
    if not isinstance(currency, str) or not _CURRENCY_CODE.match(currency):
        raise InvalidInput("money.invalid_currency", "Not an ISO 4217 currency code", value=str(currency))
    _SEEN_CURRENCIES.add(currency)


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise InvalidInput("money.float_rejected", "Amounts must not be floats", value=str(value))
    try:
        result = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput("money.invalid_amount", "Not a valid amount", value=str(value)) from exc
    if not result.is_finite():
        raise InvalidInput("money.invalid_amount", "Not a valid amount", value=str(value))
    return result


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in _SEEN_CURRENCIES:
            _check_currency(self.currency)
        if type(self.amount) is not Decimal or not self.amount.is_finite():
            object.__setattr__(self, "amount", to_decimal(self.amount))

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str = DZD) -> Money:
        return cls(to_decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str = DZD) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str = DZD) -> Money:
        return cls(Decimal(minor).scaleb(-minor_units(currency)), currency)

    def to_minor(self) -> int:
        """The amount in minor units (centimes for DZD); refuses to lose a fraction."""
        scaled = self.amount.scaleb(minor_units(self.currency))
        if scaled != scaled.to_integral_value():
            raise InvalidInput(
                "money.too_precise",
                "Amount has more decimals than its currency allows",
                value=str(self.amount),
                currency=self.currency,
            )
        return int(scaled)

    def quantized(self) -> Money:
        """Rounded half-even to the currency's minor unit (for display and storage of computed values)."""
        exponent = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(exponent, rounding=ROUND_HALF_EVEN), self.currency)

    def round_down_to_unit(self) -> Money:
        """Customs Code rule: each duty and tax amount is rounded down to the whole unit (dinar)."""
        return Money(self.amount.to_integral_value(rounding=ROUND_DOWN), self.currency)

    def _check_same(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise InvalidInput("money.currency_mismatch", "Cannot combine different currencies")

    def __add__(self, other: Money) -> Money:
        self._check_same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check_same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise InvalidInput("money.float_rejected", "Factors must not be floats")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check_same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check_same(other)
        return self.amount <= other.amount

    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
