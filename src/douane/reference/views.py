"""Reference-data pages: tariff-line suggestions for the declaration form (HTMX), and the administrators'
reference imports (upload a tariff, HS nomenclature, exchange-rate or tax-type file, watch the import's
progress and read its report)."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from pathlib import Path
from typing import IO

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from douane.audit.service import ActorRef
from douane.identity import service as identity
from douane.identity.model import Permission
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import Conflict
from douane.kernel.imports import ImportReport, Progress
from douane.reference import importers, service
from douane.reference.jobs import ImportJob, ImportJobs
from douane.reference.model import DEFAULT_EDITION, TariffLine
from douane.web.deps import UnitOfWork, get_context
from douane.web.pages import optional_date, see_other
from douane.web.session import Viewer, csrf_protected, page_requires
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
# The exchange-rate reader counts one row per currency of a wide monthly line, so its total is not known.
COUNTED_BY_LINE = {"tariff", "hs", "hs-sections", "tax-types"}
MANAGE = page_requires(Permission.REFERENCE_MANAGE)
UPLOAD_CHUNK = 1 << 20
_registry_lock = threading.Lock()


def import_jobs(app: FastAPI, clock: Clock) -> ImportJobs:
    """The import jobs of this web process (one registry per app, made on first use)."""
    with _registry_lock:
        jobs: ImportJobs | None = getattr(app.state, "reference_import_jobs", None)
        if jobs is None:
            jobs = ImportJobs(clock)
            app.state.reference_import_jobs = jobs
        return jobs


def _jobs(request: Request) -> ImportJobs:
    return import_jobs(request.app, get_context(request).clock)


def _run(
    session: Session, clock: Clock, kind: str, source: IO[bytes] | Path, progress: Progress,
    by: ActorRef | None, edition: str, valid_from: date | None,
) -> ImportReport:  # fmt: skip
    """The same importers as `douane reference import` and the API; the caller's transaction makes the file
    import whole or not at all."""
    if kind == "tariff":
        return importers.import_tariff(session, clock, source, progress, by, valid_from=valid_from)
    if kind == "hs":
        return importers.import_hs(session, clock, source, progress, by, edition=edition)
    if kind == "hs-sections":
        return importers.import_hs_sections(session, clock, source, progress, by, edition=edition)
    if kind == "rates":
        return importers.import_rates(session, clock, source, progress, by)
    return importers.import_tax_types(session, clock, source, progress, by)


def _store_upload(upload: IO[bytes], folder: Path) -> tuple[Path, int]:
    """Copy the upload under the data dir; returns the stored path and its number of data lines."""
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uuid.uuid4().hex}.csv"
    newlines, last = 0, b"\n"
    with stored.open("wb") as target:
        while chunk := upload.read(UPLOAD_CHUNK):
            target.write(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    lines = newlines + (0 if last == b"\n" else 1)
    return stored, max(lines - 1, 0)  # less the header


def _imports_page(
    request: Request,
    job: ImportJob | None = None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    refused: bool = False,
) -> Response:
    form = {"kind": "tariff", "edition": DEFAULT_EDITION, "valid_from": "", **(values or {})}
    return render(
        request, "reference/imports.html", status_code=status_code, kinds=IMPORT_KINDS, job=job, values=form,
        refused=refused,
    )  # fmt: skip


@router.get("/admin/imports")
def imports(request: Request, job: str = "", viewer: Viewer = Depends(MANAGE)) -> Response:
    """The upload form, and below it the job asked for (`?job=`) or else the one running now."""
    jobs = _jobs(request)
    shown = jobs.get(job[:40]) if job else jobs.running()
    return _imports_page(request, shown, status_code=404 if job and shown is None else 200)


@router.get("/admin/imports/jobs/{job_id}/status")
def import_status(request: Request, job_id: str, viewer: Viewer = Depends(MANAGE)) -> Response:
    """The job's progress or report (HTMX polls this every second while the job runs). A forgotten job
    answers 200 too, without the polling trigger, so the page stops asking."""
    job = _jobs(request).get(job_id[:40])
    return render(request, "reference/import_job.html", job=job, kinds=IMPORT_KINDS)


@router.post("/admin/imports", dependencies=[Depends(csrf_protected)])
def run_import(
    request: Request,
    file: UploadFile = File(...),
    kind: str = Form("tariff", max_length=20),
    edition: str = Form(DEFAULT_EDITION, max_length=10),
    valid_from: str = Form("", max_length=10),
    viewer: Viewer = Depends(MANAGE),
) -> Response:
    """Stores the file under the data dir and starts its import in the background; the page follows it."""
    values = {"kind": kind, "edition": edition, "valid_from": valid_from}
    if kind not in IMPORT_KINDS:
        return _imports_page(request, status_code=422, values=values)
    jobs, ctx = _jobs(request), get_context(request)
    if jobs.running() is not None:
        return _refused(request, jobs, values)
    stored, lines = _store_upload(file.file, ctx.settings.data_dir / "imports")
    by, starts = identity.actor_ref(viewer.actor), optional_date(valid_from)
    hs_edition = edition.strip().upper()

    def work(progress: Progress) -> ImportReport:
        with ctx.db.transaction() as session:
            return _run(session, ctx.clock, kind, stored, progress, by, hs_edition, starts)

    total = lines if kind in COUNTED_BY_LINE else None
    try:
        job = jobs.start(kind, (file.filename or "")[:200], viewer.full_name, total, work, stored=stored)
    except Conflict:  # another upload started in between
        stored.unlink(missing_ok=True)
        return _refused(request, jobs, values)
    return see_other(f"/admin/imports?job={job.id}")


def _refused(request: Request, jobs: ImportJobs, values: dict[str, str]) -> Response:
    return _imports_page(request, jobs.running(), status_code=409, values=values, refused=True)
