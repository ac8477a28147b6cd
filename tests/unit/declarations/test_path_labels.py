"""A finding's path is named as the form labels the field, its item or document counted from 1."""

from __future__ import annotations

import pytest

from douane.declarations.views import path_label


@pytest.mark.parametrize(
    ("path", "language", "label"),
    [
        ("items[2].line_code", "fr", "Article 3 · Position tarifaire"),
        ("items[0]", "en", "Item 1"),
        ("documents[0].issued_on", "ar", "الوثيقة 1 · تاريخ الإصدار"),
        ("documents[1].number", "en", "Document 2 · Number"),
        ("invoice_total", "fr", "Total de la facture"),
        ("something_else", "fr", "something_else"),
    ],
)
def test_a_path_reads_as_the_form_labels_it(path: str, language: str, label: str) -> None:
    assert path_label(path, language) == label
