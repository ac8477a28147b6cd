"""What people type in the pages: amounts as their language writes them, refusals said in their language
next to the field they concern, and addresses or numbers the pages cannot take answered with a page, never
with the API's JSON."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from douane.app import create_app
from douane.bootstrap import Context
from douane.declarations.tables import DeclarationItemRow, DeclarationRow
from douane.payments.tables import PaymentRow
from douane.web.pages import attempt
from tests.web.scenario import Pages, act, amount_due_path, declaration_form, found, lodged, operator_nif

Browser = Callable[..., Pages]


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_an_address_the_pages_cannot_read_is_answered_with_a_page_in_the_users_language(
    browser: Browser,
) -> None:
    broker = browser("broker", "fr")
    missing = broker.get("/declarations/abc")
    assert (missing.status_code, missing.headers["content-type"].split(";")[0]) == (404, "text/html")
    assert "Cette page n'existe pas" in html.unescape(missing.text)
    zero = broker.get("/declarations?page=0")
    assert (zero.status_code, zero.headers["content-type"].split(";")[0]) == (422, "text/html")
    assert "Cette adresse demande quelque chose que la page ne peut pas afficher" in html.unescape(zero.text)
    part = broker.client.get("/declarations?page=0", headers={"HX-Request": "true", "Accept": "*/*"})
    assert (part.status_code, part.headers["content-type"].split(";")[0]) == (422, "text/html")  # htmx
    api = broker.client.get("/api/v1/declarations/abc", headers={"Accept": "application/json"})
    assert api.headers["content-type"] == "application/problem+json"


def test_a_french_broker_types_amounts_the_french_way(browser: Browser, page_ctx: Context) -> None:
    broker = browser("broker", "fr")
    broker.get("/declarations/new")
    form = {
        **declaration_form(operator_nif()), "invoice_total": "18 000,00", "freight": "800,5",
        "items-a1-invoice_amount": "12\u202f000,00", "items-a1-net_mass_kg": "1.234,5",
        "items-b2-invoice_amount": "6000.00",
    }  # fmt: skip
    assert broker.post("/declarations/new", form).status_code == 303
    with page_ctx.db.transaction() as session:
        row = session.scalars(select(DeclarationRow)).one()
        assert (row.invoice_total, row.freight) == (Decimal("18000.00"), Decimal("800.5"))
        items = session.scalars(select(DeclarationItemRow).order_by(DeclarationItemRow.number)).all()
        assert [(i.invoice_amount, i.net_mass_kg) for i in items] == [
            (Decimal("12000.00"), Decimal("1234.5")), (Decimal("6000.00"), Decimal("300")),
        ]  # fmt: skip


def test_refused_fields_are_said_in_the_page_language_with_the_item_they_belong_to(
    browser: Browser, page_ctx: Context
) -> None:
    broker = browser("broker", "fr")
    broker.get("/declarations/new")
    form = {**declaration_form(operator_nif()), "invoice_total": "1e3", "items-b2-origin_country": "C1"}
    refused = broker.post("/declarations/new", form)
    assert refused.status_code == 422
    shown = _text(refused.text)
    assert "Saisissez un nombre" in shown  # 1e3 is no amount
    assert "Article 2 · Origine Saisissez le code à deux lettres d'un pays, par exemple CN" in shown
    assert "Input should" not in shown and "items-b2" not in shown

    empty = _text(broker.post("/declarations/new", {}).text)
    assert "Remplissez ce champ" in empty and "Input should" not in empty and "Decimal input" not in empty
    assert re.search(r'name="items-[0-9a-f]+-line_code"', broker.post("/declarations/new", {}).text)
    with page_ctx.db.transaction() as session:
        assert session.scalars(select(DeclarationRow)).first() is None


def test_the_cashier_types_an_amount_as_the_page_writes_it_and_no_exponent(
    browser: Browser, page_ctx: Context
) -> None:
    declaration = lodged(browser("broker"))
    number = found(r"(\d{5}/\d{4}/\d{6})", browser("broker").get(declaration).text)
    inspector, liquidator = browser("inspector"), browser("liquidator")
    assert act(inspector, declaration, "take").status_code == 303
    assert act(inspector, declaration, "control-result", outcome="no_discrepancy").status_code == 303
    assert act(liquidator, declaration, "confirm-assessment").status_code == 303
    cashier = browser("cashier", "fr")
    due = amount_due_path(cashier, number)
    page = cashier.get(due).text
    key = found(r'name="idempotency_key" value="([^"]*)"', page)
    whole = Decimal(found(r'name="amount" value="([^"]*)"', page))
    body = {"method": "cash", "payer": "SARL Tassili", "idempotency_key": key}

    exponent = cashier.post(due + "/pay", {**body, "amount": "1e3"})
    assert exponent.status_code == 422 and "Le montant n'est pas un nombre" in html.unescape(exponent.text)
    negative = cashier.post(due + "/pay", {**body, "amount": "-1 000,00"})
    assert "Le montant doit être supérieur à zéro" in html.unescape(negative.text)
    french = f"{whole:,.2f}".replace(",", " ").replace(".", ",")  # 1 339 387,00
    paid = cashier.post(due + "/pay", {**body, "amount": french})
    assert paid.status_code == 303
    receipt = _text(cashier.get(paid.headers["location"]).text)
    assert "Caissier Leila Hamdani" in receipt  # the cashier's name, not the login
    with page_ctx.db.transaction() as session:
        assert [p.amount.amount for p in session.scalars(select(PaymentRow))] == [whole]


def test_an_amended_value_beyond_what_a_declaration_holds_is_refused_on_its_page(browser: Browser) -> None:
    declaration = lodged(browser("broker"))
    inspector = browser("inspector", "fr")
    assert act(inspector, declaration, "take").status_code == 303
    amendment = {"outcome": "discrepancy", "discrepancy_type": "value", "amend-1-item": "1",
                 "amend-1-field": "customs_value_dzd", "amend-1-reason": "Prix de référence"}  # fmt: skip
    for typed, why in (("99999999999999999999", "ne peut pas dépasser 100 000 000 000 000"),
                       ("1e30", "n'est pas un nombre")):  # fmt: skip
        refused = act(inspector, declaration, "control-result", **amendment, **{"amend-1-value": typed})
        assert (refused.status_code, refused.headers["content-type"].split(";")[0]) == (422, "text/html")
        assert "Article 1" in _text(refused.text) and why in _text(refused.text)
    assert 'id="control-recorded"' not in inspector.get(declaration).text
    done = act(inspector, declaration, "control-result", **amendment, **{"amend-1-value": "2 500 000,00"})
    assert done.status_code == 303
    recorded = inspector.get(declaration).text  # still under control, the next step said
    assert 'id="control-recorded"' in recorded and "Autre résultat de contrôle" in recorded
    assert "2 500 000,00" in inspector.get(declaration).text.replace("\u202f", " ").replace("\u00a0", " ")

    broker_page = browser("broker").get(declaration).text
    told = re.search(r'<section class="card" id="amendments">(.*?)</section>', broker_page, re.S)
    assert told is not None, "the declarant is told what customs changed"
    shown = _text(told.group(1)).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Modifications apportées au contrôle" in shown and "Prix de référence" in shown
    assert "1 Valeur en douane (DZD) 1 894 522,67 DA 2 500 000,00 DA Prix de référence" in shown
    assert "inspector" not in shown  # who amended is not said to the declarant


def test_an_amendment_row_half_filled_or_too_precise_is_refused_not_dropped(browser: Browser) -> None:
    declaration = lodged(browser("broker"))
    inspector = browser("inspector", "fr")
    assert act(inspector, declaration, "take").status_code == 303
    amendment = {"outcome": "discrepancy", "discrepancy_type": "value", "amend-1-field": "customs_value_dzd",
                 "amend-1-reason": "Prix de référence"}  # fmt: skip
    typed = {**amendment, "amend-1-value": "9000000,00", "notes": "Facture pro forma sous-évaluée"}
    no_item = act(inspector, declaration, "control-result", **typed)
    assert no_item.status_code == 422
    assert "Rectification 1 : choisissez l'article" in _text(no_item.text)
    kept = no_item.text  # what the inspector typed is still there to correct
    assert 'value="9000000,00"' in kept and "Facture pro forma sous-évaluée</textarea>" in kept
    assert re.search(r'value="discrepancy" checked', kept) and re.search(r'value="value" selected', kept)
    thousandths = {**amendment, "amend-1-item": "1", "amend-1-value": "0,001"}
    too_precise = act(inspector, declaration, "control-result", **thousandths)
    assert too_precise.status_code == 422 and "ne peut avoir plus de 2 décimales" in _text(too_precise.text)
    assert 'id="control-recorded"' not in inspector.get(declaration).text  # nothing recorded either time


def test_a_write_the_database_refuses_is_kept_for_the_page_to_say(page_ctx: Context) -> None:
    request = Request({"type": "http", "app": create_app(page_ctx), "headers": [], "method": "POST"})

    def overflows(_session: Session) -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    outcome = attempt(request, overflows)
    assert outcome.error is not None and outcome.error.code == "request.out_of_range"

    def breaks(_session: Session) -> None:
        raise KeyError("a defect, not a refusal")

    with pytest.raises(KeyError):
        attempt(request, breaks)


def test_a_refused_action_is_named_as_its_button_and_the_status_as_the_page_shows_it(
    browser: Browser,
) -> None:
    declaration = lodged(browser("broker"))
    chief = browser("chief", "fr")
    refused = act(chief, declaration, "release")
    assert refused.status_code == 409
    said = _text(refused.text).replace("\u00a0", " ")
    expected = (
        "L'action « Donner la mainlevée » n'est pas permise sur une déclaration au statut Circuit attribué"
    )
    assert expected in said
    assert "channel_assigned" not in said


def test_an_actions_address_asked_for_again_leads_back_to_its_page(browser: Browser) -> None:
    """A refused form answers at its action's address; a language switch or a reload there asks for it with
    GET, which takes the user back to the declaration's page rather than to an error."""
    declaration = lodged(browser("broker"))
    inspector = browser("inspector", "fr")
    for action in ("control-result", "invalidation/approve"):  # two levels below the page, for the second
        again = inspector.get(f"{declaration}/{action}", follow_redirects=False)
        assert (again.status_code, again.headers["location"]) == (303, declaration)
    api = inspector.client.get("/api/v1/declarations/1/lodge", headers={"Accept": "application/json"})
    assert api.status_code == 405  # the API says what it is


def test_a_draft_of_many_items_is_saved_from_the_page(browser: Browser, page_ctx: Context) -> None:
    """Four hundred items: well past the thousand form fields a form reader takes by default."""
    broker = browser("broker")
    broker.get("/declarations/new")
    form = {k: v for k, v in declaration_form(operator_nif()).items() if not k.startswith("items-")}
    for n in range(1, 401):
        form |= {f"items-k{n}-line_code": "8471301000", f"items-k{n}-description": f"Computers lot {n}",
                 f"items-k{n}-origin_country": "CN", f"items-k{n}-invoice_amount": "45.00",
                 f"items-k{n}-net_mass_kg": "1", f"items-k{n}-gross_mass_kg": "1.2"}  # fmt: skip
    form["invoice_total"] = "18000.00"
    created = broker.post("/declarations/new", form)
    assert created.status_code == 303, created.text[:300]
    with page_ctx.db.transaction() as session:
        assert len(session.scalars(select(DeclarationItemRow)).all()) == 400


def test_the_assessment_reads_its_date_and_rate_as_the_page_language_writes_them(browser: Browser) -> None:
    declaration = lodged(browser("broker"))
    page = _text(browser("broker", "fr").get(declaration).text)
    assert "Liquidée au 15 mars 2026" in page and "2026-03-15" not in page
    assert re.search(r"Taux de change \d+,\d+", page)  # a decimal comma, as every other French figure


def test_a_new_declaration_starts_at_an_office_where_the_broker_is_approved(browser: Browser) -> None:
    page = browser("broker").get("/declarations/new").text
    assert re.search(r'<option value="16011"[^>]*selected', page)  # Alger Port, the demo broker's office


@pytest.mark.parametrize(
    ("language", "said", "not_said"),
    [("fr", "arrondi par défaut à", "rounded down to"), ("ar", "مقرب بالنقصان إلى", "rounded down to"),
     ("en", "rounded down to", "arrondi")],
)  # fmt: skip
def test_the_breakdown_is_written_in_the_page_language(
    browser: Browser, language: str, said: str, not_said: str
) -> None:
    declaration = lodged(browser("broker"))
    broker = browser("broker", language)
    broker.get("/declarations/new")
    assert broker.post("/language", {"language": language, "next": declaration}).status_code == 303
    page = _text(broker.get(declaration).text)
    assert said in page and not_said not in page
    if language == "fr":
        assert re.search(r"EUR 12 000 x \d+,\d+ = 1 \d{3} \d{3},\d\d \+ fret ", page)  # spaces: any kind
