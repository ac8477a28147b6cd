"""The sentences of a breakdown, written from its figures alone.

The engine writes them this way for a fresh assessment, and a stored breakdown writes them again when it
is read: storage keeps the figures each sentence is made of (the dinar value before costs, the costs, the
earlier taxes a base adds), not the sentences, which cost more to write at lodging than the assessment
itself. Only a line whose arithmetic needs more than its own figures (specific, compound or bounded
duties) keeps its explanation as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

from douane.i18n import translate
from douane.kernel.money import DZD

CENT = Decimal("0.01")
ONE = Decimal(1)
HUNDRED = Decimal(100)
CUSTOMS_VALUE = "CV"
COST_LABELS = ("freight", "insurance", "other costs")
ROUNDED = ", rounded down to"
WORDS = (ROUNDED, "applied", "set at", "declared", *COST_LABELS, "kg net", "kg gross", CUSTOMS_VALUE, DZD)
"""The words the sentences are written with (the rest are figures, rates, units and tax codes); "declared" is
how breakdowns stored before 6 December 2026 wrote "set at". The comma before "rounded down to" goes with it,
since a language writing decimals with a comma separates otherwise."""
_WORDS = re.compile(
    "|".join(
        (r"\b" if word[0].isalnum() else "") + re.escape(word) + r"\b"
        for word in sorted(WORDS, key=len, reverse=True)
    )
)
LEFT_TO_RIGHT_MARK = "\u200e"


def words_in(sentence: str, language: str) -> str:
    """A sentence of the breakdown with its words in `language` (its figures as written: see
    `web.formats.Formats.figures`). The sentences read left to right, as arithmetic does: in Arabic a mark
    after each word keeps the figure that follows it in its place (without it, a figure after an Arabic word
    joins the word's right-to-left run, and "freight 1 + insurance 2" reads in the reverse order)."""
    if language == "en":
        return sentence
    after = LEFT_TO_RIGHT_MARK if language == "ar" else ""
    return _WORDS.sub(lambda word: translate(word.group(0), language) + after, sentence)


def number(value: Decimal) -> str:
    """A rate or quantity for people: thousands grouped with spaces, no trailing zeros ("1 200", "0.5")."""
    value = value.quantize(ONE) if value == value.to_integral_value() else value.normalize()
    return format(value, ",f").replace(",", " ")


def dinars(value: Decimal) -> str:
    """A dinar amount as kept: centimes when it has them ("1 234.50"), whole dinars otherwise."""
    return format(value, ",f").replace(",", " ")


def cents_down(value: Decimal) -> str:
    """An unrounded amount shown to the centime, cut (not rounded) so it agrees with the rounding down."""
    return dinars(value.quantize(CENT, rounding=ROUND_DOWN))


def value_text(
    *,
    currency: str,
    invoice_amount: Decimal,
    rate_text: str,
    invoiced: Decimal,
    costs: Iterable[int],
    declared: bool,
) -> str:
    """How an item's customs value was reached: "EUR 1 000 x 148.5 = 148 500.00 + freight 1 234.56"
    (`invoiced` in dinars, `costs` in centimes), or "set at 150 000.00" for a value given rather than computed
    (declared, or amended at control)."""
    if declared:
        return f"set at {dinars(invoiced)}"
    text = f"{currency} {number(invoice_amount)}"
    if currency != DZD:
        text += f" x {rate_text} = {dinars(invoiced)}"
    for label, cents in zip(COST_LABELS, costs, strict=True):
        if cents:
            text += f" + {label} {dinars(Decimal(cents).scaleb(-2))}"
    return text


def base_text(value_dinars: str, added: Iterable[tuple[str, str]]) -> str:
    """A tax's base: the customs value, then each earlier tax it adds ("CV 1 234.50 + DD 185")."""
    return f"{CUSTOMS_VALUE} {value_dinars}" + "".join(f" + {code} {amount}" for code, amount in added)


def ad_valorem_explanation(percent_text: str, raw: Decimal, base_number: str, amount_text: str) -> str:
    """ "15% x 1 234.50 = 185.17, rounded down to 185 DZD" (`raw` is the unrounded amount)."""
    return f"{percent_text} x {base_number} = {cents_down(raw)}{ROUNDED} {amount_text} DZD"


def percent_factor(percent_text: str) -> Decimal:
    """The factor of a rate written by `number` and a percent sign ("1 200%" -> 12)."""
    return Decimal(percent_text.removesuffix("%").replace(" ", "")) / HUNDRED
