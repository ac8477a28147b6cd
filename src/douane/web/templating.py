"""Server-rendered pages: one Jinja2 environment over every context's templates, translated through
douane.i18n, dates in Africa/Algiers and numbers and DZD amounts in the page's locale (Babel).

A template is named `<context>/<file>.html` (`web/base.html`, `declarations/list.html`): the prefix
picks the context's `templates/` folder.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, PrefixLoader, StrictUndefined, select_autoescape

from douane.i18n import LANGUAGE_NAMES, is_rtl, translate, translate_count
from douane.web.formats import Formats
from douane.web.navigation import navigation

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_CONTEXTS = ("web", "identity", "registry", "reference", "declarations", "payments", "risk")
# Algerian variants: Latin digits in Arabic, "DA" in French; dates use the plain French 24-hour clock.


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
        "language_names": LANGUAGE_NAMES,
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
