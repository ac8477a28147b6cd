"""In a real browser: the Arabic declaration form fits a tablet held upright (820x1180) without sideways
scrolling, and an administrator watches a reference import's progress bar move, then reads its report."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from douane.kernel.imports import ImportReport, Progress
from douane.reference.views import import_jobs
from tests.browser.conftest import Served
from tests.web.scenario import OFFICE

TABLET = {"width": 820, "height": 1180}
OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"


def _signed_in(chromium: Any, served: Served, username: str, language: str, viewport: dict[str, int]) -> Any:
    context = chromium.new_context(base_url=served.url, locale=language, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", served.password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_selector("nav.main-nav")
    if page.get_attribute("html", "lang") != language:
        page.click(f"form.langs button[value={language}]")
        page.wait_for_selector(f"html[lang={language}]")
    return page


def test_the_arabic_declaration_form_fits_a_tablet(chromium: Any, served: Served, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page = _signed_in(chromium, served, "broker", "ar", TABLET)
    try:
        page.goto("/declarations/new")
        page.select_option("#f-office_code", OFFICE)
        page.click("button[hx-get='/declarations/item-row']")
        expect(page.locator("#items-body tr")).to_have_count(2)
        page.locator("#items-body tr").nth(0).locator("input[name$='-description']").fill("حواسيب محمولة")
        page.screenshot(path=str(artifacts / "tablet-ar-new-declaration.png"), full_page=True)
        assert page.get_attribute("html", "dir") == "rtl"
        assert page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways on a tablet"
    finally:
        page.context.close()


def test_the_administrator_watches_an_import_then_reads_its_report(
    chromium: Any, served: Served, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    jobs = import_jobs(served.app, served.app.state.ctx.clock)
    release, reported = threading.Event(), threading.Event()
    progress_hook: list[Progress] = []

    def held_import(progress: Progress) -> ImportReport:
        progress_hook.append(progress)
        progress(1_500)
        reported.set()
        release.wait(timeout=30)
        return ImportReport(kind="tariff", rows=4_000, inserted=3_900, updated=60, unchanged=40)

    job = jobs.start("tariff", "tarif-2026.csv", "Administrateur", 4_000, held_import)
    page = _signed_in(chromium, served, "admin", "ar", {"width": 1280, "height": 900})
    try:
        assert reported.wait(timeout=10)
        page.goto(f"/admin/imports?job={job.id}")
        bar = page.locator("progress#job-progress")
        expect(bar).to_have_attribute("value", "1500")
        progress_hook[0](3_000)
        expect(bar).to_have_attribute("value", "3000")  # the page asked again by itself
        page.screenshot(path=str(artifacts / "admin-import-progress-ar.png"), full_page=True)
        release.set()
        expect(page.locator("#rows-added")).to_have_text("3.900")  # Arabic page, Algerian grouping
        assert page.locator("progress").count() == 0
        page.screenshot(path=str(artifacts / "admin-import-report-ar.png"), full_page=True)
    finally:
        release.set()
        page.context.close()
