"""Analyst pages: targeting notices, model versions, selectivity settings per office, monthly monitoring.

Officers holding risk:read see them without the forms; the forms need the matching manage permission.
(Rules and value indicators have their pages in douane.risk.targeting.views.)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from douane.identity.model import Permission
from douane.kernel.clock import local_date
from douane.kernel.errors import DouaneError, InvalidInput
from douane.kernel.numbers import whole_number
from douane.risk import service as shares_service
from douane.risk.model import ChannelShares
from douane.risk.models import service as models
from douane.risk.models.api import MODELS_FOLDER
from douane.risk.notices import service as notices
from douane.risk.notices.model import NOTICE_CHANNELS
from douane.risk.selection import capacity, monitoring
from douane.web.deps import get_context
from douane.web.formats import DATE_LOCALES
from douane.web.pages import PAGE_SIZE, attempt, optional_date, page_url
from douane.web.session import Viewer, csrf_protected, domain_message, page_requires
from douane.web.templating import render

router = APIRouter(include_in_schema=False)
P = Permission
READ = page_requires(P.RISK_READ, P.NOTICES_MANAGE, P.MODELS_MANAGE, P.SELECTIVITY_MANAGE)
NOTICES_URL, MODELS_URL, SETTINGS_URL, MONITORING_URL = (
    "/risk/notices",
    "/risk/models",
    "/risk/selectivity",
    "/risk/monitoring",
)

SUBJECT_KINDS = {
    "operator": "Operator (NIF)",
    "consignment": "Consignment (bill of lading or manifest)",
    "container": "Container",
    "vehicle": "Vehicle or means of transport",
}
ISSUING_SERVICES = {
    "risk_analysis": "Risk analysis",
    "intelligence": "Intelligence",
    "mutual_assistance": "Mutual assistance",
}
NOTICE_STATUSES = {
    "open": "Awaiting a declaration",
    "matched": "Matched",
    "closed": "Closed",
    "cancelled": "Cancelled",
}
OUTCOMES = {
    "confirmed": "Confirmed",
    "unfounded": "Unfounded",
    "discrepancy": "Discrepancy found",
    "no_discrepancy": "No discrepancy",
}
CHANNELS = {"green": "Green", "yellow": "Yellow", "red": "Red", "blue": "Blue"}
MODEL_STATUSES = {"candidate": "Candidate", "active": "Active", "retired": "Retired"}
SOURCES = {
    "notice": "Notices",
    "rule": "Rule channel actions",
    "score": "Risk score",
    "exploration": "Exploration (random share)",
    "shares": "Shares draw",
}
DRIFT_VERDICTS = {
    "stable": "Stable",
    "moderate": "Moderate shift",
    "shifted": "Shifted",
    "unknown": "Not known",
}
DRIFT_REFERENCES = {
    "training": "the training scores",
    "previous_month": "the previous month",
    "none": "no reference",
}
DONE = {
    "notice_issued": "The notice was issued",
    "notice_closed": "The notice was closed",
    "notice_cancelled": "The notice was cancelled",
    "model_registered": "The model version was registered",
    "model_activate": "The model version is active: it scores the next declarations",
    "model_retire": "The model version is retired",
    "shares_set": "The channel shares were set",
    "capacity_set": "The capacity settings were set",
}
LABELS = (
    SUBJECT_KINDS,
    ISSUING_SERVICES,
    NOTICE_STATUSES,
    OUTCOMES,
    CHANNELS,
    MODEL_STATUSES,
    SOURCES,
    DRIFT_VERDICTS,
    DRIFT_REFERENCES,
    DONE,
)
"""Every label the views pass to the templates (the translations test reads them)."""


def _done(url: str, key: str) -> Response:
    return RedirectResponse(f"{url}{'&' if '?' in url else '?'}{urlencode({'done': key})}", status_code=303)


def _notice(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


def _today(request: Request) -> date:
    return local_date(get_context(request).clock.now())


def _language(request: Request) -> str:
    return str(request.state.page_language)


def _error(request: Request, error: DouaneError | None) -> str | None:
    return domain_message(error, _language(request)) if error else None


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


def _whole(text: str | None, field: str) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        raise InvalidInput("pages.not_a_number", "{field} must be a whole number", field=field) from None


def _version(values: dict[str, str]) -> int | None:
    text = values.get("row_version", "").strip()
    return whole_number(text)


# --- notices ---------------------------------------------------------------------------------------


@router.get(NOTICES_URL)
def notices_list(
    request: Request,
    status: str = Query("", max_length=12),
    kind: str = Query("", max_length=16),
    q: str = Query("", max_length=64),
    page: int = Query(1, ge=1, le=100_000),
    viewer: Viewer = Depends(READ),
) -> Response:
    return _notices_page(request, viewer, status, kind, q, page)


def _notices_page(
    request: Request,
    viewer: Viewer,
    status: str = "",
    kind: str = "",
    q: str = "",
    page: int = 1,
    values: dict[str, str] | None = None,
    error: DouaneError | None = None,
    status_code: int = 200,
) -> Response:
    filters = {
        "status": status if status in NOTICE_STATUSES else "",
        "kind": kind if kind in SUBJECT_KINDS else "",
        "q": q,
    }
    with get_context(request).db.transaction() as session:
        rows, total = notices.list_notices(
            session,
            status=filters["status"] or None,
            subject_kind=filters["kind"] or None,
            subject=q or None,
            offset=(page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
        return render(
            request,
            "risk/notices_list.html",
            status_code=status_code,
            rows=rows,
            total=total,
            page=page,
            page_size=PAGE_SIZE,
            page_url=page_url(request),
            filters=filters,
            kinds=SUBJECT_KINDS,
            services=ISSUING_SERVICES,
            statuses=NOTICE_STATUSES,
            channels=CHANNELS,
            notice_channels=NOTICE_CHANNELS,
            can_manage=viewer.can(P.NOTICES_MANAGE),
            values=values or {"valid_from": _today(request).isoformat()},
            notice=_notice(request),
            error=_error(request, error),
        )


@router.post(NOTICES_URL, dependencies=[Depends(csrf_protected)])
async def notices_issue(
    request: Request, viewer: Viewer = Depends(page_requires(P.NOTICES_MANAGE))
) -> Response:
    values = await _posted(request)
    clock = get_context(request).clock

    def issue(session: Session) -> int:
        draft = notices.NoticeDraft(
            issuing_service=values.get("issuing_service", ""),
            subject_kind=values.get("subject_kind", ""),
            subject=values.get("subject", ""),
            channel=values.get("channel", ""),
            reason=values.get("reason", ""),
            office_codes=values.get("offices", "").replace(",", " ").split(),
            valid_from=optional_date(values.get("valid_from")),
            valid_to=optional_date(values.get("valid_to")),
        )
        return notices.issue(session, clock, draft, by=viewer.actor).id

    outcome = attempt(request, issue)
    if not outcome.ok:
        return _notices_page(request, viewer, values=values, error=outcome.error, status_code=422)
    return _done(f"{NOTICES_URL}/{outcome.value}", "notice_issued")


@router.get(NOTICES_URL + "/{notice_id}")
def notices_detail(request: Request, notice_id: int, viewer: Viewer = Depends(READ)) -> Response:
    return _notice_page(request, viewer, notice_id)


def _notice_page(
    request: Request, viewer: Viewer, notice_id: int, error: DouaneError | None = None, status_code: int = 200
) -> Response:
    with get_context(request).db.transaction() as session:
        row = notices.get(session, notice_id)
        matches = notices.matches_of(session, notice_id)
        return render(
            request,
            "risk/notices_detail.html",
            status_code=status_code,
            notice_row=row,
            matches=matches,
            kinds=SUBJECT_KINDS,
            services=ISSUING_SERVICES,
            statuses=NOTICE_STATUSES,
            outcomes=OUTCOMES,
            channels=CHANNELS,
            live=row.status in ("open", "matched"),
            can_manage=viewer.can(P.NOTICES_MANAGE),
            notice=_notice(request),
            error=_error(request, error),
        )


@router.post(NOTICES_URL + "/{notice_id}/{action}", dependencies=[Depends(csrf_protected)])
async def notices_change(
    request: Request, notice_id: int, action: str, viewer: Viewer = Depends(page_requires(P.NOTICES_MANAGE))
) -> Response:
    values = await _posted(request)
    clock = get_context(request).clock

    def change(session: Session) -> None:
        if action == "close":
            notices.close(
                session,
                clock,
                notice_id,
                outcome=values.get("outcome", ""),
                note=values.get("note", ""),
                by=viewer.actor,
                expected_version=_version(values),
            )
        elif action == "cancel":
            notices.cancel(
                session,
                clock,
                notice_id,
                reason=values.get("reason", ""),
                by=viewer.actor,
                expected_version=_version(values),
            )
        else:
            raise InvalidInput("pages.unknown_change", "This change does not exist")

    outcome = attempt(request, change)
    if not outcome.ok:
        return _notice_page(request, viewer, notice_id, error=outcome.error, status_code=422)
    return _done(f"{NOTICES_URL}/{notice_id}", f"notice_{'closed' if action == 'close' else 'cancelled'}")


# --- models ----------------------------------------------------------------------------------------


@router.get(MODELS_URL)
def models_list(request: Request, viewer: Viewer = Depends(READ)) -> Response:
    return _models_page(request, viewer)


def _models_page(
    request: Request, viewer: Viewer, error: DouaneError | None = None, status_code: int = 200
) -> Response:
    with get_context(request).db.transaction() as session:
        rows = models.list_versions(session)
        return render(
            request,
            "risk/models_list.html",
            status_code=status_code,
            rows=rows,
            statuses=MODEL_STATUSES,
            metrics=[_metrics(row.metrics) for row in rows],
            can_manage=viewer.can(P.MODELS_MANAGE),
            folder=str(Path(get_context(request).settings.data_dir) / MODELS_FOLDER),
            notice=_notice(request),
            error=_error(request, error),
        )


def _metrics(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The model's figures as (name, value), the score distribution left out."""
    shown = []
    for name, value in sorted((values or {}).items()):
        if isinstance(value, int | float) and not isinstance(value, bool):
            shown.append((name, f"{value:.4g}"))
    return shown


@router.post(MODELS_URL, dependencies=[Depends(csrf_protected)])
async def models_register(
    request: Request, viewer: Viewer = Depends(page_requires(P.MODELS_MANAGE))
) -> Response:
    values = await _posted(request)
    ctx = get_context(request)
    root = Path(ctx.settings.data_dir) / MODELS_FOLDER

    def register(session: Session) -> None:
        folder = models.directory_in(root, values.get("directory", ""))
        models.register(session, ctx.clock, folder, by=viewer.actor)

    outcome = attempt(request, register)
    if not outcome.ok:
        return _models_page(request, viewer, error=outcome.error, status_code=422)
    return _done(MODELS_URL, "model_registered")


@router.post(MODELS_URL + "/{model_id}/{action}", dependencies=[Depends(csrf_protected)])
async def models_change(
    request: Request, model_id: int, action: str, viewer: Viewer = Depends(page_requires(P.MODELS_MANAGE))
) -> Response:
    clock = get_context(request).clock

    def change(session: Session) -> None:
        if action == "activate":
            models.activate(session, clock, model_id, by=viewer.actor)
        elif action == "retire":
            models.retire(session, clock, model_id, by=viewer.actor)
        else:
            raise InvalidInput("pages.unknown_change", "This change does not exist")

    outcome = attempt(request, change)
    if not outcome.ok:
        return _models_page(request, viewer, error=outcome.error, status_code=422)
    return _done(MODELS_URL, f"model_{action}")


# --- selectivity settings per office ---------------------------------------------------------------


@router.get(SETTINGS_URL)
def settings_page(
    request: Request, office: str = Query("", max_length=5), viewer: Viewer = Depends(READ)
) -> Response:
    return _settings_page(request, viewer, office or viewer.office_code or "")


def _settings_page(
    request: Request,
    viewer: Viewer,
    office: str,
    values: dict[str, str] | None = None,
    error: DouaneError | None = None,
    status_code: int = 200,
) -> Response:
    today = _today(request)
    with get_context(request).db.transaction() as session:
        shown: dict[str, Any] = {}
        if office.isdigit() and len(office) == 5:
            try:
                code = shares_service.office_code(session, office)
            except DouaneError as exc:
                error = error or exc
            else:
                shown = {
                    "code": code,
                    "shares": shares_service.shares_in_force(session, code, today),
                    "settings": capacity.settings_in_force(session, code, today),
                    "used": capacity.used_today(session, code, today),
                    "scheduled": capacity.scheduled(session, code, today),
                }
        return render(
            request,
            "risk/selectivity_settings.html",
            status_code=status_code,
            office=office,
            shown=shown,
            channels=CHANNELS,
            can_manage=viewer.can(P.SELECTIVITY_MANAGE),
            values=values or {},
            today=today.isoformat(),
            notice=_notice(request),
            error=_error(request, error),
        )


@router.post(SETTINGS_URL + "/{office}/{what}", dependencies=[Depends(csrf_protected)])
async def settings_set(
    request: Request, office: str, what: str, viewer: Viewer = Depends(page_requires(P.SELECTIVITY_MANAGE))
) -> Response:
    values = await _posted(request)
    clock = get_context(request).clock

    def change(session: Session) -> None:
        start = optional_date(values.get("valid_from"))
        if what == "shares":
            chosen = ChannelShares(**{c: _whole(values.get(c), c) for c in CHANNELS})
            shares_service.set_shares(
                session, clock, office_code=office, shares=chosen, valid_from=start, by=viewer.actor
            )
        elif what == "capacity":
            capacity.set_settings(
                session,
                clock,
                office_code=office,
                yellow_per_day=_whole(values.get("yellow_per_day"), "yellow"),
                red_per_day=_whole(values.get("red_per_day"), "red"),
                exploration_percent=_whole(values.get("exploration_percent"), "exploration"),
                score_threshold=float(_whole(values.get("score_threshold"), "threshold")),
                valid_from=start,
                by=viewer.actor,
            )
        else:
            raise InvalidInput("pages.unknown_change", "This change does not exist")

    outcome = attempt(request, change)
    if not outcome.ok:
        return _settings_page(request, viewer, office, values=values, error=outcome.error, status_code=422)
    return _done(f"{SETTINGS_URL}?office={office}", "shares_set" if what == "shares" else "capacity_set")


# --- monitoring ------------------------------------------------------------------------------------


@router.get(MONITORING_URL)
def monitoring_page(
    request: Request,
    month: str = Query("", max_length=7),
    office: str = Query("", max_length=5),
    _viewer: Viewer = Depends(READ),
) -> Response:
    start = _month(month) or _today(request).replace(day=1)
    chosen_office = office if office.isdigit() and len(office) == 5 else None
    with get_context(request).db.transaction() as session:
        report = monitoring.monthly(session, start, chosen_office)
    return render(
        request,
        "risk/monitoring_month.html",
        report=report,
        figures=report.as_dict(),
        month=start.isoformat()[:7],
        month_label=format_date(start, "MMMM y", locale=DATE_LOCALES.get(_language(request), "en_GB")),
        office=chosen_office or "",
        channels=CHANNELS,
        sources=SOURCES,
        verdicts=DRIFT_VERDICTS,
        references=DRIFT_REFERENCES,
        previous=monitoring.previous_month(start).isoformat()[:7],
        following=monitoring.next_month(start).isoformat()[:7],
    )


def _month(text: str) -> date | None:
    """The month asked for; None (this month is shown) when it is malformed or out of range."""
    try:
        return monitoring.month_from(text) if text else None
    except InvalidInput:
        return None
