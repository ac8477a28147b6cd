"""Reference data over HTTP: HS nomenclature, tariff lines with their measures, tax types, exchange
rates, countries and currencies; file imports for administrators."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from douane.identity.guards import requires
from douane.identity.model import Actor, Permission
from douane.identity.service import actor_ref
from douane.kernel.clock import local_date
from douane.kernel.errors import NotFound
from douane.reference import importers, service
from douane.reference.model import DEFAULT_EDITION
from douane.reference.schemas import (
    CountryOut,
    CurrencyOut,
    ExchangeRateOut,
    HsNodeDetailOut,
    HsNodeOut,
    HsSectionOut,
    ImportKind,
    ImportReportOut,
    MeasureOut,
    RateOnOut,
    TariffLineDetailOut,
    TariffLineOut,
    TaxTypeOut,
    node_out,
    section_out,
)
from douane.reference.tables import ExchangeRateRow, HsNodeRow, HsSectionRow
from douane.web.deps import UnitOfWork, get_context
from douane.web.pagination import Page, PageRequest, page_request

router = APIRouter(prefix="/api/v1", tags=["reference"])
READ = Depends(requires(Permission.REFERENCE_READ))
EDITION = Query(DEFAULT_EDITION, pattern=r"^HS[0-9]{4}$", description="HS edition")
ON = Query(None, description="Date the data must be in force (default: today in Algeria)")
SEARCH = Query(None, min_length=1, max_length=100, description="Code prefix or words of the description")


def _today(request: Request, on: date | None) -> date:
    return on or local_date(get_context(request).clock.now())


def _page(session: Session, query: Any, paging: PageRequest) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.offset(paging.offset).limit(paging.page_size)).all()
    return list(rows), total


def _like(column: Any, text: str) -> Any:
    return func.lower(column).like(f"%{text.lower()}%")


# --- HS nomenclature ---------------------------------------------------------------------------------


@router.get("/reference/hs", response_model=Page[HsNodeOut])
def list_hs(
    session: UnitOfWork,
    edition: str = EDITION,
    level: int | None = Query(None, ge=2, le=6, description="2 chapters, 4 headings, 6 subheadings"),
    parent: str | None = Query(None, pattern=r"^[0-9]{2,4}$"),
    section: str | None = Query(None, max_length=8),
    q: str | None = SEARCH,
    paging: PageRequest = Depends(page_request),
    _actor: Actor = READ,
) -> Page[HsNodeOut]:
    query = select(HsNodeRow).where(HsNodeRow.edition == edition)
    if level is not None:
        query = query.where(HsNodeRow.level == level)
    if parent:
        query = query.where(HsNodeRow.parent_code == parent)
    if section:
        query = query.where(HsNodeRow.section == section.upper())
    if q:
        text = q.strip()
        query = query.where(
            HsNodeRow.code.startswith(text)
            if text.isdigit()
            else or_(
                *(
                    _like(c, text)
                    for c in (HsNodeRow.description_en, HsNodeRow.description_fr, HsNodeRow.description_ar)
                )
            )
        )
    rows, total = _page(session, query.order_by(HsNodeRow.code), paging)
    return paging.page_of([node_out(r) for r in rows], total)


@router.get("/reference/hs-sections", response_model=Page[HsSectionOut])
def list_hs_sections(
    session: UnitOfWork,
    edition: str = EDITION,
    paging: PageRequest = Depends(page_request),
    _actor: Actor = READ,
) -> Page[HsSectionOut]:
    query = select(HsSectionRow).where(HsSectionRow.edition == edition).order_by(HsSectionRow.position)
    rows, total = _page(session, query, paging)
    items = [HsSectionOut.model_validate(r) for r in rows]
    return paging.page_of(items, total)


@router.get("/reference/hs/{code}", response_model=HsNodeDetailOut)
def read_hs(
    session: UnitOfWork,
    code: str = Path(pattern=r"^[0-9]{2}([0-9]{2}){0,2}$"),
    edition: str = EDITION,
    _actor: Actor = READ,
) -> HsNodeDetailOut:
    node = service.hs_node(session, code, edition)
    ancestors = [service.hs_node(session, code[:n], edition) for n in range(2, len(code), 2)]
    children = session.scalars(
        select(HsNodeRow)
        .where(HsNodeRow.edition == edition, HsNodeRow.parent_code == code)
        .order_by(HsNodeRow.code)
    ).all()
    section = session.scalars(
        select(HsSectionRow).where(HsSectionRow.edition == edition, HsSectionRow.number == node.section)
    ).first()
    return HsNodeDetailOut(
        **node_out(node).model_dump(),
        ancestors=[node_out(a) for a in ancestors],
        children=[node_out(c) for c in children],
        section_detail=section_out(section),
    )


# --- tariff lines ------------------------------------------------------------------------------------


@router.get("/reference/tariff-lines", response_model=Page[TariffLineOut])
def list_tariff_lines(
    session: UnitOfWork,
    request: Request,
    q: str | None = SEARCH,
    hs6: str | None = Query(None, pattern=r"^[0-9]{6}$"),
    on: date | None = ON,
    paging: PageRequest = Depends(page_request),
    _actor: Actor = READ,
) -> Page[TariffLineOut]:
    day = _today(request, on)
    lines, total = service.search_tariff_lines(session, q, day, paging.offset, paging.page_size, hs6=hs6)
    items = [TariffLineOut.of(line) for line in lines]
    return paging.page_of(items, total)


@router.get("/reference/tariff-lines/{code}", response_model=TariffLineDetailOut)
def read_tariff_line(
    session: UnitOfWork,
    request: Request,
    code: str = Path(pattern=r"^[0-9]{10}$"),
    on: date | None = ON,
    _actor: Actor = READ,
) -> TariffLineDetailOut:
    day = _today(request, on)
    line = service.tariff_line_at(session, code, day)
    measures = service.measures_in_force(session, code, day)
    tax_types = {t.code: t for t in service.list_tax_types(session)}
    return TariffLineDetailOut(
        **TariffLineOut.of(line).model_dump(),
        on=day,
        measures=[MeasureOut.of(m, tax_types) for m in measures],
        required_documents=sorted(m.document_code for m in measures if m.document_code),
        prohibited=any(m.kind == "prohibition" for m in measures),
    )


@router.get("/reference/tariff-lines/{code}/history", response_model=list[MeasureOut])
def tariff_line_history(
    session: UnitOfWork,
    code: str = Path(pattern=r"^[0-9]{10}$"),
    _actor: Actor = READ,
) -> list[MeasureOut]:
    """Every measure ever recorded on the line, superseded ones included, oldest first."""
    measures = service.measure_history(session, code)
    if not measures:
        raise NotFound(
            "reference.tariff_line_not_found", "No tariff line {line_code} on record", line_code=code
        )
    tax_types = {t.code: t for t in service.list_tax_types(session)}
    return [MeasureOut.of(m, tax_types) for m in measures]


@router.get("/reference/tax-types", response_model=Page[TaxTypeOut])
def list_tax_types(
    session: UnitOfWork,
    paging: PageRequest = Depends(page_request),
    _actor: Actor = READ,
) -> Page[TaxTypeOut]:
    taxes = service.list_tax_types(session)
    window = taxes[paging.offset : paging.offset + paging.page_size]
    return paging.page_of([TaxTypeOut.of(t) for t in window], len(taxes))


# --- exchange rates ----------------------------------------------------------------------------------


@router.get("/reference/exchange-rates", response_model=Page[ExchangeRateOut])
def list_exchange_rates(
    session: UnitOfWork,
    currency: str | None = Query(None, pattern=r"^[A-Za-z]{3}$"),
    on: date | None = Query(None, description="Only the rates in force on that date"),
    paging: PageRequest = Depends(page_request),
    _actor: Actor = READ,
) -> Page[ExchangeRateOut]:
    query = select(ExchangeRateRow)
    if currency:
        query = query.where(ExchangeRateRow.currency == currency.upper())
    if on:
        query = query.where(
            *service.in_force_clause(ExchangeRateRow.valid_from, ExchangeRateRow.valid_to, on)
        )
    query = query.order_by(ExchangeRateRow.currency, ExchangeRateRow.valid_from.desc())
    rows, total = _page(session, query, paging)
    return paging.page_of([ExchangeRateOut.of(r) for r in rows], total)


@router.get("/reference/exchange-rates/{currency}", response_model=RateOnOut)
def read_exchange_rate(
    session: UnitOfWork,
    request: Request,
    currency: str = Path(pattern=r"^[A-Za-z]{3}$"),
    on: date | None = ON,
    _actor: Actor = READ,
) -> RateOnOut:
    day = _today(request, on)
    code = service.require_currency(currency)
    return RateOnOut(currency=code, on=day, dzd_per_unit=service.rate_on(session, code, day))


# --- countries and currencies ------------------------------------------------------------------------


@router.get("/reference/countries", response_model=Page[CountryOut])
def list_countries(
    q: str | None = Query(None, min_length=1, max_length=100, description="Code or part of a name"),
    paging: PageRequest = Depends(page_request),
    _actor: Actor = READ,
) -> Page[CountryOut]:
    found = [
        c
        for c in service.countries()
        if not q or _matches(q, (c.alpha_2, c.alpha_3), (c.name_en, c.name_fr, c.name_ar))
    ]
    window = found[paging.offset : paging.offset + paging.page_size]
    return paging.page_of([CountryOut.of(c) for c in window], len(found))


@router.get("/reference/currencies", response_model=Page[CurrencyOut])
def list_currencies(
    q: str | None = Query(None, min_length=1, max_length=100, description="Code or part of a name"),
    paging: PageRequest = Depends(page_request),
    _actor: Actor = READ,
) -> Page[CurrencyOut]:
    found = [
        c
        for c in service.currencies()
        if not q or _matches(q, (c.code, c.numeric), (c.name_en, c.name_fr, c.name_ar))
    ]
    window = found[paging.offset : paging.offset + paging.page_size]
    return paging.page_of([CurrencyOut.of(c) for c in window], len(found))


def _matches(q: str, codes: tuple[str, ...], names: tuple[str, ...]) -> bool:
    text = q.strip().casefold()
    return any(code.casefold() == text for code in codes) or any(text in name.casefold() for name in names)


# --- imports -----------------------------------------------------------------------------------------


@router.post("/reference/imports/{kind}", response_model=ImportReportOut)
def import_file(
    session: UnitOfWork,
    request: Request,
    kind: ImportKind,
    file: UploadFile = File(description="The CSV file (UTF-8)"),
    edition: str = EDITION,
    valid_from: date | None = Query(None, description="Tariff rows without a valid_from start on this date"),
    actor: Actor = Depends(requires(Permission.REFERENCE_MANAGE)),
) -> ImportReportOut:
    """Runs the same importer as the command line; the file is imported whole or rejected whole
    (problem+json `import.rejected` listing each bad line)."""
    clock, by, source = get_context(request).clock, actor_ref(actor), file.file
    if kind == ImportKind.HS:
        report = importers.import_hs(session, clock, source, by=by, edition=edition)
    elif kind == ImportKind.HS_SECTIONS:
        report = importers.import_hs_sections(session, clock, source, by=by, edition=edition)
    elif kind == ImportKind.TARIFF:
        report = importers.import_tariff(session, clock, source, by=by, valid_from=valid_from)
    elif kind == ImportKind.RATES:
        report = importers.import_rates(session, clock, source, by=by)
    else:
        report = importers.import_tax_types(session, clock, source, by=by)
    return ImportReportOut.of(report)
