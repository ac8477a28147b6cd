"""The analyst's pages: rules list, editor with the fault at its column, status changes, backtest figures,
value indicators; officers read without the forms."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from douane.i18n import _catalog
from douane.risk.targeting import views
from tests.web.scenario import Pages, found, lodged

CONDITION = 'hs6 in ["847130"] and value_per_kg > 1'


def test_an_analyst_writes_a_rule_sees_faults_at_their_column_activates_and_backtests_it(
    browser: Callable[..., Pages],
) -> None:
    lodged(browser("broker"))  # one registered declaration in the history
    analyst = browser("analyst", "fr")
    assert "Nouvelle règle" in analyst.get("/risk/rules").text
    analyst.get("/risk/rules/new")
    check = analyst.post("/risk/rules/check", {"expression": 'origin == "DE" and value_per_kg < "x"'})
    assert "Ligne 1, colonne 33" in check.text and 'id="rule-check"' in check.text
    faulty = {"name": "Ordinateurs", "expression": "value_per_kg <", "action": "red", "priority": "10"}
    refused = analyst.post("/risk/rules/new", faulty)
    assert refused.status_code == 422 and "Ligne 1" in refused.text
    created = analyst.post("/risk/rules/new", {**faulty, "expression": CONDITION})
    assert created.status_code == 303
    rule = created.headers["location"].split("?")[0]
    page = analyst.get(created.headers["location"])
    assert re.search(r"R-2026-\d{4}", page.text) and "La règle a été créée comme brouillon" in page.text
    version = found(r'name="row_version" value="(\d+)"', page.text)
    assert analyst.post(f"{rule}/status/activate", {"reason": "", "row_version": version}).status_code == 422
    activated = analyst.post(f"{rule}/status/activate", {"reason": "Testée", "row_version": version})
    assert activated.status_code == 303
    analyst.get(rule)
    ran = analyst.post(f"{rule}/backtest", {"start": "2026-01-01", "end": "2026-12-31"})
    assert ran.status_code == 303, ran.text
    result = analyst.get(ran.headers["location"]).text
    assert found(r'id="bt-evaluated">(\d+)<', result) == "1" and found(r'id="bt-hits">(\d+) ', result) == "1"
    assert "Actif" in result and "Testée" in result


def test_value_indicators_are_set_and_derived_from_the_page(browser: Callable[..., Pages]) -> None:
    analyst = browser("analyst", "ar")
    analyst.get("/risk/value-indicators")
    done = analyst.post("/risk/value-indicators", {"hs6": "847130", "origin": "CN", "dinars_per_kg": "1500,5",
                                                   "valid_from": "2026-03-15"})  # fmt: skip
    assert done.status_code == 303
    listed = analyst.get("/risk/value-indicators?hs6=8471").text
    assert "847130" in listed and 'lang="ar"' in listed
    period = {"start": "2026-01-01", "end": "2026-03-31", "quantile": "0.5", "min_observations": "1"}
    proposals = analyst.post("/risk/value-indicators/derive", period)
    assert proposals.status_code == 200 and 'id="proposals"' in proposals.text


def test_an_inspector_reads_rules_without_the_forms_and_a_broker_is_refused(
    browser: Callable[..., Pages],
) -> None:
    inspector = browser("inspector")
    page = inspector.get("/risk/rules")
    assert page.status_code == 200 and 'id="new-rule"' not in page.text
    assert inspector.get("/risk/rules/new").status_code == 403
    assert browser("broker").get("/risk/rules").status_code == 403


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_label_the_rule_pages_pass_is_translated(language: str) -> None:
    labels = {*views.STATUS_LABELS.values(), *views.ACTION_LABELS.values(), *views.TRANSITION_LABELS.values(),
              *views.NOTICES.values(), *views.FIELD_LABELS.values()}  # fmt: skip
    assert sorted(label for label in labels if label not in _catalog(language)) == []
