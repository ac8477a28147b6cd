"""Verification tokens: a genuine token names its document; anything else names nothing."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from pydantic import SecretStr

from douane.config import Settings
from douane.printing import tokens
from douane.printing.tokens import DocumentKind, DocumentRef

KEY = b"k" * 32
RECEIPT = DocumentRef(DocumentKind.RECEIPT, 42)


def test_a_signed_token_reads_back_as_its_document() -> None:
    summary = DocumentRef(DocumentKind.DECLARATION_SUMMARY, 2**63 - 1, 7)
    for reference in (RECEIPT, summary, DocumentRef(DocumentKind.RELEASE_AUTHORIZATION, 1)):
        token = tokens.sign(reference, KEY)
        assert len(token) == tokens.TOKEN_LENGTH and set(token) <= set(
            string.ascii_letters + string.digits + "-_"
        )
        assert tokens.read(token, KEY) == reference


def test_the_same_document_signed_with_another_key_does_not_verify() -> None:
    assert tokens.read(tokens.sign(RECEIPT, b"another key"), KEY) is None


def test_changing_any_character_of_a_token_breaks_it() -> None:
    token = tokens.sign(RECEIPT, KEY)
    for position, original in enumerate(token):
        replacement = "A" if original != "A" else "B"
        altered = token[:position] + replacement + token[position + 1 :]
        assert tokens.read(altered, KEY) is None, position


def test_guessing_the_next_id_does_not_give_a_valid_token() -> None:
    token = tokens.sign(RECEIPT, KEY)
    forged = tokens.sign(DocumentRef(DocumentKind.RECEIPT, 43), b"guess")
    assert tokens.read(forged, KEY) is None
    assert tokens.read(token[:-1], KEY) is None and tokens.read(token + "A", KEY) is None


@pytest.mark.parametrize(
    "junk", ["", "é" * tokens.TOKEN_LENGTH, "=" * tokens.TOKEN_LENGTH, "../../etc/passwd"]
)
def test_malformed_text_is_no_token(junk: str) -> None:
    assert tokens.read(junk, KEY) is None


def test_the_key_comes_from_the_setting_else_from_a_file_kept_in_the_data_dir(tmp_path: Path) -> None:
    configured = Settings(data_dir=tmp_path / "a", secret_key=SecretStr("from-the-environment"))
    assert tokens.signing_key(configured) == b"from-the-environment"
    assert not (tmp_path / "a" / tokens.SECRET_FILE).exists()

    first = tokens.signing_key(Settings(data_dir=tmp_path / "b"))
    key_file = tmp_path / "b" / tokens.SECRET_FILE
    assert len(first) >= 32 and key_file.read_text().strip().encode() == first
    assert key_file.stat().st_mode & 0o077 == 0
    tokens._key_file.cache_clear()  # as after a restart
    assert tokens.signing_key(Settings(data_dir=tmp_path / "b")) == first
    assert tokens.signing_key(Settings(data_dir=tmp_path / "c")) != first
    assert [p.name for p in (tmp_path / "b").iterdir()] == [tokens.SECRET_FILE]
