"""At the cashier's desk, suspended duties (a temporary admission) show as to be guaranteed, with no payment
form; duties of a release for free circulation keep theirs."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from douane.bootstrap import Context
from douane.demo.declarations import load_declarations
from douane.payments.tables import AmountDueRow
from tests.web.scenario import Pages


def test_the_cashier_is_offered_no_payment_for_suspended_duties(
    browser: Callable[..., Pages], page_ctx: Context
) -> None:
    with page_ctx.db.transaction() as session:
        ids = load_declarations(session, page_ctx)
        dues = {d.subject_id: d.id for d in session.scalars(select(AmountDueRow))}
    cashier = browser("cashier")
    desk = cashier.get("/cashier").text
    assert desk.count("À garantir") == 1
    suspended = cashier.get(f"/amounts-due/{dues[ids['awaiting_guarantee']]}").text
    assert 'id="suspended-note"' in suspended and "garantie enregistrée" in suspended
    assert 'id="payment-form"' not in suspended
    payable = cashier.get(f"/amounts-due/{dues[ids['awaiting_payment']]}").text
    assert 'id="payment-form"' in payable and 'id="suspended-note"' not in payable


def test_suspended_duties_once_guaranteed_read_guaranteed_with_nothing_to_collect(
    browser: Callable[..., Pages], page_ctx: Context
) -> None:
    with page_ctx.db.transaction() as session:
        ids = load_declarations(session, page_ctx)
        due_id = next(
            d.id for d in session.scalars(select(AmountDueRow)) if d.subject_id == ids["awaiting_guarantee"]
        )
    cashier = browser("cashier")
    due = f"/amounts-due/{due_id}"
    cashier.get(due)
    surety = {"kind": "bank_surety", "reference": "AT-2026-009", "issuer": "BNA", "amount": "90000000.00",
              "valid_from": "2026-01-01"}  # fmt: skip
    assert cashier.post(due + "/guarantees", surety).status_code == 303
    page = cashier.get(due).text
    chosen = re.search(r'value="(\d+)"[^>]*>\s*Caution bancaire · <span class="ltr">AT-2026-009', page)
    assert chosen is not None
    assert cashier.post(due + "/guarantee", {"guarantee_id": chosen.group(1)}).status_code == 303

    desk = cashier.get("/cashier?status=").text  # every status
    row = re.search(rf'<tr><td class="ltr">[^<]*</td>(.*?)href="{due}"', desk, re.S)
    assert row is not None and "Couvert par une garantie" in row.group(1)
    assert "À garantir" not in row.group(1) and "—" in row.group(1)  # nothing to collect at the desk
    assert 'id="outstanding"' not in cashier.get(due).text


def test_the_declarations_suspension_note_writes_its_amount_as_the_page_does(
    browser: Callable[..., Pages], page_ctx: Context
) -> None:
    with page_ctx.db.transaction() as session:
        ids = load_declarations(session, page_ctx)
    page = browser("chief", "fr").get(f"/declarations/{ids['awaiting_guarantee']}").text
    note = re.search(r'id="duties-suspended">([^<]*)<', page)
    assert note is not None and re.search(r"une garantie de \d{1,3}(\u202f\d{3})+ DZD", note.group(1)), note
