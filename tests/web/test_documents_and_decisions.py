"""Pages over HTTP on SQLite and PostgreSQL: the PDF documents behind the page links, the officers'
rejection, the declarant's invalidation request and the chief's decision, and a guarantee covering an
amount due at the cashier."""

from __future__ import annotations

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
from tests.web.scenario import Pages, amount_due_path, assessed, found, lodged, paid

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
