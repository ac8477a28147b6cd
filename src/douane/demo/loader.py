"""Load the demo data set through the same importers and use cases an administration would use.

The demo password is random per installation, kept in `<data dir>/demo-password` (mode 600) and
printed by `douane demo`: demo mode only.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.config import Settings
from douane.demo import offices as demo_offices
from douane.demo import parties, tariff
from douane.demo import risk as demo_risk
from douane.demo.declarations import load_declarations
from douane.identity import service as identity
from douane.identity.model import Role
from douane.reference import importers as reference_imports
from douane.reference import service as reference
from douane.registry import importers as registry_imports
from douane.registry import service as registry
from douane.registry.tables import CustomsOfficeRow

DEMO_SINCE = date(2026, 1, 1)
PASSWORD_FILE = "demo-password"


def demo_password(settings: Settings) -> str:
    """The installation's demo password, created on first use."""
    path = Path(settings.data_dir) / PASSWORD_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = "demo-" + secrets.token_urlsafe(9)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


def load_demo_if_empty(ctx: Context, *, declarations: bool = True) -> bool:
    """Load the demo data set unless the registry already has offices; True if it loaded. With
    `declarations`, a handful of declarations in the states users meet first (see demo.declarations), and
    a backtest of the draft targeting rule over them (see demo.risk)."""
    with ctx.db.transaction() as session:
        if session.scalar(select(CustomsOfficeRow.id).limit(1)) is not None:
            return False
        load_demo(session, ctx)
        if declarations:
            load_declarations(session, ctx)
            demo_risk.backtest_draft(session, ctx, DEMO_SINCE)
    return True


def load_demo(session: Session, ctx: Context) -> None:
    _load_reference(session, ctx)
    broker_ids, officer_ids = _load_registry(session, ctx)
    _load_users(session, ctx, broker_ids, officer_ids)
    demo_risk.load_risk(session, ctx, DEMO_SINCE)


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> io.StringIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    buffer.seek(0)
    return buffer


# --- reference data ----------------------------------------------------------------------------


def _nomenclature_rows() -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    used_headings = {s.hs6[:4] for s in tariff.SUBHEADINGS}
    for chapter, (section, en, fr, ar) in tariff.CHAPTERS.items():
        rows.append((section, chapter, en, "TOTAL", "2", fr, ar))
    for heading, (en, fr) in tariff.HEADINGS.items():
        if heading in used_headings:
            rows.append((tariff.CHAPTERS[heading[:2]][0], heading, en, heading[:2], "4", fr, ""))
    for sub in tariff.SUBHEADINGS:
        rows.append((tariff.CHAPTERS[sub.hs6[:2]][0], sub.hs6, sub.en, sub.hs6[:4], "6", sub.fr, ""))
    return rows


def _tariff_rows() -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for sub in tariff.SUBHEADINGS:
        for suffix, description in sub.splits:
            rows.append(
                (
                    sub.hs6 + suffix, sub.hs6, f"{sub.fr} {description}", sub.en, sub.dd, sub.daps, "2", "3",
                    sub.tic, sub.tva, "|".join(sub.documents), DEMO_SINCE.isoformat(),
                )
            )  # fmt: skip
    return rows


def _rate_rows() -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    months = [date.fromisoformat(m) for m in tariff.RATE_MONTHS]
    for currency, rates in tariff.EXCHANGE_RATES.items():
        for index, (month, rate) in enumerate(zip(months, rates, strict=True)):
            last = index == len(months) - 1
            valid_to = "" if last else date.fromordinal(months[index + 1].toordinal() - 1).isoformat()
            rows.append((currency, month.isoformat(), valid_to, rate))
    return rows


def _load_reference(session: Session, ctx: Context) -> None:
    clock = ctx.clock
    reference.ensure_tax_types(session, clock)
    sections = _csv(("section", "name"), tariff.SECTIONS.items())
    reference_imports.import_hs_sections(session, clock, sections)
    header = ("section", "hscode", "description", "parent", "level", "description_fr", "description_ar")
    reference_imports.import_hs(session, clock, _csv(header, _nomenclature_rows()))
    tariff_header = (
        "code10", "hs6", "description_fr", "description_en", "dd_pct", "daps_pct", "prct_pct", "tcs_pct",
        "tic_pct", "tva_pct", "formalities", "valid_from",
    )  # fmt: skip
    reference_imports.import_tariff(session, clock, _csv(tariff_header, _tariff_rows()))
    rates = _csv(("currency", "valid_from", "valid_to", "dzd_per_unit"), _rate_rows())
    reference_imports.import_rates(session, clock, rates)


# --- registry ----------------------------------------------------------------------------------


def _office_rows() -> list[tuple[str, ...]]:
    return [
        (
            o.code, o.name_fr, o.name_ar, o.name_en, o.kind, o.directorate,
            demo_offices.DIRECTORATES[o.directorate][0], o.unlocode, o.collection_office, "|".join(o.regimes),
        )
        for o in demo_offices.OFFICES
    ]  # fmt: skip


def _load_registry(session: Session, ctx: Context) -> tuple[dict[str, int], dict[str, int]]:
    """Offices, operators, brokers and officers; returns broker ids by licence and officer ids by number."""
    clock = ctx.clock
    for code, (name_fr, name_ar) in demo_offices.DIRECTORATES.items():
        registry.upsert_directorate(session, clock, code=code, name_fr=name_fr, name_ar=name_ar, by=None)
    office_header = (
        "code", "name_fr", "name_ar", "name_en", "kind", "regional_directorate", "regional_directorate_name",
        "unlocode", "collection_office", "regimes",
    )  # fmt: skip
    registry_imports.import_offices(session, clock, _csv(office_header, _office_rows()))
    operator_header = (
        "nif",
        "rc_number",
        "legal_name_fr",
        "legal_name_ar",
        "address",
        "wilaya",
        "registered_on",
    )
    operator_rows = [
        (o.nif, o.rc_number, o.legal_name_fr, o.legal_name_ar, o.address, o.wilaya, o.registered_on)
        for o in parties.operators()
    ]
    registry_imports.import_operators(session, clock, _csv(operator_header, operator_rows))
    return _load_brokers(session, ctx), _load_officers(session, ctx)


def _load_brokers(session: Session, ctx: Context) -> dict[str, int]:
    ids = {}
    for broker in parties.brokers():
        row = registry.register_broker(
            session, ctx.clock, licence_number=broker.licence_number, firm_name=broker.firm_name,
            holder_name=broker.holder_name, nif=broker.nif, licence_valid_from=date(2024, 1, 1),
            licence_valid_to=date(2028, 12, 31),
        )  # fmt: skip
        ids[broker.licence_number] = row.id
        for office_code in broker.offices:
            registry.add_office_approval(
                session, ctx.clock, row.id, office_code=office_code, valid_from=DEMO_SINCE
            )
    return ids


def _load_officers(session: Session, ctx: Context) -> dict[str, int]:
    ids = {}
    for officer in (*parties.officers(), *parties.EXTRA_OFFICERS):
        row = registry.create_officer(
            session, ctx.clock, service_number=officer.service_number, full_name=officer.full_name,
            grade=officer.grade, on_duty=True,
        )  # fmt: skip
        registry.add_posting(
            session, ctx.clock, row.id, office_code=officer.office, role=officer.role, valid_from=DEMO_SINCE
        )
        ids[officer.service_number] = row.id
    return ids


# --- users -------------------------------------------------------------------------------------

# demo username -> (role, service number of the officer record it belongs to)
_OFFICER_USERS = {
    "inspector": (Role.INSPECTOR, "M1007"),
    "liquidator": (Role.LIQUIDATION_INSPECTOR, "M1021"),
    "cashier": (Role.CASHIER, "M2001"),
    "analyst": (Role.RISK_ANALYST, "M2002"),
    "chief": (Role.OFFICE_CHIEF, "M2003"),
    "auditor": (Role.AUDITOR, "M2004"),
}


def _load_users(
    session: Session, ctx: Context, broker_ids: dict[str, int], officer_ids: dict[str, int]
) -> None:
    password = demo_password(ctx.settings)

    def create(username: str, full_name: str, roles: set[Role], language: str = "fr", **links: int) -> None:
        identity.create_user(
            session, ctx.clock, ctx.passwords, username=username, full_name=full_name, password=password,
            roles=roles, language=language, operator_id=links.get("operator_id"),
            broker_id=links.get("broker_id"), officer_id=links.get("officer_id"),
        )  # fmt: skip

    create("admin", "Administrateur douane", {Role.ADMIN})
    first_broker = parties.brokers()[0]
    create(
        "broker", first_broker.holder_name, {Role.BROKER}, broker_id=broker_ids[first_broker.licence_number]
    )
    first_operator = parties.operators()[0]
    operator_row = registry.find_operator_by_nif(session, first_operator.nif)
    assert operator_row is not None
    create(
        "trader", f"Gérant {first_operator.legal_name_fr}", {Role.TRADER}, "ar", operator_id=operator_row.id
    )
    names = {o.service_number: o.full_name for o in (*parties.officers(), *parties.EXTRA_OFFICERS)}
    for username, (role, service_number) in _OFFICER_USERS.items():
        create(username, names[service_number], {role}, officer_id=officer_ids[service_number])
