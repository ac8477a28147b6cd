"""Every risk error message has a French and an Arabic translation."""

import re
from pathlib import Path

import pytest

from douane.i18n import translate

SOURCES = Path(__file__).resolve().parents[3] / "src" / "douane" / "risk"
# a stable code of the risk context, then its English message (possibly on the next line)
MESSAGE = re.compile(r'"(?:risk|rules|notices|models)\.[a-z0-9_.]+",\s*"((?:[^"\\]|\\.)+)"')


def _messages() -> set[str]:
    found: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        found.update(MESSAGE.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_scan_finds_the_messages() -> None:
    messages = _messages()
    assert "No inspector is on duty at office {office} to be drawn" in messages  # risk/assignment.py
    assert "The mapping names no label column" in messages  # risk/learning/mapping.py
    assert len(messages) > 50


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_risk_message_is_translated(language: str) -> None:
    texts = {message.replace('\\"', '"') for message in _messages()}  # as the source escapes quotes
    untranslated = sorted(text for text in texts if translate(text, language) == text)
    assert untranslated == []
