"""Assessment (liquidation) as pure values: what goes in, what comes out, and the breakdown's storage form.

The computation lives in `engine.py`; `assess` here is its public entry point. Reference values
(measures and tax types) are read through their attributes only: this module imports nothing from
another context at run time.

Choices a user can notice:
- Incoterms 2020 decide what is added to the invoice to reach the value at the Algerian border:
  EXW, FCA, FAS, FOB add freight and insurance; CFR, CPT add insurance; CIF, CIP, DAP, DPU, DDP add
  neither. Declared "other costs to the border" are added whatever the incoterm: the declarant
  declares them precisely because the invoice price leaves them out.
- Nothing is ever deducted: negative freight, insurance or other costs are refused (a DAP/DDP invoice
  that includes costs after the border is taken as invoiced; an officer amends the value instead).
- Header costs are converted to dinars each at its own currency's rate, then shared between items pro
  rata of their invoice amounts: each share is rounded down to the centime and the centimes left over
  go to the item with the largest invoice amount (the lowest item number among equals), so the shares
  always add up to the header amount exactly.
- An item's declared customs value (an officer's amendment, in dinars) replaces its computed value
  entirely, header-cost share included; the other items keep their shares.
- Specific duties per kg take the net mass ("kg gross" takes the gross mass); per any other unit
  (item, l, hl, m, m2, m3...) they take the item's supplementary quantity when its unit is that one
  (common spellings accepted: "u", "NAR", "p/st" for items; litres convert to hectolitres and back).
- Each duty and tax amount is rounded down to the whole dinar, per item and per tax; totals are sums of
  those amounts. A tax's base is the customs value plus the (rounded) amounts of the taxes its base
  names that the line carries; a named tax the line does not carry counts 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple

from douane.assessment import texts
from douane.kernel.errors import InvalidInput
from douane.kernel.money import DZD, Money

if TYPE_CHECKING:
    from douane.reference.model import Measure, TaxType

FORMAT_VERSION = 2
READABLE_FORMAT = 1
ZERO = Decimal(0)
ADD_FREIGHT_AND_INSURANCE = frozenset({"EXW", "FCA", "FAS", "FOB"})
ADD_INSURANCE = frozenset({"CFR", "CPT"})
AS_INVOICED = frozenset({"CIF", "CIP", "DAP", "DPU", "DDP"})
INCOTERMS = ADD_FREIGHT_AND_INSURANCE | ADD_INSURANCE | AS_INVOICED


class AssessmentError(InvalidInput):
    """The declaration cannot be assessed as given; `code` says why (assessment.xxx)."""


# --- input -------------------------------------------------------------------------------------------


class ItemInput(NamedTuple):
    """One declared item. `invoice_amount` is in the invoice currency; masses in kilograms;
    `declared_customs_value` (DZD), when given, replaces the computed value (an officer's amendment). A named
    tuple: a lodging builds one per item, in half the time of a frozen dataclass."""

    number: int
    line_code: str
    invoice_amount: Decimal
    net_mass_kg: Decimal
    gross_mass_kg: Decimal
    supplementary_quantity: Decimal | None = None
    supplementary_unit: str | None = None
    declared_customs_value: Money | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessmentInput:
    """Everything the computation needs, already looked up at the registration date `on`.

    `exchange_rates`: dinars per unit of each foreign currency used (DZD needs no entry).
    `measures`: the measures in force on `on`, by 10-digit line code.
    """

    on: date
    invoice_currency: str
    incoterm: str
    freight: Money | None = None
    insurance: Money | None = None
    other_costs_to_border: Money | None = None
    items: tuple[ItemInput, ...]
    exchange_rates: Mapping[str, Decimal]
    measures: Mapping[str, Sequence[Measure]]
    tax_types: Sequence[TaxType]


# --- result ------------------------------------------------------------------------------------------


class Texts:
    """The readable texts of one item's breakdown, rendered on first use: the computation does not pay
    for them, a reader or `to_dict` does. Keyed by tax code; the key "" holds the customs value's text.
    The engine subclasses it; a stored breakdown uses StoredTexts."""

    __slots__ = ("_rendered",)

    def get(self, key: str) -> tuple[str, ...]:
        rendered: dict[str, tuple[str, ...]] | None = getattr(self, "_rendered", None)
        if rendered is None:
            rendered = self._rendered = self.render()
        return rendered[key]

    def render(self) -> dict[str, tuple[str, ...]]:
        raise NotImplementedError

    def stored_item(self, item: ItemAssessment) -> dict[str, Any] | None:
        """The stored form (format 2, see `stored_item_form`) of `item`, whose texts these are, or None
        when only the written texts are known (a breakdown stored in format 1)."""
        return None


class StoredTexts(Texts):
    """The texts of a breakdown stored in format 1, as written then."""

    __slots__ = ()

    def __init__(self, rendered: dict[str, tuple[str, ...]]) -> None:
        self._rendered = rendered


def _line_texts(line: Mapping[str, Any], value_dinars: str, amounts: Mapping[str, str]) -> tuple[str, str]:
    """A stored line's base text and explanation: written again for a plain percentage, else as kept."""
    added = [str(code) for code in line.get("adds", ())]
    base_text = texts.base_text(value_dinars, [(code, amounts[code]) for code in added])
    explanation = line.get("explanation")
    if explanation is not None:
        return base_text, str(explanation)
    base, rate = Decimal(line["base"]), str(line["rate"])
    base_number = texts.dinars(base) if added else value_dinars
    raw = base * texts.percent_factor(rate)
    return base_text, texts.ad_valorem_explanation(rate, raw, base_number, amounts[str(line["tax_code"])])


class FiguresTexts(Texts):
    """The texts of a breakdown stored in format 2, written again from its figures on first use."""

    __slots__ = ("_currency", "_item", "_rate_text")

    def __init__(self, item: Mapping[str, Any], currency: str, rate_text: str) -> None:
        self._item, self._currency, self._rate_text = item, currency, rate_text

    def render(self) -> dict[str, tuple[str, ...]]:
        item = self._item
        value_dinars = texts.dinars(Decimal(item["customs_value"]))
        amounts = {str(line["tax_code"]): texts.dinars(Decimal(line["amount"])) for line in item["lines"]}
        rendered: dict[str, tuple[str, ...]] = {"": (self._value_text(),)}
        for line in item["lines"]:
            rendered[str(line["tax_code"])] = _line_texts(line, value_dinars, amounts)
        return rendered

    def _value_text(self) -> str:
        item = self._item
        return texts.value_text(
            currency=self._currency, invoice_amount=Decimal(item["invoice_amount"]),
            rate_text=self._rate_text, invoiced=Decimal(item["invoiced"]), costs=item["costs"],
            declared=bool(item.get("declared")),
        )  # fmt: skip

    def stored_item(self, item: ItemAssessment) -> dict[str, Any]:
        stored = self._item
        return stored_item_form(
            item,
            invoiced=Decimal(stored["invoiced"]),
            costs=list(stored["costs"]),
            declared=bool(stored.get("declared")),
            kept=[(line.get("adds", ()), line.get("explanation")) for line in stored["lines"]],
        )


class TaxLine(NamedTuple):
    """One tax on one item: its base and how it was built (`base_text`: "CV 1 234 567.89 + DD 185 185"),
    the rate as published ("15%", "1 200 DZD/100 kg", "30% MIN 5 DZD/kg"), the amount in whole dinars,
    and the arithmetic in words (`explanation`). Amounts are kept as dinar decimals (`base_dzd`,
    `amount_dzd`) and read as Money through `base` and `amount`.

    An immutable named tuple rather than a dataclass: the engine builds millions of them and a tuple is
    built several times faster. Equality ignores the texts (they follow from the rest)."""

    tax_code: str
    base_dzd: Decimal
    rate: str
    amount_dzd: Decimal
    texts: Texts

    @property
    def base(self) -> Money:
        return Money(self.base_dzd, DZD)

    @property
    def amount(self) -> Money:
        return Money(self.amount_dzd, DZD)

    @property
    def base_text(self) -> str:
        return self.texts.get(self.tax_code)[0]

    @property
    def explanation(self) -> str:
        return self.texts.get(self.tax_code)[1]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TaxLine) and self[:4] == other[:4]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self[:4])


class ItemAssessment(NamedTuple):
    """One item: its customs value in dinars, how it was reached (`value_text`), its taxes in computation
    order and their total. Decimal fields are dinars except `invoice_value` (invoice currency).
    A named tuple for the same reason as TaxLine; equality ignores the texts."""

    number: int
    line_code: str
    invoice_value: Decimal
    invoice_currency: str
    customs_value_dzd: Decimal
    lines: tuple[TaxLine, ...]
    total_dzd: Decimal
    texts: Texts

    @property
    def invoice_amount(self) -> Money:
        return Money(self.invoice_value, self.invoice_currency)

    @property
    def customs_value(self) -> Money:
        return Money(self.customs_value_dzd, DZD)

    @property
    def total(self) -> Money:
        return Money(self.total_dzd, DZD)

    @property
    def value_text(self) -> str:
        return self.texts.get("")[0]

    def amount_of(self, tax_code: str) -> Money:
        """The item's amount of one tax (zero when the line has no such tax)."""
        return Money(sum((line.amount_dzd for line in self.lines if line.tax_code == tax_code), ZERO), DZD)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ItemAssessment) and self[:7] == other[:7]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self[:7])


@dataclass(frozen=True, slots=True)
class Assessment:
    """The assessed declaration. `exchange_rate_used` is the invoice currency's rate on `on`;
    `exchange_rates` every rate the computation used (freight, insurance, specific duties).
    `freight`, `insurance` and `other_costs` are the dinar amounts added to the invoice (zero when the
    incoterm already includes them)."""

    on: date
    invoice_currency: str
    incoterm: str
    exchange_rate_used: Decimal
    exchange_rates: dict[str, Decimal]
    freight: Money
    insurance: Money
    other_costs: Money
    items: tuple[ItemAssessment, ...]
    taxes_by_code: dict[str, Money]
    customs_value: Money
    total: Money

    def to_dict(self) -> dict[str, Any]:
        """The stored form (format 2): JSON-ready, decimals as strings, dinar amounts unless said otherwise;
        each item keeps the figures its texts are written from, not the texts (`readable` writes them).
        An assessment read from a format 1 breakdown is stored in format 1 again."""
        items = []
        for item in self.items:
            stored = item.texts.stored_item(item)
            if stored is None:
                return self.to_readable_dict()
            items.append(stored)
        header = self._header_dict(FORMAT_VERSION)
        header["items"] = items
        return header

    def to_readable_dict(self) -> dict[str, Any]:
        """The breakdown with its texts written out (format 1): what the API and the pages show."""
        return {**self._header_dict(READABLE_FORMAT), "items": [_item_dict(item) for item in self.items]}

    def _header_dict(self, version: int) -> dict[str, Any]:
        return {
            "version": version,
            "currency": DZD,
            "on": self.on.isoformat(),
            "invoice_currency": self.invoice_currency,
            "incoterm": self.incoterm,
            "exchange_rate_used": plain(self.exchange_rate_used),
            "exchange_rates": {code: plain(rate) for code, rate in self.exchange_rates.items()},
            "freight": plain(self.freight.amount),
            "insurance": plain(self.insurance.amount),
            "other_costs": plain(self.other_costs.amount),
            "customs_value": plain(self.customs_value.amount),
            "taxes_by_code": {code: plain(m.amount) for code, m in self.taxes_by_code.items()},
            "total": plain(self.total.amount),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assessment:
        """The assessment stored by `to_dict`; AssessmentError if the stored form is not one."""
        try:
            return _assessment_of(data)
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise AssessmentError(
                "assessment.bad_stored_breakdown", "The stored assessment cannot be read"
            ) from exc


SUSPENDED = "suspended"
SUSPENSION_NOTE = (
    "Duties and taxes suspended by the customs regime: nothing is paid at clearance; a guarantee of "
    "{total} DZD covers them until the regime is discharged"
)


def mark_suspended(breakdown: Mapping[str, Any], notes: Mapping[str, str]) -> dict[str, Any]:
    """A stored breakdown (`Assessment.to_dict`) saying its duties and taxes are suspended: `duties` is
    "suspended", `guarantee_required` the total a guarantee must cover, `note` the sentence per language.
    `Assessment.from_dict` reads the marked form as the plain one."""
    return {**breakdown, "duties": SUSPENDED, "guarantee_required": breakdown["total"], "note": dict(notes)}


def assess(data: AssessmentInput) -> Assessment:
    """Customs value, duties and taxes of a declaration; raises AssessmentError."""
    from douane.assessment import engine  # the engine imports this module's definitions

    return engine.compute(data)


# --- storage form ------------------------------------------------------------------------------------


def plain(value: Decimal) -> str:
    """A decimal as a string without exponent ("1000", never "1E+3")."""
    text = str(value)
    return format(value, "f") if "E" in text else text


def stored_item_form(
    item: ItemAssessment,
    *,
    invoiced: Decimal,
    costs: list[int],
    declared: bool,
    kept: Iterable[tuple[Sequence[str], str | None]],
) -> dict[str, Any]:
    """An item as a breakdown stores it (format 2), the one place its layout is written: its figures,
    then what storage keeps to write its texts again (see `FiguresTexts`): its dinar value before costs
    (`invoiced`), its freight, insurance and other costs in centimes, whether an officer declared its
    value; per line, `kept` gives in the lines' order the earlier taxes its base adds and its explanation
    when the rate alone cannot write it again (None otherwise)."""
    value = item.customs_value_dzd
    value_text = plain(value)
    stored: dict[str, Any] = {
        "number": item.number,
        "line_code": item.line_code,
        "invoice_amount": plain(item.invoice_value),
        "customs_value": value_text,
        "total": plain(item.total_dzd),
        "invoiced": value_text if invoiced is value else plain(invoiced),
        "costs": costs,
    }
    if declared:
        stored["declared"] = True
    lines = []
    for line, (adds, explanation) in zip(item.lines, kept, strict=True):
        base = line.base_dzd
        figures: dict[str, Any] = {
            "tax_code": line.tax_code,
            "base": value_text if base is value else plain(base),
            "rate": line.rate,
            "amount": str(line.amount_dzd),  # whole dinars: never written with an exponent
        }
        if adds:
            figures["adds"] = list(adds)
        if explanation is not None:
            figures["explanation"] = explanation
        lines.append(figures)
    stored["lines"] = lines
    return stored


def _item_dict(item: ItemAssessment) -> dict[str, Any]:
    return {
        "number": item.number,
        "line_code": item.line_code,
        "invoice_amount": plain(item.invoice_value),
        "customs_value": plain(item.customs_value_dzd),
        "value_text": item.value_text,
        "total": plain(item.total_dzd),
        "lines": [
            {
                "tax_code": line.tax_code,
                "base": plain(line.base_dzd),
                "base_text": line.base_text,
                "rate": line.rate,
                "amount": plain(line.amount_dzd),
                "explanation": line.explanation,
            }
            for line in item.lines
        ],
    }


def _dzd(text: str) -> Money:
    return Money(Decimal(text), DZD)


def _item_of(item: Mapping[str, Any], currency: str, rate_text: str | None) -> ItemAssessment:
    """An item of format 1 (`rate_text` None: its texts as written) or of format 2 (texts from figures)."""
    stored: Texts
    if rate_text is None:
        written: dict[str, tuple[str, ...]] = {"": (str(item["value_text"]),)}
        for line in item["lines"]:
            written[str(line["tax_code"])] = (str(line["base_text"]), str(line["explanation"]))
        stored = StoredTexts(written)
    else:
        _check_figures(item)
        stored = FiguresTexts(item, currency, rate_text)
    lines = []
    for line in item["lines"]:
        code = str(line["tax_code"])
        lines.append(TaxLine(code, Decimal(line["base"]), str(line["rate"]), Decimal(line["amount"]), stored))
    return ItemAssessment(
        number=int(item["number"]),
        line_code=str(item["line_code"]),
        invoice_value=Decimal(item["invoice_amount"]),
        invoice_currency=currency,
        customs_value_dzd=Decimal(item["customs_value"]),
        lines=tuple(lines),
        total_dzd=Decimal(item["total"]),
        texts=stored,
    )


def _assessment_of(data: Mapping[str, Any]) -> Assessment:
    if data["version"] not in (READABLE_FORMAT, FORMAT_VERSION):
        raise ValueError("unknown version")
    currency = str(data["invoice_currency"])
    rate_text = _rate_text(data) if data["version"] == FORMAT_VERSION else None
    items = tuple(_item_of(item, currency, rate_text) for item in data["items"])
    return Assessment(
        on=date.fromisoformat(data["on"]),
        invoice_currency=currency,
        incoterm=str(data["incoterm"]),
        exchange_rate_used=Decimal(data["exchange_rate_used"]),
        exchange_rates={str(k): Decimal(v) for k, v in data["exchange_rates"].items()},
        freight=_dzd(data["freight"]),
        insurance=_dzd(data["insurance"]),
        other_costs=_dzd(data["other_costs"]),
        items=items,
        taxes_by_code={str(k): _dzd(v) for k, v in data["taxes_by_code"].items()},
        customs_value=_dzd(data["customs_value"]),
        total=_dzd(data["total"]),
    )


def _check_figures(item: Mapping[str, Any]) -> None:
    """A format 2 item whose texts could not be written is refused when read, not when shown."""
    Decimal(item["invoiced"])
    if len([int(cents) for cents in item["costs"]]) != 3:
        raise ValueError("three costs expected")
    for line in item["lines"]:
        if "explanation" not in line:
            texts.percent_factor(str(line["rate"]))


def _rate_text(data: Mapping[str, Any]) -> str:
    return texts.number(Decimal(data["exchange_rate_used"]))


def readable(breakdown: Mapping[str, Any]) -> dict[str, Any]:
    """A stored breakdown with its texts written out (format 1, as the API and the pages show it); what a
    format 1 breakdown or a suspension adds is kept. AssessmentError if it is not a stored breakdown."""
    if breakdown.get("version") == READABLE_FORMAT:
        return dict(breakdown)
    readable_form = Assessment.from_dict(breakdown).to_readable_dict()
    return {**breakdown, **readable_form}
