"""Administration pages over HTTP: creating offices, brokers and officers and posting them, and the
reference imports page (a good file's report, a bad file refused whole with its lines and reasons)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from douane.bootstrap import Context
from douane.db import Database
from douane.demo import parties
from douane.reference.tables import ExchangeRateRow
from tests.conftest import make_context
from tests.web.scenario import Pages, found
from tests.web.test_import_jobs import finished_status

Browser = Callable[..., Pages]


@pytest.fixture
def page_ctx(db: Database, tmp_path: Path) -> Context:
    """These page tests run on both engines."""
    return make_context(db, tmp_path)


def test_the_administrator_creates_an_office_and_a_duplicate_is_refused(browser: Browser) -> None:
    admin = browser("admin")
    page = admin.get("/admin/offices").text
    directorate = found(r'name="regional_directorate"><option value="([^"]+)"', page)
    office = {"code": "31099", "name_fr": "Oran Zone franche", "name_ar": "وهران المنطقة الحرة",
              "name_en": "Oran Free Zone", "kind": "inland", "regional_directorate": directorate,
              "unlocode": "", "collection_office": "", "regimes": "IM4, EX1"}  # fmt: skip
    created = admin.post("/admin/offices", office)
    assert created.status_code == 303
    listing = admin.get(created.headers["location"]).text
    assert "<td>31099</td>" in listing and "Oran Zone franche" in listing
    again = admin.post("/admin/offices", office)
    assert again.status_code == 409 and 'role="alert"' in again.text
    assert 'value="Oran Free Zone"' in again.text  # what was typed is kept


def test_a_broker_firm_is_registered_from_its_page(browser: Browser) -> None:
    admin = browser("admin")
    admin.get("/admin/brokers")
    broker = {"licence_number": "CD-2026-777", "firm_name": "Transit Hoggar", "holder_name": "Lyes Amrani",
              "nif": parties.operators()[2].nif, "licence_valid_from": "2026-01-01",
              "licence_valid_to": ""}  # fmt: skip
    created = admin.post("/admin/brokers", broker)
    assert created.status_code == 303
    assert "Transit Hoggar" in admin.get(created.headers["location"]).text
    bad_nif = admin.post("/admin/brokers", {**broker, "licence_number": "CD-2026-778", "nif": "12"})
    assert bad_nif.status_code == 422 and "NIF" in bad_nif.text


def test_an_officer_is_added_then_posted_to_an_office(browser: Browser) -> None:
    admin = browser("admin")
    admin.get("/admin/staff")
    officer = {"service_number": "M9001", "full_name": "Nadia Belkacem", "grade": "inspecteur",
               "on_duty": "yes"}  # fmt: skip
    assert admin.post("/admin/staff", officer).status_code == 303
    posting = {"service_number": "M9001", "office_code": "16011", "role": "cashier",
               "valid_from": "2026-03-01", "valid_to": ""}  # fmt: skip
    posted = admin.post("/admin/staff/postings", posting)
    assert posted.status_code == 303
    listing = admin.get(posted.headers["location"]).text
    assert "Nadia Belkacem" in listing and "16011 Caissier 1 mars 2026 – …" in listing
    unknown = admin.post("/admin/staff/postings", {**posting, "service_number": "X0000"})
    assert unknown.status_code == 404 and "X0000" in unknown.text


def _rates(ctx: Context) -> int:
    with ctx.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ExchangeRateRow)) or 0)


RATES_HEADER = "currency,valid_from,valid_to,dzd_per_unit"


def _upload(admin: Pages, name: str, text: str) -> str:
    """Upload a rates file and follow its import to the end; returns the report the page shows."""
    files = {"file": (name, text.encode(), "text/csv")}
    form = {"csrf_token": admin.csrf, "kind": "rates"}
    started = admin.client.post("/admin/imports", data=form, files=files, follow_redirects=False)
    assert started.status_code == 303, started.text
    page = admin.get(started.headers["location"]).text
    assert name in page
    return finished_status(admin, found(r"job=([0-9a-f]+)", started.headers["location"]))


def test_a_rates_file_is_imported_and_a_bad_one_is_refused_whole(browser: Browser, page_ctx: Context) -> None:
    admin = browser("admin")
    assert 'id="import-form"' in admin.get("/admin/imports").text
    before = _rates(page_ctx)
    good = f"{RATES_HEADER}\nJPY,2030-01-01,2030-01-31,0.9012\nKRW,2030-01-01,,0.0987\n"
    imported = _upload(admin, "rates-2030.csv", good)
    assert found(r'id="rows-added">(\d+)<', imported) == "2"
    assert _rates(page_ctx) == before + 2
    bad = f"{RATES_HEADER}\nCHF,2030-02-01,,1.5\nXYZ,2030-02-01,,2\nCAD,2030-02-01,,-1\n"
    refused = _upload(admin, "rates-bad.csv", bad)
    assert 'id="refused-lines"' in refused and 'role="alert"' in refused
    assert '<td class="num">3</td>' in refused and '<td class="num">4</td>' in refused
    assert "ISO 4217" in refused and "must be positive" in refused
    assert _rates(page_ctx) == before + 2  # the good CHF line was not written either


def test_imports_are_for_reference_managers_only(browser: Browser) -> None:
    assert browser("broker").get("/admin/imports").status_code == 403


CODE_IN_A_CELL = re.compile(r"<td>(sea_port|active|approved|[a-z]+_de_[a-z_]+|risk_analyst|fr|ar|en)\b")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", {"/admin/offices": "Port maritime", "/admin/operators": "En activité",
                "/admin/brokers": "Agrément en vigueur", "/admin/staff": "Inspecteur",
                "/admin/users": "Caissier"}),
        ("ar", {"/admin/operators": "نشط", "/admin/brokers": "الاعتماد سارٍ"}),
        ("en", {"/admin/offices": "Sea port", "/admin/staff": "Control officer",
                "/admin/users": "Risk analyst"}),
    ],
)  # fmt: skip
def test_the_lists_name_kinds_statuses_grades_and_roles_in_the_page_language(
    browser: Browser, language: str, words: dict[str, str]
) -> None:
    admin = browser("admin", language)
    admin.get("/admin")
    assert admin.post("/language", {"language": language, "next": "/admin"}).status_code == 303
    for path, word in words.items():
        listing = admin.get(path).text
        assert word in listing, (path, word)
        assert not CODE_IN_A_CELL.search(listing), path


def test_the_chief_reads_the_staff_list_with_no_link_to_pages_closed_to_him(browser: Browser) -> None:
    chief, admin = browser("chief"), browser("admin")
    staff = chief.get("/admin/staff")
    assert staff.status_code == 200 and 'href="/admin"' not in staff.text
    assert chief.get("/admin").status_code == 403
    assert 'href="/admin"' in admin.get("/admin/staff").text
