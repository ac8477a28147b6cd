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
