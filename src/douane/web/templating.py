"""Server-rendered pages: one Jinja2 environment over every context's templates, translated through
douane.i18n, dates in Africa/Algiers and numbers and DZD amounts in the page's locale (Babel).

A template is named `<context>/<file>.html` (`web/base.html`, `declarations/list.html`): the prefix
picks the context's `templates/` folder.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, PrefixLoader, StrictUndefined, select_autoescape

from douane.i18n import is_rtl, translate, translate_count
from douane.kernel.clock import ALGIERS
from douane.kernel.money import Money
from douane.web.navigation import navigation

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_CONTEXTS = ("web", "identity", "registry", "reference", "declarations", "payments", "risk")
# Algerian variants: Latin digits in Arabic, "DA" in French; dates use the plain French 24-hour clock.
NUMBER_LOCALES = {"ar": "ar_DZ", "fr": "fr_DZ", "en": "en"}
DATE_LOCALES = {"ar": "ar_DZ", "fr": "fr", "en": "en_GB"}


def _loader() -> PrefixLoader:
    folders = {name: PACKAGE_ROOT / name / "templates" for name in TEMPLATE_CONTEXTS}
    return PrefixLoader(
        {name: FileSystemLoader(str(path)) for name, path in folders.items() if path.is_dir()}
    )


@lru_cache
def environment() -> Environment:
    env = Environment(
        loader=_loader(),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _as_decimal(value: Money | Decimal | int | float | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Money):
        return value.amount
    return Decimal(str(value))


CODE_BEFORE_DIGITS = re.compile(r"^([A-Z]{3})(?=\d)")


class Formats:
    """Formatting helpers bound to one page language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.number_locale = NUMBER_LOCALES.get(language, "en")
        self.date_locale = DATE_LOCALES.get(language, "en_GB")

    def money(self, value: Money | Decimal | int | str | None) -> str:
        amount = _as_decimal(value)
        if amount is None:
            return "—"
        text = format_currency(amount, "DZD", locale=self.number_locale)
        return CODE_BEFORE_DIGITS.sub("\\1\u00a0", text)  # "DZD 1,524,195.00": CLDR currency spacing

    def number(self, value: Decimal | int | float | str | None, digits: int = 3) -> str:
        amount = _as_decimal(value)
        if amount is None:
            return "—"
        return format_decimal(amount, format=f"#,##0.{'#' * digits}", locale=self.number_locale)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return format_datetime(value, "medium", tzinfo=ALGIERS, locale=self.date_locale)

    def date(self, value: date | None) -> str:
        if value is None:
            return "—"
        return format_date(value, "medium", locale=self.date_locale)


def page_globals(language: str) -> dict[str, Any]:
    formats = Formats(language)

    def gettext(msgid: str, **params: Any) -> str:
        return translate(msgid, language, **params)

    def ngettext(singular: str, plural: str, count: int, **params: Any) -> str:
        return translate_count(singular, plural, count, language, **params)

    return {
        "_": gettext,
        "_n": ngettext,
        "lang": language,
        "dir": "rtl" if is_rtl(language) else "ltr",
        "fmt": formats,
    }


def render_text(template: str, language: str, **values: Any) -> str:
    return environment().get_template(template).render(**page_globals(language), **values)


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """Render a page (or an HTMX fragment) in the request's page language, with the viewer and CSRF token."""
    language = str(getattr(request.state, "page_language", None) or request.state.language)
    base = {
        "request": request,
        "nav_links": navigation,
        "viewer": getattr(request.state, "viewer", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
    }
    html = render_text(template, language, **{**base, **values})
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers["Content-Language"] = language
    response.headers.setdefault("Cache-Control", "no-store")
    return response
