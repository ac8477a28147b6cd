"""The PDF documents and their public verification page, over HTTP, on SQLite and PostgreSQL.

Each document is read as a person would: its text (pypdf), its QR code decoded from the page image
(zxing-cpp), then the verification page that code opens, without logging in.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from httpx import Response
from pypdf import PdfReader

from douane.bootstrap import Context
from douane.declarations.model import declaration_to_dict
from douane.kernel.money import Money
from douane.printing import formatting
from tests.api.declarations.test_officer_flow import DECL, Flow
from tests.integration.declarations import fixtures

API = "/api/v1"
JSON = {"Accept": "application/json"}
NO_BREAK_SPACE = "\u00a0"


@pytest.fixture
def flow(ctx: Context, client: TestClient) -> Flow:
    return Flow(ctx, client)


def _pdf(response: Response) -> tuple[str, list[str]]:
    """The text of every page and the texts of the QR codes printed on the first."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    pages = PdfReader(io.BytesIO(response.content)).pages
    codes = [code.text for image in pages[0].images for code in zxingcpp.read_barcodes(image.image)]
    text = "\n".join(page.extract_text() for page in pages)
    return text.replace(NO_BREAK_SPACE, " "), codes  # extraction turns it into a plain space


def _verification_path(codes: list[str]) -> str:
    assert len(codes) == 1, codes
    url = urlsplit(codes[0])
    assert (url.scheme, url.netloc) == ("http", "testserver") and url.path.startswith("/verify/")
    return url.path


def _paid(flow: Flow) -> tuple[dict[str, Any], dict[str, Any]]:
    """A green-channel declaration, assessed and paid in full at the cashier: (declaration, payment)."""
    flow.force_channel("green")
    lodged = flow.lodge()
    assessed = flow.act(flow.liquidator, lodged["id"], "confirm-assessment")
    assert assessed.status_code == 200, assessed.text
    due = flow.amount_due(lodged["number"])
    paid = flow.client.post(
        f"{API}/amounts-due/{due['id']}/payments",
        json={"amount": due["total"], "method": "cash", "payer": "Sarl Import"},
        headers={**flow.cashier, "Idempotency-Key": f"print-{lodged['id']}"},
    )  # fmt: skip
    assert paid.status_code == 201, paid.text
    return dict(assessed.json()), dict(paid.json())


def _receipt_path(payment: dict[str, Any]) -> str:
    return f"{API}/receipts/{payment['receipt_number']}.pdf"


def test_the_arabic_receipt_shows_the_payment_and_its_qr_code_opens_the_verification_page(flow: Flow) -> None:
    declaration, payment = _paid(flow)
    text, codes = _pdf(flow.client.get(_receipt_path(payment), params={"lang": "ar"}, headers=flow.broker))
    amount = formatting.amount(Money.of(payment["amount"]), "ar")
    figures = amount.split(NO_BREAK_SPACE)[0]  # text comes out in visual order: "د.ج" before the figures
    for expected in ("وصل دفع الحقوق والرسوم", payment["receipt_number"], declaration["number"], figures,
                     "نقدًا", payment["cashier"], "Sarl Import"):  # fmt: skip
        assert expected in text, expected
    path = _verification_path(codes)

    checked = flow.client.get(path, headers=JSON)  # no login
    assert checked.status_code == 200, checked.text
    assert checked.json() == {
        "valid": True, "validity": "valid", "kind": "receipt", "kind_label": "Quittance de paiement",
        "number": payment["receipt_number"], "date": payment["received_at"].replace("Z", "+00:00"),
        "office": {"code": payment["collection_office_code"], "name": checked.json()["office"]["name"]},
        "total": {"amount": payment["amount"], "currency": "DZD"},
    }  # fmt: skip
    page = flow.client.get(path, headers={"Accept": "text/html", "Accept-Language": "ar"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="ar" dir="rtl">' in page.text and "صالحة" in page.text
    assert payment["receipt_number"] in page.text and amount in page.text
    assert "Sarl Import" not in page.text and payment["cashier"] not in page.text  # key fields only


def test_a_receipt_prints_in_the_users_language_by_number_or_by_payment_and_only_for_its_firm(
    flow: Flow,
) -> None:
    _declaration, payment = _paid(flow)
    by_id = f"{API}/payments/{payment['id']}/receipt.pdf"
    trader_text, _ = _pdf(flow.client.get(by_id, headers=flow.trader))  # the demo trader reads Arabic
    assert "وصل دفع الحقوق والرسوم" in trader_text
    broker_text, _ = _pdf(flow.client.get(_receipt_path(payment), headers=flow.broker))  # French
    assert "Quittance des droits et taxes" in broker_text and "Espèces" in broker_text
    english, _ = _pdf(flow.client.get(by_id, params={"lang": "en"}, headers=flow.cashier))
    assert "Receipt for duties and taxes" in english

    for path in (by_id, _receipt_path(payment)):
        refused = flow.client.get(path, headers=flow.other_broker)
        assert refused.status_code == 404 and refused.json()["code"] == "payments.payment_not_found"
        assert flow.client.get(path).status_code == 401
    assert flow.client.get(by_id, params={"lang": "de"}, headers=flow.broker).status_code == 422
    assert flow.client.get(f"{API}/payments/{2**70}/receipt.pdf", headers=flow.broker).status_code == 422


def test_the_declaration_summary_shows_header_items_and_assessment_to_whoever_may_read_it(flow: Flow) -> None:
    flow.force_channel("green")
    lodged = flow.lodge()
    path = f"{DECL}/{lodged['id']}/summary.pdf"
    text, codes = _pdf(flow.client.get(path, params={"lang": "fr"}, headers=flow.broker))
    total = formatting.amount(Money.of(Decimal(lodged["total_due"])), "fr").replace(NO_BREAK_SPACE, " ")
    for expected in ("Déclaration en détail : résumé", lodged["number"], "Vert (sans contrôle)",
                     "Liquidation des droits et taxes", "Total des droits et taxes", total,
                     "Liquidation provisoire",
                     *(item["line_code"] for item in lodged["items"])):  # fmt: skip
        assert expected in text, expected
    verified = flow.client.get(_verification_path(codes), headers=JSON).json()
    assert verified["kind"] == "declaration_summary" and verified["valid"] is True
    assert Decimal(verified["total"]["amount"]) == Decimal(lodged["total_due"])

    arabic, _ = _pdf(flow.client.get(path, params={"lang": "ar"}, headers=flow.chief))
    assert "التصريح المفصل: ملخص" in arabic and lodged["number"] in arabic
    assert flow.client.get(path, headers=flow.trader).status_code == 200  # the importer itself
    refused = flow.client.get(path, headers=flow.other_broker)
    assert refused.status_code == 404 and refused.json()["code"] == "declarations.not_found"
    someone_else = flow.lodge(flow.demo.other_operator_nif)
    refused = flow.client.get(f"{DECL}/{someone_else['id']}/summary.pdf", headers=flow.trader)
    assert refused.status_code == 404 and refused.json()["code"] == "declarations.not_found"


def test_a_draft_has_no_summary_yet(flow: Flow) -> None:
    content = declaration_to_dict(fixtures.import_declaration(flow.demo.operator_nif))
    draft = flow.client.post(DECL, json=content, headers=flow.broker)
    refused = flow.client.get(f"{DECL}/{draft.json()['id']}/summary.pdf", headers=flow.broker)
    assert refused.status_code == 409 and refused.json()["code"] == "declarations.not_registered"


def test_the_release_authorization_exists_once_released_and_names_the_officer_only_to_officers(
    flow: Flow,
) -> None:
    declaration, _payment = _paid(flow)
    path = f"{DECL}/{declaration['id']}/release.pdf"
    refused = flow.client.get(path, headers=flow.broker)
    assert refused.status_code == 409 and refused.json()["code"] == "declarations.not_released"
    released = flow.act(flow.chief, declaration["id"], "release")
    assert released.status_code == 200, released.text
    chief_name = flow.client.get(f"{API}/auth/me", headers=flow.chief).json()["full_name"]

    officer_text, _ = _pdf(flow.client.get(path, params={"lang": "fr"}, headers=flow.chief))
    assert "Autorisation d'enlever (mainlevée)" in officer_text and chief_name in officer_text
    broker_text, codes = _pdf(flow.client.get(path, params={"lang": "fr"}, headers=flow.broker))
    assert declaration["number"] in broker_text and chief_name not in broker_text
    assert "Mainlevée donnée par Douane" in broker_text and "Paiement, quittances" in broker_text
    verified = flow.client.get(_verification_path(codes), headers=JSON).json()
    assert verified["kind"] == "release_authorization" and verified["valid"] is True
    assert verified["date"] == released.json()["released_at"].replace("Z", "+00:00")
    assert flow.client.get(path, headers=flow.other_broker).status_code == 404


def test_a_forged_or_altered_token_answers_404(flow: Flow) -> None:
    _declaration, payment = _paid(flow)
    _, codes = _pdf(flow.client.get(_receipt_path(payment), headers=flow.broker))
    genuine = _verification_path(codes)
    middle = len(genuine) - 10  # not the last character: its low bits may be base64 padding, ignored
    altered = genuine[:middle] + ("A" if genuine[middle] != "A" else "B") + genuine[middle + 1 :]
    for path in (altered, "/verify/" + "A" * 39, "/verify/x", "/verify/" + "A" * 500, "/verify/%00%C3%A9"):
        refused = flow.client.get(path, headers=JSON)
        assert refused.status_code == 404 and refused.json()["code"] == "printing.unknown_document", path
        page = flow.client.get(path, headers={"Accept": "text/html", "Accept-Language": "fr"})
        assert page.status_code == 404 and "Aucun document des douanes" in page.text
    assert flow.client.get(genuine, headers=JSON).status_code == 200


def test_a_summary_printed_before_an_amendment_or_a_cancellation_stops_being_valid(flow: Flow) -> None:
    flow.force_channel("yellow")
    lodged = flow.lodge()
    path = f"{DECL}/{lodged['id']}/summary.pdf"
    first = _verification_path(_pdf(flow.client.get(path, headers=flow.broker))[1])
    content = declaration_to_dict(fixtures.import_declaration(flow.demo.operator_nif))
    content["items"][0]["description"] = "Corrected description"
    amended = flow.client.post(
        f"{DECL}/{lodged['id']}/amend", json={"declaration": content, "reason": "typo"}, headers=flow.broker
    )
    assert amended.status_code == 200, amended.text

    old = flow.client.get(first, headers=JSON).json()
    assert (old["valid"], old["validity"]) == (False, "superseded")
    second = _verification_path(_pdf(flow.client.get(path, headers=flow.broker))[1])
    assert second != first and flow.client.get(second, headers=JSON).json()["valid"] is True

    asked = flow.client.post(
        f"{DECL}/{lodged['id']}/invalidation-request",
        json={"reason": "Goods shipped back"},
        headers=flow.broker,
    )
    assert asked.status_code == 201, asked.text
    assert flow.act(flow.chief, lodged["id"], "invalidation/approve", {"note": "ok"}).status_code == 200
    cancelled = flow.client.get(second, headers={"Accept-Language": "fr"})
    assert cancelled.status_code == 200 and "la déclaration a été annulée" in cancelled.text
    assert flow.client.get(second, headers=JSON).json()["validity"] == "cancelled"
