"""What the public verification page may tell about a printed document: valid or not, kind, number, date,
office and total. Nothing else (no party, no item, no tax line).

Each context that prints documents supplies a `Verifier` for its kinds (declarations.printouts,
payments.printouts); the page (printing.api) maps kinds to verifiers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from douane.i18n import translate
from douane.kernel.money import Money
from douane.printing import formatting
from douane.printing.tokens import DocumentKind, DocumentRef

KIND_LABELS = {
    DocumentKind.DECLARATION_SUMMARY: "Declaration summary",
    DocumentKind.RECEIPT: "Payment receipt",
    DocumentKind.RELEASE_AUTHORIZATION: "Release authorization",
}


class Validity(StrEnum):
    VALID = "valid"
    SUPERSEDED = "superseded"  # a later version of the declaration exists: this paper is out of date
    CANCELLED = "cancelled"  # the declaration was invalidated or rejected


VALIDITY_LABELS = {
    Validity.VALID: "Valid: this document matches the customs records",
    Validity.SUPERSEDED: "Not valid: a later version of this declaration replaces this document",
    Validity.CANCELLED: "Not valid: the declaration was cancelled or rejected",
}


@dataclass(frozen=True)
class Verified:
    kind: DocumentKind
    validity: Validity
    number: str
    issued_at: datetime
    office_code: str
    office_name: str
    total: Money | None

    @property
    def valid(self) -> bool:
        return self.validity is Validity.VALID

    def to_json(self, language: str) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "validity": self.validity.value,
            "kind": self.kind.value,
            "kind_label": translate(KIND_LABELS[self.kind], language),
            "number": self.number,
            "date": self.issued_at.isoformat(),
            "office": {"code": self.office_code, "name": self.office_name},
            "total": None
            if self.total is None
            else {"amount": str(self.total.quantized().amount), "currency": self.total.currency},
        }

    def shown_fields(self, language: str) -> list[tuple[str, str]]:
        """The fields as the HTML page lists them, translated and formatted for the reader."""

        def t(msgid: str) -> str:
            return translate(msgid, language)

        fields = [
            (t("Document"), t(KIND_LABELS[self.kind])),
            (t("Number"), self.number),
            (t("Date (Algiers time)"), formatting.moment(self.issued_at, language)),
            (t("Office"), f"{self.office_code} {self.office_name}".strip()),
        ]
        if self.total is not None:
            fields.append((t("Total amount"), formatting.amount(self.total, language)))
        return fields


Verifier = Callable[[Session, DocumentRef, str], Verified | None]
"""Finds the document a genuine token names, in the reader's language; None when it no longer exists."""
