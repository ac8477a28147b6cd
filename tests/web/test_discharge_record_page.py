"""The discharge record on the declaration page names the officer to officers only: the declarant reads
"customs", as in the declaration's history."""

from __future__ import annotations

import html
from collections.abc import Callable

from douane.bootstrap import Context
from douane.declarations import control
from douane.declarations.model import DischargeEvidence, DischargeMethod
from douane.identity import service as identity
from tests.web.scenario import Pages, found
from tests.web.test_discharge_page import admitted_under_guarantee, re_exported

Browser = Callable[..., Pages]
RECORD = r'(<section class="card" id="discharge-record">.*?</section>)'


def test_the_declarant_reads_who_discharged_as_customs(browser: Browser, page_ctx: Context) -> None:
    with page_ctx.db.transaction() as session:
        admitted, _guarantee = admitted_under_guarantee(session, page_ctx)
        ex3 = re_exported(session, page_ctx)
        evidence = DischargeEvidence(DischargeMethod.RE_EXPORT, reference_number=ex3)
        inspector = identity.active_actor(session, "inspector")
        assert inspector is not None
        control.discharge(
            session, page_ctx.clock, admitted, by=inspector, evidence=evidence, reason="Réexportée"
        )
    page = f"/declarations/{admitted}"

    seen_by_broker = html.unescape(found(RECORD, browser("broker").get(page).text.replace("\n", " ")))
    seen_by_chief = html.unescape(found(RECORD, browser("chief").get(page).text.replace("\n", " ")))

    assert "· douane</dd>" in seen_by_broker and "inspector" not in seen_by_broker
    assert "· inspector</dd>" in seen_by_chief
