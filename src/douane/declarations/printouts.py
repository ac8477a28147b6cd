"""The declaration's printed documents (summary, release authorization) and what their QR codes verify.

The caller has already read the declaration through `service.get` (a broker never gets another firm's);
these functions only lay out what that reader may see, as the JSON read shows it: the channel yes, the
selectivity reasons and the drawn inspector no, an officer's name only to officers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.declarations import model, service
from douane.declarations.model import Channel, Regime, Status
from douane.declarations.tables import DeclarationRow
from douane.declarations.wording import STATUS_LABELS
from douane.i18n import translate
from douane.identity import service as identity
from douane.identity.model import Actor
from douane.kernel.errors import Conflict, DouaneError
from douane.kernel.money import DZD, Money
from douane.payments import service as payments
from douane.payments.model import SettlementStatus
from douane.printing import formatting
from douane.printing.document import Column, Document, Side, official_document
from douane.printing.http import Link
from douane.printing.tokens import DocumentKind, DocumentRef
from douane.printing.verification import Validity, Verified
from douane.reference import service as reference
from douane.registry import service as registry

RELEASED = frozenset({Status.RELEASED.value, Status.EXITED.value, Status.DISCHARGED.value})
CLOSED = frozenset({Status.INVALIDATED.value, Status.REJECTED.value})
CHANNEL_LABELS = {
    Channel.GREEN: "Green (no control)", Channel.YELLOW: "Yellow (documentary control)",
    Channel.RED: "Red (physical examination)", Channel.BLUE: "Blue (post-clearance audit)",
}  # fmt: skip
TYPE_LABELS = {model.DeclarationType.IMPORT: "Import", model.DeclarationType.EXPORT: "Export"}
TRANSPORT_LABELS = {
    "1": "Sea", "2": "Rail", "3": "Road", "4": "Air", "5": "Post", "7": "Fixed installation",
    "8": "Inland waterway",
}  # fmt: skip
SUMMARY_TITLE = "Goods declaration: summary"
RELEASE_TITLE = "Release authorization"


class _Reader:
    """Translation and formatting in the document's language, and the lookups every document needs."""

    def __init__(self, session: Session, language: str) -> None:
        self.session, self.language = session, language

    def t(self, msgid: str, **params: Any) -> str:
        return translate(msgid, self.language, **params)

    def amount(self, money: Money | None) -> str:
        return "-" if money is None else formatting.amount(money, self.language)

    def dzd(self, text: object) -> str:
        return self.amount(Money(Decimal(str(text)), DZD)) if text is not None else "-"

    def number(self, value: Decimal | int | None) -> str:
        return "-" if value is None else formatting.number(value, self.language)

    def moment(self, at: datetime | None) -> str:
        return "-" if at is None else formatting.moment(at, self.language)

    def country(self, code: str | None) -> str:
        if not code:
            return "-"
        name = Locale.parse(formatting.NUMBER_LOCALES[self.language]).territories.get(code)
        return f"{code} {name}" if name else code

    def office(self, code: str) -> str:
        return f"{code} {office_name(self.session, code, self.language)}".strip()

    def operator(self, nif: str) -> str:
        operator = registry.find_operator_by_nif(self.session, nif)
        if operator is None:
            return nif
        name = operator.legal_name_ar if self.language == "ar" and operator.legal_name_ar else None
        return f"{nif} {name or operator.legal_name_fr}"

    def declarant(self, row: DeclarationRow) -> str:
        """The broker firm that lodged it, or the trader itself."""
        if row.broker_id is None:
            return self.operator(row.operator_nif)
        try:
            return registry.get_broker(self.session, row.broker_id).firm_name
        except DouaneError:
            return row.declarant_name

    def status(self, row: DeclarationRow) -> str:
        return self.t(STATUS_LABELS[Status(row.status)])

    def channel(self, row: DeclarationRow) -> str:
        return self.t(CHANNEL_LABELS[Channel(row.channel)]) if row.channel else "-"

    def regime(self, row: DeclarationRow) -> str:
        kind = self.t(TYPE_LABELS[model.DeclarationType(row.type)])
        return f"{kind} · {row.regime} {model.regime_label(Regime(row.regime), self.language)}"


def office_name(session: Session, code: str, language: str) -> str:
    try:
        office = registry.get_office(session, code)
    except DouaneError:
        return ""
    return str(getattr(office, f"name_{language}", None) or office.name_fr)


def _require_number(row: DeclarationRow) -> str:
    if row.number is None:
        raise Conflict(
            "declarations.not_registered",
            "Only a registered declaration can be printed (it has no number yet)",
        )
    return row.number


# --- the summary ---------------------------------------------------------------------------------


def summary_pdf(
    session: Session, actor: Actor, row: DeclarationRow, language: str, *, link: Link, printed_at: datetime
) -> bytes:
    """Header, parties, items, the assessment per tax and the totals; its QR code names this version."""
    number = _require_number(row)
    reader = _Reader(session, language)
    reference = DocumentRef(DocumentKind.DECLARATION_SUMMARY, row.id, row.current_version)
    document = official_document(
        language, title=SUMMARY_TITLE, number=number, verify_url=link(reference), printed_at=printed_at
    )
    _summary_header(document, reader, row)
    _parties(document, reader, row)
    _transport_and_invoice(document, reader, row)
    _items(document, reader, row)
    _assessment(document, reader, row)
    return document.to_bytes()


def _summary_header(document: Document, r: _Reader, row: DeclarationRow) -> None:
    document.fields([
        (r.t("Status"), r.status(row)),
        (r.t("Declaration"), r.regime(row)),
        (r.t("Customs office"), r.office(row.office_code)),
        (r.t("Registered on"), r.moment(row.registered_at)),
        (r.t("Channel"), r.channel(row)),
        (r.t("Version"), str(row.current_version)),
        (r.t("Declarant"), r.declarant(row)),
        (r.t("Importer or exporter (NIF)"), r.operator(row.operator_nif)),
    ])  # fmt: skip


def _party(r: _Reader, party: dict[str, Any] | None) -> str:
    if not party:
        return "-"
    parts = [party.get("name"), party.get("nif"), party.get("address"), r.country(party.get("country"))]
    return ", ".join(str(p) for p in parts if p and p != "-")


def _parties(document: Document, r: _Reader, row: DeclarationRow) -> None:
    document.section(r.t("Parties"))
    document.fields(
        [(r.t("Consignor"), _party(r, row.consignor)), (r.t("Consignee"), _party(r, row.consignee))]
    )


def _transport_and_invoice(document: Document, r: _Reader, row: DeclarationRow) -> None:
    document.section(r.t("Transport and invoice"))
    mode = r.t(TRANSPORT_LABELS[row.transport_mode]) if row.transport_mode in TRANSPORT_LABELS else "-"
    costs = row.costs_currency or row.invoice_currency
    costs_added = ((r.t("Freight"), row.freight), (r.t("Insurance"), row.insurance),
                   (r.t("Other costs"), row.other_costs))  # fmt: skip
    document.fields([
        (r.t("Country of dispatch"), r.country(row.dispatch_country)),
        (r.t("Country of destination"), r.country(row.destination_country)),
        (r.t("Transport"), " · ".join(p for p in (mode, row.transport_means) if p)),
        (r.t("Manifest and bill of lading"),
         " · ".join(p for p in (row.manifest_reference, row.bill_of_lading) if p) or "-"),
        (r.t("Invoice"), f"{r.number(row.invoice_total)} {row.invoice_currency} · {row.incoterm}"),
        *((label, f"{r.number(value)} {costs}") for label, value in costs_added if value),
    ])  # fmt: skip


def _items(document: Document, r: _Reader, row: DeclarationRow) -> None:
    document.section(r.t("Goods items"))
    columns = [
        Column(r.t("No."), 0.7), Column(r.t("Tariff line"), 1.3), Column(r.t("Description"), 2.7),
        Column(r.t("Origin"), 0.9), Column(r.t("Net mass (kg)"), 1.2, Side.END),
        Column(r.t("Customs value"), 1.8, Side.END), Column(r.t("Duties and taxes"), 1.8, Side.END),
    ]  # fmt: skip
    rows = [
        [str(i.number), i.line_code, i.description, i.origin_country, r.number(i.net_mass_kg),
         r.amount(i.assessed_customs_value), r.amount(i.assessed_taxes)]
        for i in row.items
    ]  # fmt: skip
    document.table(columns, rows)


def _assessment(document: Document, r: _Reader, row: DeclarationRow) -> None:
    document.section(r.t("Assessment of duties and taxes"))
    breakdown = row.assessment or {}
    rate = breakdown.get("exchange_rate_used")
    shown_rate = formatting.number(Decimal(str(rate)), r.language, 6) if rate else None
    document.fields([
        (r.t("Customs value"), r.amount(row.customs_value)),
        (r.t("Exchange rate used"), f"1 {row.invoice_currency} = {shown_rate} DZD" if shown_rate else "-"),
    ])  # fmt: skip
    taxes: dict[str, Any] = breakdown.get("taxes_by_code") or {}
    names = {
        tax.code: getattr(tax, f"name_{r.language}") or tax.name_fr
        for tax in reference.list_tax_types(r.session)
    }
    columns = [Column(r.t("Tax"), 1.2), Column(r.t("Name"), 4), Column(r.t("Amount"), 2, Side.END)]
    rows = [[code, names.get(code, ""), r.dzd(amount)] for code, amount in taxes.items()]
    document.table(columns, rows, totals=["", r.t("Total duties and taxes"), r.amount(row.total_due)])
    if breakdown.get("duties") == "suspended":
        document.note(breakdown["note"].get(r.language, breakdown["note"]["en"]))
    if not row.assessment_confirmed:
        document.note(r.t("Provisional assessment: final once a liquidation inspector confirms it."))


# --- the release authorization -------------------------------------------------------------------


def release_pdf(
    session: Session, actor: Actor, row: DeclarationRow, language: str, *, link: Link, printed_at: datetime
) -> bytes:
    """Only once released: the declaration, office, release time, releasing officer, how it was settled."""
    number = _require_number(row)
    if row.status not in RELEASED or row.released_at is None:
        raise Conflict(
            "declarations.not_released", "The release authorization exists only once the goods are released"
        )
    r = _Reader(session, language)
    reference = DocumentRef(DocumentKind.RELEASE_AUTHORIZATION, row.id)
    document = official_document(
        language, title=RELEASE_TITLE, number=number, verify_url=link(reference), printed_at=printed_at
    )
    document.fields([
        (r.t("Declaration"), f"{number} · {r.regime(row)}"),
        (r.t("Customs office"), r.office(row.office_code)),
        (r.t("Released on"), r.moment(row.released_at)),
        (r.t("Released by"), releasing_officer(session, actor, row, language)),
        (r.t("Declarant"), r.declarant(row)),
        (r.t("Importer or exporter (NIF)"), r.operator(row.operator_nif)),
        (r.t("Duties and taxes"), r.amount(row.total_due)),
        (r.t("Settled by"), _settlement(session, r, row)),
    ])  # fmt: skip
    document.section(r.t("Goods items"))
    columns = [
        Column(r.t("No."), 0.7), Column(r.t("Tariff line"), 1.3), Column(r.t("Description"), 3.4),
        Column(r.t("Packages"), 1, Side.END), Column(r.t("Gross mass (kg)"), 1.4, Side.END),
    ]  # fmt: skip
    rows = [
        [str(i.number), i.line_code, i.description, r.number(i.packages), r.number(i.gross_mass_kg)]
        for i in row.items
    ]
    document.table(columns, rows)
    document.note(r.t("The goods listed above may be removed from customs control."), bold=True)
    return document.to_bytes()


def releasing_officer(session: Session, actor: Actor, row: DeclarationRow, language: str) -> str:
    """The officer's name for officers; a declarant reads "Customs" (as in the JSON history)."""
    events, _ = audit.list_events(
        session, action="declaration.release", entity_type=service.ENTITY, entity_id=str(row.id), limit=1
    )
    if not events or not service.is_officer(actor):
        return translate("Customs", language)
    event = events[0]
    try:
        return (
            identity.get_user(session, event.actor_id).full_name if event.actor_id else event.actor_name or ""
        )
    except DouaneError:
        return event.actor_name or ""


def _settlement(session: Session, r: _Reader, row: DeclarationRow) -> str:
    settlement = payments.settlement_of(session, service.ENTITY, row.id)
    if settlement.status in (SettlementStatus.GUARANTEED, SettlementStatus.DISCHARGED):
        return r.t("Guarantee")
    if settlement.receipts:
        return r.t("Payment, receipts {receipts}", receipts=", ".join(settlement.receipts))
    return "-"


# --- verification ----------------------------------------------------------------------------------


def _verified(
    session: Session, row: DeclarationRow, kind: DocumentKind, validity: Validity, at: datetime, language: str
) -> Verified:
    return Verified(
        kind=kind, validity=validity, number=row.number or "", issued_at=at, office_code=row.office_code,
        office_name=office_name(session, row.office_code, language), total=row.total_due,
    )  # fmt: skip


def verify_summary(session: Session, ref: DocumentRef, language: str) -> Verified | None:
    row = session.get(DeclarationRow, ref.id)
    if row is None or row.number is None or row.registered_at is None:
        return None
    validity = Validity.VALID
    if row.status in CLOSED:
        validity = Validity.CANCELLED
    elif ref.version != row.current_version:
        validity = Validity.SUPERSEDED
    return _verified(session, row, DocumentKind.DECLARATION_SUMMARY, validity, row.registered_at, language)


def verify_release(session: Session, ref: DocumentRef, language: str) -> Verified | None:
    row = session.get(DeclarationRow, ref.id)
    if row is None or row.number is None or row.released_at is None:
        return None
    validity = Validity.VALID if row.status in RELEASED else Validity.CANCELLED
    return _verified(session, row, DocumentKind.RELEASE_AUTHORIZATION, validity, row.released_at, language)


VERIFIERS: dict[DocumentKind, Callable[[Session, DocumentRef, str], Verified | None]] = {
    DocumentKind.DECLARATION_SUMMARY: verify_summary,
    DocumentKind.RELEASE_AUTHORIZATION: verify_release,
}
