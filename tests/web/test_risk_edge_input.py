"""Risk pages given edge input the fuzz pass found crashing: each now answers the page with the error
shown in the user's language (422), or a plain refusal, never a 500 (the browser fixture raises on one)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.web.scenario import Pages

HEADER = b"lodged_on,controlled,discrepancy,declaration,hs10,origin,value_per_kg,office,regime\n"
PERIOD = {"start": "2026-01-01", "end": "2026-03-01", "quantile": "0.5", "min_observations": "1"}
ACCEPT = {"line": "870323/DE", "valid_from": "2026-04-01"}
HUGE_ID = str(2**63)


@pytest.fixture
def analyst(browser: Callable[..., Pages]) -> Pages:
    pages = browser("admin", "fr")
    pages.get("/risk/rules")
    return pages


def _rule(analyst: Pages) -> str:
    form = {"name": "Cars", "expression": 'hs6 == "870323"', "action": "red"}
    created = analyst.post("/risk/rules/new", form)
    assert created.status_code == 303, created.text
    return str(created.headers["location"]).split("?")[0]


# (path, form, what the page says in French)
FORMS = [
    ("/risk/models", {"directory": "a\x00b"}, "Le nom d&#39;un dossier de modèle"),
    ("/risk/value-indicators/derive", {**PERIOD, "quantile": "NaN"}, "quantile"),
    ("/risk/value-indicators/accept", {**PERIOD, "quantile": "NaN", **ACCEPT}, "quantile"),
    ("/risk/value-indicators/derive", {**PERIOD, "start": "0001-01-01"}, "Les dates vont du 1900-01-01"),
    ("/risk/value-indicators/derive", {**PERIOD, "end": "9999-12-31"}, "Les dates vont du 1900-01-01"),
]


@pytest.mark.parametrize(("path", "form", "shown"), FORMS)
def test_a_refused_form_shows_why(analyst: Pages, path: str, form: dict[str, str], shown: str) -> None:
    page = analyst.post(path, form)
    assert page.status_code == 422 and shown in page.text


@pytest.mark.parametrize(
    "history",
    [
        HEADER + b"2026-01-01,yes,no,D1,8703230000,DE,1e999999,16011,4000\n",
        HEADER + b"2026-01-01,yes,no,D1,8703230000,DE," + b"9" * 200_000 + b",16011,4000\n",
    ],
)
def test_an_unreadable_history_file_is_refused_on_the_rule_page(analyst: Pages, history: bytes) -> None:
    rule = _rule(analyst)
    analyst.get(rule)
    page = analyst.client.post(
        f"{rule}/backtest", data={"csrf_token": analyst.csrf}, files={"history_file": ("h.csv", history)},
        follow_redirects=False,
    )  # fmt: skip
    assert page.status_code == 422 and "rejeté" in page.text


def test_a_month_out_of_range_shows_this_month(analyst: Pages) -> None:
    for month in ("9999-12", "0001-01", "0000-01"):
        page = analyst.get(f"/risk/monitoring?month={month}&office=16011")
        assert page.status_code == 200 and "mars 2026" in page.text


def test_a_stored_backtest_over_unrepresentable_days_is_refused(analyst: Pages) -> None:
    rule = _rule(analyst)
    analyst.get(rule)
    page = analyst.post(f"{rule}/backtest", {"start": "9999-12-30", "end": "9999-12-31"})
    assert page.status_code == 422 and "Les dates vont du 1900-01-01" in page.text


@pytest.mark.parametrize(
    "path",
    [
        f"/risk/rules/{HUGE_ID}/status/activate",
        f"/risk/notices/{HUGE_ID}/close",
        f"/risk/models/{HUGE_ID}/activate",
        "/risk/selectivity/%00/shares",
    ],
)
def test_a_huge_id_or_a_nul_office_in_the_path_is_not_found(analyst: Pages, path: str) -> None:
    page = analyst.post(path, {"reason": "r", "outcome": "confirmed", "note": "n", "green": "100",
                               "yellow": "0", "red": "0", "blue": "0"})  # fmt: skip
    assert 400 <= page.status_code < 500, page.text


@pytest.mark.parametrize("path", [f"/risk/rules/{HUGE_ID}", f"/risk/notices/{HUGE_ID}"])
def test_a_huge_id_page_is_not_found(analyst: Pages, path: str) -> None:
    assert analyst.get(path).status_code == 404
