"""The analyst's pages for notices, models, selectivity settings and monitoring; officers read without the
forms; declarants are refused; every string of these pages is translated."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from douane.bootstrap import Context
from douane.i18n import _catalog
from douane.risk import views
from tests.web.scenario import Pages, found, operator_nif, prepare

TEMPLATES = Path(views.__file__).parent / "templates"
MINE = ("notices_", "models_", "selectivity_", "monitoring_")
LITERAL = re.compile(r'_\(\s*"((?:[^"\\]|\\.)*)"')


@pytest.fixture
def password(page_ctx: Context) -> str:
    """The demo with Alger Port's declarations routed to the green channel."""
    return prepare(page_ctx, "green")


def test_an_analyst_issues_a_notice_then_closes_it(browser: Callable[..., Pages]) -> None:
    analyst = browser("analyst", "fr")
    analyst.get("/risk/notices")
    wrong = analyst.post(
        "/risk/notices",
        {
            "issuing_service": "intelligence",
            "subject_kind": "container",
            "subject": "CSQU3054384",
            "channel": "red",
            "reason": "renseignement",
        },
    )
    assert (
        wrong.status_code == 422
        and "Le chiffre de contrôle du numéro de conteneur devrait être 3" in wrong.text
    )
    issued = analyst.post(
        "/risk/notices",
        {
            "issuing_service": "intelligence",
            "subject_kind": "operator",
            "subject": operator_nif(),
            "channel": "red",
            "reason": "renseignement",
            "offices": "16011",
        },
    )
    assert issued.status_code == 303
    page = analyst.get(issued.headers["location"])
    number = found(r'<h1><span class="ltr">(AC-2026-\d{6})</span></h1>', page.text)
    assert "avis a été émis" in page.text and "En attente d&#39;une déclaration" in page.text
    closed = analyst.post(
        issued.headers["location"].split("?")[0] + "/close",
        {
            "outcome": "unfounded",
            "note": "rien",
            "row_version": found(r'name="row_version" value="(\d+)"', page.text),
        },
    )
    assert closed.status_code == 303
    assert "Non fondé" in analyst.get(closed.headers["location"]).text
    listed = browser("inspector", "ar").get("/risk/notices")
    assert number in listed.text and 'id="issue-notice"' not in listed.text


def test_models_are_registered_and_activated_from_the_page(
    page_ctx: Context, browser: Callable[..., Pages]
) -> None:
    folder = Path(page_ctx.settings.data_dir) / "models" / "2026-03"
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(
        json.dumps({"version": "lgbm-2026-03", "rows": 1200, "metrics": {"precision_top_5": 0.93}}),
        encoding="utf-8",
    )
    analyst = browser("analyst", "fr")
    analyst.get("/risk/models")
    assert analyst.post("/risk/models", {"directory": "../etc"}).status_code == 422
    assert analyst.post("/risk/models", {"directory": "2026-03"}).status_code == 303
    page = analyst.get("/risk/models")
    assert "lgbm-2026-03" in page.text and "precision_top_5 0.93" in page.text
    model_id = found(r'action="/risk/models/(\d+)/activate"', page.text)
    assert analyst.post(f"/risk/models/{model_id}/activate").status_code == 303
    assert "elle note les prochaines déclarations" in analyst.get("/risk/models?done=model_activate").text


def test_selectivity_settings_and_monitoring_pages(browser: Callable[..., Pages]) -> None:
    analyst = browser("analyst", "fr")
    unlimited = analyst.get("/risk/selectivity?office=16021")  # the demo sets Alger Port's capacity only
    assert "Capacité rouge par jour" in unlimited.text and "Aucune limite" in unlimited.text
    assert 'name="red_per_day" type="number" min="0" required value=""' in unlimited.text  # never 0 for none
    page = analyst.get("/risk/selectivity?office=16011")
    assert "15 (affectées aujourd&#39;hui : 0)" in page.text
    answer = analyst.post(
        "/risk/selectivity/16011/capacity",
        {"yellow_per_day": "30", "red_per_day": "12", "exploration_percent": "6", "score_threshold": "70"},
    )
    assert answer.status_code == 303
    shown = analyst.get(answer.headers["location"]).text
    assert "Les réglages de capacité ont été enregistrés" in shown and "6 %" in shown
    refused = analyst.post(
        "/risk/selectivity/16011/shares", {"green": "50", "yellow": "20", "red": "20", "blue": "5"}
    )
    assert refused.status_code == 422 and "totalisent 95" in refused.text
    inspector = browser("inspector", "ar")
    assert 'id="capacity-form"' not in inspector.get("/risk/selectivity?office=16011").text
    monthly = inspector.get("/risk/monitoring?month=2026-03")
    assert monthly.status_code == 200 and 'id="by-source"' in monthly.text
    broker = browser("broker", "fr")
    assert broker.get("/risk/monitoring").status_code == 403


def _page_strings() -> set[str]:
    literals = {
        text
        for path in TEMPLATES.glob("*.html")
        if path.name.startswith(MINE)
        for text in LITERAL.findall(path.read_text(encoding="utf-8"))
    }
    return literals | {label for table in views.LABELS for label in table.values()}


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_string_of_these_pages_is_translated(language: str) -> None:
    missing = sorted(text for text in _page_strings() if text not in _catalog(language))
    assert missing == []
