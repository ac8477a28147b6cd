"""Message catalogs (ar, fr, en) and language negotiation.

English msgids live in the code; each context (or part of one) may ship `locale/<lang>.po` beside its modules.
All catalogs are merged at first use; `translate` falls back to the msgid.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, negotiate_locale
from babel.messages.pofile import read_po

LANGUAGES = ("ar", "fr", "en")
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}
"""Each language named in itself, as a reader looks for it."""
DEFAULT_LANGUAGE = "fr"
_PACKAGE_ROOT = Path(__file__).parent


@lru_cache
def _catalog(language: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    for po_path in sorted(_PACKAGE_ROOT.glob(f"**/locale/{language}.po")):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string and isinstance(message.id, str):
                    messages[message.id] = str(message.string)
    return messages


CLDR_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
"""Plural categories in CLDR's order, the order of a catalog's plural forms (msgstr[0], [1]...): Arabic
has all six, French one, many (a million) and other, English one and other."""


@lru_cache
def _plural_categories(language: str) -> tuple[str, ...]:
    tags = Locale.parse(language).plural_form.tags | {"other"}
    return tuple(category for category in CLDR_CATEGORIES if category in tags)


@lru_cache
def _plural_catalog(language: str) -> dict[str, tuple[str, ...]]:
    """Messages with plural forms (msgid / msgid_plural), by their singular msgid."""
    forms: dict[str, tuple[str, ...]] = {}
    for po_path in sorted(_PACKAGE_ROOT.glob(f"**/locale/{language}.po")):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                strings = message.string
                if isinstance(message.id, tuple) and isinstance(strings, tuple) and all(strings):
                    forms[message.id[0]] = tuple(strings)
    return forms


def translate_count(singular: str, plural: str, count: int, language: str, **params: Any) -> str:
    """The form of a message that fits `count` in `language` (Arabic has six), with `count` filled in."""
    forms = _plural_catalog(language).get(singular) if language != "en" else None
    if forms is None:
        forms, language = (singular, plural), "en"
    category = Locale.parse(language).plural_form(count)
    order = _plural_categories(language)
    index = order.index(category) if category in order else len(order) - 1
    text = forms[min(index, len(forms) - 1)]
    try:
        return text.format(count=count, **params)
    except (KeyError, IndexError, ValueError):
        return text


def translate(msgid: str, language: str, **params: Any) -> str:
    text = msgid if language == "en" else _catalog(language).get(msgid, msgid)
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    if preferred in LANGUAGES:
        return str(preferred)
    if not accept_language:
        return DEFAULT_LANGUAGE
    wanted = []
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if tag:
            wanted.append(tag)
    return negotiate_locale(wanted, list(LANGUAGES), sep="_") or DEFAULT_LANGUAGE


def is_rtl(language: str) -> bool:
    return Locale.parse(language).character_order == "right-to-left"
