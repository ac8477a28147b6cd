"""The printing kit without a database: amounts per language, mirrored Arabic layout, QR code, messages."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import zxingcpp
from babel.messages.pofile import read_po
from pypdf import PdfReader

import douane.printing
from douane.declarations import printouts as declaration_printouts
from douane.i18n import translate
from douane.kernel.money import Money
from douane.payments import printouts as payment_printouts
from douane.printing import api, document, formatting, verification
from douane.printing.document import Column, Side, official_document

PACKAGE = Path(douane.printing.__file__).parent
SOURCES = [
    *PACKAGE.glob("*.py"),
    Path(declaration_printouts.__file__),
    Path(payment_printouts.__file__),
]
URL = "http://testserver/verify/AQAAAAAAAAAqAAAAAKo3eL0D3cR6iRwW1uJ1Bq0"
AT = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)


def test_amounts_follow_the_language_and_stay_one_number_in_arabic() -> None:
    money = Money.of("1234567.5")
    assert formatting.amount(money, "fr") == "1\u202f234\u202f567,50\u00a0DZD"
    assert formatting.amount(money, "en") == "1,234,567.50\u00a0DZD"
    arabic = formatting.amount(money, "ar")
    assert arabic == "1.234.567,50\u00a0د.ج"
    # Group separators of the bidirectional class CS or EN never split a number in a right-to-left line
    figures = arabic.split("\u00a0")[0]
    assert {unicodedata.bidirectional(c) for c in figures} <= {"EN", "CS"}


def test_dates_are_printed_at_algiers_time() -> None:
    assert formatting.moment(AT, "fr") == "16/03/2026 00:30"  # 23:30 UTC is already the next day in Algiers


def _sample(language: str) -> bytes:
    doc = official_document(language, title="Payment receipt", number="16001/2026/000042", verify_url=URL,
                            printed_at=AT)  # fmt: skip
    labels = [translate(label, language) for label in ("Receipt number", "Payer")]
    doc.fields(list(zip(labels, ("16001/2026/000042", "Sarl Import Alger"), strict=True)))
    doc.table([Column("Tax", 1), Column("Amount", 1, Side.END)], [["D.D", "185 185,00"]], totals=["", "X"])
    return doc.to_bytes()


def _text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_an_arabic_document_is_laid_out_right_to_left() -> None:
    arabic, french = _text(_sample("ar")), _text(_sample("fr"))
    # Text is extracted left to right: in French the label comes before its value, in Arabic after it
    assert re.search(r"N° de quittance\s+16001/2026/000042", french)
    assert re.search(r"16001/2026/000042\s+\u200f?رقم الوصل", arabic)
    assert "وصل الدفع" in arabic and "الجمهورية الجزائرية الديمقراطية الشعبية" in arabic
    assert "Sarl Import Alger" in arabic  # Latin data in an Arabic document (the fallback font)


def test_the_qr_code_carries_the_verification_url() -> None:
    page = PdfReader(io.BytesIO(_sample("fr"))).pages[0]
    decoded = [code.text for image in page.images for code in zxingcpp.read_barcodes(image.image)]
    assert decoded == [URL]


def test_the_fonts_and_their_licence_are_shipped_inside_the_package() -> None:
    fonts = document.FONT_DIR
    assert {p.name for p in fonts.glob("*.ttf")} == set(document._FONT_FILES.values())
    assert "SIL Open Font License" in (fonts / "OFL.txt").read_text(encoding="utf-8")


def _msgids() -> set[str]:
    called = re.compile(r'(?:\bt|translate)\(\s*"([^"]+)"')
    raised = re.compile(r'"(?:printing|declarations)\.[a-z_]+",\s*"([^"]+)"')
    found = {m for path in SOURCES for m in called.findall(path.read_text(encoding="utf-8"))}
    found |= {m for path in SOURCES for m in raised.findall(path.read_text(encoding="utf-8"))}
    labels = (
        declaration_printouts.STATUS_LABELS, declaration_printouts.CHANNEL_LABELS,
        declaration_printouts.TYPE_LABELS, declaration_printouts.TRANSPORT_LABELS,
        payment_printouts.METHOD_LABELS, payment_printouts.SUBJECT_LABELS, verification.KIND_LABELS,
        verification.VALIDITY_LABELS,
    )  # fmt: skip
    for table in labels:
        found |= set(table.values())
    titles = {declaration_printouts.SUMMARY_TITLE, declaration_printouts.RELEASE_TITLE}
    return found | titles | {payment_printouts.RECEIPT_TITLE, api.UNKNOWN_MESSAGE, *document.ISSUER}


def test_every_printed_word_is_translated_to_french_and_arabic() -> None:
    msgids = _msgids()
    assert len(msgids) > 90
    for language in ("fr", "ar"):
        with (PACKAGE / "locale" / f"{language}.po").open("rb") as handle:
            catalog = {m.id: m.string for m in read_po(handle) if m.id}
        missing = sorted(m for m in msgids if not catalog.get(m))
        assert missing == [], f"{language}: {missing}"


def test_a_long_value_mixing_latin_and_arabic_keeps_its_arabic_words_when_it_wraps() -> None:
    doc = document.Document("ar", footer="douane", title="Parties")
    consignor = "Shenzhen Trading Co, 12 Industrial Avenue, Nanshan District, Shenzhen, Guangdong, CN الصين"
    consignee = "SARL Tassili Import, 000000000000001, 12 rue Didouche Mourad, Alger, DZ الجزائر"
    doc.section("الأطراف")
    doc.fields([("المرسل", consignor), ("المرسل إليه", consignee)])
    text = _text(doc.to_bytes())
    assert "الجزائر" in text and "الصين" in text
    assert "SARL Tassili Import" in text and "Didouche Mourad" in text
