"""Reference-data pages: tariff-line suggestions for the declaration form (HTMX), and the administrators'
reference imports (upload a tariff, HS nomenclature, exchange-rate or tax-type file and read the report)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import IO

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from douane.audit.service import ActorRef
from douane.identity import service as identity
from douane.identity.model import Permission
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import ImportRejected, RowError
from douane.kernel.imports import ImportReport
from douane.reference import importers, service
from douane.reference.model import DEFAULT_EDITION, TariffLine
from douane.web.deps import UnitOfWork, get_context
from douane.web.pages import attempt, optional_date
from douane.web.session import Viewer, csrf_protected, domain_message, page_requires
from douane.web.templating import render

router = APIRouter(include_in_schema=False)
SUGGESTIONS = 12


@router.get("/reference/tariff-lines/suggest")
def suggest_tariff_lines(
    request: Request, session: UnitOfWork, viewer: Viewer = Depends(page_requires(Permission.REFERENCE_READ))
) -> Response:
    """`<option>`s for a tariff-line input's datalist. The input sends its own value under its own name."""
    typed = next((v for k, v in request.query_params.items() if k == "q" or k.endswith("line_code")), "")
    text = typed.strip()[:60]
    lines: list[TariffLine] = []
    if len(text) >= 2:
        today = local_date(get_context(request).clock.now())
        lines, _total = service.search_tariff_lines(session, text, today, 0, SUGGESTIONS)
    description = f"description_{viewer.language}"
    return render(request, "reference/suggestions.html", lines=lines, description=description)


# --- reference imports (administrators) -----------------------------------------------------------------

IMPORT_KINDS = {
    "tariff": "Tariff lines and measures",
    "hs": "HS nomenclature",
    "hs-sections": "HS section names",
    "rates": "Exchange rates",
    "tax-types": "Tax types",
}
MAX_ERRORS_SHOWN = 200
MANAGE = page_requires(Permission.REFERENCE_MANAGE)


@dataclass(frozen=True)
class ImportResult:
    """What the page reports after a run: the importer's counts, or why the whole file was refused."""

    kind: str
    filename: str
    report: ImportReport | None = None
    errors: tuple[RowError, ...] = ()
    error_count: int = 0
    total_rows: int = 0
    message: str | None = None


def _run(
    session: Session, clock: Clock, kind: str, source: IO[bytes], by: ActorRef | None, edition: str,
    valid_from: date | None,
) -> ImportReport:  # fmt: skip
    """The same importers as `douane reference import` and the API; the caller's transaction makes the file
    import whole or not at all."""
    if kind == "tariff":
        return importers.import_tariff(session, clock, source, by=by, valid_from=valid_from)
    if kind == "hs":
        return importers.import_hs(session, clock, source, by=by, edition=edition)
    if kind == "hs-sections":
        return importers.import_hs_sections(session, clock, source, by=by, edition=edition)
    if kind == "rates":
        return importers.import_rates(session, clock, source, by=by)
    return importers.import_tax_types(session, clock, source, by=by)


def _imports_page(
    request: Request,
    result: ImportResult | None = None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    form = {"kind": "tariff", "edition": DEFAULT_EDITION, "valid_from": "", **(values or {})}
    return render(
        request, "reference/imports.html", status_code=status_code, kinds=IMPORT_KINDS, result=result,
        values=form, max_errors=MAX_ERRORS_SHOWN,
    )  # fmt: skip


@router.get("/admin/imports")
def imports(request: Request, viewer: Viewer = Depends(MANAGE)) -> Response:
    return _imports_page(request)


@router.post("/admin/imports", dependencies=[Depends(csrf_protected)])
def run_import(
    request: Request,
    file: UploadFile = File(...),
    kind: str = Form("tariff", max_length=20),
    edition: str = Form(DEFAULT_EDITION, max_length=10),
    valid_from: str = Form("", max_length=10),
    viewer: Viewer = Depends(MANAGE),
) -> Response:
    """Runs the import within the request and shows its report when done (no progress is invented)."""
    values = {"kind": kind, "edition": edition, "valid_from": valid_from}
    filename = (file.filename or "")[:200]
    if kind not in IMPORT_KINDS:
        return _imports_page(request, status_code=422, values=values)
    clock, by = get_context(request).clock, identity.actor_ref(viewer.actor)
    starts = optional_date(valid_from)
    outcome = attempt(request, lambda s: _run(s, clock, kind, file.file, by, edition.strip().upper(), starts))
    if outcome.ok:
        return _imports_page(request, ImportResult(kind, filename, report=outcome.value), values=values)
    error = outcome.error
    assert error is not None
    if isinstance(error, ImportRejected):
        result = ImportResult(
            kind, filename, errors=tuple(error.errors[:MAX_ERRORS_SHOWN]), error_count=len(error.errors),
            total_rows=error.total_rows, message=domain_message(error, viewer.language),
        )  # fmt: skip
    else:
        result = ImportResult(kind, filename, message=domain_message(error, viewer.language))
    return _imports_page(request, result, status_code=error.status, values=values)
