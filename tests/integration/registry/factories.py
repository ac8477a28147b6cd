"""Small builders for registry tests: valid NIFs, a directorate with offices, CSV files."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from douane.kernel.clock import Clock
from douane.registry import service
from douane.registry.tables import CustomsOfficeRow, EconomicOperatorRow, RegionalDirectorateRow

OPERATOR_HEADER = ["nif", "rc_number", "legal_name_fr", "legal_name_ar", "address", "wilaya", "status"]


def nif(n: int) -> str:
    """A valid 15-digit NIF (stdnum's dz.nif checks digits and length only)."""
    return f"{n:015d}"


def office(
    session: Session,
    clock: Clock,
    code: str = "16011",
    regimes: Iterable[str] = ("1000", "4000"),
    kind: str = "sea_port",
) -> CustomsOfficeRow:
    if session.get(RegionalDirectorateRow, "ALP") is None:
        service.upsert_directorate(
            session, clock, code="ALP", name_fr="Alger-Port", name_ar="الجزائر الميناء", by=None
        )
    return service.create_office(
        session,
        clock,
        code=code,
        name_fr=f"Bureau {code}",
        name_ar=f"مكتب {code}",
        name_en=f"Office {code}",
        kind=kind,
        regional_directorate="ALP",
        unlocode="DZALG",
        collection_office="16000",
        regimes=list(regimes),
        by=None,
    )


def operator(
    session: Session,
    clock: Clock,
    n: int,
    name: str = "Société Générale d'Import",
    name_ar: str | None = "الشركة العامة للاستيراد",
    wilaya: str = "16",
    registered_on: date | None = None,
) -> EconomicOperatorRow:
    return service.register_operator(
        session,
        clock,
        nif=nif(n),
        rc_number=f"16/00-{n:07d}B21",
        legal_name_fr=name,
        legal_name_ar=name_ar,
        address="Rue Didouche Mourad, Alger",
        wilaya=wilaya,
        registered_on=registered_on,
    )


def write_operators_csv(
    path: Path, rows: Iterable[Iterable[object]], header: list[str] | None = None
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or OPERATOR_HEADER)
        writer.writerows(rows)
    return path
