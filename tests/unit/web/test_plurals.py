"""Counts in the pages take the plural form their language needs: English and French one or other (French
says "de" after a million), Arabic its six forms."""

from __future__ import annotations

import pytest

from douane.i18n import translate_count

ONE, OTHER = "{count} declaration", "{count} declarations"


@pytest.mark.parametrize(
    ("count", "english", "french", "arabic"),
    [
        (0, "0 declarations", "0 déclaration", "لا تصريح"),
        (1, "1 declaration", "1 déclaration", "تصريح واحد"),
        (2, "2 declarations", "2 déclarations", "تصريحان"),
        (7, "7 declarations", "7 déclarations", "7 تصريحات"),
        (25, "25 declarations", "25 déclarations", "25 تصريحا"),
        (100, "100 declarations", "100 déclarations", "100 تصريح"),
        (1_000_000, "1000000 declarations", "1000000 de déclarations", "1000000 تصريح"),
    ],
)
def test_each_language_takes_the_form_its_count_needs(
    count: int, english: str, french: str, arabic: str
) -> None:
    assert translate_count(ONE, OTHER, count, "en") == english
    assert translate_count(ONE, OTHER, count, "fr") == french
    assert translate_count(ONE, OTHER, count, "ar") == arabic


def test_a_message_without_plural_forms_in_a_catalog_falls_back_to_english() -> None:
    assert translate_count("{count} widget", "{count} widgets", 1, "fr") == "1 widget"
    assert translate_count("{count} widget", "{count} widgets", 3, "ar") == "3 widgets"
