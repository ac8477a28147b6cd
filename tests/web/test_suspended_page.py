"""At the cashier's desk, suspended duties (a temporary admission) show as to be guaranteed, with no payment
form; duties of a release for free circulation keep theirs."""

from __future__ import annotations

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
