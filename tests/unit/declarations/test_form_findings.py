"""Pure validation: format, required fields and consistency findings."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from douane.declarations.model import DeclarationType, Incoterm, Regime, Severity, blocking
from douane.declarations.validation import check_form, invoice_tolerance
from tests.integration.declarations.fixtures import import_declaration, item

NIF = "016000000000001"


def _codes(declaration: object) -> set[str]:
    return {f.code for f in check_form(declaration)}  # type: ignore[arg-type]


def test_a_complete_declaration_has_no_finding() -> None:
    assert check_form(import_declaration(NIF)) == []


def test_items_must_add_up_within_half_a_percent_or_one_unit() -> None:
    assert invoice_tolerance(Decimal("20000")) == Decimal("100.000")
    assert invoice_tolerance(Decimal("50")) == Decimal(1)
    declaration = import_declaration(NIF)
    assert check_form(replace(declaration, invoice_total=Decimal("20100"))) == []
    off = check_form(replace(declaration, invoice_total=Decimal("20101")))
    assert [(f.code, f.path, f.severity) for f in off] == [
        ("declarations.items_do_not_add_up", "invoice_total", Severity.BLOCKING)
    ]
    small = import_declaration(NIF, items=(item(1, amount="10.00"),), invoice_total=Decimal("11.00"))
    assert check_form(small) == []


def test_net_mass_above_gross_mass_points_at_the_item() -> None:
    heavy = import_declaration(NIF, items=(item(1, amount="20000", net_mass_kg=Decimal("120")),))
    [finding] = check_form(heavy)
    assert (finding.code, finding.path) == ("declarations.net_mass_above_gross", "items[0].net_mass_kg")
    assert finding.params == {"net": "120", "gross": "110"}


def test_items_are_numbered_one_to_n() -> None:
    lines = (item(1, amount="10000"), item(3, amount="10000"))
    findings = check_form(import_declaration(NIF, items=lines))
    assert [(f.code, f.path) for f in findings] == [
        ("declarations.item_number_out_of_order", "items[1].number")
    ]


def test_no_item_and_too_many_items_are_blocking() -> None:
    assert "declarations.no_items" in _codes(import_declaration(NIF, items=(), invoice_total=Decimal(1)))
    many = tuple(item(n, amount="1") for n in range(1, 1001))
    assert "declarations.too_many_items" in _codes(import_declaration(NIF, items=many))


def test_formats_are_checked() -> None:
    bad = import_declaration(
        "12AB", office_code="1601", invoice_currency="EUX", dispatch_country="XX",
        items=(item(1, "84713010", "20000", origin_country="ZZ", description=" "),),
    )  # fmt: skip
    assert _codes(bad) >= {
        "declarations.invalid_nif", "declarations.invalid_office_code", "declarations.unknown_currency",
        "declarations.unknown_country", "declarations.invalid_line_code", "declarations.field_required",
    }  # fmt: skip


def test_an_export_regime_on_an_import_is_blocking() -> None:
    wrong = import_declaration(NIF, regime=Regime.EX1)
    assert "declarations.regime_type_mismatch" in _codes(wrong)
    export = import_declaration(NIF, type=DeclarationType.EXPORT, regime=Regime.EX1, destination_country="FR")
    assert check_form(export) == []


def test_fob_import_without_freight_is_only_a_warning() -> None:
    findings = check_form(import_declaration(NIF, freight=None, incoterm=Incoterm.FOB))
    assert [(f.code, f.severity) for f in findings] == [("declarations.freight_missing", Severity.WARNING)]
    assert blocking(findings) == []
    assert check_form(import_declaration(NIF, freight=None, incoterm=Incoterm.CIF)) == []
