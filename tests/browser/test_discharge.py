"""A temporary admission discharged in the browser, in Arabic and in French: the inspector names the re-export
declaration on the declaration's page, the page then shows the discharge, and the office chief gives the
guarantee back from its page. Screenshots go to tests/browser/artifacts/discharge-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from douane.bootstrap import Context
from tests.browser.conftest import Served
from tests.browser.walk import Walk
from tests.web.test_discharge_page import admitted_under_guarantee, re_exported


def _scene(served: Served) -> tuple[int, int, str]:
    ctx: Context = served.app.state.ctx
    with ctx.db.transaction() as session:
        admitted, guarantee = admitted_under_guarantee(session, ctx)
        return admitted, guarantee, re_exported(session, ctx)


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_an_inspector_discharges_a_temporary_admission_and_the_chief_releases_its_guarantee(
    chromium: Any, served: Served, artifacts: Path, language: str
) -> None:
    from playwright.sync_api import expect

    declaration_id, guarantee_id, ex3 = _scene(served)
    walk = Walk(chromium, served, language, artifacts, prefix="discharge-")
    try:
        page = walk.sign_in("inspector")
        page.goto(f"/declarations/{declaration_id}")
        expect(page.locator("#status")).to_have_text(walk._("Released"))
        page.check("#discharge-form input[name=method][value=re_export]")
        page.fill("#dc-reference", ex3)
        page.fill("#dc-reason", "Re-exported after the motorway works")
        walk.shot(page, "inspector-discharge-form")
        page.click("#discharge")
        expect(page.locator(".alert.ok")).to_have_text(
            walk._("The regime was discharged: the guarantee no longer covers this declaration")
        )
        expect(page.locator("#status")).to_have_text(walk._("Regime discharged"))
        expect(page.locator("#discharge-method")).to_have_text(walk._("Re-export"))
        expect(page.locator("#discharge-reference")).to_have_text(ex3)
        expect(page.locator("#discharge-form")).to_have_count(0)
        walk.shot(page, "inspector-discharged")

        chief = walk.sign_in("chief")
        chief.goto(f"/guarantees/{guarantee_id}")
        chief.fill("#release-reason", "Regime discharged")
        chief.click("#release-form button[type=submit]")
        expect(chief.locator("#guarantee-status")).to_have_text(walk._("Guarantee released"))
        walk.shot(chief, "chief-guarantee-released")
    finally:
        walk.close()
