"""The guarantee page: a cashier or chief sees what a guarantee covers and gives it back once the duties it
covered are paid; while they are unpaid the page says which declaration holds it and a release is refused."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.scenario import Pages, amount_due_path, assessed, found, lodged, paid

Browser = Callable[..., Pages]
SURETY = {"kind": "bank_surety", "reference": "CAU-2026-010", "issuer": "BNA", "amount": "90000000.00",
          "valid_from": "2026-01-01"}  # fmt: skip


def _guaranteed_due(browser: Browser) -> tuple[str, str, str]:
    """A declaration's amount due covered by a bank surety: (amount due path, guarantee path, number)."""
    broker, cashier = browser("broker"), browser("cashier")
    declaration = lodged(broker)
    assessed(declaration, browser("inspector"), browser("liquidator"))
    number = found(r'id="declaration-number">([^<]+)<', broker.get(declaration).text)
    due = amount_due_path(cashier, number)
    assert cashier.post(due + "/guarantees", SURETY).status_code == 303
    guarantee_id = found(r'name="guarantee_id" value="(\d+)"', cashier.get(due).text)
    assert cashier.post(due + "/guarantee", {"guarantee_id": guarantee_id}).status_code == 303
    guarantee = found(r'href="(/guarantees/\d+)"', cashier.get(due).text)
    return due, guarantee, number


def test_a_guarantee_covering_unpaid_duties_names_the_declaration_and_is_not_released(
    browser: Browser,
) -> None:
    _due, guarantee, number = _guaranteed_due(browser)
    chief = browser("chief")
    page = chief.get(guarantee).text
    assert found(r'id="guarantee-status">([^<]+)<', page) == "Garantie en vigueur"
    assert 'id="still-owed"' in page and number in page and 'id="release-form"' not in page

    refused = chief.post(guarantee + "/release", {"reason": "Demande de l'opérateur", "version": "1"})
    assert refused.status_code == 409 and 'role="alert"' in refused.text
    assert "couvre encore des droits non payés" in refused.text and number in refused.text
    assert found(r'id="guarantee-status">([^<]+)<', chief.get(guarantee).text) == "Garantie en vigueur"

    broker = browser("broker")
    assert broker.get(guarantee).status_code == 404
    assert broker.post(guarantee + "/release", {"reason": "x", "version": "1"}).status_code == 403


def test_once_the_duties_are_paid_the_chief_releases_the_guarantee_from_its_page(browser: Browser) -> None:
    due, guarantee, _number = _guaranteed_due(browser)
    cashier, chief = browser("cashier"), browser("chief")
    chief.get("/")
    chief.post("/language", {"language": "ar", "next": "/"})  # the chief reads the pages in Arabic
    assert 'id="payment-form"' in cashier.get(due).text  # a guaranteed amount is still paid at the desk
    paid(cashier, due)

    page = chief.get(guarantee).text
    assert 'id="release-form"' in page and 'id="still-owed"' not in page
    form = {"reason": "الحقوق مدفوعة", "version": found(r'name="version" value="(\d+)"', page)}
    released = chief.post(guarantee + "/release", form)
    assert released.status_code == 303 and released.headers["location"].endswith("done=guarantee_released")
    page = chief.get(released.headers["location"]).text
    assert found(r'id="guarantee-status">([^<]+)<', page) == "ضمان محرَّر"
    assert "تم تحرير الضمان" in page and 'id="release-form"' not in page
    assert chief.post(guarantee + "/release", form).status_code == 303  # a double submit changes nothing
