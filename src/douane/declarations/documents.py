"""Uploaded documents: content type sniffed from the bytes (PDF, JPEG, PNG only), a size limit, and storage
addressed by content at `<data_dir>/documents/aa/bb/<sha256>` (the same file is stored once)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from douane.kernel.errors import DouaneError, InvalidInput, NotFound

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAGIC_NUMBERS = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


class DocumentTooLarge(DouaneError):
    status = 413


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    relative_path: str
    content_type: str
    size_bytes: int


def sniff_content_type(data: bytes) -> str:
    """The content type the bytes really are; `declarations.document_type_refused` unless PDF, JPEG or PNG."""
    for magic, content_type in MAGIC_NUMBERS:
        if data.startswith(magic):
            return content_type
    raise InvalidInput(
        "declarations.document_type_refused", "Only PDF, JPEG and PNG files are accepted as documents"
    )


def check_size(size: int, max_bytes: int = MAX_DOCUMENT_BYTES) -> None:
    if size > max_bytes:
        raise DocumentTooLarge(
            "declarations.document_too_large",
            "The file is larger than the limit of {max_mb} MB",
            max_mb=max_bytes // (1024 * 1024),
        )
    if size == 0:
        raise InvalidInput("declarations.document_empty", "The file is empty")


def relative_path(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store(data_dir: Path, data: bytes, max_bytes: int = MAX_DOCUMENT_BYTES) -> StoredFile:
    """Check and store the bytes; writing is atomic (a temporary file renamed into place)."""
    check_size(len(data), max_bytes)
    content_type = sniff_content_type(data)
    digest = hashlib.sha256(data).hexdigest()
    relative = relative_path(digest)
    target = Path(data_dir) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return StoredFile(digest, relative, content_type, len(data))


def read(data_dir: Path, relative: str) -> bytes:
    path = Path(data_dir) / relative
    if not path.is_file():
        raise NotFound("declarations.document_file_missing", "The document's file is missing")
    return path.read_bytes()
