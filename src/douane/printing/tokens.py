"""Verification tokens: an HMAC-signed, unguessable reference to a printed document (kind, id, version).

A token is the base64url text of 13 payload bytes (kind code, 64-bit id, 32-bit version) followed by the
first 16 bytes of their HMAC-SHA256. Anyone holding a token learns only that it names some document; nobody
without the key can make one, and changing any character breaks the signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import struct
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from douane.config import Settings

SECRET_FILE = "secret-key"  # noqa: S105 (a file name; the key is in the file)
_PAYLOAD = struct.Struct(">BQI")
_MAC_BYTES = 16
_TOKEN_BYTES = _PAYLOAD.size + _MAC_BYTES
TOKEN_LENGTH = (4 * _TOKEN_BYTES + 2) // 3  # base64url without padding
_DOMAIN = b"douane/verify/v1\x00"  # a key used for something else one day cannot sign these


class DocumentKind(StrEnum):
    DECLARATION_SUMMARY = "declaration_summary"
    RECEIPT = "receipt"
    RELEASE_AUTHORIZATION = "release_authorization"


# Stable codes inside tokens already printed on paper: never renumber, only add.
_KIND_CODES = {
    DocumentKind.DECLARATION_SUMMARY: 1,
    DocumentKind.RECEIPT: 2,
    DocumentKind.RELEASE_AUTHORIZATION: 3,
}
_KINDS_BY_CODE = {code: kind for kind, code in _KIND_CODES.items()}


@dataclass(frozen=True)
class DocumentRef:
    """What a printed document refers to: its kind, the record's id and the record's version at printing."""

    kind: DocumentKind
    id: int
    version: int = 0


def sign(reference: DocumentRef, key: bytes) -> str:
    payload = _PAYLOAD.pack(_KIND_CODES[reference.kind], reference.id, reference.version)
    raw = payload + _mac(key, payload)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def read(token: str, key: bytes) -> DocumentRef | None:
    """The reference a genuine token names; None for anything forged, altered or malformed."""
    if len(token) != TOKEN_LENGTH or not token.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    if len(raw) != _TOKEN_BYTES or not hmac.compare_digest(mac, _mac(key, payload)):
        return None
    code, record_id, version = _PAYLOAD.unpack(payload)
    kind = _KINDS_BY_CODE.get(code)
    return None if kind is None else DocumentRef(kind, record_id, version)


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _DOMAIN + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def signing_key(settings: Settings) -> bytes:
    """DOUANE_SECRET_KEY when set; otherwise a random key created once in the data directory and kept
    there, so that printed documents stay verifiable across restarts."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode("utf-8")
    return _key_file(Path(settings.data_dir).resolve() / SECRET_FILE)


@lru_cache(maxsize=8)
def _key_file(path: Path) -> bytes:
    """Read the key file, creating it first if missing. The new key is written to a temporary file and
    linked into place, so a concurrent worker sees either no file or the whole key, and one key wins."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip().encode("ascii")
