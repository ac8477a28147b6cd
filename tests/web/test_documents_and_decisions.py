"""Pages over HTTP on SQLite and PostgreSQL: the PDF documents behind the page links, the officers'
rejection, the declarant's invalidation request and the chief's decision, and a guarantee covering an
amount due at the cashier."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from douane.bootstrap import Context
from douane.db import Database
from douane.identity import service as identity
from douane.identity.model import Role
from douane.identity.tables import UserRow
from douane.registry.tables import CustomsBrokerRow
from tests.conftest import make_context
from tests.web.scenario import Pages, act, amount_due_path, assessed, found, lodged, paid

Browser = Callable[..., Pages]


@pytest.fixture
def page_ctx(db: Database, tmp_path: Path) -> Context:
    """These page tests run on both engines."""
    return make_context(db, tmp_path)


def _other_firms_broker(ctx: Context, password: str) -> str:
    with ctx.db.transaction() as session:
        own = session.scalars(select(UserRow.broker_id).where(UserRow.username == "broker")).one()
        other = session.scalars(select(CustomsBrokerRow.id).where(CustomsBrokerRow.id != own)).first()
        identity.create_user(
            session, ctx.clock, ctx.passwords, username="rival", full_name="Rival Broker", password=password,
            roles={Role.BROKER}, broker_id=other,
        )  # fmt: skip
    return "rival"


def _is_pdf(response: object) -> bool:
    return (
        getattr(response, "status_code", 0) == 200
        and getattr(response, "headers", {}).get("content-type") == "application/pdf"
        and getattr(response, "content", b"").startswith(b"%PDF")
    )


def test_the_broker_downloads_its_summary_and_another_firm_cannot(
    browser: Browser, page_ctx: Context, password: str
) -> None:
    broker = browser("broker")
    declaration = lodged(broker)
    page = broker.get(declaration).text
    link = found(r'href="(/declarations/\d+/summary\.pdf)"', page)
    assert "release.pdf" not in page  # not released yet: no release authorization
    assert _is_pdf(broker.get(link))
    rival = browser(_other_firms_broker(page_ctx, password))
    assert rival.get(link).status_code == 404
    assert rival.get(declaration).status_code == 404


def test_the_cashiers_receipt_and_the_release_authorization_are_pdfs(browser: Browser) -> None:
    broker, inspector = browser("broker"), browser("inspector")
    declaration = lodged(broker)
    assessed(declaration, inspector, browser("liquidator"))
    number = found(r'id="declaration-number">([^<]+)<', broker.get(declaration).text)
    cashier = browser("cashier")
    receipt = cashier.get(paid(cashier, amount_due_path(cashier, number))).text
    assert _is_pdf(cashier.get(found(r'href="(/payments/\d+/receipt\.pdf)"', receipt)))
    assert "release.pdf" not in broker.get(declaration).text
    page = inspector.get(declaration).text
    inspector.post(declaration + "/release", {"version": found(r'name="version" value="(\d+)"', page)})
    released = broker.get(declaration).text
    assert _is_pdf(broker.get(found(r'href="(/declarations/\d+/release\.pdf)"', released)))


def _dashboard_counts(chief: Pages) -> tuple[int, int]:
    """(red-channel bar, "Channel assigned" row) of the chief's dashboard, in French."""
    page = chief.get("/dashboard").text
    red = found(r">Rouge</text>\s*<rect[^>]*></rect>\s*<text[^>]*>(\d+)</text>", page)
    assigned = found(r'<td>Circuit attribué</td><td class="num">(\d+)</td>', page)
    return int(red), int(assigned)


def test_the_chiefs_dashboard_counts_the_offices_declarations(browser: Browser) -> None:
    chief, broker = browser("chief"), browser("broker")
    red, assigned = _dashboard_counts(chief)
    lodged(broker), lodged(broker)
    assert _dashboard_counts(chief) == (red + 2, assigned + 2)


def _status(pages: Pages, declaration: str) -> str:
    return found(r'<dd id="status">([^<]+)</dd>', pages.get(declaration).text)


def test_an_inspector_rejects_with_a_reason_the_broker_reads(browser: Browser) -> None:
    broker, inspector = browser("broker"), browser("inspector")
    declaration = lodged(broker)
    assert 'id="reject-form"' in inspector.get(declaration).text
    assert 'id="reject-form"' not in broker.get(declaration).text
    refused = act(inspector, declaration, "reject", reason="  ")
    assert refused.status_code == 422 and "Un motif est obligatoire" in refused.text
    assert _status(broker, declaration) == "Circuit attribué"
    assert act(inspector, declaration, "reject", reason="Facture non conforme").status_code == 303
    page = broker.get(declaration).text
    assert _status(broker, declaration) == "Rejetée"
    assert re.search(r'data-action="declaration.reject">Rejetée</td>.*Facture non conforme', page, re.S)


def test_the_chief_refuses_then_approves_a_brokers_invalidation_request(browser: Browser) -> None:
    broker, chief = browser("broker"), browser("chief")
    declaration = lodged(broker)
    assert 'id="invalidation-decision"' not in chief.get(declaration).text
    broker.get(declaration)
    asked = broker.post(declaration + "/request-invalidation", {"reason": "Erreur de destinataire"})
    assert asked.status_code == 303
    page = broker.get(declaration).text
    assert 'id="invalidation-form"' not in page and "En attente du chef de bureau" in page
    assert "Erreur de destinataire" in chief.get(declaration).text
    assert act(chief, declaration, "invalidation/refuse", reason="").status_code == 422
    assert (
        act(chief, declaration, "invalidation/refuse", reason="Marchandise déjà débarquée").status_code == 303
    )
    page = broker.get(declaration).text
    assert "Marchandise déjà débarquée" in page and 'id="invalidation-form"' in page
    broker.post(declaration + "/request-invalidation", {"reason": "Doublon de la déclaration"})
    waiting = chief.get("/invalidations").text  # the chief's list of requests waiting for a decision
    assert f'href="{declaration}"' in waiting and '<a href="/invalidations"' in waiting
    assert act(chief, declaration, "invalidation/approve", note="Doublon vérifié").status_code == 303
    assert f'href="{declaration}"' not in chief.get("/invalidations").text
    assert _status(broker, declaration) == "Annulée"
    cancelled = broker.get(declaration).text
    assert "Accordée" in cancelled
    assert "Total liquidé" in cancelled and "Non dû" in cancelled and "Total à payer" not in cancelled


def test_the_cashier_covers_an_amount_due_with_a_guarantee(browser: Browser) -> None:
    broker, cashier = browser("broker"), browser("cashier")
    declaration = lodged(broker)
    assessed(declaration, browser("inspector"), browser("liquidator"))
    due = amount_due_path(cashier, found(r'id="declaration-number">([^<]+)<', broker.get(declaration).text))
    page = cashier.get(due).text
    assert 'id="guarantee-form"' in page and 'id="cover-form"' not in page
    small = {"kind": "bank_surety", "reference": "CAU-2026-001", "issuer": "BNA", "amount": "1000.00",
             "valid_from": "2026-01-01"}  # fmt: skip
    assert cashier.post(due + "/guarantees", small).status_code == 303
    small_id = found(r'name="guarantee_id" value="(\d+)"', cashier.get(due).text)
    too_small = cashier.post(due + "/guarantee", {"guarantee_id": small_id})
    assert too_small.status_code == 409 and 'role="alert"' in too_small.text
    large = {**small, "reference": "CAU-2026-002", "amount": "90000000.00"}
    assert cashier.post(due + "/guarantees", large).status_code == 303
    page = cashier.get(due).text
    large_id = found(r'value="(\d+)"[^>]*>\s*Caution bancaire · <span class="ltr">CAU-2026-002', page)
    assert broker.post(due + "/guarantee", {"guarantee_id": large_id}).status_code == 403
    assert cashier.post(due + "/guarantee", {"guarantee_id": large_id}).status_code == 303
    page = cashier.get(due).text
    assert found(r'id="due-status">([^<]+)<', page) == "Couvert par une garantie"
    assert 'id="allocations"' in page and 'href="/guarantees/' in page
    assert _status(broker, declaration) == "Garantie"
    broker_page = broker.get(due).text  # the broker reads the allocation, not its client's guarantee
    assert 'id="allocations"' in broker_page and 'href="/guarantees/' not in broker_page
