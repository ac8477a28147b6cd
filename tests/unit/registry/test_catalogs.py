"""Every registry error message has a French and an Arabic translation."""

import re
from pathlib import Path

import pytest

from douane.i18n import translate

SOURCES = Path(__file__).resolve().parents[3] / "src" / "douane" / "registry"
MESSAGE = re.compile(r'"registry\.[a-z_]+",\s*"([^"]+)"')


def _messages() -> set[str]:
    found: set[str] = set()
    for path in SOURCES.glob("*.py"):
        found.update(MESSAGE.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_scan_finds_the_messages() -> None:
    assert "The NIF must be 15 or 20 digits" in _messages()


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_registry_message_is_translated(language: str) -> None:
    untranslated = sorted(m for m in _messages() if translate(m, language) == m)
    assert untranslated == []
