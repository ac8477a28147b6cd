"""What a version changed: the header's fields, each item's by its number, items added or taken out, and the
documents listed."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from douane.declarations.changes import between
from douane.declarations.model import DocumentRef, declaration_to_dict
from tests.integration.declarations.fixtures import import_declaration


def test_a_changed_header_field_and_item_field_are_named_with_both_values() -> None:
    first = import_declaration("000016001234567")
    items = (*first.items[:2], replace(first.items[2], invoice_amount=Decimal("1000.00")))
    second = replace(first, items=items, invoice_total=Decimal("19000.00"), transport_means="CMA CGM TIGRIS")
    assert between(declaration_to_dict(first), declaration_to_dict(second)) == [
        ("transport_means", "MSC ALGER", "CMA CGM TIGRIS"),
        ("invoice_total", "20000", "19000"),
        ("items[2].invoice_amount", "2000", "1000"),
    ]


def test_an_item_taken_out_and_a_document_added_are_said_so() -> None:
    first = import_declaration("000016001234567")
    second = replace(first, items=first.items[:2], documents=(DocumentRef("380", "INV-7"),))
    changed = between(declaration_to_dict(first), declaration_to_dict(second))
    assert ("items[2]", first.items[2].line_code, None) in changed
    assert ("documents", None, "380 INV-7") in changed
    assert between(declaration_to_dict(first), declaration_to_dict(first)) == []
