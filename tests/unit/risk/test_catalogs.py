"""Every risk error message has a French and an Arabic translation."""

import re
from pathlib import Path

import pytest

from douane.i18n import translate

SOURCES = Path(__file__).resolve().parents[3] / "src" / "douane" / "risk"
MESSAGE = re.compile(r'"risk\.[a-z0-9_]+",\s*"([^"]+)"')


def _messages() -> set[str]:
    found: set[str] = set()
    for path in SOURCES.glob("*.py"):
        found.update(MESSAGE.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_scan_finds_the_messages() -> None:
    assert "No inspector is on duty at office {office} to be drawn" in _messages()
    assert len(_messages()) == 4


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_risk_message_is_translated(language: str) -> None:
    untranslated = sorted(m for m in _messages() if translate(m, language) == m)
    assert untranslated == []
