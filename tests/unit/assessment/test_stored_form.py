"""One layout for a stored item: a breakdown read back is stored again as the same text, key order
included, whether its explanations are written again from the rate or kept as written."""

import json
from decimal import Decimal

from douane.assessment.model import Assessment, assess
from douane.kernel.money import Money
from tests.unit.assessment.builders import declaration, item, line

BEER, CHEESE, NOTHING, ALSO_NOTHING = "2203000000", "0406000000", "9999999999", "9999999998"
LINES = {
    BEER: line(BEER, DD="30%", TIC="40 DZD/l", TVA="19%"),  # TIC's explanation is kept as written
    CHEESE: line(CHEESE, DD="30%", PRCT="2%", TVA="19%"),  # every explanation is written again
}


def test_a_breakdown_read_back_is_stored_again_as_the_same_text() -> None:
    data = declaration(
        item(1, BEER, "1000.00", supplementary_quantity=Decimal(12), supplementary_unit="l"),
        item(2, CHEESE, "250.50", declared_customs_value=Money(Decimal("90000"), "DZD")),
        item(3, CHEESE, "0.00"),
        lines=LINES,
        incoterm="FOB",
        freight=Money(Decimal("100.00"), "EUR"),
    )
    stored = json.dumps(assess(data).to_dict())
    again = Assessment.from_dict(json.loads(stored))
    assert json.dumps(again.to_dict()) == stored
    items = json.loads(stored)["items"]
    assert [list(line) for line in items[0]["lines"]] == [
        ["tax_code", "base", "rate", "amount"],
        ["tax_code", "base", "rate", "amount", "adds", "explanation"],
        ["tax_code", "base", "rate", "amount", "adds"],
    ]
    assert list(items[1]) == [
        "number", "line_code", "invoice_amount", "customs_value", "total", "invoiced", "costs", "declared",
        "lines",
    ]  # fmt: skip


def test_lines_without_measures_have_no_taxes_beside_a_line_that_has_some() -> None:
    data = declaration(
        item(1, NOTHING, "10.00"),
        item(2, ALSO_NOTHING, "20.00"),
        item(3, CHEESE, "100.00"),
        item(4, NOTHING, "30.00"),
        lines={**LINES, NOTHING: [], ALSO_NOTHING: []},
        currency="DZD",
    )
    result = assess(data)
    assert [len(i.lines) for i in result.items] == [0, 0, 3, 0]
    alone = assess(declaration(item(3, CHEESE, "100.00"), lines=LINES, currency="DZD"))
    assert result.total == alone.total == alone.items[0].total
