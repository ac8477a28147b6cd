"""The assessment computation: customs value at the border in dinars, then each tax in computation order.

Pure and fast: the measures of each tariff line are turned once into a plan (taxes in order, their
bases and rate texts); each item then runs its line's plan. See `model.py` for the rules users see.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from douane.assessment import texts
from douane.assessment.model import (
    ADD_FREIGHT_AND_INSURANCE,
    ADD_INSURANCE,
    INCOTERMS,
    Assessment,
    AssessmentError,
    AssessmentInput,
    ItemAssessment,
    ItemInput,
    TaxLine,
    Texts,
    stored_item_form,
)
from douane.assessment.texts import CENT, ONE, cents_down, dinars, number
from douane.kernel.money import DZD, Money

if TYPE_CHECKING:
    from douane.reference.model import DutyFormula, Measure, SpecificDuty, TaxType

new_tuple = tuple.__new__  # builds a named tuple without its Python-level __new__ (the hot path)
ZERO = Decimal(0)
HUNDRED = Decimal(100)
TAX_KINDS = frozenset({"ad_valorem", "specific", "compound"})
UNKNOWN_ORDER = 1_000_000

# Supplementary units as declared, by the unit a specific duty names (lower case, spaces removed).
UNIT_SYNONYMS = {
    "item": {"item", "items", "u", "unit", "units", "p/st", "pce", "pcs", "piece", "pieces", "nar", "unité"},
    "l": {"l", "litre", "litres", "liter", "liters", "ltr"},
    "hl": {"hl", "hectolitre", "hectolitres"},
    "m": {"m", "metre", "metres", "meter", "meters"},
    "m2": {"m2", "m²"},
    "m3": {"m3", "m³"},
}
CANONICAL_UNIT = {synonym: unit for unit, synonyms in UNIT_SYNONYMS.items() for synonym in synonyms}
# (declared unit, unit of the duty) -> factor turning the declared quantity into the duty's unit.
CONVERSIONS = {("l", "hl"): Decimal("0.01"), ("hl", "l"): HUNDRED}
NET_QUALIFIERS = frozenset({"", "net", "netwt", "netmass", "net weight"})
GROSS_QUALIFIERS = frozenset({"gross", "grosswt", "gross weight", "brut", "poidsbrut"})
NET = "kg net"
GROSS = "kg gross"


def compute(data: AssessmentInput) -> Assessment:
    incoterm = data.incoterm.strip().upper()
    if incoterm not in INCOTERMS:
        raise AssessmentError(
            "assessment.unknown_incoterm", "Unknown incoterm: {incoterm}", incoterm=data.incoterm
        )
    if not data.items:
        raise AssessmentError("assessment.no_items", "A declaration needs at least one item to be assessed")
    for item in data.items:
        _check_item(item)
    currency = Money.zero(data.invoice_currency).currency  # refuses what is not an ISO 4217 code
    rates = Rates(data.exchange_rates, data.on)
    invoice_rate = rates.rate(currency)
    header = _header_costs(data, incoterm, rates)
    plans = Plans(data.measures, data.tax_types, data.on)
    sums: dict[str, Decimal] = {}
    shared = Shared(invoice_rate, currency, rates)
    items = tuple(
        _assess_item(shared, item, costs, plans.of(item.line_code), sums)
        for item, costs in zip(data.items, _item_costs(data.items, header), strict=True)
    )
    ordered = sorted(sums, key=lambda code: (plans.order.get(code, UNKNOWN_ORDER), code))
    return Assessment(
        on=data.on,
        invoice_currency=currency,
        incoterm=incoterm,
        exchange_rate_used=invoice_rate,
        exchange_rates=dict(sorted(rates.used.items())),
        freight=_dinars_of_centimes(header[0]),
        insurance=_dinars_of_centimes(header[1]),
        other_costs=_dinars_of_centimes(header[2]),
        items=items,
        taxes_by_code={code: Money(sums[code], DZD) for code in ordered},
        customs_value=Money(sum((i.customs_value_dzd for i in items), ZERO), DZD),
        total=Money(sum(sums.values(), ZERO), DZD),
    )


NO_DINARS = Money.from_minor(0)


def _dinars_of_centimes(centimes: int) -> Money:
    return NO_DINARS if centimes == 0 else Money.from_minor(centimes)


# --- checks and exchange rates -----------------------------------------------------------------------


def _refuse_negative(value: Decimal | None, item: int | None, field: str) -> None:
    if value is None or value >= 0:
        return
    if item is None:
        raise AssessmentError("assessment.negative_amount", "{field} must not be negative", field=field)
    raise AssessmentError(
        "assessment.negative_amount", "Item {item}: {field} must not be negative", item=item, field=field
    )


def _check_item(item: ItemInput) -> None:
    invoice, net, gross, quantity = (
        item.invoice_amount,
        item.net_mass_kg,
        item.gross_mass_kg,
        item.supplementary_quantity,
    )
    if (
        invoice.is_finite()
        and net.is_finite()
        and gross.is_finite()
        and (quantity is None or quantity.is_finite())
        and invoice >= ZERO
        and net >= ZERO
        and gross >= ZERO
        and (quantity is None or quantity >= ZERO)
        and item.declared_customs_value is None
    ):
        return
    for field, value in (
        ("invoice_amount", invoice),
        ("net_mass_kg", net),
        ("gross_mass_kg", gross),
        ("supplementary_quantity", quantity),
    ):
        if value is not None and not value.is_finite():
            raise AssessmentError(
                "assessment.not_a_number",
                "Item {item}: {field} is not a number",
                item=item.number,
                field=field,
            )
        _refuse_negative(value, item.number, field)
    declared = item.declared_customs_value
    if declared is not None:
        if declared.currency != DZD:
            raise AssessmentError(
                "assessment.declared_value_not_dzd",
                "Item {item}: a declared customs value must be in dinars",
                item=item.number,
            )
        _refuse_negative(declared.amount, item.number, "declared_customs_value")


class Rates:
    """Dinars per unit of each currency on the assessment date; remembers those it was asked for."""

    def __init__(self, rates: Mapping[str, Decimal], on: date) -> None:
        self._rates = rates
        self._on = on
        self.used: dict[str, Decimal] = {}

    def rate(self, currency: str) -> Decimal:
        if currency == DZD:
            return ONE
        rate = self.used.get(currency)
        if rate is not None:
            return rate
        rate = self._rates.get(currency)
        if rate is None or not rate.is_finite() or rate <= 0:
            raise AssessmentError(
                "assessment.exchange_rate_missing",
                "No exchange rate for {currency} on {on}",
                currency=currency,
                on=self._on.isoformat(),
            )
        self.used[currency] = rate
        return rate

    def to_centimes(self, money: Money) -> int:
        dinars = (money.amount * self.rate(money.currency)).quantize(CENT, ROUND_HALF_EVEN)
        return int(dinars * 100)


def _header_costs(data: AssessmentInput, incoterm: str, rates: Rates) -> tuple[int, int, int]:
    """Freight, insurance and other costs to add, in centimes of dinar."""
    add_freight = incoterm in ADD_FREIGHT_AND_INSURANCE
    add_insurance = add_freight or incoterm in ADD_INSURANCE
    return (
        _header_cost("freight", data.freight, add_freight, rates),
        _header_cost("insurance", data.insurance, add_insurance, rates),
        _header_cost("other_costs_to_border", data.other_costs_to_border, True, rates),
    )


def _header_cost(field: str, money: Money | None, added: bool, rates: Rates) -> int:
    if money is None:
        return 0
    _refuse_negative(money.amount, None, field)
    return rates.to_centimes(money) if added else 0


# --- allocation --------------------------------------------------------------------------------------


class IntegerWeights:
    """Weights turned into integers once (scaled by a common power of ten), so shares are exact."""

    def __init__(self, weights: Sequence[Decimal]) -> None:
        scale = _decimal_places(weights)
        whole = [int(w.scaleb(scale)) for w in weights]
        if sum(whole) == 0:
            whole = [1] * len(weights)
        self.whole = whole
        self.denominator = sum(whole)
        self.largest = max(range(len(whole)), key=whole.__getitem__)

    def share(self, total: int) -> list[int]:
        if total == 0:
            return [0] * len(self.whole)
        shares = [total * w // self.denominator for w in self.whole]
        shares[self.largest] += total - sum(shares)
        return shares


def _decimal_places(weights: Sequence[Decimal]) -> int:
    """The most decimal places among `weights`, at least 0. Amounts to the centime, the usual case, are
    recognised without taking their digits apart."""
    if weights and all(w.same_quantum(CENT) for w in weights):
        return 2
    return max(0, *(-int(w.as_tuple().exponent) for w in weights))


NO_COSTS = (0, 0, 0)


def _item_costs(items: Sequence[ItemInput], header: tuple[int, int, int]) -> list[tuple[int, int, int]]:
    """Each item's share of the freight, insurance and other costs, in centimes."""
    if header == NO_COSTS:
        return [NO_COSTS] * len(items)
    if len(items) == 1:  # the whole of each cost, whatever its weight
        return [header]
    weights = IntegerWeights([item.invoice_amount for item in items])
    freight, insurance, other = (weights.share(cost) for cost in header)
    return list(zip(freight, insurance, other, strict=True))


def allocate_centimes(total: int, weights: Sequence[Decimal]) -> list[int]:
    """`total` centimes shared pro rata of `weights` (equally if they are all zero): each share rounded
    down, the centimes left over to the largest weight (the first of equals). Shares sum to `total`."""
    return IntegerWeights(weights).share(total)


def allocate(total: Money, weights: Sequence[Decimal]) -> list[Money]:
    """`allocate_centimes` on a dinar amount (to the centime)."""
    return [Money.from_minor(share) for share in allocate_centimes(total.quantized().to_minor(), weights)]


# --- plans: a line's taxes, ready to run -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """A specific amount: `amount` `currency` per `per_quantity` of `unit` (NET, GROSS or a declared
    supplementary unit)."""

    amount: Decimal
    per_quantity: Decimal
    currency: str
    unit: str
    text: str


@dataclass(frozen=True, slots=True)
class Compiled:
    """A duty formula ready to run: `factor` = ad valorem rate / 100, plus specific terms."""

    factor: Decimal | None
    terms: tuple[Term, ...]
    percent_text: str | None


@dataclass(frozen=True, slots=True)
class TaxPlan:
    """One tax of a line: `factor` is set for a plain ad valorem rate (rate / 100), the fast path;
    otherwise the compiled formula and its bounds are run. `adds` are the codes of `base_codes` the line
    carries (computed before this tax), in their order; `rewritable` says whether a stored breakdown can
    write this line's explanation again from its rate (see `_rewritable`)."""

    tax_code: str
    base_codes: tuple[str, ...]
    measure: Measure
    rate_text: str
    factor: Decimal | None
    formula: Compiled
    minimum: Compiled | None
    maximum: Compiled | None
    adds: tuple[str, ...]
    rewritable: bool


@dataclass(frozen=True, slots=True)
class LinePlan:
    """A line's taxes in computation order. `kept` is what its stored lines keep beside their figures
    (see `model.stored_item_form`) when every explanation can be written again from its rate, the same
    for every item; None when an item's explanations must be written and kept."""

    taxes: tuple[TaxPlan, ...]
    kept: tuple[tuple[tuple[str, ...], None], ...] | None


def _line_plan(taxes: tuple[TaxPlan, ...]) -> LinePlan:
    if all(tax.rewritable for tax in taxes):
        return LinePlan(taxes, tuple((tax.adds, None) for tax in taxes))
    return LinePlan(taxes, None)


NO_TAXES = _line_plan(())
PLAN_CACHE_LIMIT = 20_000  # plans kept by value
# Identity tables pin their tuples (an old tariff's too, until cleared): together at most as many lines as
# the plan cache.
IDENTITY_TABLES = 4
IDENTITY_TABLE_LIMIT = 5_000
TAX_TYPE_SETS_INDEXED = 100
TAX_TYPE_TOKENS_KEPT = 1_000
UNITS_KEPT = 10_000


@dataclass(slots=True)
class Known:
    """A plan in an identity table. `measures` keeps its tuple alive, so no other tuple can take its id
    while the entry exists."""

    measures: tuple[Measure, ...]
    line_code: str
    plan: LinePlan


IdentityTable = dict[int, Known]
_plan_cache: dict[tuple[object, ...], LinePlan] = {}
_plans_by_identity: dict[tuple[date, int], IdentityTable] = {}
_type_tokens: dict[tuple[TaxType, ...], int] = {}
_next_token = itertools.count()


class TaxTypes:
    """A declaration's tax types indexed once: by code, their computation order, and a token standing for
    the set in plan keys. Kept by the identity of an immutable tuple of tax types."""

    __slots__ = ("by_code", "order", "source", "token")

    def __init__(self, source: Sequence[TaxType]) -> None:
        self.source = source
        self.by_code = {t.code: t for t in source}
        self.order = {t.code: t.computation_order for t in source}
        self.token = _types_token(tuple(source))


_tax_types_by_identity: dict[int, TaxTypes] = {}


def _indexed_tax_types(tax_types: Sequence[TaxType]) -> TaxTypes:
    if type(tax_types) is not tuple:
        return TaxTypes(tax_types)
    known = _tax_types_by_identity.get(id(tax_types))
    if known is None or known.source is not tax_types:
        if len(_tax_types_by_identity) >= TAX_TYPE_SETS_INDEXED:
            _tax_types_by_identity.clear()
        known = _tax_types_by_identity[id(tax_types)] = TaxTypes(tax_types)
    return known


def _identity_table(on: date, types_token: int) -> IdentityTable:
    table = _plans_by_identity.get((on, types_token))
    if table is None:
        if len(_plans_by_identity) >= IDENTITY_TABLES:
            _plans_by_identity.clear()
        table = _plans_by_identity[(on, types_token)] = {}
    return table


def _types_token(tax_types: tuple[TaxType, ...]) -> int:
    """A small number standing for a set of tax types in plan keys."""
    token = _type_tokens.get(tax_types)
    if token is None:
        if len(_type_tokens) >= TAX_TYPE_TOKENS_KEPT:
            _type_tokens.clear()
        token = _type_tokens[tax_types] = next(_next_token)  # never reused: old plans cannot match
    return token


class Plans:
    """The plans of a declaration's lines, kept between declarations. A line's plan is found by the
    identity of its measures tuple, in a table per date and set of tax types: the reference read cache
    hands out the same tuple while the read generation is unchanged, so most items hash no measures.
    Otherwise it is found by value (line, measures, date and tax types): equal measures in another tuple,
    or in a list, are planned once. Measures given as a list (no identity to keep) are looked up by value
    once per line of the declaration."""

    def __init__(self, measures: Mapping[str, Sequence[Measure]], tax_types: Sequence[TaxType], on: date):
        types = _indexed_tax_types(tax_types)
        self._measures = measures
        self._tax_types = types.by_code
        self._types_key = types.token
        self.order = types.order
        self._on = on
        self._by_identity = _identity_table(on, types.token)
        self._of_listed: dict[str, LinePlan] = {}

    def of(self, line_code: str) -> LinePlan:
        given = self._measures.get(line_code)
        if not given:  # lines without measures share the empty tuple: no identity to tell them apart
            return NO_TAXES
        known = self._by_identity.get(id(given))
        if known is not None and known.measures is given and known.line_code == line_code:
            return known.plan
        return self._planned(line_code, given)

    def _planned(self, line_code: str, given: Sequence[Measure]) -> LinePlan:
        if type(given) is not tuple:
            plan = self._of_listed.get(line_code)
            if plan is None:
                plan = self._of_listed[line_code] = self._by_value(line_code, tuple(given))
            return plan
        plan = self._by_value(line_code, given)
        if len(self._by_identity) >= IDENTITY_TABLE_LIMIT:
            self._by_identity.clear()
        self._by_identity[id(given)] = Known(given, line_code, plan)
        return plan

    def _by_value(self, line_code: str, measures: tuple[Measure, ...]) -> LinePlan:
        key = (line_code, self._on, measures, self._types_key)
        plan = _plan_cache.get(key)
        if plan is None:
            plan = self._build(line_code, measures)
            if len(_plan_cache) >= PLAN_CACHE_LIMIT:
                _plan_cache.clear()
            _plan_cache[key] = plan
        return plan

    def _build(self, line_code: str, measures: tuple[Measure, ...]) -> LinePlan:
        taxes = [m for m in measures if m.kind in TAX_KINDS and m.tax_code and m.in_force(self._on)]
        taxes.sort(key=lambda m: (self.order.get(m.tax_code or "", UNKNOWN_ORDER), m.tax_code or ""))
        codes = [m.tax_code or "" for m in taxes]
        plans = []
        for position, measure in enumerate(taxes):
            code = codes[position]
            if code in codes[:position]:
                raise AssessmentError(
                    "assessment.duplicate_tax",
                    "Line {line_code} has two {tax_code} measures in force",
                    line_code=line_code,
                    tax_code=code,
                )
            base = measure.effective_base(self._tax_types)
            self._check_base(line_code, code, base, codes[:position], codes)
            _check_components(line_code, measure)
            plans.append(_tax_plan(code, base, measure, tuple(c for c in base if c in codes)))
        return _line_plan(tuple(plans))

    @staticmethod
    def _check_base(
        line_code: str, code: str, base: tuple[str, ...], before: list[str], on_line: list[str]
    ) -> None:
        for base_code in base:
            if base_code in on_line and base_code not in before:
                raise AssessmentError(
                    "assessment.invalid_base",
                    "Line {line_code}: the base of {tax_code} names {base_code}, not computed before it",
                    line_code=line_code,
                    tax_code=code,
                    base_code=base_code,
                )


def _tax_plan(code: str, base: tuple[str, ...], measure: Measure, adds: tuple[str, ...]) -> TaxPlan:
    factor = _plain_factor(measure)
    formula = _compile(measure.formula)
    text = rate_text(measure)
    return TaxPlan(
        tax_code=code,
        base_codes=base,
        measure=measure,
        rate_text=text,
        factor=factor,
        formula=formula,
        minimum=_compile(measure.minimum) if measure.minimum is not None else None,
        maximum=_compile(measure.maximum) if measure.maximum is not None else None,
        adds=adds,
        rewritable=_rewritable(factor, formula, text),
    )


def _rewritable(factor: Decimal | None, formula: Compiled, text: str) -> bool:
    """Whether a stored line's explanation can be written again from its rate: a plain percentage whose
    published text is the percentage itself (`texts.percent_factor` reads it back)."""
    return factor is not None and formula.percent_text == text


def _plain_factor(measure: Measure) -> Decimal | None:
    formula = measure.formula
    if formula.specifics or measure.minimum is not None or measure.maximum is not None:
        return None
    return (formula.rate_percent or ZERO) / HUNDRED


def _compile(formula: DutyFormula) -> Compiled:
    rate = formula.rate_percent
    terms = tuple(
        Term(d.amount, d.per_quantity, d.currency, duty_unit(d), specific_text(d)) for d in formula.specifics
    )
    if rate is None:
        return Compiled(None, terms, None)
    return Compiled(rate / HUNDRED, terms, f"{number(rate)}%")


def _check_components(line_code: str, measure: Measure) -> None:
    for formula in (measure.formula, measure.minimum, measure.maximum):
        if formula is not None and formula.references:
            raise AssessmentError(
                "assessment.unsupported_component",
                "Line {line_code}: {tax_code} refers to {component}, which douane does not compute",
                line_code=line_code,
                tax_code=measure.tax_code,
                component=", ".join(formula.references),
            )


# --- one item ----------------------------------------------------------------------------------------


def _assess_item(
    shared: Shared,
    item: ItemInput,
    costs: tuple[int, int, int],
    plan: LinePlan,
    sums: dict[str, Decimal],
) -> ItemAssessment:
    """One item's customs value and taxes; adds its amounts to the declaration's `sums` by tax code."""
    invoice_rate, currency, rates = shared.invoice_rate, shared.currency, shared.rates
    declared = item.declared_customs_value
    if declared is not None:
        invoiced = value = declared.amount.quantize(CENT, ROUND_HALF_EVEN)
    else:
        invoiced = (item.invoice_amount * invoice_rate).quantize(CENT, ROUND_HALF_EVEN)
        value = invoiced + Decimal(costs[0] + costs[1] + costs[2]) * CENT  # centimes to dinars, exactly
    texts = ItemTexts(shared, item, invoiced, value, costs, plan)
    amounts = texts.amounts
    lines = []
    total = ZERO
    for tax in plan.taxes:
        base = value
        for code in tax.adds:
            base += amounts[code]
        raw = base * tax.factor if tax.factor is not None else _evaluate(tax, base, item, rates)
        amount = raw.quantize(ONE, ROUND_DOWN) if raw > ZERO else ZERO
        code = tax.tax_code
        amounts[code] = amount
        sums[code] = sums.get(code, ZERO) + amount
        total += amount
        lines.append(new_tuple(TaxLine, (code, base, tax.rate_text, amount, texts)))
    return new_tuple(
        ItemAssessment,
        (item.number, item.line_code, item.invoice_amount, currency, value, tuple(lines), total, texts),
    )


def _evaluate(tax: TaxPlan, base: Decimal, item: ItemInput, rates: Rates) -> Decimal:
    """A compound, specific or bounded measure's amount in dinars, unrounded."""
    raw = _run(tax.tax_code, tax.formula, base, item, rates)
    if tax.minimum is not None:
        raw = max(raw, _run(tax.tax_code, tax.minimum, base, item, rates))
    if tax.maximum is not None:
        raw = min(raw, _run(tax.tax_code, tax.maximum, base, item, rates))
    return raw


def _run(tax_code: str, formula: Compiled, base: Decimal, item: ItemInput, rates: Rates) -> Decimal:
    total = base * formula.factor if formula.factor is not None else ZERO
    for term in formula.terms:
        if term.unit is NET:
            quantity = item.net_mass_kg
        elif term.unit is GROSS:
            quantity = item.gross_mass_kg
        else:
            quantity = supplementary_quantity(tax_code, item, term.unit)
        amount = term.amount * quantity / term.per_quantity
        total += amount if term.currency == DZD else amount * rates.rate(term.currency)
    return total


# --- texts, rendered when read -----------------------------------------------------------------------


class Shared:
    """What every item of a declaration shares; the invoice rate's text is written when first read."""

    __slots__ = ("_rate_text", "currency", "invoice_rate", "rates")

    def __init__(self, invoice_rate: Decimal, currency: str, rates: Rates) -> None:
        self.invoice_rate, self.currency, self.rates = invoice_rate, currency, rates
        self._rate_text: str | None = None

    @property
    def rate_text(self) -> str:
        if self._rate_text is None:
            self._rate_text = number(self.invoice_rate)
        return self._rate_text


class ItemTexts(Texts):
    """What the texts of one item need; `amounts` is filled as its taxes are computed."""

    __slots__ = ("amounts", "costs", "invoiced", "item", "plan", "shared", "value")

    def __init__(
        self,
        shared: Shared,
        item: ItemInput,
        invoiced: Decimal,
        value: Decimal,
        costs: tuple[int, int, int],
        plan: LinePlan,
    ) -> None:
        self.shared = shared
        self.item = item
        self.invoiced = invoiced
        self.value = value
        self.costs = costs
        self.plan = plan
        self.amounts: dict[str, Decimal] = {}

    def render(self) -> dict[str, tuple[str, ...]]:
        value_dinars = dinars(self.value)
        amount_texts = {code: dinars(amount) for code, amount in self.amounts.items()}
        rendered: dict[str, tuple[str, ...]] = {"": (self._value_text(),)}
        for tax in self.plan.taxes:
            rendered[tax.tax_code] = self._tax_texts(tax, value_dinars, amount_texts)
        return rendered

    def stored_item(self, item: ItemAssessment) -> dict[str, Any]:
        """`item`'s stored form; a line's explanation is kept only when its rate cannot write it again
        (the other lines' texts are written when read)."""
        kept = self.plan.kept
        return stored_item_form(
            item,
            invoiced=self.invoiced,
            costs=list(self.costs),
            declared=self.item.declared_customs_value is not None,
            kept=self._kept_with_explanations() if kept is None else kept,
        )

    def _kept_with_explanations(self) -> list[tuple[tuple[str, ...], str | None]]:
        explanations = self._explanations()
        return [(tax.adds, None if tax.rewritable else explanations(tax)) for tax in self.plan.taxes]

    def _explanations(self) -> Callable[[TaxPlan], str]:
        value_dinars = dinars(self.value)
        amount_texts = {code: dinars(amount) for code, amount in self.amounts.items()}
        return lambda tax: self._tax_texts(tax, value_dinars, amount_texts)[1]

    def _value_text(self) -> str:
        shared = self.shared
        return texts.value_text(
            currency=shared.currency, invoice_amount=self.item.invoice_amount, rate_text=shared.rate_text,
            invoiced=self.invoiced, costs=self.costs, declared=self.item.declared_customs_value is not None,
        )  # fmt: skip

    def _tax_texts(self, tax: TaxPlan, value_dinars: str, amount_texts: dict[str, str]) -> tuple[str, str]:
        base, base_number = self.value, value_dinars
        added = tax.adds
        for code in added:
            base += self.amounts[code]
        if added:
            base_number = dinars(base)
        base_text = texts.base_text(value_dinars, [(code, amount_texts[code]) for code in added])
        amount = amount_texts[tax.tax_code]
        if tax.factor is not None:
            percent = tax.formula.percent_text or ""
            return base_text, texts.ad_valorem_explanation(percent, base * tax.factor, base_number, amount)
        rates = self.shared.rates
        main = _run(tax.tax_code, tax.formula, base, self.item, rates)
        working = f"{self._working(tax.tax_code, tax.formula, base_number)} = {cents_down(main)}"
        for word, bound in (("MIN", tax.minimum), ("MAX", tax.maximum)):
            if bound is not None:
                limit = _run(tax.tax_code, bound, base, self.item, rates)
                working += f"; {word} {self._working(tax.tax_code, bound, base_number)} = {cents_down(limit)}"
        if tax.minimum is not None or tax.maximum is not None:
            working += f"; applied {cents_down(_evaluate(tax, base, self.item, rates))}"
        return base_text, f"{working}{texts.ROUNDED} {amount} DZD"

    def _working(self, tax_code: str, formula: Compiled, base_number: str) -> str:
        parts = [f"{formula.percent_text} x {base_number}"] if formula.percent_text else []
        for term in formula.terms:
            text = f"{term.text} x {number(quantity_of(tax_code, self.item, term.unit))} {term.unit}"
            if term.currency != DZD:
                text += f" x {number(self.shared.rates.rate(term.currency))} DZD/{term.currency}"
            parts.append(text)
        return " + ".join(parts) or "0"


def duty_unit(duty: SpecificDuty) -> str:
    """What a specific duty is charged on: NET ("kg net"), GROSS ("kg gross") or a supplementary unit."""
    unit = duty.unit.lower()
    qualifier = (duty.qualifier or "").lower().strip()
    if unit == "kg" and qualifier in NET_QUALIFIERS:
        return NET
    if unit == "kg" and qualifier in GROSS_QUALIFIERS:
        return GROSS
    return f"{unit} {qualifier}" if qualifier else CANONICAL_UNIT.get(unit, unit)


def quantity_of(tax_code: str, item: ItemInput, unit: str) -> Decimal:
    if unit == NET:
        return item.net_mass_kg
    if unit == GROSS:
        return item.gross_mass_kg
    return supplementary_quantity(tax_code, item, unit)


def supplementary_quantity(tax_code: str, item: ItemInput, unit: str) -> Decimal:
    """The item's supplementary quantity expressed in `unit`; AssessmentError if it declares none."""
    declared = _canonical(item.supplementary_unit)
    if item.supplementary_quantity is not None and declared is not None:
        if declared == unit:
            return item.supplementary_quantity
        factor = CONVERSIONS.get((declared, unit))
        if factor is not None:
            return item.supplementary_quantity * factor
    raise AssessmentError(
        "assessment.quantity_missing",
        "Item {item}: the duty {tax_code} is per {unit}, a quantity the item does not declare",
        item=item.number,
        unit=unit,
        tax_code=tax_code,
    )


def _canonical(unit: str | None) -> str | None:
    if not unit:
        return None
    known = _canonical_units.get(unit)
    if known is None:
        text = " ".join(unit.lower().split())
        known = CANONICAL_UNIT.get(text.replace(" ", ""), text)
        if len(_canonical_units) < UNITS_KEPT:
            _canonical_units[unit] = known
    return known


_canonical_units: dict[str, str] = {}


# --- texts -------------------------------------------------------------------------------------------


def amount_number(value: Decimal) -> str:
    """A money amount in a rate: whole ("1 200") or with at least two decimals ("0.20", "0.125")."""
    if value == value.to_integral_value():
        return number(value)
    value = value.normalize()
    if value.as_tuple().exponent == -1:
        value = value.quantize(CENT)
    return format(value, ",f").replace(",", " ")


def specific_text(duty: SpecificDuty) -> str:
    per = "" if duty.per_quantity == 1 else f"{number(duty.per_quantity)} "
    qualifier = f" {duty.qualifier}" if duty.qualifier else ""
    return f"{amount_number(duty.amount)} {duty.currency}/{per}{duty.unit}{qualifier}"


def formula_text(formula: DutyFormula) -> str:
    parts = [f"{number(formula.rate_percent)}%"] if formula.rate_percent is not None else []
    parts += [specific_text(duty) for duty in formula.specifics]
    return " + ".join(parts + list(formula.references))


def rate_text(measure: Measure) -> str:
    text = formula_text(measure.formula)
    if measure.minimum is not None:
        text += f" MIN {formula_text(measure.minimum)}"
    if measure.maximum is not None:
        text += f" MAX {formula_text(measure.maximum)}"
    return text
