"""Every reason the engine gives for refusing an assessment reads in French and Arabic too."""

import re
from pathlib import Path

import pytest

import douane.assessment
from douane.i18n import translate

PACKAGE = Path(douane.assessment.__file__).parent
RAISED = re.compile(r'AssessmentError\(\s*"assessment\.[a-z_]+",\s*"([^"]+)"', re.DOTALL)


def messages() -> set[str]:
    return {m for path in PACKAGE.glob("*.py") for m in RAISED.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_message_is_translated(language: str) -> None:
    found = messages()
    assert len(found) >= 10
    untranslated = sorted(m for m in found if translate(m, language) == m)
    assert untranslated == []
