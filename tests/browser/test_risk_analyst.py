"""The risk analyst's work in the browser, in French and in Arabic: a rule written with a fault shown at its
column, fixed, backtested, activated, edited and compared with its previous version; value indicators set,
derived, accepted and exported; notices issued, closed and cancelled; the office's shares, capacity and
exploration set; the models and monitoring pages read. A broker then lodges a car that the rule hits: it goes
to the rule's channel, the inspector sees the rule and why, the broker sees neither (page nor JSON). The rule
is then suspended and retired. Screenshots go to tests/browser/artifacts/risk-<language>-NN-<step>.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Served
from tests.browser.walk import Walk
from tests.web.scenario import OFFICE, declaration_form, operator_nif

# Per language a rule on a different car line, so the two walks' rules never hit each other's declaration.
CASES = {
    "fr": {"hs6": "870332", "line": "8703321010", "origin": "DE", "plate": "01234-116-16"},
    "ar": {"hs6": "870340", "line": "8703401010", "origin": "JP", "plate": "04321-117-31"},
}


def _expression(case: dict[str, str], share: str = "0.5") -> str:
    return (
        f'hs6 in ["{case["hs6"]}"] and origin == "{case["origin"]}" '
        f"and value_per_kg < {share} * indicator(hs6, origin)"
    )


def _check_says(page: Any, expression: str, expected: str) -> str:
    """Type the condition and wait for the live check to say `expected`; returns all it says."""
    from playwright.sync_api import expect

    with page.expect_response(lambda response: response.url.endswith("/risk/rules/check")):
        page.fill("#new-expression", expression)
    check = page.locator("#new-check #rule-check")
    expect(check).to_contain_text(expected)
    return str(check.inner_text())


def analyst_writes_and_activates(walk: Walk, page: Any, case: dict[str, str]) -> str:
    """Returns the rule page's path, the rule active in its third version."""
    from playwright.sync_api import expect

    page.goto("/risk/rules")
    expect(page.locator("h1")).to_have_text(walk._("Targeting rules"))
    walk.shot(page, "rules")
    page.click("#new-rule")
    page.fill("#new-name", "Voitures sous-évaluées" if walk.language == "fr" else "سيارات بقيمة منخفضة")
    faulty = _expression(case).replace("indicator(hs6, origin)", "indicator(hs6, origin")
    said = _check_says(page, faulty, walk._("Line {line}, column {column}:", line=1, column=len(faulty) + 1))
    assert walk._("the end of the rule") in said
    walk.shot(page, "syntax-error")
    mistyped = f'origin == "{case["origin"]}" and value_per_kg < "cheap"'
    column = mistyped.index("<") + 1  # the comparison that mixes a number and a text
    said = _check_says(page, mistyped, walk._("Line {line}, column {column}:", line=1, column=column))
    assert walk._("number") in said and walk._("text") in said
    walk.shot(page, "type-error")
    said = _check_says(page, _expression(case), "indicator")
    assert "value_per_kg" in said
    page.select_option("#new-action", "red")
    page.fill("#new-priority", "20")
    page.click("#create-rule")
    expect(page.locator("#rule-status")).to_have_text(walk._("Draft"))
    rule = page.url.split("?")[0].removeprefix(walk.served.url)

    page.click("#run-backtest")
    expect(page.locator("#backtest-result")).to_be_visible()
    assert page.locator("#bt-evaluated").inner_text().strip().isdigit()
    walk.shot(page, "backtest")
    page.fill("#reason-activate", "Backtest sans surcharge" if walk.language == "fr" else "اختبار رجعي مقبول")
    page.click("#activate-rule")
    expect(page.locator("#rule-status")).to_have_text(walk._("Active"))

    page.fill("#edit-expression", _expression(case, "0.6"))
    page.fill("#edit-reason", "Seuil à 60 %" if walk.language == "fr" else "رفع العتبة إلى 60 %")
    page.click("#save-rule")
    expect(page.locator("#rule-status")).to_have_text(walk._("Active"))
    walk.shot(page, "versions")
    page.click("a.compare >> nth=0")  # the newest version first
    expect(page.locator("#diff-expression ins")).to_contain_text("0.6")
    expect(page.locator("#diff-expression del")).to_contain_text("0.5")
    walk.shot(page, "diff")
    return rule


def analyst_keeps_indicators(walk: Walk, page: Any, case: dict[str, str]) -> None:
    from playwright.sync_api import expect

    page.goto("/risk/value-indicators")
    page.fill("#set-hs6", case["hs6"])
    page.fill("#set-origin", "IT")
    page.fill("#set-value", "2800,50")
    page.click("#set-indicator-button")
    expect(page.locator("p.alert.ok")).to_have_text(walk._("The value indicator was set"))
    page.fill("#d-min", "1")
    page.click("#derive-button")
    expect(page.locator("#proposals")).to_be_visible()
    if page.locator("#proposals input[name=line]").count():
        page.check("#proposals input[name=line] >> nth=0")
        page.click("#accept-button")
        expect(page.locator("p.alert.ok")).to_have_text(walk._("The chosen indicators were set"))
    exported = page.request.get("/risk/value-indicators/export.csv")
    assert exported.ok and f"{case['hs6']},IT,2800.50" in exported.text()
    walk.shot(page, "indicators")


def analyst_handles_notices(walk: Walk, page: Any, case: dict[str, str]) -> None:
    from playwright.sync_api import expect

    for outcome in ("close", "cancel"):
        page.goto("/risk/notices")
        page.select_option("#n-kind", "vehicle")
        page.fill("#n-subject", case["plate"] if outcome == "close" else case["plate"].replace("-1", "-9", 1))
        page.select_option("#n-channel", "red")
        page.fill("#n-reason", "Renseignement reçu" if walk.language == "fr" else "معلومة واردة من المصلحة")
        page.click("#issue-notice-button")
        expect(page.locator("#notice-status")).to_have_text(walk._("Awaiting a declaration"))
        if outcome == "close":
            walk.shot(page, "notice")
            page.select_option("#close-outcome", "unfounded")
            page.fill("#close-note", "Camion contrôlé, rien" if walk.language == "fr" else "لا شيء")
            page.click("#close-notice")
            expect(page.locator("#notice-status")).to_have_text(walk._("Closed"))
        else:
            page.fill("#cancel-reason", "Doublon" if walk.language == "fr" else "إشعار مكرر")
            page.click("#cancel-notice")
            expect(page.locator("#notice-status")).to_have_text(walk._("Cancelled"))


def analyst_sets_the_office(walk: Walk, page: Any) -> None:
    """All of Alger Port's declarations to green by shares, so a red one can only be the rule's doing."""
    from playwright.sync_api import expect

    page.goto(f"/risk/selectivity?office={OFFICE}")
    for channel, share in (("green", "100"), ("yellow", "0"), ("red", "0"), ("blue", "0")):
        page.fill(f"#sh-{channel}", share)
    page.click("#set-shares")
    expect(page.locator("p.alert.ok")).to_have_text(walk._("The channel shares were set"))
    page.fill("#c-yellow", "30")
    page.fill("#c-red", "12")
    page.fill("#c-exploration", "5")
    page.fill("#c-threshold", "60")
    page.click("#set-capacity")
    expect(page.locator("p.alert.ok")).to_have_text(walk._("The capacity settings were set"))
    walk.shot(page, "selectivity")
    page.goto("/risk/models")
    walk.shot(page, "models")
    page.goto("/risk/monitoring")
    walk.shot(page, "monitoring")


def broker_lodges_a_car(walk: Walk, case: dict[str, str]) -> tuple[Any, str]:
    """Through the form posts the page makes (the form itself is walked in test_declaration_flow)."""
    page = walk.sign_in("broker")
    form = {
        key: value for key, value in declaration_form(operator_nif()).items() if not key.startswith("items-")
    }
    item = {
        "line_code": case["line"], "description": "Voiture de tourisme", "origin_country": case["origin"],
        "invoice_amount": "6000.00", "net_mass_kg": "1450", "gross_mass_kg": "1500", "packages": "1",
    }  # fmt: skip
    form.update({f"items-a1-{name}": value for name, value in item.items()})
    form.update({"invoice_total": "6000.00", "consignor_country": case["origin"],
                 "dispatch_country": case["origin"]})  # fmt: skip
    page.goto("/declarations/new")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    created = page.request.post("/declarations/new", form={**form, "csrf_token": token}, max_redirects=0)
    assert created.status == 303, created.text()
    edit = created.headers["location"].split("?")[0]
    page.goto(edit)
    version = page.locator("#version").get_attribute("value")
    lodged = page.request.post(
        edit.replace("/edit", "/lodge"),
        form={**form, "csrf_token": token, "version": version},
        max_redirects=0,
    )
    assert lodged.status == 303, lodged.text()
    return page, edit.removesuffix("/edit")


def only_officers_see_why(walk: Walk, broker: Any, declaration: str, rule_code: str) -> None:
    from playwright.sync_api import expect

    broker.goto(declaration)
    walk.shot(broker, "broker-declaration")
    assert rule_code not in broker.content()
    token = broker.request.post(
        "/api/v1/auth/token", form={"username": "broker", "password": walk.served.password}
    ).json()["access_token"]
    number = declaration.rsplit("/", 1)[1]
    seen = broker.request.get(f"/api/v1/declarations/{number}", headers={"Authorization": f"Bearer {token}"})
    assert seen.ok and seen.json()["channel"] == "red"
    assert not seen.json().get("channel_reasons") and rule_code not in seen.text()

    inspector = walk.sign_in("inspector")
    inspector.goto(declaration)
    expect(inspector.locator("main")).to_contain_text(rule_code)
    walk.shot(inspector, "inspector-declaration")


def analyst_suspends_and_retires(walk: Walk, page: Any, rule: str) -> None:
    from playwright.sync_api import expect

    page.goto(rule)
    page.fill("#reason-suspend", "Pause" if walk.language == "fr" else "توقيف مؤقت")
    page.click("#suspend-rule")
    expect(page.locator("#rule-status")).to_have_text(walk._("Suspended"))
    page.fill("#reason-retire", "Fin de campagne" if walk.language == "fr" else "نهاية الحملة")
    page.click("#retire-rule")
    expect(page.locator("#rule-status")).to_have_text(walk._("Retired"))
    walk.shot(page, "retired")


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_an_analyst_targets_a_car_and_only_officers_see_why(
    chromium: Any, served: Served, artifacts: Path, language: str
) -> None:
    walk = Walk(chromium, served, language, artifacts, prefix="risk-")
    case = CASES[language]
    try:
        analyst = walk.sign_in("analyst")
        assert analyst.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
        rule = analyst_writes_and_activates(walk, analyst, case)
        code = re.sub(r"\s", "", analyst.locator("h1 .ltr").first.inner_text())
        analyst_keeps_indicators(walk, analyst, case)
        analyst_handles_notices(walk, analyst, case)
        analyst_sets_the_office(walk, analyst)
        broker, declaration = broker_lodges_a_car(walk, case)
        only_officers_see_why(walk, broker, declaration, code)
        analyst_suspends_and_retires(walk, analyst, rule)
    finally:
        walk.close()
