"""Worked examples: each test writes out the arithmetic a liquidation inspector would do by hand.

Conventions in the comments: amounts in dinars (DZD); "->" is the rounding the Customs Code asks for
(each duty and tax rounded DOWN to the whole dinar); converted amounts are kept to the centime,
rounded half-even. Tax bases follow the shipped tax_types.csv: D.D, D.A.P.S, PRCT and T.C.S on the
customs value (CV); T.I.C on CV + D.D + D.A.P.S; T.V.A on CV + D.D + D.A.P.S + T.C.S + T.I.C
(PRCT is not part of the VAT base).
"""

import json
from decimal import Decimal

import pytest

from douane.assessment.model import Assessment, AssessmentError, assess
from douane.kernel.money import Money
from douane.reference.model import Measure, MeasureKind
from tests.unit.assessment.builders import declaration, item, line

MAYONNAISE = "2103909100"
WINE = "2204210000"
STEEL = "7308900000"
CHEESE = "0406900000"


def dzd(amount: str) -> Money:
    return Money.of(amount)


def test_fob_invoice_in_euros_with_freight_and_insurance() -> None:
    # FOB Marseille, 10 000.00 EUR; freight 850.00 EUR; insurance 12 000.00 DZD. EUR = 148.5123 DZD.
    #   invoice      10 000.00 x 148.5123 = 1 485 123.00
    #   freight         850.00 x 148.5123 =   126 235.455 -> 126 235.46 (half-even to the centime)
    #   insurance                              12 000.00
    #   CV = 1 485 123.00 + 126 235.46 + 12 000.00 = 1 623 358.46
    #   D.D  15 % x 1 623 358.46 = 243 503.769  -> 243 503
    #   PRCT  2 % x 1 623 358.46 =  32 467.1692 ->  32 467
    #   TCS   3 % x 1 623 358.46 =  48 700.7538 ->  48 700
    #   TVA base = CV + D.D + T.C.S = 1 623 358.46 + 243 503 + 48 700 = 1 915 561.46
    #   TVA  19 % x 1 915 561.46 = 363 956.6774 -> 363 956
    #   total = 243 503 + 32 467 + 48 700 + 363 956 = 688 626
    data = declaration(
        item(1, MAYONNAISE, "10000.00"),
        lines={MAYONNAISE: line(MAYONNAISE, DD="15%", PRCT="2%", TCS="3%", TVA="19%")},
        incoterm="FOB",
        freight=Money.of("850.00", "EUR"),
        insurance=dzd("12000.00"),
    )
    result = assess(data)
    (only,) = result.items
    assert only.customs_value == dzd("1623358.46")
    assert only.value_text == (
        "EUR 10 000 x 148.5123 = 1 485 123.00 + freight 126 235.46 + insurance 12 000.00"
    )
    assert [(t.tax_code, t.amount) for t in only.lines] == [
        ("DD", dzd("243503")),
        ("PRCT", dzd("32467")),
        ("TCS", dzd("48700")),
        ("TVA", dzd("363956")),
    ]
    vat = only.lines[-1]
    assert vat.base == dzd("1915561.46")
    assert vat.base_text == "CV 1 623 358.46 + DD 243 503 + TCS 48 700"
    assert vat.rate == "19%"
    assert vat.explanation == "19% x 1 915 561.46 = 363 956.67, rounded down to 363 956 DZD"
    assert result.total == dzd("688626")
    assert result.freight == dzd("126235.46")
    assert result.insurance == dzd("12000.00")
    assert result.exchange_rate_used == Decimal("148.5123")
    assert result.exchange_rates == {"EUR": Decimal("148.5123")}


def test_a_line_with_the_provisional_safeguard_duty() -> None:
    # CIF Algiers, 2 000.00 EUR (freight declared but already in the price: not added).
    #   CV = 2 000.00 x 148.5123 = 297 024.60
    #   D.D    30 % x 297 024.60 =  89 107.38  ->  89 107
    #   D.A.P.S 60 % x 297 024.60 = 178 214.76 -> 178 214   (on the customs value, like D.D)
    #   PRCT    2 % x 297 024.60 =   5 940.492 ->   5 940
    #   TCS     3 % x 297 024.60 =   8 910.738 ->   8 910
    #   TVA base = 297 024.60 + 89 107 + 178 214 + 8 910 = 573 255.60
    #   TVA    19 % x 573 255.60 = 108 918.564 -> 108 918
    #   total = 89 107 + 178 214 + 5 940 + 8 910 + 108 918 = 391 089
    data = declaration(
        item(1, MAYONNAISE, "2000.00"),
        lines={MAYONNAISE: line(MAYONNAISE, DD="30%", DAPS="60%", PRCT="2%", TCS="3%", TVA="19%")},
        freight=Money.of("300", "EUR"),
    )
    result = assess(data)
    assert result.customs_value == dzd("297024.60")
    assert result.freight == dzd("0")
    assert {code: m.amount for code, m in result.taxes_by_code.items()} == {
        "DD": 89107,
        "DAPS": 178214,
        "PRCT": 5940,
        "TCS": 8910,
        "TVA": 108918,
    }
    assert list(result.taxes_by_code) == ["DD", "DAPS", "PRCT", "TCS", "TVA"]
    assert result.items[0].lines[-1].base_text == "CV 297 024.60 + DD 89 107 + DAPS 178 214 + TCS 8 910"
    assert result.total == dzd("391089")


def test_a_specific_excise_per_litre_and_a_specific_duty_per_100_kg() -> None:
    # Item 1, wine, CIF 1 000.00 EUR, 600 l declared (supplementary unit), 620 kg net.
    #   CV = 1 000.00 x 148.5123 = 148 512.30
    #   D.D 30 % x 148 512.30 = 44 553.69 -> 44 553
    #   T.I.C 40 DZD/l x 600 l = 24 000.00 -> 24 000 (specific: its base plays no part)
    #   TVA base = 148 512.30 + 44 553 + 24 000 = 217 065.30; 19 % = 41 242.407 -> 41 242
    # Item 2, steel structures, CIF 500.00 EUR, 250.5 kg net; D.D 1 200 DZD per 100 kg net.
    #   CV = 500.00 x 148.5123 = 74 256.15
    #   D.D 1 200 x 250.5 / 100 = 3 006.00 -> 3 006
    lines = {
        WINE: line(WINE, DD="30%", TIC="40 DZD/l", TVA="19%"),
        STEEL: line(STEEL, DD="1200 DZD/100kg"),
    }
    result = assess(
        declaration(
            item(1, WINE, "1000.00", "620", supplementary_quantity=Decimal(600), supplementary_unit="L"),
            item(2, STEEL, "500.00", "250.5"),
            lines=lines,
        )
    )
    wine, steel = result.items
    assert [(t.tax_code, t.amount.amount) for t in wine.lines] == [
        ("DD", 44553),
        ("TIC", 24000),
        ("TVA", 41242),
    ]
    assert wine.lines[1].explanation == "40 DZD/l x 600 l = 24 000.00, rounded down to 24 000 DZD"
    assert wine.total == dzd("109795")
    (duty,) = steel.lines
    assert duty.rate == "1 200 DZD/100 kg"
    assert duty.amount == dzd("3006")
    assert duty.explanation == "1 200 DZD/100 kg x 250.5 kg net = 3 006.00, rounded down to 3 006 DZD"


def test_a_specific_duty_needs_the_quantity_it_is_charged_on() -> None:
    lines = {WINE: line(WINE, TIC="40 DZD/l")}
    with pytest.raises(AssessmentError) as missing:
        assess(declaration(item(7, WINE, "1000.00"), lines=lines))
    assert missing.value.code == "assessment.quantity_missing"
    assert missing.value.params["item"] == 7
    assert missing.value.params["unit"] == "l"
    # Declared in hectolitres, charged per litre: 2.5 hl = 250 l.
    result = assess(
        declaration(
            item(7, WINE, "1000.00", supplementary_quantity=Decimal("2.5"), supplementary_unit="hl"),
            lines=lines,
        )
    )
    assert result.total == dzd("10000")


def test_a_usd_invoice_cfr_with_two_items_shares_the_insurance_to_the_centime() -> None:
    # CFR Algiers in USD (USD = 134.25 DZD): freight 500 USD is in the price, not added; insurance
    # 1 000.00 DZD is shared pro rata of the invoice amounts (2 000 and 1 000 USD):
    #   item 1: 100 000 centimes x 2 000 / 3 000 = 66 666.67 -> 66 666 (rounded down)
    #   item 2: 100 000 centimes x 1 000 / 3 000 = 33 333.33 -> 33 333
    #   1 centime is left over: it goes to the largest item, item 1 -> 66 667 = 666.67 DZD
    # Item 1: CV = 2 000 x 134.25 + 666.67 = 268 500.00 + 666.67 = 269 166.67
    #   D.D 5 % = 13 458.3335 -> 13 458; TVA 9 % x (269 166.67 + 13 458) = 25 436.2203 -> 25 436
    # Item 2: CV = 1 000 x 134.25 + 333.33 = 134 583.33
    #   D.D 5 % = 6 729.1665 -> 6 729;  TVA 9 % x (134 583.33 + 6 729) = 12 718.1097 -> 12 718
    # Declaration: D.D 13 458 + 6 729 = 20 187; TVA 25 436 + 12 718 = 38 154; total 58 341
    code = "8471300000"
    result = assess(
        declaration(
            item(1, code, "2000.00"),
            item(2, code, "1000.00"),
            lines={code: line(code, DD="5%", TVA="9%")},
            currency="USD",
            incoterm="CFR",
            freight=Money.of("500", "USD"),
            insurance=dzd("1000.00"),
            rates={"USD": "134.25"},
        )
    )
    first, second = result.items
    assert first.value_text == "USD 2 000 x 134.25 = 268 500.00 + insurance 666.67"
    assert second.value_text == "USD 1 000 x 134.25 = 134 250.00 + insurance 333.33"
    assert (first.customs_value, second.customs_value) == (dzd("269166.67"), dzd("134583.33"))
    assert result.customs_value == dzd("403750.00")
    assert (first.total, second.total) == (dzd("38894"), dzd("19447"))
    assert result.taxes_by_code == {"DD": dzd("20187"), "TVA": dzd("38154")}
    assert result.total == dzd("58341")
    assert result.exchange_rate_used == Decimal("134.25")
    assert result.freight == dzd("0")


def test_a_minimum_duty_applies_and_amounts_are_cut_not_rounded() -> None:
    # Invoice in dinars, CIF, 49 999.50 DZD; 3 000 kg net. D.D 30 % MIN 5 DZD/kg.
    #   30 % x 49 999.50 = 14 999.85;  MIN 5 x 3 000 kg = 15 000.00  -> the minimum applies: 15 000
    #   PRCT 2 % x 49 999.50 = 999.99 -> 999 (the .99 is cut: never rounded up)
    #   TVA 19 % x (49 999.50 + 15 000) = 12 349.905 -> 12 349
    #   total = 15 000 + 999 + 12 349 = 28 348
    result = assess(
        declaration(
            item(1, CHEESE, "49999.50", "3000"),
            lines={CHEESE: line(CHEESE, DD="30% MIN 5 DZD/kg", PRCT="2%", TVA="19%")},
            currency="DZD",
            rates={},
        )
    )
    duty, prct, vat = result.items[0].lines
    assert duty.rate == "30% MIN 5 DZD/kg"
    assert duty.amount == dzd("15000")
    assert duty.explanation == (
        "30% x 49 999.50 = 14 999.85; MIN 5 DZD/kg x 3 000 kg net = 15 000.00; applied 15 000.00, "
        "rounded down to 15 000 DZD"
    )
    assert prct.amount == dzd("999")
    assert prct.explanation == "2% x 49 999.50 = 999.99, rounded down to 999 DZD"
    assert vat.amount == dzd("12349")
    assert result.total == dzd("28348")
    assert result.items[0].value_text == "DZD 49 999.5"


def test_a_maximum_caps_the_duty_and_a_foreign_specific_amount_uses_its_own_rate() -> None:
    # 4.5 % MIN 0.30 EUR/item MAX 0.80 EUR/item, CIF 10 000.00 EUR for 1 000 items.
    #   CV = 1 485 123.00; 4.5 % = 66 830.535; MIN 0.30 x 1 000 x 148.5123 = 44 553.69;
    #   MAX 0.80 x 1 000 x 148.5123 = 118 809.84: 66 830.535 lies between them -> 66 830
    # Same line, 40 000.00 EUR for 1 000 items: 4.5 % x 5 940 492.00 = 267 322.14 > MAX 118 809.84
    #   -> 118 809
    code = "6402990000"
    lines = {code: line(code, DD="4.5% MIN 0.30 EUR / item MAX 0.80 EUR / item")}
    pieces = {"supplementary_quantity": Decimal(1000), "supplementary_unit": "u"}
    result = assess(
        declaration(item(1, code, "10000.00", **pieces), item(2, code, "40000.00", **pieces), lines=lines)
    )
    assert [i.total for i in result.items] == [dzd("66830"), dzd("118809")]
    assert (
        "MAX 0.80 EUR/item x 1 000 item x 148.5123 DZD/EUR = 118 809.84"
        in result.items[1].lines[0].explanation
    )


def test_an_officers_declared_value_replaces_the_computed_one() -> None:
    # The inspector amends item 1 to 2 000 000.00 DZD: D.D 15 % = 300 000; TVA 19 % x 2 300 000 = 437 000
    code = MAYONNAISE
    result = assess(
        declaration(
            item(1, code, "10000.00", declared_customs_value=dzd("2000000.00")),
            lines={code: line(code, DD="15%", TVA="19%")},
            incoterm="FOB",
            freight=Money.of("850", "EUR"),
        )
    )
    assert result.items[0].customs_value == dzd("2000000.00")
    assert result.items[0].value_text == "set at 2 000 000.00"
    assert result.total == dzd("737000")


@pytest.mark.parametrize(
    ("incoterm", "expected_cv"),
    [
        # invoice 1 000.00 DZD, freight 100.00, insurance 10.00, other costs 1.00
        ("EXW", "1111.00"),
        ("FCA", "1111.00"),
        ("FAS", "1111.00"),
        ("FOB", "1111.00"),
        ("CFR", "1011.00"),
        ("CPT", "1011.00"),
        ("CIF", "1001.00"),
        ("cip", "1001.00"),
        ("DAP", "1001.00"),
        ("DPU", "1001.00"),
        ("DDP", "1001.00"),
    ],
)
def test_the_incoterm_decides_what_is_added_to_reach_the_border(incoterm: str, expected_cv: str) -> None:
    data = declaration(
        item(1, MAYONNAISE, "1000.00"),
        lines={},
        currency="DZD",
        incoterm=incoterm,
        freight=dzd("100.00"),
        insurance=dzd("10.00"),
        other=dzd("1.00"),
        rates={},
    )
    assert assess(data).customs_value == dzd(expected_cv)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"incoterm": "FOR"}, "assessment.unknown_incoterm"),
        ({"currency": "GBP"}, "assessment.exchange_rate_missing"),
        ({"freight": Money.of("10", "CHF"), "incoterm": "FOB"}, "assessment.exchange_rate_missing"),
        ({"insurance": dzd("-1")}, "assessment.negative_amount"),
    ],
)
def test_inputs_the_engine_refuses(change: dict[str, object], code: str) -> None:
    arguments: dict[str, object] = {"lines": {}, **change}
    with pytest.raises(AssessmentError) as refused:
        assess(declaration(item(1, MAYONNAISE, "1000.00"), **arguments))  # type: ignore[arg-type]
    assert refused.value.code == code
    assert refused.value.status == 422


def test_agricultural_components_are_refused_and_prohibitions_ignored() -> None:
    lines = {CHEESE: line(CHEESE, DD="9.00% + EA MAX 18.70% + ADSZ")}
    with pytest.raises(AssessmentError) as refused:
        assess(declaration(item(1, CHEESE, "100.00"), lines=lines))
    assert refused.value.code == "assessment.unsupported_component"
    ban = Measure(CHEESE, MeasureKind.PROHIBITION, valid_from=lines[CHEESE][0].valid_from)
    prohibited = [*line(CHEESE, DD="10%"), ban]
    # 100.00 EUR x 148.5123 = 14 851.23; D.D 10 % = 1 485.123 -> 1 485
    assert assess(declaration(item(1, CHEESE, "100.00"), lines={CHEESE: prohibited})).total == dzd("1485")


def test_the_breakdown_survives_storage() -> None:
    data = declaration(
        item(1, WINE, "1000.00", "620", supplementary_quantity=Decimal(600), supplementary_unit="l"),
        item(2, MAYONNAISE, "333.33"),
        lines={
            WINE: line(WINE, DD="30%", TIC="40 DZD/l", TVA="19%"),
            MAYONNAISE: line(MAYONNAISE, DD="15%", PRCT="2%", TCS="3%", TVA="19%"),
        },
        incoterm="FOB",
        freight=Money.of("77.77", "EUR"),
    )
    result = assess(data)
    stored = result.to_dict()
    again = Assessment.from_dict(json.loads(json.dumps(stored)))
    assert again == result
    assert again.to_dict() == stored
    assert stored["items"][0]["lines"][1]["explanation"].startswith("40 DZD/l x 600 l")
    with pytest.raises(AssessmentError) as bad:
        Assessment.from_dict({"version": 1})
    assert bad.value.code == "assessment.bad_stored_breakdown"
