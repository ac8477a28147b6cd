"""Accessibility of the main pages as a screen-reader user meets them: the page says its language and
direction, every form control has a label (a `<label for>`, an enclosing `<label>`, `aria-label` or
`aria-labelledby`), no label points at nothing, ids are unique, every button says what it does, and every
image has an alt text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from douane.bootstrap import Context
from tests.web.scenario import Pages, act, amount_due_path, found, lodged

Browser = Callable[..., Pages]
CONTROLS = {"input", "select", "textarea"}
SELF_LABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class PageAudit(HTMLParser):
    """Reads one page and lists what a screen reader could not name."""

    html: dict[str, str | None] = field(default_factory=dict)
    label_targets: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    duplicate_ids: list[str] = field(default_factory=list)
    controls: list[tuple[str, dict[str, str | None], bool]] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    empty_buttons: list[str] = field(default_factory=list)
    _labels_open: int = 0
    _button: dict[str, str | None] | None = None
    _button_text: str = ""

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            if values["id"] in self.ids:
                self.duplicate_ids.append(str(values["id"]))
            self.ids.add(str(values["id"]))
        if tag == "html":
            self.html = values
        elif tag == "label":
            self._labels_open += 1
            if values.get("for"):
                self.label_targets.add(str(values["for"]))
        elif tag in CONTROLS:
            self.controls.append((tag, values, self._labels_open > 0))
        elif tag == "img" and values.get("alt") is None:
            self.images_without_alt.append(str(values.get("src")))
        elif tag == "button":
            self._button, self._button_text = values, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._labels_open = max(self._labels_open - 1, 0)
        elif tag == "button" and self._button is not None:
            named = self._button_text.strip() or self._button.get("aria-label") or self._button.get("title")
            if not named:
                self.empty_buttons.append(str(self._button.get("id") or self._button.get("name")))
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button_text += data

    def labels_for_nothing(self) -> list[str]:
        control_ids = {str(values.get("id")) for _tag, values, _inside in self.controls}
        return sorted(self.label_targets - control_ids)

    def unlabelled(self) -> list[str]:
        missing = []
        for tag, values, inside_label in self.controls:
            if tag == "input" and (values.get("type") or "text") in SELF_LABELLED_INPUTS:
                continue
            named = (
                inside_label
                or values.get("aria-label")
                or (values.get("id") and values["id"] in self.label_targets)
                or (values.get("aria-labelledby") and values["aria-labelledby"] in self.ids)
            )
            if not named:
                missing.append(f"{tag} name={values.get('name')} id={values.get('id')}")
        return missing


def audited(pages: Pages, url: str) -> PageAudit:
    response = pages.get(url)
    assert response.status_code == 200, (url, response.status_code)
    audit = PageAudit()
    audit.feed(response.text)
    return audit


def assert_accessible(pages: Pages, url: str, language: str) -> None:
    audit = audited(pages, url)
    assert audit.html.get("lang") == language, url
    assert audit.html.get("dir") == ("rtl" if language == "ar" else "ltr"), url
    assert audit.unlabelled() == [], url
    assert audit.labels_for_nothing() == [], url
    assert audit.duplicate_ids == [], url  # a repeated id makes a label name the wrong control
    assert audit.empty_buttons == [], url
    assert audit.images_without_alt == [], url
    assert audit.controls or url == "/dashboard", f"{url} shows no form: the test would prove nothing"


def _in_language(pages: Pages, language: str) -> Pages:
    pages.get("/")
    pages.post("/language", {"language": language, "next": "/"})
    return pages


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_login_form_is_labelled_and_says_its_language(browser: Browser, language: str) -> None:
    assert_accessible(browser(None, language), "/login", language)


def test_the_officers_forms_are_labelled(browser: Browser, page_ctx: Context) -> None:
    broker = _in_language(browser("broker"), "ar")
    for url in ("/declarations/new", "/declarations"):
        assert_accessible(broker, url, "ar")
    declaration = lodged(broker)
    inspector = _in_language(browser("inspector"), "ar")
    assert act(inspector, declaration, "take").status_code == 303
    assert_accessible(inspector, declaration, "ar")  # the control-result form
    assert 'id="control-form"' in inspector.get(declaration).text
    assert act(inspector, declaration, "control-result", outcome="no_discrepancy").status_code == 303
    liquidator = _in_language(browser("liquidator"), "fr")
    assert_accessible(liquidator, declaration, "fr")
    assert act(liquidator, declaration, "confirm-assessment").status_code == 303
    cashier = _in_language(browser("cashier"), "fr")
    number = found(r'id="declaration-number"[^>]*>\s*([^<\s]+)', broker.get(declaration).text)
    assert_accessible(cashier, "/cashier", "fr")
    due = amount_due_path(cashier, number)
    assert_accessible(cashier, due, "fr")  # the payment form
    assert 'id="payment-form"' in cashier.get(due).text


def test_the_administration_forms_are_labelled(browser: Browser) -> None:
    admin = _in_language(browser("admin"), "en")
    for url in ("/admin/offices", "/admin/operators", "/admin/brokers", "/admin/staff", "/admin/users",
                "/admin/imports"):  # fmt: skip
        assert_accessible(admin, url, "en")


def test_the_chiefs_dashboard_says_its_language_and_names_its_images(browser: Browser) -> None:
    assert_accessible(_in_language(browser("chief"), "ar"), "/dashboard", "ar")
