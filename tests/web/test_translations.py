"""Every page string has its French and Arabic translation: the literals in the templates and the labels the
views pass to them (history steps, notices, form fields, kinds and roles)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from douane.declarations import views as declaration_views
from douane.i18n import _catalog
from douane.payments import views as payment_views
from douane.reference import views as reference_views
from douane.registry import views as registry_views
from douane.web import pages

TEMPLATES = sorted(Path(declaration_views.__file__).resolve().parents[1].glob("*/templates/*.html"))
LITERAL = re.compile(r'_\(\s*"((?:[^"\\]|\\.)*)"')


def _labels() -> Iterable[str]:
    yield from declaration_views.HISTORY_LABELS.values()
    yield from declaration_views.DECISION_LABELS.values()
    yield from declaration_views.REASON_LABELS.values()
    yield from pages.NOTICES.values()
    yield from payment_views.GUARANTEE_KIND_LABELS.values()
    yield from reference_views.IMPORT_KINDS.values()
    for _value, label in (
        *registry_views.OFFICE_KINDS,
        *registry_views.POSTING_ROLES,
        *registry_views.GRADES,
    ):
        yield label
    for _name, label, _kind, _options in (*registry_views.OFFICER_FIELDS, *registry_views.BROKER_FIELDS):
        yield label


def _page_strings() -> set[str]:
    literals = {text for path in TEMPLATES for text in LITERAL.findall(path.read_text(encoding="utf-8"))}
    return literals | set(_labels())


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_page_string_is_translated(language: str) -> None:
    missing = sorted(text for text in _page_strings() if text not in _catalog(language))
    assert missing == []
