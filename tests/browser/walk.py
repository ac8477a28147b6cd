"""A walk through the pages in one language: a browser context per signed-in role, numbered screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from douane.i18n import translate
from tests.browser.conftest import Served


class Walk:
    """Screenshots go to `artifacts/<prefix><language>-NN-<step>.png`, numbered in the order taken."""

    def __init__(
        self, chromium: Any, served: Served, language: str, artifacts: Path, prefix: str = ""
    ) -> None:
        self.chromium, self.served, self.language, self.artifacts = chromium, served, language, artifacts
        self.prefix = prefix
        self.shots = 0
        self.contexts: list[Any] = []

    def _(self, msgid: str, **params: Any) -> str:
        return translate(msgid, self.language, **params)

    def sign_in(self, username: str) -> Any:
        context = self.chromium.new_context(
            base_url=self.served.url, locale=self.language, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", self.served.password)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_selector("nav.main-nav")
        if page.get_attribute("html", "lang") != self.language:
            page.click(f"form.langs button[value={self.language}]")
            page.wait_for_selector(f"html[lang={self.language}]")
        return page

    def shot(self, page: Any, name: str) -> None:
        self.shots += 1
        path = self.artifacts / f"{self.prefix}{self.language}-{self.shots:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)

    def close(self) -> None:
        for context in self.contexts:
            context.close()
