"""Request bodies drop control characters from every text field, at every level, and keep the rest."""

from __future__ import annotations

import json

from douane.declarations.schemas import BulkIn, DeclarationIn

ITEM = {
    "number": 1, "line_code": "8703231900", "description": "Cars\x00 and\tparts\nused",
    "origin_country": "CN", "invoice_amount": "1000", "net_mass_kg": "10", "gross_mass_kg": "11",
}  # fmt: skip
BODY = {
    "type": "import", "regime": "IM4", "office_code": "16011", "operator_nif": "0001\x07",
    "invoice_currency": "EUR", "invoice_total": "1000", "incoterm": "FOB", "transport_means": "MSC\x1bALGER",
    "items": [ITEM],
    "consignor": {"name": "Shen\x00zhen Co", "country": "CN"},
    "documents": [{"type_code": "N935", "number": "INV\x00-7"}],
}  # fmt: skip


def test_control_characters_are_dropped_in_header_items_and_parties() -> None:
    declaration = DeclarationIn.model_validate(BODY).to_model()
    assert declaration.transport_means == "MSCALGER"
    assert declaration.operator_nif == "0001"
    assert declaration.items[0].description == "Cars and\tparts\nused"  # tab and new line stay
    assert declaration.consignor is not None and declaration.consignor.name == "Shenzhen Co"
    assert declaration.documents[0].number == "INV-7"


def test_a_json_body_is_cleaned_the_same_way_and_the_callers_dict_is_left_alone() -> None:
    body = {"declarations": [BODY]}
    parsed = BulkIn.model_validate_json(json.dumps(body)).declarations[0].to_model()
    assert parsed.transport_means == "MSCALGER" and parsed.items[0].description == "Cars and\tparts\nused"
    assert BODY["transport_means"] == "MSC\x1bALGER"


def test_arabic_text_is_kept_as_typed() -> None:
    item = {**ITEM, "description": "قطع غيار سيارات"}
    declaration = DeclarationIn.model_validate({**BODY, "items": [item]}).to_model()
    assert declaration.items[0].description == "قطع غيار سيارات"
