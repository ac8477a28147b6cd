"""The demo data set arranged for the page tests: every declaration at Alger Port goes to one channel, and
only the demo `inspector` is on duty there, so the draw always lands on the user the tests sign in as."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from douane.bootstrap import Context
from douane.demo import parties
from douane.demo.loader import demo_password, load_demo_if_empty
from douane.registry import service as registry
from douane.registry.tables import OfficerRow
from douane.risk import service as risk
from douane.risk.model import ChannelShares

OFFICE = "16011"
DEMO_INSPECTOR = "M1007"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def prepare(ctx: Context, channel: str = "red") -> str:
    """Load the demo (without its declarations: each test starts from none), route Alger Port's
    declarations to `channel`; returns the demo password."""
    load_demo_if_empty(ctx, declarations=False)
    with ctx.db.transaction() as session:
        shares = {"green": 0, "yellow": 0, "red": 0, "blue": 0, channel: 100}
        risk.set_shares(session, ctx.clock, office_code=OFFICE, shares=ChannelShares(**shares))
        others = [
            o.service_number
            for o in parties.officers()
            if o.office == OFFICE and o.role == "inspector" and o.service_number != DEMO_INSPECTOR
        ]
        for officer in session.scalars(select(OfficerRow).where(OfficerRow.service_number.in_(others))):
            registry.set_on_duty(session, ctx.clock, officer.id, False)
    return demo_password(ctx.settings)


def declaration_form(operator_nif: str) -> dict[str, str]:
    """The new-declaration form as a broker fills it: an IM4 import, FOB in EUR, two items."""
    return {
        "type": "import",
        "regime": "IM4",
        "office_code": OFFICE,
        "operator_nif": operator_nif,
        "consignor_name": "Shenzhen Trading Co",
        "consignor_country": "CN",
        "dispatch_country": "CN",
        "transport_mode": "1",
        "transport_means": "MSC ALGER",
        "manifest_reference": "2026/16011/0042",
        "bill_of_lading": "MSCUAB123456",
        "domiciliation_reference": "BNA-2026-000123",
        "invoice_currency": "EUR",
        "invoice_total": "18000.00",
        "incoterm": "FOB",
        "freight": "800.00",
        "insurance": "120.00",
        "items-a1-line_code": "8471301000",
        "items-a1-description": "Portable computers",
        "items-a1-origin_country": "CN",
        "items-a1-invoice_amount": "12000.00",
        "items-a1-net_mass_kg": "100",
        "items-a1-gross_mass_kg": "110",
        "items-a1-packages": "10",
        "items-b2-line_code": "8450111000",
        "items-b2-description": "Washing machines",
        "items-b2-origin_country": "CN",
        "items-b2-invoice_amount": "6000.00",
        "items-b2-net_mass_kg": "300",
        "items-b2-gross_mass_kg": "320",
        "items-b2-packages": "6",
    }


def operator_nif() -> str:
    return parties.operators()[0].nif


class Pages:
    """A TestClient used like a browser: it keeps cookies and sends each form's CSRF token back."""

    def __init__(self, client: TestClient, language: str = "fr") -> None:
        self.client = client
        self.client.headers["Accept-Language"] = language
        self.client.headers["Accept"] = "text/html"
        self.csrf = ""

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        response = self.client.get(url, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, url: str, data: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        body = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(url, data=body, follow_redirects=False, **kwargs)

    def login(self, username: str, password: str) -> None:
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password})
        assert response.status_code == 303, response.text


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, pattern
    return match.group(1)


def lodged(broker: Pages, nif: str | None = None) -> str:
    """Create and lodge the sample declaration as `broker`; returns its page's path."""
    broker.get("/declarations/new")
    created = broker.post("/declarations/new", declaration_form(nif or operator_nif()))
    edit = created.headers["location"].split("?")[0]
    page = broker.get(edit)
    version = found(r'id="version" value="(\d+)"', page.text)
    form = {**declaration_form(nif or operator_nif()), "version": version}
    answer = broker.post(edit.replace("/edit", "/lodge"), form)
    assert answer.status_code == 303, answer.text
    return edit.removesuffix("/edit")


def act(officer: Pages, declaration: str, action: str, **fields: str) -> httpx.Response:
    """Post one officer action form of the declaration page, with the version the page shows."""
    page = officer.get(declaration)
    version = found(r'name="version" value="(\d+)"', page.text)
    return officer.post(f"{declaration}/{action}", {"version": version, **fields})


def assessed(declaration: str, inspector: Pages, liquidator: Pages) -> None:
    """The red-channel walk up to the amount due: take, record no discrepancy, confirm the assessment."""
    assert act(inspector, declaration, "take").status_code == 303
    assert act(inspector, declaration, "control-result", outcome="no_discrepancy").status_code == 303
    assert act(liquidator, declaration, "confirm-assessment").status_code == 303


def amount_due_path(cashier: Pages, declaration_number: str) -> str:
    listing = cashier.get(f"/cashier?reference={declaration_number}").text
    return found(r'href="(/amounts-due/\d+)"', listing)


def paid(cashier: Pages, due: str) -> str:
    """Pay the whole amount due in cash; returns the receipt page's path."""
    form_page = cashier.get(due).text
    fields = {
        name: found(rf'name="{name}" value="([^"]*)"', form_page) for name in ("idempotency_key", "amount")
    }
    answer = cashier.post(due + "/pay", {**fields, "method": "cash", "payer": "SARL Tassili"})
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])
