"""The declarant amends a lodged declaration from its page, before the control: the form comes filled in,
a reason is required, the procedure and the importer stay as registered, and the amendment is kept as a new
version."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select

from douane.bootstrap import Context
from douane.declarations import changes, lodging, service
from douane.declarations.model import DocumentRef, Party, declaration_to_dict
from douane.declarations.tables import DeclarationRow, DeclarationVersionRow
from douane.identity import service as identity
from tests.integration.declarations.fixtures import FixedSelectivity, import_declaration, item
from tests.web.scenario import Pages, act, declaration_form, found, lodged, operator_nif

Browser = Callable[..., Pages]
SELECTED = r'<select id="f-[^"]+" name="([^"]+)">.*?<option value="([^"]*)" selected'


def _amendment(broker: Pages, declaration: str, **changes: str) -> dict[str, str]:
    page = broker.get(f"{declaration}/amend").text
    version = found(r'name="version" id="version" value="(\d+)"', page)
    return {**declaration_form(operator_nif()), "version": version, **changes}


def test_the_broker_amends_its_lodged_declaration_from_its_page(browser: Browser, page_ctx: Context) -> None:
    broker = browser("broker", "fr")
    declaration = lodged(broker)
    assert 'id="amend-link"' in broker.get(declaration).text
    form_page = html.unescape(broker.get(f"{declaration}/amend").text)
    assert "Rectifier la déclaration 16011/2026/000001" in form_page
    assert 'value="Portable computers"' in form_page  # filled in with what was lodged

    no_reason = broker.post(f"{declaration}/amend", _amendment(broker, declaration))
    assert no_reason.status_code == 422 and "motif" in html.unescape(no_reason.text).lower()
    other_regime = broker.post(
        f"{declaration}/amend", _amendment(broker, declaration, regime="IM5", reason="Admission temporaire")
    )
    assert other_regime.status_code == 422
    assert "ne peut pas être modifié" in html.unescape(other_regime.text)
    assert 'name="reason"' in other_regime.text and "Admission temporaire</textarea>" in other_regime.text

    cheaper = _amendment(
        broker, declaration, reason="Facture rectifiée", invoice_total="17000.00",
        **{"items-b2-invoice_amount": "5000.00"},
    )  # fmt: skip
    done = broker.post(f"{declaration}/amend", cheaper)
    assert done.status_code == 303 and done.headers["location"].startswith(declaration)
    assert "La déclaration a été rectifiée" in html.unescape(broker.get(done.headers["location"]).text)
    with page_ctx.db.transaction() as session:
        row = session.scalars(select(DeclarationRow)).one()
        assert (row.invoice_total, row.regime, row.current_version) == (17000, "IM4", 2)
        reasons = session.scalars(select(DeclarationVersionRow.reason).order_by(DeclarationVersionRow.id))
        assert list(reasons)[-1] == "Facture rectifiée"
    inspector_page = browser("inspector").get(declaration).text
    assert not re.search(r'id="amend-link"', inspector_page)  # officers do not amend; they read what changed
    changed = re.search(r'id="version-changes">(.*?)</section>', inspector_page, re.S)
    assert changed is not None and "Facture rectifiée" in html.unescape(changed.group(1))
    assert re.search(r"Article 2 · Montant facturé</td><td[^>]*>6000</td><td[^>]*>5000<", html.unescape(
        changed.group(1)))  # fmt: skip
    assert 'id="version-changes"' not in broker.get(declaration).text
    trader_page = browser("trader").get(declaration)  # the importer reads what its broker lodged for it
    assert trader_page.status_code == 200 and 'id="amend-link"' not in trader_page.text


def test_the_amendment_form_fixes_what_cannot_change_and_closes_once_the_control_starts(
    browser: Browser,
) -> None:
    broker = browser("broker", "fr")
    declaration = lodged(broker)
    form_page = broker.get(f"{declaration}/amend").text
    assert re.search(r'<select id="f-regime" disabled>', form_page)
    assert re.search(r'<input type="hidden" name="regime" value="IM4">', form_page)
    assert re.search(r'id="f-operator_nif"[^>]*readonly', form_page)
    assert act(browser("inspector"), declaration, "take").status_code == 303
    closed = broker.get(f"{declaration}/amend")
    assert closed.status_code == 409
    said = html.unescape(closed.text).replace("\u00a0", " ")
    assert "« Rectifier la déclaration » n'est pas permise sur une déclaration au statut En contrôle" in said


def test_amending_from_the_page_keeps_what_its_form_has_no_input_for(
    browser: Browser, page_ctx: Context
) -> None:
    """A declaration lodged by an API client with a consignee, a destination, costs in dinars, an item's
    preference, package kind and unit, and a document listed without a file: amending one description from
    the page changes that description and nothing else."""
    rich = import_declaration(
        operator_nif(), consignee=Party("SARL Tassili Import", nif="000016001234567", country="DZ"),
        destination_country="DZ", costs_currency="DZD", freight=Decimal("80000"), insurance=Decimal("12000"),
        documents=(DocumentRef("380", "INV-2026-17"),),
        items=(item(1, "8471301000", "12000.00", preference="300", supplementary_unit="u",
                    supplementary_quantity=Decimal(40)),
               item(2, "8450111000", "8000.00")),
    )  # fmt: skip
    with page_ctx.db.transaction() as session:
        broker = identity.active_actor(session, "broker")
        assert broker is not None
        row = lodging.lodge_new(session, page_ctx.clock, broker, rich, selectivity=FixedSelectivity("red"))
        declaration, before, lodged_content = (
            f"/declarations/{row.id}",
            row.total_due,
            service.content_of(row),
        )
    page = browser("broker", "fr")
    form_page = page.get(f"{declaration}/amend").text
    form = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form_page))  # as the browser sends it
    form |= dict(re.findall(SELECTED, form_page, re.S))
    form |= {"items-n2-description": "Washing machines, 8 kg", "reason": "Désignation précisée"}
    assert page.post(f"{declaration}/amend", form).status_code == 303
    with page_ctx.db.transaction() as session:
        after = service.content_of(service.get_row(session, row.id))
        assert changes.between(declaration_to_dict(lodged_content), declaration_to_dict(after)) == [
            ("items[1].description", "Goods of item 2", "Washing machines, 8 kg")
        ]
        assert service.get_row(session, row.id).total_due == before
