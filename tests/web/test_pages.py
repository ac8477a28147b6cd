"""The pages over HTTP (no browser): sessions, CSRF, languages, scoping, the form's errors and findings,
and a cashier's double submit. The browser walk is in tests/browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from douane.app import create_app
from douane.bootstrap import Context
from douane.db import Database
from douane.declarations.tables import DeclarationRow
from douane.demo import parties
from douane.identity.tables import UserRow
from douane.payments.tables import PaymentRow
from tests.conftest import make_context
from tests.web.scenario import Pages, declaration_form, found, lodged, operator_nif

Browser = Callable[..., Pages]


def test_anonymous_visitors_get_the_login_form_in_their_language(browser: Browser) -> None:
    visitor = browser(None, "ar")
    assert visitor.get("/", follow_redirects=False).headers["location"] == "/login"
    protected = visitor.get("/declarations")
    assert protected.status_code == 401
    assert '<html lang="ar" dir="rtl">' in protected.text
    assert "تسجيل الدخول" in protected.text
    assert 'name="next" value="/declarations"' in protected.text


def test_a_wrong_password_is_refused_in_the_visitors_language(browser: Browser) -> None:
    visitor = browser(None, "fr")
    visitor.get("/login")
    refused = visitor.post("/login", {"username": "broker", "password": "wrong"})
    assert refused.status_code == 401
    assert "Nom d&#39;utilisateur ou mot de passe incorrect" in refused.text
    assert "douane_session" not in refused.headers.get("set-cookie", "")


def test_sign_in_sets_a_protected_cookie_and_lands_on_the_role_home(browser: Browser, password: str) -> None:
    homes = {"broker": "/declarations", "inspector": "/inspection", "liquidator": "/liquidation",
             "cashier": "/cashier", "chief": "/dashboard", "admin": "/admin"}  # fmt: skip
    for username, home in homes.items():
        user = browser(None)
        user.get("/login")
        signed = user.post("/login", {"username": username, "password": password})
        cookie = signed.headers["set-cookie"]
        assert "douane_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert user.get("/", follow_redirects=False).headers["location"] == home
        assert user.get(home).status_code == 200


def test_next_never_leaves_the_site(browser: Browser, password: str) -> None:
    user = browser(None)
    user.get("/login")
    signed = user.post("/login", {"username": "broker", "password": password, "next": "//evil.example/x"})
    assert signed.headers["location"] == "/"


def test_sign_out_ends_the_session(browser: Browser) -> None:
    broker = browser("broker")
    broker.get("/declarations")
    assert broker.post("/logout").headers["location"] == "/login"
    assert broker.get("/declarations").status_code == 401


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    browser: Browser, page_ctx: Context
) -> None:
    broker = browser("broker")
    broker.get("/declarations/new")
    broker.csrf = "0" * 64
    refused = broker.post("/declarations/new", declaration_form(operator_nif()))
    assert refused.status_code == 403
    assert "Ce formulaire a expiré" in refused.text
    with page_ctx.db.transaction() as session:
        assert session.scalars(select(DeclarationRow)).first() is None


def test_the_language_switch_is_remembered_for_the_user(browser: Browser, page_ctx: Context) -> None:
    broker = browser("broker", "fr")
    broker.get("/declarations")
    switched = broker.post("/language", {"language": "ar", "next": "/declarations"})
    assert switched.headers["location"] == "/declarations"
    with page_ctx.db.transaction() as session:
        assert session.scalars(select(UserRow.language).where(UserRow.username == "broker")).one() == "ar"
    elsewhere = browser("broker", "fr")  # another browser, French headers: the user's choice wins
    page = elsewhere.get("/declarations")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "التصريحات" in page.text


def test_amounts_and_dates_follow_the_page_language(browser: Browser) -> None:
    broker = browser("broker", "fr")
    path = lodged(broker)
    french = broker.get(path).text
    assert re.search(r"\d{1,3}(\u202f\d{3})+,\d{2}\xa0DA", french)  # 1 234 567,89 DA
    assert "15 mars 2026, 10:30:00" in french  # 09:30 UTC is 10:30 in Algiers
    broker.post("/language", {"language": "en", "next": path})
    english = broker.get(path).text
    assert re.search(r"DZD\xa0\d{1,3}(,\d{3})+\.\d{2}", english) and "15 Mar 2026, 10:30:00" in english


def test_a_trader_sees_its_own_declarations_only(browser: Browser) -> None:
    broker = browser("broker")
    own = lodged(broker)  # for the demo trader's company
    other = lodged(broker, parties.operators()[1].nif)
    trader = browser("trader")
    assert trader.get(own).status_code == 200
    assert trader.get(other).status_code == 404
    listing = trader.get("/declarations").text
    assert f'href="{own}"' in listing and f'href="{other}"' not in listing


def test_invalid_fields_are_marked_and_nothing_is_saved(browser: Browser, page_ctx: Context) -> None:
    broker = browser("broker")
    broker.get("/declarations/new")
    form = {**declaration_form(operator_nif()), "invoice_total": "lots", "items-a1-origin_country": "China"}
    answer = broker.post("/declarations/new", form)
    assert answer.status_code == 422
    text: str = answer.text
    assert re.search(r'name="invoice_total"[^>]*aria-invalid="true"', text)
    assert re.search(r'name="items-a1-origin_country"[^>]*\n?[^>]*aria-invalid="true"', text)
    assert 'value="lots"' in text  # what the user typed is kept
    with page_ctx.db.transaction() as session:
        assert session.scalars(select(DeclarationRow)).first() is None


def test_blocking_findings_stop_lodging_and_are_listed(browser: Browser, page_ctx: Context) -> None:
    broker = browser("broker")
    broker.get("/declarations/new")
    edit = broker.post("/declarations/new", declaration_form(operator_nif())).headers["location"]
    page = broker.get(edit)
    version = found(r'id="version" value="(\d+)"', page.text)
    unbalanced = {**declaration_form(operator_nif()), "invoice_total": "25000.00", "version": version,
                  "items-b2-line_code": "9999999999"}  # fmt: skip
    refused = broker.post(edit.split("?")[0].replace("/edit", "/lodge"), unbalanced)
    assert refused.status_code == 422
    assert re.search(r'class="blocking" data-code="declarations\.[a-z_]+"', refused.text)
    # the second item's line is named as the form shows it, counted from 1 (its path counts from 0)
    assert re.search(r'data-path="items\[1\]\.line_code">\(Article 2 · Position tarifaire\)', refused.text)
    with page_ctx.db.transaction() as session:
        assert session.scalars(select(DeclarationRow.status)).one() == "draft"


def test_live_checks_answer_the_findings_and_the_new_version(browser: Browser) -> None:
    broker = browser("broker")
    broker.get("/declarations/new")
    edit = (
        broker.post("/declarations/new", declaration_form(operator_nif())).headers["location"].split("?")[0]
    )
    page = broker.get(edit)
    version = int(found(r'id="version" value="(\d+)"', page.text))
    body = {**declaration_form(operator_nif()), "invoice_total": "25000.00", "version": str(version)}
    live = broker.post(edit, body, headers={"HX-Request": "true", "X-CSRF-Token": broker.csrf})
    assert live.status_code == 200
    assert 'id="findings"' in live.text and 'class="blocking"' in live.text
    new_version = re.search(r'id="version" value="(\d+)" hx-swap-oob="true"', live.text)
    assert new_version and int(new_version.group(1)) > version


def test_a_double_submitted_payment_is_recorded_once(browser: Browser, page_ctx: Context) -> None:
    declaration = lodged(browser("broker"))
    inspector = browser("inspector")
    page: Any = inspector.get(declaration)
    inspector.post(declaration + "/take", {"version": found(r'name="version" value="(\d+)"', page.text)})
    page = inspector.get(declaration)
    version = found(r'name="version" value="(\d+)"', page.text)
    assert (
        inspector.post(
            declaration + "/control-result", {"version": version, "outcome": "no_discrepancy"}
        ).status_code
        == 303
    )
    liquidator = browser("liquidator")
    page = liquidator.get(declaration)
    version = found(r'name="version" value="(\d+)"', page.text)
    assert liquidator.post(declaration + "/confirm-assessment", {"version": version}).status_code == 303
    cashier = browser("cashier")
    due = found(r'href="(/amounts-due/\d+)"', cashier.get("/cashier").text)
    form_page = cashier.get(due).text
    fields = {name: found(rf'name="{name}" value="([^"]*)"', form_page)
              for name in ("idempotency_key", "amount")}  # fmt: skip
    body = {**fields, "method": "cash", "payer": "SARL Tassili"}
    first, second = cashier.post(due + "/pay", body), cashier.post(due + "/pay", body)
    assert first.headers["location"] == second.headers["location"]
    receipt = cashier.get(first.headers["location"]).text
    assert 'id="receipt-number"' in receipt
    with page_ctx.db.transaction() as session:
        assert len(session.scalars(select(PaymentRow)).all()) == 1


def test_secure_cookies_setting_marks_cookies_secure_over_plain_http(
    browser: Browser, sqlite_db: Database, tmp_path: Path
) -> None:
    """Behind a TLS proxy the app may see http: DOUANE_SECURE_COOKIES still marks the cookies Secure."""
    assert "Secure" not in browser(None).get("/login").headers["set-cookie"]
    ctx = make_context(sqlite_db, tmp_path, secure_cookies=True)
    with TestClient(create_app(ctx)) as client:
        cookie = client.get("/login").headers["set-cookie"]
    assert "douane_visitor=" in cookie and "Secure" in cookie


def test_form_tokens_depend_on_the_secret_key(browser: Browser, page_ctx: Context) -> None:
    broker = browser("broker")
    broker.get("/declarations/new")
    other_key = make_context(page_ctx.db, Path(page_ctx.settings.data_dir), secret_key="another-secret-key")
    with TestClient(create_app(other_key), cookies=dict(broker.client.cookies)) as client:
        elsewhere = Pages(client)
        elsewhere.csrf = broker.csrf  # same session, a token made under the first key
        refused = elsewhere.post("/declarations/new", declaration_form(operator_nif()))
    assert refused.status_code == 403
    assert broker.post("/declarations/new", declaration_form(operator_nif())).status_code == 303


def test_tariff_suggestions_answer_lines_in_force_by_code_or_words(browser: Browser) -> None:
    broker = browser("broker")
    by_code = broker.get("/reference/tariff-lines/suggest?q=8471.30").text
    assert '<option value="8471301000">' in by_code
    by_words = broker.get("/reference/tariff-lines/suggest?items-x1-line_code=machines").text
    assert '<option value="8450111000">' in by_words and "8471301000" not in by_words


def test_the_administrator_finds_users_by_name(browser: Browser) -> None:
    page = browser("admin").get("/admin/users?q=cashier").text
    assert "<td>cashier</td>" in page and "<td>broker</td>" not in page


def test_the_history_names_each_step_in_the_page_language(browser: Browser) -> None:
    broker = browser("broker", "fr")
    path = lodged(broker)
    french = broker.get(path).text
    assert 'data-action="declaration.lodge">Déposée<' in french
    assert 'data-action="declaration.assign_channel">Circuit attribué<' in french
    assert ">declaration." not in french  # no raw action code is shown
    broker.post("/language", {"language": "ar", "next": path})
    arabic = broker.get(path).text
    assert 'data-action="declaration.register">مسجل<' in arabic
    broker.post("/language", {"language": "en", "next": path})
    assert 'data-action="declaration.create">Draft created<' in broker.get(path).text


def test_pages_forbid_framing_and_every_answer_says_its_language(page_ctx: Context) -> None:
    with TestClient(create_app(page_ctx)) as client:
        page = client.get("/login", headers={"Accept-Language": "ar"})
        api = client.get("/api/v1/declarations", headers={"Accept-Language": "fr"})
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Content-Language"] == "ar"
    assert api.status_code == 401 and api.headers["Content-Language"] == "fr"
    assert "X-Frame-Options" not in api.headers
    assert "set-cookie" not in api.headers


def test_the_inspector_reads_why_selectivity_chose_the_channel_in_the_page_language(browser: Browser) -> None:
    declaration = lodged(browser("broker"))
    french = browser("inspector", "fr").get(declaration).text
    assert "tirage aléatoire" in french and "random draw" not in french
    chief = browser("chief")
    chief.get("/")
    chief.post("/language", {"language": "ar", "next": "/"})
    arabic = chief.get(declaration).text
    assert "سحب عشوائي" in arabic and "random draw" not in arabic
    assert "inspecteur n°" in french and "inspector:" not in french  # the draw, named in the history
    declarant_view = browser("broker", "fr").get(declaration).text
    assert "tirage aléatoire" not in declarant_view and "inspecteur n°" not in declarant_view


def test_the_search_box_finds_a_number_typed_in_arabic_digits(browser: Browser, page_ctx: Context) -> None:
    broker = browser("broker")
    own, other = lodged(broker), lodged(broker)
    with page_ctx.db.transaction() as session:
        number = session.get(DeclarationRow, int(own.rsplit("/", 1)[1])).number  # type: ignore[union-attr]
    typed = number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    listing = broker.get("/declarations", params={"number": typed}).text
    assert f'href="{own}"' in listing and f'href="{other}"' not in listing


def test_the_list_counts_its_declarations_in_the_page_language(browser: Browser) -> None:
    broker = browser("broker", "fr")
    lodged(broker)
    assert '<p class="hint">1 déclaration</p>' in broker.get("/declarations").text
    broker.post("/language", {"language": "ar", "next": "/declarations"})
    assert '<p class="hint">تصريح واحد</p>' in broker.get("/declarations").text


def test_the_declaration_page_names_its_office_and_the_site_has_an_icon(browser: Browser) -> None:
    broker = browser("broker", "fr")
    page = broker.get(lodged(broker)).text
    assert re.search(r'<dd id="office">16011 · [^<]*Alger[^<]*</dd>', page)
    icon = broker.get(found(r'<link rel="icon" href="([^"]+)"', page))
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
