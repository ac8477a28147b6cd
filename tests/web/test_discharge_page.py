"""The declaration page of a temporary admission released against a guarantee: the inspector posted at the
office discharges it from a form naming the re-export declaration, sees the record afterwards, and the
guarantee's page then offers its release; the declarant reads the record, in French and in Arabic."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.declarations import control, lodging
from douane.declarations.model import DeclarationType, Party, Regime
from douane.demo import declarations as demo
from douane.identity import service as identity
from douane.identity.model import Actor
from douane.kernel.money import Money
from douane.payments import service as payments
from tests.web.scenario import Pages, found

Browser = Callable[..., Pages]


def _actor(session: Session, username: str) -> Actor:
    actor = identity.active_actor(session, username)
    assert actor is not None
    return actor


def admitted_under_guarantee(session: Session, ctx: Context) -> tuple[int, int]:
    """The demo's loader lodged under temporary admission, its suspended duties covered by a new bank surety,
    released: (declaration id, guarantee id)."""
    row = lodging.lodge_new(
        session, ctx.clock, _actor(session, "broker"), demo.LOADER, selectivity=demo.DemoChannel("green")
    )
    control.confirm_assessment(session, ctx.clock, row.id, by=_actor(session, "liquidator"))
    assert row.operator_id is not None and row.number is not None
    guarantee = payments.register_guarantee(
        session, ctx.clock, operator_id=row.operator_id, kind="bank_surety", reference=f"AT-{row.id}",
        issuer="BNA", amount=Money(Decimal("90000000"), "DZD"), valid_from=date(2026, 1, 1), valid_to=None,
        by=_actor(session, "cashier"),
    )  # fmt: skip
    dues, _ = payments.list_amounts_due(session, viewer=None, subject_reference=row.number)
    payments.cover_with_guarantee(session, ctx.clock, dues[0].id, guarantee.id, by=_actor(session, "cashier"))
    control.release(session, ctx.clock, row.id, by=_actor(session, "chief"))
    return row.id, guarantee.id


def re_exported(session: Session, ctx: Context) -> str:
    """An EX3 declaration of the loader's operator, released; its number."""
    content = replace(
        demo.LOADER, type=DeclarationType.EXPORT, regime=Regime.EX3, consignor=None,
        consignee=Party("Macchine Movimento Terra S.p.A.", country="IT"), destination_country="IT",
    )  # fmt: skip
    row = lodging.lodge_new(
        session, ctx.clock, _actor(session, "broker"), content, selectivity=demo.DemoChannel("green")
    )
    control.confirm_assessment(session, ctx.clock, row.id, by=_actor(session, "liquidator"))
    control.release(session, ctx.clock, row.id, by=_actor(session, "chief"))
    assert row.number is not None
    return row.number


def test_the_inspector_discharges_a_temporary_admission_from_its_page(
    browser: Browser, page_ctx: Context
) -> None:
    with page_ctx.db.transaction() as session:
        im4 = control.get_for_officer(session, demo.load_declarations(session, page_ctx)["released"]).number
        admitted, guarantee_id = admitted_under_guarantee(session, page_ctx)
        ex3 = re_exported(session, page_ctx)
    page = f"/declarations/{admitted}"
    inspector, broker, liquidator = browser("inspector"), browser("broker"), browser("liquidator")

    form = inspector.get(page).text
    assert 'id="discharge-form"' in form and "Apurement du régime" in form and "Réexportation" in form
    assert 'id="discharge-form"' not in broker.get(page).text
    assert 'id="discharge-form"' not in liquidator.get(page).text
    version = found(r'id="discharge-form".*?name="version" value="(\d+)"', form.replace("\n", " "))
    fields = {"method": "re_export", "reason": "Chargeuse réexportée vers l'Italie", "version": version}

    wrong = inspector.post(page + "/discharge", {**fields, "reference_number": str(im4)})
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text
    assert "exige une déclaration EX3" in html.unescape(wrong.text)
    done = inspector.post(page + "/discharge", {**fields, "reference_number": ex3})
    assert done.status_code == 303 and done.headers["location"].endswith("done=discharged")

    shown = inspector.get(page).text
    assert found(r'id="status">([^<]+)<', shown) == "Régime apuré"
    assert 'id="discharge-form"' not in shown and "la garantie ne couvre plus" in html.unescape(
        inspector.get(done.headers["location"]).text
    )
    record = found(r'(<section class="card" id="discharge-record">.*?</section>)', shown.replace("\n", " "))
    assert ex3 in record and "Réexportation" in record and "Chargeuse réexportée" in html.unescape(record)
    assert "Mode d'apurement" in html.unescape(record)
    assert 'data-action="declaration.discharge"' in shown

    arabic = browser("broker", "ar")
    arabic.get("/")
    arabic.post("/language", {"language": "ar", "next": "/"})
    mine = arabic.get(page).text
    assert "تمت تصفية النظام" in mine and ex3 in mine and "إعادة التصدير" in mine

    guarantee = browser("chief").get(f"/guarantees/{guarantee_id}").text
    assert 'id="release-form"' in guarantee and 'id="still-owed"' not in guarantee
    cashier = browser("cashier")
    number = found(r'id="declaration-number">([^<]+)<', shown)
    listing = cashier.get(f"/amounts-due?reference={number}").text
    assert "Régime apuré" in listing and "À garantir" not in listing
    due = cashier.get(found(r'href="(/amounts-due/\d+)"', listing)).text
    assert 'id="discharged-note"' in due and "ne sont plus dus" in html.unescape(due)
    assert 'id="outstanding"' not in due and 'id="suspended-note"' not in due
