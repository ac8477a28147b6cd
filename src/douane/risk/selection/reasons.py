"""The reasons of a channel decision: written in English from fixed templates (the stored record), read back
in the officer's language.

Each template is a catalog msgid. `in_language` recognises which template a stored reason was written from,
translates the template and the words among its values (channels, subjects of notices, the scope of shares),
and leaves identifiers (rule codes, notice numbers, NIFs, feature names) as they are. A reason no template
matches is shown as stored.
"""

from __future__ import annotations

import re
from functools import cache

from douane.i18n import translate
from douane.risk.selection.policy import (
    REASON_TEMPLATES,
    RULE_POINTS,
    RULE_SCAN,
    SCOPE_OFFICE,
    SHARE,
)

WORDS = (
    "green", "yellow", "red", "blue", "scan", "operator", "consignment", "container", "vehicle",
    "the national default", "the built-in default",
)  # fmt: skip
"""Values translated when they stand alone in a reason."""


LIST_SEPARATORS = {"ar": "، "}
"""Between the items of a list (Arabic writes its own comma)."""


def in_language(reason: str, language: str) -> str:
    """A stored reason in the officer's language (a reason no template matches is translated whole if the
    catalogs know it, as the demo's "demo data", else shown as stored)."""
    for template in REASON_TEMPLATES:
        found = _pattern(template).fullmatch(reason)
        if found:
            values = {name: _value(name, text, language) for name, text in found.groupdict().items()}
            return translate(template, language, **values)
    return translate(reason, language)


def _value(name: str, text: str, language: str) -> str:
    if name == "what":
        return _rule_action(text, language)
    if name == "shares":
        return LIST_SEPARATORS.get(language, ", ").join(_share(part, language) for part in text.split(", "))
    if name == "scope" and (office := _pattern(SCOPE_OFFICE).fullmatch(text)):
        return translate(SCOPE_OFFICE, language, office=office["office"])
    return translate(text, language) if text in WORDS else text


def _rule_action(text: str, language: str) -> str:
    if text == RULE_SCAN:
        return translate(RULE_SCAN, language)
    if points := _pattern(RULE_POINTS).fullmatch(text):
        return translate(RULE_POINTS, language, points=points["points"])
    return translate(text, language) if text in WORDS else text


def _share(text: str, language: str) -> str:
    share = _pattern(SHARE).fullmatch(text)
    if share is None:
        return text
    return translate(SHARE, language, channel=translate(share["channel"], language), percent=share["percent"])


@cache
def _pattern(template: str) -> re.Pattern[str]:
    """The template as a regular expression with one named group per placeholder."""
    parts = re.split(r"\{(\w+)\}", template)
    pieces = [re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts)]
    return re.compile("".join(pieces))
