"""Every declarant-side message and finding has a French and an Arabic translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from douane.i18n import translate

SOURCES = Path(__file__).resolve().parents[3] / "src" / "douane" / "declarations"
MINE = ("validation.py", "service.py", "documents.py", "numbering.py", "model.py", "api.py", "discharge.py")
ERROR = re.compile(r'"(?:declarations|auth)\.[a-z_]+",\s*((?:"[^"]+"\s*)+)')  # pieces joined below
PIECES = re.compile(r'"\s*"')
FINDING = re.compile(r'_finding\(\s*"[a-z_]+",\s*f?"[^"]*",\s*"([^"]+)"')


def _messages() -> set[str]:
    found: set[str] = set()
    for name in MINE:
        text = (SOURCES / name).read_text(encoding="utf-8")
        found.update(PIECES.sub("", pieces.strip())[1:-1] for pieces in ERROR.findall(text))
        found.update(FINDING.findall(text))
    return found


def test_the_scan_finds_errors_and_findings() -> None:
    messages = _messages()
    assert "No such declaration" in messages
    assert "The net mass must be positive" in messages
    assert any(m.endswith("; these goods weigh {needed} kg") for m in messages)  # written in pieces
    assert len(messages) > 40


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_message_is_translated(language: str) -> None:
    untranslated = sorted(m for m in _messages() if translate(m, language) == m)
    assert untranslated == []


def test_a_finding_reads_in_french_with_its_values() -> None:
    text = translate(
        "The net mass ({net} kg) is greater than the gross mass ({gross} kg)", "fr", net=12, gross=10
    )
    assert text == "La masse nette (12 kg) dépasse la masse brute (10 kg)"
